#!/usr/bin/env python3
"""Seeded, deterministic generator of a synthetic fact-check site.

    python benchmarks/generate.py --claims N --out DIR [--seed 1]

writes, in the content format of /work/shared/CONTENT_FORMAT.md:

    DIR/content/site.yaml
    DIR/content/claims/<slug>.md     N claims
    DIR/content/actors/<slug>.md     about N/20 actors
    DIR/content/topics/<slug>.md     about N/50 topics
    DIR/content/pages/about.md
    DIR/seeds/<id>.yaml              a few seeds

Standard library only. YAML is written as plain strings: every string scalar is
double-quoted (JSON string syntax, a subset of YAML double-quoted scalars);
`published` is an unquoted YYYY-MM-DD date, `claim_date` a quoted one.
The same (N, seed) always gives byte-identical output.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import random
import re
import shutil
import sys
import time

GENERATOR_VERSION = "3"

VERDICTS = ["true", "mostly-true", "half-true", "misleading", "mostly-false", "false", "unproven"]
# Skewed like real fact-checkers' output: more false-ish verdicts than true ones.
VERDICT_WEIGHTS = [8, 10, 14, 16, 18, 26, 8]

LOREM = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua enim ad minim veniam quis nostrud "
    "exercitation ullamco laboris nisi aliquip ex ea commodo consequat duis aute irure "
    "in reprehenderit voluptate velit esse cillum fugiat nulla pariatur excepteur sint "
    "occaecat cupidatat non proident sunt culpa qui officia deserunt mollit anim id est "
    "laborum curabitur pretium tincidunt lacus nunc pulvinar sapien ligula ornare "
    "maecenas accumsan aliquet gravida vivamus integer fermentum posuere urna donec "
    "vitae mauris porttitor faucibus pellentesque habitant morbi tristique senectus "
    "netus malesuada fames turpis egestas quisque placerat sagittis purus viverra "
    "mattis vulputate ultricies leo semper feugiat nibh pharetra convallis dictum "
    "rhoncus mi proin libero nec scelerisque eleifend arcu cursus euismod quam "
    "suspendisse potenti nullam varius facilisis volutpat blandit massa tellus "
    "hendrerit sollicitudin orci dapibus ultrices bibendum neque interdum velit "
    "census budget inflation report survey figures data analysis record official "
    "statement percent million growth rate decline increase study evidence"
).split()

FIRST_NAMES = (
    "Alda Bruno Carmen Dario Elena Farid Greta Hugo Ines Jonas Kira Luca Maren Nils "
    "Olga Pavel Quinn Rosa Sami Tessa Ugo Vera Wim Xenia Yusuf Zora Amara Basil Cleo "
    "Dmitri Esther Felix Gaia Hamid Ilse Jasper Katya Leon Mira Nadia Otto Petra"
).split()
LAST_NAMES = (
    "Abbott Brennan Castillo Duarte Eriksen Fontaine Gallo Hartmann Ivanova Jansen "
    "Kowalski Lindqvist Moreau Novak Okafor Petrov Quintero Rossi Schmidt Takahashi "
    "Ulrich Varga Weber Xavier Yilmaz Zimmermann Achebe Bauer Conti Dubois Esposito "
    "Fischer Grant Holm Ibarra Jovanovic Keller Laurent Mendes Nowak Oliveira"
).split()
ORG_KINDS = ["Ministry of", "Institute for", "Council on", "Association of", "Bureau of"]
OUTLETS = ["Daily", "Weekly", "Evening", "Morning", "Sunday"]
OUTLET_NOUNS = ["Courier", "Herald", "Record", "Observer", "Chronicle", "Gazette", "Post", "Ledger"]
ROLES = ["politician", "minister", "party", "think tank", "news outlet", "activist",
         "business leader", "public agency", "social media account", "commentator"]

TOPIC_ADJ = (
    "public national local rural urban regional foreign digital social economic "
    "environmental military medical financial agricultural industrial coastal "
    "educational electoral judicial fiscal cultural scientific maritime municipal "
    "energy housing labour transport water"
).split()
TOPIC_NOUN = (
    "health budget taxes crime migration elections energy climate schools housing "
    "jobs wages pensions transport defence trade farming vaccines policing courts "
    "media internet science water prices debt spending welfare tourism fisheries "
    "forests pollution statistics"
).split()

SUBJECTS = ["Unemployment", "Inflation", "Crime", "Public debt", "Rents", "Emissions",
            "Tax revenue", "Hospital waiting times", "Migration", "Energy prices",
            "School funding", "Turnout", "Wages", "Food prices", "Pension spending"]
MOVES = ["rose", "fell", "doubled", "halved", "tripled", "dropped", "grew", "collapsed"]
SPANS = ["last year", "since 2019", "in ten years", "under this government",
         "in a single month", "since the election", "in five years", "this decade"]
TITLE_FORMS = [
    "Did {subj} really {verb} {amt} {span}?",
    "{actor} says {subj_l} {moved} {amt} {span}",
    "Fact-check: {subj} {moved} {amt} {span}, {actor} claims",
    "No, {subj_l} has not {moved} {amt} {span}",
    "What the data says about {subj_l} {span}",
]
BASE_VERB = {"rose": "rise", "fell": "fall", "doubled": "double", "halved": "halve",
             "tripled": "triple", "dropped": "drop", "grew": "grow", "collapsed": "collapse"}

HEADINGS_A = ["What was claimed", "The claim", "Where the claim came from", "Background"]
HEADINGS_B = ["What the evidence shows", "What the data says", "Checking the figures",
              "The numbers"]
HEADINGS_C = ["Context", "What is missing", "Why it matters", "Other sources"]
HEADINGS_D = ["Our verdict", "Verdict", "Conclusion", "The bottom line"]

_slug_re = re.compile(r"[^a-z0-9]+")


def slugify(text: str) -> str:
    return _slug_re.sub("-", text.lower()).strip("-")


def q(s: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax is a subset of YAML's)."""
    return json.dumps(s, ensure_ascii=False)


