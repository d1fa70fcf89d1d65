"""Stage 5, render: routes -> bytes, with the Jinja2 theme and structured data.

The theme's templates (theme.py finds them) render each route; a site's own
template of the same name wins, and the default theme stays reachable as
``default/<name>`` for ``{% extends %}``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

import jinja2
from markupsafe import Markup

from . import search, structured
from .model import PartialDate, Site
from .routes import Route, verdict_image_url
from .theme import Theme


def _format_date(value: Any) -> str:
    if isinstance(value, PartialDate):
        return value.display()
    if isinstance(value, dt.date):
        return f"{value.day} {value.strftime('%B %Y')}"
    return str(value or "")


def _iso(value: Any) -> str:
    if isinstance(value, (PartialDate, dt.date)):
        return value.isoformat() if isinstance(value, dt.date) else value.iso()
    return str(value or "")


_ENVIRONMENTS: dict[tuple[str, ...], jinja2.Environment] = {}


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled by earlier builds (Jinja2's own cache, which checks
    each template's source); one that cannot be written is simply not kept."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _compiled(folder: Path | None) -> jinja2.BytecodeCache | None:
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(str(folder))


def make_environment(theme: Theme, site: Site, drafts: bool, live: bool = False,
                     compiled: Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment for a theme; kept, so compiled templates are reused.

    ``live`` (the preview) makes Jinja2 check template files for changes on
    every use; a build reads each template once. ``compiled`` is a folder
    where compiled templates are kept between builds: compiling the theme
    costs a rebuild that renders a few pages more than rendering them.
    """
    key = (*(str(d) for d in theme.template_dirs), str(live), str(compiled))
    if live:  # a site template added while the preview runs must win over the
        # default one Jinja2 already loaded (which stays up to date by its own mtime)
        key += tuple(sorted(str(p) for d in theme.template_dirs[:-1] for p in d.rglob("*")))
    env = _ENVIRONMENTS.get(key)
    if env is None:
        folders = [str(d) for d in theme.template_dirs]
        loader = jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(folders),
            jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(folders[-1])}),
        ])
        env = _ENVIRONMENTS[key] = jinja2.Environment(
            loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, auto_reload=live, bytecode_cache=_compiled(compiled))

    def asset(name: str) -> str:
        try:
            return theme.asset_urls[name]
        except KeyError:
            raise jinja2.TemplateRuntimeError(f"asset('{name}'): no such static file "
                                              "in the theme") from None

    env.globals.update(site=site, config=site.config, verdicts=site.verdicts, asset=asset,
                       drafts=drafts, partial=Partials(env, remember=not live))
    env.filters.update(date=_format_date, iso=_iso, absolute=site.config.absolute)
    return env


class Partials:
    """``partial(name, **values)`` in templates: a partial rendered with only
    ``values`` (and the globals) in its context, once per build.

    A claim's card shows on its actor, topic, verdict and list pages and on
    every claim page that relates it; rendering it once and reusing the HTML
    cuts a third of a big site's render time. Values are looked up by
    identity: model objects do not change during a build. The preview
    (``remember=False``) renders every time, as templates may change under it.
    """

    def __init__(self, env: jinja2.Environment, remember: bool = True) -> None:
        self.env, self.remember = env, remember
        self.done: dict[tuple[Any, ...], tuple[Any, Markup]] = {}

    def __call__(self, name: str, **values: Any) -> Markup:
        key = (name, *((k, id(v)) for k, v in sorted(values.items())))
        hit = self.done.get(key)
        if hit is not None:
            return hit[1]
        html = Markup(self.env.get_template(name).render(**values))
        if self.remember:
            self.done[key] = (values, html)  # the values stay alive, so ids stay unique
        return html


class Renderer:
    """Turns each route into the bytes of its output file."""

    def __init__(self, site: Site, routes: list[Route], theme: Theme, drafts: bool = False,
                 no_index: bool = False, live: bool = False, compiled: Path | None = None,
                 feed: structured.FeedItems | None = None):
        """``feed``: ClaimReview feed items kept from an earlier build (build cache)."""
        self.site, self.routes, self.theme, self.drafts = site, routes, theme, drafts
        self.feed = feed
        self.env = make_environment(theme, site, drafts, live, compiled)
        self.writers: dict[str, Callable[[Route], bytes]] = {
            "feed": lambda r: structured.atom_feed(site, r),
            "claimreview": lambda r: structured.claimreview_feed(site, self.feed),
            "sitemap": lambda r: structured.sitemap(site, routes, r.context.get("part")),
            # a build with drafts is the newsroom's, as its pages' noindex says
            "robots": lambda r: (structured.robots_disallow_all() if no_index or drafts
                                 else structured.robots(site)),
            "redirects": lambda r: structured.redirects(site),
            "card": lambda r: structured.verdict_card(site, r.context["claim"]),
            "verdict_image": lambda r: structured.verdict_image(site, r.context["verdict"]),
            "search": search.write,
        }

    def render(self, route: Route) -> bytes:
        if route.writer:
            return self.writers[route.writer](route)
        template = self.env.get_template(route.template)
        html = template.render(**self.context(route))
        return html.encode("utf-8")

    def context(self, route: Route) -> dict[str, Any]:
        claim = route.context.get("claim")
        feed = ""
        for key in ("actor", "topic"):
            obj = route.context.get(key)
            if obj is not None:
                feed = obj.url_path + "feed.xml"
        description = structured.description(self.site, route)
        return {
            **route.context,
            "page_url": route.url,
            # the 404 page answers for any missing address: it has none of its own
            "canonical": ("" if route.template == "404.html"
                          else self.site.config.absolute(route.url)),
            "jsonld": structured.page_jsonld(self.site, route),
            "feed_url": feed,
            "meta": {
                "title": structured.page_title(self.site, route),
                "description": description,
                "type": "article" if claim else "website",
                "image": self.site.config.absolute(verdict_image_url(claim.verdict))
                if claim else "",
                "image_alt": f"Rated {claim.verdict.label}" if claim else "",
                "card": self.site.config.absolute(f"/cards/{claim.slug}.svg")
                if claim and self.site.config.claim_cards else "",
            },
        }

    def static_files(self) -> dict[str, Path]:
        return dict(self.theme.static_files)

