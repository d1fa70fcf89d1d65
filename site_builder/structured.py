"""Machine-readable output: ClaimReview JSON-LD, Atom feeds, sitemap, robots,
redirects, the ClaimReview data feed and social cards.

Everything is built as Python data and serialised by ``json``/``xml.etree``,
never by string templates, so a quote or ``</script>`` in a claim cannot
break the markup. Dates come from content, never from the clock, so the
same content gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from xml.sax.saxutils import escape as _xml_escape
from typing import Any, Callable, Iterable
from urllib.parse import quote

from .deps import VersionedMemo
from .model import Actor, Claim, Site, Verdict
from . import routes as _routes
from .routes import Route

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
_FEED_SIZE = 50


# -- page metadata -----------------------------------------------------------
def page_title(site: Site, route: Route) -> str:
    """The page's own title; each page of a long list says which page it is."""
    ctx = route.context
    pager = ctx.get("pagination")
    suffix = f" (page {pager.number})" if pager is not None and pager.number > 1 else ""
    for key, attr in (("claim", "title"), ("actor", "name"), ("topic", "title"),
                      ("verdict", "label"), ("seed", "headline"), ("page", "title")):
        if key in ctx:
            return str(getattr(ctx[key], attr)) + suffix
    return {"/claims/": "All fact-checks", "/actors/": "Claimants", "/topics/": "Topics",
            "/verdicts/": "Our ratings", "/404.html": "Page not found",
            "/search/": "Search"}.get(route.url.split("page/")[0], site.config.title) + suffix


def description(site: Site, route: Route) -> str:
    ctx = route.context
    if "claim" in ctx:
        return ctx["claim"].summary
    for key in ("actor", "topic", "verdict", "page"):
        if key in ctx and getattr(ctx[key], "description", ""):
            return ctx[key].description
    if "seed" in ctx and ctx["seed"].summary:
        return ctx["seed"].summary
    return site.config.description


# -- JSON-LD -----------------------------------------------------------------
def organization(site: Site) -> dict[str, Any]:
    pub = site.config.publisher
    org: dict[str, Any] = {"@type": "Organization", "name": pub.name, "url": pub.url}
    if pub.logo:
        org["logo"] = {"@type": "ImageObject",
                       "url": pub.logo if "://" in pub.logo else site.config.absolute(
                           "/" + pub.logo.lstrip("/"))}
    return org


def rating(site: Site, verdict: Verdict) -> dict[str, Any]:
    """A Rating; verdicts off the numeric scale carry only their text."""
    result: dict[str, Any] = {"@type": "Rating", "alternateName": verdict.label,
                              "name": verdict.label}
    numbers = [v.rating for v in site.verdicts if v.rating is not None]
    if verdict.rating is not None and numbers:
        result.update(ratingValue=verdict.rating, bestRating=max(numbers),
                      worstRating=min(numbers))
    return result


def _person(actor: Actor) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "Organization" if actor.kind == "organization"
                            else "Person", "name": actor.name}
    if actor.role and actor.kind != "organization":
        data["jobTitle"] = actor.role
    same = list(dict.fromkeys([actor.url, *actor.same_as] if actor.url else actor.same_as))
    if same:
        data["sameAs"] = same[0] if len(same) == 1 else same
    return data


def _appearances(claim: Claim) -> tuple[list[dict[str, Any]], int]:
    """Where the claim appeared, and which of them came first; an archived copy
    is its address when the original's is not given (a deleted post is often
    known only by its copy).

    The first is the earliest when every appearance is dated (editors list
    sources in any order, often the one they found first), else the first
    listed: without a date an appearance could be the earliest.
    """
    result, dates = [], []
    for ref in claim.sources:
        url = ref.url or (ref.seed.url if ref.seed else "") or ref.archive_url
        work: dict[str, Any] = {"@type": "CreativeWork"}
        if url:
            work["url"] = url
        headline = ref.title or (ref.seed.headline if ref.seed else "")
        if headline:
            work["headline"] = headline
        publisher = ref.publisher or (ref.seed.publisher if ref.seed else "")
        if publisher:
            work["publisher"] = {"@type": "Organization", "name": publisher}
        date = ref.date or (ref.seed.date if ref.seed else None)
        if date:
            work["datePublished"] = date.iso()
        if len(work) > 1:
            result.append(work)
            dates.append(date.as_date() if date else None)
    if not result or None in dates:
        return result, 0
    return result, min(range(len(result)), key=lambda i: dates[i])  # type: ignore[arg-type, return-value]


