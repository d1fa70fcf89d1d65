"""The quick rebuild: only the text of a few claims changed.

An editor's most common change is to a claim's text (its Markdown body), and
with the default theme that text appears on one page only, the claim's own
page, printed as it is (a site with templates of its own may show it
anywhere: see template_scan.py). So every full build records, for each
claim page, where the body sits in the written bytes and the page's
fingerprint without the body (a :class:`Spliced` entry, kept in the cache).

A rebuild that finds nothing but such edits needs neither the site model nor
the templates: it parses and checks the edited files alone, puts each new
body in place of the old one in the written page, and updates the manifest
and the cache. Its cost does not grow with the site beyond a stat of each
file, so an edit to one claim of 10,000 is rebuilt in a few tenths of a
second instead of seconds.

Anything else goes to the full build, which gives the same bytes: a change
to front matter (titles, verdicts, links between files), a file added or
removed, a problem in an edited file (the full report is due), a new site
link in a body (it must be checked against every page), an empty body, a
site with templates of its own, a change to the
theme, site.yaml or the options, or an output folder that is not as the last
build left it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .cache import BuildCache, Inputs, input_digest
from .deps import with_body
from .load import Documents, Scanned, Sources, Stamp, load_file
from .model import Claim, SiteConfig, Verdict
from .output import OutputError, digest, manifest_digest, read_manifest, replace_files
from .prepare import load_blob, prepare_one
from .problems import Problems
from .resolve import Memo

if TYPE_CHECKING:
    from .build import Result
    from .deps import Fingerprints
    from .routes import Route


class Spliced(NamedTuple):
    """Where a claim's body sits in its written page, and what the page was made from."""

    output: str             # the page's path in the output folder
    base: str               # its fingerprint without the body (Fingerprints.claim_page)
    meta_version: str       # the claim's front matter the page was rendered with
    start: int              # the body's bytes are page[start:end]
    end: int
    body: str               # digest of those bytes
    links: tuple[str, ...]  # the site links in the body (checked against every page)


#: display path of a claim file -> its page's :class:`Spliced` entry, kept as
#: a plain tuple (pickled ten times faster)
Entries = dict[str, tuple]


def body_span(page: bytes, body: str) -> tuple[int, int] | None:
    """The one place a claim page shows its body, or None (not found, empty, or
    found twice: then where the template put it is unknown)."""
    data = body.encode("utf-8", "surrogateescape")
    start = page.find(data) if data else -1
    if start < 0 or page.find(data, start + 1) >= 0:
        return None
    return start, start + len(data)


def record(routes: list[Route], prints: Fingerprints, spans: dict[str, tuple[int, int]],
           last: Entries, kept: set[str], problem_paths: set[str],
           links: dict[str, list[str]], spliceable: bool) -> Entries:
    """The entries for the next quick rebuild, after a full build.

    ``spans`` are the body spans of the pages this build rendered; ``last``
    the last build's entries, still true of the pages it ``kept`` (did not
    render again); files with a problem get no entry, since a rebuild must
    report it.
    """
    if not spliceable or prints.all_bodies_shown:
        return {}
    entries: Entries = {}
    for route in routes:
        if route.template != "claim.html":
            continue
        claim: Claim = route.context["claim"]
        if claim.path in problem_paths:
            continue
        if route.output in kept:
            old = last.get(claim.path)
            if old is not None and Spliced(*old).output == route.output:
                entries[claim.path] = old
            continue
        span = spans.get(route.output)
        if span is None:
            continue
        body = claim.body_html.encode("utf-8", "surrogateescape")
        entries[claim.path] = tuple(Spliced(route.output, prints.bases[route.output],
                                            claim.meta_version, *span, digest(body),
                                            tuple(sorted(set(links.get(claim.path, ()))))))
    return entries


class _Fallback(Exception):
    """This rebuild needs the full build; the message says why."""


#: why the last rebuild that tried this path took the full build (for tests
#: and debugging: the full build's output is the same either way)
FALLBACK = ""


def rebuild(sources: Sources, out: Path, cache: BuildCache, scanned: Scanned, inputs: Inputs,
            extra: list[str], digest_now: str, manifest_now: str,
            timings: dict[str, float]) -> Result | None:
    """Splice the edited bodies into their pages; None when the full build is needed.

    The caller has found that something changed: ``digest_now``, the
    :func:`cache.input_digest` of ``inputs``, is not the last build's;
    ``manifest_now`` is the output folder's :func:`output.manifest_digest`.
    """
    from .build import Result

    start = time.perf_counter()
    try:
        edited, manifest = _edits(out, cache, scanned, inputs, extra, manifest_now)
        spliced, blobs = _splice(sources, out, scanned, edited, cache, manifest)
    except _Fallback as why:
        global FALLBACK
        FALLBACK = str(why)
        return None
    timings["load"] = time.perf_counter() - start
    start = time.perf_counter()
    report = cache.state.get("report", "")
    result = Result(Problems(), timings=timings, report=report, parsed=len(blobs), quick=True,
                    rendered=len(spliced), reused=len(cache.pages) - len(spliced))
    try:
        result.stats = replace_files(out, spliced, manifest)
    except (OSError, OutputError) as exc:  # as the full build reports it; nothing is saved
        result.fatal = f"could not write {out}: {exc}"
        return result
    cache.append_items(blobs)
    cache.save(digest_now, out, manifest_digest(out), cache.pages, cache.seen, report,
               cache.spliced)
    result.cache_problem = cache.problem
    timings["write"] = time.perf_counter() - start
    return result


