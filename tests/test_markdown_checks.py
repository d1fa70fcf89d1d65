"""What `check` says about a claim's text: raw HTML a page must not carry, footnote mistakes.

Every problem must point at the line of the file (front matter included) where
the editor wrote the mistake, and published pages must never carry what
`check` refuses.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO, claim_text, run_cli, soup, write_site
from site_builder.build import check
from site_builder.load import Sources

HTML_ON = "allow_html: true\n"


def _site(tmp_path: Path, body: str, allow_html: bool = True) -> Path:
    """A small site whose claim 'x' has ``body``; returns the content folder."""
    content = write_site(tmp_path, claims={"x": claim_text(body=body)})
    if allow_html:
        site_yaml = content / "site.yaml"
        site_yaml.write_text(site_yaml.read_text() + HTML_ON)
    return content


def _problems(tmp_path: Path, body: str, allow_html: bool = True) -> list:
    """The problems `check` finds in claim 'x'."""
    return _claim_problems(_site(tmp_path, body, allow_html))


def _claim_problems(content: Path) -> list:
    return [p for p in check(Sources.at(content)).problems if p.path.endswith("claims/x.md")]


def _line_of(tmp_path: Path, needle: str) -> int:
    """The line of the claim file that holds ``needle`` (counted, never assumed)."""
    lines = (tmp_path / "content/claims/x.md").read_text().splitlines()
    found = [n for n, line in enumerate(lines, 1) if needle in line]
    assert len(found) == 1, (needle, lines)
    return found[0]


# (raw HTML, the line's marker, words the message must name)
UNSAFE = [
    ('<a href="javascript:alert(1)">x</a>', "javascript", "javascript:"),
    ('<a href="&#106;ava&#x09;script&colon;alert(1)">x</a>', "&#106;", "javascript:"),
    ('<a href=" JaVaScRiPt:alert(1)">x</a>', "JaVaScRiPt", "javascript:"),
    ('<img src="data:image/svg+xml;base64,PHN2Zz4=" alt="">', "data:image", "data:"),
    ('<a href="file:///etc/passwd">x</a>', "file:", "file:"),
    ('<img srcset="a.png 1x, vbscript:x 2x" alt="">', "srcset", "vbscript:"),
    ('<form action="https://x.example/"><button formaction="javascript:x">Go</button></form>',
     "formaction", "<form>"),
    ('<img src=x onerror=alert(2)>', "onerror", "onerror"),
    ('<span ONMouseOver="x()">hover</span>', "ONMouseOver", "onmouseover"),
    ("<script>alert(1)</script>", "<script>", "<script>"),
    ('<iframe src="https://example.org/"></iframe>', "<iframe", "<iframe>"),
    ('<object data="x.swf"></object>', "<object", "<object>"),
    ('<embed src="x.swf">', "<embed", "<embed>"),
    ("<style>body{display:none}</style>", "<style>", "<style>"),
    ('<div STYLE="position:fixed;inset:0;background:#fff">Log in again</div>', "STYLE",
     "'style='"),
    ('<base href="https://evil.example/">', "<base", "<base>"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example/">', "<meta", "<meta>"),
    ('<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', "xlink", "javascript:"),
    # what a browser reads differently from a naive parser: still refused
    ("<!--><img src=x onerror=alert(1)>-->", "<!-->", "onerror"),
    ('<textarea><p title="</textarea><img src=x onerror=alert(1)>"></textarea>', "<textarea>",
     "<textarea>"),
]


@pytest.mark.parametrize("html, marker, named", UNSAFE, ids=[u[1] for u in UNSAFE])
def test_unsafe_raw_html_is_an_error_at_its_line(tmp_path: Path, html: str, marker: str,
                                                  named: str):
    problems = _problems(tmp_path, f"## What was said\n\nSome text.\n\n{html}\n\nMore text.\n")
    errors = [p for p in problems if p.severity == "error"]
    assert errors, [p.as_text() for p in problems]
    assert {p.line for p in errors} == {_line_of(tmp_path, marker)}, [p.as_text() for p in errors]
    assert any(named in p.message for p in errors), [p.as_text() for p in errors]
    assert all(p.hint for p in errors)


def test_unsafe_inline_html_is_reported_on_its_own_line_of_the_paragraph(tmp_path: Path):
    problems = _problems(tmp_path, "A paragraph that\nruns over <b>three</b>\nlines: "
                                   "<a href='javascript:x'>see</a> and on.\n")
    errors = [p for p in problems if p.severity == "error"]
    assert [p.line for p in errors] == [_line_of(tmp_path, "javascript:x")]


def test_safe_raw_html_passes_and_is_published(tmp_path: Path):
    body = ('A <abbr title="World Health Organization">WHO</abbr> figure, '
            '<a href="https://who.example.int/report">the report</a>, '
            '<a href="/claims/x/#fn1">a note</a>, <a href="mailto:desk@example.org">mail</a>.\n\n'
            '<figure>\n<img src="/static/logo.png" alt="Logo">\n'
            "<figcaption>Source: the office.</figcaption>\n</figure>\n\n"
            "The word javascript: in prose is fine, as is onload = 3 in text.\n")
    content = _site(tmp_path, body)
    assert [p.as_text() for p in _claim_problems(content)] == []
    out = tmp_path / "public"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    prose = soup(out / "claims/x/index.html").select_one(".prose")
    assert prose.select_one("abbr")["title"] == "World Health Organization"
    assert prose.select_one("figure figcaption") is not None


def test_build_refuses_a_page_with_a_javascript_link(tmp_path: Path):
    content = _site(tmp_path, "Text.\n\n<a href=\"javascript:alert(1)\">x</a> "
                              "<img src=x onerror=alert(2)>\n")
    out = tmp_path / "public"
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode != 0
    assert "claims/x.md" in result.stdout + result.stderr
    assert not (out / "claims/x/index.html").exists()


def test_without_allow_html_raw_html_is_text_and_not_reported(tmp_path: Path):
    problems = _problems(tmp_path, "Text <script>alert(1)</script> and "
                                   "<a href=\"javascript:x\">x</a>.\n", allow_html=False)
    assert [p.as_text() for p in problems if "HTML" in p.message or "<" in p.message] == []


def test_tester_reproduction_on_the_shipped_site(tmp_path: Path):
    """The bug report, step by step: shipped content, raw HTML on, a javascript: link."""
    for folder in ("content", "seeds"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    (tmp_path / "content/site.yaml").write_text(
        (tmp_path / "content/site.yaml").read_text() + "\n" + HTML_ON)
    claim = tmp_path / "content/claims/putin-kim-mutual-assistance-agreement.md"
    claim.write_text(claim.read_text() + '\n<a href="javascript:alert(1)">x</a> '
                                          "<img src=x onerror=alert(2)>\n")
    line = len(claim.read_text().splitlines())
    result = run_cli("check", "--content", str(tmp_path / "content"))
    assert result.returncode == 1
    assert f"putin-kim-mutual-assistance-agreement.md:{line}:1: error:" in result.stdout


def test_unclosed_div_is_a_warning_at_the_tag(tmp_path: Path):
    problems = _problems(tmp_path, "Intro.\n\n<div class=\"box\">\n\nBoxed text.[^1]\n\n"
                                   "[^1]: The note.\n")
    warnings = [p for p in problems if p.severity == "warning"]
    assert [p.line for p in warnings] == [_line_of(tmp_path, '<div class="box">')]
    assert "<div>" in warnings[0].message and "</div>" in warnings[0].hint


def test_div_closed_around_markdown_is_fine(tmp_path: Path):
    body = ("<div class=\"box\">\n\n- a list\n- in a box\n\n<div>inner</div>\n\n</div>\n\n"
            "- <div>inside an item, closed by the item</div>\n\nText.[^1]\n\n[^1]: Note.\n")
    assert [p.as_text() for p in _problems(tmp_path, body)] == []


# ---------------------------------------------------------------- footnotes

def test_footnote_defined_twice_is_a_warning_at_the_second_definition(tmp_path: Path):
    problems = _problems(tmp_path, "Text.[^1]\n\n[^1]: The first source.\n"
                                   "[^1]: A second source.\n", allow_html=False)
    (warning,) = [p for p in problems if p.severity == "warning"]
    assert warning.line == _line_of(tmp_path, "A second source")
    assert "[^1]" in warning.message
    assert f"line {_line_of(tmp_path, 'The first source')}" in warning.message + warning.hint


def test_reference_to_an_undefined_footnote_is_a_warning_at_its_line(tmp_path: Path):
    problems = _problems(tmp_path, "## What was said\n\nFirst line,[^1]\nsecond line.[^missing]\n\n"
                                   "[^1]: A source.\n", allow_html=False)
    (warning,) = [p for p in problems if p.severity == "warning"]
    assert warning.line == _line_of(tmp_path, "[^missing]")
    assert "[^missing]" in warning.message and "[^missing]:" in warning.hint


def test_undefined_footnote_without_any_definitions_is_reported(tmp_path: Path):
    problems = _problems(tmp_path, "Said so.[^2]\n", allow_html=False)
    assert [(p.severity, p.line) for p in problems] == [("warning", _line_of(tmp_path, "[^2]"))]


def test_footnote_lookalikes_in_code_or_escaped_are_not_reported(tmp_path: Path):
    body = "Write `[^1]` for a note, or \\[^2] literally.\n\n    [^3] in code\n"
    assert [p.as_text() for p in _problems(tmp_path, body, allow_html=False)] == []


def test_footnote_defined_but_never_used_is_a_warning(tmp_path: Path):
    problems = _problems(tmp_path, "Text.[^1]\n\n[^1]: Used.\n[^old]: Left behind.\n",
                         allow_html=False)
    (warning,) = [p for p in problems if p.severity == "warning"]
    assert warning.line == _line_of(tmp_path, "[^old]:")
    assert "[^old]" in warning.message


def test_correct_footnotes_are_silent_and_published(tmp_path: Path):
    content = _site(tmp_path, "One.[^a] Two.[^b] One again.[^a]\n\n[^a]: First.\n[^b]: Second.\n",
                    allow_html=False)
    assert [p.as_text() for p in _claim_problems(content)] == []
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    notes = soup(out / "claims/x/index.html").select(".footnotes li")
    assert [" ".join(n.get_text(" ").split()).split(" ↩")[0] for n in notes] == ["First.",
                                                                                 "Second."]


def test_a_table_too_big_to_convert_is_one_error_at_its_first_line(tmp_path: Path):
    """A million-cell table took gigabytes in markdown-it-py; it is refused unconverted."""
    rows = "\n".join("|" * 301 for _ in range(200))
    body = "Intro.\n\n|" + "a|" * 300 + "\n|" + "-|" * 300 + "\n" + rows + "\n"
    content = _site(tmp_path, body, allow_html=False)
    result = check(Sources.at(content))
    errors = [p for p in result.problems.errors if p.path.endswith("claims/x.md")]
    assert len(errors) == 1 and "table too big" in errors[0].message, errors
    text = (content / "claims" / "x.md").read_text().split("\n")
    assert text[errors[0].line - 1].startswith("|a|a|")
    # a table of ordinary size is published
    small = _site(tmp_path / "small", "|a|b|\n|-|-|\n|1|2|\n", allow_html=False)
    assert not check(Sources.at(small)).problems.errors
