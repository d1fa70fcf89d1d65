"""Publishing: ClaimReview JSON-LD, data feed, Atom feeds, sitemap, redirects, CSP, Netlify."""

from __future__ import annotations

import json
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import REPO, SITE_YAML, claim_text, run_cli, soup, write_site
from site_builder.build import check
from site_builder.load import Sources

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def jsonld(page) -> list[dict]:
    return [json.loads(s.string) for s in page.find_all("script", type="application/ld+json")]


def shipped_claims() -> list[str]:
    return sorted(p.stem for p in (REPO / "content" / "claims").glob("*.md"))


def test_every_shipped_claim_has_exact_claimreview(shipped: Path):
    base = "https://factcheck.example.org"
    for slug in shipped_claims():
        page = soup(shipped / "claims" / slug / "index.html")
        data = jsonld(page)
        assert len(data) == 1, slug  # one ClaimReview per page
        review = data[0]
        assert review["@type"] == "ClaimReview"
        assert review["url"] == page.find("link", rel="canonical")["href"] == \
            f"{base}/claims/{slug}/"
        assert 0 < len(review["claimReviewed"]) <= 75
        assert review["claimReviewed"] in page.find("blockquote").get_text()
        assert review["datePublished"] == "2026-11-22"
        assert review["author"]["@type"] == "Organization"
        assert review["author"]["name"] == "Frontline Fact Check"
        assert review["author"]["url"].startswith("https://")
        rating = review["reviewRating"]
        badge = page.select_one(".ruling a[href^='/verdicts/']")
        assert rating["alternateName"] in badge.get_text()  # markup matches what readers see
        if badge["href"] == "/verdicts/unproven/":
            assert "ratingValue" not in rating and "bestRating" not in rating
        else:
            assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        item = review["itemReviewed"]
        assert item["@type"] == "Claim"
        authors = item["author"] if isinstance(item["author"], list) else [item["author"]]
        assert all(a["@type"] in ("Person", "Organization") and a["name"] for a in authors)
        assert all(w["@type"] == "CreativeWork" for w in item.get("appearance", []))


def test_claim_appearance_is_known_by_its_archived_copy(tmp_path: Path):
    """A source known only by its archived copy (the post was deleted) still
    gives ClaimReview's Claim an appearance with an address."""
    gone = "\n  publisher: Social Site\n  archive_url: https://archive.example.org/post"
    both = ("\n  publisher: Example News\n  url: https://news.example.com/story"
            "\n  archive_url: https://archive.example.org/story")
    content = write_site(tmp_path, claims={"x": claim_text(source=gone),
                                           "y": claim_text(source=both)})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    for slug, url in (("x", "https://archive.example.org/post"),
                      ("y", "https://news.example.com/story")):
        item = jsonld(soup(out / "claims" / slug / "index.html"))[0]["itemReviewed"]
        assert [w["url"] for w in item["appearance"]] == [url]
        assert item["firstAppearance"]["url"] == url


def test_first_appearance_is_the_earliest_dated_source(tmp_path: Path):
    """Editors list a claim's sources in any order; ClaimReview's
    firstAppearance is the earliest when every one is dated, else the first
    listed (an undated one could be the earliest)."""
    def entry(name: str, date: str = "") -> str:
        return (f"\n  - publisher: {name}\n    url: https://{name.lower()}.example.com/p"
                + (f"\n    date: {date}" if date else ""))
    content = write_site(tmp_path, claims={
        "dated": claim_text(source=entry("Later", "2024-03-05") + entry("Earlier", '"2024-02"')
                            + entry("Same", '"2024-02"')),
        "undated": claim_text(source=entry("Listed", "2024-03-05") + entry("Nodate"))})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    for slug, first in (("dated", "earlier"), ("undated", "listed")):
        item = jsonld(soup(out / "claims" / slug / "index.html"))[0]["itemReviewed"]
        assert item["firstAppearance"]["url"] == f"https://{first}.example.com/p"
        assert len(item["appearance"]) == (3 if slug == "dated" else 2)


