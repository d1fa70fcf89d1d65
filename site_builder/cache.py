"""The build cache in ``.site-builder-cache/`` (next to ``content/``; ignored by git).

It keeps what depends only on a file's bytes and site.yaml (the file parsed,
its Markdown converted and its fields validated, as one pickled blob per
file, see prepare.py) and what the last build wrote (each page's
fingerprint, the digest of all inputs). Everything in it can be
thrown away: a build without it produces the same bytes, only slower. A
change to the builder's code invalidates the whole cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .deps import code_version
from .load import Scanned, Seen, Sources, Stamp, file_stamp, scan_files

if TYPE_CHECKING:
    from .theme import Theme

CACHE_DIR = ".site-builder-cache"
#: what state.json holds besides the version, all text
_STATE_TEXTS = ("inputs", "out", "manifest", "report")


#: every file a build reads (content, seeds, theme) with its stat data
Inputs = list[tuple[str, Stamp]]


def input_files(sources: Sources, scanned: Scanned | None = None,
                theme: Theme | None = None) -> Inputs:
    """What a build reads: every content, seed and theme file, with its size
    and times (:func:`load.file_stamp`).

    Stat data, not contents: reading 10,000 files just to learn that nothing
    changed would cost a second; an edit always moves the modification time.
    """
    from .theme import Theme

    found: Inputs = [(path, stamp) for path, _, stamp in
                     (scan_files(sources) if scanned is None else scanned)]
    theme = theme or Theme.for_site(sources.root)
    paths = []
    for folder in theme.template_dirs:
        paths.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    paths.extend(sorted(theme.static_files.values()))
    return found + [(str(path), file_stamp(path)) for path in paths]


def input_digest(extra: Iterable[str], inputs: Inputs,
                 instead: dict[str, Stamp] | None = None) -> str:
    """Digest of the inputs, the code and the options; ``instead`` gives other
    stamps for some files (the quick rebuild asks: was all else unchanged?)."""
    parts = [f"{part}\0" for part in extra]
    for path, stamp in inputs:
        if instead and path in instead:
            stamp = instead[path]
        parts.append(f"{path}\0{stamp[0]}\0{stamp[1]}\0{stamp[2]}\0" if stamp
                     else f"{path}\0missing\0")
    return hashlib.blake2b("".join(parts).encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()


@dataclass
class BuildCache:
    folder: Path
    version: str = field(default_factory=code_version)
    items: dict[str, bytes] = field(default_factory=dict)
    records: int = 0  # records in the items file (live and stale)
    pages: dict[str, str] = field(default_factory=dict)
    seen: Seen = field(default_factory=dict)
    #: display path -> where its claim page shows its body (quick.Spliced)
    spliced: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    #: why the cache could not be written, if it could not (the build goes on)
    problem: str = ""

    @classmethod
    def at(cls, sources: Sources) -> "BuildCache":
        cache = cls(sources.root / CACHE_DIR)
        try:
            state = json.loads((cache.folder / "state.json").read_text())
            if isinstance(state, dict) and state.get("version") == cache.version \
                    and all(isinstance(state.get(k, ""), str) for k in _STATE_TEXTS):
                cache.state = state
        except (OSError, ValueError):
            pass
        return cache

    def unchanged(self, inputs: str, out: Path, manifest: str) -> bool:
        """True when nothing the last build read has changed and its output is intact."""
        return (self.state.get("inputs") == inputs and self.state.get("out") == str(out)
                and self.state.get("manifest") == manifest)

    def load(self) -> None:
        """The big part: validated files and page fingerprints."""
        self.items, self.records = _read_items(self.folder / ITEMS, self.version)
        self.load_pages()

    def load_pages(self) -> None:
        """The last build's pages, files and body spans (not the validated files)."""
        data = _load_pickle(self.folder / "pages.pickle", self.version)
        pages, seen, spliced = (data.get(k, {}) for k in ("pages", "seen", "spliced"))
        if not _shaped(pages, str, 0) or not _shaped(seen, tuple, 4) \
                or not _shaped(spliced, tuple, 7):
            pages, seen, spliced = {}, {}, {}  # damaged: as if there were none
        self.pages, self.seen, self.spliced = pages, seen, spliced

    def append_items(self, items: list[tuple[str, bytes]]) -> None:
        """Add validated files to the items log without reading it."""
        if not items or self.problem:
            return
        try:
            log = _ItemLog(self.folder / ITEMS, self.version, fresh=False)
            try:
                for key, blob in items:
                    log.append(key, blob)
            finally:
                log.close(ok=True)
        except OSError as exc:
            self._failed(exc)

    @contextmanager
    def keeping_items(self) -> Iterator[Callable[[str, bytes], None]]:
        """A function that stores one validated file (every file this build uses).

        The items file is a log of (key, blob) records. A rebuild appends
        only the files it validated anew (one record for one edited file) and
        rewrites the log when stale records outnumber live ones; a first build
        writes records as they come, so no process holds every blob at once.
        The loaded items are let go at the end: the build does not need them
        again, and the render workers it forks next should not inherit them.
        """
        used: dict[str, bytes | None] = {}  # this build's keys (blobs: the new ones)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            log = _ItemLog(self.folder / ITEMS, self.version, fresh=not self.items)
        except OSError as exc:
            self._failed(exc)
            yield lambda key, blob: None
            self.items = {}
            return

        def keep(key: str, blob: bytes) -> None:
            if key in self.items or key in used:
                used.setdefault(key, None)
                return
            used[key] = blob if self.items else None  # kept for a rewrite
            if not self.problem:
                try:
                    log.append(key, blob)
                except OSError as exc:  # a full disk: the build goes on uncached
                    self._failed(exc)

        try:
            yield keep
        except BaseException:
            log.close(ok=False)
            raise
        try:
            log.close(ok=not self.problem)
        except OSError as exc:  # items.pickle made a folder, say: the build goes on uncached
            self._failed(exc)
        self.records += sum(1 for blob in used.values() if blob is not None)
        if self.items and not self.problem and self.records > 2 * len(used) + 100:
            try:
                fresh = _ItemLog(self.folder / ITEMS, self.version, fresh=True)
                try:
                    for key, blob in used.items():
                        fresh.append(key, blob if blob is not None else self.items[key])
                finally:
                    fresh.close(ok=not sys.exc_info()[0])
            except OSError as exc:
                self._failed(exc)
        self.items = {}

    def _failed(self, exc: OSError) -> None:
        where = f": {exc.filename}" if exc.filename and exc.strerror else ""
        self.problem = self.problem or f"{exc.strerror or exc}{where}"

    def search_index(self, key: str) -> Any:
        """The search index saved under ``key`` (a :class:`search.SearchIndex`), or None."""
        data = _load_pickle(self.folder / "search.pickle", self.version)
        return data.get("index") if data.get("key") == key else None

    def save_search_index(self, key: str, index: Any) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.folder / "search.pickle", pickle.dumps(
                {"version": self.version, "key": key, "index": index},
                protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            self._failed(exc)

    def memo(self, name: str) -> dict[str, Any]:
        """What a stage kept under ``name`` for later builds ({} if nothing usable).

        A memo's keys are digests of what each entry is made from, so an entry
        is right whenever its key matches, however old the memo is.
        """
        entries = _load_pickle(self.folder / f"{name}.memo.pickle", self.version).get("entries")
        return entries if isinstance(entries, dict) else {}

    def save_memo(self, name: str, entries: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.folder / f"{name}.memo.pickle", pickle.dumps(
                {"version": self.version, "entries": entries},
                protocol=pickle.HIGHEST_PROTOCOL))
        except OSError as exc:
            self._failed(exc)

    def save(self, inputs: str, out: Path, manifest: str, pages: dict[str, str],
             seen: Seen, report: str,
             spliced: dict[str, Any] | None = None) -> None:
        """What this build read and wrote; state.json last, as it vouches for the rest.

        A cache that cannot be written is not an error: the site is built, and
        the next build starts from scratch (``problem`` says why).
        """
        try:
            if self.problem:  # something is missing: vouch for nothing
                (self.folder / "state.json").unlink(missing_ok=True)
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            _atomic_write(self.folder / "pages.pickle", pickle.dumps(
                {"version": self.version, "pages": pages, "seen": seen,
                 "spliced": spliced or {}},
                protocol=pickle.HIGHEST_PROTOCOL))
            state = {"version": self.version, "inputs": inputs, "out": str(out),
                     "manifest": manifest, "report": report}
            _atomic_write(self.folder / "state.json", json.dumps(state).encode())
        except OSError as exc:
            self._failed(exc)


ITEMS = "items.pickle"


class _ItemLog:
    """Appends (key, blob) records to the items file, each in one write.

    A fresh log is written under a temporary name and renamed over the old
    one when closed after success. Appends use O_APPEND and one write per
    record, so a record is never interleaved with another build's; a torn
    last record (a crash) only loses what follows it.
    """

    def __init__(self, path: Path, version: str, fresh: bool) -> None:
        self.path, self.fresh = path, fresh
        self.target = path.with_name(f".{path.name}.{os.getpid()}.tmp") if fresh else path
        flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if fresh else os.O_APPEND)
        self.fd = os.open(self.target, flags, 0o644)
        if fresh:
            os.write(self.fd, pickle.dumps(version, protocol=pickle.HIGHEST_PROTOCOL))

    def append(self, key: str, blob: bytes) -> None:
        os.write(self.fd, pickle.dumps((key, blob), protocol=pickle.HIGHEST_PROTOCOL))

    def close(self, ok: bool) -> None:
        """Done; a fresh log replaces the old file only if ``ok``."""
        os.close(self.fd)
        if self.fresh and ok:
            try:
                os.replace(self.target, self.path)
            except OSError:
                self.target.unlink(missing_ok=True)  # no temporary file left behind
                raise
        elif self.fresh:
            self.target.unlink(missing_ok=True)


