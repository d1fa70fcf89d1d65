"""End to end: build a small site and read the output as parsed HTML."""

from __future__ import annotations

import filecmp
import json
import re
from pathlib import Path

import pytest

from conftest import SITE_YAML, claim_text, run_cli, soup, write_site


def hrefs(page) -> set[str]:
    return {a["href"] for a in page.find_all("a", href=True)}


def test_every_contract_url_is_built(built: Path):
    for rel in ["index.html", "claims/index.html", "claims/jobs-doubled/index.html",
                "actors/index.html", "actors/jane-doe/index.html", "topics/index.html",
                "topics/economy/index.html", "verdicts/index.html", "verdicts/false/index.html",
                "sources/first-article/index.html", "about/index.html", "404.html",
                "feed.xml", "actors/jane-doe/feed.xml", "topics/economy/feed.xml",
                "claimreview.json", "sitemap.xml", "robots.txt"]:
        assert (built / rel).is_file(), rel


def test_every_internal_link_resolves_to_a_built_file(built: Path):
    for page_path in built.rglob("*.html"):
        for href in hrefs(soup(page_path)):
            if href.startswith(("http", "mailto:", "#")):
                continue
            assert href.startswith("/"), f"{page_path}: internal link not root-relative: {href}"
            target = built / href.split("#")[0].lstrip("/")
            assert target.is_file() or (target / "index.html").is_file(), (page_path, href)


def test_claim_page_shows_verdict_claimant_sources_and_topics(built: Path):
    page = soup(built / "claims/jobs-doubled/index.html")
    assert page.h1.get_text(strip=True) == "Did jobs double?"
    assert "Jobs doubled in a year" in page.find("blockquote").get_text()
    badge = page.find("a", href="/verdicts/false/")
    assert badge is not None and "False" in badge.get_text()
    links = hrefs(page)
    assert {"/actors/jane-doe/", "/topics/economy/", "https://news.example.com/story"} <= links
    assert page.find("section", class_="footnotes") is not None


def test_claim_page_names_its_fact_checker_and_editor(tmp_path: Path):
    """IFCN asks who checked and who reviewed a check: `author` and `editor`
    show in the who/where/when list, and `editor` is a known field."""
    content = write_site(tmp_path, claims={
        "x": claim_text(author='"Sam Checker"', editor='"Alex Editor"'),
        "y": claim_text()})
    out = tmp_path / "out"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0 and "warning" not in result.stdout, result.stdout
    facts = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
             for dt in soup(out / "claims/x/index.html").select("dl dt")}
    assert facts["Fact-checked by"] == "Sam Checker" and facts["Edited by"] == "Alex Editor"
    other = {dt.get_text(strip=True) for dt in soup(out / "claims/y/index.html").select("dl dt")}
    assert "Edited by" not in other and "Fact-checked by" not in other


def test_sources_list_says_what_kind_of_source_each_is(tmp_path: Path):
    """IFCN: readers weigh evidence by its kind; `kind` is shown after the entry."""
    evidence = ("\n  - title: Labour statistics\n    kind: primary"
                "\n  - title: A report on it\n    kind: secondary"
                "\n  - title: An official\n    kind: anonymous\n    note: Not named."
                "\n  - title: Unsaid")
    content = write_site(tmp_path, claims={"x": claim_text(evidence=evidence), "y": claim_text()})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    items = soup(out / "claims/x/index.html").select("ol.sources > li")
    kinds = [(li.cite.get_text(strip=True), [k.get_text() for k in li.select(".sources__kind")])
             for li in items]
    assert kinds == [("Labour statistics", ["Primary source"]),
                     ("A report on it", ["Secondary source"]),
                     ("An official", ["Anonymous source"]), ("Unsaid", [])]


def test_claimant_found_by_alias_and_seed_source_linked(built: Path):
    page = soup(built / "claims/prices-fell/index.html")
    assert "/actors/jane-doe/" in hrefs(page)
    assert "/sources/first-article/" in hrefs(page)
    source = soup(built / "sources/first-article/index.html")
    assert "/claims/prices-fell/" in hrefs(source)


