"""``site-builder serve``: live preview on livereload's server and reload protocol.

The preview keeps the site in memory and renders a page when the browser asks
for it, so an edit costs one file parse, one model update and one page render,
never a full build. Only URLs in the site map (and the theme's static files)
are answered: there is no file system path to traverse and no directory
listing. While the content is broken, every HTML page shows the problem
report (feeds, the sitemap and JSON files are still made from what could be
read) and the server keeps running; the next good save brings the site back.

livereload's own change detection polls every 0.8 s and drops changes within
3 s of a reload; here a watcher of our own (a fast mtime scan) drives
livereload's reload message directly, so every save reaches the browser.
"""

from __future__ import annotations

import errno
import gc
import os
import html
import json
import logging
import math
import mimetypes
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import quote, unquote, urlsplit

import jinja2

from .build import _template_problem, template_frame, today
from .load import (Document, Documents, Sources, _ignored, find_files, load_file,
                   read_regular_file, report_missing_site, report_no_content, stamp_of,
                   warn_ignored)
from .problems import BUILD_WARNINGS, Problems, format_report
from .render import Renderer
from .resolve import Memo, Options, build_model, verdict_lists
from .validate import check_claim, stamp
from .model import Site, Verdict
from .routes import Route, build_routes, check_links, verdict_routes
from .search import index_routes
from .theme import Theme, default_theme

log = logging.getLogger("site_builder.serve")


@dataclass
class Snapshot:
    """One consistent state of the site: what every request is answered from."""

    problems: Problems
    renderer: Renderer | None = None
    by_output: dict[str, Route] = field(default_factory=dict)
    static: dict[str, Path] = field(default_factory=dict)
    cache: dict[str, bytes] = field(default_factory=dict)
    site: Site | None = None
    search_ready: bool = False


