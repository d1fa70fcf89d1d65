"""The pipeline, end to end: load -> validate/resolve -> routes -> render -> output.

``check`` runs the first stages and returns the problems; ``build`` runs them
all and writes nothing unless every stage succeeded. Each stage is timed for
the closing summary.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import jinja2

from .load import Sources, load
from .output import OutputError, WriteStats, check_output_dir, write_site
from .problems import Problems
from .render import Renderer, Theme
from .resolve import Model, Options, build_model
from .routes import Route, build_routes, check_links


def today() -> dt.date:
    """Today, or the day SOURCE_DATE_EPOCH names (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    return dt.date.today()


@dataclass
class Result:
    problems: Problems
    model: Model | None = None
    routes: list[Route] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    stats: WriteStats | None = None
    timings: dict[str, float] = field(default_factory=dict)
    fatal: str = ""

    @property
    def ok(self) -> bool:
        return not self.fatal and not self.problems.errors


@contextmanager
def _timed(result: Result, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        result.timings[stage] = result.timings.get(stage, 0.0) + time.perf_counter() - start


def check(sources: Sources, options: Options | None = None) -> Result:
    """Load, validate and route everything; write nothing."""
    options = options or Options(today=today())
    result = Result(Problems())
    with _timed(result, "load"):
        docs = load(sources, result.problems)
    with _timed(result, "validate"):
        result.model = build_model(docs, result.problems, options)
    with _timed(result, "routes"):
        result.routes = build_routes(result.model, result.problems)
        theme = Theme.for_site(sources.root)
        statics = {url for url in ("/" + p for p in theme.static_files)}
        check_links(result.model, result.routes, result.problems, statics)
    return result


def render_all(result: Result, theme: Theme, options: Options) -> None:
    assert result.model is not None
    renderer = Renderer(result.model.site, result.routes, theme, options.drafts,
                        options.no_index)
    for route in result.routes:
        try:
            result.files[route.output] = renderer.render(route)
        except jinja2.TemplateError as exc:
            _template_problem(result.problems, exc, route)
            return


def _template_problem(problems: Problems, exc: jinja2.TemplateError, route: Route) -> None:
    """A theme mistake, reported at the template line like a content problem."""
    path, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not path:
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            name = frame.f_code.co_filename
            if name.endswith((".html", ".xml", ".svg")):
                path, line = name, lineno
    problems.error(str(path or "templates"), int(line or 1),
                   f"template error while building {route.url}: {exc.message or exc}",
                   "fix the template; the previous site is left as it was")


def build(sources: Sources, out: Path, options: Options | None = None) -> Result:
    """Build the site into ``out``; on any problem, ``out`` is left untouched."""
    options = options or Options(today=today())
    try:
        check_output_dir(out, sources.content, sources.root)
    except OutputError as exc:
        return Result(Problems(), fatal=str(exc))
    result = check(sources, options)
    if result.problems.errors:
        return result
    theme = Theme.for_site(sources.root)
    with _timed(result, "render"):
        render_all(result, theme, options)
    if result.problems.errors:
        return result
    with _timed(result, "write"):
        try:
            result.stats = write_site(out, result.files, theme.static_files)
        except (OSError, OutputError) as exc:
            result.fatal = f"could not write {out}: {exc}"
    return result
