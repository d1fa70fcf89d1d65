"""The pipeline, end to end: load -> validate/resolve -> routes -> render -> output.

``check`` runs the first stages and returns the problems; ``build`` runs them
all and writes nothing unless every stage succeeded. Each stage is timed for
the closing summary.
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import multiprocessing as mp
import os
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from .load import Seen, Sources, Stamp, scan_files
from .cache import CACHE_DIR, BuildCache, input_digest, input_files
from .deps import Fingerprints, code_version
from .output import (OutputError, Staging, WriteStats, check_output_dir, digest, fills_in_place,
                     manifest_digest, missing_files, read_manifest, recover, write_site)
from . import quick
from .prepare import prepare
from .problems import Problems
from .resolve import Model, Options, build_model
from .model import Site
from .theme import Theme
from .workers import fork_pool

# The render stage (Jinja2, routes, search) is imported where it is used: a
# rebuild that stops at the nothing-changed check or takes the quick path
# never needs it, and importing it is a fifth of such a rebuild's time.
if TYPE_CHECKING:
    import jinja2

    from .render import Renderer
    from .routes import Route
    from .search import SearchIndex
    from .structured import FeedItems


class SettingError(ValueError):
    """An environment setting the build cannot use; the message says what to do."""


def today() -> dt.date:
    """Today, or the day SOURCE_DATE_EPOCH names (reproducible builds).

    A value that is set but is no time fails the build, as the reproducible
    builds specification asks, rather than be ignored in silence.
    """
    epoch = (os.environ.get("SOURCE_DATE_EPOCH") or "").strip()
    if not epoch:
        return dt.date.today()
    try:
        if not epoch.isascii() or not epoch.isdigit():  # as the specification says: no
            raise ValueError   # sign, no '_', no other script's digits
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise SettingError(f"SOURCE_DATE_EPOCH is set to '{epoch[:40]}', which is not a "
                           "time this builder can use; set it to seconds since 1970 "
                           "(git log -1 --format=%ct gives the last commit's), or unset "
                           "it") from None


@dataclass
class Result:
    problems: Problems
    model: Model | None = None
    routes: list[Route] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    stats: WriteStats | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cache_problem: str = ""  # why the build cache could not be written (the site was)
    fatal: str = ""
    skipped: bool = False  # nothing changed since the last build
    quick: bool = False    # only claim texts changed: spliced into their pages (quick.py)
    report: str = ""       # the last full build's warnings (JSON), when skipped or quick
    reused: int = 0        # pages not rendered again (unchanged inputs)
    rendered: int = 0      # pages rendered by this build
    parsed: int = 0        # files parsed and validated (not taken from the cache)
    seen: Seen = field(default_factory=dict)  # files read
    #: output path -> where a rendered claim page shows its body (quick.body_span)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.fatal and not self.problems.errors


#: a first build (no site in the output folder yet) rendering more pages than
#: this streams them to disk
STAGE_ABOVE = 2000

#: called with a stage's name and how far it is (done, total; 0, 0 when unknown)
#: as it starts and as it goes; the CLI shows it on a terminal
PROGRESS: Callable[[str, int, int], None] | None = None

_STAGE_TEXT = {"load": "Reading and checking files", "validate": "Linking claims",
               "routes": "Mapping the site", "render": "Rendering pages",
               "write": "Writing changed files"}


def _report(stage: str) -> Callable[[int, int], None] | None:
    """A stage's progress callback (None when nobody is watching)."""
    if PROGRESS is None:
        return None
    show, text = PROGRESS, _STAGE_TEXT.get(stage, stage)
    return lambda done, total: show(text, done, total)


@contextmanager
def _timed(result: Result, stage: str) -> Iterator[None]:
    if PROGRESS is not None:
        PROGRESS(_STAGE_TEXT.get(stage, stage), 0, 0)
    start = time.perf_counter()
    try:
        yield
    finally:
        result.timings[stage] = result.timings.get(stage, 0.0) + time.perf_counter() - start


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a whole build.

    A site model holds millions of long-lived objects; every full collection
    walks all of them, and they come more often as the heap grows, which made
    a 100,000-claim build's loading and validation grow quadratically. The
    model has few reference cycles to free, so nothing is lost by waiting.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            _age_survivors()
            gc.enable()


