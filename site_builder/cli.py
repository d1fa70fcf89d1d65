"""The ``site-builder`` command: build, check, serve, new.

Exit codes: 0 success, 1 content problems (or the build refused to write),
2 wrong usage; 130 Ctrl-C, 143 SIGTERM and 141 a closed output pipe
(``check | head``), as a shell reports those signals. Editors never see a
traceback for their own mistakes.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Iterable, TextIO

from .load import Sources
from .problems import BUILD_WARNINGS, Problem, format_report, from_json


class _BadPath(Exception):
    """A folder given on the command line that cannot be followed (a loop of links)."""


def _sources(args: argparse.Namespace) -> Sources:
    try:
        return Sources.at(Path(args.content), Path(args.seeds) if args.seeds else None)
    except (OSError, RuntimeError) as exc:  # Python 3.11 raises RuntimeError for a loop
        reason = getattr(exc, "strerror", None) or str(exc)
        raise _BadPath(f"--content {args.content}"
                       + (f" or --seeds {args.seeds}" if args.seeds else "")
                       + f" cannot be followed: {reason}; give a folder, not a link "
                       "that leads back to itself") from None


def _from_here(problems: Iterable[Problem], content: str) -> list[Problem]:
    """Problems with their paths as the shell that ran the command opens them.

    Paths are kept relative to the project (the folder that holds content/):
    that is what the cache and the preview use. Run from a folder above the
    project (a repository with the site in site/) or inside it, a path such
    as content/claims/x.md would name nothing there, and GitHub could not
    put the annotation on the pull request's file; so it is shown from here.
    """
    items = list(problems)
    # the project as the command line named it: through a linked folder, the
    # resolved one may not be under here at all
    here, root = Path.cwd(), Path(os.path.abspath(content)).parent
    if here == root or (here not in root.parents and root not in here.parents):
        return items
    def from_here(path: str) -> str:
        moved = os.path.relpath(root / path, here).replace(os.sep, "/")
        return moved + "/" if path.endswith("/") else moved

    # the project's files named in messages and hints ("also content/claims/x.md",
    # "create content/actors/x.md"), but not a value quoted from a file
    folders = "|".join(re.escape(name) for name in
                       sorted({Path(content).name, "seeds", "templates", "static"}))
    named = re.compile(rf"(?<![\w./'\"-])(?:{folders})/(?:[^\s'\"(),;]*[^\s'\"(),;.:])?")
    moved = []
    for problem in items:
        if os.path.isabs(problem.path):
            moved.append(problem)
            continue
        moved.append(dataclasses.replace(
            problem, path=from_here(problem.path),
            message=named.sub(lambda m: from_here(m.group()), problem.message),
            hint=named.sub(lambda m: from_here(m.group()), problem.hint)))
    return moved


def _print_earlier(report: str, content: str) -> None:
    """The warnings of the last full build (kept by the cache), as it printed them."""
    earlier = _from_here(from_json(report), content)
    if earlier:
        print(format_report(earlier, most_warnings=BUILD_WARNINGS), file=sys.stderr)


def _progress(start: float, stream: TextIO):  # type: ignore[no-untyped-def]
    """The stage and its count on one terminal line, rewritten at most ten
    times a second, once a build has run for a second (quick builds stay quiet)."""
    last = [0.0]

    def show(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - start < 1.0 or (done and now - last[0] < 0.1):
            return
        last[0] = now
        count = f" {done:,} of {total:,}" if total else ""
        print(f"\r\033[K{stage}...{count}", end="", file=stream, flush=True)
    return show if stream.isatty() else None


def _clear_progress(stream: TextIO) -> None:
    if stream.isatty():
        print("\r\033[K", end="", file=stream, flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    from . import build as pipeline
    from .build import build, today
    from .resolve import Options

    start = time.perf_counter()
    pipeline.PROGRESS = _progress(start, sys.stderr)
    sources = _sources(args)
    out = Path(args.out) if args.out else sources.root / "public"
    options = Options(drafts=args.drafts, today=today(), base_url=args.base_url or "",
                      no_index=args.no_index)
    result = build(sources, out, options, use_cache=not args.no_cache)
    _clear_progress(sys.stderr)
    if result.fatal:
        print(f"error: {result.fatal}", file=sys.stderr)
        return 1
    if result.skipped:
        _print_earlier(result.report, args.content)
        print(f"Nothing changed since the last build: {out} is up to date "
              f"({time.perf_counter() - start:.2f} s).")
        return 0
    if result.problems.items:
        print(format_report(_from_here(result.problems, args.content), most_warnings=BUILD_WARNINGS),
              file=sys.stderr)
    else:  # a quick rebuild: the warnings of the last full build still hold
        _print_earlier(result.report, args.content)
    if not result.ok:
        print(f"Build stopped: nothing was written; {out} is unchanged.", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - start
    stats = result.stats
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items())
    if result.quick:
        stages = f"only claim texts changed, put in place in their pages; {stages}"
    total = result.rendered + result.reused
    print(f"Built {total} files into {out} in {elapsed:.2f} s: {result.rendered} rendered, "
          f"{result.reused} reused from cache; {stats.written if stats else 0} written, "
          f"{stats.removed if stats else 0} removed ({stages})")
    if result.cache_problem:
        print(f"note: the build cache could not be saved ({result.cache_problem}); "
              "the next build will start from scratch", file=sys.stderr)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .build import check
    from .cache import BuildCache

    sources = _sources(args)
    # the last build's validated files, read only: a check after an edit parses
    # the edited files alone (the cache's keys are the files' digests)
    cache = BuildCache.at(sources)
    cache.load()  # (nothing there: an empty cache)
    result = check(sources, cache=cache, store=False)
    problems = result.problems
    report = format_report(_from_here(problems, args.content), args.format)
    if report:
        print(report)
    if problems.errors or (args.strict and problems.warnings):
        return 1
    if args.format == "text" and not problems.items:
        site = result.model.site if result.model else None
        count = len(site.claims) if site else 0
        print(f"No problems found ({count} claims checked).")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(_sources(args), host=args.host, port=args.port, open_browser=args.open)


def cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import new

    return new(_sources(args), args.kind, args.slug)


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="site-builder",
                                   description="Build a fact-check site from Markdown claims.")
    sub = main.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--content", default="content", help="content folder (default: content)")
        p.add_argument("--seeds", default=None, help="seeds register (default: seeds/ next to "
                       "the content folder)")

    build = sub.add_parser("build", help="build the site")
    common(build)
    build.add_argument("--out", default=None, help="output folder (default: public/ next "
                       "to the content folder)")
    build.add_argument("--drafts", action="store_true", help="include drafts")
    build.add_argument("--base-url", default=None, type=_base_url,
                       help="absolute URL of this deploy (overrides site.yaml; for previews)")
    build.add_argument("--no-cache", action="store_true", help="ignore and do not update "
                       ".site-builder-cache/ (the output is the same, only slower)")
    build.add_argument("--no-index", action="store_true", help="robots.txt disallows all "
                       "(for previews and branch deploys)")
    build.set_defaults(func=cmd_build)

    check = sub.add_parser("check", help="report every content problem")
    common(check)
    check.add_argument("--format", choices=("text", "github", "json"), default="text")
    check.add_argument("--strict", action="store_true", help="warnings fail too")
    check.set_defaults(func=cmd_check)

    serve = sub.add_parser("serve", help="preview with live reload")
    common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000,
                       help="port to listen on, 1-65535 (default: 8000)")
    serve.add_argument("--open", action="store_true", help="open a browser")
    serve.set_defaults(func=cmd_serve)

    new = sub.add_parser("new", help="start a new claim, actor or topic file")
    common(new)
    new.add_argument("kind", choices=("claim", "actor", "topic"), help="what to start")
    new.add_argument("slug", help="its file name and address, e.g. jobs-doubled-in-2024 "
                     "(lowercase letters, digits and single hyphens)")
    new.set_defaults(func=cmd_new)
    return main


def _port(text: str) -> int:
    """--port: a TCP port the preview can name in its address (not 0, "any free one")."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port: give a number from 1 to "
                                         "65535, such as 8000")
    return port


