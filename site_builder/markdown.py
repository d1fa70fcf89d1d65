"""Markdown through one configured markdown-it-py instance.

CommonMark plus tables, footnotes and heading anchors. Raw HTML is off unless
the site opts in (``allow_html: true``), and links may only be web, mail,
site-relative or fragment links: ``javascript:``, ``data:`` and ``file:`` never
reach a page (markdown-it's own check lets ``data:image`` through).

Raw HTML is passed through as written, so it is checked instead (no sanitizer
dependency): :class:`_RawHtml` finds scripts, event handlers and other schemes
in it, and validation turns them into errors, so such a page is never built.
Footnote mistakes that the plugin passes over in silence (a label defined
twice, a reference to no definition, a definition nobody refers to) are
collected from the same token stream.
"""

from __future__ import annotations

import hashlib
import html as _html
import multiprocessing as mp
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any, Callable
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.anchors.index import slugify as _slugify
from mdit_py_plugins.footnote import footnote_plugin

from .workers import fork_pool

_SAFE_LINK = re.compile(r"^(?:https?:|mailto:|tel:|/|#|\.|[^:/?#]*(?:[/?#]|$))", re.I)
#: the addresses the link check refused during one conversion (one list per thread)
_REFUSED = threading.local()


@dataclass
class Rendered:
    """A body as HTML, with what validation needs to know about it."""

    html: str
    internal_links: list[tuple[str, int]] = field(default_factory=list)
    h1_lines: list[int] = field(default_factory=list)
    unsafe_lines: list[int] = field(default_factory=list)
    #: (line, kind, detail): raw HTML a page must not carry; kind is "element"
    #: ("script"), "handler" ("onclick"), "attribute" ("style"), "scheme"
    #: ("javascript:|href") or "unreadable"
    unsafe_html: list[tuple[int, str, str]] = field(default_factory=list)
    #: (line, "<div>" or "<!--"): raw HTML left open, which swallows the rest of the page
    unclosed_html: list[tuple[int, str]] = field(default_factory=list)
    #: (line, label, line of the first definition): a footnote defined again
    note_repeats: list[tuple[int, str, int]] = field(default_factory=list)
    #: (line, label): ``[^label]`` with no definition, published as literal text
    note_unknown: list[tuple[int, str]] = field(default_factory=list)
    #: (line, label): a definition no reference uses, left off the page
    note_unused: list[tuple[int, str]] = field(default_factory=list)
    #: (line, label): ``[^label]: ...`` with a label no footnote can have (a space,
    #: or nothing), which Markdown reads as a link definition instead
    note_malformed: list[tuple[int, str]] = field(default_factory=list)
    #: (address, line): links and images to absolute http(s) addresses; validation
    #: keeps those into this very site (copied from the browser) to be checked
    web_links: list[tuple[str, int]] = field(default_factory=list)


def _validate_link(url: str) -> bool:
    if _SAFE_LINK.match(url.strip()):
        return True
    refused = getattr(_REFUSED, "urls", None)
    if refused is not None:  # markdown-it leaves the link's Markdown as text
        refused.append(url)
    return False


def _comparable(text: str) -> str:
    """Text as a link check sees it: entities and %-escapes decoded, no blanks."""
    return "".join(unquote(_html.unescape(text)).split()).lower()


def _refused_lines(text: str, urls: list[str]) -> list[int]:
    """Body lines of the refused addresses, whatever syntax wrote them (inline,
    reference definition, autolink, image; entity- or %-encoded)."""
    if not urls:
        return []
    lines = [_comparable(line) for line in text.split("\n")]
    found: set[int] = set()
    for url in set(urls):
        wanted = _comparable(url)
        hits = [number for number, line in enumerate(lines, start=1) if wanted and wanted in line]
        found.update(hits or [1])
    return sorted(found)


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
#: an address markdown-it's normalizeLink gives back unchanged: an http(s)
#: host of plain labels, or a path, query or fragment that does not start
#: with //, in characters it never escapes (tests/test_markdown_checks.py
#: compares the two on generated addresses)
_PLAIN_URL = re.compile(rf"(?!//)(?:https?://{_LABEL}(?:\.{_LABEL})*(?::[0-9]{{1,5}})?)?"
                        r"(?:[/?#](?:[A-Za-z0-9._~!$&'()*+,;=:@/?#-]|%[0-9A-Fa-f]{2})*)?\Z")


def _normalize_link(normalize: Callable[[str], str]) -> Callable[[str], str]:
    """markdown-it's link normalizer, skipped for addresses it would not change.

    Parsing and re-encoding a URL costs as much as a tenth of converting a
    body with a few links; most addresses are plain ASCII and come back as is.
    """
    def normalize_link(url: str) -> str:
        return url if _PLAIN_URL.match(url) else normalize(url)
    return normalize_link


