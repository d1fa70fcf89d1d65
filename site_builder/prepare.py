"""Stages 1 and 2 for a whole site: read, parse and validate every file.

One file's parse, Markdown and field checks depend only on its bytes (with
its path) and on site.yaml, so on a big site they run in forked worker
processes, a share of the files each. Each file comes back as one pickled
*blob*: the document, its validated form and the problems it produced. The
build cache keeps these blobs by site.yaml digest and document digest, so a
rebuild unpickles an unchanged file instead of parsing and validating it again.

Verdicts are pickled by key: the Verdict objects belong to the site config
of the process that reads the blob (resolve fills their claim lists), and a
blob is only reused with the site.yaml it was made with.
"""

from __future__ import annotations

import copyreg
import io
import multiprocessing as mp
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from . import markdown
from .frontmatter import Parsed
from .load import (Document, Documents, Seen, Sources, Stamp, file_digest, file_stamp,
                   find_files, load_file, prefetch, read_regular_file, report_missing_site,
                   report_no_content, warn_ignored)
from .model import SiteConfig, Verdict
from .problems import Problems
from .resolve import Memo
from .validate import validate_document
from .workers import fork_pool

#: below this many files to parse, workers cost more than they save
PARALLEL_ABOVE = 300


@dataclass
class Prepared:
    """Every document, with ``memo`` holding each one's validated form."""

    docs: Documents
    memo: Memo
    parsed: int = 0  # files parsed and validated by this run (not from the cache)
    seen: Seen = field(default_factory=dict)  # every file read, for the next build


#: receives each file's cache key ("site.yaml digest:document digest": a blob
#: depends on the site config it was checked with) and blob, for the build cache
Keep = Callable[[str, bytes], None]


#: the verdicts a blob's verdict keys stand for while blobs are read (see _load)
_VERDICTS: dict[str, Verdict] = {}


def _verdict(key: str) -> Verdict:
    return _VERDICTS[key]


def _verdict_by_key(verdict: Verdict) -> tuple[Any, tuple[str]]:
    return _verdict, (verdict.key,)


# pickle's own table plus verdicts by key: looked up by type in C, so the
# other objects of a blob cost nothing extra (a persistent_id method would
# be a Python call per object)
_TABLE = {**copyreg.dispatch_table, Verdict: _verdict_by_key}


def _dump(item: tuple[Any, ...]) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _TABLE
    pickler.dump(item)
    return buffer.getvalue()


def _load(blob: bytes, verdicts: dict[str, Verdict]) -> Any:
    global _VERDICTS
    _VERDICTS = verdicts
    try:
        return pickle.loads(blob)
    finally:
        _VERDICTS = {}


def _slim(doc: Document) -> Document:
    """The document as later stages use it: where it is and its key lines.

    The front matter's values, raw text and body have done their work once
    validated; dropping them keeps the model (and the cache) small.
    """
    parsed = Parsed(lines=doc.parsed.lines, body_line=doc.parsed.body_line, ok=doc.parsed.ok)
    return Document(doc.kind, doc.path, doc.slug, parsed, doc.digest)


# set before forking workers; a worker reads them from its copy of this module
_JOB: tuple[Sources, SiteConfig, dict[str, Verdict]] | None = None
_IN_WORKER = False


def _prepare_file(path: Path, kind: str) -> tuple[str, bytes] | None:
    """Parse and validate one file; its digest and blob (None: not content)."""
    assert _JOB is not None
    sources, config, verdicts = _JOB
    problems = Problems()
    doc = load_file(sources, path, problems, kind)
    if doc is None:  # unreadable: only its problems come back, and are not cached
        return ("", _dump((None, None, problems.items, []))) if problems.items else None
    checks = Problems()
    checked = validate_document(doc, config, verdicts, checks) if doc.parsed.ok else None
    slim = _slim(doc)
    if checked is not None:
        checked.doc = slim
    return doc.digest, _dump((slim, checked, problems.items, checks.items))


def prepare_one(sources: Sources, config: SiteConfig, verdicts: dict[str, Verdict],
                path: Path, kind: str) -> tuple[str, bytes] | None:
    """One file's digest and blob, as :func:`prepare` makes them (the quick rebuild)."""
    global _JOB
    _JOB = (sources, config, verdicts)
    try:
        return _prepare_file(path, kind)
    finally:
        _JOB = None


def load_blob(blob: bytes, verdicts: dict[str, Verdict]) -> tuple[Any, ...]:
    """(document, validated form or None, load problems, check problems)."""
    return _load(blob, verdicts)


def _prepare_chunk(files: list[tuple[Path, str]]) -> list[tuple[str, bytes] | None]:
    prefetch(path for path, _ in files)
    done = [_prepare_file(path, kind) for path, kind in files]
    if _IN_WORKER:
        markdown.MEMO.clear()  # each body comes once: remembering them only costs memory
    return done


