"""`site-builder check`: every mistake found in one run, at its line, with the fix."""

from __future__ import annotations

import json
import shutil
import re
from pathlib import Path

import pytest

from conftest import claim_text, run_cli, write_site
from site_builder.build import check
from site_builder.load import Sources


def problems_for(tmp_path: Path, claims: dict[str, str] | None = None,
                 extra: dict[str, str | bytes] | None = None):
    content = write_site(tmp_path, claims=claims, extra=extra)
    return check(Sources.at(content)).problems


def one(problems, path_end: str, severity: str = "error"):
    found = [p for p in problems if p.path.endswith(path_end) and p.severity == severity]
    assert len(found) == 1, [p.as_text() for p in problems]
    return found[0]


CASES = [
    # (claim front matter overrides, expected line, words in message, words in hint)
    ({"verdict": "flase"}, 8, "unknown verdict 'flase'", "did you mean 'false'?"),
    ({"verdict": "no"}, 8, "unknown verdict 'no'", "did you mean 'false'?"),
    ({"verdict": "'Mostly True'"}, 8, "unknown verdict", "mostly-true"),
    ({"claimant": '"John Smith"'}, 4, "no actor matches the claimant 'John Smith'",
     "content/actors/john-smith.md"),
    ({"claimant": "jane-do"}, 4, "no actor matches", "did you mean 'jane-doe'?"),
    ({"topics": "[econmy]"}, 10, "unknown topic 'econmy'", "did you mean 'economy'?"),
    ({"related": "[nope-claim]"}, 12, "unknown related claim 'nope-claim'", "slugs"),
    ({"source": "\n  seed: first-artcle"}, 6, "unknown seed 'first-artcle'",
     "did you mean 'first-article'?"),
    ({"summary": None}, 1, "required field 'summary' is missing", 'summary: "'),
    ({"published": "2024-02-30"}, 11, "not a valid date", "does not exist"),
    ({"published": "0000-01-01"}, 11, "not a valid date", "no year 0"),
    ({"published": "05.10.2024"}, 11, "not a valid date", "published: 2024-10-05"),
    ({"claim_date": '"2024-13"'}, 12, "not a valid date", "YYYY-MM"),
    # the contract's forms only, as published takes them, each with the fix
    ({"claim_date": '"2024-1-5"'}, 12, "not a valid date", "claim_date: 2024-01-05"),
    ({"published": '"2024-1-5"'}, 11, "not a valid date", "published: 2024-01-05"),
    ({"claim_date": '"\uff12\uff10\uff12\uff14-10"'}, 12, "not a valid date",
     "digits 0-9: claim_date: 2024-10"),
    ({"published": '"\u0662\u0660\u0662\u0664-10-05"'}, 11, "not a valid date",
     "digits 0-9: published: 2024-10-05"),
    ({"published": '"07/15/2021"'}, 11, "not a valid date", "published: 2021-07-15"),
    ({"published": '"1/2/2021"'}, 11, "not a valid date",
     "2021-02-01 if 1 is the day, 2021-01-02 if it is the month"),
    ({"published": '"\uff12\uff10\uff12\uff11/07/15"'}, 11, "not a valid date",
     "published: 2021-07-15"),
    ({"claimant": "jane_doe"}, 4, "no actor matches", "did you mean 'jane-doe'? (the file"),
    # YAML reads 00012 as the octal number 10: the message quotes what was typed
    ({"claim_date": "00012"}, 12, "not a valid date: '00012'", "YYYY-MM"),
    ({"published": "2024-10-05 10:00"}, 11, "not a valid date: '2024-10-05 10:00'",
     "leave out the time: published: 2024-10-05"),
    ({"source": "\n  publisher: X\n  url: www.example.com/x"}, 7, "not a valid web address",
     "https://"),
    ({"draft": "maybe"}, 12, "must be true or false", "draft: true"),
    ({"topics": "[]"}, 10, "needs at least one item", "topics:"),
    ({"aliases": "[claims/old]"}, 12, "must be a path on this site", "/claims/old-slug/"),
    ({"corrections": "\n  - date: 2024-01-01\n    note: x\n    previous_verdict: flase"}, 15,
     "unknown verdict 'flase'", "did you mean 'false'?"),
    ({"evidence": "\n  - title: Data\n    kind: primery"}, 14, "'primery' is not a kind of source",
     "did you mean 'primary'? kind is one of: primary, secondary, anonymous"),
]


@pytest.mark.parametrize("fields, line, message, hint", CASES,
                         ids=[str(c[2])[:40] for c in CASES])
def test_each_mistake_is_named_at_its_line_with_a_fix(tmp_path, fields, line, message, hint):
    problems = problems_for(tmp_path, claims={"the-claim": claim_text(**fields),
                                              "other": claim_text()})
    error = one(problems, "content/claims/the-claim.md")
    assert error.line == line, error.as_text()
    assert message in error.message and hint in error.hint, error.as_text()


def test_a_blank_claimant_is_one_error_that_asks_for_a_claimant(tmp_path):
    """`claimant: ""` was two errors, the second ("each item must be a single
    word or text") describing a list the editor never wrote."""
    problems = problems_for(tmp_path, claims={"x": claim_text(claimant='""')})
    error = one(problems, "claims/x.md")
    assert error.line == 4 and "'claimant' needs at least one item" in error.message
    assert "claimant: jane-doe" in error.hint


def test_unknown_key_is_a_warning_with_the_nearest_key(tmp_path):
    problems = problems_for(tmp_path, claims={"x": claim_text(claimaint="jane-doe")})
    warning = one(problems, "claims/x.md", "warning")
    assert "claimaint" in warning.message and "did you mean 'claimant'" in warning.hint
    assert not [p for p in problems.errors]


def test_unquoted_false_verdict_is_understood(tmp_path):
    problems = problems_for(tmp_path, claims={"x": claim_text(verdict="false"),
                                              "y": claim_text(verdict="False")})
    assert not problems.errors


