"""Stage 6, output: write the rendered site without ever losing the old one.

Everything is rendered in memory first; then the files are written to a
temporary folder next to the output folder and swapped in with two renames.
A failure at any point leaves the previous site as it was. The builder only
ever replaces a folder it made itself (it leaves a manifest file there), and
refuses an output folder that holds the content or the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

MANIFEST = ".site-builder-manifest.json"


class OutputError(Exception):
    """The output folder cannot be used; the message says why and what to do."""


def check_output_dir(out: Path, content: Path, project: Path) -> None:
    out, content, project = out.resolve(), content.resolve(), project.resolve()
    if out == Path(out.anchor) or out == Path.home().resolve():
        raise OutputError(f"refusing to build into {out}: choose a dedicated folder "
                          "such as --out public")
    for protected, what in ((content, "the content folder"), (project, "the project folder")):
        if out == protected or out in protected.parents:
            raise OutputError(f"refusing to build into {out}: it is or contains {what} "
                              f"({protected}), which the build would replace; use --out public")
    if content in out.parents:
        raise OutputError(f"refusing to build into {out}: it is inside the content folder; "
                          "use --out public")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise OutputError(f"refusing to replace {out}: it is not empty and was not made by "
                          "site-builder; empty it yourself or choose another --out")


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def write_site(out: Path, files: dict[str, bytes], static: dict[str, Path]) -> WriteStats:
    """Write ``files`` and copy ``static`` into ``out`` atomically (build aside, then swap)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.parent / f".{out.name}.building-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    previous = _read_manifest(out)
    stats = WriteStats()
    manifest: dict[str, str] = {}
    try:
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir()
        made: set[Path] = set()
        for rel, data in sorted(files.items()):
            digest = _digest(data)
            manifest[rel] = digest
            target = _target(temp, rel, made)
            if previous.get(rel) == digest and _link(out / rel, target):
                stats.unchanged += 1
                continue
            target.write_bytes(data)
            stats.written += 1
        for rel, source in sorted(static.items()):
            target = _target(temp, rel, made)
            shutil.copyfile(source, target)
            manifest[rel] = "static"
        (temp / MANIFEST).write_text(json.dumps(manifest, indent=0, sort_keys=True))
        if out.exists():
            os.rename(out, old)
        os.rename(temp, out)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        if old.exists() and not out.exists():
            os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return stats


def _target(root: Path, rel: str, made: set[Path]) -> Path:
    target = (root / rel).resolve()
    if root.resolve() not in target.parents:
        raise OutputError(f"refusing to write outside the output folder: {rel}")
    if target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        made.add(target.parent)
    return target


def _link(existing: Path, target: Path) -> bool:
    """Reuse an unchanged file from the previous build (a hard link is instant)."""
    try:
        os.link(existing, target)
        return True
    except OSError:
        return False


def _read_manifest(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / MANIFEST).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}