def test_related_links_go_both_ways(built: Path):
    assert "/claims/prices-fell/" in hrefs(soup(built / "claims/jobs-doubled/index.html"))
    assert "/claims/jobs-doubled/" in hrefs(soup(built / "claims/prices-fell/index.html"))


def test_every_claim_is_on_its_actor_topic_and_verdict_pages(built: Path):
    for slug, verdict, topics in [("jobs-doubled", "false", ["economy"]),
                                  ("prices-fell", "mostly-true", ["economy", "health"])]:
        url = f"/claims/{slug}/"
        assert url in hrefs(soup(built / "actors/jane-doe/index.html"))
        assert url in hrefs(soup(built / f"verdicts/{verdict}/index.html"))
        for topic in topics:
            assert url in hrefs(soup(built / f"topics/{topic}/index.html"))
    assert "/claims/jobs-doubled/" not in hrefs(soup(built / "verdicts/true/index.html"))


def test_actor_page_has_breakdown_and_sample_note(built: Path):
    page = soup(built / "actors/jane-doe/index.html")
    text = page.get_text(" ", strip=True)
    assert "representative" in text
    assert page.find("svg") is not None or page.find("table") is not None
    assert page.find("script", src=False, type=lambda t: t != "application/ld+json") is None


def test_home_lists_latest_and_verdict_legend(built: Path):
    page = soup(built / "index.html")
    links = hrefs(page)
    assert {"/claims/jobs-doubled/", "/claims/prices-fell/"} <= links
    for key in ["true", "mostly-true", "half-true", "misleading", "mostly-false", "false",
                "unproven"]:
        assert f"/verdicts/{key}/" in links
    first = [a["href"] for a in page.find_all("a", href=True) if a["href"].startswith("/claims/")
             and a["href"] != "/claims/"]
    assert first.index("/claims/prices-fell/") < first.index("/claims/jobs-doubled/")


def test_footer_links_every_standalone_page(built: Path):
    for page_path in [built / "index.html", built / "claims/jobs-doubled/index.html"]:
        footer = soup(page_path).find("footer")
        assert {"/about/", "/corrections/"} <= hrefs(footer)


def test_drafts_are_left_out_unless_asked(tmp_path: Path):
    content = write_site(tmp_path, claims={
        "public-one": claim_text(),
        "secret-one": claim_text(title='"Draft"', draft="true"),
    })
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert not (out / "claims/secret-one").exists()
    assert "/claims/secret-one/" not in (out / "sitemap.xml").read_text()
    assert "secret-one" not in (out / "claimreview.json").read_text()
    assert "/claims/secret-one/" not in hrefs(soup(out / "actors/jane-doe/index.html"))
    assert run_cli("build", "--content", str(content), "--out", str(out),
                   "--drafts").returncode == 0
    assert (out / "claims/secret-one/index.html").is_file()


def test_draft_pages_are_left_out_unless_asked(tmp_path: Path):
    content = write_site(tmp_path, extra={
        "content/pages/plans.md": "---\ntitle: Our plans\ndraft: true\n---\nNot yet.\n"})
    out = tmp_path / "public"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0 and "draft" not in result.stderr, result.stderr
    assert not (out / "plans").exists()
    assert "/plans/" not in (out / "sitemap.xml").read_text()
    assert "/plans/" not in hrefs(soup(out / "index.html"))
    assert run_cli("build", "--content", str(content), "--out", str(out),
                   "--drafts").returncode == 0
    page = soup(out / "plans/index.html")
    assert page.select_one(".draft-flag").get_text(strip=True) == "Draft: not published"
    (content / "pages/about.md").write_text("---\ntitle: About\ndraft: true\n---\nSoon.\n")
    refused = run_cli("build", "--content", str(content), "--out", str(out))
    assert refused.returncode == 1 and "policy page 'about' (about) is a draft" in refused.stderr
    # reported where site.yaml names the page, the line the editor has to change
    named_at = (content / "site.yaml").read_text().splitlines().index("  about: about") + 1
    assert any(line.startswith(f"content/site.yaml:{named_at}:") and "is a draft" in line
               for line in refused.stderr.splitlines()), refused.stderr