def test_the_page_says_the_claim_was_reported_by_the_date_its_json_ld_gives(tmp_path: Path):
    """No claim_date: the page's "reported by" is the earliest source's date, the
    one ClaimReview's firstAppearance carries (Google asks the two to agree)."""
    sources = ("\n  - publisher: Later\n    url: https://later.example.com/p\n    date: 2024-10-05"
               "\n  - publisher: Earlier\n    url: https://earlier.example.com/p"
               "\n    date: 2024-01-10")
    content = write_site(tmp_path, claims={"x": claim_text(source=sources)})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    page = soup(out / "claims/x/index.html")
    first = jsonld(page)[0]["itemReviewed"]["firstAppearance"]["datePublished"]
    when = page.find("dt", string="When").find_next_sibling("dd")
    assert "reported by" in when.get_text() and when.find("time")["datetime"] == first \
        == "2024-01-10"


def test_a_source_address_is_written_as_a_valid_uri(tmp_path: Path):
    """Characters RFC 3986 allows nowhere (a browser escapes them) are %-escaped
    in the page, the JSON-LD and the data feed; a backslash is a '/', as to a browser."""
    source = '\n  publisher: Example News\n  url: \'https://news.example.com/a<b>"c{d}|e^`\\f\''
    content = write_site(tmp_path, claims={"x": claim_text(source=source)})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    expected = "https://news.example.com/a%3Cb%3E%22c%7Bd%7D%7Ce%5E%60/f"
    page = soup(out / "claims/x/index.html")
    assert jsonld(page)[0]["itemReviewed"]["firstAppearance"]["url"] == expected
    assert page.find("a", href=expected) is not None
    feed = json.loads((out / "claimreview.json").read_text(encoding="utf-8"))
    assert feed["dataFeedElement"][0]["item"][0]["itemReviewed"]["firstAppearance"]["url"] \
        == expected


def test_an_actors_same_as_pages_identify_the_claimant(tmp_path: Path):
    """same_as (Wikidata, Wikipedia) tells aggregators which Jane Doe made the
    claim: it joins the official url in the claimant's sameAs and is linked
    from the actor's page; an entry that is not a web address is an error at its line."""
    actor = ("---\nname: Jane Doe\naliases: [J. Doe]\nurl: https://gov.example.org/jane\nsame_as:\n"
             "  - https://www.wikidata.org/wiki/Q1\n  - https://en.wikipedia.org/wiki/Jane\n"
             "---\nProfile.\n")
    content = write_site(tmp_path, extra={"content/actors/jane-doe.md": actor})
    out = tmp_path / "out"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0 and "warning" not in result.stdout, result.stdout
    item = jsonld(soup(out / "claims/prices-fell/index.html"))[0]["itemReviewed"]
    assert item["author"]["sameAs"] == ["https://gov.example.org/jane",
                                        "https://www.wikidata.org/wiki/Q1",
                                        "https://en.wikipedia.org/wiki/Jane"]
    links = soup(out / "actors/jane-doe/index.html").select(".same-as a")
    assert [(a["href"], a.get_text()) for a in links] == [
        ("https://www.wikidata.org/wiki/Q1", "wikidata.org"),
        ("https://en.wikipedia.org/wiki/Jane", "en.wikipedia.org")]
    (content / "actors/jane-doe.md").write_text(actor.replace("https://en.wikipedia", "en.wikipedia"))
    problems = check(Sources.at(content)).problems
    error = [p for p in problems.errors if p.path.endswith("actors/jane-doe.md")]
    assert len(error) == 1 and error[0].line == 7 and "same_as" in error[0].message, \
        [p.as_text() for p in problems]


