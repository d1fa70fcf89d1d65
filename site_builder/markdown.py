"""Markdown through one configured markdown-it-py instance.

CommonMark plus tables, footnotes and heading anchors. Raw HTML is off unless
the site opts in (``allow_html: true``), and links may only be web, mail,
site-relative or fragment links: ``javascript:``, ``data:`` and ``file:`` never
reach a page (markdown-it's own check lets ``data:image`` through).
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.anchors.index import slugify as _slugify
from mdit_py_plugins.footnote import footnote_plugin

_SAFE_LINK = re.compile(r"^(?:https?:|mailto:|tel:|/|#|\.|[^:/?#]*(?:[/?#]|$))", re.I)
_UNSAFE_LINK = re.compile(r"\]\(\s*<?\s*((?:javascript|vbscript|data|file)\s*:)", re.I)


@dataclass
class Rendered:
    """A body as HTML, with what validation needs to know about it."""

    html: str
    internal_links: list[tuple[str, int]] = field(default_factory=list)
    h1_lines: list[int] = field(default_factory=list)
    unsafe_lines: list[int] = field(default_factory=list)


def _validate_link(url: str) -> bool:
    return bool(_SAFE_LINK.match(url.strip()))


#: ids the theme and the footnotes use on a page; a body heading never takes one
_TAKEN_IDS = re.compile(r"(main|claim-[a-z-]+|share-url|others-.*|.*-heading|seed-[a-z-]+"
                        r"|(search|filter)-.*|fn(ref)?\d+(:\d+)?)\Z")
_VERSION = "2"  # part of the memo key: bump when the HTML for a body changes


def _heading_id(title: str) -> str:
    """GitHub-style slug, never empty and never one of the page's own ids."""
    slug = _slugify(title) or "section"
    return f"{slug}-section" if _TAKEN_IDS.match(slug) else slug


@lru_cache(maxsize=2)
def parser(allow_html: bool = False) -> MarkdownIt:
    """The one configured instance (one per HTML setting)."""
    md = MarkdownIt("commonmark", {"html": allow_html, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(footnote_plugin)
    md.use(anchors_plugin, min_level=2, max_level=4, slug_func=_heading_id)
    md.validateLink = _validate_link  # type: ignore[method-assign]
    return md


#: body digest -> rendered parts; filled by render()/prerender() (a build
#: converts each distinct body once; the preview keeps them between rebuilds)
MEMO: dict[str, tuple[str, list[tuple[str, int]], list[int], list[int]]] = {}


def key(text: str, allow_html: bool) -> str:
    return hashlib.blake2b(f"{_VERSION}{int(allow_html)}{text}".encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def render(text: str, allow_html: bool = False) -> Rendered:
    """A body's HTML and links; each distinct body is converted only once."""
    digest = key(text, allow_html)
    parts = MEMO.get(digest)
    if parts is None:
        parts = MEMO[digest] = _convert(text, allow_html)
    html, links, h1s, unsafe = parts
    return Rendered(html, list(links), list(h1s), list(unsafe))


def prerender(texts: list[str], allow_html: bool = False, workers: int | None = None) -> None:
    """Convert the bodies not yet in MEMO, in parallel processes for big sites."""
    todo: dict[str, str] = {}
    for text in texts:
        digest = key(text, allow_html)
        if digest not in MEMO:
            todo[digest] = text
    workers = workers or os.cpu_count() or 1
    if len(todo) < 200 or workers < 2 or "fork" not in mp.get_all_start_methods():
        return
    items = list(todo.items())
    with mp.get_context("fork").Pool(workers) as pool:
        results = pool.map(_convert_plain if not allow_html else _convert_html,
                           [t for _, t in items], chunksize=64)
    MEMO.update(zip((d for d, _ in items), results))


def _convert_plain(text: str):  # type: ignore[no-untyped-def]
    return _convert(text, False)


def _convert_html(text: str):  # type: ignore[no-untyped-def]
    return _convert(text, True)


def _convert(text: str, allow_html: bool) -> tuple[str, list[tuple[str, int]], list[int],
                                                     list[int]]:
    md = parser(allow_html)
    env: dict = {}
    tokens = md.parse(text, env)
    result = Rendered(md.renderer.render(tokens, md.options, env))
    line = 0
    for token in tokens:
        if token.map:
            line = token.map[0] + 1
        if token.type == "heading_open" and token.tag == "h1":
            result.h1_lines.append(line)
        for child in token.children or ():
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                if href.startswith("/") and not href.startswith("//"):
                    result.internal_links.append((href, line))
    for match in _UNSAFE_LINK.finditer(text):
        result.unsafe_lines.append(text.count("\n", 0, match.start()) + 1)
    return result.html, result.internal_links, result.h1_lines, result.unsafe_lines


def render_inline(text: str) -> str:
    """Short front matter text (a summary) with inline Markdown only."""
    return parser(False).renderInline(text)