def _listed_site(tmp_path: Path, count: int, page_size: int) -> Path:
    """A site of ``count`` claims on one topic with lists of ``page_size``, built; its output."""
    claims = {f"claim-{i:03d}": claim_text(published=f"2024-01-{i % 28 + 1:02d}")
              for i in range(count)}
    content = write_site(tmp_path, claims=claims)
    (content / "site.yaml").write_text((content / "site.yaml").read_text() +
                                       f"page_size: {page_size}\n")
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    return out


def test_a_very_long_list_links_first_last_and_nearby_pages_only(tmp_path: Path):
    """2,000 list pages must not each carry 2,000 page links: the pager shows
    the first and last pages and two either side, and every page stays reachable."""
    out = _listed_site(tmp_path, 40, 2)

    def pager(number: int) -> list[str]:
        page = out / "claims" / ("" if number == 1 else f"page/{number}") / "index.html"
        return [item.get_text(" ", strip=True)
                for item in soup(page).select("nav.pagination li")]

    assert pager(10) == ["Previous page", "Page 1", "…", "Page 8", "Page 9", "Page 10",
                         "Page 11", "Page 12", "…", "Page 20", "Next page"]
    assert pager(1) == ["Page 1", "Page 2", "Page 3", "…", "Page 20", "Next page"]
    # a screen reader hears the pages, not the gaps between them
    gaps = soup(out / "claims/page/10/index.html").select("nav.pagination li:not(:has(a))")
    assert len(gaps) == 2 and all(gap.get("aria-hidden") == "true" for gap in gaps)
    assert pager(4)[:6] == ["Previous page", "Page 1", "Page 2", "Page 3", "Page 4", "Page 5"]
    # every page can be reached from the first one by following the links shown
    seen, todo = set(), [1]
    while todo:
        number = todo.pop()
        seen.add(number)
        todo += [int(t.split()[-1]) for t in pager(number)
                 if t.startswith("Page ") and int(t.split()[-1]) not in seen]
    assert seen == set(range(1, 21))