#: ids the theme and the footnotes use on a page; a body heading never takes one
_TAKEN_IDS = re.compile(r"(main|claim-[a-z-]+|share-url|others-.*|.*-heading|seed-[a-z-]+"
                        r"|(search|filter)-.*|fn(ref)?\d+(:\d+)?)\Z")
_VERSION = "13"  # part of the memo key: bump when the HTML or the Rendered fields change


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
    # before the footnote plugin moves (and drops) its definitions, and before
    # escaped characters are merged into the text around them
    md.core.ruler.before("footnote_tail", "body_facts", _body_facts)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("footnote_anchor", _footnote_backlink(md.renderer.rules["footnote_anchor"]))
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.normalizeLink = _normalize_link(md.normalizeLink)  # type: ignore[method-assign]
    return md


def _table_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    """A table reachable by keyboard: the theme scrolls a wide one sideways on a
    narrow screen, and a reader without a mouse must be able to scroll it too."""
    tokens[idx].attrSet("tabindex", "0")
    return self.renderToken(tokens, idx, options, env)


def _footnote_backlink(plugin_rule: Callable[..., str]) -> Callable[..., str]:
    """The footnote plugin's back link, named: its text alone, '↩', tells a
    screen reader nothing about where it leads."""
    def footnote_anchor(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        html = plugin_rule(tokens, idx, options, env)  # bound to the renderer already
        meta = tokens[idx].meta  # the reference's caption: [1], or [1:1] for its second use
        label = f"Back to reference {meta['id'] + 1}" + (f":{meta['subId']}" if meta["subId"] else "")
        return html.replace('class="footnote-backref"',
                            f'class="footnote-backref" aria-label="{label}"', 1)
    return footnote_anchor


#: body digest -> the fields of its Rendered; filled by render()/prerender() (a
#: build converts each distinct body once; the preview keeps them between rebuilds)
MEMO: dict[str, tuple[Any, ...]] = {}


def key(text: str, allow_html: bool) -> str:
    return hashlib.blake2b(f"{_VERSION}{int(allow_html)}{text}".encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


def render(text: str, allow_html: bool = False) -> Rendered:
    """A body's HTML and links; each distinct body is converted only once."""
    digest = key(text, allow_html)
    parts = MEMO.get(digest)
    if parts is None:
        parts = MEMO[digest] = _convert(text, allow_html)
    html, *lists = parts
    return Rendered(html, *(list(items) for items in lists))


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
    with fork_pool(workers) as pool:
        results = pool.map(_convert_plain if not allow_html else _convert_html,
                           [t for _, t in items], chunksize=64)
    MEMO.update(zip((d for d, _ in items), results))


def _convert_plain(text: str):  # type: ignore[no-untyped-def]
    return _convert(text, False)


def _convert_html(text: str):  # type: ignore[no-untyped-def]
    return _convert(text, True)


def _convert(text: str, allow_html: bool) -> tuple[Any, ...]:
    """The fields of a body's :class:`Rendered`, as plain data (memoised, pickled)."""
    md = parser(allow_html)
    env: dict = {}
    _REFUSED.urls = refused = []
    try:
        tokens = md.parse(text, env)
    finally:
        _REFUSED.urls = None
    result: Rendered = env["facts"]
    result.html = md.renderer.render(tokens, md.options, env)
    result.unsafe_lines = _refused_lines(text, refused)
    return (result.html, result.internal_links, result.h1_lines, result.unsafe_lines,
            result.unsafe_html, result.unclosed_html, result.note_repeats, result.note_unknown,
            result.note_unused, result.note_malformed, result.web_links)


def _body_facts(state: StateCore) -> None:
    """Core rule: what validation needs from the tokens, in one pass, into ``env["facts"]``.

    It runs after inline parsing but before the footnote plugin's tail, so
    footnote definitions are still in place with their lines. Lines are of the
    body, counted from 1.
    """
    facts = state.env["facts"] = Rendered("")
    raw = _RawHtml(facts) if state.md.options["html"] else None  # no HTML tokens without it
    defined: dict[str, int] = {}
    line, previous = 1, ""
    for token in state.tokens:
        if token.map:
            line = token.map[0] + 1
        kind = token.type
        if kind == "inline" and token.children:
            top = token.level == 1 and previous == "paragraph_open"
            _inline_facts(token.children, line, top, facts, raw, state.env)
        elif kind == "heading_open" and token.tag == "h1":
            facts.h1_lines.append(line)
        elif kind == "footnote_reference_open":
            label = token.meta["label"]
            if label in defined:
                facts.note_repeats.append((line, label, defined[label]))
            else:
                defined[label] = line
        elif kind == "html_block" and raw:
            raw.check(token.content, line, top=token.level == 0)
        previous = kind
    if defined:
        used = {note.get("label") for note in state.env["footnotes"]["list"].values()}
        facts.note_unused = [(at, label) for label, at in defined.items() if label not in used]
    if raw:
        facts.unclosed_html.extend((at, f"<{tag}>") for tag, at in raw.open)
    for label, definition in (state.env.get("references") or {}).items():
        if label.startswith("^") and definition.get("map"):
            start = definition["map"][0]
            written = _NOTE_DEFINITION.match(state.src.split("\n", start + 1)[start])
            facts.note_malformed.append((start + 1, written.group(1) if written else label[1:]))
    if "[^" in state.src:
        _stray_definitions(state, facts)


def _stray_definitions(state: StateCore, facts: Rendered) -> None:
    """``[^ label]:`` lines Markdown took for text, not a definition (a label
    that starts with a blank): published as written, or glued to the note
    above. Lines of code blocks are code, not mistakes."""
    code = [range(*t.map) for t in state.tokens if t.type in ("fence", "code_block") and t.map]
    known = {line for line, _ in facts.note_malformed}
    for number, text in enumerate(state.src.split("\n"), start=1):
        written = _NOTE_DEFINITION.match(text)
        if written is None or number in known or any(number - 1 in r for r in code):
            continue
        label = written.group(1)
        if not label.strip() or label != label.strip() or any(c.isspace() for c in label):
            facts.note_malformed.append((number, label))


#: ``[^label]:`` at the start of a line, the label as written
_NOTE_DEFINITION = re.compile(r" {0,3}\[\^([^\]]*)\]:")


def _inline_facts(children: list[Token], line: int, top: bool, facts: Rendered,
                  raw: _RawHtml | None, env: dict) -> None:
    """Links, raw HTML and unmatched ``[^label]`` of one paragraph, heading or cell."""
    start = line
    for child in children:
        kind = child.type  # the most frequent first: this loop sees every inline token
        if kind == "text":
            if "[^" in child.content:  # a footnote reference that matched no definition
                refs = env.get("footnotes", {}).get("refs", {})
                facts.note_unknown.extend((line, label) for label
                                          in _NOTE_REF.findall(child.content)
                                          if ":" + label not in refs)
        elif kind == "softbreak" or kind == "hardbreak":
            line += 1
        elif kind == "link_open" or kind == "image":  # an image must be there as well
            href = str(child.attrGet("href" if kind == "link_open" else "src") or "")
            if _SITE_LINK.match(href):
                facts.internal_links.append((href, start))
            elif _WEB_LINK.match(href):
                facts.web_links.append((href, start))
        elif kind == "html_inline" and raw:
            raw.check(child.content, line, top)
            line += child.content.count("\n")
        elif kind == "footnote_ref":  # an inline note, ^[text], keeps its tokens aside
            note = env["footnotes"]["list"][child.meta["id"]]
            if "tokens" in note:
                _inline_facts(note["tokens"], line, False, facts, raw, env)


#: a link into this site: root-relative (/claims/x/) or relative to the page
#: (../x/, x.pdf); not a web address, another scheme, //host, ?query or #fragment
_SITE_LINK = re.compile(r"/(?!/)|(?![a-zA-Z][a-zA-Z0-9+.-]*:)[^#?/]")
_WEB_LINK = re.compile(r"(?:https?:)?//", re.I)
#: a footnote reference as the plugin reads it (no spaces in the label)
#: (a label never runs over a further "[^": text like "[^[^[^..." took time
#: quadratic in its length, 10 s for 60 KB)
_NOTE_REF = re.compile(r"\[\^((?:[^\]\s\[]|\[(?!\^))+)\]")
#: the schemes raw HTML may use in an address; no scheme (a relative address) is fine
_SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
#: attributes whose value a browser loads, follows or submits to (SVG animation
#: values included: ``<set attributeName="href" to="javascript:...">``)
_URL_ATTRIBUTES = frozenset({
    "href", "src", "srcset", "imagesrcset", "action", "formaction", "xlink:href", "poster",
    "data", "background", "codebase", "longdesc", "usemap", "manifest", "ping",
    "lowsrc", "dynsrc", "classid", "archive", "icon", "profile", "to", "from", "values", "by",
})
#: elements that run code, load other documents, restyle or redirect the page,
#: submit data, or whose text a browser reads differently from this checker
_FORBIDDEN_ELEMENTS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "base",
    "meta", "link", "form", "noscript", "template", "textarea", "title", "xmp", "noembed",
    "noframes", "plaintext", "set", "animate", "portal",
})
#: elements that, left open at the top level, take in everything after them
#: (the rest of the text, the footnotes); a list item, table cell or quote
#: closes them itself, so only top-level raw HTML is followed
_BLOCK_ELEMENTS = frozenset({
    "address", "article", "aside", "blockquote", "center", "details", "dialog", "div", "dl",
    "fieldset", "figure", "footer", "header", "hgroup", "main", "menu", "nav", "ol", "pre",
    "section", "table", "ul",
})
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):")
#: browsers drop tabs and newlines inside an address and spaces and control
#: characters around it; dropping them everywhere errs on the safe side
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