def test_file_name_that_is_not_a_slug_gets_the_corrected_slug(tmp_path):
    problems = problems_for(tmp_path, claims={"Jobs_Doubled Now": claim_text()})
    error = one(problems, "Jobs_Doubled Now.md")
    assert "'jobs-doubled-now.md'" in error.hint


def test_cross_file_checks(tmp_path):
    problems = problems_for(tmp_path, claims={
        "a": claim_text(related="[a, b]"),
        "b": claim_text(draft="true"),
        "c": claim_text(published="2999-01-01"),
        "d": claim_text(body="See [x](/claims/nope/) and [y](/claims/a/).\n"),
    }, extra={"content/topics/empty.md": "---\ntitle: Empty\n---\n",
              "seeds/unused.yaml": "headline: Unused\n"})
    texts = [p.as_text() for p in problems]
    assert any("claims/a.md" in t and "related to itself" in t for t in texts)
    assert any("claims/a.md" in t and "warning" in t and "'b' is not published" in t
               for t in texts)
    assert any("claims/c.md" in t and "in the future" in t for t in texts)
    assert any("claims/d.md:13" in t and "/claims/nope/" in t for t in texts)
    assert not any("link '/claims/a/'" in t for t in texts)
    assert any("topics/empty.md" in t and "no published claims" in t for t in texts)
    assert any("seeds/unused.yaml" in t and "no claim uses" in t for t in texts)


def test_duplicate_slug_in_subfolders(tmp_path):
    problems = problems_for(tmp_path, claims={"x": claim_text()},
                            extra={"content/claims/2024/x.md": claim_text()})
    assert any("used twice" in p.message for p in problems.errors)


def test_upside_down_verdict_scale_fails(tmp_path):
    site_yaml = (
        "title: T\nbase_url: https://t.example.org\npublisher: {name: T, url: https://t.example.org/}\n"
        "verdicts:\n  - {key: 'true', label: 'True', rating: 1}\n"
        "  - {key: 'false', label: 'False', rating: 5}\n")
    problems = problems_for(tmp_path, claims={"x": claim_text()},
                            extra={"content/site.yaml": site_yaml})
    error = one(problems, "content/site.yaml")
    assert "wrong way" in error.message and error.line == 6


@pytest.mark.parametrize("rating", [".nan", ".inf", "1.0e+400"])
def test_a_rating_json_cannot_write_is_an_error_at_its_line(tmp_path, rating):
    site_yaml = (
        "title: T\nbase_url: https://t.example.org\npublisher: {name: T, url: https://t.example.org/}\n"
        "verdicts:\n  - {key: 'true', label: 'True', rating: 2}\n"
        f"  - {{key: 'false', label: 'False', rating: {rating}}}\n")
    problems = problems_for(tmp_path, claims={"x": claim_text()},
                            extra={"content/site.yaml": site_yaml})
    error = one(problems, "content/site.yaml")
    assert "rating must be a number" in error.message and error.line == 6, error.as_text()


def test_yes_no_verdict_proposes_only_a_key_of_the_sites_own_scale(tmp_path):
    """`verdict: no` on a scale without 'false' must not propose 'false' (itself an error)."""
    site_yaml = (
        "title: T\nbase_url: https://t.example.org\npublisher: {name: T, url: https://t.example.org/}\n"
        "verdicts:\n  - {key: correct, label: Correct, rating: 2}\n"
        "  - {key: wrong, label: Wrong, rating: 1}\n")
    problems = problems_for(tmp_path, claims={"x": claim_text(verdict="no")},
                            extra={"content/site.yaml": site_yaml})
    error = one(problems, "content/claims/x.md")
    assert "unknown verdict 'no'" in error.message
    assert "'false'" not in error.hint, error.as_text()
    assert "the scale is: correct, wrong" in error.hint


def test_everything_is_reported_in_one_run_sorted(tmp_path):
    problems = problems_for(tmp_path, claims={
        "b": claim_text(verdict="flase", topics="[nope]"),
        "a": claim_text(claimant="nobody", published="2024-02-31"),
    })
    errors = problems.errors
    assert len(errors) == 4
    assert [(p.path, p.line) for p in errors] == sorted((p.path, p.line) for p in errors)


def test_cli_text_github_and_json_formats_and_exit_codes(tmp_path):
    content = write_site(tmp_path, claims={"x": claim_text(verdict="flase")})
    text = run_cli("check", "--content", str(content))
    assert text.returncode == 1 and "Traceback" not in text.stdout + text.stderr
    assert "content/claims/x.md:8:1: error: unknown verdict 'flase'" in text.stdout
    github = run_cli("check", "--content", str(content), "--format", "github")
    assert github.stdout.startswith("::error file=content/claims/x.md,line=8,")
    data = json.loads(run_cli("check", "--content", str(content), "--format", "json").stdout)
    assert data[0]["line"] == 8 and data[0]["severity"] == "error"


def test_warnings_fail_only_with_strict(tmp_path):
    content = write_site(tmp_path, claims={"x": claim_text(claimaint="x")})
    assert run_cli("check", "--content", str(content)).returncode == 0
    assert run_cli("check", "--content", str(content), "--strict").returncode == 1


def test_clean_site_passes(tmp_path):
    content = write_site(tmp_path)
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 0 and "No problems found" in result.stdout


def test_shipped_content_has_no_errors():
    from conftest import REPO

    result = run_cli("check", "--content", str(REPO / "content"))
    assert result.returncode == 0, result.stdout


