"""Stage 2, validate: each document's fields, typed, every problem recorded.

This stage looks at one file at a time. Names that point at other files
(claimant, topics, related, seeds) are kept as :class:`Ref` values with their
line, and resolved across files by :mod:`site_builder.resolve`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from .fields import (MAX_SLUG, SLUG_RE, WINDOWS_RESERVED, YES_NO, Fields, is_web_url,
                     shorten_slug, slugify)
from .load import Document
from .markdown import Rendered, prerender, render
from .model import (Actor, Claim, Correction, Reference, Seed, SiteConfig,
                    StandalonePage, Topic, Verdict)
from .problems import Problems, did_you_mean, printable
from .schema import (ACTOR, BODY_PLACEHOLDERS, CLAIM, CORRECTION, PAGE, PLACEHOLDERS,
                     REFERENCE, SEED, SOURCE_KINDS, TOPIC)

Ref = tuple[str, int]  # (name as written, file line)


@dataclass
class ClaimRefs:
    """A claim's links to other files, as written, for the resolve stage."""

    claimants: list[Ref] = field(default_factory=list)
    topics: list[Ref] = field(default_factory=list)
    related: list[Ref] = field(default_factory=list)
    source_seeds: list[tuple[Reference, Ref]] = field(default_factory=list)
    sources: list[Reference] = field(default_factory=list)   # as validated, before
    evidence: list[Reference] = field(default_factory=list)  # unknown seeds are dropped


@dataclass
class Checked:
    """A document that passed validation well enough to enter the model."""

    doc: Document
    obj: Any
    rendered: Rendered | None = None
    refs: ClaimRefs | None = None
    valid: bool = True  # False: cross-checked for problems, but not published


def check_slug(doc: Document, problems: Problems, taken: frozenset[str] | set[str] = frozenset(),
               renamed: dict[str, list[str]] | None = None) -> bool:
    """Is the file name a slug? ``taken``: the slugs of the other files of this kind,
    which a rename must not land on; ``renamed``: the files of this kind whose
    names are not slugs, by the name the hint gives them (two of them must not
    both be told to take the same one)."""
    suffix = ".yaml" if doc.kind == "seed" else ".md"
    if SLUG_RE.match(doc.slug):
        if len(doc.slug) <= MAX_SLUG:
            if doc.slug in WINDOWS_RESERVED:
                problems.warning(doc.path, 1, f"the file name '{doc.slug}{suffix}' is a device "
                                 "name on Windows: editors there cannot check out the site",
                                 f"rename the file, for example to '{doc.slug}-{doc.kind}"
                                 f"{suffix}'")
            return True
        problems.error(doc.path, 1, f"the file name is {len(doc.slug)} characters long: "
                       f"too long for its web address and output files (at most {MAX_SLUG})",
                       f"rename the file to '{shorten_slug(doc.slug)}{suffix}'")
        return False
    problems.error(doc.path, 1, f"the file name '{printable(doc.slug)}' is not a valid slug",
                   _rename_hint(doc, suffix, taken, renamed or {}))
    return False


def _rename_hint(doc: Document, suffix: str, taken: frozenset[str] | set[str],
                 renamed: dict[str, list[str]]) -> str:
    """The name to give a file whose name is not a slug, unless it is taken
    (by a file, or by another file that would be told to take it too)."""
    guess = slugify(doc.slug)
    twins = [path for path in renamed.get(guess, ()) if path != doc.path]
    if guess in taken:
        return (f"'{guess}{suffix}' already exists: if both files are the same {doc.kind}, "
                "keep one; if not, give this one another name (lowercase letters, digits "
                "and single hyphens)")
    if guess == "untitled":
        return ("rename the file with lowercase Latin letters, digits and single hyphens, "
                f"for example a transliteration of its title: 'my-claim-title{suffix}'")
    if twins:
        same = unicodedata.normalize("NFC", twins[0]) == unicodedata.normalize("NFC", doc.path)
        return (f"{twins[0]} would be renamed '{guess}{suffix}' too"
                + (" (the same name, its accented letters encoded another way)" if same else "")
                + f": if both files are the same {doc.kind}, keep one; if not, give them "
                "different names (lowercase letters, digits and single hyphens)")
    return f"rename the file to '{guess}{suffix}' (lowercase letters, digits and single hyphens)"