def _age_survivors() -> None:
    """Move every object the build left into the oldest generation, without a walk.

    With collection paused, all of them sit in the youngest generation, so the
    first allocation after :func:`gc.enable` would walk the whole model (0.15 s
    at 10,000 claims, on every rebuild). ``freeze`` then ``unfreeze`` splices
    the generation lists instead: the objects stay collectable, only later.
    Skipped when someone else froze objects (unfreeze would release theirs).
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def check(sources: Sources, options: Options | None = None, cache: BuildCache | None = None,
          files: list[tuple[Path, str]] | None = None,
          stamps: dict[Path, Stamp] | None = None, theme: Theme | None = None,
          store: bool = True) -> Result:
    """Load, validate and route everything; write nothing.

    With ``cache``, unchanged files are taken from it and, with ``store``,
    the validated files are stored back into it (``check`` only reads it: it
    writes nothing at all). ``theme``: the build's, when it has it.
    """
    with _no_cyclic_gc():
        return _check(sources, options, cache, files, stamps, theme, store)


def _check(sources: Sources, options: Options | None = None, cache: BuildCache | None = None,
           files: list[tuple[Path, str]] | None = None,
           stamps: dict[Path, Stamp] | None = None, theme: Theme | None = None,
           store: bool = True) -> Result:
    options = options or Options(today=today())
    result = Result(Problems())
    with _timed(result, "load"):
        progress = _report("load")
        if cache is None or not store:
            prepared = prepare(sources, result.problems, cache.items if cache else None, files,
                               None, cache.seen if cache else None, progress, stamps)
        else:
            with cache.keeping_items() as keep:
                prepared = prepare(sources, result.problems, cache.items, files, keep,
                                   cache.seen, progress, stamps)
        docs = prepared.docs
        result.parsed, result.seen = prepared.parsed, prepared.seen
    with _timed(result, "validate"):
        result.model = build_model(docs, result.problems, options, prepared.memo)
    from .routes import build_routes, check_links

    with _timed(result, "routes"):
        index = _search_index(result.model.site, cache if store else None)
        result.routes = build_routes(result.model, result.problems, search_index=index)
        theme = theme or Theme.for_site(sources.root)
        theme.report(result.problems, sources.display)
        statics = {url for url in ("/" + p for p in theme.static_files)}
        check_links(result.model, result.routes, result.problems, statics)
    return result


#: the build cache's memo of claims' search words (search.ClaimWords)
WORDS_MEMO = "search-words"


def _search_index(site: Site, cache: BuildCache | None) -> SearchIndex:
    """The search index, from the cache when nothing it covers has changed,
    else made with the words of the claims that did not change kept from before."""
    from .search import ClaimWords, SearchIndex, index_key

    key = index_key(site)
    index = cache.search_index(key) if cache else None
    if not isinstance(index, SearchIndex):
        words = ClaimWords(cache.memo(WORDS_MEMO) if cache else None)
        index = SearchIndex.for_site(site, words)
        if cache:
            if words.changed:
                cache.save_memo(WORDS_MEMO, words.used)
            cache.save_search_index(key, index)
    return index


_RENDERER: Renderer | None = None  # set before forking render workers
_SHOW: Callable[[str], str] | None = None  # how a template's path is shown in a report
_TODO: list[Route] = []
_STAGE: Staging | None = None
_RANGES: list[Sequence[int]] = []  # the slices of _TODO to render (indexes)
_NEXT: Any = None          # the next slice to take (a counter shared by the processes)


#: what rendering a slice gives: (index in _TODO, page or its digest when
#: staged) pairs, claim pages' body spans and problems
Chunk = tuple[list[tuple[int, bytes | str]], dict[str, tuple[int, int]], Problems]


def _render_chunk(indexes: Sequence[int], tick: Callable[[], None] | None = None) -> Chunk:
    """Render a slice of the routes (in a forked worker, or in this process);
    ``tick`` is called every few pages (the progress display).

    With a staging folder (a fresh build), pages go straight to disk and only
    their digests come back, so no process holds the whole site in memory.
    """
    import jinja2

    assert _RENDERER is not None
    problems = Problems()
    pages: list[tuple[int, bytes | str]] = []
    spans: dict[str, tuple[int, int]] = {}
    for n, i in enumerate(indexes):
        if tick is not None and n % 50 == 0:
            tick()
        route = _TODO[i]
        try:
            page = _RENDERER.render(route)
        except Exception as exc:  # a theme's mistake, whatever it raised: a problem
            _template_problem(problems, exc, route, _SHOW)
            break
        if route.template == "claim.html":
            span = quick.body_span(page, route.context["claim"].body_html)
            if span is not None:
                spans[route.output] = span
        pages.append((i, _STAGE.put(route.output, page) if _STAGE else page))
    return pages, spans, problems


def _take_slices(progress: Callable[[int, int], None] | None = None
                 ) -> list[tuple[int, Chunk]]:
    """Render slices until none is left (each process takes the next free one)."""
    done = []
    tick: Callable[[], None] | None = None
    if progress is not None:
        show = progress
        starts = list(itertools.accumulate((len(r) for r in _RANGES), initial=0))

        def started() -> None:  # pages in the slices any process has started
            show(starts[min(_NEXT.value, len(_RANGES))], starts[-1])
        tick = started
    while True:
        with _NEXT.get_lock():
            index = _NEXT.value
            _NEXT.value += 1
        if index >= len(_RANGES):
            return done
        done.append((index, _render_chunk(_RANGES[index], tick)))


#: files that take far longer than a page each (every claim, a drawn image)
_COSTLY = frozenset({"claimreview", "sitemap", "search", "verdict_image", "feed"})


def _costly_first(routes: list[Route]) -> list[int]:
    """The routes' indexes, the costly ones first: whichever process takes
    them, the others catch up while the last, small slices are shared."""
    costly = [i for i, route in enumerate(routes) if route.writer in _COSTLY]
    chosen = set(costly)
    return costly + [i for i in range(len(routes)) if i not in chosen]


def _slices(order: list[int], workers: int) -> list[list[int]]:
    """``order`` cut into slices that shrink as they go (guided scheduling):
    big ones cost little to hand out, small ones at the end keep every
    process busy until the last page."""
    slices, start = [], 0
    while start < len(order):
        size = max(20, (len(order) - start) // (workers * 4))
        slices.append(order[start:start + size])
        start += size
    return slices


def _render_shared(workers: int, own: list[int]) -> list[Chunk]:
    """Render in this process and ``workers - 1`` forked ones, slice by slice.

    This process would otherwise sit idle, and each forked worker copies
    the pages of the model it touches, so one process fewer is less memory.
    The routes at ``own`` are rendered here first, while the workers start
    on the rest: what their writers keep for the build cache stays in this process.
    """
    global _RANGES, _NEXT
    mine = set(own)
    _RANGES = _slices([i for i in _costly_first(_TODO) if i not in mine], workers)
    context = mp.get_context("fork")
    _NEXT = context.Value("i", 0)
    try:
        with fork_pool(workers - 1) as pool:
            pending = [pool.apply_async(_take_slices) for _ in range(workers - 1)]
            progress = _report("render")
            if progress is not None:
                progress(0, len(_TODO))
            first = [_render_chunk(own)] if own else []
            done = _take_slices(progress)
            for job in pending:
                done += job.get()
            if progress is not None:  # all done, whichever process rendered the last pages
                progress(len(_TODO), len(_TODO))
    finally:
        _RANGES, _NEXT = [], None
    return first + [chunk for _, chunk in done]


#: below this many pages to render, a second process costs more than it saves
RENDER_PARALLEL_ABOVE = 400

#: writers that keep something for the build cache: rendered by the building process
_KEEPING = frozenset({"claimreview"})


def render_all(result: Result, theme: Theme, options: Options,
               todo: list[Route] | None = None, stage: Staging | None = None,
               compiled: Path | None = None, feed: FeedItems | None = None,
               show: Callable[[str], str] | None = None) -> None:
    """Render ``todo`` (default: every route), in parallel processes for big sites;
    ``compiled`` keeps compiled templates between builds, ``feed`` the
    ClaimReview feed's items (filled in with this build's); ``show`` gives
    a template's path as reports show it (relative to the project)."""
    from .render import Renderer

    global _RENDERER, _TODO, _STAGE, _SHOW
    _SHOW = show
    assert result.model is not None
    routes = _TODO = result.routes if todo is None else todo
    _STAGE = stage
    _RENDERER = Renderer(result.model.site, result.routes, theme, options.drafts,
                         options.no_index, compiled=compiled, feed=feed)
    workers = os.cpu_count() or 1
    if len(routes) < RENDER_PARALLEL_ABOVE or workers < 2 \
            or "fork" not in mp.get_all_start_methods():
        chunks = [_render_chunk(range(len(routes)))]
    else:
        own = [i for i, route in enumerate(routes) if route.writer in _KEEPING]
        chunks = _render_shared(workers, own)
    _RENDERER, _TODO, _STAGE, _SHOW = None, [], None, None
    pages = dict(item for chunk, _, _ in chunks for item in chunk)
    for _, spans, problems in chunks:
        result.problems.extend(problems.items)
        result.spans.update(spans)
    if result.problems.errors:
        return
    if stage is not None:
        stage.digests.update((r.output, str(pages[i])) for i, r in enumerate(routes))
    else:
        result.files.update((r.output, pages[i]) for i, r in enumerate(routes)
                            if isinstance(pages[i], bytes))