def test_files_the_builder_skips_are_named(tmp_path):
    problems = problems_for(tmp_path, extra={"content/claims/typo.MD": claim_text(),
                                             "content/claims/notes.txt": "x",
                                             "seeds/other.yml": "headline: x\n"})
    warnings = [p.as_text() for p in problems.warnings]
    assert any("claims/typo.MD" in w and "typo.md" in w for w in warnings)
    assert any("claims/notes.txt" in w and "ignored" in w for w in warnings)
    assert any("seeds/other.yml" in w and "other.yaml" in w for w in warnings)
    assert not problems.errors


@pytest.mark.parametrize("name, proposed", [
    ("Zelensky Said.md", "zelensky-said.md"),
    ("straße-in-łódź.md", "strasse-in-lodz.md"),
    ("Ærø-ferry.md", "aero-ferry.md"),
])
def test_a_file_name_with_accents_or_capitals_gets_the_slug_to_use(tmp_path, name, proposed):
    content = write_site(tmp_path)
    (content / "claims" / name).write_text(claim_text(), encoding="utf-8")
    problems = check(Sources.at(content)).problems.errors
    mine = [p for p in problems if p.path.endswith(name)]
    assert len(mine) == 1 and f"'{proposed}'" in mine[0].hint


def test_file_name_that_is_not_utf8_is_reported_not_a_crash(tmp_path):
    """Names come from any file system (an old zip, a Windows share): no traceback."""
    import os

    content = write_site(tmp_path)
    os.write(os.open(bytes(content / "claims") + b"/caf\xe9-claim.md",
                     os.O_WRONLY | os.O_CREAT, 0o644), claim_text().encode())
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "is not a valid slug" in result.stdout + result.stderr
    build = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert build.returncode == 1 and "Traceback" not in build.stderr + build.stdout


def test_links_pipes_and_loops_named_like_content_are_reported_not_a_hang(tmp_path):
    """A symbolic link loop, a dangling link and a named pipe called *.md: an error
    each at the file, no traceback, and no wait for a pipe's writer."""
    import os

    content = write_site(tmp_path)
    claims = content / "claims"
    os.symlink("loop.md", claims / "loop.md")
    os.symlink(tmp_path / "nowhere.md", claims / "dangling.md")
    os.mkfifo(claims / "pipe.md")
    os.symlink("loop.yaml", tmp_path / "seeds" / "loop.yaml")
    for command in (["check"], ["build", "--out", str(tmp_path / "out")]):
        result = run_cli(*command, "--content", str(content))
        report = result.stdout + result.stderr
        assert result.returncode == 1 and "Traceback" not in report, report
        for name in ("claims/loop.md", "claims/dangling.md", "claims/pipe.md",
                     "seeds/loop.yaml"):
            assert f"{name}:1:1: error: the file cannot be read" in report, report
        # the other seeds are still read: the claim drawn from one has no error
        assert "first-article" not in report
    assert not (tmp_path / "out").exists()


def test_site_yaml_that_is_a_folder_and_seeds_that_is_a_file_are_named(tmp_path):
    content = write_site(tmp_path)
    (content / "site.yaml").unlink()
    (content / "site.yaml").mkdir()
    import shutil
    shutil.rmtree(tmp_path / "seeds")
    (tmp_path / "seeds").write_text("not a folder\n")
    problems = check(Sources.at(content)).problems
    assert "site.yaml is a folder" in one(problems, "content/site.yaml").message
    warning = one(problems, "seeds", "warning")
    assert "is a file, not a folder" in warning.message


@pytest.mark.parametrize("alias, words", [
    ('"/a%00b/"', "control character"),
    ('"/%2e%2e/%2e%2e/x/"', "parts that start with '.'"),
    ('"/./"', "parts that start with '.'"),
    ('"/old//page/"', "empty parts"),
    ('"/x?y=1#z"', "without '?' or '#'"),
    ('"/_redirects"', "file of the host's own"),
    ('"/caf%E9/"', "not UTF-8"),
    ('"/a%2Fb/"', "encoded '/'"),
    ('"/' + "a" * 300 + '/"', "too long for a file name"),
])
def test_aliases_that_cannot_be_a_file_path_are_refused_at_their_line(tmp_path, alias, words):
    problems = problems_for(tmp_path, claims={"the-claim": claim_text(aliases=f"[{alias}]"),
                                              "other": claim_text()})
    error = one(problems, "content/claims/the-claim.md")
    assert error.line == 12 and words in error.message, error.as_text()


def test_alias_that_needs_a_folder_where_a_page_is_a_file_is_a_collision(tmp_path):
    problems = problems_for(tmp_path, claims={"the-claim": claim_text(aliases='["/feed.xml/"]'),
                                              "other": claim_text()})
    error = one(problems, "content/claims/the-claim.md")
    assert error.message == ("/feed.xml/ (an alias in content/claims/the-claim.md) would need "
                             "a folder where /feed.xml (the site's own /feed.xml) is a "
                             "file"), error.as_text()


def test_a_collision_names_both_files(tmp_path):
    problems = problems_for(tmp_path, claims={
        "first": claim_text(aliases="[/claims/old/]"),
        "second": claim_text(aliases="[/claims/old/]")})
    error = one(problems, "claims/second.md")
    assert error.message == ("two things would be written to /claims/old/: an alias in "
                             "content/claims/second.md and an alias in "
                             "content/claims/first.md"), error.as_text()


def test_file_name_too_long_for_output_files_is_refused_with_a_shorter_name(tmp_path):
    slug = "-".join(["word"] * 50)  # 249 characters: a file name, but no room for more
    problems = problems_for(tmp_path, claims={slug: claim_text(), "other": claim_text()})
    error = one(problems, f"content/claims/{slug}.md")
    assert "too long" in error.message
    suggested = error.hint.split("'")[1]
    assert suggested.endswith(".md") and len(suggested) <= 203 and slug.startswith(suggested[:-3])


def test_file_name_in_another_script_gets_a_useful_rename_hint(tmp_path):
    problems = problems_for(tmp_path, claims={"ложь": claim_text(), "other": claim_text()})
    error = one(problems, "content/claims/ложь.md")
    assert "untitled" not in error.hint and "Latin letters" in error.hint


