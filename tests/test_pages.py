"""What readers see: safety of editors' text, the corrections log, the scale, page weight."""

from __future__ import annotations

import gzip
from pathlib import Path

from conftest import claim_text, run_cli, soup, write_site


def build(tmp_path: Path, claims: dict[str, str], extra: dict[str, str] | None = None) -> Path:
    content = write_site(tmp_path, claims=claims, extra=extra)
    out = tmp_path / "public"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


UNSAFE_BODY = (
    "Raw <script>alert(1)</script> and <b onclick=\"x()\">bold</b>.\n\n"
    "[js](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) "
    "[img](data:image/png;base64,AAAA) [vb](VBScript:msgbox) [ok](https://example.org/)\n"
)


def test_raw_html_and_dangerous_links_never_reach_the_page(tmp_path: Path):
    out = build(tmp_path, {"x": claim_text(body=UNSAFE_BODY,
                                           title='"<script>alert(2)</script> & co"')})
    page = soup(out / "claims/x/index.html")
    prose = page.select_one(".prose")
    assert prose.find("script") is None and prose.find("b") is None
    assert "<script>alert(1)</script>" in prose.get_text()  # shown as text
    for tag in page.find_all(True):
        for name, value in tag.attrs.items():
            assert not name.startswith("on"), tag
            text = " ".join(value) if isinstance(value, list) else str(value)
            assert not text.strip().lower().startswith(("javascript:", "data:", "vbscript:")), tag
    assert "https://example.org/" in {a["href"] for a in prose.find_all("a", href=True)}
    assert page.h1.get_text() == "<script>alert(2)</script> & co"
    assert all(s.get("src") or s.get("type") == "application/ld+json"
               for s in page.find_all("script"))


def test_site_may_opt_in_to_raw_html(tmp_path: Path):
    out = build(tmp_path, {"x": claim_text(body="A <abbr title=\"World Health\">WHO</abbr> note.\n")})
    assert soup(out / "claims/x/index.html").select_one(".prose abbr") is None
    content = tmp_path / "content"
    (content / "site.yaml").write_text((content / "site.yaml").read_text() + "allow_html: true\n")
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert soup(out / "claims/x/index.html").select_one(".prose abbr") is not None


def test_corrections_log_keeps_the_verdict_history(tmp_path: Path):
    out = build(tmp_path, {"x": claim_text(
        verdict="false", published="2024-01-10", updated="2024-03-01",
        corrections="\n  - date: 2024-02-01\n    note: \"New figures.\"\n"
                    "    previous_verdict: unproven\n"
                    "  - date: 2024-03-01\n    note: \"Final data.\"\n"
                    "    previous_verdict: mostly-false")})
    page = soup(out / "claims/x/index.html")
    log = page.find(id="claim-corrections").find_parent("section")
    text = " ".join(log.get_text(" ").split())
    assert "New figures." in text and "Final data." in text
    assert "Unproven" in text and "Mostly false" in text and "False" in text
    assert {t["datetime"] for t in log.find_all("time")} >= {"2024-02-01", "2024-03-01"}
    ruling = " ".join(page.select_one(".ruling").get_text(" ").split())
    assert "as of" in ruling.lower()


def test_verdicts_page_explains_every_verdict(built: Path):
    page = soup(built / "verdicts/index.html")
    text = page.get_text(" ")
    from site_builder.config import BUILTIN_VERDICTS

    for verdict in BUILTIN_VERDICTS:
        assert verdict["label"] in text and verdict["description"] in text
        assert page.find("a", href=f"/verdicts/{verdict['key']}/") is not None


def test_claim_page_is_light_and_has_no_render_blocking_script(shipped: Path):
    for page_path in sorted((shipped / "claims").glob("*/index.html"))[:5]:
        page = soup(page_path)
        css = [shipped / link["href"].lstrip("/")
               for link in page.find_all("link", rel="stylesheet")]
        weight = len(gzip.compress(page_path.read_bytes())) + sum(
            len(gzip.compress(p.read_bytes())) for p in css)
        assert weight < 30 * 1024, (page_path, weight)
        for script in page.find_all("script", src=True):
            assert script.has_attr("defer") or script.has_attr("async"), script
        for tag in page.find_all(["link", "script", "img"]):
            url = tag.get("href") or tag.get("src") or ""
            assert not url.startswith(("http://", "https://", "//")) or \
                tag.get("rel") in (["canonical"], ["alternate"]), url


def test_a_site_in_a_right_to_left_language_is_laid_out_right_to_left(tmp_path: Path):
    from conftest import SITE_YAML

    for language, direction in [("ar", "rtl"), ("he-IL", "rtl"), ("az-Arab", "rtl"),
                                ("en", "ltr"), ("uz-Latn", "ltr")]:
        root = tmp_path / language
        out = build(root, {"x": claim_text(aliases="[/old-x/]")},
                    extra={"content/site.yaml": SITE_YAML + f"language: {language}\n"})
        for page in ["claims/x/index.html", "index.html", "old-x/index.html"]:
            html = soup(out / page).html
            assert (html["lang"], html["dir"]) == (language, direction), (language, page)


def test_wide_tables_scroll_by_keyboard_and_footnote_back_links_are_named(tmp_path: Path):
    """The theme scrolls a wide table sideways on a phone: a reader without a
    mouse must reach it (axe: scrollable-region-focusable). A back link's text
    is only '↩', so its name says where it leads (WCAG 2.4.4)."""
    body = ("| Who | Said |\n|---|---|\n| A | B |\n\nOnce.[^a] Twice.[^a]\n\n"
            "[^a]: The note.\n")
    content = write_site(tmp_path, claims={"x": claim_text(body=body)})
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    prose = soup(out / "claims/x/index.html").select_one(".prose")
    assert prose.find("table")["tabindex"] == "0"
    backs = prose.select("a.footnote-backref")
    assert [a["aria-label"] for a in backs] == ["Back to reference 1", "Back to reference 1:1"]
    captions = [a.get_text() for a in prose.select(".footnote-ref a")]
    assert captions == ["[1]", "[1:1]"]  # the labels name the captions the reader sees