def prepare_bodies(docs: list[Document], config: SiteConfig) -> None:
    """Convert every body up front, in parallel when there are many."""
    prerender([d.parsed.body for d in docs if not _too_many_bars(d.parsed.body)],
              config.allow_html)


#: more '|' than this in one text is refused: markdown-it-py makes three
#: tokens of every table cell, so a 1 MB table of a million cells took 1.2 GB
#: and 6 s to convert (a real fact-check's tables have hundreds)
MOST_TABLE_BARS = 50_000


def _too_many_bars(body: str) -> bool:
    return body.count("|") > MOST_TABLE_BARS


def _body(doc: Document, config: SiteConfig, problems: Problems) -> Rendered:
    if _too_many_bars(doc.parsed.body):
        bars = doc.parsed.body.count("|")
        first = next(n for n, line in enumerate(doc.parsed.body.split("\n"), 1) if "|" in line)
        problems.error(doc.path, first + doc.parsed.body_line - 1,
                       f"the text has {bars:,} '|' characters, a table too big to publish "
                       f"(at most {MOST_TABLE_BARS:,})",
                       "split the table, or publish the data as a file and link to it")
        return Rendered(html="")
    rendered = render(doc.parsed.body, config.allow_html)
    offset = doc.parsed.body_line - 1
    for line in rendered.h1_lines:
        problems.warning(doc.path, line + offset,
                         "a '#' heading in the text competes with the page title",
                         "start headings in the text at '##'")
    for line in rendered.unsafe_lines:
        problems.warning(doc.path, line + offset,
                         "this link is not made, so its Markdown shows as plain text: only "
                         "web addresses, mailto:, tel: and paths on this site can be linked "
                         "(never javascript:, data: or file:)",
                         "link to a web address (https://...) instead")
    _raw_html_problems(doc.path, rendered, offset, problems)
    _footnote_problems(doc.path, rendered, offset, problems)
    # a relative link is checked as the address it leads to from this page
    page = _PAGE_URLS.get(doc.kind, "/").format(doc.slug)
    rendered.internal_links = [(href if href.startswith("/") else urljoin(page, href),
                                line + offset) for href, line in rendered.internal_links]
    # a full address of one of this site's pages (copied from the browser) is checked
    # too; other sites' addresses are not kept (the memo and the cache stay small)
    rendered.internal_links += [(href, line + offset) for href, line in rendered.web_links
                                if _same_site(href, config.base_url)]
    rendered.web_links = []
    return rendered


def _same_site(href: str, base_url: str) -> bool:
    """Whether an absolute address is on the site's own host (either scheme; a
    default port, a trailing dot and Unicode or punycode spelling aside)."""
    try:
        link, site = _host(href), _host(base_url)
    except ValueError:  # a port that is not a number: not this site's address
        return False
    return site[0] != "" and link == site


_DEFAULT_PORTS = {"http": 80, "https": 443, "": 443}