def test_ratings_rise_with_truth(built: Path):
    values = {}
    for key in ("true", "mostly-true", "false"):
        page = soup(built / "claims" / ("prices-fell" if key == "mostly-true" else
                                        "jobs-doubled") / "index.html")
        rating = jsonld(page)[0]["reviewRating"]
        values[rating["alternateName"]] = rating["ratingValue"]
    assert values["Mostly true"] > values["False"]


def test_jsonld_is_safe_against_script_close_in_values(tmp_path: Path):
    content = write_site(tmp_path, claims={"x": claim_text(
        claim='"Says </script><script>alert(1)</script> & more"')})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    page = soup(out / "claims/x/index.html")
    scripts = page.find_all("script")
    assert all(s.get("src") or s.get("type") == "application/ld+json" for s in scripts)
    assert jsonld(page)[0]["claimReviewed"].startswith("Says </script>")


def test_date_modified_from_updated(tmp_path: Path):
    content = write_site(tmp_path, claims={"x": claim_text(updated="2024-05-02")})
    out = tmp_path / "out"
    run_cli("build", "--content", str(content), "--out", str(out))
    assert jsonld(soup(out / "claims/x/index.html"))[0]["dateModified"] == "2024-05-02"


def test_a_re_rating_in_the_corrections_log_is_an_update_everywhere(tmp_path: Path):
    """A verdict changed through `corrections` (without touching `updated`) must
    reach the page, ClaimReview, the data feed, the Atom feed and the sitemap."""
    log = ("\n  - date: 2024-09-15\n    note: New figures; we changed the rating."
           "\n    previous_verdict: \"true\"")
    content = write_site(tmp_path, claims={"x": claim_text(corrections=log)})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    page = soup(out / "claims/x/index.html")
    assert jsonld(page)[0]["dateModified"] == "2024-09-15"
    facts = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
             for dt in page.select("dl.facts dt")}
    assert facts["Updated"] == "15 September 2024"
    feed = json.loads((out / "claimreview.json").read_text())
    assert feed["dataFeedElement"][0]["dateModified"] == "2024-09-15"
    entry = ET.parse(out / "feed.xml").getroot().find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}updated").text.startswith("2024-09-15")
    lastmods = {u.findtext(f"{SM}loc"): u.findtext(f"{SM}lastmod")
                for u in ET.parse(out / "sitemap.xml").getroot()}
    assert lastmods["https://checks.example.org/claims/x/"] == "2024-09-15"


def test_a_correction_naming_the_current_rating_as_previous_changes_no_rating(tmp_path: Path):
    log = ("\n  - date: 2024-09-15\n    note: Re-rated.\n    previous_verdict: \"true\""
           "\n  - date: 2024-09-16\n    note: Noted again.\n    previous_verdict: \"false\"")
    content = write_site(tmp_path, claims={"x": claim_text(corrections=log), "y": claim_text()})
    problems = check(Sources.at(content)).problems
    warning = [p for p in problems.warnings if "changed no rating" in p.message]
    assert len(warning) == 1 and warning[0].line == 18, [p.as_text() for p in problems]
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    changes = [p.get_text(" ", strip=True) for p in
               soup(out / "claims/x/index.html").select(".log__change")]
    assert changes == ["Rating changed from True to False as of 15 September 2024 ."]


def test_home_has_organization_with_policy_pages(shipped: Path):
    org = jsonld(soup(shipped / "index.html"))[0]
    assert org["@type"] == "Organization"
    base = "https://factcheck.example.org"
    assert org["correctionsPolicy"] == f"{base}/corrections-policy/"
    assert org["verificationFactCheckingPolicy"] == f"{base}/methodology/"
    assert org["ownershipFundingInfo"] == f"{base}/funding/"
    assert org["publishingPrinciples"] == f"{base}/about/"