def test_same_content_gives_byte_identical_output(tmp_path: Path):
    content = write_site(tmp_path)
    for name in ("a", "b"):
        result = run_cli("build", "--content", str(content), "--out", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
    left, right = tmp_path / "a", tmp_path / "b"
    files = sorted(p.relative_to(left) for p in left.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(right) for p in right.rglob("*") if p.is_file())
    _, mismatch, errors = filecmp.cmpfiles(left, right, [str(f) for f in files], shallow=False)
    assert not mismatch and not errors


def test_long_lists_paginate(tmp_path: Path):
    out = _listed_site(tmp_path, 120, 50)
    first = soup(out / "topics/economy/index.html")
    assert len([a for a in hrefs(first) if a.startswith("/claims/claim-")]) == 50
    assert "/topics/economy/page/2/" in hrefs(first)
    third = soup(out / "topics/economy/page/3/index.html")
    assert len([a for a in hrefs(third) if a.startswith("/claims/claim-")]) == 20
    assert third.find("link", rel="prev")["href"] == "/topics/economy/page/2/"
    # a list split into pages offers the search page's filters, not a filter of one page
    for page in (first, third):
        assert page.select_one("form[data-list-filter]") is None
        link = page.select_one(".list-filter-more a")
        assert link["href"] == "/search/?topic=economy" and "all 120 fact-checks" in link.text
    actor = soup(out / "actors/jane-doe/index.html")
    assert actor.select_one(".list-filter-more a")["href"] == "/search/?q=Jane%20Doe"
    single = soup(out / "topics/health/index.html")  # no claims: nothing to filter
    assert single.select_one(".list-filter-more") is None


def test_internal_links_are_root_relative_and_base_url_only_where_absolute(built: Path):
    page = soup(built / "claims/jobs-doubled/index.html")
    for a in page.find_all("a", href=True):
        assert not a["href"].startswith("https://checks.example.org"), a["href"]
    assert page.find("link", rel="canonical")["href"] == \
        "https://checks.example.org/claims/jobs-doubled/"
    data = json.loads(page.find("script", type="application/ld+json").string)
    assert data["url"] == "https://checks.example.org/claims/jobs-doubled/"


def test_summary_line_reports_pages_and_time(tmp_path: Path):
    content = write_site(tmp_path)
    result = run_cli("build", "--content", str(content), "--out", str(tmp_path / "out"))
    last = result.stdout.strip().splitlines()[-1]
    import re

    assert re.match(r"Built \d+ files into .* in \d+\.\d\d s: \d+ rendered", last), last


def test_cached_incremental_builds_match_a_clean_build_after_random_edits(tmp_path: Path):
    """Whatever the cache reuses, the output equals a build without any cache."""
    import random

    rng = random.Random(7)
    claims = {f"c{i}": claim_text(title=f'"Claim {i}"', related=f"[c{(i + 1) % 8}]",
                                  claimant=rng.choice(["jane-doe", "acme-corp"]),
                                  published=f"2024-0{1 + i % 8}-01") for i in range(8)}
    claims["c6"] = claim_text(title='"Claim 6"', evidence="\n  - seed: first-article")
    content = write_site(tmp_path, claims=claims)
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "page_size: 3\n")  # lists paginate
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    edits = [
        lambda: (content / "claims/c1.md").write_text(claim_text(title='"Renamed"',
                                                                 verdict="true")),
        lambda: ((content / "claims/c2.md").unlink(),  # and the claim that linked to it
                 (content / "claims/c1.md").write_text(claim_text(title='"No link"'))),
        lambda: (content / "claims/c9.md").write_text(claim_text(claimant="acme-corp",
                                                                 topics="[health]")),
        lambda: (content / "actors/acme-corp.md").write_text(
            "---\nname: Acme Incorporated\n---\nNew profile.\n"),
        lambda: (content / "topics/health.md").write_text("---\ntitle: Public health\n---\n"),
        lambda: (content / "claims/c3.md").write_text(claim_text(related="[c4, c5]",
                                                                 published="2025-01-01")),
        lambda: (content / "pages/about.md").write_text("---\ntitle: About the desk\n---\nHi\n"),
        lambda: (content / "site.yaml").write_text((content / "site.yaml").read_text().replace(
            "title: Test Checks", "title: Renamed Desk") + "allow_html: true\n"),
        lambda: (content.parent / "seeds/first-article.yaml").write_text("headline: New one\n"),
        # text-only edits: only the object's own page shows a body
        lambda: (content / "claims/c4.md").write_text(
            (content / "claims/c4.md").read_text() + "\nA new paragraph.\n"),
        lambda: (content / "actors/jane-doe.md").write_text(
            (content / "actors/jane-doe.md").read_text() + "\nMore about her.\n"),
    ]
    rng.shuffle(edits)
    for edit in edits:
        edit()
        result = run_cli("build", "--content", str(content), "--out", str(out))
        assert result.returncode == 0, result.stderr
        clean = tmp_path / "clean"
        assert run_cli("build", "--content", str(content), "--out", str(clean),
                       "--no-cache").returncode == 0
        got = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
        want = {p.relative_to(clean): p.read_bytes() for p in clean.rglob("*") if p.is_file()}
        assert got.keys() == want.keys()
        assert [k for k in got if got[k] != want[k]] == []
        import shutil

        shutil.rmtree(clean)


