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
from dataclasses import dataclass, field
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from .deps import code_version
from .load import Sources, find_files

CACHE_DIR = ".site-builder-cache"


def input_digest(sources: Sources, extra: Iterable[str],
                 files: list[tuple[Path, str]] | None = None) -> str:
    """Digest of what a build reads: every content, seed and theme file's path,
    size and modification time (nanoseconds), the code and the options.

    Stat data, not contents: reading 10,000 files just to learn that nothing
    changed would cost a second; an edit always moves the modification time.
    """
    from .render import Theme

    h = hashlib.blake2b(digest_size=16)
    for part in extra:
        h.update(part.encode() + b"\0")
    paths = [p for p, _ in (find_files(sources) if files is None else files)]
    theme = Theme.for_site(sources.root)
    for folder in theme.template_dirs:
        paths.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    paths.extend(sorted(theme.static_files.values()))
    for path in paths:
        try:
            stat = os.stat(path)
            h.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode(
                "utf-8", "surrogatepass"))
        except OSError:
            h.update(f"{path}\0missing\0".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


@dataclass
class BuildCache:
    folder: Path
    version: str = field(default_factory=code_version)
    items: dict[str, bytes] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
    seen: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # path -> stat, digest
    state: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def at(cls, sources: Sources) -> "BuildCache":
        cache = cls(sources.root / CACHE_DIR)
        try:
            state = json.loads((cache.folder / "state.json").read_text())
            if state.get("version") == cache.version:
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
        self.items = _read_items(self.folder / "items.pickle", self.version)
        data = _load_pickle(self.folder / "pages.pickle", self.version)
        self.pages, self.seen = data.get("pages", {}), data.get("seen", {})

    @contextmanager
    def keeping_items(self) -> Iterator[Callable[[str, bytes], None]]:
        """A function that stores one validated file; the file set replaces the
        old one when the block ends without an error.

        Records are written as they come, so no process holds every blob at
        once. The loaded items are let go at the end: the build does not need
        them again, and the render workers it forks next should not inherit them.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / "items.pickle"
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with open(temp, "wb") as handle:
            pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dump(self.version)

            def keep(key: str, blob: bytes) -> None:
                pickler.dump((key, blob))
                pickler.clear_memo()

            try:
                yield keep
            except BaseException:
                handle.close()
                temp.unlink(missing_ok=True)
                raise
        os.replace(temp, path)
        self.items = {}

    def save(self, inputs: str, out: Path, manifest: str, pages: dict[str, str],
             seen: dict[str, tuple[int, int, str]], report: str) -> None:
        """What this build read and wrote; state.json last, as it vouches for the rest."""
        self.folder.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.folder / "pages.pickle", pickle.dumps(
            {"version": self.version, "pages": pages, "seen": seen},
            protocol=pickle.HIGHEST_PROTOCOL))
        state = {"version": self.version, "inputs": inputs, "out": str(out),
                 "manifest": manifest, "report": report}
        _atomic_write(self.folder / "state.json", json.dumps(state).encode())


def _read_items(path: Path, version: str) -> dict[str, bytes]:
    """The records :meth:`BuildCache.keeping_items` wrote ({} if unusable)."""
    items: dict[str, bytes] = {}
    try:
        with open(path, "rb") as handle:
            unpickler = pickle.Unpickler(handle)
            if unpickler.load() != version:
                return {}
            while True:
                try:
                    key, blob = unpickler.load()
                except EOFError:
                    return items
                items[key] = blob
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
            ValueError, TypeError, IndexError, KeyError):
        return {}


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