def day(d: _dt.date) -> str:
    return d.isoformat()


class Words:
    """Pools of pre-built sentences so that 100k claim bodies are fast to make."""

    def __init__(self, rng: random.Random, n_sentences: int = 6000):
        lorem = LOREM
        sents = []
        for _ in range(n_sentences):
            k = rng.randint(7, 17)
            words = [lorem[rng.randrange(len(lorem))] for _ in range(k)]
            if rng.random() < 0.25:
                words.insert(rng.randrange(1, k), f"{rng.randint(2, 98)} percent")
            if rng.random() < 0.15:
                words.insert(rng.randrange(1, k), f"*{lorem[rng.randrange(len(lorem))]}*")
            if rng.random() < 0.1:
                words.insert(rng.randrange(1, k), f"**{lorem[rng.randrange(len(lorem))]}**")
            words[0] = words[0].capitalize()
            s = " ".join(words)
            if rng.random() < 0.12:
                cut = rng.randrange(2, k)
                s = " ".join(words[:cut]) + ", " + " ".join(words[cut:])
            sents.append((s + ".", len(s.split())))
        self.sents = sents

    def sentence(self, rng: random.Random):
        return self.sents[rng.randrange(len(self.sents))]

    def plain(self, rng: random.Random) -> str:
        """A sentence without Markdown markup, for front-matter strings."""
        return self.sents[rng.randrange(len(self.sents))][0].replace("*", "")