def test_a_tips_page_is_linked_from_home_and_named_in_the_organization(tmp_path: Path):
    """Readers send claims to check (IFCN: a way for the public to take part);
    a site names the page that says how as policies.tips."""
    content = write_site(tmp_path, extra={
        "content/pages/send-a-claim.md": "---\ntitle: Send us a claim\n---\nWrite to us.\n"})
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + "  tips: send-a-claim\n")
    out = tmp_path / "out"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0 and "warning" not in result.stdout, result.stdout
    home = soup(out / "index.html")
    link = home.select_one(".intro .tips a")
    assert link["href"] == "/send-a-claim/" and (out / "send-a-claim/index.html").is_file()
    org = jsonld(home)[0]
    assert org["actionableFeedbackPolicy"] == "https://checks.example.org/send-a-claim/"
    plain = tmp_path / "plain"
    write_site(plain)
    assert run_cli("build", "--content", str(plain / "content"), "--out",
                   str(plain / "out")).returncode == 0
    assert soup(plain / "out/index.html").select(".tips") == []


def test_claimreview_data_feed_has_one_item_per_published_claim(shipped: Path):
    feed = json.loads((shipped / "claimreview.json").read_text())
    assert feed["@type"] == "DataFeed"
    items = [el["item"][0] for el in feed["dataFeedElement"]]
    assert sorted(i["url"].rsplit("/", 2)[-2] for i in items) == shipped_claims()
    assert all(i["@type"] == "ClaimReview" and i["reviewRating"]["alternateName"]
               for i in items)


def test_atom_feeds_are_valid_newest_first_with_stable_ids(built: Path):
    for rel, expected in [("feed.xml", {"jobs-doubled", "prices-fell"}),
                          ("topics/health/feed.xml", {"prices-fell"}),
                          ("actors/jane-doe/feed.xml", {"jobs-doubled", "prices-fell"})]:
        root = ET.parse(built / rel).getroot()
        assert root.tag == f"{ATOM}feed"
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == \
            soup(built / "index.html").html["lang"] == "en"
        for tag in ("id", "title", "updated", "author"):
            assert root.find(f"{ATOM}{tag}") is not None, (rel, tag)
        entries = root.findall(f"{ATOM}entry")
        slugs = []
        for entry in entries:
            for tag in ("id", "title", "updated", "link", "author", "summary"):
                assert entry.find(f"{ATOM}{tag}") is not None, (rel, tag)
            entry_id = entry.find(f"{ATOM}id").text
            assert entry_id.startswith("https://checks.example.org/claims/")
            slugs.append(entry_id.rstrip("/").rsplit("/", 1)[-1])
        assert set(slugs) == expected
        dates = [e.find(f"{ATOM}updated").text for e in entries]
        assert [e.find(f"{ATOM}published").text for e in entries] == sorted(
            [e.find(f"{ATOM}published").text for e in entries], reverse=True), dates
    page = soup(built / "topics/health/index.html")
    alternates = {link["href"] for link in page.find_all("link", rel="alternate")}
    assert "/topics/health/feed.xml" in alternates



def test_a_feed_with_no_entry_yet_is_as_new_as_the_site(built: Path):
    """An actor with no published claim still has a valid feed to subscribe to,
    dated by the site's latest change (Atom requires an updated date)."""
    empty = ET.parse(built / "actors/acme-corp/feed.xml").getroot()
    assert empty.findall(f"{ATOM}entry") == []
    site = ET.parse(built / "feed.xml").getroot()
    newest = max(e.find(f"{ATOM}updated").text for e in site.findall(f"{ATOM}entry"))
    assert empty.find(f"{ATOM}updated").text == newest == "2024-04-01T00:00:00Z"

def test_sitemap_lists_every_public_page_with_lastmod(built: Path):
    root = ET.parse(built / "sitemap.xml").getroot()
    locs = {u.find(f"{SM}loc").text: u.find(f"{SM}lastmod") for u in root.findall(f"{SM}url")}
    pages = {"/" + p.relative_to(built).as_posix().removesuffix("index.html")
             for p in built.rglob("index.html")}
    assert {"https://checks.example.org" + p for p in pages} == set(locs)
    assert locs["https://checks.example.org/claims/jobs-doubled/"].text == "2024-03-01"
    robots = (built / "robots.txt").read_text()
    assert "Sitemap: https://checks.example.org/sitemap.xml" in robots