def _bad_scheme(name: str, value: str) -> str | None:
    """The scheme of a URL attribute's value if it is not allowed (``javascript``)."""
    if name.endswith("srcset"):  # "a.png 1x, b.png 2x": each candidate's address
        addresses = [(candidate.split() or [""])[0] for candidate in value.split(",")]
    else:
        addresses = [value]
    for address in addresses:
        match = _SCHEME.match(_INVISIBLE.sub("", address).casefold())
        if match and match.group(1) not in _SAFE_SCHEMES:
            return match.group(1)
    return None


class _RawHtml(HTMLParser):
    """Reads the raw HTML pieces of one body for what must not reach a page.

    Not a sanitizer: it names problems and ``check`` refuses the file. Where
    the standard library's parser and browsers may read markup differently
    (comments, declarations, markup it cannot parse, raw-text elements) it
    reports rather than guesses: comments are read as if they were markup.
    """

    def __init__(self, facts: Rendered, nested: bool = False) -> None:
        super().__init__(convert_charrefs=False)
        self.facts = facts
        self.nested = nested  # inside a comment: look for danger, not structure
        self.open: list[tuple[str, int]] = []  # block elements open at the top level
        self.line = 1
        self.top = False

    def check(self, html: str, line: int, top: bool) -> None:
        """One html_block or html_inline token, which starts at body line ``line``."""
        self.reset()
        self.line, self.top = line, top and not self.nested
        try:
            self.feed(html)
        except Exception:  # the standard parser gives up on some junk: so do we
            self._unsafe("unreadable", html.splitlines()[0][:40])
            return
        left = self.rawdata
        if left.startswith("<!--") and not self.nested:
            self.facts.unclosed_html.append((self._at(), "<!--"))
        elif left.startswith("<"):
            self._unsafe("unreadable", left.splitlines()[0][:40])

    def _at(self) -> int:
        """The body line the parser is at."""
        return self.line + self.getpos()[0] - 1

    def _unsafe(self, kind: str, detail: str) -> None:
        self.facts.unsafe_html.append((self._at(), kind, detail))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _FORBIDDEN_ELEMENTS:
            self._unsafe("element", tag)
        for name, value in attrs:
            if name.startswith("on") and len(name) > 2:
                self._unsafe("handler", name)
            elif name == "style":  # as <style>: it can lay a fake page over the real one
                self._unsafe("attribute", name)
            elif value and name in _URL_ATTRIBUTES:
                scheme = _bad_scheme(name, value)
                if scheme:
                    self._unsafe("scheme", f"{scheme}:|{name}")
        if self.top and tag in _BLOCK_ELEMENTS:
            self.open.append((tag, self._at()))

    # a browser reads <div/> as an open <div>, and only void elements have no end
    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if self.top and tag in _BLOCK_ELEMENTS:
            for index in range(len(self.open) - 1, -1, -1):
                if self.open[index][0] == tag:  # closes what was opened inside it too
                    del self.open[index:]
                    return

    def handle_data(self, data: str) -> None:
        """Text that starts like a tag is markup this parser gave up on, not text."""
        if self.cdata_elem:  # inside <script> or <style>, reported already
            return
        if len(data) > 1 and data[0] == "<" and (data[1].isalpha() or data[1] in "/!?"):
            self._unsafe("unreadable", data.splitlines()[0][:40])

    def _inner(self, text: str) -> None:
        """A comment's or declaration's text, read as markup: a browser may end it early."""
        inner = _RawHtml(self.facts, nested=True)
        inner.check(text + ">", self._at(), top=False)

    handle_comment = handle_decl = unknown_decl = handle_pi = _inner


def render_inline(text: str) -> str:
    """Short front matter text (a summary) with inline Markdown only."""
    return parser(False).renderInline(text)