@pytest.mark.parametrize("value", ['"2024-00-15"', '"2024-10-00"', '"2024-00"', '"0000"'])
def test_partial_date_with_a_zero_month_day_or_year_is_refused(tmp_path, value):
    content = write_site(tmp_path, claims={"the-claim": claim_text(claim_date=value),
                                           "other": claim_text()})
    error = one(check(Sources.at(content)).problems, "content/claims/the-claim.md")
    assert error.line == 12 and "not a valid date" in error.message, error.as_text()
    result = run_cli("build", "--content", str(content))
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout


def test_dates_after_today_are_flagged_where_they_are_written(tmp_path):
    problems = problems_for(tmp_path, claims={
        "the-claim": claim_text(updated="9999-12-31", claim_date='"2999"',
                                corrections="\n  - date: 9999-01-01\n    note: x",
                                source="\n  publisher: Example News\n  date: 2998-05"),
        "other": claim_text()})
    warnings = [p for p in problems.warnings if p.path.endswith("the-claim.md")]
    assert {(p.line, p.message.split("'")[1]) for p in warnings} == {
        (7, "source"), (12, "updated"), (13, "claim_date"), (15, "corrections")}, \
        [p.as_text() for p in warnings]
    assert all("in the future" in p.message for p in warnings)
    shown = {p.message.split("'")[1]: p.message.rsplit("(", 1)[1].rstrip(")") for p in warnings}
    # a partial date as written, not the first day it stands for
    assert shown == {"source": "2998-05", "updated": "9999-12-31", "claim_date": "2999",
                     "corrections": "9999-01-01"}, shown


def test_empty_required_field_is_named_at_its_own_line(tmp_path):
    problems = problems_for(tmp_path, claims={"the-claim": claim_text(published=""),
                                              "other": claim_text()})
    error = one(problems, "content/claims/the-claim.md")
    assert error.line == 11 and "'published' is empty" in error.message, error.as_text()


def test_one_broken_file_does_not_make_others_report_it_missing(tmp_path):
    """A topic or claim with an error of its own is not also "unknown" or "not
    published" wherever it is named: the report points at the one real mistake."""
    problems = problems_for(tmp_path, extra={
        "content/topics/economy.md": "---\ndescription: no title\n---\nText.\n"},
        claims={"jobs-doubled": claim_text(related="[prices-fell]",
                                           body="See [the other](/claims/prices-fell/).\n"),
                "prices-fell": claim_text(published="2024-02-30", topics="[health]")})
    assert sorted(p.path.rsplit("/", 1)[-1] for p in problems.errors) == [
        "economy.md", "prices-fell.md"], [p.as_text() for p in problems]
    assert not [p for p in problems.warnings if "jobs-doubled" in p.path]


def test_a_name_clash_is_blamed_on_the_file_not_named_for_it(tmp_path):
    problems = problems_for(tmp_path, extra={
        "content/actors/acme-corp.md": "---\nname: Jane Doe\n---\nA company.\n"})
    error = one(problems, "content/actors/acme-corp.md")
    assert "the name 'Jane Doe' also belongs to content/actors/jane-doe.md" in error.message
    assert error.line == 2  # where the name is written, to be changed


def test_an_alias_shared_by_two_actors_is_reported_at_the_alias(tmp_path):
    problems = problems_for(tmp_path, extra={
        "content/actors/acme-corp.md": "---\nname: Acme Corp\nrole: Company\naliases:\n"
                                       "  - Acme\n  - j. doe\n---\nA company.\n"})
    error = one(problems, "content/actors/jane-doe.md")  # the second file read
    assert "the name 'J. Doe' also belongs to content/actors/acme-corp.md" in error.message
    assert error.line == 4  # aliases: ["J. Doe"], not the top of the file


@pytest.mark.parametrize("logo", ['"javascript:alert(1)"', '"data:image/png;base64,AAAA"',
                                  '"//evil.example/x.png"'])
def test_publisher_logo_must_be_a_web_address_or_a_site_path(tmp_path, logo):
    from conftest import SITE_YAML

    site_yaml = SITE_YAML.replace("logo: /static/logo.png", f"logo: {logo}")
    problems = problems_for(tmp_path, extra={"content/site.yaml": site_yaml})
    error = one(problems, "content/site.yaml")
    assert error.line == 7 and "'publisher.logo' must be a web address" in error.message


def test_a_file_name_with_a_line_break_stays_one_report_line(tmp_path):
    content = write_site(tmp_path, claims={"fine": claim_text()})
    (content / "claims" / "bad\nname%.md").write_text(claim_text())
    for fmt in ("text", "github"):
        result = run_cli("check", "--content", str(content), "--format", fmt)
        lines = [line for line in (result.stdout + result.stderr).splitlines()
                 if "name%" in line]
        assert len(lines) == 1, lines
        assert ("bad\\nname%.md" if fmt == "text" else "bad%0Aname%25.md") in lines[0], lines


def test_site_yaml_that_is_a_list_gets_a_site_yaml_example(tmp_path):
    problems = problems_for(tmp_path, extra={"content/site.yaml": "- title\n- base_url\n"})
    error = one(problems, "content/site.yaml")
    assert "base_url" in error.hint and "verdict" not in error.hint


@pytest.mark.parametrize("written", ["https://example.org/checks/", "https://example.org/?x=1",
                                     "https://example.org/#top", "https://example.org/?",
                                     "https://example.org#", "https://user:pw@example.org"])