def test_a_site_too_big_for_one_sitemap_gets_a_sitemap_index(tmp_path: Path, monkeypatch):
    """sitemaps.org allows 50,000 addresses a file (search engines ignore the
    rest); past that, /sitemap.xml lists the parts and every page is in one."""
    from site_builder import routes
    from site_builder.build import build

    monkeypatch.setattr(routes, "SITEMAP_LIMIT", 4)
    content = write_site(tmp_path)
    out = tmp_path / "out"
    assert build(Sources.at(content), out, use_cache=False).ok
    index = ET.parse(out / "sitemap.xml").getroot()
    assert index.tag == f"{SM}sitemapindex"
    parts = [s.find(f"{SM}loc").text for s in index.findall(f"{SM}sitemap")]
    assert parts[0] == "https://checks.example.org/sitemap-1.xml" and len(parts) > 1
    listed = []
    for url in parts:
        part = ET.parse(out / url.removeprefix("https://checks.example.org/")).getroot()
        urls = part.findall(f"{SM}url")
        assert part.tag == f"{SM}urlset" and 0 < len(urls) <= 4
        listed += [u.find(f"{SM}loc").text for u in urls]
    pages = {"/" + p.relative_to(out).as_posix().removesuffix("index.html")
             for p in out.rglob("index.html")}
    assert sorted(listed) == sorted("https://checks.example.org" + p for p in pages)
    claim = next(s for s in index.findall(f"{SM}sitemap"))
    assert claim.find(f"{SM}lastmod") is not None


def test_no_index_builds_disallow_robots(tmp_path: Path):
    content = write_site(tmp_path)
    out = tmp_path / "out"
    run_cli("build", "--content", str(content), "--out", str(out), "--no-index",
            "--base-url", "https://preview--x.example.app")
    assert "Disallow: /" in (out / "robots.txt").read_text()
    page = soup(out / "claims/jobs-doubled/index.html")
    assert page.find("link", rel="canonical")["href"].startswith("https://preview--x.example.app/")


def test_a_drafts_build_keeps_out_of_search_engines(tmp_path: Path):
    """Its pages carry noindex; its robots.txt must not invite crawlers to the sitemap."""
    content = write_site(tmp_path)
    for flags, disallowed in (([], False), (["--drafts"], True)):
        out = tmp_path / f"out{len(flags)}"
        assert run_cli("build", "--content", str(content), "--out", str(out),
                       *flags).returncode == 0
        robots = (out / "robots.txt").read_text()
        assert ("Disallow: /" in robots.splitlines()) == disallowed, robots
        assert ("Sitemap:" in robots) != disallowed, robots


def test_the_publishers_address_on_this_site_moves_with_base_url(tmp_path: Path):
    """site.yaml names the publisher at its placeholder domain, or at a path of
    the site: the deploy's --base-url gives ClaimReview, feeds and the footer the
    real one. An address elsewhere (another organisation's site) stays."""
    real = "https://real.example.net"
    for url, expected in (("https://checks.example.org/", f"{real}/"), ("/", f"{real}/"),
                          ("/about/", f"{real}/about/"),
                          ("https://desk.example.net/", "https://desk.example.net/")):
        content = write_site(tmp_path / url.strip("/:").replace("/", "_"), extra={
            "content/site.yaml": SITE_YAML.replace("https://desk.example.net/", url)})
        out = content.parent / "out"
        result = run_cli("build", "--content", str(content), "--out", str(out),
                         "--base-url", real)
        assert result.returncode == 0, result.stdout + result.stderr
        page = soup(out / "claims/jobs-doubled/index.html")
        assert jsonld(page)[0]["author"]["url"] == expected
        assert page.find("footer").find("a", string="Test Desk")["href"] == expected
        feed = ET.parse(out / "feed.xml").getroot()
        assert feed.find(f"{ATOM}author/{ATOM}uri").text == expected