class Preview:
    """The in-memory site: documents by path, rebuilt model, rendered on demand."""

    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        self.documents: dict[Path, Document] = {}
        self.load_problems: dict[Path, Problems] = {}
        self.lock = threading.RLock()
        self.snapshot = Snapshot(Problems())
        self.generation = 0
        self.memo = Memo()
        self.served: dict[str, int] = {}  # page path -> generation it was last served at
        #: pages a browser showed that this process never served (a tab left open
        #: while the preview restarted): told to reload once each
        self.told: set[str] = set()
        #: the host names a request may be addressed to (None: any, for --host
        #: 0.0.0.0); a page elsewhere that rebinds its own name to 127.0.0.1
        #: must not read the drafts
        self.hosts: set[str] | None = answered_hosts("127.0.0.1")
        #: a page failed to render: the problem is the whole preview's now (every
        #: page shows the report), so the browsers showing other pages must reload
        self.reload_due = False
        #: the folders static files may be read from (the theme's and the site's)
        self.static_roots = tuple(os.path.realpath(folder) for folder in
                                  (default_theme() / "static", sources.root / "static"))

    def is_stale(self, page_url: str) -> bool:
        """Was this page served before the latest rebuild? (A browser reconnecting
        after a save it missed must reload.)"""
        path = unquote(urlsplit(page_url).path) or "/"
        served = self.served.get(path)
        if served is None:  # shown by an earlier preview process, or never seen
            if path in self.told or len(self.told) > _MOST_REMEMBERED:
                return False
            self.told.add(path)
            return True
        return served < self.generation

    # -- building ---------------------------------------------------------
    def load_all(self) -> None:
        with self.lock:
            self.documents.clear()
            self.load_problems.clear()
            for path, _ in find_files(self.sources):
                self._load(path)
            self.rebuild()

    def _load(self, path: Path) -> None:
        problems = Problems()
        doc = load_file(self.sources, path, problems)
        self.load_problems[path] = problems
        if doc is not None:
            self.documents[path] = doc
        else:
            self.documents.pop(path, None)

    def apply(self, changed: Iterable[Path]) -> bool:
        """Take in changed, new and deleted files and folders, then rebuild the model;
        False when nothing of the site changed (only an editor's scratch files).

        File events name folders too: watchfiles reports a folder that is
        renamed, moved or deleted by the folder's path alone, never the files
        in it. So a path that is (or was) a folder drops every document under
        it, and a folder that exists has every content file under it loaded.
        A saved file (the common case) costs no folder scan.
        """
        changed = [_absolute(path) for path in changed]
        with self.lock:
            changed = [path for path in changed if not self._is_scratch(path)]
            if not changed:
                return False
            if len(changed) == 1 and self._patch_claim(changed[0]):
                return True
            folders = []
            for path in changed:
                # a link loop, a FIFO: not a folder, so read (and reported) as a build does
                if not path.is_dir() and os.path.lexists(path):
                    self._load(path) if self.sources.kind_of(path) else self._forget(path)
                    continue
                was_file = path in self.documents or path in self.load_problems
                self._forget(path)
                if not was_file or path.is_dir():
                    folders.append(path)
            if folders:
                self._forget_under(folders)
                self._load_under([f for f in folders if f.is_dir()])
            self.rebuild()
            return True

    def _is_scratch(self, path: Path) -> bool:
        """An editor's temporary, swap, lock or backup file: never content.

        Editors save by writing ``.name.tmp`` and renaming it over the file;
        the event for the temporary name must not cost the one-claim fast
        path. Vim rewrites its swap file as the editor types, before any
        save: that must not rebuild or reload the page being read. A folder
        with such a name counts if files were loaded from under it.
        """
        if not _ignored(path.name):
            return False
        prefix = str(path) + os.sep
        return path not in self.load_problems and not any(
            str(known).startswith(prefix) for known in self.load_problems)

    def _forget(self, path: Path) -> None:
        self.documents.pop(path, None)
        self.load_problems.pop(path, None)

    def _forget_under(self, folders: list[Path]) -> None:
        """Drop the files under folders that are gone or whose files are read again.

        One string comparison per known file: about a millisecond at 10,000 files.
        """
        prefixes = tuple(str(folder) + os.sep for folder in folders)
        for known in (self.documents, self.load_problems):
            for path in [p for p in known if str(p).startswith(prefixes)]:
                del known[path]

    def _load_under(self, folders: list[Path]) -> None:
        """Load the content files now under ``folders``: the same files
        :func:`find_files` would take (hidden folders and other files left
        out), from one scan of the sources (tens of ms at 10,000 files)."""
        if not folders:
            return
        prefixes = tuple(str(folder) + os.sep for folder in folders)
        for path, _ in find_files(self.sources):
            if str(path).startswith(prefixes):
                self._load(path)

    def _patch_claim(self, path: Path) -> bool:
        """The common edit, fast: a claim whose links did not change.

        When a saved claim still names the same claimants, topics, related
        claims, seeds, dates and status, the model keeps its shape: the new
        claim object takes the old one's place in every list and route. A new
        verdict moves it between two verdicts' lists, as long as neither list
        gains or loses a page. Anything else (or any problem) goes through
        the full rebuild.
        """
        old_doc, snap = self.documents.get(path), self.snapshot
        if (old_doc is None or old_doc.kind != "claim" or snap.problems.errors
                or snap.renderer is None or snap.site is None or not path.is_file()):
            return False
        problems = Problems()
        doc = load_file(self.sources, path, problems, "claim")
        old_hit = self.memo.items.get(old_doc.digest)
        if doc is None or problems.items or old_hit is None or old_hit[0] is None:
            return False
        verdicts = self.memo.site[1] if self.memo.site else []
        item = check_claim(doc, snap.site.config, {v.key: v for v in verdicts}, problems)
        old_item = old_hit[0]
        if problems.errors or not item.valid or _link_shape(item) != _link_shape(old_item):
            return False
        known = set(snap.by_output)
        if any(href.split("#")[0].rstrip("/") + "/index.html" not in known
               and href.split("#")[0] not in known for href, _ in item.rendered.internal_links):
            return False
        old, new = old_item.obj, item.obj
        stamp(new, doc)
        new.claimants, new.topics, new.related = old.claimants, old.topics, old.related
        seeds = {id(r): r.seed for r, _ in old_item.refs.source_seeds}
        for (ref, _), (old_ref, _) in zip(item.refs.source_seeds, old_item.refs.source_seeds):
            ref.seed = seeds[id(old_ref)]
        new.sources = list(item.refs.sources)  # same seeds, all resolved (no errors)
        new.evidence = list(item.refs.evidence)
        _replace_everywhere(snap, old, new)
        if new.verdict.key != old.verdict.key and \
                not _move_verdict(snap, old.verdict, new.verdict):
            return False  # a verdict list changed its page count: the full rebuild
        self.memo.items[doc.digest] = (item, problems.items)
        self.documents[path] = doc
        self.load_problems[path] = Problems()
        kept = [p for p in snap.problems.items if p.path != doc.path]
        self.snapshot = Snapshot(Problems(kept + problems.items), snap.renderer, snap.by_output,
                                 snap.static, {}, snap.site, False)
        self.generation += 1
        return True

    def rebuild(self) -> None:
        """A new snapshot. The cyclic garbage collector is paused meanwhile: with a
        big site in memory its full passes would cost more than the rebuild."""
        gc.disable()
        try:
            self._rebuild()
        finally:
            gc.enable()
            gc.freeze()  # what survived is long-lived: keep it out of future passes

    def _rebuild(self) -> None:
        problems = Problems()
        for items in self.load_problems.values():
            problems.extend(items.items)
        docs = Documents(site=None)
        for path in sorted(self.documents):
            doc = self.documents[path]
            if doc.kind == "site":
                docs.site = doc
            else:
                docs.by_kind.setdefault(doc.kind, []).append(doc)
        # as a build reports them: no content folder, unreadable folders, .markdown files
        if not report_no_content(self.sources, problems):
            warn_ignored(self.sources, problems)
            if docs.site is None:
                report_missing_site(self.sources, problems)
        model = build_model(docs, problems, Options(drafts=True, today=today()), self.memo)
        routes = build_routes(model, problems, with_search=False)
        snapshot = Snapshot(problems, site=model.site)
        try:
            theme = Theme.for_site(self.sources.root)
            theme.report(problems, self.sources.display)
            check_links(model, routes, problems, {"/" + p for p in theme.static_files})
            snapshot.static = {"/" + k: v for k, v in theme.static_files.items()}
            snapshot.renderer = Renderer(model.site, routes, theme, drafts=True, live=True)
        except (OSError, jinja2.TemplateError) as exc:
            problems.error("templates", 1, f"the theme cannot be loaded: {exc}")
        snapshot.by_output = {"/" + r.output: r for r in routes}
        self.snapshot = snapshot
        self.generation += 1

    # -- answering ----------------------------------------------------------
    def addressed_here(self, host_header: str) -> bool:
        """Is the request for this preview's own address? (No Host header: an
        HTTP/1.0 client on this machine.)"""
        if self.hosts is None or not host_header:
            return True
        name = host_header.rsplit(":", 1)[0] if not host_header.endswith("]") else host_header
        return name.lower() in self.hosts

    def respond(self, request_path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path, percent-escapes decoded
        (once: as the server decodes it, so /%2566eed.xml is not /feed.xml)."""
        snap = self.snapshot
        path = request_path.split("?", 1)[0] or "/"
        if path.endswith("/"):
            path += "index.html"
        if path in snap.static:
            data = _read_static(snap.static[path], self.static_roots)
            if data is not None:
                return 200, _type(path), data
        if path.startswith("/search/") and not snap.search_ready and snap.site is not None:
            snap.search_ready = True  # built on first use: typing must stay fast
            found = index_routes(snap.site)
            for key in [k for k, r in snap.by_output.items() if r.writer == "search"]:
                del snap.by_output[key]  # an index file of a word no claim has any more
            snap.by_output.update(("/" + r.output, r) for r in found)
        route = snap.by_output.get(path)
        if route is None and (path + "/index.html") in snap.by_output:
            return 301, "text/plain", (path + "/").encode()
        is_html = route is None or route.output.endswith(".html")
        if snap.problems.errors and is_html:
            return 500, "text/html; charset=utf-8", error_page(snap.problems)
        if route is None:
            not_found = snap.by_output.get("/404.html")
            body = self._render(snap, not_found) if not_found else b"Not found"
            if body is None:  # the site's 404.html failed: its report, now
                return 500, "text/html; charset=utf-8", error_page(snap.problems)
            return 404, "text/html; charset=utf-8", body
        body = self._render(snap, route)
        if body is None:
            return 500, "text/html; charset=utf-8", error_page(snap.problems)
        return 200, _type(path), body

    def _render(self, snap: Snapshot, route: Route) -> bytes | None:
        if route.output in snap.cache:
            return snap.cache[route.output]
        if snap.renderer is None:
            return None
        try:
            body = snap.renderer.render(route)
        except Exception as exc:  # any failure is a report in the browser, never a bare 500
            _render_problem(snap.problems, exc, route, self.sources)
            print(format_report(snap.problems.errors), file=sys.stderr)
            self.generation += 1  # every page served so far predates the report
            self.reload_due = True
            return None
        snap.cache[route.output] = body
        return body

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if not self.addressed_here(environ.get("HTTP_HOST", "")):
            start_response("421 Misdirected Request", [("Content-Type", "text/plain")])
            return [b"This preview answers only requests for its own address.\n"]
        path = _request_path(environ.get("PATH_INFO", "/"))
        with self.lock:
            status, ctype, body = self.respond(path)
            # bounded: any page open in the browser can ask for endless made-up URLs
            if ctype.startswith("text/html") and (status == 200 or (
                    len(path) <= 2048 and len(self.served) < _MOST_REMEMBERED)):
                self.served[path or "/"] = self.generation
        if ctype.startswith("application/json"):
            # livereload puts its script before the first '</head>' of any answer:
            # in a JSON string (a title about HTML), '<\/head>' is the same text
            body = body.replace(b"</head>", b"<\\/head>")
        headers = [("Content-Type", ctype), ("Cache-Control", "no-store"),
                   ("X-Content-Type-Options", "nosniff")]
        if status == 301:
            headers = [("Location", quote(body.decode())), ("Content-Type", "text/plain")]
        reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found",
                  500: "Build Error"}[status]
        start_response(f"{status} {reason}", headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            return [b""]  # tornado refuses a body after HEAD's headers (a traceback, no answer)
        return [body]


def answered_hosts(host: str) -> set[str] | None:
    """The ``Host`` names the preview listening on ``host`` answers: this
    machine's and ``host`` itself; None (any) when it listens on every address."""
    if host in ("0.0.0.0", "::", ""):
        return None
    return {"127.0.0.1", "localhost", "[::1]", host.lower(), f"[{host.lower()}]"}


#: how many addresses that are not pages the preview remembers (see Preview.wsgi)
_MOST_REMEMBERED = 10_000


def _request_path(path_info: str) -> str:
    """The request's path as text: WSGI gives the (decoded) path's bytes as
    Latin-1 characters, and this site's paths are UTF-8."""
    try:
        return path_info.encode("latin-1").decode("utf-8")
    except UnicodeError:  # not UTF-8 (%FF): matches no page, as it was
        return path_info


def _read_static(path: Path, roots: tuple[str, ...]) -> bytes | None:
    """A static file's bytes, checked when it is read: a file replaced by a link
    to one outside the static folders since the last scan is not served (nor is
    one deleted meanwhile: None, a 404)."""
    real = os.path.realpath(path)
    if not real.startswith(tuple(root + os.sep for root in roots)):
        return None
    try:
        return read_regular_file(real)
    except OSError:
        return None


def _absolute(path: Path) -> Path:
    """A changed path as the scan of the sources names it: its folder resolved, the
    file itself not followed (a link loop saved into content/ is reported, not a crash)."""
    try:
        return path.parent.resolve() / path.name
    except (OSError, RuntimeError):  # a loop in the folders above: as it was reported
        return path.absolute()


_RELOADS = "fix the template; the preview reloads when you save it"


def _render_problem(problems: Problems, exc: Exception, route: Route, sources: Sources) -> None:
    """Report a failed render where the editor can act on it.

    A Jinja2 error goes through the build's own report. Anything else (a
    division by zero in a site's template, a writer's bug) is reported at the
    innermost template line of the traceback when there is one (Jinja2 gives
    template frames the template's file name), else at the innermost frame.
    """
    if isinstance(exc, jinja2.TemplateError):
        _template_problem(problems, exc, route, lambda path: sources.display(Path(path)),
                          hint=_RELOADS)
        return
    found = template_frame(exc)
    in_template = found is not None
    if found is None:  # no template in the traceback: the innermost frame
        frames = list(traceback.walk_tb(exc.__traceback__))
        found = (frames[-1][0].f_code.co_filename, frames[-1][1]) if frames else None
    where = sources.display(Path(found[0])) if found else "templates"
    line = found[1] if found else 1
    if in_template:
        hint = _RELOADS
    else:
        hint = ("this looks like a bug in site-builder, not in your files: please report it "
                "with this message")
    problems.error(where, line, f"error while building {route.url}: "
                   f"{type(exc).__name__}: {exc}", hint)


def _link_shape(item: Any) -> tuple:  # type: ignore[type-arg]
    """Everything about a claim that other pages' structure depends on."""
    claim, refs = item.obj, item.refs
    # modified: the date of the claim's routes (the sitemap's lastmod, lists' dates)
    return (claim.slug, claim.published, claim.modified, claim.draft, tuple(claim.aliases),
            tuple(n for n, _ in refs.claimants), tuple(n for n, _ in refs.topics),
            tuple(n for n, _ in refs.related), tuple(s for _, (s, _) in refs.source_seeds))


def _move_verdict(snap: Snapshot, before: Verdict, after: Verdict) -> bool:
    """Refill two verdicts' lists after a claim moved from ``before`` to ``after``,
    and make their pages again; False (nothing changed) if either list would
    gain or lose a page: then other pages' links and the site map change too.

    Called once the claim's new object is in ``site.claims``: the lists are
    made as :func:`resolve.build_model` makes them (:func:`resolve.verdict_lists`).
    """
    site, renderer = snap.site, snap.renderer
    assert site is not None and renderer is not None
    lists = verdict_lists(site.claims, (before.key, after.key))
    size = site.config.page_size

    def pages(count: int) -> int:  # as routes.paginate counts them
        return max(1, math.ceil(count / size))
    if any(pages(len(lists[v.key])) != pages(len(v.claims)) for v in (before, after)):
        return False
    fresh: dict[str, Route] = {}
    for verdict in (before, after):
        verdict.claims = lists[verdict.key]
        fresh.update(("/" + r.output, r) for r in verdict_routes(site, verdict))
    snap.by_output.update(fresh)
    routes = renderer.routes  # the list the site map is written from, in place
    routes[:] = [fresh.get("/" + r.output, r) for r in routes]
    return True


def _replace_everywhere(snap: Snapshot, old: Any, new: Any) -> None:
    """Swap a claim object in the model's lists and in every route's context."""
    site = snap.site
    assert site is not None
    lists = [site.claims, *(a.claims for a in new.claimants), *(t.claims for t in new.topics),
             new.verdict.claims if hasattr(new.verdict, "claims") else [],
             *(r.seed.claims for r in (*new.sources, *new.evidence) if r.seed),
             *(c.related for c in new.related)]
    for route in snap.by_output.values():
        for key, value in route.context.items():
            if value is old:
                route.context[key] = new
            elif isinstance(value, list):
                lists.append(value)
    seen: set[int] = set()
    for items in lists:
        if id(items) in seen:
            continue  # e.g. every page of /claims/ shares site.claims
        seen.add(id(items))
        for i, value in enumerate(items):
            if value is old:
                items[i] = new


def _type(path: str) -> str:
    if path.endswith(".xml"):
        return "application/xml"
    guess = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return guess + ("; charset=utf-8" if guess.startswith("text/") or guess.endswith(
        ("json", "javascript")) else "")


def error_page(problems: Problems) -> bytes:
    """The problem report as a page; livereload brings the site back once fixed."""
    items = "\n".join(
        f"<li><code>{html.escape(p.location())}</code> <strong>{p.severity}</strong>: "
        f"{html.escape(p.message)}" + (f"<pre>{html.escape(p.hint)}</pre>" if p.hint else "")
        + "</li>" for p in problems.errors)
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Build error</title></head><body>"
        "<main id=\"site-builder-error\" role=\"alert\">"
        "<h1>The site cannot be built</h1>"
        f"<p>{len(problems.errors)} problem(s) to fix. Save the file and this page "
        "reloads by itself.</p>"
        f"<ol>{items}</ol></main></body></html>"
    ).encode("utf-8", "replace")  # a file name that is not UTF-8 shows as '?'