def _worker_start() -> None:
    global _IN_WORKER
    _IN_WORKER = True


def prepare(sources: Sources, problems: Problems, cached: dict[str, bytes] | None = None,
            files: list[tuple[Path, str]] | None = None, keep: Keep | None = None,
            seen: Seen | None = None,
            progress: Callable[[int, int], None] | None = None,
            stamps: dict[Path, Stamp] | None = None) -> Prepared:
    """Read and validate the site, reusing ``cached`` blobs by cache key.

    ``files`` is :func:`load.find_files`'s list when the caller has it already;
    ``keep`` is given every blob (cached or new) as it is used; ``seen`` is
    the last build's :attr:`Prepared.seen`; ``progress`` is told (files done,
    files) every hundred files; ``stamps`` are the files' :func:`load.file_stamp`
    when the caller took them already.
    """
    global _JOB
    memo = Memo()
    docs = Documents(site=None)
    result = Prepared(docs, memo)
    if report_no_content(sources, problems):
        return result
    files = find_files(sources) if files is None else files
    site_files = [f for f in files if f[1] == "site"]
    if site_files:
        site_path = site_files[0][0]
        docs.site = load_file(sources, site_path, problems, "site")
        stamp = stamps[site_path] if stamps and site_path in stamps else file_stamp(site_path)
        if docs.site is not None and stamp is not None:
            result.seen[str(site_path)] = (*stamp, docs.site.digest)
    config, verdict_list = memo.site_config(docs, problems)
    verdicts = {v.key: v for v in verdict_list}
    files = [f for f in files if f[1] != "site"]
    site_key = docs.site.digest if docs.site else ""
    stamped = [stamps[path] if stamps and path in stamps else file_stamp(path)
               for path, _ in files]
    reused = (_reuse(sources, files, cached, site_key, stamped, seen or {}) if cached
              else [None] * len(files))
    todo = [files[i] for i, hit in enumerate(reused) if hit is None]
    result.parsed = len(todo)
    _JOB = (sources, config, verdicts)
    fresh = _run(todo)
    try:
        # in file order, each blob as soon as it is there: the workers' results
        # are unpickled while they go on, and no blob is held longer than needed
        for number, ((path, _), stamp, hit) in enumerate(zip(files, stamped, reused)):
            if progress is not None and number % 100 == 0:
                progress(number, len(files))
            found = hit if hit is not None else next(fresh)
            if found is not None and stamp is not None and found[0]:
                result.seen[str(path)] = (*stamp, found[0])
            if found is not None:
                _add(result, problems, verdicts, f"{site_key}:{found[0]}", found[1],
                     keep if found[0] else None)
    finally:
        fresh.close()
        _JOB = None
    warn_ignored(sources, problems)
    if docs.site is None:
        report_missing_site(sources, problems)
    return result


def _reuse(sources: Sources, files: list[tuple[Path, str]], cached: dict[str, bytes],
           site_key: str, stamps: list[Stamp], seen: Seen) -> list[tuple[str, bytes] | None]:
    """The cached blob of each file whose bytes (and site.yaml) are unchanged, else None.

    A file whose stamp (size and times) is the last build's keeps the digest
    it had then, unread.
    """
    found: list[tuple[str, bytes] | None] = []
    for (path, _), stamp in zip(files, stamps):
        known = seen.get(str(path))
        if stamp is not None and known is not None and known[:-1] == stamp:
            digest = known[-1]
        else:
            try:
                data = read_regular_file(path)
            except OSError:
                found.append(None)  # reported when parsed
                continue
            digest = file_digest(data, sources.display(path))
        blob = cached.get(f"{site_key}:{digest}")
        found.append((digest, blob) if blob is not None else None)
    return found


def _run(files: list[tuple[Path, str]]) -> Iterator[tuple[str, bytes] | None]:
    """Each file's result, in order; in worker processes when there are many."""
    workers = os.cpu_count() or 1
    if len(files) < PARALLEL_ABOVE or workers < 2 or "fork" not in mp.get_all_start_methods():
        yield from _prepare_chunk(files)
        return
    size = max(20, len(files) // (workers * 32))
    chunks = [files[i:i + size] for i in range(0, len(files), size)]
    with fork_pool(workers, _worker_start) as pool:
        for chunk in pool.imap(_prepare_chunk, chunks):
            yield from chunk


def _add(result: Prepared, problems: Problems, verdicts: dict[str, Verdict], key: str,
         blob: bytes, keep: Keep | None) -> None:
    doc, checked, load_problems, check_problems = load_blob(blob, verdicts)
    problems.extend(load_problems)
    if doc is None:
        return
    result.docs.by_kind.setdefault(doc.kind, []).append(doc)
    if keep is not None:
        keep(key, blob)
    if doc.parsed.ok:
        result.memo.items[doc.digest] = (checked, list(check_problems))