def _template_problem(problems: Problems, exc: Exception, route: Route,
                      show: Callable[[str], str] | None = None,
                      hint: str = "fix the template; the previous site is left as it was"
                      ) -> None:
    """A theme mistake, reported at the template line like a content problem.

    Jinja2's own errors know their template and line; anything else a
    template raises (a division by zero, a file that is not UTF-8) is placed
    at the innermost template frame of its traceback.
    """
    import jinja2

    path, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    if not path or not isinstance(exc, jinja2.TemplateError):
        path, line = template_frame(exc) or (path, line)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if not isinstance(exc, jinja2.TemplateError):
        message = f"{type(exc).__name__}: {message}"
    where = show(str(path)) if path and show else str(path or "templates")
    problems.error(where, int(line or 1),
                   f"template error while building {route.url}: {message}", hint)


def template_frame(exc: BaseException) -> tuple[str, int] | None:
    """(template file, line) of the innermost template frame of ``exc``'s
    traceback: Jinja2 gives compiled templates their file's name."""
    found = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        name = frame.f_code.co_filename
        if name.endswith((".html", ".xml", ".svg")):
            found = (name, lineno)
    return found


def _option_parts(options: Options) -> list[str]:
    return [f"drafts={options.drafts}", f"no_index={options.no_index}",
            f"base_url={options.base_url}", f"today={options.today}"]


