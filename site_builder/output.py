"""Stage 6, output: write the rendered site without ever losing the old one.

Every page is validated and rendered in memory before the first write, so a
content or template error never touches the output folder.

- A first build (no manifest in the output folder) is written to a temporary
  folder beside it and swapped in with renames.
- A rebuild over a folder this builder made updates it in place: only files
  whose bytes changed are written (each one atomically: a temporary file, then
  a rename), files that vanished from the site are removed, and the manifest,
  which lists every file the builder owns with its digest, is replaced last.
  Only files listed in the manifest are ever deleted; a damaged manifest is
  refused rather than taken for a new folder, and so is a folder of the site
  that is a link (a write through it would land outside the output folder).

The builder refuses an output folder that holds the content or the project,
and a non-empty folder it did not make.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import stat
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

MANIFEST = ".site-builder-manifest.json"
#: in the output folder while temporary files are in it: who writes them, and
#: where (a build killed outright leaves it, and the next one cleans up)
PENDING = ".site-builder-pending.json"


class OutputError(Exception):
    """The output folder cannot be used; the message says why and what to do."""


def check_output_dir(out: Path, content: Path, project: Path,
                     inputs: Iterable[Path] = ()) -> None:
    """Refuse an output folder the build must not replace; ``inputs`` are the other
    folders it reads (the seeds, the site's templates and static files, its cache)."""
    try:
        _check_output_dir(out, content, project, inputs)
    except (OSError, RuntimeError) as exc:  # a path under a file, a loop of links
        reason = getattr(exc, "strerror", None) or str(exc)
        raise OutputError(f"cannot use {out} as the output folder: {reason}; choose another "
                          "--out, such as --out public") from None


def _check_output_dir(out: Path, content: Path, project: Path, inputs: Iterable[Path]) -> None:
    given, out, content, project = out, out.resolve(), content.resolve(), project.resolve()
    for link in (given, *given.parents):  # left behind by a moved or deleted site
        if link.is_symlink() and not link.exists():
            raise OutputError(f"{link} is a link to {os.path.realpath(link)}, which does not "
                              "exist; create that folder, remove the link, or choose another "
                              "--out")
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
    for folder in (path.resolve() for path in inputs):
        if out == folder or folder in out.parents:
            raise OutputError(f"refusing to build into {out}: the build reads {folder}, and "
                              "the next build would read the site as its own input; use "
                              "--out public")
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise OutputError(f"refusing to replace {out}: it is not empty and was not made by "
                          "site-builder; empty it yourself or choose another --out")
    damage = _manifest_damage(out)
    if damage and any(name != MANIFEST for name in os.listdir(out)):
        raise OutputError(
            f"refusing to build into {out}: its list of the files site-builder wrote "
            f"({MANIFEST}) {damage}, so the builder cannot tell its files from yours and "
            "would replace them all; if the folder holds nothing but the built site, "
            "delete it and build again, else move your own files out of it first")


def _manifest_damage(out: Path) -> str:
    """What is wrong with the output folder's manifest ("" if it is usable or absent).

    Read as text, not trusted: a manifest that says nothing would make the
    next build treat the folder as new and replace it whole, files someone
    put there by hand (a CNAME, .well-known/) with it.
    """
    try:
        text = (out / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, ValueError) as exc:
        return f"cannot be read ({getattr(exc, 'strerror', None) or exc})"
    try:
        data = json.loads(text)
    except ValueError:
        return "is damaged (not JSON)"
    if not isinstance(data, dict) or not data:
        return "is damaged (it lists no files)"
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        return "is damaged (not a list of files and digests)"
    return ""


def _alive(pid: int) -> bool:
    """True if a process ``pid`` exists (a build still at work)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def recover(out: Path) -> None:
    """Clean up after a build that was killed outright (no Ctrl-C: a kill -9, a
    power cut), before this one starts.

    Its temporary files in the output folder would be published, its staging
    folder beside it would hold a whole site, and a kill between the two
    renames that swap a fresh build in leaves the previous site under a
    temporary name, which is put back. Only the builder's own names, of a
    process that no longer runs, are touched.
    """
    out = out.resolve()
    _recover_pending(out)
    try:
        names = os.listdir(out.parent)
    except OSError:
        return
    ours = re.compile(rf"\.{re.escape(out.name)}\.(building|old)-([0-9]+)")
    for name in sorted(names):
        match = ours.fullmatch(name)
        if match is None or _alive(int(match[2])):
            continue
        left = out.parent / name
        if match[1] == "old" and not os.path.lexists(out):
            os.rename(left, out)  # the previous site: it was never replaced
        elif left.is_dir() and not left.is_symlink():
            shutil.rmtree(left, ignore_errors=True)


def _recover_pending(out: Path) -> None:
    """Remove the temporary files a killed in-place update left in ``out``."""
    try:
        pending = json.loads((out / PENDING).read_text())
        pid, temps = int(pending["pid"]), [str(t) for t in pending["temps"]]
    except (OSError, ValueError, KeyError, TypeError):
        return
    if pid != os.getpid() and _alive(pid):  # this process's own: a write that failed
        raise OutputError(f"another build (process {pid}) is writing into {out}; "
                          "wait for it to finish, or stop it")
    root = str(out)
    for rel in temps:
        try:
            refuse_linked_folders(out, [rel])
            os.unlink(_safe_name(root, rel))
        except (OSError, OutputError):
            pass
    (out / PENDING).unlink(missing_ok=True)


@dataclass
class WriteStats:
    written: int = 0
    unchanged: int = 0
    removed: int = 0


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl-C (or a SIGTERM) waits until the block is done, then takes effect.

    Around the renames that put a new build in place: stopped half-way, they
    left a site with some pages new and some old, which the all-or-nothing
    promise rules out. Only the main thread can set signal handlers; elsewhere
    (the live preview) the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    kept = {signum: signal.signal(signum, lambda number, _frame: received.append(number))
            for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in kept.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        for signum in received:
            signal.raise_signal(signum)  # as if it came now: KeyboardInterrupt for Ctrl-C


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_manifest(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / MANIFEST).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_site(out: Path, files: dict[str, bytes], static: dict[str, Path],
               keep: set[str] | frozenset[str] = frozenset()) -> WriteStats:
    """Write ``files`` and ``static``; ``keep`` names unchanged files already in ``out``."""
    out = out.resolve()
    static_bytes = {rel: path.read_bytes() for rel, path in static.items()}
    everything = {**files, **static_bytes}
    previous = read_manifest(out)
    if previous and out.is_dir() or fills_in_place(out):
        return _update_in_place(out, everything, previous, keep)
    if keep:
        raise OutputError("internal: unchanged pages given for a fresh output folder")
    return _write_fresh(out, everything)


def fills_in_place(out: Path) -> bool:
    """Whether a first build must be written inside ``out`` instead of beside it
    and swapped in: ``out`` is an empty folder that cannot be renamed (a mount
    point, a Docker volume) or whose parent folder is read-only. It is still all
    or nothing: every file goes under a temporary name first, as in an update."""
    if not out.is_dir() or read_manifest(out):
        return False
    return os.path.ismount(out) or not os.access(out.parent, os.W_OK | os.X_OK)


def _write_fresh(out: Path, files: dict[str, bytes]) -> WriteStats:
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = out.parent / f".{out.name}.building-{os.getpid()}"
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    try:
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir()
        _write_files(temp, files)
        _write_manifest(temp, {rel: digest(data) for rel, data in files.items()})
        with _uninterrupted():
            if out.exists():
                os.rename(out, old)
            os.rename(temp, out)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        if old.exists() and not out.exists():
            os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return WriteStats(written=len(files))


def one_file_name(path: str) -> str:
    """The name a case- and normalization-insensitive file system sees (APFS on
    macOS, NTFS on Windows): paths equal here are one file in a checkout there.
    Lowercase, not casefold: those compare letter by letter ('ß' is not 'ss')."""
    return unicodedata.normalize("NFC", path).lower()


def how_names_differ(one: str, other: str) -> str:
    """What sets apart two names :func:`one_file_name` takes for one, in words."""
    if one.lower() == other.lower():
        return "letter case"
    return "the way their accented letters are encoded (Unicode normalization)"


class Staging:
    """A fresh build written page by page into a folder beside the output, then
    swapped in whole (used for big cold builds, which would not fit in memory)."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.folder = out.parent / f".{out.name}.building-{os.getpid()}"
        self.digests: dict[str, str] = {}
        self._made: set[str] = set()

    @classmethod
    def beside(cls, out: Path) -> "Staging":
        stage = cls(out.resolve())
        stage.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(stage.folder, ignore_errors=True)
        stage.folder.mkdir()
        return stage

    def put(self, rel: str, data: bytes) -> str:
        """Write one page (from any worker process); returns its digest.

        Plain strings and ``open``, not Path objects: at tens of thousands
        of pages, Path's own overhead was half the cost of writing each one.
        """
        target = _safe_name(str(self.folder), rel)
        parent = os.path.dirname(target)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        with open(target, "wb") as file:
            file.write(data)
        return digest(data)

    def commit(self, out: Path, static: dict[str, Path]) -> WriteStats:
        try:
            extra = {rel: path.read_bytes() for rel, path in static.items()}
            _write_files(self.folder, extra)
            self.digests.update((rel, digest(data)) for rel, data in extra.items())
            _write_manifest(self.folder, self.digests)
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            with _uninterrupted():
                if out.exists():
                    os.rename(out, old)
                os.rename(self.folder, out)
        except BaseException:
            self.abort()
            raise
        shutil.rmtree(old, ignore_errors=True)
        return WriteStats(written=len(self.digests))

    def abort(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def replace_files(out: Path, files: dict[str, bytes], manifest: dict[str, str]) -> WriteStats:
    """Replace a few files of a site this builder made (each atomically), then
    the manifest; ``manifest`` is the current one, updated here."""
    out = out.resolve()
    refuse_linked_folders(out, files)
    updated = {**manifest, **{rel: digest(data) for rel, data in files.items()}}
    _write_files(out, files, atomic=True, then=lambda: _write_manifest(out, updated))
    manifest.update(updated)
    return WriteStats(written=len(files), unchanged=len(manifest) - len(files))


def missing_files(out: Path, manifest: dict[str, str]) -> set[str]:
    """The files of ``manifest`` that are no longer in ``out`` (deleted by hand).

    A stat per file: at 10,000 claims, a few hundredths of a second that
    keep "up to date" true and let a rebuild restore what was lost.
    """
    root = str(out) + os.sep
    missing = set()
    for rel in manifest:
        try:
            if not stat.S_ISREG(os.stat(root + rel).st_mode):
                missing.add(rel)
        except (OSError, ValueError):
            missing.add(rel)
    return missing


def manifest_digest(out: Path) -> str:
    """Digest of the manifest as it is on disk ("" if there is none)."""
    try:
        return digest((out / MANIFEST).read_bytes())
    except OSError:
        return ""


def _update_in_place(out: Path, files: dict[str, bytes], previous: dict[str, str],
                     keep: set[str] | frozenset[str]) -> WriteStats:
    manifest = {rel: previous[rel] for rel in keep if rel in previous}
    changed: dict[str, bytes] = {}
    for rel, data in files.items():
        manifest[rel] = digest(data)
        if previous.get(rel) != manifest[rel] or not (out / rel).is_file():
            changed[rel] = data
    removed = [rel for rel in previous if rel not in manifest]
    refuse_linked_folders(out, [*changed, *removed])

    def finish() -> None:  # in the same uninterrupted step as the renames
        for rel in removed:
            _remove(out, rel)
        _write_manifest(out, manifest)
    _write_files(out, changed, atomic=True, obsolete=set(removed), then=finish)
    return WriteStats(written=len(changed), unchanged=len(manifest) - len(changed),
                      removed=len(removed))


def refuse_linked_folders(root: Path, rels: Iterable[str]) -> None:
    """Refuse, before any write, a folder on the way to a file that is a link.

    The paths are checked as text (:func:`_safe_name`), but a folder of the
    site replaced by a link (``claims -> /somewhere``) would take the
    writes and deletes of every file under it out of the output folder.
    A link to a file is no danger: it is replaced, never written through.
    """
    checked: set[str] = set()
    base = str(root)
    for rel in rels:
        folder = os.path.dirname(_safe_name(base, rel))
        while folder != base and folder not in checked:
            checked.add(folder)
            if os.path.islink(folder):
                shown = os.path.relpath(folder, base).replace(os.sep, "/")
                raise OutputError(
                    f"its folder {shown}/ is a link to {os.path.realpath(folder)}, and the "
                    "builder writes only inside the output folder: replace the link with "
                    "a plain folder")
            folder = os.path.dirname(folder)


def _safe_target(root: Path, rel: str) -> Path:
    return Path(_safe_name(str(root), rel))


def _safe_name(root: str, rel: str) -> str:
    """``root/rel`` as a normalised path, refused if it leads outside ``root``."""
    target = os.path.normpath(os.path.join(root, rel))
    if not target.startswith(root + os.sep):
        raise OutputError(f"refusing to write outside the output folder: {rel}")
    return target


def _write_files(root: Path, files: dict[str, bytes], atomic: bool = False,
                 obsolete: set[str] | frozenset[str] = frozenset(),
                 then: Callable[[], None] | None = None) -> None:
    """Write ``files`` under ``root``; ``atomic`` for a site that is being served.

    Atomic writing is all or nothing: every new file is first written under a
    short temporary name (a name that always fits, however long the target's),
    and only when all of them are there are they renamed into place. A failure
    before that (a full disk, a name the file system refuses) removes the
    temporary files and any folder made for them, so the site is left exactly
    as it was. An ``obsolete`` file of the last build (in the manifest, gone
    from this one) that stands where a new folder goes, or a folder of them
    where a new file goes (an alias that gained or lost its trailing slash),
    is removed just before the renames; anything else in the way is an error.
    ``then`` (removing what vanished, writing the manifest) runs right after
    the renames, in the same step a Ctrl-C waits for: the site on disk is the
    old one or the new one, never half of each.
    """
    targets = {rel: _safe_target(root, rel) for rel in files}
    if not atomic:  # a fresh folder, thrown away whole on failure
        _make_parents(root, {t.parent for t in targets.values()}, [])
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda rel: targets[rel].write_bytes(files[rel]), sorted(files)))
        return
    blockers = _blockers(root, targets, obsolete)
    blocked = {rel for rel, t in targets.items()
               if any(b == t or b in t.parents for b in blockers)}
    temps = {rel: (root if rel in blocked else target.parent) / f".sb-{os.getpid()}-{n}.tmp"
             for n, (rel, target) in enumerate(sorted(targets.items()))}
    made: list[Path] = []
    _write_pending(root, [*temps.values(), root / f"{MANIFEST}.{os.getpid()}.tmp"])
    try:
        _make_parents(root, {t.parent for r, t in targets.items() if r not in blocked}, made)
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda rel: temps[rel].write_bytes(files[rel]), sorted(files)))
    except BaseException:
        for temp in temps.values():
            temp.unlink(missing_ok=True)
        for folder in sorted(made, key=lambda p: len(p.parts), reverse=True):
            _rmdir_quietly(folder)
        (root / PENDING).unlink(missing_ok=True)
        raise
    with _uninterrupted():  # every new file is written: put them all in place
        for blocker in blockers:
            if blocker.is_dir() and not blocker.is_symlink():
                shutil.rmtree(blocker)
            else:
                blocker.unlink()
        _make_parents(root, {targets[rel].parent for rel in blocked}, [])
        for rel in sorted(files):
            os.replace(temps[rel], targets[rel])
        if then is not None:
            then()


