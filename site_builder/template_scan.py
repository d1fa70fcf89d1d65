"""What a theme's templates may show, read from their syntax trees.

The fingerprints of deps.py follow what the default theme's templates
display: a card shows a claim's front matter, its claimants' and its
topics'; a claim page, its related claims' cards and its seeds. A site's own
template may show anything it can reach (a seed's publisher on a card, a
related claim's claimants), and a rule that missed it would leave pages
stale after an edit. So a page made with any of the site's own templates
(its template, or one that template extends, includes, imports or renders
with ``partial()``) is fingerprinted from every object's front matter.

Markdown bodies are followed more closely, because a text edit is the
commonest edit: they may be shown only as ``claim.body_html`` (actor.body_html,
...) in the object's own page template, with that name not bound to anything
else (a loop variable, a macro's parameter, a ``set``). Reading the syntax
tree, not the text, is what sees ``{% macro excerpt(claim) %}`` or
``{% for claim in claim.related %}`` for what they are.

Only the full build uses this (it imports Jinja2); nothing here renders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import jinja2
from jinja2 import nodes

#: the templates that show an object's own body, and the name they show it under
OWN_BODY = {"claim.html": "claim", "actor.html": "actor", "topic.html": "topic",
            "page.html": "page"}
#: the global that renders a partial by name (render.Partials)
_PARTIAL = "partial"
#: the theme loader's prefix for the default theme's own templates
_DEFAULT = "default/"


def _walk(node: nodes.Node, parent: nodes.Node | None = None
          ) -> Iterator[tuple[nodes.Node, nodes.Node | None]]:
    yield node, parent
    for child in node.iter_child_nodes():
        yield from _walk(child, node)


def _bound_names(tree: nodes.Template) -> set[str]:
    """Every name the template binds itself: loop targets, macro and call-block
    parameters, ``set``, ``with`` and imported names."""
    names: set[str] = set()
    for node, _ in _walk(tree):
        if isinstance(node, nodes.Name) and node.ctx in ("store", "param"):
            names.add(node.name)
        elif isinstance(node, (nodes.Import, nodes.FromImport)):
            if isinstance(node, nodes.Import):
                names.add(node.target)
            else:
                names.update(n if isinstance(n, str) else n[-1] for n in node.names)
    return names


def _is_own_body(node: nodes.Node, own: str | None, rebound: bool) -> bool:
    """``own.body_html``, with ``own`` the page's object (not rebound)."""
    return (own is not None and not rebound and isinstance(node, nodes.Getattr)
            and isinstance(node.node, nodes.Name) and node.node.name == own)


def _body_uses(tree: nodes.Template) -> Iterator[tuple[nodes.Node, nodes.Node | None]]:
    """Every place that reads a body: ``x.body_html``, ``x['body_html']`` and the
    name given as text to filters (``map(attribute='body_html')``...)."""
    for node, parent in _walk(tree):
        if isinstance(node, nodes.Getattr) and node.attr == "body_html":
            yield node, parent
        elif isinstance(node, nodes.Const) and node.value == "body_html":
            yield node, parent


class TemplateScan:
    """The theme's templates (site folders first, the default theme last), parsed once."""

    def __init__(self, template_dirs: list[Path]) -> None:
        self.dirs = template_dirs
        self.site_dirs = template_dirs[:-1]
        self._env = jinja2.Environment()  # parsing only: the options do not change the tree
        self._trees: dict[Path, nodes.Template | None] = {}
        self._uses: dict[str, frozenset[Path] | None] = {}

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
        (or a template whose name is only known while rendering)."""
        used = self.uses(name)
        if used is None:
            return True
        return any(folder in path.parents for path in used for folder in self.site_dirs)

    def bodies_only_on_own_pages(self) -> bool:
        """True if no template shows a Markdown body except its object's own page."""
        for folder in self.dirs:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                tree = self.tree(path)
                if tree is None:
                    continue
                own = OWN_BODY.get(path.relative_to(folder).as_posix())
                rebound = own in _bound_names(tree)
                if any(not _is_own_body(node, own, rebound) for node, _ in _body_uses(tree)):
                    return False
        return True

    def claim_bodies_spliceable(self) -> bool:
        """True if the claim page prints its body verbatim and derives nothing from it.

        Such a page is its template's output with the body dropped in at one
        place, so a rebuild after an edit to the text alone can put the new
        body in place of the old one in the written page (see quick.py). The
        body may be printed (``{{ claim.body_html|safe }}``) or tested for
        being there (``{% if claim.body_html %}``), in claim.html itself.
        """
        used = self.uses("claim.html")
        if used is None:
            return False
        for path in used:
            tree = self.tree(path)
            if tree is None:
                return False
            own = "claim" if path.name == "claim.html" else None
            rebound = own in _bound_names(tree)
            for node, parent in _body_uses(tree):
                if not _is_own_body(node, own, rebound) or not _printed_or_tested(
                        node, parent, tree):
                    return False
        return True


def _printed_or_tested(node: nodes.Node, parent: nodes.Node | None,
                       tree: nodes.Template) -> bool:
    if isinstance(parent, nodes.If) and parent.test is node:
        return True
    if isinstance(parent, nodes.Filter) and parent.name == "safe" and parent.node is node \
            and not parent.args and not parent.kwargs:
        return any(isinstance(n, nodes.Output) and parent in n.nodes for n, _ in _walk(tree))
    return False


def _referenced(tree: nodes.Template) -> Iterator[str | None]:
    """The template names a template loads (None for a name computed while rendering)."""
    for node, _ in _walk(tree):
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
