"""``site-builder new claim|actor|topic SLUG``: a valid file to start from.

Every field of the contract is listed, optional ones commented out, so an
editor sees what exists without opening the guide. A new claim starts as a
draft, so it cannot reach the public site by accident.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .fields import SLUG_RE, slugify
from .load import Sources
from .schema import ACTOR, CLAIM, TOPIC, FieldSpec

_FOLDERS = {"claim": ("claims", CLAIM), "actor": ("actors", ACTOR), "topic": ("topics", TOPIC)}

_BODIES = {
    "claim": "## What was said\n\nWho said it, where and when.\n\n"
             "## What the evidence shows\n\nThe analysis, with footnotes for sources.[^1]\n\n"
             "## Our ruling\n\nWhy this verdict.\n\n[^1]: Source of this statement.\n",
    "actor": "A short profile: who this is and why their claims matter.\n",
    "topic": "A short overview of the topic.\n",
}


def _first_slug(folder: Path) -> str | None:
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    return files[0].stem if files else None


def _values(kind: str, slug: str, sources: Sources) -> dict[str, str]:
    from .build import today

    title = slug.replace("-", " ").capitalize()
    if kind == "actor":
        return {"name": f'"{title}"'}
    if kind == "topic":
        return {"title": f'"{title}"'}
    return {
        "title": f'"{title}"',
        "claim": '"The claim as it was made, in under 75 characters"',
        "claimant": _first_slug(sources.content / "actors") or "claimant-slug",
        "source": '\n  publisher: "Where the claim appeared"',
        "verdict": "unproven",
        "summary": '"The ruling in one or two sentences."',
        "topics": f"[{_first_slug(sources.content / 'topics') or 'topic-slug'}]",
        "published": today().isoformat(),
        "draft": "true",
    }


def render_file(kind: str, slug: str, sources: Sources) -> str:
    _, spec = _FOLDERS[kind]
    values = _values(kind, slug, sources)
    lines = ["---"]
    for field in spec.values():
        lines.extend(_field_lines(field, values.get(field.name)))
    lines.append("---")
    return "\n".join(lines) + "\n" + _BODIES[kind]


def _field_lines(field: FieldSpec, value: str | None) -> list[str]:
    note = f"# {field.doc}" + ("" if field.required else " (optional)")
    if value is not None:
        return [note, f"{field.name}: {value}".replace(": \n", ":\n")]
    example = f"{field.name}: {field.example}".replace(": \n", ":\n")
    return [note] + ["# " + line for line in example.split("\n")]


def new(sources: Sources, kind: str, slug: str) -> int:
    if not SLUG_RE.match(slug):
        print(f"error: '{slug}' is not a valid slug; try '{slugify(slug)}' "
              "(lowercase letters, digits and single hyphens)", file=sys.stderr)
        return 2
    folder, _ = _FOLDERS[kind]
    path = sources.content / folder / f"{slug}.md"
    if path.exists():
        print(f"error: {sources.display(path)} already exists; it was not changed",
              file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_file(kind, slug, sources), encoding="utf-8")
    print(f"Created {sources.display(path)}")
    if kind == "claim":
        print("It is a draft: fill in the fields, run `site-builder check`, "
              "then remove `draft: true` to publish.")
    return 0