def _shaped(data: Any, kind: type, length: int) -> bool:
    """Whether ``data`` is a dict of str keys to ``kind`` values (of ``length``
    items when tuples): a cache file of the right version, damaged or tampered
    with, must make the build start afresh, not fail."""
    if not isinstance(data, dict):
        return False
    return all(isinstance(k, str) and isinstance(v, kind) and (not length or len(v) == length)
               for k, v in data.items())


def _read_items(path: Path, version: str) -> tuple[dict[str, bytes], int]:
    """The records of the items file (later ones win) and how many there are."""
    items: dict[str, bytes] = {}
    records = 0
    try:
        with open(path, "rb") as handle:
            unpickler = pickle.Unpickler(handle)
            if unpickler.load() != version:
                return {}, 0
            while True:
                key, blob = unpickler.load()
                if not isinstance(key, str) or not isinstance(blob, bytes):
                    return items, records  # damaged from here on
                items[key] = blob
                records += 1
    except EOFError:  # the end, or a torn last record
        return items, records
    except (OSError, pickle.UnpicklingError, AttributeError, ImportError,
            ValueError, TypeError, IndexError, KeyError):
        return items, records


def _load_pickle(path: Path, version: str) -> dict[str, Any]:
    """A cache file's data, or {} if it is missing, damaged or from other code."""
    try:
        with open(path, "rb") as handle:
            data = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
            ValueError, TypeError, IndexError, KeyError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == version else {}


def _atomic_write(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)
