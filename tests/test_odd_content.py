"""Odd and hostile content (found by feeding the tool adversarial files): what
the editor is told, and that nothing of it is published."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import claim_text, run_cli, write_site


def check_output(content: Path) -> tuple[int, str]:
    result = run_cli("check", "--content", str(content))
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result.returncode, result.stdout


def assert_refused(content: Path, *reports: str) -> None:
    """``check`` fails with each report line, and ``build`` writes nothing."""
    code, out = check_output(content)
    assert code == 1, out
    for report in reports:
        assert report in out, out
    out_dir = content.parent / "public"
    build = run_cli("build", "--content", str(content), "--out", str(out_dir))
    assert build.returncode == 1 and not out_dir.exists(), build.stdout + build.stderr


@pytest.mark.parametrize("value", ["", "null", "[]"])
def test_an_empty_source_is_refused_at_its_line(tmp_path, value):
    content = write_site(tmp_path, claims={"the-claim": claim_text(source=value),
                                           "other": claim_text()})
    assert_refused(content, "content/claims/the-claim.md:5:1: error: 'source' is empty")


@pytest.mark.parametrize("fields, line", [
    ({"title": '"An unclosed title'}, 2),  # runs on to the next quote
    ({"summary": "\"It was not so."}, 9),               # runs on to a later line's quote
    ({"claim": "'Something was said"}, 3),             # runs to the end of the front matter
    ({"topics": "\n  - \"economy\n  - \"health\""}, 11),
])
def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path, fields, line):
    content = write_site(tmp_path, claims={"the-claim": claim_text(**fields),
                                           "other": claim_text()})
    code, out = check_output(content)
    assert code == 1, out
    assert f"content/claims/the-claim.md:{line}:" in out, out
    assert "not closed" in out, out


@pytest.mark.parametrize("body, line", [
    ("Intro.\n\n<javascript:alert(1)>\n", 3),                       # autolink
    ("Intro.\n\n[see][r]\n\n[r]: javascript:alert(1)\n", 5),       # reference definition
    ("Intro.\n\n![pic][r]\n\n[r]: javascript:alert(1) \"t\"\n", 5),
    ("Intro.\n\n[see](&#106;avascript:alert(1))\n", 3),            # entity-encoded
    ("Intro.\n\n[see](javascript&colon;alert(1))\n", 3),
    ("Intro.\n\n[see](java&#10;script:alert(1))\n", 3),
])
def test_a_refused_link_in_any_syntax_is_reported(tmp_path, body, line):
    """The page shows such a link's Markdown as plain text: the editor is told where."""
    content = write_site(tmp_path, claims={"the-claim": claim_text(body=body),
                                           "other": claim_text()})
    code, out = check_output(content)
    # the body starts on file line 13 of claim_text's file
    assert f"content/claims/the-claim.md:{line + 12}:1: warning: this link is not made" in out, out


def test_a_link_shown_in_a_code_span_is_not_reported(tmp_path):
    content = write_site(tmp_path, claims={
        "the-claim": claim_text(body="Write `[x](javascript:alert(1))` to see.\n"),
        "other": claim_text()})
    code, out = check_output(content)
    assert code == 0 and "this link" not in out, out


@pytest.mark.parametrize("alias", ["jane-doe", "Jane-Doe"])
def test_an_alias_that_is_another_actors_file_name_is_refused(tmp_path, alias):
    """'jane-doe' as a claimant always meant jane-doe.md: the alias was dead, or worse,
    'Jane-Doe' led to the other actor."""
    content = write_site(tmp_path, extra={"content/actors/acme-corp.md":
                                          f"---\nname: Acme Corp\naliases: [{alias}]\n---\n"})
    code, out = check_output(content)
    assert code == 1, out
    assert (f"content/actors/acme-corp.md:3:1: error: the alias '{alias}' is the file name of "
            "content/actors/jane-doe.md") in out, out


@pytest.mark.parametrize("alias", ["/claims/", "/about/", "/claims/jobs-doubled/", "/feed.xml"])
def test_an_alias_that_collides_is_reported_at_its_line(tmp_path, alias):
    content = write_site(tmp_path, claims={"the-claim": claim_text(aliases=f"[{alias}]"),
                                           "jobs-doubled": claim_text()})
    code, out = check_output(content)
    assert code == 1, out
    # aliases is the 9th field: line 12 of the file
    assert f"content/claims/the-claim.md:12:1: error: two things would be written to {alias}" \
        in out, out