@pytest.mark.parametrize("url, words", [
    ("javascript:alert(1)//", "is not a web address"),
    ("not a url", "is not a web address"),
    ("https://x.example.org/?q=1#f", "has more than a domain"),
    ("https://x.example.org/sub/", "has more than a domain"),
    ("https://x.example.org:99999", "is not a web address"),  # no such port
    ("https://x.example.org:abc", "is not a web address"),
    ("https://x.example.org\\evil", "is not a web address"),  # '\\' is '/' to a browser
    ('https://x.example.org"><svg\tonload=alert(1)>', "is not a web address"),  # robots.txt
])
def test_a_base_url_that_would_break_every_link_is_refused(tmp_path: Path, url, words):
    content = write_site(tmp_path)
    out = tmp_path / "out"
    result = run_cli("build", "--content", str(content), "--out", str(out), "--base-url", url)
    assert result.returncode == 2 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_an_empty_base_url_keeps_the_one_in_site_yaml(tmp_path: Path):
    content = write_site(tmp_path)
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out),
                   "--base-url", "").returncode == 0
    canonical = soup(out / "claims/jobs-doubled/index.html").find("link", rel="canonical")
    assert canonical["href"].startswith("https://") and "example" in canonical["href"]


def test_aliases_become_301s_and_html_redirect_pages(tmp_path: Path):
    content = write_site(tmp_path, claims={"x": claim_text(aliases="[/claims/old-x/, /2019/x.html]")})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    rules = (out / "_redirects").read_text().splitlines()
    assert "/claims/old-x/ /claims/x/ 301!" in rules and "/2019/x.html /claims/x/ 301!" in rules
    page = soup(out / "claims/old-x/index.html")
    refresh = page.find("meta", attrs={"http-equiv": "refresh"})
    assert refresh and refresh["content"].endswith("/claims/x/")
    assert (out / "2019/x.html").is_file()


def test_alias_colliding_with_a_page_is_an_error(tmp_path: Path):
    content = write_site(tmp_path, claims={"x": claim_text(aliases="[/about/]")})
    problems = check(Sources.at(content)).problems
    assert any("two things would be written to /about/" in p.message for p in problems.errors)


def test_claim_text_warnings_for_claimreview(tmp_path: Path):
    content = write_site(tmp_path, claims={
        "long": claim_text(claim='"' + "word " * 20 + '"'),
        "named": claim_text(claim='"It is false that taxes rose"'),
    })
    warnings = [p.as_text() for p in check(Sources.at(content)).problems.warnings]
    assert any("long.md" in w and "characters long" in w for w in warnings)
    assert any("named.md" in w and "names the verdict 'False'" in w for w in warnings)


def test_meta_tags_for_social_and_search(shipped: Path):
    slug = shipped_claims()[0]
    page = soup(shipped / "claims" / slug / "index.html")
    assert page.html["lang"] == "en"
    assert page.find("meta", attrs={"name": "description"})["content"]
    og = {m["property"]: m["content"] for m in page.find_all("meta", property=True)}
    for key in ("og:title", "og:description", "og:url", "og:type", "og:site_name", "og:image"):
        assert og.get(key), key
    # the PNG that social networks show (the claim's verdict); no SVG card by default
    [png] = [m["content"] for m in page.find_all("meta", property="og:image")]
    from PIL import Image

    with Image.open(shipped / png.split("example.org/", 1)[1]) as image:
        assert image.format == "PNG" and image.size == (1200, 630)
    assert not (shipped / "cards" / f"{slug}.svg").exists()
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary_large_image"
    assert page.find("meta", attrs={"name": "twitter:image"})["content"] == png
    assert og["og:image:alt"].startswith("Rated ")