def test_a_no_cache_build_into_the_folder_is_not_mistaken_for_the_cached_one(tmp_path: Path):
    """The cache knows the pages its last build wrote; a --no-cache build writing other
    pages there since must not leave them in place when the content goes back."""
    content = write_site(tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    claim = content / "claims/jobs-doubled.md"
    original = claim.read_text()
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    claim.write_text(original.replace("title: ", 'title: "Version B" #', 1))
    assert run_cli("build", "--content", str(content), "--out", str(out),
                   "--no-cache").returncode == 0
    claim.write_text(original)
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert run_cli("build", "--content", str(content), "--out", str(clean),
                   "--no-cache").returncode == 0
    got = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    want = {p.relative_to(clean): p.read_bytes() for p in clean.rglob("*") if p.is_file()}
    assert got.keys() == want.keys()
    assert [str(k) for k in got if got[k] != want[k]] == []


def test_a_rebuild_parses_only_the_files_that_changed(tmp_path: Path):
    """The others come from the cache, found by their stamps without being read."""
    from site_builder.build import build
    from site_builder.load import Sources

    content = write_site(tmp_path, claims={f"c{i}": claim_text() for i in range(30)})
    out = tmp_path / "public"
    assert build(Sources.at(content), out).parsed > 30
    (content / "claims/c5.md").write_text(claim_text(title='"Changed"'))
    result = build(Sources.at(content), out)
    assert result.ok and not result.quick and result.parsed == 1, result.parsed


def test_unchanged_rebuild_is_skipped_and_one_edit_rerenders_little(tmp_path: Path):
    content = write_site(tmp_path, claims={f"c{i}": claim_text() for i in range(30)})
    out = tmp_path / "public"
    run_cli("build", "--content", str(content), "--out", str(out))
    again = run_cli("build", "--content", str(content), "--out", str(out))
    assert "Nothing changed" in again.stdout
    (content / "claims/c5.md").write_text(claim_text(title='"Changed"'))
    edited = run_cli("build", "--content", str(content), "--out", str(out))
    rendered = int(edited.stdout.split(": ", 1)[1].split(" rendered")[0])
    reused = int(edited.stdout.split("rendered, ")[1].split(" reused")[0])
    assert reused > rendered, edited.stdout
    from conftest import soup

    assert soup(out / "claims/c5/index.html").h1.get_text(strip=True) == "Changed"


def test_text_edit_rerenders_only_its_own_page(tmp_path: Path):
    """Lists, feeds and cards show front matter only: a new paragraph touches one page."""
    content = write_site(tmp_path, claims={f"c{i}": claim_text() for i in range(30)})
    out = tmp_path / "public"
    run_cli("build", "--content", str(content), "--out", str(out))
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    claim = content / "claims/c5.md"
    claim.write_text(claim.read_text() + "\nA paragraph added after review.\n")
    edited = run_cli("build", "--content", str(content), "--out", str(out))
    assert ": 1 rendered," in edited.stdout, edited.stdout
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    changed = {str(p.relative_to(out)) for p in after if before.get(p) != after[p]}
    assert changed - {".site-builder-manifest.json"} == {"claims/c5/index.html"}, changed
    texts = [p.get_text() for p in soup(out / "claims/c5/index.html").select(".prose p")]
    assert "A paragraph added after review." in texts


def test_files_read_in_worker_processes_give_the_same_site_and_report(tmp_path: Path,
                                                                      monkeypatch):
    """Big sites parse, validate and render in forked workers: same pages, same problems."""
    from site_builder import build as pipeline, prepare
    from site_builder.load import Sources

    claims = {f"c{i}": claim_text(title=f'"Claim {i}"', related=f"[c{(i + 1) % 12}]")
              for i in range(12)}
    claims["broken-verdict"] = claim_text(verdict="flase")
    claims["broken-yaml"] = "---\ntitle: [unclosed\n---\nText\n"
    content = write_site(tmp_path, claims=claims)
    serial = pipeline.check(Sources.at(content))
    monkeypatch.setattr(prepare, "PARALLEL_ABOVE", 1)
    parallel = pipeline.check(Sources.at(content))
    assert serial.problems.items and parallel.problems.items == serial.problems.items
    (content / "claims/broken-verdict.md").unlink()
    (content / "claims/broken-yaml.md").unlink()
    for name, limit in (("serial", 10**6), ("parallel", 1)):
        monkeypatch.setattr(prepare, "PARALLEL_ABOVE", limit)
        monkeypatch.setattr(pipeline, "RENDER_PARALLEL_ABOVE", limit)
        assert pipeline.build(Sources.at(content), tmp_path / name, use_cache=False).ok
    want = {p.relative_to(tmp_path / "serial"): p.read_bytes()
            for p in (tmp_path / "serial").rglob("*") if p.is_file()}
    got = {p.relative_to(tmp_path / "parallel"): p.read_bytes()
           for p in (tmp_path / "parallel").rglob("*") if p.is_file()}
    assert got == want


def test_progress_names_the_stage_and_counts_on_a_terminal_only(tmp_path: Path, monkeypatch):
    """A long build shows what it is doing and how far it got; pipes stay clean."""
    import io
    import time

    from site_builder import build as pipeline, cli, prepare
    from site_builder.load import Sources

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert cli._progress(time.perf_counter() - 5, io.StringIO()) is None  # not a terminal
    screen = Terminal()
    quiet = cli._progress(time.perf_counter(), screen)
    quiet("Rendering pages", 0, 0)
    assert screen.getvalue() == ""  # the first second of a build shows nothing
    seen: list[tuple[str, int, int]] = []
    show = cli._progress(time.perf_counter() - 5, screen)
    monkeypatch.setattr(pipeline, "PROGRESS", lambda *a: (seen.append(a), show(*a)))
    monkeypatch.setattr(prepare, "PARALLEL_ABOVE", 1)
    monkeypatch.setattr(pipeline, "RENDER_PARALLEL_ABOVE", 1)
    content = write_site(tmp_path, claims={f"c{i}": claim_text() for i in range(220)})
    assert pipeline.build(Sources.at(content), tmp_path / "public", use_cache=False).ok
    files = [(d, t) for s, d, t in seen if s == "Reading and checking files" and t]
    pages = [(d, t) for s, d, t in seen if s == "Rendering pages" and t]
    assert files and files == sorted(files) and files[-1][1] >= 220
    assert pages and pages == sorted(pages) and pages[-1][0] == pages[-1][1]
    lines = [line.removeprefix("\033[K") for line in screen.getvalue().split("\r")]
    assert "Reading and checking files..." in lines
    assert any(re.fullmatch(r"Rendering pages\.\.\. [\d,]+ of [\d,]+", line) for line in lines)


def _built_with_template(tmp_path: Path, claims: dict[str, str], name: str,
                         extra: str) -> tuple[Path, Path]:
    """A site whose own ``name`` template adds ``extra`` to the default's content, built once."""
    content = write_site(tmp_path, claims=claims)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / name).write_text(
        f'{{% extends "default/{name}" %}}{{% block content %}}{{{{ super() }}}}{extra}'
        '{% endblock %}')
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    return content, out


