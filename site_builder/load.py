"""Stage 1, load: read every content file once into a :class:`Document`.

Nothing here knows what a claim is; it only finds files, reads their bytes
and splits front matter, so the same documents serve ``check`` and ``build``
(through prepare.py, which runs this and validation per file) and ``serve``
(which reloads single files through :func:`load_file`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .frontmatter import Parsed, parse_document, parse_yaml_file
from .problems import Problems, did_you_mean

#: content sub-folder -> document kind
KINDS = {"claims": "claim", "actors": "actor", "topics": "topic", "pages": "page"}


@dataclass
class Document:
    """One file: its kind, slug (the file name), parsed data and body."""

    kind: str
    path: str
    slug: str
    parsed: Parsed
    digest: str


@dataclass
class Documents:
    site: Document | None
    by_kind: dict[str, list[Document]] = field(default_factory=dict)

    def of(self, kind: str) -> list[Document]:
        return self.by_kind.get(kind, [])


@dataclass(frozen=True)
class Sources:
    """Where a site's files are: the content folder and the seeds register."""

    content: Path
    seeds: Path
    #: the content folder as given, when it is a link to a folder elsewhere
    link: Path | None = None

    @classmethod
    def at(cls, content: Path, seeds: Path | None = None) -> "Sources":
        """The project is the folder that holds ``content`` as given: a content
        folder that is a link keeps seeds/, public/, templates/ and the cache
        beside the link, where the editor put them, not beside its target."""
        given = Path(os.path.abspath(content))
        real = given.resolve()
        project = given.parent.resolve()
        if real.parent == project:
            return cls(real, (seeds or real.parent / "seeds").resolve())
        return cls(real, (seeds or project / "seeds").resolve(), project / given.name)

    @property
    def root(self) -> Path:
        """The folder paths in messages are relative to (the project)."""
        return self.link.parent if self.link else self.content.parent

    def display(self, path: Path) -> str:
        if self.link is not None:  # files of the linked folder, under the link's name
            text, content = str(path), str(self.content)
            if not text.startswith(content + os.sep):
                text = str(path.resolve())
            if text.startswith(content + os.sep):
                return (f"{self.link.name}/" + text[len(content) + 1:]).replace(os.sep, "/")
        text, root = str(path), str(self.root)
        if not text.startswith(root + os.sep):
            text = str(path.resolve())
        if text.startswith(root + os.sep):
            return text[len(root) + 1:].replace(os.sep, "/")
        return path.as_posix()

    def holds(self, path: Path) -> bool:
        """Whether a (resolved) path is inside the content folder or the seeds register."""
        return self.content in path.parents or self.seeds in path.parents

    def kind_of(self, path: Path) -> str | None:
        """The document kind of a file, or None if it is not content."""
        if not str(path).startswith((str(self.content) + os.sep, str(self.seeds) + os.sep)):
            path = path.resolve()
        if path.suffix == ".yaml" and path.parent == self.seeds:
            return "seed"
        if path == self.content / "site.yaml":
            return "site"
        if path.suffix != ".md" or _ignored(path.name):
            return None
        for folder, kind in KINDS.items():
            base = self.content / folder
            if base in path.parents:
                # as scan_files: nothing under a hidden folder is content
                hidden = any(part.startswith(".") for part in path.relative_to(base).parts[:-1])
                return None if hidden else kind
        return None


def _ignored(name: str) -> bool:
    """Editor backups, swap and hidden files are not content."""
    return name.startswith((".", "#", "~")) or name.endswith(("~", ".swp", ".tmp"))


#: (size, modification time in ns) of a file, None if it cannot be read
#: (size, modification time, inode change time), the times in nanoseconds
Stamp = tuple[int, int, int] | None


#: file path -> (*its :data:`Stamp`, document digest): what the last build read
Seen = dict[str, tuple[int, int, int, str]]


