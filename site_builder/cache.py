"""The build cache in ``.site-builder-cache/`` (next to ``content/``; ignored by git).

It keeps what depends only on a file's bytes (parsed front matter, Markdown
HTML, both keyed by content digest) and what the last build wrote (each
page's fingerprint, the digest of all inputs). Everything in it can be
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
from typing import Any, Iterable

from . import markdown
from .deps import code_version
from .frontmatter import Parsed
from .load import Sources, find_files

CACHE_DIR = ".site-builder-cache"


def input_digest(sources: Sources, extra: Iterable[str]) -> str:
    """Digest of what a build reads: every content, seed and theme file's path,
    size and modification time (nanoseconds), the code and the options.

    Stat data, not contents: reading 10,000 files just to learn that nothing
    changed would cost a second; an edit always moves the modification time.
    """
    from .render import Theme

    h = hashlib.blake2b(digest_size=16)
    for part in extra:
        h.update(part.encode() + b"\0")
    paths = [p for p, _ in find_files(sources)]
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
    parsed: dict[str, Parsed] = field(default_factory=dict)
    pages: dict[str, str] = field(default_factory=dict)
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
        """The big part (parsed files, Markdown HTML, page fingerprints)."""
        try:
            with open(self.folder / "data.pickle", "rb") as handle:
                data = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError,
                ValueError, TypeError):
            return
        if not isinstance(data, dict) or data.get("version") != self.version:
            return
        self.parsed = data.get("parsed", {})
        self.pages = data.get("pages", {})
        markdown.MEMO.update(data.get("markdown", {}))

    def save(self, inputs: str, out: Path, manifest: str, pages: dict[str, str],
             parsed: dict[str, Parsed], report: str) -> None:
        """Keep only what this build used, so the cache never grows without bound."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = {"version": self.version, "parsed": parsed, "pages": pages,
                "markdown": {k: v for k, v in markdown.MEMO.items() if k in markdown.USED}}
        _atomic_write(self.folder / "data.pickle",
                      pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        state = {"version": self.version, "inputs": inputs, "out": str(out),
                 "manifest": manifest, "report": report}
        _atomic_write(self.folder / "state.json", json.dumps(state).encode())


def _atomic_write(path: Path, data: bytes) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_bytes(data)
    os.replace(temp, path)
