"""The editors' guide documents the whole content contract, with examples that work."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO, claim_text, run_cli, write_site
from site_builder import schema

GUIDE = (REPO / "docs" / "CONTENT_GUIDE.md").read_text(encoding="utf-8")


def test_every_field_of_every_file_is_named_in_the_guide():
    """A field the builder reads but the guide never names is one editors cannot find."""
    names = {name for spec in schema.BY_KIND.values() for name in spec}
    names |= set(schema.REFERENCE) | set(schema.CORRECTION) | set(schema.VERDICT)
    names |= set(schema.PUBLISHER) | set(schema.POLICIES)
    spans = " ".join(re.findall(r"`([^`\n]+)`", GUIDE))  # `name`, `{key, label}`, `a.b`
    documented = set(re.findall(r"[a-z_]+", spans))
    documented |= set(re.findall(r"^[ -]*([a-z_]+):", GUIDE, re.M))  # keys in the examples
    assert sorted(names - documented) == []


def _example(opening: str) -> str:
    """The fenced example whose first line inside the fence starts with ``opening``."""
    for block in re.findall(r"```(?:yaml|markdown)\n(.*?)```", GUIDE, re.S):
        if block.startswith(opening):
            return block
    raise AssertionError(f"no example starting {opening!r}")


def test_the_guides_examples_pass_check_and_build(tmp_path: Path):
    """The actor, topic, page, seed and verdict-scale examples, copied as they are."""
    actor = _example('---\nname: "Jane Doe"')
    topic = _example('---\ntitle: "Economy"')
    page = _example('---\ntitle: "Corrections policy"')
    seed = _example('headline: "Minister says jobs doubled"')
    scale = _example("verdicts:")
    content = write_site(tmp_path, claims={
        "x": claim_text(verdict="incorrect", claimant='"Minister Doe"',
                        source="\n  seed: jobs-article")}, extra={
        "content/actors/jane-doe.md": actor,
        "content/topics/economy.md": topic,
        "content/pages/corrections.md": page,
        "seeds/jobs-article.yaml": seed,
    })
    site_yaml = content / "site.yaml"
    site_yaml.write_text(site_yaml.read_text() + scale)
    check = run_cli("check", "--content", str(content))
    assert " error: " not in check.stdout, check.stdout
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert (out / "verdicts" / "unverifiable" / "index.html").is_file()
    assert (out / "sources" / "jobs-article" / "index.html").is_file()