def test_base_url_with_more_than_a_domain_is_refused_as_the_option_is(tmp_path, written):
    """Every canonical link, feed entry and sitemap address would be malformed."""
    from conftest import SITE_YAML

    site_yaml = SITE_YAML.replace("base_url: https://checks.example.org", f"base_url: {written}")
    problems = problems_for(tmp_path, extra={"content/site.yaml": site_yaml})
    error = one(problems, "content/site.yaml", "error")
    assert error.line == 2 and "more than a domain" in error.message
    assert error.hint.endswith("base_url: https://example.org"), error.hint
    assert all("domain" not in p.message for p in problems_for(tmp_path / "root"))


def test_did_you_mean_finds_the_nearest_name_among_thousands():
    """Big sites take the shortlist path: the hint must still name the right file."""
    from site_builder.problems import did_you_mean

    slugs = [f"crime-fell-in-{n}-cities" for n in range(5000)] + ["prices-doubled-in-march"]
    assert did_you_mean("prices-dobled-in-march", slugs) == "did you mean 'prices-doubled-in-march'?"
    assert "'crime-fell-in-4321-cities'" in did_you_mean("Crime-Fell-In-4321-Citys", slugs)
    assert did_you_mean("zzzz", slugs) == ""
    # a typo at the start, in the middle or at the end of one of thousands of alike slugs
    words = ["prices", "wages", "crime", "debt", "jobs", "rents", "fares", "taxes"]
    slugs = [f"{w}-{verb}-by-{n}-percent-in-{y}" for w in words for verb in ("rose", "fell")
             for n in range(1, 100, 3) for y in range(2015, 2025)]
    assert len(slugs) > 5000
    for typo, meant in (("prces-rose-by-52-percent-in-2019", "prices-rose-by-52-percent-in-2019"),
                        ("wages-fel-by-13-percent-in-2021", "wages-fell-by-13-percent-in-2021"),
                        ("debt-rose-by-88-percent-in-2O22", "debt-rose-by-88-percent-in-2022"),
                        ("fares-rose-by-4-percent-in-2016-old", "fares-rose-by-4-percent-in-2016")):
        assert did_you_mean(typo, slugs).startswith(f"did you mean '{meant}'"), typo


def test_a_publisher_logo_that_is_not_built_is_flagged_at_its_line(tmp_path):
    content = write_site(tmp_path)
    (tmp_path / "static" / "logo.png").unlink()
    warning = one(check(Sources.at(content)).problems, "content/site.yaml", "warning")
    assert warning.line == 7 and "'/static/logo.png' is not a file of the built site" \
        in warning.message


def test_relative_links_in_a_text_are_checked_from_the_page_they_are_on(tmp_path):
    body = ("## Links\n\nSee [the other check](../prices-fell/) and [a typo](../prices-fel/).\n"
            "\nAnd [a file](report.pdf) and [the web](https://example.org/x).\n")
    problems = problems_for(tmp_path, claims={"jobs-doubled": claim_text(body=body),
                                              "prices-fell": claim_text()})
    errors = [p for p in problems.errors if p.path.endswith("jobs-doubled.md")]
    assert sorted(p.message.split("'")[1] for p in errors) == ["/claims/jobs-doubled/report.pdf",
                                                              "/claims/prices-fel/"]
    assert all(p.line == 15 for p in errors if "prices-fel/" in p.message)
    assert "prices-fell" in [p for p in errors if "prices-fel/" in p.message][0].hint


def test_full_addresses_of_this_sites_pages_are_checked_too(tmp_path):
    """An editor copies an address from the browser: a typo in it is a dead link
    on this site; another site's addresses are not ours to check."""
    body = ("## Links\n\n[ok](https://checks.example.org/claims/prices-fell/) "
            "[home](https://checks.example.org) [typo](http://checks.example.org/claims/prices-fel/)"
            " [elsewhere](https://example.org/claims/no-such/) [file](/about/index.html)\n\n"
            "[a](https://checks.example.org:443/claims/a/) [b](https://checks.example.org./b/)"
            " [c](//checks.example.org/c/) [d](https://CHECKS.example.org/claims/prices-fell/)\n")
    problems = problems_for(tmp_path, claims={"jobs-doubled": claim_text(body=body),
                                              "prices-fell": claim_text()})
    errors = [p for p in problems.errors if p.path.endswith("jobs-doubled.md")]
    assert sorted(p.message.split("'")[1] for p in errors) == [
        "//checks.example.org/c/", "http://checks.example.org/claims/prices-fel/",
        "https://checks.example.org./b/", "https://checks.example.org:443/claims/a/"], \
        [p.as_text() for p in problems]
    typo = next(p for p in errors if "prices-fel/" in p.message)
    assert "prices-fell" in typo.hint and typo.line == 15


def test_a_site_on_a_unicode_domain_has_its_full_addresses_checked(tmp_path):
    from conftest import SITE_YAML

    site_yaml = SITE_YAML.replace("base_url: https://checks.example.org",
                                  "base_url: https://bücher.example")
    problems = problems_for(tmp_path, claims={"jobs-doubled": claim_text(
        body="[a](https://bücher.example/claims/none/) [b](https://xn--bcher-kva.example/x/)\n")},
        extra={"content/site.yaml": site_yaml})
    assert len([p for p in problems.errors if "does not exist" in p.message]) == 2, \
        [p.as_text() for p in problems]


def test_an_image_that_is_not_a_file_of_the_site_is_an_error(tmp_path):
    """A broken <img> would otherwise be published; one in static/ is fine."""
    body = ("## Chart\n\n![the chart](/static/missing-chart.png)\n\n"
            "![the logo](/static/logo.png) and ![theirs](https://example.org/x.png)\n")
    problems = problems_for(tmp_path, claims={"jobs-doubled": claim_text(body=body)},
                            extra={"static/logo.png": b"\x89PNG\r\n\x1a\n"})
    errors = [p for p in problems.errors if p.path.endswith("jobs-doubled.md")]
    assert [(p.line, p.message.split("'")[1]) for p in errors] == [
        (15, "/static/missing-chart.png")], [p.as_text() for p in problems]
    assert "points to a file" in errors[0].message and "static/" in errors[0].hint