def _base_url(text: str) -> str:
    """--base-url as site.yaml's base_url must be: a web address of a whole domain.

    It goes into every canonical link, the sitemap and the JSON-LD, so a
    mistyped value (or a javascript: one from a CI variable) would be on
    every page.
    """
    from urllib.parse import urlsplit

    from .fields import beyond_domain, is_web_url

    value = text.strip()
    if not value:  # an unset CI variable: site.yaml's address stands
        return ""
    if not is_web_url(value):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a web address: give the deploy's address, starting with "
            "https:// (on Netlify: --base-url \"$DEPLOY_PRIME_URL\")")
    if beyond_domain(value):
        parts = urlsplit(value)
        raise argparse.ArgumentTypeError(
            f"'{text}' has more than a domain: the site's pages link to each other from "
            "the root (/claims/...), so give the root address, such as "
            f"{parts.scheme}://{parts.netloc}")
    return value


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        # a file name that is not valid UTF-8 is shown with '?', never as raw bytes
        # that would break the editor's terminal or a CI log parser
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    args = parser().parse_args(argv)
    from .build import SettingError

    _stop_on_sigterm()
    try:
        return int(args.func(args))
    except (SettingError, _BadPath) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:  # _Terminated too
        if args.command == "build":
            print("Stopped. The output folder is as the last build that finished left it.",
                  file=sys.stderr)
        return 143 if isinstance(exc, _Terminated) else 130
    except BrokenPipeError:
        return _reader_gone()


class _Terminated(KeyboardInterrupt):
    """SIGTERM (a CI job cancelled, ``kill``): raised as a kind of Ctrl-C, so that
    worker pools are ended and half-written folders removed on the way out (and
    the preview's event loop stops as it does for Ctrl-C, without a traceback)."""


def _stop_on_sigterm() -> None:
    def stop(_signum: int, _frame: object) -> None:
        raise _Terminated()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)


def _reader_gone() -> int:
    """The program reading the output stopped (``check | head``): stop quietly.

    Output still buffered would fail again when Python flushes it at exit,
    with a second traceback; it goes to the null device instead. 141 is what
    a shell reports for a command ended by SIGPIPE.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError):  # a stream without a file (under a test runner)
            pass
    return 141


def run() -> None:
    """The command itself: :func:`main`, then exit without tearing the heap down.

    A big build leaves millions of objects (the site model) behind; freeing
    them one by one at interpreter exit took 0.7 s of a 3.5 s rebuild at
    10,000 claims. Everything is written and closed by now, so skip it.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = _reader_gone()
    os._exit(code)


if __name__ == "__main__":
    run()