def _blockers(root: Path, targets: dict[str, Path], obsolete: set[str] | frozenset[str]
              ) -> set[Path]:
    """What stands where a new file or its folder goes: old files of the
    builder's own that this build drops (else an error, before any write)."""
    found: set[Path] = set()
    for rel, target in targets.items():
        if target.is_dir() and not target.is_symlink():
            inside = [p.relative_to(root).as_posix() for p in target.rglob("*")
                      if not p.is_dir() or p.is_symlink()]
            if any(name not in obsolete for name in inside):
                raise OutputError(f"{rel} would replace a folder of the same name that holds "
                                  "files this builder did not write")
            found.add(target)
            continue
        parent = target.parent
        while parent != root and not parent.is_dir():
            if parent.exists() or parent.is_symlink():
                if parent.relative_to(root).as_posix() not in obsolete:
                    raise OutputError(f"{rel} needs a folder where there is a file this "
                                      "builder did not write")
                found.add(parent)
                break
            parent = parent.parent
    return found


def _make_parents(root: Path, parents: set[Path], made: list[Path]) -> None:
    """Create ``parents`` (all under ``root``), adding the folders made to ``made``."""
    for parent in sorted(parents):
        missing = []
        folder = parent
        while folder != root and not folder.is_dir():
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            folder.mkdir(exist_ok=True)
            made.append(folder)