def build(sources: Sources, out: Path, options: Options | None = None,
          use_cache: bool = True) -> Result:
    """Build the site into ``out``; on any problem, ``out`` is left untouched."""
    with _no_cyclic_gc():
        return _build(sources, out, options, use_cache)


def _build(sources: Sources, out: Path, options: Options | None = None,
           use_cache: bool = True) -> Result:
    """Build the site into ``out``; on any problem, ``out`` is left untouched.

    With the cache, a build where nothing changed stops after hashing the
    inputs, and a rebuild renders only the pages whose inputs changed.
    """
    options = options or Options(today=today())
    try:
        check_output_dir(out, sources.content, sources.root,
                         [sources.seeds, *(sources.root / name for name in
                                           ("templates", "static", CACHE_DIR))])
        out = out.resolve()
        recover(out)
    except OutputError as exc:
        return Result(Problems(), fatal=str(exc))
    cache = BuildCache.at(sources) if use_cache else None
    timings: dict[str, float] = {}
    start = time.perf_counter()
    # one listing and one stat per file, shared by the nothing-changed check,
    # the quick rebuild and the file cache
    scanned = scan_files(sources) if sources.content.is_dir() else None
    extra = [code_version(), *_option_parts(options)]
    # read once (its folders are walked, its assets hashed) for the inputs, check and render
    theme = Theme.for_site(sources.root)
    read = input_files(sources, scanned, theme) if cache and scanned is not None else []
    inputs = input_digest(extra, read) if cache else ""
    manifest = manifest_digest(out)
    timings["hash"] = time.perf_counter() - start
    if cache and cache.unchanged(inputs, out, manifest) \
            and not missing_files(out, read_manifest(out)):
        timings["hash"] = time.perf_counter() - start
        return Result(Problems(), timings=timings, skipped=True,
                      report=cache.state.get("report", ""))
    if cache and scanned:
        done = quick.rebuild(sources, out, cache, scanned, read, extra, inputs, manifest,
                             timings)
        if done is not None:
            return done
    files = [(Path(path), kind) for path, kind, _ in scanned] if scanned is not None else None
    stamps = {path: stamp for (path, _), (_, _, stamp) in zip(files or [], scanned or [])}
    if cache:
        cache.load()
    result = check(sources, options, cache, files, stamps, theme)
    result.timings = {**timings, **result.timings}
    if result.problems.errors:
        return result
    assert result.model is not None
    with _timed(result, "render"):
        from .template_scan import TemplateScan

        scan = TemplateScan(theme.template_dirs)
        prints = Fingerprints(result.model.site, [*extra, _theme_digest(theme)],
                              scan.has_site_templates(), scan.site_made)
        pages = {r.output: prints.of(r) for r in result.routes}
        previous = read_manifest(out)
        # pages are reused only from a folder as this cache's last build left it: a
        # --no-cache build (or another site) writing there since makes them unknown
        old = (cache.pages if cache and cache.state.get("out") == str(out)
               and cache.state.get("manifest") == manifest else {})
        lost = missing_files(out, previous) if previous else set()
        keep = {o for o, fp in pages.items()
                if previous and old.get(o) == fp and o in previous and o not in lost}
        todo = [r for r in result.routes if r.output not in keep]
        # a big first build streams to disk; over an existing site, pages stay in
        # memory so that only changed files are written (deleting a whole old
        # tree costs more than rendering it)
        stage = (Staging.beside(out) if not previous and len(todo) > STAGE_ABOVE
                 and not fills_in_place(out) else None)
        feed = _feed_items(cache, todo)
        try:
            render_all(result, theme, options, todo, stage,
                       cache.folder / "templates" if cache else None, feed,
                       lambda path: sources.display(Path(path)))
        except BaseException:
            if stage:
                stage.abort()
            raise
    result.reused, result.rendered = len(keep), len(todo)
    if result.problems.errors:
        if stage:
            stage.abort()
        return result
    with _timed(result, "write"):
        try:
            if stage:
                result.stats = stage.commit(out, theme.static_files)
            else:
                result.stats = write_site(out, result.files, theme.static_files, keep)
        except (OSError, OutputError) as exc:
            result.fatal = f"could not write {out}: {exc}"
            return result
    if cache:
        _save(cache, result, inputs, out, pages, prints, keep, feed)
    return result


