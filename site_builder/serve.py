"""``site-builder serve``: live preview on livereload's server and reload protocol.

The preview keeps the site in memory and renders a page when the browser asks
for it, so an edit costs one file parse, one model update and one page render,
never a full build. Only URLs in the site map (and the theme's static files)
are answered: there is no file system path to traverse and no directory
listing. While the content is broken, every page shows the problem report
and the server keeps running; the next good save brings the site back.

livereload's own change detection polls every 0.8 s and drops changes within
3 s of a reload; here a watcher of our own (a fast mtime scan) drives
livereload's reload message directly, so every save reaches the browser.
"""

from __future__ import annotations

import errno
import gc
import html
import json
import logging
import mimetypes
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

import jinja2

from .build import _template_problem, today
from .load import Document, Documents, Sources, find_files, load_file
from .problems import Problems, format_report
from .render import Renderer, Theme, default_theme
from .resolve import Memo, Options, build_model
from .model import Site
from .routes import Route, build_routes, check_links
from .search import routes as search_routes

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

    def is_stale(self, page_url: str) -> bool:
        """Was this page served before the latest rebuild? (A browser reconnecting
        after a save it missed must reload.)"""
        path = unquote(urlsplit(page_url).path) or "/"
        return self.served.get(path, self.generation) < self.generation

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

    def apply(self, changed: Iterable[Path]) -> None:
        """Take in changed, new and deleted files, then rebuild the model."""
        with self.lock:
            for path in changed:
                path = path.resolve()
                if path.is_file() and self.sources.kind_of(path):
                    self._load(path)
                else:
                    self.documents.pop(path, None)
                    self.load_problems.pop(path, None)
            self.rebuild()

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
        if docs.site is None:
            problems.error("content/site.yaml", 1, "site.yaml is missing",
                           "create content/site.yaml (see the README)")
        model = build_model(docs, problems, Options(drafts=True, today=today()), self.memo)
        routes = build_routes(model, problems, with_search=False)
        snapshot = Snapshot(problems, site=model.site)
        try:
            theme = Theme.for_site(self.sources.root)
            check_links(model, routes, problems, {"/" + p for p in theme.static_files})
            snapshot.static = {"/" + k: v for k, v in theme.static_files.items()}
            snapshot.renderer = Renderer(model.site, routes, theme, drafts=True)
        except (OSError, jinja2.TemplateError) as exc:
            problems.error("templates", 1, f"the theme cannot be loaded: {exc}")
        snapshot.by_output = {"/" + r.output: r for r in routes}
        self.snapshot = snapshot
        self.generation += 1

    # -- answering ----------------------------------------------------------
    def respond(self, raw_path: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request path."""
        snap = self.snapshot
        path = unquote(raw_path.split("?", 1)[0]) or "/"
        if path.endswith("/"):
            path += "index.html"
        if path in snap.static:
            return 200, _type(path), snap.static[path].read_bytes()
        if path.startswith("/search/") and not snap.search_ready and snap.site is not None:
            snap.search_ready = True  # built on first use: typing must stay fast
            snap.by_output.update(("/" + r.output, r) for r in search_routes(snap.site))
        route = snap.by_output.get(path)
        if route is None and (path + "/index.html") in snap.by_output:
            return 301, "text/plain", (path + "/").encode()
        is_html = route is None or route.output.endswith(".html")
        if snap.problems.errors and is_html:
            return 500, "text/html; charset=utf-8", error_page(snap.problems)
        if route is None:
            not_found = snap.by_output.get("/404.html")
            body = self._render(snap, not_found) if not_found else b"Not found"
            return 404, "text/html; charset=utf-8", body or b"Not found"
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
        except jinja2.TemplateError as exc:
            _template_problem(snap.problems, exc, route)
            print(format_report(snap.problems.errors), file=sys.stderr)
            return None
        snap.cache[route.output] = body
        return body

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        with self.lock:
            path = environ.get("PATH_INFO", "/")
            status, ctype, body = self.respond(path)
            if ctype.startswith("text/html"):
                self.served[unquote(path) or "/"] = self.generation
        headers = [("Content-Type", ctype), ("Cache-Control", "no-store"),
                   ("X-Content-Type-Options", "nosniff")]
        if status == 301:
            headers = [("Location", body.decode()), ("Content-Type", "text/plain")]
        reason = {200: "OK", 301: "Moved Permanently", 404: "Not Found",
                  500: "Build Error"}[status]
        start_response(f"{status} {reason}", headers)
        return [body]


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
    ).encode("utf-8")


class Watcher:
    """Polls the mtimes of the site's sources; livereload only serves and reloads."""

    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self.state = self.scan()

    def scan(self) -> dict[Path, tuple[int, int]]:
        state: dict[Path, tuple[int, int]] = {}
        for root in self.roots:
            if root.is_file():
                stat = root.stat()
                state[root.resolve()] = (stat.st_mtime_ns, stat.st_size)
            elif root.is_dir():
                _scan_dir(root, state)
        return state

    def changes(self) -> list[Path]:
        new = self.scan()
        changed = [p for p in new.keys() | self.state.keys() if new.get(p) != self.state.get(p)]
        self.state = new
        return sorted(changed)


def _scan_dir(folder: Path, state: dict[Path, tuple[int, int]]) -> None:
    try:
        entries = list(os_scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            _scan_dir(Path(entry.path), state)
        elif entry.is_file():
            stat = entry.stat()
            state[Path(entry.path).resolve()] = (stat.st_mtime_ns, stat.st_size)


def os_scandir(folder: Path):  # type: ignore[no-untyped-def]
    import os

    return os.scandir(folder)


def free_port(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
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


def _reload_stale_pages(handler_class: Any, preview: Preview) -> None:
    """When a browser (re)connects, reload it if its page predates the last rebuild.

    livereload sends a reload only to browsers connected at that moment; a page
    that was itself reloading during a second save would miss it.
    """
    original = handler_class.on_message

    def on_message(handler: Any, message: str) -> None:
        original(handler, message)
        try:
            data = json.loads(message)
        except ValueError:
            return
        if data.get("command") == "info" and preview.is_stale(str(data.get("url", ""))):
            handler.send_message({"command": "reload", "path": "*", "liveCSS": True})

    handler_class.on_message = on_message


def serve(sources: Sources, host: str = "127.0.0.1", port: int = 8000,
          open_browser: bool = False, interval: float = 0.05) -> int:
    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from tornado import ioloop

    if not free_port(host, port):
        suggestion = next((p for p in range(port + 1, port + 50) if free_port(host, p)), None)
        print(f"error: port {port} on {host} is already in use"
              + (f"; try --port {suggestion}" if suggestion else ""), file=sys.stderr)
        return 1
    preview = Preview(sources)
    started = time.perf_counter()
    preview.load_all()
    report = format_report(preview.snapshot.problems)
    if report:
        print(report, file=sys.stderr)
    print(f"Loaded {len(preview.documents)} files in {time.perf_counter() - started:.2f} s; "
          f"previewing with drafts at http://{host}:{port}/ (Ctrl-C stops)")
    watcher = Watcher(watch_roots(sources))

    def poll() -> None:
        changed = watcher.changes()
        if not changed:
            return
        begin = time.perf_counter()
        preview.apply(changed)
        problems = preview.snapshot.problems
        names = ", ".join(sources.display(p) for p in changed[:3])
        print(f"Changed {names}: rebuilt in {(time.perf_counter() - begin) * 1000:.0f} ms"
              + (f", {len(problems.errors)} error(s)" if problems.errors else ""))
        if problems.errors:
            print(format_report(problems), file=sys.stderr)
        LiveReloadHandler.reload_waiters("*")

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
    print("Stopped.")
    return 0
