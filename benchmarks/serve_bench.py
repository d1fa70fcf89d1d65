"""Edit-to-served time of `site-builder serve` on a generated site.

Starts the real preview server on a copy of a corpus, then repeatedly edits
one claim file and polls its page over HTTP until the new text is served.
The figure includes the watcher's poll interval, the rebuild and the render.
``--what body`` edits a heading of the claim's text; ``--what summary`` its
summary (front matter that lists, feeds and cards show too); ``--what verdict``
its verdict as well as its summary (the claim moves between verdict pages, so
the whole model is linked again, not patched).

    python benchmarks/serve_bench.py --claims 10000 [--edits 20] [--what summary|verdict]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def corpus(claims: int, seed: int = 1) -> Path:
    path = HERE / ".corpus" / f"n{claims}-s{seed}"
    if not (path / "content" / "site.yaml").is_file():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--claims", str(claims),
                        "--out", str(path), "--seed", str(seed)], check=True)
    return path


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read().decode("utf-8", "replace")


#: verdicts of the generated site.yaml (benchmarks/generate.py), one per edit in turn
VERDICTS = ("false", "mostly-false", "half-true", "mostly-true", "true", "misleading")


def edited(text: str, marker: str, what: str, n: int = 0) -> str:
    """The claim file with ``marker`` in its body's first heading or in its
    summary (and, for ``verdict``, the ``n``-th verdict in turn that is not its own)."""
    if what == "verdict":
        own = re.search(r'(?m)^verdict: "?([a-z-]+)"?$', text)
        others = [v for v in VERDICTS if not own or v != own.group(1)]
        text = re.sub(r"(?m)^verdict: .*$", f'verdict: "{others[n % len(others)]}"', text,
                      count=1)
    if what in ("summary", "verdict"):
        return re.sub(r"(?m)^summary: .*$", f"summary: {marker}.", text, count=1)
    return text.replace("## ", f"## {marker} ", 1)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=10000)
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--what", choices=("body", "summary", "verdict"), default="body",
                        help="what each edit changes (default: a heading of the body)")
    args = parser.parse_args()
    source = corpus(args.claims)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(source / "content", root / "content")
        if (source / "seeds").is_dir():
            shutil.copytree(source / "seeds", root / "seeds")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "site_builder", "serve", "--content", str(root / "content"),
             "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO)})
        try:
            claims = sorted((root / "content" / "claims").glob("*.md"))
            target = claims[len(claims) // 2]
            url = f"http://127.0.0.1:{port}/claims/{target.stem}/"
            while True:
                try:
                    fetch(url)
                    break
                except OSError:
                    time.sleep(0.1)
            print(f"server ready after {time.perf_counter() - started:.1f} s "
                  f"({args.claims} claims)")
            original = target.read_text(encoding="utf-8")
            times = []
            for n in range(args.edits):
                marker = f"Edit number {n} of the benchmark"
                before = time.perf_counter()
                target.write_text(edited(original, marker, args.what, n), encoding="utf-8")
                while marker not in fetch(url):
                    time.sleep(0.002)
                times.append((time.perf_counter() - before) * 1000)
                time.sleep(0.3)
            times.sort()
            print(f"edit ({args.what}) to served over {len(times)} edits: median {statistics.median(times):.0f} ms, "
                  f"p90 {times[int(len(times) * 0.9) - 1]:.0f} ms, max {times[-1]:.0f} ms")
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
