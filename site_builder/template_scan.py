"""Which pages a site's own templates make, read from their syntax trees.

The fingerprints of deps.py follow what the default theme's templates
display: a card shows a claim's front matter, its claimants' and its
topics'; a claim page, its related claims' cards and its seeds; a Markdown
body shows on its object's own page only, printed as it is (which lets the
quick rebuild put an edited text in place). A site's own template may show
anything it can reach (every claim is a global away: ``site.claims``), under
any name, through any construct, so none of that can be assumed of it:

- a page made with any of the site's own templates (its template, or one
  that template extends, includes, imports or renders with ``partial()``,
  found in the syntax tree; a name computed while rendering counts as the
  site's) depends on every object's front matter;
- with any site template at all, bodies may be shown anywhere: lists depend
  on whole files, and text edits take the full rebuild.

A site that overrides only its 404 page keeps the precise front-matter rules
for every other page. Only the full build uses this (it imports Jinja2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import jinja2
from jinja2 import nodes

#: the global that renders a partial by name (render.Partials)
_PARTIAL = "partial"
#: the theme loader's prefix for the default theme's own templates
_DEFAULT = "default/"


class TemplateScan:
    """The theme's templates (site folders first, the default theme last), parsed once."""

    def __init__(self, template_dirs: list[Path]) -> None:
        self.dirs = template_dirs
        self.site_dirs = template_dirs[:-1]
        self._env = jinja2.Environment()  # parsing only: the options do not change the tree
        self._trees: dict[Path, nodes.Template | None] = {}
        self._uses: dict[str, frozenset[Path] | None] = {}
        self._site_made: dict[str, bool] = {}

    def file(self, name: str) -> Path | None:
        """The file a template name loads, as the render's loader finds it."""
        if name.startswith(_DEFAULT):
            path = self.dirs[-1] / name[len(_DEFAULT):]
            return path if path.is_file() else None
        return next((d / name for d in self.dirs if (d / name).is_file()), None)

    def tree(self, path: Path) -> nodes.Template | None:
        """The syntax tree of a template file (None: it cannot be read or parsed;
        the render reports that)."""
        if path not in self._trees:
            try:
                self._trees[path] = self._env.parse(path.read_text("utf-8"))
            except (OSError, ValueError, jinja2.TemplateSyntaxError):
                self._trees[path] = None
        return self._trees[path]

    def uses(self, name: str) -> frozenset[Path] | None:
        """Every template file a page made with ``name`` may render, itself
        included; None when one of the names is computed while rendering."""
        if name not in self._uses:
            self._uses[name] = None  # a template that extends itself: no answer yet
            self._uses[name] = self._find_uses(name)
        return self._uses[name]

    def _find_uses(self, name: str) -> frozenset[Path] | None:
        path = self.file(name)
        if path is None:
            return frozenset()  # the render reports a missing template
        tree = self.tree(path)
        if tree is None:
            return frozenset({path})
        found = {path}
        for other in _referenced(tree):
            if other is None:
                return None
            more = self.uses(other) if other != name else frozenset()
            if more is None:
                return None
            found |= more
        return frozenset(found)

    def site_made(self, name: str) -> bool:
        """Whether a page made with ``name`` renders one of the site's own templates
        (or a template whose name is only known while rendering); asked once per
        page, so remembered per template."""
        made = self._site_made.get(name)
        if made is None:
            used = self.uses(name)
            made = self._site_made[name] = used is None or any(
                folder in path.parents for path in used for folder in self.site_dirs)
        return made

    def has_site_templates(self) -> bool:
        """Whether the site has templates of its own (any file in its folders)."""
        return any(path.is_file() for folder in self.site_dirs for path in folder.rglob("*"))


def _referenced(tree: nodes.Template) -> Iterator[str | None]:
    """The template names a template loads (None for a name computed while rendering)."""
    for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport,
                               nodes.Call)):
        if isinstance(node, (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            yield from _names(node.template)
        elif isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) \
                and node.node.name == _PARTIAL:
            yield from _names(node.args[0]) if node.args else [None]


def _names(expr: nodes.Node) -> Iterator[str | None]:
    if isinstance(expr, nodes.Const) and isinstance(expr.value, str):
        yield expr.value
    elif isinstance(expr, (nodes.List, nodes.Tuple)):  # {% include ["a.html", "b.html"] %}
        for item in expr.items:
            yield from _names(item)
    else:
        yield None