class Watcher:
    """Polls the stamps of the site's sources; livereload only serves and reloads.

    A scan is one ``os.scandir`` per folder and no path objects: about 10 ms
    for 10,000 files, so a 50 ms poll notices a save at once.
    """

    def __init__(self, roots: list[Path]) -> None:
        self.roots = [str(r) for r in roots]
        self.state = self.scan()

    def scan(self) -> dict[str, tuple[int, int, int]]:
        state: dict[str, tuple[int, int, int]] = {}
        for root in self.roots:
            try:
                stat = os.stat(root)
            except OSError:
                continue
            if os.path.isdir(root):
                _scan_dir(root, state)
            else:
                state[root] = stamp_of(stat)
        return state

    def changes(self) -> list[Path]:
        new = self.scan()
        if new == self.state:
            return []
        changed = [p for p in new.keys() | self.state.keys() if new.get(p) != self.state.get(p)]
        self.state = new
        return [Path(p) for p in sorted(changed)]


def _scan_dir(folder: str, state: dict[str, tuple[int, int, int]]) -> None:
    try:
        entries = os.scandir(folder)
    except OSError:
        return
    with entries:
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    _scan_dir(entry.path, state)
                elif entry.is_file():
                    state[entry.path] = stamp_of(entry.stat())
            except OSError:
                continue