def test_claim_cards_are_written_and_named_only_when_the_site_asks(tmp_path: Path):
    """``claim_cards: true`` adds an SVG card per claim, named as a second og:image."""
    pages = {}
    for setting in ("", "claim_cards: true\n"):
        content = write_site(tmp_path / ("on" if setting else "off"), claims={"x": claim_text()})
        site_yaml = content / "site.yaml"
        site_yaml.write_text(site_yaml.read_text() + setting)
        out = content.parent / "public"
        assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
        page = soup(out / "claims/x/index.html")
        pages[bool(setting)] = [m["content"] for m in page.find_all("meta", property="og:image")]
        cards = sorted(p.name for p in (out / "cards").glob("*.svg"))
        assert cards == (["x.svg"] if setting else [])
    assert len(pages[False]) == 1 and pages[False][0].endswith(".png")
    png, svg = pages[True]
    assert png == pages[False][0] and svg.endswith("/cards/x.svg")
    card = tmp_path / "on" / "public" / "cards" / "x.svg"
    assert ET.parse(card).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_social_card_text_stays_inside_the_card(tmp_path: Path):
    """The verdict fits its badge and no line runs off the 1200-pixel card,
    however long the label, a word of the claim or the claimant's name."""
    site_yaml = """\
title: Test Checks
base_url: https://checks.example.org
publisher: {name: Test Desk, url: "https://desk.example.net/"}
verdicts:
  - {key: "true", label: "True", rating: 3}
  - {key: needs-context, label: "Missing context that changes the meaning", rating: 2}
  - {key: "false", label: "False", rating: 1}
claim_cards: true
"""
    long_claim = '"See https://example.com/' + "x" * 120 + ' for the full figures"'
    content = write_site(tmp_path, extra={"content/site.yaml": site_yaml}, claims={
        "x": claim_text(verdict="needs-context", claim=long_claim),
        "y": claim_text()})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    svg = "{http://www.w3.org/2000/svg}"
    root = ET.parse(out / "cards/x.svg").getroot()
    badge = [r for r in root.iter(f"{svg}rect") if r.get("rx")][0]
    texts = list(root.iter(f"{svg}text"))
    label = texts[0]
    assert label.text == "MISSING CONTEXT THAT CHANGES THE MEANING"
    badge_end = float(badge.get("x")) + float(badge.get("width"))
    assert float(label.get("x")) + float(label.get("textLength")) <= badge_end <= 1200
    for line in texts[1:]:
        assert len(line.text) <= 66, line.text


def test_csp_is_satisfied_no_inline_script_or_style(shipped: Path):
    for path in shipped.rglob("*.html"):
        page = soup(path)
        assert not page.find_all(style=True), path
        assert not page.find_all("style"), path
        for script in page.find_all("script"):
            assert script.get("src") or script.get("type") == "application/ld+json", path
        for tag in page.find_all(True):
            assert not any(attr.startswith("on") for attr in tag.attrs), (path, tag.name)
            href = tag.get("href", "")
            assert not href.lower().startswith(("javascript:", "data:")), path


def test_netlify_toml_is_complete():
    config = tomllib.loads((REPO / "netlify.toml").read_text())
    build = config["build"]
    assert build["publish"] == "public" and "site-builder build" in build["command"]
    assert build["environment"]["PYTHON_VERSION"].startswith("3.")
    for context in ("deploy-preview", "branch-deploy"):
        command = config["context"][context]["command"]
        assert "--no-index" in command and "--drafts" not in command
    headers = {h["for"]: h["values"] for h in config["headers"]}
    html = headers["/*"]
    csp = html["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    for key in ("X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy"):
        assert html[key]
    assert "immutable" in headers["/static/*"]["Cache-Control"]
    assert "max-age=0" in html["Cache-Control"]


def test_static_assets_are_fingerprinted(shipped: Path):
    import hashlib

    for css in (shipped / "static").glob("*.css"):
        stem, digest, ext = css.name.rsplit(".", 2)
        assert hashlib.sha256(css.read_bytes()).hexdigest().startswith(digest)
