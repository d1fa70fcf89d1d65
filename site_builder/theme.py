"""The theme: template folders and static files, found without loading Jinja2.

The theme is a folder of Jinja2 templates and static files. A site overrides
any template by putting a file of the same name in its own ``templates/``
folder (next to ``content/``), and any static file in ``static/``. Static CSS
and JS get a content hash in their file names so they can be cached for a
year. Kept apart from render.py so that deciding whether anything changed
(cache.py) does not import the template engine.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from .output import how_names_differ, one_file_name
from .problems import Problems

_FINGERPRINTED = {".css", ".js"}


def default_theme() -> Path:
    """The theme shipped in the package (or in the source checkout)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "themes" / "default", here.parent / "themes" / "default"):
        if (candidate / "templates").is_dir():
            return candidate
    raise FileNotFoundError("the default theme is missing from the installation")


def _undecodable_line(path: Path) -> int | None:
    """The line of a file's first byte that is not UTF-8 (None: it is UTF-8 text,
    or cannot be read, which Jinja2 reports with the file's name)."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except OSError:
        return None
    except UnicodeDecodeError as exc:
        return data.count(b"\n", 0, exc.start) + 1
    return None


def _undecodable(paths: Iterable[Path]) -> list[tuple[Path, int]]:
    """Each file that is not UTF-8, with the line of its first bad byte."""
    return [(path, line) for path in paths
            if (line := _undecodable_line(path)) is not None]


@dataclass
class Theme:
    """Template folders (site first) and static files with their public URLs."""

    template_dirs: list[Path]
    static_files: dict[str, Path] = field(default_factory=dict)  # output path -> source
    asset_urls: dict[str, str] = field(default_factory=dict)     # name -> URL
    #: symbolic links in the site's static or templates folder to files outside
    #: it: refused (a link to /etc/passwd or /proc/self/environ would put it on the web)
    outside: list[Path] = field(default_factory=list)
    #: (template, line) of the site's own templates that are not UTF-8 text: Jinja2
    #: cannot say which file it failed to read, so they are found here first
    undecodable: list[tuple[Path, int]] = field(default_factory=list)

    @classmethod
    def for_site(cls, project: Path) -> "Theme":
        base = default_theme()
        dirs = [d for d in (project / "templates",) if d.is_dir() and d != base / "templates"]
        theme = cls(dirs + [base / "templates"])
        for folder in dirs:  # a template is published as the pages it renders
            real = folder.resolve()
            files = sorted(p for p in folder.rglob("*") if p.is_file())
            outside = [p for p in files if real not in p.resolve().parents]
            theme.outside += outside
            theme.undecodable += _undecodable(p for p in files if p not in outside)
        theme._add_static(base / "static")
        if (project / "static").is_dir() and project / "static" != base / "static":
            theme._add_static(project / "static")
        return theme

    def report(self, problems: Problems, display: Callable[[Path], str]) -> None:
        """The theme's own mistakes, as ``check``, ``build`` and the preview show them."""
        for path in self.outside:
            folder = display(path).split("/", 1)[0]
            problems.error(display(path), 1, "this is a link to a file outside "
                           f"the {folder} folder, which would be published with the site",
                           f"put a copy of the file itself in {folder}/, or remove the link")
        for path, line in self.undecodable:
            problems.error(display(path), line, "the template is not UTF-8 text",
                           "save it as UTF-8 in your editor (it may have been saved as "
                           "Latin-1 or Windows-1252)")
        self._report_twins(problems, display)

    def _report_twins(self, problems: Problems, display: Callable[[Path], str]) -> None:
        """Static files whose names differ only in letter case or in how an accented
        letter is encoded: one file in a checkout on macOS or Windows."""
        first: dict[str, Path] = {}
        for out, path in sorted(self.static_files.items()):
            other = first.setdefault(one_file_name(out), path)
            if other is not path:
                problems.warning(display(path), 1, f"the static files {display(path)} and "
                                 f"{display(other)} differ only in "
                                 f"{how_names_differ(str(path), str(other))}: on macOS or "
                                 "Windows they are one file, and one would replace the other",
                                 "rename one of them")

    def _add_static(self, folder: Path) -> None:
        real = folder.resolve()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            if name.startswith(".") or "/." in name:
                continue
            if real not in path.resolve().parents:
                self.outside.append(path)
                continue
            out = f"static/{name}"
            if path.suffix in _FINGERPRINTED:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
                out = f"static/{name[: -len(path.suffix)]}.{digest}{path.suffix}"
            old = self.asset_urls.get(name)
            if old:
                self.static_files.pop(old.lstrip("/"), None)
            self.static_files[out] = path
            self.asset_urls[name] = "/" + out