def free_port(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        if os.name != "nt":  # as tornado binds: connections of a stopped preview in
            # TIME_WAIT (a minute after Ctrl-C) do not make the port busy
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def watch_roots(sources: Sources) -> list[Path]:
    root = sources.root
    return [sources.content, sources.seeds, root / "templates", root / "static",
            default_theme()]


class Notifier:
    """Operating-system change events (watchfiles) for the big folders.

    Polling 10,000 files costs about 50 ms a scan; inotify-style events cost
    nothing until a file changes. Changes are queued for the server's loop.
    Folders that do not exist yet (and the small theme folders) stay polled.
    """

    def __init__(self, folders: list[Path], wake: Callable[[], None]) -> None:
        import queue

        self.folders = [str(f) for f in folders if f.is_dir()]
        self.identity = {folder: _identity(folder) for folder in self.folders}
        self.queue: "queue.SimpleQueue[str]" = queue.SimpleQueue()
        self.stop = threading.Event()
        self.failed = False  # the events stopped: the folders must be polled
        self.wake = wake
        self.thread = threading.Thread(target=self._run, name="site-builder-watch", daemon=True)

    def start(self) -> bool:
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            return False
        if not self.folders:
            return False
        self.thread.start()
        return True

    def _run(self) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(*self.folders, step=5, debounce=200,
                                            stop_event=self.stop, watch_filter=None,
                                            raise_interrupt=False):
                for _, path in changes:
                    self.queue.put(path)
                self.wake()
        except Exception as exc:  # the preview must go on: fall back to polling
            # (watchfiles stops for good on a file name that is not UTF-8)
            log.warning("file events stopped (%s); polling instead", exc)
            self.failed = True
            self.wake()

    def outdated(self, folders: list[Path]) -> bool:
        """Is a watched folder gone or replaced, or one there now that was not?
        Events follow the folder itself: after a branch switch that took
        content/ away and brought it back (or ``rm -rf`` and a copy), the new
        folder would never send one."""
        return {str(f): _identity(str(f)) for f in folders if f.is_dir()} != self.identity

    def drain(self) -> list[Path]:
        paths = set()
        while not self.queue.empty():
            paths.add(self.queue.get_nowait())
        return [Path(p) for p in sorted(paths) if p]


class FileChanges:
    """Where the preview learns of saves: events for content/ and seeds/
    (:class:`Notifier`), polling for the theme folders (:class:`Watcher`), and
    polling for all of them where events are not to be had."""

    def __init__(self, roots: list[Path], wake: Callable[[], None]) -> None:
        self.roots, self.wake = roots, wake
        self.evented = roots[:2]
        self.events = _events_available()
        self.watcher = Watcher(roots[2:])
        self.notifier = self._watch_events()

    def _watch_events(self) -> Notifier:
        notifier = Notifier(self.evented, self.wake)
        polled = self.roots if not notifier.start() else \
            self.roots[2:] + [r for r in self.evented if not r.is_dir()]
        self.watcher.roots = [str(r) for r in polled]
        self.watcher.state = self.watcher.scan()
        return notifier

    def replaced(self) -> bool:
        """Was content/ or seeds/ replaced whole (see :meth:`Notifier.outdated`)?
        Then events start again on the new folders, and the caller must read
        everything again: what changed meanwhile is not known."""
        if not self.events or self.notifier.failed or \
                not self.notifier.outdated(self.evented):
            return False
        self.notifier.stop.set()  # (its thread ends within a step)
        self.notifier = self._watch_events()
        return True

    def changes(self) -> list[Path]:
        """The files and folders changed since the last call."""
        if self.notifier.failed and len(self.watcher.roots) < len(self.roots):
            # the first scan of the evented folders reports every file in them as
            # changed: all read again, so nothing saved meanwhile is missed
            self.watcher.roots = [str(r) for r in self.roots]
        return sorted(set(self.watcher.changes()) | set(self.notifier.drain()))


def _identity(folder: str) -> tuple[int, int] | None:
    try:
        info = os.stat(folder)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _events_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("watchfiles") is not None


def _send(handler: Any, message: dict[str, Any]) -> None:
    """One message to one browser, its outcome collected: a page that is already
    reloading closes its socket while the message is on its way, and tornado
    would log the failed send as a traceback ('Task exception was never
    retrieved') in the editor's terminal."""
    from tornado.websocket import WebSocketClosedError

    try:
        sent = handler.write_message(message)
    except WebSocketClosedError:
        return
    if sent is not None:
        sent.add_done_callback(lambda done: done.exception())


def reload_browsers(handler_class: Any) -> None:
    """livereload's reload message to every connected browser (its
    ``reload_waiters``, each send's outcome collected as by :func:`_send`)."""
    for waiter in list(handler_class.waiters):
        _send(waiter, {"command": "reload", "path": "*", "liveCSS": True, "liveImg": True})


def _reload_stale_pages(handler_class: Any, preview: Preview) -> None:
    """When a browser (re)connects, reload it if its page predates the last rebuild.

    livereload sends a reload only to browsers connected at that moment; a page
    that was itself reloading during a second save would miss it.

    Messages that are not the protocol's (not a JSON object with a command, as
    any local page may send) are dropped: livereload's handler would log a
    traceback for each.
    """
    original = handler_class.on_message

    def on_message(handler: Any, message: str | bytes) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return
        if not isinstance(data, dict) or not isinstance(data.get("command"), str):
            return
        original(handler, message)
        if data["command"] == "info" and preview.is_stale(str(data.get("url", ""))):
            _send(handler, {"command": "reload", "path": "*", "liveCSS": True})

    handler_class.on_message = on_message


def _print_problems(problems: Problems) -> None:
    if problems.errors:
        print(format_report(problems, most_warnings=BUILD_WARNINGS), file=sys.stderr)


def serve(sources: Sources, host: str = "127.0.0.1", port: int = 8000,
          open_browser: bool = False, interval: float = 0.05) -> int:
    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from tornado import ioloop

    try:
        free = free_port(host, port)
    except OSError as exc:  # a host name that does not resolve, an address not this machine's
        print(f"error: cannot listen on {host} port {port}: {exc.strerror or exc}; give "
              "--host an address of this machine, such as 127.0.0.1", file=sys.stderr)
        return 2
    if not free:
        suggestion = next((p for p in range(port + 1, min(port + 50, 65536))
                           if free_port(host, p)), None)
        print(f"error: port {port} on {host} is already in use"
              + (f"; try --port {suggestion}" if suggestion else ""), file=sys.stderr)
        return 1
    preview = Preview(sources)
    preview.hosts = answered_hosts(host)
    started = time.perf_counter()
    preview.load_all()
    report = format_report(preview.snapshot.problems, most_warnings=BUILD_WARNINGS)
    if report:
        print(report, file=sys.stderr)
    print(f"Loaded {len(preview.documents)} files in {time.perf_counter() - started:.2f} s; "
          f"previewing with drafts at http://{host}:{port}/ (Ctrl-C stops)")
    loop = ioloop.IOLoop.current()
    files = FileChanges(watch_roots(sources), lambda: loop.add_callback(poll))

    def poll() -> None:
        if preview.reload_due:  # a page failed to render (see Preview.reload_due)
            preview.reload_due = False
            reload_browsers(LiveReloadHandler)
        if files.replaced():
            begin = time.perf_counter()
            preview.load_all()  # whatever happened meanwhile: all of it read again
            print(f"Content folder replaced: read {len(preview.documents)} files again in "
                  f"{time.perf_counter() - begin:.2f} s")
            _print_problems(preview.snapshot.problems)
            reload_browsers(LiveReloadHandler)
            return
        changed = files.changes()
        if not changed:
            return
        begin = time.perf_counter()
        if not preview.apply(changed):
            return  # an editor's swap or backup file: nothing to show
        problems = preview.snapshot.problems
        names = ", ".join(sources.display(p) for p in changed[:3])
        print(f"Changed {names}: rebuilt in {(time.perf_counter() - begin) * 1000:.0f} ms"
              + (f", {len(problems.errors)} error(s)" if problems.errors else ""))
        _print_problems(problems)
        reload_browsers(LiveReloadHandler)

    _reload_stale_pages(LiveReloadHandler, preview)
    server = Server(app=preview.wsgi)
    server.watcher.start = lambda callback: True  # our poll drives reloads
    server.watch(str(sources.content))
    ioloop.PeriodicCallback(poll, interval * 1000).start()
    try:
        server.serve(host=host, port=port, debug=False, restart_delay=0,
                     open_url_delay=0.5 if open_browser else None)
    except KeyboardInterrupt:
        pass
    finally:
        files.notifier.stop.set()
    print("Stopped.")
    return 0
