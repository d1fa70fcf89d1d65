"""`site-builder new`: a valid file with every field, never overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conftest import run_cli, write_site
from site_builder.schema import ACTOR, CLAIM, TOPIC

@pytest.mark.parametrize("kind, folder, spec", [
    ("claim", "claims", CLAIM),
                                                ("actor", "actors", ACTOR),
                                                ("topic", "topics", TOPIC)])
def test_new_file_lists_every_field_and_passes_check(tmp_path: Path, kind, folder, spec):
    content = write_site(tmp_path)
    result = run_cli("new", kind, "fresh-one", "--content", str(content))
    assert result.returncode == 0, result.stderr
    text = (content / folder / "fresh-one.md").read_text()
    for name in spec:
        assert f"{name}:" in text, name
    check = run_cli("check", "--content", str(content))
    assert check.returncode == 0, check.stdout
    placeholders = _placeholder_lines(text)
    unexpected = [line for line in check.stdout.splitlines()
                  if "fresh-one.md:" in line and "has no published claims" not in line
                  and not (": warning: " in line and int(line.split(":")[1]) in placeholders)]
    assert not unexpected  # only the "topic has no claims yet" note, and placeholders


def test_new_claim_is_a_draft_left_out_of_builds(tmp_path: Path):
    content = write_site(tmp_path)
    run_cli("new", "claim", "fresh-one", "--content", str(content))
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert not (out / "claims" / "fresh-one").exists()


def test_new_refuses_to_overwrite_and_bad_slugs(tmp_path: Path):
    content = write_site(tmp_path)
    before = (content / "claims" / "jobs-doubled.md").read_text()
    result = run_cli("new", "claim", "jobs-doubled", "--content", str(content))
    assert result.returncode == 1 and "already exists" in result.stderr
    assert (content / "claims" / "jobs-doubled.md").read_text() == before
    result = run_cli("new", "topic", "Bad Slug", "--content", str(content))
    assert result.returncode == 2 and "'bad-slug'" in result.stderr


def test_new_refuses_a_slug_already_used_in_a_sub_folder(tmp_path: Path):
    """Claims may be grouped in sub-folders; a second file with the same slug
    would make the site fail to build (two claims at one URL)."""
    content = write_site(tmp_path)
    (content / "claims" / "2024").mkdir()
    claims = content / "claims"
    (claims / "jobs-doubled.md").rename(claims / "2024" / "jobs-doubled.md")
    result = run_cli("new", "claim", "jobs-doubled", "--content", str(content))
    assert result.returncode == 1 and "content/claims/2024/jobs-doubled.md" in result.stderr
    assert not (content / "claims" / "jobs-doubled.md").exists()
    assert run_cli("check", "--content", str(content)).returncode == 0


def test_new_given_a_file_name_proposes_the_slug_in_it(tmp_path: Path):
    content = write_site(tmp_path)
    for typed in ["prices-fell.md", "content/claims/prices-fell.md", "Prices-Fell.MD"]:
        result = run_cli("new", "claim", typed, "--content", str(content))
        assert result.returncode == 2 and "try 'prices-fell'" in result.stderr, typed



def test_new_keeps_the_number_of_a_slug_typed_in_other_digits(tmp_path: Path):
    """Arabic-Indic or Devanagari digits stand for a number the slug keeps."""
    content = write_site(tmp_path)
    for typed, meant in [("٣-troops", "3-troops"), ("troops-२०२४", "troops-2024")]:
        result = run_cli("new", "claim", typed, "--content", str(content))
        assert result.returncode == 2 and f"try '{meant}'" in result.stderr, typed


@pytest.mark.parametrize("slug", ["nul", "con", "com1", "lpt9"])
def test_new_refuses_a_windows_device_name(tmp_path: Path, slug: str):
    """A file named nul.md stops the repository from being checked out on
    Windows, where some editors work: `new` refuses it, `check` warns."""
    content = write_site(tmp_path)
    result = run_cli("new", "claim", slug, "--content", str(content))
    assert result.returncode == 2 and "device name on Windows" in result.stderr
    assert not (content / "claims" / f"{slug}.md").exists()
    (content / "topics" / f"{slug}.md").write_text("---\ntitle: Odd\n---\nText.\n")
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 0
    assert f"content/topics/{slug}.md:1:" in result.stdout + result.stderr
    assert f"'{slug}-topic.md'" in result.stdout + result.stderr

def _placeholder_lines(text: str) -> set[int]:
    """File lines (1-based) that hold a placeholder from `new`."""
    from site_builder.schema import BODY_PLACEHOLDERS, PLACEHOLDERS

    texts = [*PLACEHOLDERS.values(), *BODY_PLACEHOLDERS]
    return {i + 1 for i, line in enumerate(text.splitlines()) if any(t in line for t in texts)}


def _front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def _check_lines(content: Path, name: str) -> list[str]:
    result = run_cli("check", "--content", str(content))
    return [line for line in result.stdout.splitlines() if name in line]


def test_new_claim_names_no_real_claimant(tmp_path: Path):
    """A claim is attributed to a person only by an editor, never by the scaffold."""
    content = write_site(tmp_path)
    assert run_cli("new", "claim", "fresh-one", "--content", str(content)).returncode == 0
    claimant = _front_matter(content / "claims" / "fresh-one.md")["claimant"]
    actors = [_front_matter(path) for path in (content / "actors").glob("*.md")]
    names = {path.stem for path in (content / "actors").glob("*.md")}
    names |= {a["name"] for a in actors} | {alias for a in actors for alias in a["aliases"]}
    for value in claimant if isinstance(claimant, list) else [claimant]:
        assert value not in names


def test_unedited_new_claim_cannot_be_published_unnoticed(tmp_path: Path):
    """Flipping `draft` without filling anything in must fail `check`."""
    content = write_site(tmp_path)
    run_cli("new", "claim", "fresh-one", "--content", str(content))
    path = content / "claims" / "fresh-one.md"
    path.write_text(path.read_text().replace("draft: true", "draft: false"))
    result = run_cli("check", "--content", str(content))
    assert result.returncode == 1
    assert any(": error: " in line for line in _check_lines(content, "fresh-one.md"))
    build = run_cli("build", "--content", str(content), "--out", str(tmp_path / "out"))
    assert build.returncode == 1 and not (tmp_path / "out" / "claims" / "fresh-one").exists()


def test_every_placeholder_is_reported_where_it_is(tmp_path: Path):
    """Each placeholder from `new` is a warning in a draft, an error once published,
    reported at its own line."""
    from site_builder.schema import BODY_PLACEHOLDERS, PLACEHOLDERS

    content = write_site(tmp_path)
    run_cli("new", "claim", "fresh-one", "--content", str(content))
    path = content / "claims" / "fresh-one.md"
    expected = _placeholder_lines(path.read_text())
    assert len(expected) >= len(PLACEHOLDERS) + len(BODY_PLACEHOLDERS)
    draft = _check_lines(content, "fresh-one.md:")
    assert not [line for line in draft if ": error: " in line]
    assert {int(line.split(":")[1]) for line in draft if ": warning: " in line} >= expected
    path.write_text(path.read_text().replace("draft: true", "draft: false"))
    published = _check_lines(content, "fresh-one.md:")
    assert {int(line.split(":")[1]) for line in published if ": error: " in line} >= expected


def test_new_refuses_slugs_too_long_for_file_names(tmp_path: Path):
    from site_builder.fields import MAX_SLUG as MAX_SLUG_LENGTH

    content = write_site(tmp_path)
    before = sorted(p.name for p in (content / "claims").iterdir())
    for slug in ("a" * 300, "ab-" * 100 + "c", "a" * (MAX_SLUG_LENGTH + 1)):
        result = run_cli("new", "claim", slug, "--content", str(content))
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr and str(MAX_SLUG_LENGTH) in result.stderr
        suggestion = result.stderr.split("try '")[1].split("'")[0]
        assert 0 < len(suggestion) <= MAX_SLUG_LENGTH and slug.startswith(suggestion)
    assert sorted(p.name for p in (content / "claims").iterdir()) == before
    longest = "a" * MAX_SLUG_LENGTH
    assert run_cli("new", "claim", longest, "--content", str(content)).returncode == 0
    assert (content / "claims" / f"{longest}.md").is_file()


def test_new_reports_a_file_that_cannot_be_written(tmp_path: Path):
    content = write_site(tmp_path)
    (content / "topics").rename(tmp_path / "topics")
    (content / "topics").write_text("not a folder")  # where the topics folder should be
    result = run_cli("new", "topic", "fresh-one", "--content", str(content))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "content/topics/fresh-one.md" in result.stderr and "cannot" in result.stderr


def test_new_refuses_a_content_folder_that_does_not_exist(tmp_path: Path):
    """A mistyped --content must not grow a new folder tree."""
    write_site(tmp_path)
    typo = tmp_path / "typo" / "content"
    result = run_cli("new", "claim", "x", "--content", str(typo))
    # exit 1, as `check` and `build` give for the same folder
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert run_cli("check", "--content", str(typo)).returncode == 1
    assert "--content" in result.stderr and str(typo) in result.stderr
    assert not (tmp_path / "typo").exists()
    # from the wrong folder, the default `content` does not exist either
    result = run_cli("new", "actor", "x", cwd=tmp_path / "content")
    assert result.returncode == 1 and "--content" in result.stderr
    assert not (tmp_path / "content" / "content").exists()


def test_new_says_a_content_path_that_is_a_file_is_not_a_folder(tmp_path: Path):
    (tmp_path / "notafolder").write_text("x")
    result = run_cli("new", "claim", "x", "--content", str(tmp_path / "notafolder"))
    assert result.returncode == 1 and "is not a folder" in result.stderr, result.stderr


def test_new_refuses_a_folder_that_is_not_a_content_folder(tmp_path: Path):
    """`--content content/claims` (one level too deep) has no site.yaml."""
    content = write_site(tmp_path)
    result = run_cli("new", "claim", "x", "--content", str(content / "claims"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "site.yaml" in result.stderr and "--content" in result.stderr
    assert not (content / "claims" / "claims").exists()


def test_new_claim_starts_with_a_verdict_of_the_sites_own_scale(tmp_path: Path):
    """A site with its own scale (no 'unproven') gets a draft that passes check,
    with a verdict off the numeric scale rather than a rating nobody chose."""
    scale = ("verdicts:\n  - {key: correct, label: Correct, rating: 2}\n"
             "  - {key: wrong, label: Wrong, rating: 1}\n"
             "  - {key: unverifiable, label: Unverifiable}\n")
    content = write_site(tmp_path, claims={})  # its claims use the built-in scale
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + scale)
    assert run_cli("new", "claim", "fresh-one", "--content", str(content)).returncode == 0
    text = (content / "claims" / "fresh-one.md").read_text()
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["verdict"] == "unverifiable"
    check = run_cli("check", "--content", str(content))
    assert check.returncode == 0, check.stdout
