"""What each output file is made from, as a fingerprint.

A route's fingerprint is a digest of the versions (source file digests) of
every model object its page shows, plus a global part: site.yaml, the theme,
the standalone pages (footer), the builder's own code and the build options.
If the fingerprint and the file on disk are unchanged, the page is not
rendered again. Rules follow what templates display: a claim page shows its
claimants (and their other claims), topics, related claims and seeds; a list
shows a card per claim (claim, claimants, topics). Only an object's own page
shows its Markdown body, so other pages depend on its ``meta_version`` (the
front matter) and an edit to the text re-renders one page. Unknown routes, and
pages made with the site's own templates (template_scan.py), depend on
everything, which is always correct, merely slower.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Generic, Iterable, TypeVar

from .model import Actor, Claim, Site

if TYPE_CHECKING:
    from .routes import Route

#: the default claim page lists this many other claims per claimant (newest first)
OTHER_CLAIMS = 5

#: site-wide pages and files (templates and writers) that show no Markdown body
_NO_BODIES = frozenset({"actors.html", "topics.html", "verdicts.html", "search.html",
                        "claimreview", "sitemap", "robots", "redirects"})


def _digest(parts: Iterable[str]) -> str:
    text = "\0".join(parts) + "\0"
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def with_body(base: str, version: str) -> str:
    """A claim page's fingerprint: :meth:`Fingerprints.claim_page` and its file's digest."""
    return _digest([base, version])


def code_version() -> str:
    """Digest of the builder's own source: a new version invalidates every page."""
    here = Path(__file__).resolve().parent
    return _digest(p.read_bytes().hex() for p in sorted(here.glob("*.py")))


