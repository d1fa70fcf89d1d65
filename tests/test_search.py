"""The static search index: what it holds, how it is sharded, the /search/ page."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import claim_text, run_cli, soup, write_site

from site_builder import search


def load(out: Path, rel: str):
    return json.loads((out / "search" / rel).read_text(encoding="utf-8"))


def ids(gaps: list[int]) -> list[int]:
    result, total = [], 0
    for gap in gaps:
        total += gap
        result.append(total)
    return result


def lookup(out: Path, word: str) -> set[int]:
    """What search.js does for one word: every indexed token that starts with it."""
    meta = load(out, "meta.json")
    prefixes = [p for p in meta["prefixes"] if word.startswith(p) or p.startswith(word)]
    found: set[int] = set()
    for prefix in prefixes:
        for token, gaps in load(out, f"index/{search.shard_key(prefix)}.json").items():
            if token.startswith(word):
                found.update(ids(gaps))
    return found


def urls(out: Path, claim_ids: set[int]) -> set[str]:
    meta = load(out, "meta.json")
    return {load(out, f"docs/{i // meta['shard']}.json")[i % meta["shard"]][0]
            for i in claim_ids}


def test_tokens_fold_case_and_accents_and_drop_stop_words():
    assert search.tokens("The Café's NEW rules, in 2024!") == ["cafe", "new", "rules", "2024"]
    assert search.tokens("Мацегора заявил") == ["мацегора", "заявил"]


def test_shard_key_is_a_safe_file_name():
    assert search.shard_key("ma") == "ma"
    assert search.shard_key("мa") == "u43c-61"


def test_index_covers_title_claim_claimant_alias_summary_topic_and_verdict(built: Path):
    meta = load(built, "meta.json")
    assert meta["count"] == 2 and meta["shard"] == search.DOC_SHARD
    doubled, fell = {"/claims/jobs-doubled/"}, {"/claims/prices-fell/"}
    assert urls(built, lookup(built, "doubled")) == doubled      # claim text
    assert urls(built, lookup(built, "double")) == doubled       # title, as a prefix
    assert urls(built, lookup(built, "jane")) == doubled | fell  # claimant name
    assert urls(built, lookup(built, "doe")) == doubled | fell   # and alias "J. Doe"
    assert urls(built, lookup(built, "health")) == fell          # topic title
    assert urls(built, lookup(built, "mostly")) == fell          # verdict label
    assert urls(built, lookup(built, "so")) == doubled | fell    # summary "It was not so."


def test_docs_hold_what_a_result_shows(built: Path):
    meta = load(built, "meta.json")
    docs = load(built, "docs/0.json")
    by_url = {d[0]: d for d in docs}
    url, title, claimants, verdict, date = by_url["/claims/prices-fell/"]
    assert title == "Did prices fall?" and claimants == ["Jane Doe"] and date == "2024-04-01"
    assert meta["verdicts"][verdict][:3] == ["mostly-true", "Mostly true", "/verdicts/mostly-true/"]


def test_facets_list_claims_by_verdict_and_topic(built: Path):
    docs = load(built, "docs/0.json")
    false_ids = ids(load(built, "facets/v/false.json"))
    assert [docs[i][0] for i in false_ids] == ["/claims/jobs-doubled/"]
    health = ids(load(built, "facets/t/health.json"))
    assert [docs[i][0] for i in health] == ["/claims/prices-fell/"]


def test_drafts_are_not_indexed(tmp_path: Path):
    content = write_site(tmp_path, claims={
        "public-one": claim_text(title='"Public one"'),
        "secret-one": claim_text(title='"Secret draft"', draft="true"),
    })
    out = tmp_path / "out"
    result = run_cli("build", "--content", str(content), "--out", str(out), "--drafts")
    assert result.returncode == 0, result.stderr
    assert lookup(out, "secret") == set()
    assert load(out, "meta.json")["count"] == 1


def test_big_shards_are_split_by_a_longer_prefix():
    postings = {f"ab{n:04d}": list(range(0, 3000, 7)) for n in range(8)}
    postings["ab"] = [1]
    shards = search._split(postings, 2)
    assert "ab" in shards and json.loads(shards["ab"]) == {"ab": [1]}
    assert len(shards) > 2
    assert all(len(data) <= search.MAX_SHARD or len(json.loads(data)) == 1
               for data in shards.values())
    merged = {}
    for data in shards.values():
        merged.update(json.loads(data))
    assert merged == postings


def test_index_shards_stay_small_on_a_bigger_site(tmp_path: Path):
    claims = {f"claim-{n}": claim_text(title=f'"Claim number {n} about unemployment"',
                                       claim=f'"Statement {n} on wages and prices"',
                                       published=f"2024-01-{n % 28 + 1:02d}")
              for n in range(300)}
    content = write_site(tmp_path, claims=claims)
    out = tmp_path / "out"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(lookup(out, "unemployment")) == 300
    assert len(list((out / "search/docs").glob("*.json"))) == -(-300 // search.DOC_SHARD)
    first = load(out, "docs/0.json")
    assert [d[4] for d in first] == sorted((d[4] for d in first), reverse=True)


def test_search_page_works_without_javascript(built: Path):
    page = soup(built / "search/index.html")
    form = page.find("form", attrs={"data-search-form": True})
    assert form is not None and form.has_attr("hidden")
    hrefs = {a["href"] for a in page.find_all("a", href=True)}
    assert {"/topics/", "/actors/", "/verdicts/"} <= hrefs
    assert "JavaScript" in page.find(attrs={"data-search-nojs": True}).get_text()
    scripts = page.find_all("script", src=True)
    assert any("/static/search." in s["src"] and s.has_attr("defer") for s in scripts)
    assert not page.find_all("script", src=False, type=lambda t: t != "application/ld+json")
    assert not page.find_all(style=True)
    verdicts = [o["value"] for o in page.find("select", id="search-verdict").find_all("option")]
    assert verdicts == ["", "mostly-true", "false"]
    topics = [o["value"] for o in page.find("select", id="search-topic").find_all("option")]
    assert topics == ["", "economy", "health"]


def test_header_links_to_search(built: Path):
    nav = soup(built / "index.html").find("nav", attrs={"aria-label": "Main"})
    assert "/search/" in {a["href"] for a in nav.find_all("a")}


def test_claim_cards_carry_verdict_and_year_and_lists_have_a_hidden_filter(built: Path):
    for rel in ("index.html", "topics/economy/index.html", "actors/jane-doe/index.html"):
        page = soup(built / rel)
        cards = page.find_all("article", class_="card")
        assert cards and all(c["data-verdict"] and c["data-year"] == "2024" for c in cards)
        form = page.find("form", attrs={"data-list-filter": True})
        assert form is not None and form.has_attr("hidden"), rel
        assert any("/static/filters." in s["src"] for s in page.find_all("script", src=True))