def test_a_theme_that_lists_claim_texts_sees_text_edits_on_its_lists(tmp_path: Path):
    """Lists skip text-only edits only while no template shows bodies outside their page."""
    content, out = _built_with_template(
        tmp_path, {f"c{i}": claim_text() for i in range(4)}, "topic.html",
        '{% for c in claims %}<div class="full">{{ c.body_html|safe }}</div>{% endfor %}')
    claim = content / "claims/c2.md"
    claim.write_text(claim.read_text() + "\nA late correction to the text.\n")
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    texts = [div.get_text() for div in soup(out / "topics/economy/index.html").select(".full")]
    assert any("A late correction to the text." in text for text in texts)


def test_a_site_claim_page_listing_every_claim_by_the_claimant_stays_current(tmp_path: Path):
    """The default claim page shows five other claims; a site's own may show them all."""
    claims = {f"c{i}": claim_text(title=f'"Claim {i}"', published=f"2024-01-{10 + i}")
              for i in range(9)}
    content, out = _built_with_template(
        tmp_path, claims, "claim.html",
        '<ul class="all">{% for c in claim.claimants[0].claims %}<li>{{ c.title }}</li>'
        '{% endfor %}</ul>')
    (content / "claims/c0.md").write_text(claim_text(title='"Oldest, renamed"',
                                                     published="2024-01-10"))
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    titles = [li.get_text() for li in soup(out / "claims/c8/index.html").select(".all li")]
    assert "Oldest, renamed" in titles and "Claim 0" not in titles


def test_a_changed_template_is_used_by_the_next_build(tmp_path: Path):
    """Compiled templates are kept between builds, but never outlive their source."""
    content, out = _built_with_template(tmp_path, {"c1": claim_text()}, "claim.html",
                                        '<p class="note">First wording</p>')
    assert any((content.parent / ".site-builder-cache" / "templates").iterdir())
    template = tmp_path / "templates" / "claim.html"
    template.write_text(template.read_text().replace("First wording", "Second wording"))
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert soup(out / "claims/c1/index.html").select_one(".note").get_text() == "Second wording"