def make_actors(rng: random.Random, n: int):
    actors = []
    used = set()
    names = set()
    for i in range(n):
        r = rng.random()
        if r < 0.7:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            aliases = [f"{first[0]}. {last}"]
            role = rng.choice(ROLES[:2] + ROLES[5:])
        elif r < 0.85:
            name = f"{rng.choice(ORG_KINDS)} {rng.choice(TOPIC_NOUN).capitalize()}"
            aliases = []
            role = rng.choice(["public agency", "think tank", "party"])
        else:
            name = f"The {rng.choice(OUTLETS)} {rng.choice(OUTLET_NOUNS)}"
            aliases = [name[4:]]
            role = "news outlet"
        base = slugify(name)
        slug = base
        k = 2
        while slug in used:
            slug = f"{base}-{k}"
            k += 1
        used.add(slug)
        if slug != base:
            name = f"{name} ({k - 1})"
            aliases = [f"{a} ({k - 1})" for a in aliases]
        # A name or alias must point at one actor only.
        names.add(slugify(name))
        aliases = [a for a in aliases if slugify(a) not in names]
        names.update(slugify(a) for a in aliases)
        actors.append({"slug": slug, "name": name, "aliases": aliases, "role": role})
    return actors


def make_topics(rng: random.Random, n: int):
    combos = [f"{a} {b}" for a in TOPIC_ADJ for b in TOPIC_NOUN]
    rng.shuffle(combos)
    topics = []
    used = set()
    for i in range(n):
        if i < len(TOPIC_NOUN):
            title = TOPIC_NOUN[i]
        else:
            title = combos[(i - len(TOPIC_NOUN)) % len(combos)]
            rnd = (i - len(TOPIC_NOUN)) // len(combos)
            if rnd:
                title = f"{title} {rnd + 1}"
        slug = slugify(title)
        assert slug not in used, slug
        used.add(slug)
        topics.append({"slug": slug, "title": title[0].upper() + title[1:]})
    return topics


def skewed(rng: random.Random, n: int, power: float = 2.0) -> int:
    """An index in [0, n) with a long tail: a few items get many claims."""
    return min(n - 1, int(n * (rng.random() ** power)))


def paragraph(rng, words: Words, target: int, extra: str = "") -> tuple[str, int]:
    parts = []
    count = 0
    while count < target:
        s, c = words.sentence(rng)
        parts.append(s)
        count += c
    if extra:
        parts.insert(rng.randrange(len(parts) + 1), extra)
        count += len(extra.split())
    return " ".join(parts), count


def claim_body(rng, words: Words, slug: str, nfoot: int) -> str:
    target = rng.randint(330, 440)  # words of running text; headings, list, notes come on top
    # Budget split over 6 paragraphs.
    shares = [0.14, 0.16, 0.18, 0.16, 0.2, 0.16]
    link1 = f"[the original statement](https://example.com/statements/{slug})"
    link2 = f"[official figures](https://example.com/data/{slug}/table-{rng.randint(1, 40)})"
    link3 = f"[an earlier report](https://example.com/reports/{rng.randint(1000, 99999)})"
    foot_refs = ["[^1]", "[^2]"][:nfoot]
    out = []
    total = 0
    p, c = paragraph(rng, words, int(target * shares[0]), f"According to {link1}, it was said.")
    out.append(p)
    total += c
    out.append("## " + rng.choice(HEADINGS_A))
    p, c = paragraph(rng, words, int(target * shares[1]))
    out.append(p + foot_refs[0])
    total += c
    out.append("## " + rng.choice(HEADINGS_B))
    p, c = paragraph(rng, words, int(target * shares[2]), f"See {link2} for the series.")
    out.append(p)
    total += c
    items = []
    for j in range(rng.randint(3, 5)):
        s, c = words.sentence(rng)
        if j == 1:
            s = f"{s[:-1]} ([source](https://example.com/sources/{slug}-{j}))."
        items.append("- " + s)
        total += c
    out.append("\n".join(items))
    p, c = paragraph(rng, words, int(target * shares[3]))
    out.append(p)
    total += c
    out.append("## " + rng.choice(HEADINGS_C))
    p, c = paragraph(rng, words, int(target * shares[4]), f"Compare {link3}.")
    out.append(p + (foot_refs[1] if nfoot > 1 else ""))
    total += c
    out.append("## " + rng.choice(HEADINGS_D))
    remaining = max(20, target - total)
    p, c = paragraph(rng, words, remaining)
    out.append(p)
    notes = []
    for k in range(nfoot):
        s, _ = words.sentence(rng)
        notes.append(f"[^{k + 1}]: {s} https://example.com/notes/{slug}/{k + 1}")
    out.append("\n".join(notes))
    return "\n\n".join(out) + "\n"