def _rmdir_quietly(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def _remove(root: Path, rel: str) -> None:
    """Delete a file the previous build wrote, then any folders it leaves empty."""
    target = _safe_target(root, rel)
    try:
        target.unlink(missing_ok=True)
    except (IsADirectoryError, NotADirectoryError):
        return  # a new page took its place (see _blockers), or its folder's
    parent = target.parent
    while parent != root and str(parent).startswith(str(root)):
        try:
            parent.rmdir()
        except OSError:
            break
        parent = parent.parent


def _write_pending(root: Path, temps: Iterable[Path]) -> None:
    """Say which temporary files this process is about to write (see :func:`recover`)."""
    names = sorted(temp.relative_to(root).as_posix() for temp in temps)
    (root / PENDING).write_text(json.dumps({"pid": os.getpid(), "temps": names}))


def _write_manifest(root: Path, manifest: dict[str, str]) -> None:
    """Replace the manifest, the last step of a write: the temporary files are
    all in place by now, so the pending list goes too."""
    temp = root / f"{MANIFEST}.{os.getpid()}.tmp"
    # one entry per line, written by json's C encoder (``indent`` would take
    # its Python one, a tenth of a quick rebuild)
    temp.write_text(json.dumps(manifest, sort_keys=True, separators=(",\n", ": ")))
    os.replace(temp, root / MANIFEST)
    (root / PENDING).unlink(missing_ok=True)
