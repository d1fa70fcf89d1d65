"""Bytes a reader's browser transfers for a first search on a built site.

    python benchmarks/generate.py --claims 10000 --out /tmp/c10k
    python -m site_builder build --content /tmp/c10k/content --out /tmp/c10k/public
    python benchmarks/search_transfer.py /tmp/c10k/public [QUERY ...]

Serves the folder with the standard library on 127.0.0.1, opens /search/ in
Debian's Chromium (Playwright), types each query into a fresh page and adds up
what the browser fetched for it: response bodies plus HTTP headers, as
Playwright reports them (http.server sends no compression). The same files'
gzip sizes are given for a server that compresses JSON (as Netlify does).
Without queries it picks a few: the most prolific claimant's surname, a
two-word title phrase, a rare title word and the same claimant with a verdict
filter.
"""

from __future__ import annotations

import collections
import functools
import gzip
import json
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def default_queries(root: Path) -> list[tuple[str, str]]:
    docs = []
    for path in sorted((root / "search/docs").glob("*.json"), key=lambda p: int(p.stem)):
        docs += json.loads(path.read_text())
    names = collections.Counter(n for d in docs for n in d[2])
    top = names.most_common(1)[0][0].split()[-1]
    words = collections.Counter(w.lower() for d in docs for w in d[1].split() if len(w) > 4)
    rare = min(words, key=lambda w: (words[w], w))
    first = docs[0][1].lower().split()
    phrase = " ".join(w for w in first if len(w) > 3)[:40].rsplit(" ", 1)[0]
    return [(top, ""), (phrase, ""), (rare, ""), (top, "false")]


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve()
    queries = [(q, "") for q in argv[1:]] or default_queries(root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    meta = json.loads((root / "search/meta.json").read_text())
    print(f"site: {root} ({meta['count']} claims in the index)")
    print("| query | verdict filter | results | requests | bytes (plain HTTP) | "
          "bytes of JSON, gzip | page load (HTML+CSS+JS) |")
    print("|---|---|---|---|---|---|---|")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for query, verdict in queries:
            page = browser.new_page()
            fetched: list[tuple[str, int]] = []

            def done(request, fetched=fetched):
                sizes = request.sizes()
                fetched.append((request.url, sizes["responseBodySize"]
                                + sizes["responseHeadersSize"] + sizes["requestHeadersSize"]))

            page.on("requestfinished", done)
            page.goto(base + "/search/")
            page.wait_for_selector("form[data-search-form]:not([hidden])")
            page.wait_for_load_state("networkidle")
            load = sum(size for url, size in fetched if "/search/meta.json" not in url)
            before = {url for url, _ in fetched if "/search/meta.json" not in url}
            if verdict:
                page.select_option("#search-verdict", verdict)
            page.fill("#search-q", query)
            page.press("#search-q", "Enter")
            page.wait_for_function("document.querySelector('[data-search-status]').textContent"
                                   ".startsWith('No ') || document.querySelector("
                                   "'[data-search-results] li')")
            page.wait_for_timeout(1000)
            status = page.inner_text("[data-search-status]")
            query_files = [(u, s) for u, s in fetched if u not in before]
            gz = sum(len(gzip.compress((root / urlsplit(u).path.lstrip("/")).read_bytes(), 9))
                     for u, _ in query_files)
            total = sum(s for _, s in query_files)
            print(f"| {query} | {verdict or '-'} | {status.split(' ')[0]} | {len(query_files)} | "
                  f"{total:,} | {gz:,} | {load:,} |")
            for url, size in query_files:
                print(f"|   {urlsplit(url).path} | | | | {size:,} | | |", file=sys.stderr)
            page.close()
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