def claim_review(site: Site, claim: Claim, org: dict[str, Any] | None = None,
                 ratings: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """A claim's ClaimReview; ``org`` and ``ratings`` are shared by a whole feed."""
    item: dict[str, Any] = {"@type": "Claim"}
    authors = [_person(a) for a in claim.claimants]
    if authors:
        item["author"] = authors[0] if len(authors) == 1 else authors
    if claim.claim_date:
        item["datePublished"] = claim.claim_date.iso()
    appearances, first = _appearances(claim)
    if appearances:
        item["appearance"] = appearances
        item["firstAppearance"] = appearances[first]
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": site.config.absolute(claim.url_path),
        "name": claim.title,
        "claimReviewed": claim.claim,
        "datePublished": claim.published.isoformat(),
        "author": org or organization(site),
        "reviewRating": (ratings or {}).get(claim.verdict.key) or rating(site, claim.verdict),
        "itemReviewed": item,
    }
    if claim.modified != claim.published:
        review["dateModified"] = claim.modified.isoformat()
    if site.config.language:
        review["inLanguage"] = site.config.language
    return review


_POLICY_PROPS = {"about": "publishingPrinciples", "methodology": "verificationFactCheckingPolicy",
                 "corrections": "correctionsPolicy", "funding": "ownershipFundingInfo",
                 "ownership": "ownershipFundingInfo", "masthead": "masthead",
                 "ethics": "ethicsPolicy", "tips": "actionableFeedbackPolicy"}


def home_organization(site: Site) -> dict[str, Any]:
    org = {"@context": "https://schema.org", **organization(site)}
    if site.config.description:
        org["description"] = site.config.description
    for name, prop in _POLICY_PROPS.items():
        page = site.policy_page(name)
        if page and prop not in org:
            org[prop] = site.config.absolute(page.url_path)
    contact = site.policy_page("contact")
    if contact:
        org["contactPoint"] = {"@type": "ContactPoint", "contactType": "corrections",
                               "url": site.config.absolute(contact.url_path)}
    return org


def page_jsonld(site: Site, route: Route) -> str:
    if "claim" in route.context:
        data = claim_review(site, route.context["claim"])
    elif route.url == "/":
        data = home_organization(site)
    else:
        return ""
    return json_for_html(data)