@pytest.mark.parametrize("mistake, message", [
    ("{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
    ("{{ foo( }}", "unexpected '}'"),
])
def test_a_template_mistake_is_reported_at_its_line_as_the_project_names_it(
        tmp_path: Path, mistake: str, message: str):
    """The same `templates/claim.html:N:` form content problems take, not an
    absolute path, in build as in the preview; the site is left as it was."""
    content, out = _built_with_template(tmp_path, {"c1": claim_text()}, "claim.html", "")
    before = (out / "claims/c1/index.html").read_bytes()
    (tmp_path / "templates" / "claim.html").write_text(
        '{% extends "default/claim.html" %}\n{% block content %}\n' + mistake +
        "\n{% endblock %}\n")
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith("templates/claim.html:3:"), result.stderr
    assert message in errors[0]
    assert (out / "claims/c1/index.html").read_bytes() == before


def test_a_template_that_is_not_utf8_is_named_at_its_line(tmp_path: Path):
    """Jinja2 cannot say which file it failed to decode; check and build do."""
    content, out = _built_with_template(tmp_path, {"c1": claim_text()}, "claim.html", "")
    (tmp_path / "templates" / "claim.html").write_bytes(
        b'{% extends "default/claim.html" %}\n{# caf\xe9, saved as Latin-1 #}\n')
    for command in (["check"], ["build", "--out", str(out)]):
        result = run_cli(*command, "--content", str(content))
        assert result.returncode == 1
        errors = [line for line in (result.stdout + result.stderr).splitlines()
                  if ": error: " in line]
        assert errors == ["templates/claim.html:2:1: error: the template is not UTF-8 text"], \
            result.stdout + result.stderr


def test_a_template_that_is_not_utf8_is_reported_at_its_file_and_line(tmp_path: Path):
    """The same as the preview reports it (the template loader names the file)."""
    content, out = _built_with_template(tmp_path, {"c1": claim_text()}, "claim.html", "")
    (tmp_path / "templates" / "claim.html").write_bytes(
        b'{% extends "default/claim.html" %}\n{% block content %}\n<p>caf\xe9</p>\n'
        b"{% endblock %}\n")
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith("templates/claim.html:3:"), result.stderr
    assert "not UTF-8" in errors[0]


def test_the_404_page_claims_no_address_of_its_own(built: Path):
    page = soup(built / "404.html")
    assert page.find("link", rel="canonical") is None
    assert page.find("meta", property="og:url") is None
    assert soup(built / "index.html").find("link", rel="canonical")["href"] == \
        "https://checks.example.org/"


def test_the_home_page_count_follows_claims_added_and_removed(tmp_path: Path):
    content = write_site(tmp_path, claims={f"c{i:02d}": claim_text() for i in range(14)})
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    (content / "claims" / "c99.md").write_text(claim_text(published="2020-01-01"))
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert soup(out / "index.html").select_one(".more a").get_text() == "All 15 fact-checks"
    (content / "claims" / "c99.md").unlink()
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert soup(out / "index.html").select_one(".more a").get_text() == "All 14 fact-checks"


def _site_files(out: Path, under: str = "") -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in (out / under).rglob("*")
            if p.is_file()}