def file_stamp(path: Path) -> Stamp:
    """What tells a rebuild a file changed without reading it.

    An edit moves the modification time; the change time also moves when
    only the permissions changed (a file made unreadable must fail the next
    build, as it fails a fresh one) or when a tool wrote the file and put
    its old modification time back (``cp -p``, ``touch -r``, some editors).
    """
    try:
        return stamp_of(os.stat(path))
    except OSError:
        return None


def stamp_of(info: os.stat_result) -> tuple[int, int, int]:
    """The :data:`Stamp` of a file's stat data."""
    return info.st_size, info.st_mtime_ns, info.st_ctime_ns


def file_digest(data: bytes, shown: str) -> str:
    """A document's identity: its bytes and where it is (a name that is not
    valid UTF-8 keeps its own bytes, as the file system gave them)."""
    return hashlib.blake2b(data + shown.encode("utf-8", "surrogateescape"),
                           digest_size=16).hexdigest()


def load_file(sources: Sources, path: Path, problems: Problems,
              kind: str | None = None) -> Document | None:
    """Read and parse one content file; None if it is not a content file."""
    kind = kind or sources.kind_of(path)
    if kind is None:
        return None
    shown = sources.display(path)
    # (a dangling link or a loop is not followed: it is reported as unreadable below)
    if os.path.islink(path) and os.path.exists(path) and not sources.holds(path.resolve()):
        problems.error(shown, 1, "this is a link to a file outside the content and seeds "
                       "folders: it is not read", "put a copy of the file itself here: a "
                       "link out of the project could publish any file of the machine")
        return None
    try:
        data = read_regular_file(path)
    except OSError as exc:
        problems.error(shown, 1, f"the file cannot be read: {exc.strerror or exc}",
                       _unreadable_hint(path, exc))
        return None
    if kind in ("seed", "site"):
        parsed = parse_yaml_file(data, shown, problems)
    else:
        parsed = parse_document(data, shown, problems)
    return Document(kind, shown, path.stem, parsed, file_digest(data, shown))


def read_regular_file(path: Path | str) -> bytes:
    """A file's bytes; OSError if it is not a regular file.

    Opened without blocking and checked before reading: a named pipe called
    ``claim.md`` would otherwise wait forever for a writer.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "it is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


def prefetch(paths: Iterable[Path | str]) -> None:
    """Ask the kernel to start reading these files now, all of them at once.

    When the files are not in the page cache (the first build after a
    reboot, a fresh clone, a site bigger than memory keeps), each worker
    otherwise waits on one small read at a time: reading 100,000 claims
    from a slow disk took most of a cold build. ``POSIX_FADV_WILLNEED``
    starts the reads and returns; where it does not exist, nothing changes.
    """
    advise = getattr(os, "posix_fadvise", None)
    if advise is None:
        return
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue  # reported when the file is read
        try:
            advise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass  # not a regular file: reported when it is read
        finally:
            os.close(fd)


def _unreadable_hint(path: Path, exc: OSError) -> str:
    if path.is_symlink():
        return ("it is a symbolic link to a file that cannot be opened; "
                "replace the link with the file itself")
    if exc.errno == errno.EINVAL:
        return "move it out of content/: only regular .md files are read"
    return "check the file's permissions"


#: every content file as (path, kind, stamp), in :func:`find_files` order
Scanned = list[tuple[str, str, Stamp]]


def scan_files(sources: Sources) -> Scanned:
    """Every content file with its kind and :func:`file_stamp`, in one pass.

    Strings, not Paths, and one directory listing per folder: a rebuild of
    a big site that finds nothing (or one file) changed spends most of its
    time here, so this is kept to a listing and a stat per file.
    """
    found: Scanned = []
    site = os.path.join(sources.content, "site.yaml")
    if os.path.lexists(site) and not os.path.isdir(site):  # unreadable: reported by load
        found.append((site, "site", file_stamp(site)))
    for folder, kind in KINDS.items():
        _scan_markdown(os.path.join(sources.content, folder), kind, found)
    try:
        with os.scandir(sources.seeds) as listing:
            seeds = sorted((e.name, e) for e in listing if e.name.endswith(".yaml")
                           and not e.name.startswith(".") and not _is_dir(e))
    except OSError:
        seeds = []
    found.extend((entry.path, "seed", _entry_stamp(entry)) for _, entry in seeds)
    return found


def find_files(sources: Sources) -> list[tuple[Path, str]]:
    """Every content file with its kind, in a stable order."""
    return [(Path(path), kind) for path, kind, _ in scan_files(sources)]


def _scan_markdown(folder: str, kind: str, found: Scanned) -> None:
    """``*.md`` below ``folder``, depth first by name: the order of Path.parts."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted((e.name, e) for e in listing)
    except OSError:
        return
    for name, entry in entries:
        if _is_dir(entry):
            if not name.startswith(".") and not entry.is_symlink():
                _scan_markdown(entry.path, kind, found)
        elif name.endswith(".md") and not _ignored(name):
            found.append((entry.path, kind, _entry_stamp(entry)))


