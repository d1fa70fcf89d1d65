"""`site-builder new`: a valid file with every field, never overwriting."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli, write_site
from site_builder.schema import ACTOR, CLAIM, TOPIC


@pytest.mark.parametrize("kind, folder, spec", [("claim", "claims", CLAIM),
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
    errors = [line for line in check.stdout.splitlines()
              if "fresh-one.md" in line and "has no published claims" not in line]
    assert not errors  # only the expected "topic has no claims yet" note


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
