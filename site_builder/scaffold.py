"""``site-builder new claim|actor|topic SLUG``: a valid file to start from.

Every field of the contract is listed, optional ones commented out, so an
editor sees what exists without opening the guide. A new claim starts as a
draft, so it cannot reach the public site by accident, and names nobody: its
claimant, claim, source, summary and text are placeholders (``PLACEHOLDERS``,
``BODY_PLACEHOLDERS``) that `check` can tell from an editor's words, so a
draft flipped to published without editing never puts invented words in a
real person's mouth.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from .fields import MAX_SLUG, SLUG_RE, WINDOWS_RESERVED, shorten_slug, slugify
from .load import Sources
from .schema import ACTOR, BODY_PLACEHOLDERS, CLAIM, PLACEHOLDERS, TOPIC, FieldSpec

_FOLDERS = {"claim": ("claims", CLAIM), "actor": ("actors", ACTOR), "topic": ("topics", TOPIC)}

_BODIES = {
    "claim": f"## What was said\n\n{BODY_PLACEHOLDERS[0]}\n\n"
             f"## What the evidence shows\n\n{BODY_PLACEHOLDERS[1]}[^1]\n\n"
             f"## Our ruling\n\n{BODY_PLACEHOLDERS[2]}\n\n[^1]: {BODY_PLACEHOLDERS[3]}\n",
    "actor": "A short profile: who this is and why their claims matter.\n",
    "topic": "A short overview of the topic.\n",
}


def _first_slug(folder: Path) -> str | None:
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    return files[0].stem if files else None


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def _values(kind: str, slug: str, sources: Sources) -> dict[str, str]:
    from .build import today

    title = slug.replace("-", " ").capitalize()
    if kind == "actor":
        return {"name": f'"{title}"'}
    if kind == "topic":
        return {"title": f'"{title}"'}
    return {
        "title": f'"{title}"',
        "claim": _quoted(PLACEHOLDERS["claim"]),
        "claimant": _quoted(PLACEHOLDERS["claimant"]),
        "source": f"\n  publisher: {_quoted(PLACEHOLDERS['source.publisher'])}",
        "verdict": _quoted(_draft_verdict(sources)),
        "summary": _quoted(PLACEHOLDERS["summary"]),
        "topics": f"[{_first_slug(sources.content / 'topics') or 'topic-slug'}]",
        "published": today().isoformat(),
        "draft": "true",
    }


def _draft_verdict(sources: Sources) -> str:
    """The verdict a new draft starts with: a key of this site's scale.

    The built-in 'unproven' when the scale has it; else the last verdict off
    the numeric scale (a site's own word for "not established"), else the last
    of the scale. A fixed 'unproven' made a new draft an error on a site whose
    own scale has no such key. A site.yaml that cannot be read gives the
    built-in scale (``check`` reports what is wrong with it).
    """
    from .config import read_site
    from .load import load_file
    from .problems import Problems

    problems = Problems()
    doc = load_file(sources, sources.content / "site.yaml", problems, "site")
    _, verdicts = read_site(doc, problems)
    keys = [v.key for v in verdicts if v.key]
    if "unproven" in keys or not keys:
        return "unproven"
    return ([v.key for v in verdicts if v.key and v.rating is None] or keys)[-1]


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
    """Write the new file; exit code 0, 1 (not written) or 2 (wrong usage).

    Everything that can be refused is refused before the first write, and a
    failed write is a message, never a traceback. A slug that cannot be one
    is wrong usage (2); a content folder that is missing or no site is a
    problem of the content, as ``check`` and ``build`` report it (1).
    """
    problem = _slug_problem(slug)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    problem = _content_problem(sources)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    folder, _ = _FOLDERS[kind]
    path = sources.content / folder / f"{slug}.md"
    taken = next((p for p in sorted((sources.content / folder).rglob(f"{slug}.md"))
                  if p != path and sources.kind_of(p)), None)  # in a sub-folder: same slug
    if taken is not None:
        print(f"error: {sources.display(taken)} already has the slug '{slug}' (a slug names "
              "one file, in any sub-folder); nothing was created", file=sys.stderr)
        return 1
    problem = _write_new(path, render_file(kind, slug, sources), sources)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    print(f"Created {sources.display(path)}")
    if kind == "claim":
        print("It is a draft: replace every TODO (claimant, claim, source, summary and the "
              "text), run `site-builder check`, then remove `draft: true` to publish.")
    return 0


def _slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name a file, with the slug the editor probably meant."""
    if not SLUG_RE.match(slug):
        meant = slug  # a file name or path typed for the slug: 'claims/x.md' meant 'x'
        if meant.lower().endswith(".md"):
            meant = meant[:-3].replace("\\", "/").rsplit("/", 1)[-1]
        return (f"'{slug}' is not a valid slug; try '{slugify(meant)}' "
                "(lowercase letters, digits and single hyphens)")
    if len(slug) > MAX_SLUG:
        return (f"the slug is {len(slug)} characters long; a slug is at most "
                f"{MAX_SLUG} (it names files and URLs); try '{shorten_slug(slug)}'")
    if slug in WINDOWS_RESERVED:
        return (f"'{slug}' is a device name on Windows, where a file '{slug}.md' stops "
                f"the site from being checked out; try '{slug}-1' or a longer slug")
    return None


def _content_problem(sources: Sources) -> str | None:
    """A mistyped --content must not grow a new folder tree.

    `new` adds a file to an existing site: the content folder must exist and
    hold the site's site.yaml. No command writes site.yaml (a new site starts
    with an editor writing it), so this refuses no documented workflow.
    """
    content = sources.content
    if os.path.lexists(content) and not content.is_dir():
        return (f"the content folder {content} is not a folder; nothing was created. Name "
                "the folder that holds site.yaml with --content PATH")
    if not content.is_dir():
        return (f"the content folder {content} does not exist; nothing was created. "
                "Run this in the site's folder (the one that holds content/), or name "
                "the content folder with --content PATH")
    if not (content / "site.yaml").is_file():
        return (f"{content} has no site.yaml, so it is not a site's content folder; "
                "nothing was created. Name the folder that holds site.yaml with "
                "--content PATH (a new site starts with a site.yaml: title, base_url, "
                "publisher)")
    return None


def _write_new(path: Path, text: str, sources: Sources) -> str | None:
    """Create ``path`` (never over an existing file); None, or why it failed."""
    shown = sources.display(path)
    try:
        path.parent.mkdir(exist_ok=True)
    except OSError as exc:
        folder = sources.display(path.parent)
        reason = (f"{folder} is a file, not a folder" if path.parent.exists()
                  else exc.strerror or str(exc))
        return f"{shown} cannot be created: {reason}"
    try:
        handle = open(path, "x", encoding="utf-8")  # "x": never over a file made meanwhile
    except FileExistsError:
        return f"{shown} already exists; it was not changed"
    except OSError as exc:
        return f"{shown} cannot be created: {exc.strerror or exc}"
    try:
        with handle:
            handle.write(text)
    except OSError as exc:
        path.unlink(missing_ok=True)  # no half-written file left behind
        return f"{shown} could not be written: {exc.strerror or exc}; nothing was kept"
    return None