def _is_dir(entry: os.DirEntry) -> bool:  # type: ignore[type-arg]
    """False for a symbolic link loop too: read (and reported) as a file if it is named so."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _entry_stamp(entry: os.DirEntry) -> Stamp:  # type: ignore[type-arg]
    try:
        return stamp_of(entry.stat())
    except OSError:
        return None


def report_no_content(sources: Sources, problems: Problems) -> bool:
    """Is the content folder missing (or a file)? Then that is the one error."""
    if sources.content.is_dir():
        return False
    exists = os.path.lexists(sources.content)
    problems.error(sources.display(sources.content), 1,
                   "the content folder is not a folder" if exists else
                   "the content folder does not exist",
                   "pass the folder that holds site.yaml and claims/ as --content DIR"
                   if exists else
                   "run the command from your project folder, or pass --content DIR")
    return True


def warn_ignored(sources: Sources, problems: Problems) -> None:
    """Files an editor probably meant as content but that the builder skips, and
    folders it cannot read."""
    try:
        os.scandir(sources.content).close()
    except OSError as exc:
        _unreadable(sources, problems, exc)
        return
    _warn_misplaced(sources, problems)
    _warn_linked_folders(sources, problems)
    for folder, kind in KINDS.items():
        base = sources.content / folder
        if os.path.lexists(base) and not base.is_dir():
            problems.warning(sources.display(base), 1,
                             f"{folder} is a file, not a folder: no {kind} in it is read",
                             f"make {folder}/ a folder with one <slug>.md file per {kind}")
        if base.is_dir():
            try:
                listing = list(base.iterdir())
            except OSError:
                continue  # reported as unreadable (_warn_linked_folders)
            for path in listing:  # the name first: a stat per file is costly
                if path.suffix.lower() in (".md", ".markdown", ".txt") \
                        and path.suffix != ".md" and not _ignored(path.name) and path.is_file():
                    hint = f"rename it to {path.stem}.md"
                    if path.with_suffix(".md").exists():
                        hint = (f"{path.stem}.md already exists and is the one read: keep one "
                                "of the two files")
                    problems.warning(sources.display(path), 1,
                                     "this file is ignored: only .md files are read", hint)
    if sources.seeds.exists() and not sources.seeds.is_dir():
        problems.warning(sources.display(sources.seeds), 1,
                         "the seeds register is a file, not a folder: no seed is read",
                         "make it a folder with one <id>.yaml file per source article")
    if sources.seeds.is_dir():
        try:
            os.scandir(sources.seeds).close()
        except OSError as exc:
            _unreadable(sources, problems, exc)
            return
        for path in sources.seeds.glob("*.yml"):
            problems.warning(sources.display(path), 1, "this file is ignored: seeds end in .yaml",
                             f"rename it to {path.stem}.yaml")


def _unreadable(sources: Sources, problems: Problems, exc: OSError) -> None:
    """A folder that cannot be listed: none of its files is read, so it is an error."""
    where = Path(exc.filename) if exc.filename else sources.content
    problems.error(sources.display(where), 1, "this folder cannot be read "
                   f"({exc.strerror or exc}): none of the files in it is published",
                   "check the folder's permissions (it must be readable and searchable: "
                   "chmod u+rx)")


def _warn_linked_folders(sources: Sources, problems: Problems) -> None:
    """A link to a folder under claims/ (or actors/, ...) is not followed: it could
    bring in files from anywhere on the machine, or the same files twice. Say so,
    since nothing in it is published. A folder that cannot be read is an error."""
    def unreadable(exc: OSError) -> None:
        if os.path.lexists(exc.filename or ""):  # a kind folder that is absent is fine
            _unreadable(sources, problems, exc)

    for folder in KINDS:
        for base, folders, _ in os.walk(sources.content / folder, onerror=unreadable):
            for name in sorted(folders):
                path = Path(base, name)
                if not name.startswith(".") and path.is_symlink():
                    problems.warning(sources.display(path), 1, "this folder is a link: links "
                                     "to folders are not followed, so nothing in it is read",
                                     "move the files themselves into this folder (or a "
                                     "real folder here), then remove the link")
            folders[:] = sorted(f for f in folders if not f.startswith("."))


def _warn_misplaced(sources: Sources, problems: Problems) -> None:
    """A folder named almost like claims/ (claim/, Claims/) or a Markdown file
    loose in content/: nothing in them is read, which an editor would not guess."""
    try:
        entries = sorted(os.scandir(sources.content), key=lambda e: e.name)
    except OSError:
        return  # reported by warn_ignored
    for entry in entries:
        if entry.name in KINDS or _ignored(entry.name):
            continue
        path = Path(entry.path)
        if _is_dir(entry):
            guess = did_you_mean(entry.name, KINDS, cutoff=0.8)
            if guess:
                problems.warning(sources.display(path), 1, f"nothing in the folder "
                                 f"{entry.name}/ is read", f"{guess} the folders read are "
                                 + ", ".join(f"{name}/" for name in KINDS))
        elif entry.name.lower().endswith(".md"):
            problems.warning(sources.display(path), 1, "this file is not read: Markdown "
                             "files go in a folder of content/",
                             "move it to claims/, actors/, topics/ or pages/ (a standalone "
                             "page such as about.md goes in pages/)")


def report_missing_site(sources: Sources, problems: Problems) -> None:
    """site.yaml is required: say what to put in it (unless it is there but could
    not be read, which :func:`load_file` reported at the file already)."""
    path = sources.content / "site.yaml"
    there = os.path.lexists(path) and not path.is_dir()  # read, and reported by load_file
    if there or not os.access(sources.content, os.R_OK | os.X_OK):  # (or by warn_ignored)
        return
    if path.is_dir():
        problems.error(sources.display(path), 1, "site.yaml is a folder, not a file",
                       "move what is in it elsewhere, then make site.yaml a text file")
        return
    inner = next((d for d in sorted(sources.content.glob("*/site.yaml"))
                  if d.is_file()), None) if sources.content.is_dir() else None
    if inner is not None:  # --content names the project, not its content folder
        folder = inner.parent
        problems.error(sources.display(path), 1, "site.yaml is missing from this folder",
                       f"{folder.name}/site.yaml exists: pass the content folder, "
                       f"--content {folder.name} (or run the command in "
                       f"{sources.content.name}/ without --content)")
        return
    problems.error(sources.display(path), 1,
                   "site.yaml is missing",
                   "create it with at least:\ntitle: \"My fact-check site\"\n"
                   "base_url: \"https://example.org\"\npublisher:\n  name: \"My newsroom\"\n"
                   "  url: \"https://example.org/\"")