@pytest.mark.parametrize("value, published", [('"true"', False), ("'false'", True),
                                              ('"True"', False)])
def test_a_quoted_true_or_false_is_read_as_such(tmp_path, value, published):
    """It was refused with "must be true or false, not 'true'", while "yes" was taken."""
    content = write_site(tmp_path, claims={"the-claim": claim_text(draft=value),
                                           "other": claim_text()})
    code, out = check_output(content)
    assert code == 0 and "must be true or false" not in out, out
    build = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert build.returncode == 0, build.stderr
    assert (tmp_path / "public/claims/the-claim/index.html").exists() == published


def test_a_case_variant_file_name_is_not_told_to_take_the_existing_name(tmp_path):
    content = write_site(tmp_path, claims={"jobs-doubled": claim_text(),
                                           "Jobs-Doubled": claim_text()})
    code, out = check_output(content)
    assert code == 1, out
    assert "content/claims/Jobs-Doubled.md:1:1: error: the file name 'Jobs-Doubled' is not " \
        "a valid slug\n    'jobs-doubled.md' already exists" in out, out
    assert "rename the file to 'jobs-doubled.md'" not in out, out


def test_an_upper_case_extension_beside_the_md_file_is_not_told_to_replace_it(tmp_path):
    content = write_site(tmp_path, extra={"content/claims/jobs-doubled.MD": claim_text()})
    code, out = check_output(content)
    assert "content/claims/jobs-doubled.MD:1:1: warning: this file is ignored" in out, out
    assert "rename it to jobs-doubled.md" not in out and "already exists" in out, out


def test_an_alias_that_differs_from_a_page_only_in_case_is_reported(tmp_path):
    content = write_site(tmp_path, claims={"the-claim": claim_text(aliases="[/About/]"),
                                           "other": claim_text(aliases="[/Old/, /OLD/]"),
                                           "third": claim_text(aliases="[/old/]")})
    code, out = check_output(content)
    # a page would be lost where the two are one file: an error; two redirects: a warning
    assert code == 1, out
    assert ("content/claims/the-claim.md:12:1: error: /About/ and /about/ differ only in "
            "letter case") in out, out
    assert "and the page of content/pages/about.md would be lost" in out, out
    assert "content/claims/other.md:12:1: warning: /Old/ and /old/ differ only" in out, out
    assert "/OLD/ and /Old/" not in out, out  # one claim's two spellings: harmless


INTERRUPTED_BUILD = """
import os, signal, sys
from site_builder import cli, output
real = os.replace
def replace(src, dst):
    if str(dst).endswith("claims/claim-2/index.html"):  # Ctrl-C half-way through
        os.kill(os.getpid(), signal.SIGINT)
    return real(src, dst)
output.os.replace = replace
sys.exit(cli.main(sys.argv[1:]))
"""


