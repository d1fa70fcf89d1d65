"""The quick rebuild (quick.py): edits to claim texts put in place in their pages.

Every test compares with a build from scratch: the quick path must give the
same bytes as the full build, and must step aside whenever it cannot be sure.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import pytest

from conftest import claim_text, run_cli, soup, write_site
from site_builder.build import Result, build
from site_builder.load import Sources
from site_builder.resolve import Options


def _site(tmp_path: Path, count: int = 12) -> tuple[Path, Path]:
    claims = {f"c{i}": claim_text(title=f'"Claim {i}"', related=f"[c{(i + 1) % count}]",
                                  published=f"2024-01-{10 + i}") for i in range(count)}
    content = write_site(tmp_path, claims=claims)
    out = tmp_path / "public"
    assert build(Sources.at(content), out).ok
    return content, out


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _same_as_clean(content: Path, out: Path, options: Options | None = None) -> None:
    """The output folder holds exactly what a build without any cache makes."""
    clean = out.parent / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    assert build(Sources.at(content), clean, options, use_cache=False).ok
    got, want = _tree(out), _tree(clean)
    assert got.keys() == want.keys()
    assert [name for name in got if got[name] != want[name]] == []
    shutil.rmtree(clean)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def _rebuilt(content: Path, out: Path, options: Options | None = None) -> Result:
    result = build(Sources.at(content), out, options)
    assert result.ok, result.problems.items
    return result


def test_text_edits_are_put_in_place_and_match_a_clean_build(tmp_path: Path):
    content, out = _site(tmp_path)
    claim = content / "claims/c5.md"
    original = claim.read_text()
    _append(claim, "\nA paragraph added after review, with **bold** text.\n")
    result = _rebuilt(content, out)
    assert result.quick and result.rendered == 1
    paragraphs = [p.get_text() for p in soup(out / "claims/c5/index.html").select(".prose p")]
    assert "A paragraph added after review, with bold text." in paragraphs
    _same_as_clean(content, out)

    _append(claim, "\nAnd a second one.\n")  # spliced where the last splice left the body
    assert _rebuilt(content, out).quick
    _same_as_clean(content, out)

    claim.write_text(original)  # back to the first version: fingerprints must follow
    assert _rebuilt(content, out).quick
    _same_as_clean(content, out)

    claim.write_text(original.replace('"Claim 5"', '"Claim five"'))  # front matter
    result = _rebuilt(content, out)
    assert not result.quick and result.rendered > 1
    _same_as_clean(content, out)
    assert build(Sources.at(content), out).skipped


def test_several_claims_edited_at_once(tmp_path: Path):
    content, out = _site(tmp_path)
    for name in ("c1", "c4", "c9"):
        _append(content / f"claims/{name}.md", f"\nNew text for {name}.\n")
    result = _rebuilt(content, out)
    assert result.quick and result.rendered == 3
    _same_as_clean(content, out)


def test_a_file_saved_without_changes_is_not_rendered(tmp_path: Path):
    content, out = _site(tmp_path)
    claim = content / "claims/c3.md"
    claim.write_text(claim.read_text())  # an editor saving again: a new modification time
    import os

    os.utime(claim, ns=(claim.stat().st_atime_ns, claim.stat().st_mtime_ns + 10**9))
    result = _rebuilt(content, out)
    assert result.quick and result.rendered == 0
    assert build(Sources.at(content), out).skipped  # and the new time is remembered


def test_an_edit_that_keeps_size_and_modification_time_is_rebuilt(tmp_path: Path):
    """``cp -p``, ``touch -r`` and some editors put the old time back after a
    write; the change time still moves, and the rebuild must see the edit."""
    import os

    content, out = _site(tmp_path)
    for path, old, new in ((content / "claims/c3.md", "Claim 3", "Claim Z"),  # front matter
                           (content / "claims/c4.md", "with a note", "with a NOTE")):  # body
        before = path.stat()
        path.write_text(path.read_text().replace(old, new))
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert path.stat().st_size == before.st_size
        assert not _rebuilt(content, out).skipped
        _same_as_clean(content, out)
    assert soup(out / "claims/c3/index.html").h1.get_text(strip=True) == "Claim Z"
    assert "with a NOTE" in soup(out / "claims/c4/index.html").select_one(".prose").get_text()


def test_a_claim_made_unreadable_fails_the_next_build(tmp_path: Path):
    """Only the permissions change (size and time stay): the rebuild must fail
    as a fresh build would, not report that nothing changed."""
    import subprocess
    import sys

    from conftest import REPO, as_unprivileged

    content, out = _site(tmp_path)
    claim = content / "claims/c6.md"
    claim.chmod(0)
    try:
        result = subprocess.run(
            [*as_unprivileged(), sys.executable, "-m", "site_builder", "build", "--content",
             str(content), "--out", str(out)], capture_output=True, text=True,
            env={"PYTHONPATH": str(REPO)}, timeout=120)
    finally:
        claim.chmod(0o644)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "claims/c6.md" in result.stderr and "Traceback" not in result.stderr
    assert (out / "claims/c6/index.html").is_file()  # the previous site is left as it was


def _front_matter(content: Path) -> None:
    claim = content / "claims/c2.md"
    claim.write_text(claim.read_text().replace("verdict: false", "verdict: true")
                     + "\nText too.\n")


def _new_site_link(content: Path) -> None:
    _append(content / "claims/c2.md", "\nSee [the other check](/claims/c7/).\n")


def _body_emptied(content: Path) -> None:
    claim = content / "claims/c2.md"
    text = claim.read_text()
    claim.write_text(text[:text.index("---\n", 4) + 4])


def _file_added(content: Path) -> None:
    _append(content / "claims/c2.md", "\nMore.\n")
    (content / "claims/c99.md").write_text(claim_text(title='"A new one"'))


def _actor_text(content: Path) -> None:
    _append(content / "actors/jane-doe.md", "\nMore about her.\n")


def _theme_changed(content: Path) -> None:
    _append(content / "claims/c2.md", "\nMore.\n")
    (content.parent / "templates").mkdir()
    (content.parent / "templates/claim.html").write_text(
        '{% extends "default/claim.html" %}{% block content %}{{ super() }}'
        '<p class="extra">From the site</p>{% endblock %}')


@pytest.mark.parametrize("edit", [_front_matter, _new_site_link, _body_emptied, _file_added,
                                  _actor_text, _theme_changed])
def test_other_changes_take_the_full_build(tmp_path: Path, edit: Callable[[Path], None]):
    content, out = _site(tmp_path)
    edit(content)
    result = _rebuilt(content, out)
    assert not result.quick
    _same_as_clean(content, out)


def test_a_new_build_option_takes_the_full_build(tmp_path: Path):
    content, out = _site(tmp_path)
    (content / "claims/draft.md").write_text(claim_text(draft="true"))
    assert _rebuilt(content, out).ok
    _append(content / "claims/c2.md", "\nMore.\n")
    drafts = Options(drafts=True, today=Options().today)
    result = _rebuilt(content, out, drafts)
    assert not result.quick and (out / "claims/draft/index.html").is_file()
    _same_as_clean(content, out, drafts)


def test_a_problem_in_the_edited_text_is_reported_by_the_full_build(tmp_path: Path):
    content, out = _site(tmp_path)
    _append(content / "claims/c2.md", "\n# A second title\n")
    result = _rebuilt(content, out)
    assert not result.quick
    assert [p.message for p in result.problems.warnings if p.path == "content/claims/c2.md"] \
        == ["a '#' heading in the text competes with the page title"]
    _same_as_clean(content, out)


@pytest.mark.parametrize("address", ["/claims/no-such-check/",
                                     "https://checks.example.org/claims/no-such-check/"])
def test_a_link_to_a_missing_page_still_stops_the_build(tmp_path: Path, address: str):
    content, out = _site(tmp_path)
    before = _tree(out)
    _append(content / "claims/c2.md", f"\nSee [this]({address}).\n")
    result = build(Sources.at(content), out)
    assert not result.ok and "does not exist" in result.problems.errors[0].message
    assert _tree(out) == before


def test_a_claim_page_that_uses_the_text_otherwise_is_rendered_in_full(tmp_path: Path):
    """A theme may count the words or quote the text: then the page is made again."""
    content = write_site(tmp_path, claims={f"c{i}": claim_text() for i in range(3)})
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/claim.html").write_text(
        '{% extends "default/claim.html" %}{% block content %}{{ super() }}'
        '<p class="size">{{ claim.body_html|length }}</p>{% endblock %}')
    out = tmp_path / "public"
    assert build(Sources.at(content), out).ok
    _append(content / "claims/c1.md", "\nA longer text now.\n")
    result = _rebuilt(content, out)
    assert not result.quick
    size = soup(out / "claims/c1/index.html").select_one(".size").get_text()
    _same_as_clean(content, out)
    assert int(size) > 0


#: site templates that show what the default theme's pages do not: other claims'
#: texts (under names the page's own claim also goes by) and seed data on cards
_SHOWS_MORE = {
    "other texts via a macro's parameter named claim": ("claim.html", (
        '{% extends "default/claim.html" %}{% macro excerpt(claim) %}{{ claim.body_html|safe }}'
        '{% endmacro %}{% block content %}{{ super() }}{% for other in claim.related %}'
        '<div class="x">{{ excerpt(other) }}</div>{% endfor %}{% endblock %}')),
    "other texts via a loop variable named claim": ("claim.html", (
        '{% extends "default/claim.html" %}{% block content %}{{ super() }}'
        '{% for claim in claim.related %}<div class="x">{{ claim.body_html|safe }}</div>'
        '{% endfor %}{% endblock %}')),
    "other texts by attribute name": ("claim.html", (
        '{% extends "default/claim.html" %}{% block content %}{{ super() }}'
        '<div class="x">{{ claim.related|map(attribute="body_html")|join|safe }}</div>'
        '{% endblock %}')),
    "other texts by a computed name": ("claim.html", (
        '{% extends "default/claim.html" %}{% block content %}{{ super() }}'
        '{% for r in claim.related %}<div class="x">{{ r["body" ~ "_html"]|safe }}</div>'
        '{% endfor %}{% endblock %}')),
    "the page's own text counted through super()": ("claim.html", (
        '{% extends "default/claim.html" %}{% block content %}'
        '<div class="x">{{ super()|striptags|wordcount }} words body_html</div>{{ super() }}'
        '{% endblock %}')),
    "seed data on a card": ("partials/claim_card.html", (
        '<article class="card"><a href="{{ claim.url_path }}">{{ claim.title }}</a>'
        '{% for ref in claim.sources %}<span class="x">{{ ref.seed.headline if ref.seed }}'
        '</span>{% endfor %}</article>')),
}


@pytest.mark.parametrize("which", sorted(_SHOWS_MORE))
def test_site_templates_that_show_more_than_the_default_theme_stay_right(tmp_path: Path,
                                                                          which: str):
    """The default theme's dependency rules do not hold for a site's own templates:
    every page they make follows every edit, and a text shown on other pages
    is not put in place in its own page alone."""
    name, text = _SHOWS_MORE[which]
    claims = {f"c{i}": claim_text(title=f'"Claim {i}"', related=f"[c{(i + 1) % 4}]",
                                  source="\n  seed: first-article") for i in range(4)}
    content = write_site(tmp_path, claims=claims)
    (tmp_path / "templates/partials").mkdir(parents=True)
    (tmp_path / "templates" / name).write_text(text)
    out = tmp_path / "public"
    assert build(Sources.at(content), out).ok
    _append(content / "claims/c2.md", "\nA sentence added to the text.\n")
    assert not _rebuilt(content, out).quick  # a site template may show the text anywhere
    _same_as_clean(content, out)
    seed = tmp_path / "seeds/first-article.yaml"
    seed.write_text(seed.read_text().replace("The first article", "A renamed article"))
    _rebuilt(content, out)
    _same_as_clean(content, out)
    shown = " ".join(x.get_text() for page in out.rglob("index.html")
                     for x in soup(page).select(".x"))
    other_texts = "seed" not in which and "own" not in which  # what the page shows
    assert ("A sentence added to the text." in shown) == other_texts
    assert ("A renamed article" in shown) == ("seed" in which)


def test_a_site_template_widens_only_the_pages_made_with_it(tmp_path: Path):
    """A site's own 404 page follows every edit; the claim and list pages, made
    with the default theme's templates alone, keep their precise rules."""
    rendered = []
    for own_404 in (False, True):
        content, out = _site(tmp_path / str(own_404))
        if own_404:
            (tmp_path / "True/templates").mkdir()
            (tmp_path / "True/templates/404.html").write_text(
                '{% extends "base.html" %}{% block content %}<h1>Lost?</h1>{% endblock %}')
            assert _rebuilt(content, out).ok
        claim = content / "claims/c7.md"
        claim.write_text(claim.read_text().replace('"Claim 7"', '"Claim seven"'))
        rendered.append(_rebuilt(content, out).rendered)
        _same_as_clean(content, out)
    assert rendered[1] == rendered[0] + 1, rendered  # the 404 page, and nothing else
    assert soup(out / "404.html").h1.get_text() == "Lost?"


def test_a_page_changed_outside_the_builder_is_made_again(tmp_path: Path):
    content, out = _site(tmp_path)
    page = out / "claims/c2/index.html"
    page.write_bytes(page.read_bytes().replace(b"Claim 2", b"Tampered"))
    _append(content / "claims/c2.md", "\nMore.\n")
    result = _rebuilt(content, out)
    assert not result.quick
    _same_as_clean(content, out)


def test_the_command_says_so_and_repeats_standing_warnings(tmp_path: Path):
    claims = {f"c{i}": claim_text() for i in range(4)}
    claims["warned"] = claim_text(body="# A title in the text\n\nWords.\n")
    content = write_site(tmp_path, claims=claims)
    out = tmp_path / "public"
    first = run_cli("build", "--content", str(content), "--out", str(out))
    assert first.returncode == 0 and "content/claims/warned.md:" in first.stderr
    _append(content / "claims/c1.md", "\nMore.\n")
    again = run_cli("build", "--content", str(content), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "only claim texts changed" in again.stdout and ": 1 rendered," in again.stdout
    assert "content/claims/warned.md:" in again.stderr