#: the build cache's memo of ClaimReview feed items (structured.FeedItems)
FEED_MEMO = "claimreview"


def _feed_items(cache: BuildCache | None, todo: list[Route]) -> FeedItems | None:
    """The feed items the last build kept, when the feed is rendered again."""
    from .structured import FeedItems

    if cache is None or not any(r.writer == "claimreview" for r in todo):
        return None
    return FeedItems(cache.memo(FEED_MEMO))


def _save(cache: BuildCache, result: Result, inputs: str, out: Path, pages: dict[str, str],
          prints: Fingerprints, keep: set[str],
          feed: FeedItems | None = None) -> None:
    """What the next build needs to know of this one (see cache.py and quick.py)."""
    from .problems import format_report

    assert result.model is not None
    if feed is not None and feed.changed:
        cache.save_memo(FEED_MEMO, feed.used)
    links: dict[str, list[str]] = {}
    for path, href, _ in result.model.links:
        links.setdefault(path, []).append(href)
    # the default theme prints a claim's body once, as it is, on its own page only
    spliceable = prints.meta == "meta_version"
    spliced = quick.record(result.routes, prints, result.spans, cache.spliced, keep,
                           {p.path for p in result.problems.items}, links, spliceable)
    cache.save(inputs, out, manifest_digest(out), pages, result.seen,
               format_report(result.problems, "json"), spliced)
    result.cache_problem = cache.problem


def _theme_digest(theme: Theme) -> str:
    parts = []
    for folder in theme.template_dirs:
        parts += [f"{p}:{digest(p.read_bytes())}" for p in sorted(folder.rglob("*"))
                  if p.is_file()]
    parts += [f"{k}:{v}" for k, v in sorted(theme.asset_urls.items())]
    return digest("\n".join(parts).encode("utf-8", "surrogatepass"))
