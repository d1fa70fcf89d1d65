"""Shared helpers: throwaway sites written from dicts, builds, parsed HTML."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

SITE_YAML = """\
title: Test Checks
base_url: https://checks.example.org
description: Fact-checks for tests.
publisher:
  name: Test Desk
  url: https://desk.example.net/
  logo: /static/logo.png
policies:
  about: about
  corrections: corrections
"""

ACTOR = """\
---
name: {name}
role: {role}
aliases: [{aliases}]
---
Profile of {name}.
"""

TOPIC = """\
---
title: {title}
description: About {title}.
---
Overview of {title}.
"""


def claim_text(**fields: object) -> str:
    """A valid claim file; keyword arguments replace or add front matter lines."""
    base: dict[str, object] = {
        "title": '"A checked claim"',
        "claim": '"Something was said"',
        "claimant": "jane-doe",
        "source": "\n  publisher: Example News\n  url: https://news.example.com/story",
        "verdict": "false",
        "summary": '"It was not so."',
        "topics": "[economy]",
        "published": "2024-03-01",
    }
    body = str(fields.pop("body", "## What was said\n\nText with a note.[^1]\n\n[^1]: A source.\n"))
    base.update(fields)
    lines = [f"{k}: {v}".replace(": \n", ":\n") for k, v in base.items() if v is not None]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


def write_site(root: Path, claims: dict[str, str] | None = None,
               extra: dict[str, str | bytes] | None = None) -> Path:
    """A small valid site under ``root``; returns the content folder."""
    files: dict[str, str | bytes] = {
        "content/site.yaml": SITE_YAML,
        "content/actors/jane-doe.md": ACTOR.format(name="Jane Doe", role="Minister",
                                                   aliases='"J. Doe"'),
        "content/actors/acme-corp.md": ACTOR.format(name="Acme Corp", role="Company",
                                                    aliases=""),
        "content/topics/economy.md": TOPIC.format(title="Economy"),
        "content/topics/health.md": TOPIC.format(title="Health"),
        "content/pages/about.md": "---\ntitle: About us\n---\nWho we are.\n",
        "content/pages/corrections.md": "---\ntitle: Corrections policy\n---\nHow we correct.\n",
        "seeds/first-article.yaml": "headline: The first article\nauthor: A. Reporter\n"
                                    "date: \"2024\"\nsummary: What it said.\n",
        "static/logo.png": b"\x89PNG\r\n\x1a\n",  # the publisher logo site.yaml names
    }
    default_claims = {
        "jobs-doubled": claim_text(title='"Did jobs double?"', claim='"Jobs doubled in a year"',
                                   related="[prices-fell]"),
        "prices-fell": claim_text(title='"Did prices fall?"', claim='"Prices fell"',
                                  verdict="mostly-true", claimant='"J. Doe"',
                                  published="2024-04-01", topics="[economy, health]",
                                  source="\n  seed: first-article"),
    }
    for slug, text in (default_claims if claims is None else claims).items():
        files[f"content/claims/{slug}.md"] = text
    files.update(extra or {})
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(textwrap.dedent(data) if data.startswith(" ") else data,
                            encoding="utf-8")
    return root / "content"


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, as an editor runs it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "site_builder", *args], cwd=cwd or REPO,
                          capture_output=True, text=True, env=env, timeout=300)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A valid small site; returns its content folder."""
    return write_site(tmp_path)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """The small site built; returns the output folder."""
    content = write_site(tmp_path)
    result = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert result.returncode == 0, result.stderr
    return tmp_path / "public"


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content/ built once for the session."""
    out = tmp_path_factory.mktemp("shipped") / "public"
    result = run_cli("build", "--content", str(REPO / "content"), "--out", str(out))
    assert result.returncode == 0, result.stderr + result.stdout
    return out


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True)


def as_unprivileged() -> list[str]:
    """A command prefix under which permissions apply (root reads anything)."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