def test_feed_and_search_index_follow_front_matter_edits_like_a_clean_build(tmp_path: Path):
    """claimreview.json and the search index reuse what each claim made last time:
    after every edit to what they show they are the bytes a build from scratch gives."""
    claims = {f"c{i}": claim_text(title=f'"Claim {i}"', summary=f'"Summary {i}."',
                                  claimant="acme-corp" if i % 2 else "jane-doe",
                                  published=f"2024-0{1 + i % 8}-01",
                                  **({"source": "\n  seed: first-article"} if i == 3 else {}))
              for i in range(8)}
    scale = "".join(f"  - {{key: {key}, label: {label}, rating: {rating}}}\n" for key, label, rating
                    in (("true", "True", 3), ("mostly-true", "Mostly true", 2),
                        ("false", "False", 1)))
    content = write_site(tmp_path, claims=claims,
                         extra={"content/site.yaml": SITE_YAML + "verdicts:\n" + scale})
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0

    def edit_claim(slug: str, **fields: object) -> None:
        path = content / "claims" / f"{slug}.md"
        text = path.read_text()
        for key, value in fields.items():
            text = re.sub(rf"^{key}: .*$", f"{key}: {value}", text, count=1, flags=re.M)
        path.write_text(text)

    edits = [
        lambda: edit_claim("c1", summary='"A new summary with kangaroos."'),
        lambda: edit_claim("c2", verdict="true"),
        lambda: edit_claim("c5", title='"Retitled claim about wombats"'),
        lambda: edit_claim("c6", published="2023-12-01"),  # moves in the site's order
        lambda: (content / "actors/acme-corp.md").write_text(
            "---\nname: Acme Incorporated\naliases: [Acme Inc]\n---\nNew profile.\n"),
        lambda: (content / "topics/economy.md").write_text("---\ntitle: Economics\n---\n"),
        lambda: (content.parent / "seeds/first-article.yaml").write_text(
            "headline: A renamed article\npublisher: Daily Example\n"),
        lambda: (content / "site.yaml").write_text((content / "site.yaml").read_text().replace(
            "name: Test Desk", "name: Renamed Desk")),
        lambda: (content / "site.yaml").write_text((content / "site.yaml").read_text().replace(
            "label: False", "label: Wrong")),
        lambda: (content / "claims/c4.md").rename(content / "claims/c4-moved.md"),
        lambda: (content / "claims/c7.md").unlink(),
    ]
    for number, edit in enumerate(edits):
        edit()
        result = run_cli("build", "--content", str(content), "--out", str(out))
        assert result.returncode == 0, result.stderr
        clean = tmp_path / f"clean{number}"
        assert run_cli("build", "--content", str(content), "--out", str(clean),
                       "--no-cache").returncode == 0
        assert (out / "claimreview.json").read_bytes() == \
            (clean / "claimreview.json").read_bytes(), f"edit {number}"
        assert _site_files(out, "search") == _site_files(clean, "search"), f"edit {number}"


def _damage_pages(cache: Path) -> None:
    """pages.pickle of the right version whose maps are the wrong types."""
    import pickle

    path = cache / "pages.pickle"
    version = pickle.loads(path.read_bytes())["version"]
    path.write_bytes(pickle.dumps({"version": version, "pages": [], "seen": 5,
                                   "spliced": {"x": 1}}))


@pytest.mark.parametrize("damage", [
    lambda c: (c / "state.json").write_text("[]"),
    lambda c: (c / "state.json").write_text("null"),
    lambda c: (c / "state.json").write_text(json.dumps(
        {**json.loads((c / "state.json").read_text()), "inputs": 3})),
    _damage_pages,
    lambda c: (c / "items.pickle").write_bytes(b"\x80\x05garbage"),
    lambda c: (c / "search.pickle").write_bytes(b""),
], ids=["state list", "state null", "state field", "pages types", "items", "search"])
def test_a_damaged_build_cache_is_ignored_and_the_site_is_right(tmp_path: Path, damage):
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    claim = content / "claims" / "jobs-doubled.md"
    claim.write_text(claim.read_text().replace("Did jobs double?", "Did jobs triple?"))
    damage(tmp_path / ".site-builder-cache")
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    clean = tmp_path / "clean"
    assert run_cli("build", "--content", str(content), "--out", str(clean),
                   "--no-cache").returncode == 0
    def tree(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
                if p.is_file() and p.name != ".site-builder-manifest.json"}
    assert tree(out) == tree(clean)
    assert soup(out / "claims" / "jobs-doubled" / "index.html").h1.get_text(
        " ", strip=True).endswith("triple?")


@pytest.mark.parametrize("epoch", ["99999999999999999", "yesterday", "-1", "1_700_000_000",
                                   "\uff11\uff17\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff10"])
def test_an_unusable_source_date_epoch_is_an_error_not_a_traceback(tmp_path: Path,
                                                                   monkeypatch, epoch):
    content = write_site(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    for command in ("build", "check"):
        result = run_cli(command, "--content", str(content))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert f"SOURCE_DATE_EPOCH is set to '{epoch}'" in result.stderr
    assert not (tmp_path / "public").exists()