def test_an_old_address_with_and_without_its_trailing_slash_is_one_alias(tmp_path):
    problems = problems_for(tmp_path, claims={
        "the-claim": claim_text(aliases='["/claims/old-slug/", "/claims/old-slug"]'),
        "other": claim_text()})
    assert not problems.errors, [p.as_text() for p in problems]


def test_a_link_to_a_draft_claim_says_so(tmp_path):
    problems = problems_for(tmp_path, claims={
        "jobs-doubled": claim_text(body="## Links\n\nSee [the draft](/claims/soon/).\n"),
        "soon": claim_text(draft="true")})
    error = one(problems, "content/claims/jobs-doubled.md")
    assert error.line == 15 and "points to a claim that is not published" in error.message


def test_a_claim_date_after_publication_is_a_warning_at_its_line(tmp_path: Path):
    problems = problems_for(tmp_path, {
        "later": claim_text(claim_date="2024-05", published="2024-03-01"),
        "same-month": claim_text(claim_date="2024-03", published="2024-03-01"),
        "earlier": claim_text(claim_date="2024-02-28", published="2024-03-01")})
    warning = one(problems, "claims/later.md", "warning")
    lines = (tmp_path / "content/claims/later.md").read_text().splitlines()
    assert lines[warning.line - 1].startswith("claim_date:")
    assert "'claim_date' (2024-05) is after 'published' (2024-03-01)" in warning.message
    assert not [p for p in problems if "same-month" in p.path or "earlier" in p.path]


@pytest.mark.parametrize("language, hint", [("english", "write language: en"),
                                            ("en_GB", "BCP 47"), ("pt-BR", None)])
def test_a_language_that_is_not_a_code_is_a_warning(tmp_path: Path, language, hint):
    content = write_site(tmp_path)
    site = content / "site.yaml"
    site.write_text(site.read_text() + f"language: {language}\n")
    problems = check(Sources.at(content)).problems
    found = [p for p in problems if p.path.endswith("site.yaml")]
    if hint is None:
        assert found == []
        return
    [warning] = found
    assert warning.severity == "warning" and f"'{language}' is not a language code" in warning.message
    assert hint in warning.hint
    assert site.read_text().splitlines()[warning.line - 1] == f"language: {language}"


def test_a_misnamed_folder_and_a_loose_markdown_file_in_content_are_named(tmp_path: Path):
    """Nothing in content/claim/ or content/x.md is read: say so, and where they go."""
    content = write_site(tmp_path)
    (content / "claim").mkdir()
    (content / "claim/forgotten.md").write_text(claim_text())
    (content / "about-us.md").write_text("---\ntitle: About\n---\nText.\n")
    (content / "images").mkdir()  # a folder of the site's own: not a near miss
    problems = check(Sources.at(content)).problems
    folder = one(problems, "content/claim", "warning")
    assert "nothing in the folder claim/ is read" in folder.message
    assert "did you mean 'claims'?" in folder.hint
    loose = one(problems, "content/about-us.md", "warning")
    assert "pages/" in loose.hint
    assert not [p for p in problems if "images" in p.path]


def test_a_scale_with_no_usable_verdict_is_named_as_the_cause(tmp_path: Path):
    """Every claim's 'unknown verdict' points at site.yaml, not at an empty list."""
    content = write_site(tmp_path)
    site = content / "site.yaml"
    site.write_text(site.read_text() + 'verdicts:\n  - {label: "True", rating: 2}\n')
    problems = check(Sources.at(content)).problems
    scale = one(problems, "site.yaml")
    assert "'verdicts[0].key' is missing" in scale.message
    assert scale.hint.startswith("add it to this entry of 'verdicts'")
    claims = [p for p in problems.errors if "/claims/" in p.path]
    assert claims and all("unknown verdict" in p.message for p in claims)
    assert all(p.hint == "site.yaml's verdict scale has no usable verdict: fix the scale first"
               for p in claims)