def json_for_html(data: Any) -> str:
    """JSON that cannot close a ``<script>`` element or open a comment in it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def claimreview_feed(site: Site, memo: FeedItems | None = None) -> bytes:
    """A schema.org DataFeed of every published ClaimReview (the aggregators' shape).

    ``memo`` holds items serialised by an earlier build (see :class:`FeedItems`);
    the bytes are the same with or without it.
    """
    memo = memo if memo is not None else FeedItems()
    memo.start(site)
    org = organization(site)
    ratings = {v.key: rating(site, v) for v in site.verdicts}
    head = {
        "@context": "https://schema.org",
        "@type": "DataFeed",
        "name": f"{site.config.title}: ClaimReview feed",
        "url": site.config.absolute("/claimreview.json"),
        "dateModified": _latest_change(site).isoformat(),
    }
    items = ",".join([memo.get(c, lambda c=c: _feed_item(site, c, org, ratings))
                      for c in site.claims])
    # the list is the last member: the same text as dumping the whole dict at once
    text = _dumps(head)[:-1] + ',"dataFeedElement":[' + items + "]}\n"
    return text.encode("utf-8")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _feed_item(site: Site, claim: Claim, org: dict[str, Any],
               ratings: dict[str, dict[str, Any]]) -> str:
    """One DataFeedItem of the ClaimReview feed, as JSON text."""
    return _dumps({"@type": "DataFeedItem", "dateCreated": claim.published.isoformat(),
                   "dateModified": claim.modified.isoformat(),
                   "item": [_without_context(claim_review(site, claim, org, ratings))]})


class FeedItems(VersionedMemo[str]):
    """The ClaimReview feed's items as JSON text, by the versions of what each is made from.

    Serialising every ClaimReview took a third of a second at 10,000 claims on
    each rebuild, though an edit changes one or two items. An item shows its
    claim's front matter (``meta_version``), its claimants' front matter, its
    seeds' files and the site's settings and verdict scale, so its key holds
    exactly those; an object without a version (not built from a file) is
    never looked up.
    """

    def __init__(self, saved: dict[tuple[str, ...], str] | None = None) -> None:
        super().__init__(saved)
        self.rendered = False
        self._site = ""

    def start(self, site: Site) -> None:
        """A new feed: what every item shares is the site's settings and scale."""
        self.used, self.made, self.rendered = {}, 0, True
        self._site = _blake(repr(site.config), *map(repr, site.verdicts))

    def key(self, claim: Claim) -> tuple[str, ...] | None:
        """The site's part, then the claim's, its claimants' and its sources' versions
        (file digests, each naming its file: no two objects share one)."""
        parts = [self._site, claim.meta_version]
        parts += [a.meta_version for a in claim.claimants]
        parts += [ref.seed.version if ref.seed else "-" for ref in claim.sources]
        return None if "" in parts else tuple(parts)

    @property
    def changed(self) -> bool:
        """True if the feed was made and the memo to keep differs from the saved one."""
        return self.rendered and super().changed


def _blake(*parts: str) -> str:
    text = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def _without_context(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "@context"}


# -- Atom ----------------------------------------------------------------------
def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _x(text: str) -> str:
    return _xml_escape(text, {'"': "&quot;"})


def _tag(name: str, text: str | None = None, **attrs: str) -> str:
    """One XML element as text (feeds are hot at scale: ElementTree is 10x slower)."""
    attributes = "".join(f' {k}="{_x(v)}"' for k, v in attrs.items())
    if text is None:
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{_x(text)}</{name}>"


def _latest_change(site: Site) -> dt.date:
    return max((c.modified for c in site.claims), default=dt.date(1970, 1, 1))


def atom_feed(site: Site, route: Route) -> bytes:
    """An Atom feed: newest first, ids stable (the claim's canonical URL)."""
    config = site.config
    claims: list[Claim] = sorted(route.context["claims"], key=Claim.sort_key)[:_FEED_SIZE]
    title = route.context["title"]
    # a feed with no entry yet (an actor with no published claim) is as new as the site
    updated = (max(c.modified for c in claims) if claims
               else route.context.get("site_updated") or _latest_change(site))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        # the language, as the pages' <html lang>: feed readers pick fonts and voices by it
        f'<feed xmlns="{ATOM}" xml:lang="{_x(config.language)}">',
        "  " + _tag("title", title if title == config.title else f"{title} - {config.title}"),
        "  " + _tag("id", config.absolute(route.url)),
        "  " + _tag("updated", _timestamp(updated)),
        "  " + _tag("link", href=config.absolute(route.url), rel="self",
                    type="application/atom+xml"),
        "  " + _tag("link", href=config.absolute(route.context["page_url"]), rel="alternate",
                    type="text/html"),
        "  <author>" + _tag("name", config.publisher.name) + _tag("uri", config.publisher.url)
        + "</author>",
    ]
    for claim in claims:
        url = config.absolute(claim.url_path)
        lines += [
            "  <entry>",
            "    " + _tag("title", f"{claim.verdict.label}: {claim.title}"),
            "    " + _tag("id", url),
            "    " + _tag("link", href=url, rel="alternate", type="text/html"),
            "    " + _tag("published", _timestamp(claim.published)),
            "    " + _tag("updated", _timestamp(claim.modified)),
            "    <author>" + _tag("name", claim.author or config.publisher.name) + "</author>",
            "    " + _tag("summary", f"{claim.claim} - Verdict: {claim.verdict.label}. "
                                     f"{claim.summary}"),
            "    " + _tag("category", term=claim.verdict.key, label=claim.verdict.label),
            *("    " + _tag("category", term=t.slug, label=t.title) for t in claim.topics),
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


# -- sitemap, robots, redirects ------------------------------------------------
def sitemap(site: Site, routes: Iterable[Route], part: int | None = None) -> bytes:
    """Every page a search engine should know, with the date it last changed;
    ``part`` (from 1) is one file of a site too big for one sitemap."""
    listed = sorted((r for r in routes if r.in_sitemap and not r.writer), key=lambda r: r.url)
    limit = _routes.SITEMAP_LIMIT
    if part is not None:
        return _urlset(site, listed[(part - 1) * limit: part * limit])
    if len(listed) <= limit:
        return _urlset(site, listed)
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<sitemapindex xmlns="{SITEMAP}">']
    for start in range(0, len(listed), limit):
        dates = [r.lastmod for r in listed[start:start + limit] if r.lastmod]
        url = site.config.absolute(f"/sitemap-{start // limit + 1}.xml")
        lines += ["  <sitemap>", f"    <loc>{_xml_escape(url)}</loc>"]
        if dates:
            lines.append(f"    <lastmod>{max(dates).isoformat()}</lastmod>")
        lines.append("  </sitemap>")
    lines.append("</sitemapindex>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _urlset(site: Site, routes: list[Route]) -> bytes:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<urlset xmlns="{SITEMAP}">']
    for route in routes:
        lines += ["  <url>", f"    <loc>{_xml_escape(site.config.absolute(route.url))}</loc>"]
        if route.lastmod:
            lines.append(f"    <lastmod>{route.lastmod.isoformat()}</lastmod>")
        lines.append("  </url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(site: Site) -> bytes:
    return (f"User-agent: *\nAllow: /\n\nSitemap: {site.config.absolute('/sitemap.xml')}\n"
            ).encode("utf-8")


def robots_disallow_all() -> bytes:
    """For branch deploys and previews, which must stay out of search engines."""
    return b"User-agent: *\nDisallow: /\n"


def redirects(site: Site) -> bytes:
    """Netlify ``_redirects``: each alias answers 301 with the claim's URL.

    Forced (``301!``): the build also writes an HTML redirect page at each
    alias (for hosts without redirect rules), and Netlify serves an existing
    file rather than apply an unforced rule ("shadowing").
    """
    lines = []
    for claim in site.claims:
        for alias in claim.aliases:
            source = quote(alias, safe="/%")  # Netlify wants special characters encoded
            lines.append(f"{source} {claim.url_path} 301!")
            if source.endswith("/") and len(source) > 1:
                lines.append(f"{source.rstrip('/')} {claim.url_path} 301!")
    return ("\n".join(sorted(set(lines))) + "\n").encode("utf-8") if lines else b""


# -- social card -----------------------------------------------------------------
def _wrap(text: str, width: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width`` characters (an ellipsis
    ends what does not fit); a word longer than a line, a URL say, is cut."""
    words, result, current = [], [], ""
    for word in text.split():
        words += [word[i:i + width] for i in range(0, len(word), width)]
    for word in words:
        if len(current) + len(word) + 1 > width and current:
            result.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    result.append(current)
    if len(result) > lines:
        result = result[:lines]
        result[-1] = result[-1][: width - 1].rstrip() + "\u2026"
    return result


#: widest a bold capital is, as a share of the font size (fonts differ: the
#: badge's text is also told its length, so it never runs out of its badge)
_CAPS_WIDTH = 0.8


def verdict_card(site: Site, claim: Claim) -> bytes:
    """A 1200x630 SVG card: verdict label in its colour, the claim, the site name."""
    colour = claim.verdict.color or "#333333"
    names = ", ".join(a.name for a in claim.claimants)
    footer = f"{names} \u2014 checked by {site.config.title}" if names else site.config.title
    footer = _wrap(footer, 66, 1)[0]
    quote = _wrap(f"\u201c{claim.claim}\u201d", 38, 4)
    label = claim.verdict.label.upper()
    size = min(56, int(1010 / (_CAPS_WIDTH * max(len(label), 1))))
    text_width = int(_CAPS_WIDTH * size * len(label))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630" '
        'viewBox="0 0 1200 630" role="img">',
        "  " + _tag("title", f"{claim.verdict.label}: {claim.claim} ({site.config.title})"),
        '  <rect width="1200" height="630" fill="#ffffff"/>',
        "  " + _tag("rect", width="1200", height="24", fill=colour),
        "  " + _tag("rect", x="64", y="88", rx="12", height="96", fill=colour,
                    width=str(60 + text_width)),
        '  <text x="94" y="154" fill="#ffffff" font-family="system-ui, sans-serif" '
        f'font-size="{size}" font-weight="700" textLength="{text_width}" '
        f'lengthAdjust="spacingAndGlyphs">{_x(label)}</text>',
        *(f'  <text x="64" y="{290 + i * 64}" fill="#111111" font-family="Georgia, serif" '
          f'font-size="52">{_x(line)}</text>' for i, line in enumerate(quote)),
        '  <text x="64" y="580" fill="#444444" font-family="system-ui, sans-serif" '
        f'font-size="30">{_x(footer)}</text>',
        "</svg>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def verdict_image(site: Site, verdict: Verdict) -> bytes:
    """A 1200x630 PNG: the verdict in its colour and the site's name.

    What social networks show for a shared claim: they do not show the SVG
    cards, and one image per verdict (not per claim) keeps a 10,000-claim
    build from drawing 10,000 PNGs. The text is set in DejaVu Sans (or
    Liberation Sans) when the machine has it, which covers Latin with its
    accents, Greek and Cyrillic; else in Pillow's own font, ASCII only.
    """
    import io

    from PIL import Image, ImageDraw

    colour = verdict.color or "#333333"
    label = verdict.label.upper()
    image = Image.new("RGB", (1200, 630), "#ffffff")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1200, 24), fill=colour)
    size = 96
    font = _font(size, bold=True)
    while size > 24 and draw.textlength(label, font=font) > 1010:
        size -= 4
        font = _font(size, bold=True)
    width = int(draw.textlength(label, font=font))
    draw.rounded_rectangle((64, 200, 64 + width + 80, 200 + size + 80), radius=16, fill=colour)
    draw.text((104, 240), label, font=font, fill="#ffffff")
    name = _font(40)
    draw.text((64, 540), _wrap(site.config.title, 48, 1)[0], font=name, fill="#444444")
    draw.text((64, 120), "Fact-check rating", font=name, fill="#444444")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


#: fonts tried in order for the share images (found in the system's font folders)
_FONTS = {True: ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf"),
          False: ("DejaVuSans.ttf", "LiberationSans-Regular.ttf")}


def _font(size: int, bold: bool = False):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    for name in _FONTS[bold]:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)