def _edits(out: Path, cache: BuildCache, scanned: Scanned, inputs: Inputs, extra: list[str],
           manifest_now: str) -> tuple[list[tuple[str, str, Stamp]], dict[str, str]]:
    """The claim files edited since the last build, if nothing else changed,
    and the output folder's manifest."""
    state = cache.state
    if state.get("out") != str(out) or not state.get("inputs") or \
            state.get("manifest") != manifest_now:
        raise _Fallback("no earlier build of this output folder, or it was changed")
    cache.load_pages()
    if not cache.spliced:
        raise _Fallback("the last build recorded no body spans")
    seen = cache.seen
    edited = [file for file in scanned if seen.get(file[0], (None,))[:-1] != file[2]]
    if not edited or len(edited) > max(50, len(scanned) // 50):
        raise _Fallback("no edited file, or too many for this path")
    before: dict[str, Stamp] = {}
    for path, _, _ in edited:
        known = seen.get(path)
        if known is None:
            raise _Fallback("a new file")
        before[path] = known[:-1]
    # with the edited files as they were, every input must be as the last build saw it
    if input_digest(extra, inputs, before) != state["inputs"]:
        raise _Fallback("files added or removed, or the theme or options changed")
    # files deleted from the site by hand are not looked for here (a stat per
    # file would double this path's time): the next build's check finds them
    return edited, read_manifest(out)


def _splice(sources: Sources, out: Path, scanned: Scanned, edited: Scanned, cache: BuildCache,
            manifest: dict[str, str]) -> tuple[dict[str, bytes], list[tuple[str, bytes]]]:
    """Each edited file checked and its page spliced, in memory (nothing is
    written before every file has passed); updates the cache's maps."""
    if any(kind != "claim" for _, kind, _ in edited):
        raise _Fallback("not a claim")
    config, verdicts, site_key = _site(sources, scanned)
    spliced: dict[str, bytes] = {}
    blobs: list[tuple[str, bytes]] = []
    for path, _, stamp in edited:
        shown = sources.display(Path(path))
        made = prepare_one(sources, config, verdicts, Path(path), "claim")
        if made is None or stamp is None or not made[0]:
            raise _Fallback("unreadable")
        file_digest, blob = made
        if file_digest != cache.seen[path][-1]:  # not merely touched
            known = cache.spliced.get(shown)
            if known is None:
                raise _Fallback("no body span for this page")
            page, entry = _spliced(out, Spliced(*known), load_blob(blob, verdicts), manifest)
            spliced[entry.output] = page
            cache.spliced[shown] = tuple(entry)
            cache.pages[entry.output] = with_body(entry.base, file_digest)
            blobs.append((f"{site_key}:{file_digest}", blob))
        cache.seen[path] = (*stamp, file_digest)
    return spliced, blobs


def _site(sources: Sources, scanned: Scanned) -> tuple[SiteConfig, dict[str, Verdict], str]:
    """site.yaml's config and verdicts (unchanged since the last build) and its digest."""
    path = next((path for path, kind, _ in scanned if kind == "site"), None)
    problems = Problems()
    doc = load_file(sources, Path(path), problems, "site") if path else None
    if doc is None or not doc.parsed.ok:
        raise _Fallback("site.yaml")
    config, verdicts = Memo().site_config(Documents(site=doc), problems)
    return config, {v.key: v for v in verdicts}, doc.digest


def _spliced(out: Path, entry: Spliced, item: tuple, manifest: dict[str, str]
             ) -> tuple[bytes, Spliced]:
    """The page with the new body in place of the old, and its new entry."""
    _, checked, load_problems, check_problems = item
    if load_problems or check_problems or checked is None or not checked.valid:
        raise _Fallback("a problem to report")
    claim = checked.obj
    if not isinstance(claim, Claim) or claim.meta_version != entry.meta_version:
        raise _Fallback("front matter changed")
    links = {href for href, _ in checked.rendered.internal_links}
    if not links <= set(entry.links):
        raise _Fallback("a new site link")
    body = claim.body_html.encode("utf-8", "surrogateescape")
    if not body:
        raise _Fallback("empty body")
    try:
        page = (out / entry.output).read_bytes()
    except OSError:
        raise _Fallback("page missing") from None
    if manifest.get(entry.output) != digest(page) or \
            digest(page[entry.start:entry.end]) != entry.body:
        raise _Fallback("the page is not as the last build wrote it")
    new_page = page[:entry.start] + body + page[entry.end:]
    return new_page, entry._replace(end=entry.start + len(body), body=digest(body))
