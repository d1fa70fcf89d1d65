"""Translate a generated benchmark corpus into Hugo's and Pelican's content layouts.

Used by benchmarks/run.py; conversion time is not part of any measured build.

It reads only what benchmarks/generate.py writes (block-style YAML whose scalars
are JSON-quoted strings or bare dates), with a small line parser: fast on 100k
files and free of PyYAML. It is not a general YAML reader.
"""
from __future__ import annotations

import json
import os
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")

VERDICT_LABELS = {
    "true": "True", "mostly-true": "Mostly true", "half-true": "Half true",
    "misleading": "Misleading", "mostly-false": "Mostly false", "false": "False",
    "unproven": "Unproven",
}


def _scalar(v: str):
    v = v.strip()
    if v.startswith('"'):
        return json.loads(v)
    return v


def parse_front_matter(text: str):
    """Return (meta, body) for a file written by generate.py."""
    if not text.startswith("---\n"):
        raise ValueError("no front matter")
    end = text.index("\n---\n", 3)
    head, body = text[4:end], text[end + 5:]
    meta: dict = {}
    key = None          # current top-level key whose value is a block
    item = None         # current mapping inside a list
    for line in head.split("\n"):
        if not line.strip():
            continue
        if not line.startswith(" "):
            k, _, v = line.partition(":")
            key, item = k, None
            meta[k] = _scalar(v) if v.strip() else None
        elif line.startswith("  - "):
            rest = line[4:]
            if meta[key] is None:
                meta[key] = []
            if rest.startswith('"'):
                meta[key].append(_scalar(rest))
                item = None
            else:
                k, _, v = rest.partition(":")
                item = {k: _scalar(v)}
                meta[key].append(item)
        elif line.startswith("    ") and item is not None:
            k, _, v = line.strip().partition(":")
            item[k] = _scalar(v)
        elif line.startswith("  "):
            if meta[key] is None:
                meta[key] = {}
            k, _, v = line.strip().partition(":")
            meta[key][k] = _scalar(v)
        else:
            raise ValueError(f"unexpected line: {line!r}")
    return meta, body


def _read(path: str):
    with open(path, encoding="utf-8") as f:
        return parse_front_matter(f.read())


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def _entities(content: str, kind: str):
    d = os.path.join(content, kind)
    for name in sorted(os.listdir(d)):
        if name.endswith(".md"):
            yield name[:-3], _read(os.path.join(d, name))


def to_hugo(corpus: str, site: str) -> int:
    """Write a Hugo site (config, layouts, content) for `corpus` into `site`."""
    content = os.path.join(corpus, "content")
    shutil.rmtree(site, ignore_errors=True)
    os.makedirs(site)
    shutil.copy(os.path.join(PEERS, "hugo", "hugo.toml"), site)
    shutil.copytree(os.path.join(PEERS, "hugo", "layouts"), os.path.join(site, "layouts"))
    hc = os.path.join(site, "content")
    for sub in ("claims", "actors", "topics", "verdicts"):
        os.makedirs(os.path.join(hc, sub))

    def page(path, meta, body=""):
        _write(path, json.dumps(meta, ensure_ascii=False, indent=1) + "\n\n" + body)

    # /claims/ itself is not a page of ours: keep the section for listing only.
    page(os.path.join(hc, "claims", "_index.md"),
         {"title": "Fact-checks", "build": {"render": "never", "list": "always"}})
    page(os.path.join(hc, "actors", "_index.md"), {"title": "Claimants"})
    page(os.path.join(hc, "topics", "_index.md"), {"title": "Topics"})
    page(os.path.join(hc, "verdicts", "_index.md"), {"title": "Verdicts"})
    for key, label in VERDICT_LABELS.items():
        os.makedirs(os.path.join(hc, "verdicts", key))
        page(os.path.join(hc, "verdicts", key, "_index.md"),
             {"title": label, "outputs": ["html"]})
    for slug, (meta, body) in _entities(content, "actors"):
        os.makedirs(os.path.join(hc, "actors", slug))
        page(os.path.join(hc, "actors", slug, "_index.md"),
             {"title": meta["name"], "description": meta.get("description", "")}, body)
    for slug, (meta, body) in _entities(content, "topics"):
        os.makedirs(os.path.join(hc, "topics", slug))
        page(os.path.join(hc, "topics", slug, "_index.md"),
             {"title": meta["title"], "description": meta.get("description", "")}, body)
    for slug, (meta, body) in _entities(content, "pages"):
        page(os.path.join(hc, slug + ".md"), {"title": meta.get("title", slug)}, body)
    n = 0
    for slug, (meta, body) in _entities(content, "claims"):
        fm = dict(meta)
        fm["slug"] = slug
        fm["date"] = meta["published"]
        fm["actors"] = [meta["claimant"]]
        fm["verdicts"] = [meta["verdict"]]
        page(os.path.join(hc, "claims", slug + ".md"), fm, body)
        n += 1
    return n


def _pelican_value(v: str) -> str:
    return " ".join(str(v).split())


def to_pelican(corpus: str, site: str) -> int:
    """Write a Pelican project (pelicanconf.py, theme, content) for `corpus` into `site`."""
    content = os.path.join(corpus, "content")
    shutil.rmtree(site, ignore_errors=True)
    os.makedirs(site)
    shutil.copy(os.path.join(PEERS, "pelican", "pelicanconf.py"), site)
    shutil.copytree(os.path.join(PEERS, "pelican", "theme"), os.path.join(site, "theme"))
    pc = os.path.join(site, "content")
    os.makedirs(os.path.join(pc, "claims"))
    os.makedirs(os.path.join(pc, "pages"))
    actors = {slug: meta["name"] for slug, (meta, _) in _entities(content, "actors")}
    topics = {slug: meta["title"] for slug, (meta, _) in _entities(content, "topics")}
    for slug, (meta, body) in _entities(content, "pages"):
        _write(os.path.join(pc, "pages", slug + ".md"),
               f"Title: {_pelican_value(meta.get('title', slug))}\nSlug: {slug}\n\n{body}")
    n = 0
    for slug, (meta, body) in _entities(content, "claims"):
        lines = [
            f"Title: {_pelican_value(meta['title'])}",
            f"Date: {meta['published']}",
            f"Slug: {slug}",
            # Pelican slugifies these names into URLs; the generator's names
            # slugify to the actor/topic slugs, so the URLs match ours.
            f"Author: {_pelican_value(actors[meta['claimant']])}",
            f"Category: {meta['verdict']}",
            f"Tags: {', '.join(_pelican_value(topics[t]) for t in meta['topics'])}",
            f"Summary: {_pelican_value(meta['summary'])}",
            f"Claim: {_pelican_value(meta['claim'])}",
        ]
        if meta.get("claim_date"):
            lines.append(f"Claim_date: {meta['claim_date']}")
        _write(os.path.join(pc, "claims", slug + ".md"), "\n".join(lines) + "\n\n" + body)
        n += 1
    return n