def test_check_piped_into_a_reader_that_stops_ends_without_a_traceback(tmp_path):
    """`site-builder check | head -1`: head exits after one line; check must not
    print a BrokenPipeError traceback into the editor's terminal."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    content = write_site(tmp_path, claims={f"c{n}": claim_text(verdict="flase")
                                           for n in range(5)})
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    try:
        result = subprocess.run([sys.executable, "-m", "site_builder", "check", "--content",
                                 str(content)], stdout=write, stderr=subprocess.PIPE,
                                text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                                timeout=300)
    finally:
        os.close(write)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 141


def test_an_item_listed_twice_is_a_warning_at_the_second(tmp_path):
    """related: [a, b, a] shows 'a' once: the repeat is a slip the editor should see."""
    problems = problems_for(tmp_path, claims={
        "jobs-doubled": claim_text(related="\n  - prices-fell\n  - prices-fell",
                                   topics="[economy, health, economy]"),
        "prices-fell": claim_text()})
    assert not problems.errors, [p.as_text() for p in problems]
    repeats = sorted((p.line, p.message) for p in problems.warnings if "twice" in p.message)
    assert [line for line, _ in repeats] == [10, 14]  # topics: [...], the second '- '
    assert "'economy' is listed twice in 'topics' (first at line 10)" in repeats[0][1]
    assert "'prices-fell' is listed twice in 'related' (first at line 13)" in repeats[1][1]


@pytest.mark.parametrize("slug", ["claims", "search", "verdicts"])
def test_a_page_named_after_a_section_is_one_error_not_two(tmp_path, slug):
    """content/pages/claims.md: the reserved name was reported, then again as
    "two things would be written to /claims/", the same mistake twice."""
    problems = problems_for(tmp_path, extra={f"content/pages/{slug}.md":
                                             "---\ntitle: Ours\n---\nText.\n"})
    errors = [p for p in problems.errors if p.path.endswith(f"pages/{slug}.md")]
    assert len(errors) == 1, [p.as_text() for p in problems]
    assert f"the page slug '{slug}' is reserved" in errors[0].message
    assert f"about-{slug}.md" in errors[0].hint
    assert len(problems.errors) == 1, [p.as_text() for p in problems]


def test_every_claim_naming_the_same_missing_actor_gets_the_hint(tmp_path):
    """A renamed actor file leaves each of its claims with the same unknown
    claimant; the guess is worked out once a build, and each error still has it."""
    claims = {f"c{i}": claim_text(claimant="jane-do", topics="[econmy]") for i in range(3)}
    problems = problems_for(tmp_path, claims=claims)
    actors = [p for p in problems.errors if "no actor matches the claimant 'jane-do'" in p.message]
    topics = [p for p in problems.errors if "unknown topic 'econmy'" in p.message]
    assert sorted(p.path for p in actors) == [f"content/claims/c{i}.md" for i in range(3)]
    assert all("did you mean 'jane-doe'?" in p.hint for p in actors)
    assert len(topics) == 3 and all("did you mean 'economy'?" in p.hint for p in topics)


def test_build_lists_every_error_but_only_the_first_warnings(tmp_path):
    """Thousands of old checks with long claims: `check` lists every warning,
    `build` every error and the first BUILD_WARNINGS warnings, then a count."""
    from site_builder.problems import BUILD_WARNINGS

    long_claim = '"' + "A claim that runs on and on " * 4 + '"'
    claims = {f"c{i:03d}": claim_text(claim=long_claim) for i in range(BUILD_WARNINGS + 5)}
    content = write_site(tmp_path, claims=claims)
    checked = run_cli("check", "--content", str(content))
    assert checked.returncode == 0
    assert checked.stdout.count("characters long") == BUILD_WARNINGS + 5
    total = int(re.search(r"0 errors, (\d+) warnings", checked.stdout).group(1))
    assert checked.stdout.count(": warning: ") == total > BUILD_WARNINGS
    built = run_cli("build", "--content", str(content), "--out", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    assert built.stderr.count(": warning: ") == BUILD_WARNINGS
    assert (f"... and {total - BUILD_WARNINGS} more warnings ('site-builder check' lists "
            "them all)") in built.stderr
    assert f"0 errors, {total} warnings" in built.stderr
    (content / "claims/c054.md").write_text(claim_text(verdict="flase"))  # listed, though last
    failed = run_cli("build", "--content", str(content), "--out", str(tmp_path / "out"))
    assert failed.returncode == 1 and "c054.md:8:1: error: unknown verdict 'flase'" in failed.stderr
    assert failed.stderr.count(": warning: ") == BUILD_WARNINGS


def test_a_seed_named_with_no_seeds_register_says_where_seeds_go(tmp_path):
    import shutil

    content = write_site(tmp_path, claims={"x": claim_text(source="\n  seed: first-article")})
    shutil.rmtree(tmp_path / "seeds")
    error = one(check(Sources.at(content)).problems, "content/claims/x.md")
    assert "no seed was found" in error.message and error.line == 6, error.as_text()
    assert "seeds/first-article.yaml" in error.hint and "--seeds" in error.hint


@pytest.mark.parametrize("title", ['"\\u200b\\u200b"', '"\\u200e \\u2060"'])
def test_a_title_of_only_invisible_characters_is_an_error(tmp_path, title):
    problems = problems_for(tmp_path, claims={"x": claim_text(title=title)})
    error = one(problems, "content/claims/x.md")
    assert "only invisible characters" in error.message and error.line == 2, error.as_text()


def test_a_title_with_a_zero_width_joiner_in_a_word_is_fine(tmp_path):
    problems = problems_for(tmp_path, claims={"x": claim_text(title='"Emoji \\U0001F469\\u200d\\U0001F52C test"')})
    assert not [p for p in problems.errors if p.path.endswith("x.md")]


def test_content_pointing_at_the_project_says_which_folder_to_pass(tmp_path):
    write_site(tmp_path)
    result = run_cli("check", "--content", str(tmp_path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "site.yaml is missing from this folder" in result.stdout, result.stdout
    assert "--content content" in result.stdout


@pytest.mark.parametrize("folder", ["content", "content/claims", "seeds"])
def test_a_folder_that_cannot_be_read_is_named_not_a_traceback(tmp_path, folder):
    import subprocess
    import sys

    from conftest import REPO, as_unprivileged

    content = write_site(tmp_path)
    (tmp_path / folder).chmod(0)
    try:
        result = subprocess.run(
            [*as_unprivileged(), sys.executable, "-m", "site_builder", "check", "--content",
             str(content)], capture_output=True, text=True, env={"PYTHONPATH": str(REPO)},
            timeout=120)
    finally:
        (tmp_path / folder).chmod(0o755)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert f"{folder}:1:1: error: this folder cannot be read (Permission denied)" \
        in result.stdout, result.stdout
    assert "site.yaml is missing" not in result.stdout


def test_problem_paths_open_from_where_the_command_runs(tmp_path):
    """A repository with the site in a sub-folder: `check --content site/content`
    run at the top names files as that shell (and GitHub's annotations) find them."""
    content = write_site(tmp_path / "site", claims={
        "bad": claim_text(verdict="flase"), "long": claim_text(claim='"' + "word " * 30 + '"')})
    top = run_cli("check", "--content", "site/content", cwd=tmp_path)
    assert top.returncode == 1 and "site/content/claims/bad.md:" in top.stdout, top.stdout
    located = [line.split(":")[0] for line in top.stdout.splitlines() if ": error: " in line
               or ": warning: " in line]
    assert located and all((tmp_path / path).is_file() for path in located), located
    github = run_cli("check", "--content", "site/content", "--format", "github", cwd=tmp_path)
    assert "::error file=site/content/claims/bad.md,line=" in github.stdout, github.stdout
    # files named inside messages and hints too, but not values quoted from a file
    (content / "claims/sub").mkdir()
    (content / "claims/sub/long.md").write_text(claim_text(), encoding="utf-8")
    (content / "claims/other.md").write_text(claim_text(claimant='"Nobody Known"'),
                                             encoding="utf-8")
    named = run_cli("check", "--content", "site/content", cwd=tmp_path).stdout
    assert "is used twice (also site/content/claims/long.md)" in named, named
    assert "create site/content/actors/nobody-known.md" in named, named
    assert "the claimant 'Nobody Known'" in named, named
    (content / "claims/sub/long.md").unlink()
    (content / "claims/other.md").unlink()
    inside = run_cli("check", "--content", ".", cwd=content)
    assert inside.stdout.startswith("claims/bad.md:"), inside.stdout
    # the build's report, and the warnings a nothing-changed build repeats, the same way
    (content / "claims/bad.md").unlink()
    for _ in range(2):
        built = run_cli("build", "--content", "site/content", cwd=tmp_path)
        assert built.returncode == 0 and "site/content/claims/long.md:" in built.stderr, \
            built.stderr
    assert "Nothing changed" in built.stdout
    # the project reached through a linked folder below here
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo/linked").symlink_to(tmp_path / "site")
    linked = run_cli("check", "--content", "linked/content", cwd=tmp_path / "repo")
    assert "\nlinked/content/claims/long.md:" in "\n" + linked.stdout, linked.stdout
    # from elsewhere (not above or inside the project): relative to the project, as before
    elsewhere = run_cli("check", "--content", str(content))
    assert "\ncontent/claims/long.md:" in "\n" + elsewhere.stdout, elsewhere.stdout


def test_a_claim_with_errors_still_has_its_links_checked_in_the_same_run(tmp_path):
    """Fixing the verdict must not bring up a dead link the first run could have
    named; and the topic only that claim names is not called unused."""
    problems = problems_for(tmp_path, claims={
        "lonely": claim_text(verdict="flase", topics="[health]",
                             body="See [this](/claims/nope/).\n")})
    found = {(p.severity, p.message.split(" '")[0]) for p in problems
             if p.path.endswith(("lonely.md", "health.md"))}
    assert found == {("error", "unknown verdict"), ("error", "the link")}, found
    link = next(p for p in problems if p.message.startswith("the link"))
    assert "'/claims/nope/'" in link.message and link.line == 13, link.as_text()


@pytest.mark.parametrize("written, hint", [("company", "kind: organization for a company"),
                                           ("organisation", "did you mean 'organization'?")])
def test_an_actor_kind_that_is_not_one_gets_a_hint(tmp_path, written, hint):
    problems = problems_for(tmp_path, extra={
        "content/actors/acme-corp.md": f"---\nname: Acme Corp\nkind: {written}\n---\n"})
    error = one(problems, "content/actors/acme-corp.md")
    assert error.line == 3 and f"not '{written}'" in error.message and hint in error.hint


def test_a_name_that_is_another_actors_file_name_means_that_file(tmp_path):
    """'Picard' is the name in jl-picard.md and, in other letters, the file name
    picard.md: the actor file is told, and the claim means picard.md (not 'no actor
    matches', with a hint to create the file that exists)."""
    problems = problems_for(tmp_path, claims={"c1": claim_text(claimant='"Picard"')}, extra={
        "content/actors/picard.md": "---\nname: Jean-Luc Picard\n---\n",
        "content/actors/jl-picard.md": "---\nname: Picard\n---\n"})
    assert [(p.path, p.line) for p in problems.errors] == [("content/actors/jl-picard.md", 2)]
    assert "content/actors/picard.md" in problems.errors[0].hint
    written = problems_for(tmp_path / "upper", claims={"c1": claim_text(claimant="JANE-DOE")})
    assert not written.errors, [p.as_text() for p in written]


def test_an_actor_file_whose_name_is_no_slug_is_one_error_not_one_per_claim(tmp_path):
    """Kira-Takahashi.md is reported; the claims that say kira-takahashi are not told
    to create a file that, on macOS or Windows, is that one."""
    content = write_site(tmp_path, claims={f"c{i}": claim_text() for i in range(3)})
    (content / "actors/jane-doe.md").rename(content / "actors/Jane-Doe.md")
    problems = check(Sources.at(content)).problems
    assert [p.path for p in problems.errors] == ["content/actors/Jane-Doe.md"], \
        [p.as_text() for p in problems]


def test_check_takes_unchanged_files_from_the_last_build_and_writes_nothing(tmp_path):
    """An editor's check after a build parses only what changed since (the
    cache's keys are the files' digests), and leaves the cache as it was."""
    from site_builder.cache import BuildCache

    content = write_site(tmp_path)
    assert run_cli("build", "--content", str(content)).returncode == 0
    (content / "claims/jobs-doubled.md").write_text(claim_text(verdict="flase"),
                                                    encoding="utf-8")
    folder = tmp_path / ".site-builder-cache"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 1 and "unknown verdict 'flase'" in result.stdout, result.stdout
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    fresh = run_cli("check", "--content", str(content))
    shutil.rmtree(folder)
    assert run_cli("check", "--content", str(content)).stdout == fresh.stdout == result.stdout
    assert not folder.exists()  # a check with no build before it makes no cache either
    (content / "claims/jobs-doubled.md").write_text(claim_text(), encoding="utf-8")
    assert run_cli("build", "--content", str(content)).returncode == 0
    (content / "claims/jobs-doubled.md").write_text(claim_text(title='"New title"'),
                                                    encoding="utf-8")
    cache = BuildCache.at(Sources.at(content))
    cache.load()
    assert check(Sources.at(content), cache=cache, store=False).parsed == 1