class Fingerprints:
    def __init__(self, site: Site, global_parts: Iterable[str],
                 bodies_elsewhere: bool = False,
                 site_made: Callable[[str], bool] | None = None) -> None:
        """``bodies_elsewhere``: templates may show bodies beyond their own
        pages (the site has templates of its own: see template_scan.py);
        ``site_made`` tells whether a page template renders one of the site's
        own templates (:meth:`template_scan.TemplateScan.site_made`): the rules
        below are the default theme's, so such a page depends on everything."""
        self.site = site
        self.meta = "version" if bodies_elsewhere else "meta_version"
        self._site_made = site_made or (lambda name: False)
        self.glob = _digest([*global_parts, repr(site.config), *map(repr, site.verdicts),
                             *(p.version for p in site.pages)])
        self._cards: dict[int, str] = {}
        self._lists: dict[int, str] = {}
        self._everything: dict[bool, str] = {}
        self._boxes: dict[int, str] = {}
        #: some page depends on every claim's body (a body edit is not local)
        self.all_bodies_shown = False
        #: output path -> :meth:`claim_page` of each claim page fingerprinted
        self.bases: dict[str, str] = {}

    def card(self, claim: Claim) -> str:
        """What a claim's card shows, as the versions it is made of (not a digest:
        it is only ever a part of a page's fingerprint, and 10,000 digests cost)."""
        card = self._cards.get(id(claim))
        if card is None:
            meta = self.meta
            parts = [getattr(claim, meta), claim.verdict.key]
            parts += [getattr(a, meta) for a in claim.claimants]
            parts += [getattr(t, meta) for t in claim.topics]
            card = self._cards[id(claim)] = "\1".join(parts)  # hex digests and a slug
        return card

    def cards(self, claims: list[Claim]) -> list[str]:
        cards, card = self._cards, self.card
        return [cards.get(id(c)) or card(c) for c in claims]

    def claims(self, claims: list[Claim]) -> str:
        digest = self._lists.get(id(claims))
        if digest is None:
            digest = self._lists[id(claims)] = _digest(self.cards(claims))
        return digest

    def breakdown(self, claims: list[Claim]) -> str:
        counts: dict[str, int] = {}
        for claim in claims:
            counts[claim.verdict.key] = counts.get(claim.verdict.key, 0) + 1
        return _digest(f"{k}={v}" for k, v in sorted(counts.items()))

    def actor(self, actor: Actor) -> str:
        return _digest([actor.version, self.claims(actor.claims)])

    def claimant_box(self, actor: Actor) -> str:
        """What a claim page shows of its claimant: the newest few claims and a
        count (the same for each of the actor's claims: worked out once)."""
        box = self._boxes.get(id(actor))
        if box is None:
            box = _digest([getattr(actor, self.meta), str(len(actor.claims)),
                           *self.cards(actor.claims[:OTHER_CLAIMS + 1])])
            self._boxes[id(actor)] = box
        return box

    def everything(self, bodies: bool = True) -> str:
        """All objects; ``bodies=False`` for pages that show no Markdown body."""
        self.all_bodies_shown = self.all_bodies_shown or bodies
        if bodies not in self._everything:
            site = self.site
            own = "version" if bodies else self.meta
            self._everything[bodies] = _digest([
                self.claims(site.claims), *(c.version for c in site.claims if bodies),
                *(getattr(a, own) for a in site.actors),
                *(getattr(t, own) for t in site.topics), *(s.version for s in site.seeds),
                *(f"{a.slug}:{len(a.claims)}" for a in site.actors),
                *(f"{t.slug}:{len(t.claims)}" for t in site.topics)])
        return self._everything[bodies]

    def made_by_site(self, template: str) -> bool:
        return bool(template) and self._site_made(template)

    def of(self, route: Route) -> str:
        if route.template == "claim.html":
            base = self.bases[route.output] = self.claim_page(route)
            return with_body(base, route.context["claim"].version)
        if self.made_by_site(route.template):
            # every object's front matter, and the body of the page's own object
            own = [getattr(route.context.get(k), "version", "") for k in ("actor", "topic")]
            return _digest([self.glob, route.url, route.template, route.writer,
                            self.everything(bodies=False), *own])
        return _digest([self.glob, route.url, route.template, route.writer,
                        *self._parts(route)])

    def claim_page(self, route: Route) -> str:
        """A claim page's fingerprint without the claim's own file (its body):
        kept by the cache, so that a body edit can update the fingerprint alone."""
        claim: Claim = route.context["claim"]
        if self.made_by_site(route.template):
            return _digest([self.glob, route.url, route.template, route.writer,
                            self.everything(bodies=False)])
        parts = [self.glob, route.url, route.template, route.writer, self.card(claim),
                 str(len(claim.related))]
        parts += self.cards(claim.related)
        parts += [self.claimant_box(a) for a in claim.claimants]
        parts += [s.seed.version for s in (*claim.sources, *claim.evidence) if s.seed]
        return _digest(parts)

    def _parts(self, route: Route) -> list[str]:
        ctx: dict[str, Any] = route.context
        if route.writer == "verdict_image":  # the site's title is in the global part
            verdict = ctx["verdict"]
            return [verdict.key, verdict.label, verdict.color or ""]
        if route.writer == "card" or route.template == "redirect.html":
            return [self.card(ctx.get("claim") or ctx["target"])]
        if "all_claims" in ctx:
            # one page of a long list: its own cards, the list's length (page count,
            # totals) and, on an actor's first page, the verdict breakdown
            owner = ctx.get("actor") or ctx.get("topic") or ctx.get("verdict")
            pager = ctx["pagination"]
            every = ctx["all_claims"]
            parts = [getattr(owner, "version", "") or getattr(owner, "key", ""),
                     self.claims(ctx["claims"]), str(len(every)), str(pager.number)]
            if pager.number == 1 and isinstance(owner, Actor):
                parts.append(self.breakdown(every))
            return parts
        if route.writer == "feed" or route.template == "home.html":
            owner = ctx.get("actor") or ctx.get("topic")
            # an empty feed is dated by the whole site's latest change (structured.py)
            shown = ctx["claims"] or (self.site.claims if route.writer == "feed" else [])
            # the home page also says how many fact-checks the site has
            return [getattr(owner, "version", ""), self.claims(shown),
                    str(len(ctx["claims"])), str(ctx.get("title", "")),
                    str(len(self.site.claims)) if route.template == "home.html" else ""]
        if route.template == "source.html":
            seed = ctx["seed"]
            return [seed.version, self.claims(seed.claims)]
        if route.template in ("page.html", "404.html"):
            return []
        if route.writer == "search":  # the index is computed with the routes: its bytes
            data = route.context["search_index"].files[route.url]
            return [hashlib.blake2b(data, digest_size=16).hexdigest()]
        if route.writer in _NO_BODIES or route.template in _NO_BODIES:
            return [self.everything(bodies=False)]
        return [self.everything()]


_Value = TypeVar("_Value")


class VersionedMemo(Generic[_Value]):
    """Values made from one claim each, kept between builds by the versions of
    what each is made from (a subclass's :meth:`key`; None: never reused).

    The build cache keeps :attr:`used` for the next build, which gives it back
    as ``saved``; an edit makes only the values whose key it changed.
    """

    def __init__(self, saved: dict[tuple[str, ...], _Value] | None = None) -> None:
        self.saved = saved or {}
        self.used: dict[tuple[str, ...], _Value] = {}
        self.made = 0  # values made by this build, not reused

    def key(self, claim: Claim) -> tuple[str, ...] | None:
        raise NotImplementedError

    def get(self, claim: Claim, make: Callable[[], _Value]) -> _Value:
        key = self.key(claim)
        value = self.saved.get(key) if key else None
        if value is None:
            value = make()
            self.made += 1
        if key:
            self.used[key] = value
        return value

    @property
    def changed(self) -> bool:
        """True if the memo to keep differs from the saved one."""
        return self.made > 0 or len(self.used) != len(self.saved)