def test_ctrl_c_while_pages_are_put_in_place_leaves_no_mix_of_old_and_new(tmp_path):
    import json
    import os
    import subprocess
    import sys

    from site_builder.output import digest

    from conftest import REPO

    claims = {f"claim-{n}": claim_text(title=f'"Old title {n}"') for n in range(6)}
    content = write_site(tmp_path, claims=claims)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    for n in range(5):
        (content / f"claims/claim-{n}.md").write_text(claim_text(title=f'"New title {n}"'))
    (content / "claims/claim-5.md").unlink()  # its page goes in the same step
    result = subprocess.run([sys.executable, "-c", INTERRUPTED_BUILD, "build", "--content",
                             str(content), "--out", str(out)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert result.returncode == 130 and "Traceback" not in result.stderr, result.stderr
    pages = [(out / f"claims/claim-{n}/index.html").read_text() for n in range(5)]
    new = sum(f"New title {n}" in page for n, page in enumerate(pages))
    assert new in (0, 5), f"{new} of 5 pages are new: a mix of two builds"
    assert not list(out.rglob(".sb-*.tmp"))
    # the whole new site, as its manifest says: the removed page gone, nothing pending
    assert not (out / "claims/claim-5/index.html").exists() and new == 5
    manifest = json.loads((out / ".site-builder-manifest.json").read_text())
    assert "claims/claim-5/index.html" not in manifest
    assert all(digest((out / rel).read_bytes()) == d for rel, d in manifest.items())
    assert not (out / ".site-builder-pending.json").exists()


def test_a_content_path_that_is_a_file_is_not_called_missing(tmp_path):
    content = write_site(tmp_path)
    code, out = check_output(content / "site.yaml")
    assert code == 1, out
    assert "error: the content folder is not a folder" in out, out
    assert "does not exist" not in out, out


def test_a_claims_file_instead_of_a_folder_is_reported(tmp_path):
    content = write_site(tmp_path, claims={})
    (content / "claims").rmdir() if (content / "claims").is_dir() else None
    (content / "claims").write_text("jobs-doubled\n")
    code, out = check_output(content)
    assert "content/claims:1:1: warning: claims is a file, not a folder" in out, out


@pytest.mark.parametrize("label, before", [("a b", ""), ("", ""), (" space", ""),
                                           (" space", "[^1]: a first note\n")])
def test_a_footnote_label_with_a_space_is_explained_at_its_definition(tmp_path, label,
                                                                     before):
    """Also a label that starts with a blank, which Markdown prints as text (or,
    under another note, glues to it) rather than take for a definition."""
    refer = "[^1]" if before else ""
    body = (f"Said so.[^{label}]{refer}\n\n{before}"
            f"[^{label}]: https://news.example.com/source\n")
    content = write_site(tmp_path, claims={"the-claim": claim_text(body=body),
                                           "other": claim_text()})
    code, out = check_output(content)
    # the definition is on body line 3 (4 after another note), file line 15 (16)
    line = 16 if before else 15
    assert f"content/claims/the-claim.md:{line}:1: warning: '[^{label}]' is not a footnote" \
        in out, out


def test_two_verdicts_with_one_label_are_reported(tmp_path):
    from conftest import SITE_YAML
    scale = ("verdicts:\n"
             "  - {key: 'true', label: 'True', rating: 3, description: d}\n"
             "  - {key: mostly-false, label: 'False', rating: 2, description: d}\n"
             "  - {key: 'false', label: 'false', rating: 1, description: d}\n")
    content = write_site(tmp_path, extra={"content/site.yaml": SITE_YAML + scale})
    code, out = check_output(content)
    assert ("content/site.yaml:14:1: warning: the label 'false' is also the label of verdict "
            "'mostly-false'") in out, out


@pytest.mark.parametrize("value", ["!!bool maybe", "!!timestamp someday", "!!int abc",
                                   "!!float many", "!!timestamp 2024-13-45"])
def test_a_value_its_yaml_tag_cannot_read_is_reported_at_its_line(tmp_path, value):
    content = write_site(tmp_path, claims={"the-claim": claim_text(verdict=value),
                                           "other": claim_text()})
    for command in ("check", "build"):
        result = run_cli(command, "--content", str(content), "--out", str(tmp_path / "public")
                         ) if command == "build" else run_cli(command, "--content", str(content))
        shown = result.stdout + result.stderr
        assert result.returncode == 1 and "Traceback" not in shown, shown
        assert "content/claims/the-claim.md:8:" in shown and f"'{value.split()[1]}'" in shown, shown


def test_a_merge_key_of_a_plain_value_is_reported_at_its_line(tmp_path):
    content = write_site(tmp_path, claims={
        "the-claim": claim_text(evidence="\n  - title: T\n    <<: 5"), "other": claim_text()})
    code, out = check_output(content)
    assert code == 1, out
    assert "content/claims/the-claim.md:14:9: error: the front matter is not valid YAML: " \
        "expected a mapping or list of mappings for merging" in out, out
    assert "<unicode string>" not in out, out


@pytest.mark.parametrize("escape", [r"\0", r"\x07", r"\e", r"\x1b", r"\uFFFE"])
def test_a_control_character_written_as_an_escape_is_refused(tmp_path, escape):
    """The raw-text check never saw it; it reached the feeds, which then were not XML."""
    content = write_site(tmp_path, claims={"the-claim": claim_text(title=f'"Bad{escape}title"'),
                                           "other": claim_text()})
    assert_refused(content, "content/claims/the-claim.md:2:8: error: an invisible control character")


def test_a_literal_noncharacter_is_refused_like_a_control_character(tmp_path):
    content = write_site(tmp_path, claims={"the-claim": claim_text(title='"Bad\ufffetitle"'),
                                           "other": claim_text()})
    code, out = check_output(content)
    assert code == 1 and "(U+FFFE)" in out, out


@pytest.mark.parametrize("alias", ["/static/favicon.svg", "/static/favicon.svg/old/",
                                   "/static/"])
def test_an_alias_in_the_theme_static_folder_is_refused(tmp_path, alias):
    """It passed check; the build then either failed or wrote a forced 301 over the icon."""
    content = write_site(tmp_path, claims={"the-claim": claim_text(aliases=f"['{alias}']"),
                                           "other": claim_text()})
    code, out = check_output(content)
    assert code == 1, out
    assert f"content/claims/the-claim.md:12:1: error: alias '{alias}' is in /static/" in out, out


def test_a_static_link_to_a_file_outside_is_refused_not_published(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("API_TOKEN=hunter2\n")
    content = write_site(tmp_path)
    (tmp_path / "static/env.txt").symlink_to(secret)
    code, out = check_output(content)
    assert code == 1 and "static/env.txt:1:1: error: this is a link to a file outside" in out, out
    build = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert build.returncode == 1, build.stdout
    assert not any("hunter2" in p.read_text(errors="replace")
                   for p in (tmp_path / "public").rglob("*") if p.is_file()) \
        if (tmp_path / "public").exists() else True


def test_a_template_link_to_a_file_outside_is_refused_not_published(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("API_TOKEN=hunter2\n")
    content = write_site(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/404.html").symlink_to(secret)
    code, out = check_output(content)
    assert code == 1 and "templates/404.html:1:1: error: this is a link to a file outside the " \
        "templates folder" in out, out
    build = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert build.returncode == 1 and not (tmp_path / "public").exists(), build.stdout


def test_a_body_of_unclosed_footnote_brackets_is_checked(tmp_path):
    """80 KB of '[^' (18 s when the search for references was quadratic: no
    timing here, the suite's own time shows it)."""
    content = write_site(tmp_path, claims={"the-claim": claim_text(body="[^" * 40000 + "\n"),
                                           "other": claim_text(body="See [^a[b] here.\n")})
    code, out = check_output(content)
    assert "content/claims/other.md:13:1: warning: [^a[b] refers to no footnote" in out, out


def test_a_content_link_to_a_file_outside_the_project_is_refused_not_published(tmp_path):
    """A pull request could link claims/x.md (or a seed) to any file of the build
    machine; links inside the content folder still work."""
    secret = tmp_path / "outside.md"
    secret.write_text(claim_text(title='"API_TOKEN=hunter2"'))
    content = write_site(tmp_path, claims={"inside": claim_text()})
    (content / "claims/leak.md").symlink_to(secret)
    (content / "claims/copy.md").symlink_to(content / "claims/inside.md")
    (tmp_path / "seeds/leak.yaml").symlink_to(tmp_path / "outside.yaml")
    (tmp_path / "outside.yaml").write_text("headline: secret\n")
    code, out = check_output(content)
    assert code == 1, out
    for name in ("content/claims/leak.md", "seeds/leak.yaml"):
        assert f"{name}:1:1: error: this is a link to a file outside the content and seeds " \
            "folders" in out, out
    assert "claims/copy.md" not in out, out
    build = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert build.returncode == 1 and not (tmp_path / "public").exists(), build.stdout
    (content / "claims/leak.md").unlink()
    (tmp_path / "seeds/leak.yaml").unlink()
    build = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert build.returncode == 0, build.stdout + build.stderr
    assert (tmp_path / "public/claims/copy/index.html").is_file()


@pytest.mark.parametrize("value", ["[" * 100_000 + "]" * 100_000,
                                   "{a: " * 100_000 + "1" + "}" * 100_000], ids=["list", "mapping"])
def test_values_nested_past_any_use_are_reported_not_a_crash(tmp_path, value):
    """200 KB of '[' made libyaml recurse until check and build died of a segfault,
    printing nothing."""
    content = write_site(tmp_path, claims={"the-claim": claim_text(evidence=value),
                                           "other": claim_text()})
    assert_refused(content, "content/claims/the-claim.md:12:1: error: lists and mappings are "
                            "nested more than 64 levels deep here")


def test_merges_that_double_a_mapping_line_by_line_are_refused_quickly(tmp_path):
    """Each '<<: [*a, *a]' doubled the mapping before any value was counted: 22
    such lines took 22 s and 2 GB, 40 would never end (run here with 2 GB at most).
    The report names the anchor that is copied over and over."""
    import resource
    import subprocess
    import sys

    from conftest import REPO

    chain = "".join(f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}], k{i}: 1}}\n" for i in range(1, 40))
    content = write_site(tmp_path, claims={
        "the-claim": claim_text(a0="&a0 {k: 1}\n" + chain.rstrip("\n")), "other": claim_text()})
    limit = 2 * 1024 ** 3
    result = subprocess.run(
        [sys.executable, "-m", "site_builder", "check", "--content", str(content)],
        capture_output=True, text=True, timeout=120, env={"PYTHONPATH": str(REPO)},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    # a_i holds 2**(i+1) - 1 keys: the count of values passes 20,000 within a13 (line 25)
    assert "content/claims/the-claim.md:25:1: error: 'a13' expands to too many values" \
        in result.stdout, result.stdout


def test_a_key_written_beside_a_merge_overrides_it_without_a_duplicate_error(tmp_path):
    """'{<<: *e, url: ...}' is how YAML says 'like that one, but': it was refused as
    'url' given twice (and '<<: [*a, *a]' gave one such error per merged key)."""
    evidence = ("\n  - &e {title: Report, publisher: Agency, url: 'https://a.example/1'}"
                "\n  - {<<: *e, url: 'https://a.example/2'}")
    content = write_site(tmp_path, claims={"the-claim": claim_text(evidence=evidence),
                                           "other": claim_text()})
    code, out = check_output(content)
    assert code == 0 and "given twice" not in out, out
    build = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert build.returncode == 0, build.stdout + build.stderr
    page = (tmp_path / "public/claims/the-claim/index.html").read_text()
    assert "https://a.example/1" in page and "https://a.example/2" in page


def test_an_invisible_character_in_a_name_is_shown_in_the_report(tmp_path):
    """A zero-width space pasted into 'Jane Doe' made check say: no actor matches
    'Jane Doe', did you mean 'Jane Doe'? (two names that look the same)."""
    content = write_site(tmp_path, claims={"the-claim": claim_text(claimant='"Jane\u200b Doe"'),
                                           "other": claim_text()})
    assert_refused(content, "content/claims/the-claim.md:4:1: error: no actor matches the "
                            "claimant 'Jane\\u200b Doe'")
    result = run_cli("check", "--content", str(content), "--format", "github")
    assert "'Jane\\u200b Doe'" in result.stdout, result.stdout


@pytest.mark.parametrize("title, column", [('"Crime fell \u202e%02 yb"', 20),   # typed
                                           ('"Crime fell \\u202e%02 yb"', 8)])  # an escape
def test_a_text_direction_override_is_refused(tmp_path, title, column):
    """U+202E shows the letters after it reversed: the page would read otherwise
    than the file an editor reviewed ("Trojan Source")."""
    content = write_site(tmp_path, claims={"the-claim": claim_text(title=title),
                                           "other": claim_text()})
    assert_refused(content, f"content/claims/the-claim.md:2:{column}: error: an invisible "
                            "text-direction override (U+202E right-to-left override)")


def test_a_text_direction_override_in_the_text_is_refused_and_an_isolate_warned(tmp_path):
    text = claim_text(title='"Name \u2067x\u2069 said it"') + "Crime fell \u202e%02 yb.\n"
    content = write_site(tmp_path, claims={"the-claim": text, "other": claim_text()})
    code, out = check_output(content)
    assert code == 1, out
    assert "content/claims/the-claim.md:2:14: warning: an invisible text-direction " \
           "character (U+2067 right-to-left isolate)" in out, out
    body_line = text.split("\n").index("Crime fell \u202e%02 yb.") + 1
    assert f"content/claims/the-claim.md:{body_line}:12: error: an invisible text-direction " \
           "override" in out, out


def test_a_content_folder_that_is_a_link_keeps_the_project_beside_the_link(tmp_path: Path):
    """seeds/, public/ and the cache stay in the project, and messages name
    files by the link, as the editor knows them."""
    project = tmp_path / "project"
    project.mkdir()
    real = write_site(tmp_path / "elsewhere")
    (tmp_path / "elsewhere" / "seeds").rename(project / "seeds")
    (project / "content").symlink_to(real, target_is_directory=True)
    result = run_cli("build", "--content", str(project / "content"))
    assert result.returncode == 0, result.stderr
    assert (project / "public" / "claims" / "prices-fell" / "index.html").is_file()
    assert (project / ".site-builder-cache").is_dir()
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == ["content", "static"]
    claim = real / "claims" / "prices-fell.md"
    claim.write_text(claim.read_text().replace("verdict: mostly-true", "verdict: flase"))
    result = run_cli("check", "--content", str(project / "content"))
    assert result.returncode == 1
    assert "content/claims/prices-fell.md:" in result.stdout, result.stdout
    assert "elsewhere" not in result.stdout


def test_a_one_letter_verdict_label_is_not_taken_for_the_rating_in_a_claim(tmp_path):
    """'A' is in every other claim: naming the rating there is not what it means."""
    from conftest import SITE_YAML
    scale = ("verdicts:\n"
             "  - {key: grade-a, label: 'A', rating: 2, description: d}\n"
             "  - {key: grade-f, label: 'Fabricated', rating: 1, description: d}\n")
    content = write_site(tmp_path, claims={
        "x": claim_text(claim='"A new plant opened"', verdict="grade-a"),
        "y": claim_text(claim='"The photo is fabricated"', verdict="grade-f")},
        extra={"content/site.yaml": SITE_YAML + scale})
    code, out = check_output(content)
    assert "names the verdict 'A'" not in out, out
    assert "content/claims/y.md:3:1: warning: the claim text names the verdict 'Fabricated'" \
        in out, out


def test_a_number_too_long_for_yaml_says_to_quote_it_without_repeating_it(tmp_path):
    content = write_site(tmp_path, claims={"x": claim_text(title="1" * 5000)})
    code, out = check_output(content)
    line = next(l for l in out.splitlines() if "content/claims/x.md:2:" in l)
    assert "number too long" in line and "!!" not in out and len(line) < 200, line
    assert "put the value in quotes" in out


def test_non_breaking_spaces_around_a_key_are_named_in_the_warning(tmp_path):
    """A word processor's non-breaking spaces look like indentation, and are not."""
    text = claim_text(source="\n  seed: first-article").replace(
        "\nverdict:", "\nverdict\u00a0:").replace("\n  seed:", "\n\u00a0\u00a0seed:")
    content = write_site(tmp_path, claims={"x": text, "other": claim_text()})
    code, out = check_output(content)
    verdict = next(l for l in out.splitlines() if "unknown field 'verdict" in l)
    assert "verdict\\u00a0" in verdict and "non-breaking space" in verdict, out
    assert "this is the field 'verdict'" in out
    assert "unknown field '\\u00a0\\u00a0seed'" in out, out


def test_a_site_yaml_linked_from_outside_gets_one_error_not_also_missing(tmp_path):
    """The file is there but refused: saying it is missing as well contradicts it."""
    content = write_site(tmp_path)
    outside = tmp_path / "outside-site.yaml"
    (content / "site.yaml").rename(outside)
    (content / "site.yaml").symlink_to(outside)
    code, out = check_output(content)
    assert code == 1, out
    assert "content/site.yaml:1:1: error: this is a link to a file outside" in out, out
    assert "site.yaml is missing" not in out and "1 error," in out, out


def test_a_linked_folder_under_claims_is_named_not_skipped_in_silence(tmp_path):
    """Links to folders are not followed (files from anywhere, or the same
    claims twice); the editor is told, and none of its claims is published."""
    content = write_site(tmp_path, claims={"inside": claim_text()})
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "elsewhere.md").write_text(claim_text(title='"A claim kept elsewhere"'))
    (content / "claims/shared").symlink_to(shared)
    (content / "claims/again").symlink_to(content / "claims")
    code, out = check_output(content)
    assert code == 0, out
    for name in ("again", "shared"):
        assert f"content/claims/{name}:1:1: warning: this folder is a link" in out, out
    build = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert build.returncode == 0, build.stdout + build.stderr
    assert not (tmp_path / "public/claims/elsewhere").exists()
    assert (tmp_path / "public/claims/inside/index.html").is_file()


def test_an_alias_bomb_is_reported_at_the_key_that_expands(tmp_path):
    """Not at the first value the aliases repeat, lines above, which the editor
    would search in vain."""
    bomb = 'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n' + "".join(
        f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcde", "bcdef"))
    content = write_site(tmp_path, claims={"the-claim": claim_text(
        title='"Fine"\n' + bomb.rstrip("\n"))})
    text = (content / "claims/the-claim.md").read_text().split("\n")
    line = text.index(next(t for t in text if t.startswith("e: "))) + 1  # 9**5 values
    assert_refused(content, f"content/claims/the-claim.md:{line}:1: error: 'e' expands to "
                   "too many values (aliases?)")


@pytest.mark.parametrize("signum, whom, code", [
    ("SIGINT", "group", 130),  # Ctrl-C in a terminal: the builder and its workers get it
    ("SIGTERM", "builder", 143),  # a CI job cancelled: the builder alone gets it
])
def test_a_parallel_build_stopped_by_a_signal_ends_cleanly(tmp_path, signum, whom, code):
    """No worker tracebacks, no build left waiting forever on a dead worker, no
    worker left behind, and the site is the last finished build's."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import REPO

    claims = {f"claim-{n:03d}": claim_text(title=f'"Claim {n}"') for n in range(700)}
    content = write_site(tmp_path, claims=claims)
    out = tmp_path / "public"
    stopped = 0
    for delay in (0.6, 1.2, 2.0, 3.0):
        proc = subprocess.Popen(
            [sys.executable, "-m", "site_builder", "build", "--content", str(content),
             "--out", str(out), "--no-cache"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, start_new_session=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        time.sleep(delay)
        number = getattr(signal, signum)
        os.killpg(proc.pid, number) if whom == "group" else proc.send_signal(number)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode in (0, code) and "Traceback" not in err, err
        stopped += proc.returncode == code
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)  # a worker of that build still alive?
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("a worker outlived the stopped build")
        if out.exists():
            assert not list(tmp_path.glob(".public.building-*")), "a half-built site was left"
    assert stopped, "no build was stopped midway: the site builds too fast for this test"


def test_aliases_that_differ_only_in_unicode_normalization_are_reported(tmp_path):
    """/old/café/ typed on a Mac (NFD) and elsewhere (NFC): two folders here, one there."""
    content = write_site(tmp_path, claims={"one": claim_text(aliases='["/old/caf\u00e9/"]'),
                                           "two": claim_text(aliases='["/old/cafe\u0301/"]')})
    code, out = check_output(content)
    assert code == 0, out
    assert "/old/cafe\u0301/ and /old/caf\u00e9/ differ only in the way their accented " \
        "letters are encoded" in out, out


def test_static_files_that_differ_only_in_case_are_reported(tmp_path):
    content = write_site(tmp_path, extra={"static/Logo.png": b"\x89PNG\r\n\x1a\n",
                                          "static/caf\u00e9.png": b"1",
                                          "static/cafe\u0301.png": b"2"})
    code, out = check_output(content)
    assert "warning: the static files static/logo.png and static/Logo.png differ only in " \
        "letter case" in out, out
    assert "differ only in the way their accented letters are encoded" in out, out


def test_file_names_one_rename_apart_are_each_told_of_the_other(tmp_path):
    content = write_site(tmp_path, claims={"caf\u00e9": claim_text(),
                                           "cafe\u0301": claim_text()})
    code, out = check_output(content)
    assert code == 1, out
    for this, other in (("caf\u00e9", "cafe\u0301"), ("cafe\u0301", "caf\u00e9")):
        assert f"content/claims/{this}.md:1:1: error: the file name '{this}' is not a valid " \
            f"slug\n    content/claims/{other}.md would be renamed 'cafe.md' too (the same " \
            "name, its accented letters encoded another way)" in out, out


def test_a_claimant_in_lowercase_matches_a_turkish_capital_dotted_i(tmp_path):
    content = write_site(tmp_path, claims={"one": claim_text(claimant='"istanbul belediyesi"')},
                         extra={"content/actors/istanbul.md":
                                "---\nname: \u0130stanbul Belediyesi\nkind: organization\n---\n"})
    code, out = check_output(content)
    assert "no actor matches" not in out, out


def test_a_new_non_latin_claimant_is_not_told_to_create_untitled_md(tmp_path):
    content = write_site(tmp_path, claims={
        "one": claim_text(claimant='"\u0412\u043e\u043b\u043e\u0434\u0438\u043c\u0438\u0440"')})
    code, out = check_output(content)
    assert code == 1 and "no actor matches the claimant" in out, out
    assert "untitled" not in out, out
    assert 'give it name: "\u0412\u043e\u043b\u043e\u0434\u0438\u043c\u0438\u0440"' in out, out