@lru_cache(maxsize=64)  # base_url's, once per link otherwise
def _host(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if not host.isascii():  # (the codec gives an ASCII name back as it is)
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass
    port = parts.port
    if port == _DEFAULT_PORTS.get(parts.scheme.lower()):
        port = None
    return host.lower(), port


#: where each kind of document's own page is (relative links start there)
_PAGE_URLS = {"claim": "/claims/{}/", "actor": "/actors/{}/", "topic": "/topics/{}/",
              "page": "/{}/"}


def _raw_html_problems(path: str, rendered: Rendered, offset: int, problems: Problems) -> None:
    """Raw HTML (``allow_html: true``) is published as written: refuse what is unsafe in it."""
    for line, kind, detail in rendered.unsafe_html:
        message, hint = _UNSAFE_HTML[kind]
        what, _, attribute = detail.partition("|") if kind == "scheme" else (detail, "", "")
        problems.error(path, line + offset, message.format(what=what, attribute=attribute), hint)
    for line, tag in rendered.unclosed_html:
        what, end = ("a comment", "-->") if tag == "<!--" else (f"a {tag} element", f"</{tag[1:]}")
        problems.warning(path, line + offset, f"raw HTML: {what} is never closed, so it takes "
                         "in the rest of the page", f"close it with {end} (on a line of its own, "
                         "after a blank line, when Markdown text comes before it)")


#: kind of unsafe raw HTML -> (message, hint)
_UNSAFE_HTML = {
    "element": ("raw HTML: the <{what}> element is not allowed",
                "remove it: the text may not run scripts, embed other pages, objects or forms, "
                "or restyle or redirect the page"),
    "handler": ("raw HTML: the event handler '{what}=' is not allowed",
                "remove the attribute: the text may not run scripts"),
    "attribute": ("raw HTML: the '{what}=' attribute is not allowed",
                  "remove it: the text may not restyle the page (a style can cover the "
                  "page with another); a class the site's stylesheet defines is fine"),
    "scheme": ("raw HTML: a {what} address in '{attribute}=' is not allowed",
               "use a web address (https://...), mailto:, tel: or a path on this site"),
    "unreadable": ("raw HTML that cannot be checked: '{what}'",
                   "finish the tag and quote its attributes (<a href=\"...\">), or use Markdown"),
}


def _footnote_problems(path: str, rendered: Rendered, offset: int, problems: Problems) -> None:
    """Footnote mistakes the Markdown would otherwise publish without a word."""
    for line, label, first in rendered.note_repeats:
        problems.warning(path, line + offset, f"the footnote [^{label}] is defined again "
                         f"(first at line {first + offset}); only the last definition is shown",
                         "give each note its own label, or delete one of the definitions")
    for line, label in rendered.note_unknown:
        problems.warning(path, line + offset, f"[^{label}] refers to no footnote, so it is "
                         "shown as text", f"add the note below the text ('[^{label}]: the "
                         "source') or correct the label")
    for line, label in rendered.note_malformed:
        problems.warning(path, line + offset, f"'[^{label}]' is not a footnote: a footnote "
                         "label cannot be empty or hold a space, so Markdown does not read this "
                         "line as a note: it hides it as a link definition or prints it as "
                         "text", "write the label without spaces, e.g. "
                         f"[^{'-'.join(label.split()).lower() or 'note'}], here and where the "
                         "text refers to it")
    for line, label in rendered.note_unused:
        problems.warning(path, line + offset, f"the footnote [^{label}] is never referred to, "
                         "so it is left off the page", f"refer to it with [^{label}] in the "
                         "text, or delete it")


def check_claim(doc: Document, config: SiteConfig, verdicts: dict[str, Verdict],
                problems: Problems) -> Checked | None:
    f = Fields(doc.parsed, doc.path, problems, CLAIM)
    data = doc.parsed.data
    f.unknown_keys(data, CLAIM)
    refs = ClaimRefs(
        claimants=f.str_list("claimant", required=True),
        topics=_slugs(f, "topics", "topic", required=True),
        related=_slugs(f, "related", "claim"),
    )
    if "source" not in data:
        f.missing("source")
    elif data["source"] == [] or (data["source"] is None and "source" in doc.parsed.raw):
        # written with nothing (or null, or []) after the colon: a claim needs a source
        f.error("source", "'source' is empty",
                f"write where the claim appeared, for example:\nsource:{CLAIM['source'].example}")
    sources = _references(f, "source", refs, need="publisher")
    alias_lines: dict[str, int] = {}
    claim = Claim(
        slug=doc.slug, path=doc.path,
        title=f.text("title", required=True),
        claim=f.text("claim", required=True),
        verdict=_verdict(f, verdicts),  # type: ignore[arg-type]
        summary=f.text("summary", required=True),
        published=f.date("published", required=True),  # type: ignore[arg-type]
        claim_date=f.partial_date("claim_date"),
        sources=sources,
        updated=f.date("updated"),
        author=f.text("author"),
        editor=f.text("editor"),
        evidence=_references(f, "evidence", refs, need="title"),
        corrections=[],
        aliases=_aliases(f, alias_lines),
        draft=f.boolean("draft"),
    )
    claim.extra["alias_lines"] = alias_lines
    claim.corrections = _corrections(f, verdicts, claim.verdict)
    if claim.corrections:
        claim.last_change = max(claim.updated or claim.published or claim.corrections[-1].date,
                                claim.corrections[-1].date)
    _check_claim_reviewed(f, claim.claim, verdicts)
    _check_placeholders(f, doc, refs, claim.draft)
    if claim.updated and claim.published and claim.updated < claim.published:
        f.warning("updated", "'updated' is before 'published'",
                  "the update date should be on or after the publication date")
    refs.sources, refs.evidence = list(claim.sources), list(claim.evidence)
    rendered = _body(doc, config, problems)
    claim.body_html = rendered.html
    valid = doc.parsed.ok and all((claim.title, claim.claim, claim.summary, claim.published,
                                   claim.verdict))
    return Checked(doc, claim, rendered, refs, valid)


def _check_claim_reviewed(f: Fields, text: str, verdicts: dict[str, Verdict]) -> None:
    """Google's rules for claimReviewed: short, and without the rating in it."""
    if len(text) > 75:
        f.warning("claim", f"the claim is {len(text)} characters long; ClaimReview "
                  "readers show about 75", "shorten it to the core of what was said")
    words = re.findall(r"[\w'-]+", text.lower())
    joined = " ".join(words)
    for verdict in verdicts.values():
        label = " ".join(re.findall(r"[\w'-]+", verdict.label.lower()))
        # a label of one or two letters ('A', 'No', a letter grade) is a word of
        # every other sentence: naming it is not naming the rating
        if len(label) > 2 and re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", joined):
            f.warning("claim", f"the claim text names the verdict '{verdict.label}'",
                      "state the claim as it was made; the verdict goes in 'verdict'")
            return


def _verdict(f: Fields, verdicts: dict[str, Verdict]) -> Verdict | None:
    raw = f.parsed.raw.get("verdict")
    value = f.get("verdict")
    if value is None:
        f.missing("verdict")
        return None
    if isinstance(value, bool):
        key = "true" if value else "false"
    else:
        key = f.text("verdict", required=True)
    if key in verdicts:
        return verdicts[key]
    if not key:
        return None
    guess = did_you_mean(key.lower().replace(" ", "-").replace("_", "-"), verdicts)
    meant = _YES_NO.get(key.lower())
    if meant in verdicts:  # a site's own scale may have no 'true' or 'false' to propose
        guess = f"did you mean '{meant}'?"
    elif not guess and key.lower().replace(" ", "-") in verdicts:
        guess = f"did you mean '{key.lower().replace(' ', '-')}'?"
    f.error("verdict", f"unknown verdict '{raw or key}'",
            (guess + " " if guess else "") + _scale(verdicts))
    return None


#: the yes/no words an editor may write for a verdict -> the key they meant
_YES_NO = {word: "true" if meant else "false" for word, meant in YES_NO.items()}


def _scale(verdicts: dict[str, Verdict]) -> str:
    """The verdict keys an editor may use, for a hint."""
    keys = [key for key in verdicts if key]  # a verdict without a key is reported in site.yaml
    if not keys:
        return "site.yaml's verdict scale has no usable verdict: fix the scale first"
    return "the scale is: " + ", ".join(keys)


def _slugs(f: Fields, key: str, what: str, required: bool = False) -> list[Ref]:
    result = []
    for value, line in f.str_list(key, required=required):
        if SLUG_RE.match(value):
            result.append((value, line))
        else:
            f.problems.error(f.path, line, f"'{value}' is not a valid {what} slug",
                             f"did you mean '{slugify(value)}'? slugs use lowercase letters, "
                             "digits and single hyphens")
    return result


def _references(f: Fields, key: str, refs: ClaimRefs, need: str) -> list[Reference]:
    result = []
    for data, path in f.mappings(key):
        f.unknown_keys(data, REFERENCE, f"{path}.")
        ref = Reference(
            title=f.text(f"{path}.title", data=data),
            publisher=f.text(f"{path}.publisher", data=data),
            url=f.url(f"{path}.url", data=data),
            archive_url=f.url(f"{path}.archive_url", data=data),
            date=f.partial_date(f"{path}.date", data=data),
            note=f.text(f"{path}.note", data=data),
            kind=_source_kind(f, f"{path}.kind", data),
            date_line=f.line(f"{path}.date"),
        )
        seed = f.text(f"{path}.seed", data=data)
        if seed:
            refs.source_seeds.append((ref, (seed, f.line(f"{path}.seed"))))
        elif not getattr(ref, need) and not ref.url:
            f.error(path, f"this {key} entry needs a '{need}' (or a 'seed')",
                    f"for example:\n{key}:{CLAIM[key].example}")
            continue
        result.append(ref)
    return result


def _source_kind(f: Fields, key: str, data: dict[str, Any]) -> str:
    """primary, secondary or anonymous: what the source is, for the reader."""
    kind = f.text(key, data=data)
    if not kind or kind in SOURCE_KINDS:
        return kind
    guess = did_you_mean(kind.lower(), list(SOURCE_KINDS))
    f.error(key, f"'{kind}' is not a kind of source",
            (guess + " " if guess else "") + "kind is one of: " + ", ".join(SOURCE_KINDS))
    return ""


def _corrections(f: Fields, verdicts: dict[str, Verdict],
                 current: Verdict | None) -> list[Correction]:
    """The log, oldest first; a "previous" rating equal to the one that followed
    it is no rating change (it would print "changed from False to False")."""
    result: list[tuple[Correction, str]] = []
    for data, path in f.mappings("corrections"):
        f.unknown_keys(data, CORRECTION, f"{path}.")
        day = f.date(f"{path}.date", required=True, data=data)
        note = f.text(f"{path}.note", required=True, data=data)
        previous = None
        key = data.get("previous_verdict")
        if isinstance(key, bool):
            key = "true" if key else "false"
        if key is not None:
            previous = verdicts.get(str(key))
            if previous is None:
                guess = did_you_mean(str(key), verdicts)
                f.error(f"{path}.previous_verdict", f"unknown verdict '{key}'",
                        guess or _scale(verdicts))
        if day and note:
            result.append((Correction(day, note, previous, f.line(f"{path}.date")), path))
    result.sort(key=lambda item: item[0].date)
    following = current
    for correction, path in reversed(result):
        if correction.previous_verdict is None:
            continue
        if correction.previous_verdict is following:
            f.warning(f"{path}.previous_verdict", f"previous_verdict '{following.key}' is the "
                      "rating that followed it: this entry changed no rating",
                      "give the rating the claim had before this correction, or remove "
                      "previous_verdict")
            correction.previous_verdict = None
            continue
        following = correction.previous_verdict
    return [correction for correction, _ in result]


#: files of the host's own that an alias page must never replace
_HOST_FILES = frozenset({"_redirects", "_headers", "netlify.toml"})


def _aliases(f: Fields, lines: dict[str, int] | None = None) -> list[str]:
    """The valid aliases; ``lines`` gets the file line of each (for later reports)."""
    result = []
    for value, line in f.str_list("aliases"):
        problem = _alias_problem(value)
        if problem:
            f.problems.error(f.path, line, f"alias '{value}' {problem}",
                             "write the old path, starting with /, e.g. /claims/old-slug/")
            continue
        result.append(value)
        if lines is not None:
            lines.setdefault(value, line)
    return result


def _alias_problem(value: str) -> str:
    """Why an alias cannot be an old path of this site ("" if it can).

    An alias becomes a redirect rule and a small page written at that path, so
    it is checked as the file path it becomes: percent-escapes decoded, no
    query or fragment, no hidden, empty, '.' or '..' parts, and no part too
    long for a file name.
    """
    if not value.startswith("/") or value.startswith("//") or any(
            c in value for c in ' "\'<>\\'):
        return "must be a path on this site"
    if "?" in value or "#" in value:
        return "must be a path alone, without '?' or '#' (the query or fragment)"
    if re.search(r"%2f|%5c", value, re.I):
        return "holds an encoded '/' or '\\' (%2F, %5C), which no file path can hold"
    try:
        decoded = unquote(value, errors="strict")
    except UnicodeDecodeError:
        return "holds percent-escapes that are not UTF-8 (write %C3%A9 for é, not %E9)"
    if any(ord(c) < 32 or ord(c) == 127 for c in decoded) or "\\" in decoded:
        return "holds a control character or a backslash (perhaps percent-encoded)"
    parts = decoded.strip("/").split("/")
    if decoded != "/" and any(p == "" or p.startswith(".") for p in parts):
        return "must not have empty parts ('//') or parts that start with '.'"
    if any(len(p.encode("utf-8", "surrogatepass")) > MAX_SLUG for p in parts):
        return f"has a part longer than {MAX_SLUG} bytes: too long for a file name"
    if parts[0] in _HOST_FILES or decoded == "/":
        return "would replace the home page or a file of the host's own"
    if parts[0] == "static":  # never a route: check_collisions would not see it
        return ("is in /static/, which holds the theme's files (cached for a year): its "
                "forced redirect would take the place of a stylesheet, script or icon")
    return ""


def check_actor(doc: Document, config: SiteConfig, problems: Problems) -> Checked | None:
    f = Fields(doc.parsed, doc.path, problems, ACTOR)
    f.unknown_keys(doc.parsed.data, ACTOR)
    kind = f.text("kind") or "person"
    if kind not in ("person", "organization"):
        f.error("kind", f"kind must be 'person' or 'organization', not '{kind}'",
                did_you_mean(kind.replace("organisation", "organization"),
                             ["person", "organization"])
                or "write kind: organization for a company, party, agency, outlet or any "
                "other body, and kind: person (or nothing) for one person")
        kind = "person"
    actor = Actor(slug=doc.slug, path=doc.path, name=f.text("name", required=True),
                  aliases=[a for a, _ in f.str_list("aliases")], role=f.text("role"),
                  kind=kind, description=f.text("description"), url=f.url("url"),
                  same_as=_same_as(f, doc.path, problems))
    rendered = _body(doc, config, problems)
    actor.body_html = rendered.html
    return Checked(doc, actor, rendered) if actor.name and doc.parsed.ok else None


def _same_as(f: Fields, path: str, problems: Problems) -> list[str]:
    """The actor's identifying pages elsewhere, each a web address."""
    found = []
    for text, line in f.str_list("same_as"):
        if is_web_url(text):
            found.append(text)
        else:
            problems.error(path, line, f"'same_as' takes web addresses, not '{text}'",
                           "write the full address of a page about this actor, "
                           "e.g. https://www.wikidata.org/wiki/Q42")
    return found


def check_topic(doc: Document, config: SiteConfig, problems: Problems) -> Checked | None:
    f = Fields(doc.parsed, doc.path, problems, TOPIC)
    f.unknown_keys(doc.parsed.data, TOPIC)
    topic = Topic(slug=doc.slug, path=doc.path, title=f.text("title", required=True),
                  description=f.text("description"))
    rendered = _body(doc, config, problems)
    topic.body_html = rendered.html
    return Checked(doc, topic, rendered) if topic.title and doc.parsed.ok else None


def check_page(doc: Document, config: SiteConfig, problems: Problems) -> Checked | None:
    f = Fields(doc.parsed, doc.path, problems, PAGE)
    f.unknown_keys(doc.parsed.data, PAGE)
    page = StandalonePage(slug=doc.slug, path=doc.path, title=f.text("title", required=True),
                          description=f.text("description"), draft=f.boolean("draft"))
    rendered = _body(doc, config, problems)
    page.body_html = rendered.html
    return Checked(doc, page, rendered) if page.title and doc.parsed.ok else None


def check_seed(doc: Document, problems: Problems) -> Checked | None:
    f = Fields(doc.parsed, doc.path, problems, SEED)
    f.unknown_keys(doc.parsed.data, SEED)
    date = f.partial_date("date")
    seed = Seed(id=doc.slug, path=doc.path, headline=f.text("headline", required=True),
                publisher=f.text("publisher"), author=f.text("author"), date=date,
                languages=[lang for lang, _ in f.str_list("languages")], url=f.url("url"),
                summary=f.text("summary"))
    return Checked(doc, seed) if seed.headline and doc.parsed.ok else None


def validate_document(doc: Document, config: SiteConfig, verdicts: dict[str, Verdict],
                      problems: Problems) -> Checked | None:
    """One document's checks (they depend on nothing but it and site.yaml)."""
    if doc.kind == "claim":
        item = check_claim(doc, config, verdicts, problems)
    elif doc.kind == "seed":
        item = check_seed(doc, problems)
    else:
        item = _CHECKS[doc.kind](doc, config, problems)
    if item is not None:
        stamp(item.obj, doc)
    return item


def stamp(obj: Any, doc: Document) -> None:
    """Record which file (and which front matter) an object was made from.

    Pages that show only front matter fields (lists, feeds, cards, the
    claimant box) depend on ``meta_version``, so an edit to a claim's text
    re-renders its own page and nothing else.
    """
    obj.version = doc.digest
    if hasattr(obj, "meta_version"):
        obj.meta_version = hashlib.blake2b(
            f"{doc.path}\0{doc.parsed.data!r}".encode("utf-8", "surrogatepass"),
            digest_size=16).hexdigest()


_CHECKS = {"actor": check_actor, "topic": check_topic, "page": check_page}


def _check_placeholders(f: Fields, doc: Document, refs: ClaimRefs, draft: bool) -> None:
    """Text that ``site-builder new`` wrote and nobody replaced.

    A warning while the claim is a draft (the editor is still writing), an
    error once it would be published: placeholder words must never appear
    attributed to a real person. The placeholder claimant is taken out of
    the names to look up, so a draft is not also told "no actor matches".
    """
    report = f.warning if draft else f.error
    hint = "replace it with your own text" + ("" if draft else " before publishing")
    for key, text in PLACEHOLDERS.items():
        for path, value in _values_at(doc.parsed.data, key):
            if isinstance(value, str) and value.strip() == text:
                report(path, f"'{key}' is still the placeholder from `site-builder new`", hint)
    refs.claimants[:] = [(n, line) for n, line in refs.claimants
                         if n != PLACEHOLDERS["claimant"]]
    body = doc.parsed.body
    lines = body.splitlines() if "TODO:" in body else []  # every placeholder starts so
    for number, line in enumerate(lines):
        if any(text in line for text in BODY_PLACEHOLDERS):
            (f.problems.warning if draft else f.problems.error)(
                doc.path, doc.parsed.body_line + number,
                "this text is still the placeholder from `site-builder new`", hint)


def _values_at(data: Any, key: str) -> list[tuple[str, Any]]:
    """(line key, value) of a dotted front matter key; a list at any level is
    searched item by item (``source`` may be one mapping or a list of them)."""
    found: list[tuple[str, Any]] = [("", data)]
    for name in key.split("."):
        step = []
        for path, value in found:
            items = list(enumerate(value)) if isinstance(value, list) else [(None, value)]
            for index, item in items:
                here = path if index is None else f"{path}[{index}]"
                if isinstance(item, dict) and name in item:
                    step.append((f"{here}.{name}" if here else name, item[name]))
        found = step
    result = []
    for path, value in found:
        if isinstance(value, list):
            result += [(f"{path}[{i}]", item) for i, item in enumerate(value)]
        else:
            result.append((path, value))
    return result

