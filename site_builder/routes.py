"""Stage 4, routes: the whole site map in one place.

Each :class:`Route` says which URL is built from which template (or which
structured-data writer) with which context. Nothing is rendered here, so
``check`` can use the map to verify links, and a collision (two things
claiming one URL) is caught before anything is written.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import unquote, urlsplit

from .model import Claim, Site, Verdict
from .output import how_names_differ, one_file_name
from .problems import Problems, did_you_mean
from .resolve import Model

#: top-level URL segments the builder owns; a page slug may not take them
RESERVED = {"claims", "actors", "topics", "verdicts", "sources", "page", "static", "assets",
            "search", "feed.xml", "sitemap.xml", "robots.txt", "404.html", "claimreview.json",
            "_redirects", "_headers", "cards"}


@dataclass
class Route:
    url: str
    template: str = ""
    writer: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    lastmod: dt.date | None = None
    sources: tuple[str, ...] = ()
    in_sitemap: bool = True

    @cached_property
    def output(self) -> str:
        """Path of the file inside the output folder (worked out once: a rebuild
        asks each of 23,000 routes five times; a route's URL never changes)."""
        path = unquote(self.url).lstrip("/")
        return path + "index.html" if path.endswith("/") or not path else path


@dataclass
class Pagination:
    number: int
    total: int
    base: str

    def url(self, number: int) -> str:
        return self.base if number == 1 else f"{self.base}page/{number}/"

    @property
    def prev_url(self) -> str | None:
        return self.url(self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.url(self.number + 1) if self.number < self.total else None

    @property
    def pages(self) -> list[tuple[int, str]]:
        """Every page: (number, URL)."""
        return [(n, self.url(n)) for n in range(1, self.total + 1)]

    @property
    def window(self) -> list[tuple[int | None, str]]:
        """The page links to show: the first, the last and two either side of
        this one, with (None, "") where pages are left out.

        Linking every page from every page grows with the square of the list:
        at 100,000 claims, 2,000 pages of /claims/ with 2,000 links each took
        13.7 s to render, and no reader can use such a pager.
        """
        shown = {1, self.total, *range(max(1, self.number - 2),
                                       min(self.total, self.number + 2) + 1)}
        items: list[tuple[int | None, str]] = []
        previous = 0
        for n in sorted(shown):
            if n - previous == 2:  # a gap of one page: the page, not an ellipsis
                items.append((previous + 1, self.url(previous + 1)))
            elif n - previous > 2:
                items.append((None, ""))
            items.append((n, self.url(n)))
            previous = n
        return items


def paginate(base: str, template: str, claims: list[Claim], size: int,
             context: dict[str, Any], lastmod: dt.date | None = None,
             sources: tuple[str, ...] = ()) -> list[Route]:
    """One route per page of ``size`` claims (at least one page, even if empty)."""
    total = max(1, math.ceil(len(claims) / size))
    routes = []
    for number in range(1, total + 1):
        pager = Pagination(number, total, base)
        chunk = claims[(number - 1) * size: number * size]
        routes.append(Route(pager.url(number), template,
                            context={**context, "claims": chunk, "all_claims": claims,
                                     "pagination": pager},
                            lastmod=lastmod, sources=sources))
    return routes


#: the most addresses one sitemap file may list (sitemaps.org); a bigger site's
#: /sitemap.xml is an index of /sitemap-1.xml, /sitemap-2.xml, ...
SITEMAP_LIMIT = 50_000


def sitemap_parts(routes: list[Route]) -> int:
    """How many sitemap files the index lists: 0 when one sitemap holds every page."""
    count = sum(1 for r in routes if r.in_sitemap and not r.writer)
    return 0 if count <= SITEMAP_LIMIT else math.ceil(count / SITEMAP_LIMIT)


def verdict_image_url(verdict: Verdict) -> str:
    """The share image of every claim with this verdict (a PNG: see structured.py)."""
    return f"/cards/verdicts/{verdict.key}.png"


def _latest(claims: list[Claim]) -> dt.date | None:
    return max((c.modified for c in claims), default=None)


def build_routes(model: Model, problems: Problems, with_search: bool = True,
                 search_index: Any = None) -> list[Route]:
    """Every route; ``with_search=False`` leaves out the search index files (the
    preview builds them only when a browser asks for them; the /search/ page is
    always there). ``search_index`` is the
    :class:`search.SearchIndex` when the caller has it (from the build cache)."""
    site = model.site
    size = site.config.page_size
    # the site's latest change dates the home page, the list and every feed with
    # no entry yet: worked out once, not once per actor without claims
    latest = _latest(site.claims)
    routes: list[Route] = [
        Route("/", "home.html", context={"claims": site.claims[:size]}, lastmod=latest),
        *paginate("/claims/", "claims.html", site.claims, size, {}, latest),
        Route("/actors/", "actors.html", context={"actors": site.actors}),
        Route("/topics/", "topics.html", context={"topics": site.topics}),
        Route("/verdicts/", "verdicts.html", context={}),
        Route("/404.html", "404.html", in_sitemap=False),
    ]
    for claim in site.claims:
        routes.append(Route(claim.url_path, "claim.html", context={"claim": claim},
                            lastmod=claim.modified, sources=(claim.path,)))
        if site.config.claim_cards:
            routes.append(Route(f"/cards/{claim.slug}.svg", writer="card", in_sitemap=False,
                                context={"claim": claim}, sources=(claim.path,)))
    for actor in site.actors:
        routes += paginate(actor.url_path, "actor.html", actor.claims, size, {"actor": actor},
                           _latest(actor.claims), (actor.path,))
        routes.append(Route(actor.url_path + "feed.xml", writer="feed", in_sitemap=False,
                            context={"title": actor.name, "claims": actor.claims,
                                     "page_url": actor.url_path, "site_updated": latest}))
    for topic in site.topics:
        routes += paginate(topic.url_path, "topic.html", topic.claims, size, {"topic": topic},
                           _latest(topic.claims), (topic.path,))
        routes.append(Route(topic.url_path + "feed.xml", writer="feed", in_sitemap=False,
                            context={"title": topic.title, "claims": topic.claims,
                                     "page_url": topic.url_path, "site_updated": latest}))
    for verdict in site.verdicts:
        routes += verdict_routes(site, verdict)
    for seed in site.seeds:
        routes.append(Route(seed.url_path, "source.html", context={"seed": seed},
                            sources=(seed.path,)))
    for page in site.pages:
        routes.append(Route(page.url_path, "page.html", context={"page": page},
                            sources=(page.path,)))
    routes += [
        Route("/feed.xml", writer="feed", in_sitemap=False,
              context={"title": site.config.title, "claims": site.claims, "page_url": "/",
                       "site_updated": latest}),
        Route("/claimreview.json", writer="claimreview", in_sitemap=False),
        Route("/sitemap.xml", writer="sitemap", in_sitemap=False),
        Route("/robots.txt", writer="robots", in_sitemap=False),
        Route("/_redirects", writer="redirects", in_sitemap=False),
    ]
    from .search import index_routes, page_route  # here: search imports this module

    routes.append(page_route(site))  # a page of the site, linked and in the site map
    if with_search:
        routes += index_routes(site, search_index)
    # last: drawing a PNG takes longer than a page, best not all in one early slice
    routes += [Route(verdict_image_url(v), writer="verdict_image", in_sitemap=False,
                     context={"verdict": v}) for v in site.verdicts]
    routes += _alias_routes(site)
    routes += [Route(f"/sitemap-{part}.xml", writer="sitemap", in_sitemap=False,
                     context={"part": part}) for part in range(1, sitemap_parts(routes) + 1)]
    _check_collisions(site, routes, problems)
    return routes


def verdict_routes(site: Site, verdict: Verdict) -> list[Route]:
    """A verdict's pages (the preview makes them again when a claim changes verdict)."""
    return paginate(verdict.url, "verdict.html", verdict.claims, site.config.page_size,
                    {"verdict": verdict}, _latest(verdict.claims))


def _alias_routes(site: Site) -> list[Route]:
    routes = []
    for claim in site.claims:
        urls: dict[str, int] = {}  # /old and /old/ are one page: a claim may list both forms
        lines = claim.extra.get("alias_lines", {})
        for alias in claim.aliases:
            url = alias if alias.endswith("/") or "." in alias.rsplit("/", 1)[-1] else alias + "/"
            urls.setdefault(url, lines.get(alias, 1))
        routes += [Route(url, "redirect.html", context={"target": claim, "line": line},
                         in_sitemap=False, sources=(claim.path,)) for url, line in urls.items()]
    return routes


def _check_collisions(site: Site, routes: list[Route], problems: Problems) -> None:
    reserved = set()  # pages named so: one message each, not a second for the clash
    for page in site.pages:
        if page.slug in RESERVED:
            reserved.add(page.path)
            problems.error(page.path, 1, f"the page slug '{page.slug}' is reserved for "
                           f"the site's own /{page.slug}/ pages",
                           f"rename the file, e.g. to 'about-{page.slug}.md'")
    owners: dict[str, Route] = {}
    for route in routes:
        other = owners.get(route.output)
        if other is None:
            owners[route.output] = route
            continue
        path, line = _blame(site, route, other)
        if path in reserved:
            continue
        mine = route if path in route.sources else other
        problems.error(path, line, f"two things would be written to {route.url}: "
                       f"{_described(mine)} and {_described(other if mine is route else route)}",
                       "an alias or page slug collides with another page; rename one, "
                       "or take the alias out")
    for output, route in owners.items():  # a file where another needs a folder
        parts = output.split("/")
        for depth in range(1, len(parts)):
            other = owners.get("/".join(parts[:depth]))
            if other is not None:
                path, line = _blame(site, route, other)
                problems.error(path, line, f"{route.url} ({_described(route)}) would need a "
                               f"folder where {other.url} ({_described(other)}) is a file",
                               "an alias or page slug collides with another page; rename one")
                break
    _check_case_collisions(site, owners, problems)


def _check_case_collisions(site: Site, owners: dict[str, Route], problems: Problems) -> None:
    """Outputs that differ only in letter case or Unicode normalization (an alias
    /About/ and the page /about/, /café/ written two ways) are one file on macOS
    and Windows: one would silently replace the other there.

    An error when a page is one of them (a checkout there would publish the
    redirect in place of a fact-check); a warning between two old addresses.
    """
    mixed: dict[str, Route] = {}
    for output, route in owners.items():
        folded = one_file_name(output)
        if folded == output:
            continue  # every page but an alias: slugs and keys are lowercase ASCII
        other = owners.get(folded) or mixed.setdefault(folded, route)
        if other is route or (route.template == other.template == "redirect.html"
                              and route.context["target"] is other.context["target"]):
            continue  # two spellings of one redirect: the same page either way
        path, line = _blame(site, route, other)
        pages = [r for r in (route, other) if r.template != "redirect.html"]
        report = problems.error if pages else problems.warning
        report(path, line, f"{route.url} and {other.url} differ only in "
               f"{how_names_differ(output, other.output)}: on a "
               "case-insensitive file system (macOS, Windows) one would replace the other"
               + (f", and {_described(pages[0])} would be lost" if pages else ""),
               "old addresses that differ only in this way cannot lead to different "
               "pages; remove or change one")


def _described(route: Route) -> str:
    """What a route is, for a collision report: whose file made it, and how."""
    if not route.sources:
        return f"the site's own {route.url}" + (" page" if route.url.endswith("/") else "")
    if route.template == "redirect.html":
        return f"an alias in {route.sources[0]}"
    return f"the page of {route.sources[0]}"


def _blame(site: Site, route: Route, other: Route) -> tuple[str, int]:
    """File and line to report a collision at: the route's own file if it has one
    (at the alias's line for an alias), else the other route's."""
    owner = route if route.sources else other
    if not owner.sources:
        return site.config.path, 1
    return owner.sources[0], owner.context.get("line", 1)


def check_links(model: Model, routes: list[Route], problems: Problems,
                static_paths: set[str] | None = None) -> None:
    """Site links in Markdown bodies must point at pages this build writes."""
    known = {r.url for r in routes} | (static_paths or set())
    _check_logo(model.site.config, known, problems)
    for path, href, line in model.links:
        target = unquote(urlsplit(href).path) or "/"  # https://this.site is its home page
        if target.endswith("/index.html"):  # the file that serves a page's address
            target = target[:-len("index.html")]
        if target in known or target + "/" in known or target in model.broken_urls \
                or target + "/" in model.broken_urls:
            continue
        if target in model.held_urls or target + "/" in model.held_urls:
            problems.error(path, line, f"the link '{href}' points to a claim that is not "
                           "published (a draft, or dated in the future)",
                           "publish that claim first, or take the link out for now")
            continue
        if _is_file(target):  # an image or a download, not a page
            guess = did_you_mean(target, sorted(filter(_is_file, known)), cutoff=0.75)
            problems.error(path, line, f"the link '{href}' points to a file that does not "
                           "exist", guess or "put the file in the static/ folder next to "
                           "content/ and link it as /static/<name>")
            continue
        guess = did_you_mean(target, sorted(known), cutoff=0.75)
        problems.error(path, line, f"the link '{href}' points to a page that does not exist",
                       guess or "check the address; site links look like /claims/<slug>/")


def _is_file(path: str) -> bool:
    """Is this site path a file (an image, a PDF) rather than a page?"""
    name = path.rsplit("/", 1)[-1]
    return "." in name and not name.endswith(".html")


def _check_logo(config: Any, known: set[str], problems: Problems) -> None:
    """A logo on this site must be a file the build writes: every ClaimReview names it."""
    logo = config.publisher.logo
    if not logo or "://" in logo:
        return
    path = "/" + unquote(urlsplit(logo).path).lstrip("/")
    if path not in known:
        problems.warning(config.path, config.publisher.logo_line,
                         f"the publisher logo '{logo}' is not a file of the built site",
                         "put the image in the static/ folder next to content/ (it is "
                         "served as /static/<name>), or give its full https:// address")