def write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def generate(n_claims: int, out: str, seed: int = 1, clean: bool = True) -> dict:
    rng = random.Random(seed)
    content = os.path.join(out, "content")
    if clean:
        for sub in ("content", "seeds"):
            shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    for sub in ("claims", "actors", "topics", "pages"):
        os.makedirs(os.path.join(content, sub), exist_ok=True)
    os.makedirs(os.path.join(out, "seeds"), exist_ok=True)

    words = Words(random.Random(seed * 7919 + 17))
    n_actors = max(3, round(n_claims / 20))
    n_topics = max(3, round(n_claims / 50))
    n_seeds = min(10, max(3, n_claims // 200))
    actors = make_actors(rng, n_actors)
    topics = make_topics(rng, n_topics)

    # site.yaml
    write(os.path.join(content, "site.yaml"), "\n".join([
        f"title: {q('Bench Fact Check')}",
        f"base_url: {q('https://bench.example.org')}",
        f"description: {q(f'A synthetic fact-check site with {n_claims} claims, for benchmarks.')}",
        f"language: {q('en')}",
        "publisher:",
        f"  name: {q('Bench Fact Check Desk')}",
        f"  url: {q('https://bench.example.org/about/')}",
        "",
    ]))

    write(os.path.join(content, "pages", "about.md"), "\n".join([
        "---",
        f"title: {q('About us')}",
        "---",
        "",
        "We are a synthetic newsroom that exists to make build benchmarks honest.",
        "",
        "## How we work",
        "",
        paragraph(rng, words, 120)[0],
        "",
    ]))

    # Actors
    for a in actors:
        lines = ["---", f"name: {q(a['name'])}"]
        if a["aliases"]:
            lines.append("aliases:")
            lines += [f"  - {q(x)}" for x in a["aliases"]]
        lines += [
            f"role: {q(a['role'])}",
            f"description: {q(words.plain(rng))}",
            f"url: {q('https://example.com/people/' + a['slug'])}",
            "---",
            "",
            paragraph(rng, words, 60)[0],
            "",
        ]
        write(os.path.join(content, "actors", a["slug"] + ".md"), "\n".join(lines))

    # Topics
    for t in topics:
        write(os.path.join(content, "topics", t["slug"] + ".md"), "\n".join([
            "---",
            f"title: {q(t['title'])}",
            f"description: {q(words.plain(rng))}",
            "---",
            "",
            paragraph(rng, words, 50)[0],
            "",
        ]))

    # Seeds
    start = _dt.date(2020, 1, 1)
    span_days = (_dt.date(2025, 12, 31) - start).days
    seeds = []
    for i in range(n_seeds):
        sid = f"seed-{i + 1:03d}"
        d = start + _dt.timedelta(days=rng.randrange(span_days))
        pub = f"The {rng.choice(OUTLETS)} {rng.choice(OUTLET_NOUNS)}"
        seeds.append(sid)
        write(os.path.join(out, "seeds", sid + ".yaml"), "\n".join([
            f"headline: {q(words.plain(rng)[:-1])}",
            f"publisher: {q(pub)}",
            f"author: {q(rng.choice(FIRST_NAMES) + ' ' + rng.choice(LAST_NAMES))}",
            f"date: {q(day(d))}",
            "languages:",
            f"  - {q('en')}",
            f"url: {q(f'https://example.com/articles/{sid}')}",
            f"summary: {q(words.plain(rng))}",
            "",
        ]))

    # Claims: slugs first so that `related` can point anywhere.
    metas = []
    for i in range(n_claims):
        subj = rng.choice(SUBJECTS)
        move = rng.choice(MOVES)
        amt = f"by {rng.randint(2, 90)} percent" if move in ("rose", "fell", "dropped", "grew") else ""
        span = rng.choice(SPANS)
        actor = actors[skewed(rng, n_actors, 1.6)]
        claim = " ".join(x for x in (subj, move, amt, span) if x)
        assert len(claim) < 75, claim
        short = actor["name"].split(" (")[0]
        title = rng.choice(TITLE_FORMS).format(
            subj=subj, subj_l=subj.lower(), verb=BASE_VERB[move], moved=move,
            amt=amt, span=span, actor=short).replace("  ", " ")
        slug = f"{slugify(claim)[:48].rstrip('-')}-{i + 1}"
        metas.append((slug, title, claim, actor))

    cdir = os.path.join(content, "claims")
    for i, (slug, title, claim, actor) in enumerate(metas):
        published = start + _dt.timedelta(days=rng.randrange(span_days))
        claim_date = published - _dt.timedelta(days=rng.randrange(0, 60))
        verdict = rng.choices(VERDICTS, VERDICT_WEIGHTS)[0]
        nt = rng.randint(1, 3)
        tsl = []
        while len(tsl) < nt:
            t = topics[skewed(rng, n_topics, 1.8)]["slug"]
            if t not in tsl:
                tsl.append(t)
        nrel = rng.randint(0, 3) if n_claims > 1 else 0
        rel = []
        for _ in range(nrel):
            j = rng.randrange(n_claims)
            if j != i and metas[j][0] not in rel:
                rel.append(metas[j][0])
        summary = (f"{words.plain(rng)} We rate this claim "
                   f"{verdict.replace('-', ' ')}.")
        L = ["---", f"title: {q(title)}", f"claim: {q(claim)}",
             f"claimant: {q(actor['slug'])}", f"claim_date: {q(day(claim_date))}"]
        if rng.random() < 0.05 or i < len(seeds):  # every seed is used at least once
            L += ["source:", f"  seed: {q(seeds[i] if i < len(seeds) else rng.choice(seeds))}"]
        else:
            pub = f"The {rng.choice(OUTLETS)} {rng.choice(OUTLET_NOUNS)}"
            L += ["source:",
                  f"  publisher: {q(pub)}",
                  f"  title: {q(words.plain(rng)[:-1])}",
                  f"  url: {q(f'https://example.com/news/{claim_date.year}/{slug}')}",
                  f"  date: {q(day(claim_date))}"]
        L += [f"verdict: {q(verdict)}", f"summary: {q(summary)}", "topics:"]
        L += [f"  - {q(t)}" for t in tsl]
        if rel:
            L.append("related:")
            L += [f"  - {q(r)}" for r in rel]
        L.append(f"published: {day(published)}")
        L.append("evidence:")
        for k in range(rng.randint(1, 3)):
            L += [f"  - title: {q(words.plain(rng)[:-1])}",
                  f"    publisher: {q(rng.choice(ORG_KINDS) + ' ' + rng.choice(TOPIC_NOUN).capitalize())}",
                  f"    url: {q(f'https://example.com/evidence/{slug}/{k + 1}')}"]
        L += ["---", "", claim_body(rng, words, slug, rng.randint(1, 2))]
        write(os.path.join(cdir, slug + ".md"), "\n".join(L))

    info = {"generator_version": GENERATOR_VERSION, "claims": n_claims, "seed": seed,
            "actors": n_actors, "topics": n_topics, "seeds": n_seeds}
    write(os.path.join(out, "corpus.json"), json.dumps(info, indent=1) + "\n")
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, required=True, help="number of claims")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.claims < 1:
        ap.error("--claims must be >= 1")
    t0 = time.perf_counter()
    info = generate(args.claims, args.out, args.seed)
    print(f"generated {info['claims']} claims, {info['actors']} actors, {info['topics']} topics, "
          f"{info['seeds']} seeds in {args.out} ({time.perf_counter() - t0:.2f}s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
