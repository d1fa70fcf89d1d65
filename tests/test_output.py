"""Nothing lost: failed builds keep the old site; dangerous output folders are refused."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import REPO, claim_text, run_cli, soup, write_site


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("broken", [
    claim_text(verdict="flase"),
    b"---\ntitle: \"unclosed\n---\n",
    b"\xff\xfe not utf-8",
    b"",
])
def test_failed_build_leaves_previous_output_byte_identical(tmp_path: Path, broken):
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    before = tree_digest(out)
    target = content / "claims" / "jobs-doubled.md"
    target.write_bytes(broken if isinstance(broken, bytes) else broken.encode())
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "content/claims/jobs-doubled.md:" in result.stderr
    assert "unchanged" in result.stderr
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-builder-cache", "content",
                                                          "public", "seeds", "static"]


@pytest.mark.parametrize("template, where, words", [
    ('{{ claim.title | nosuchfilter }}', "templates/claim.html:1:1: error:", "nosuchfilter"),
    # not a Jinja2 error: still a problem at its line, never a traceback
    ('\n\n{{ 1 / 0 }}', "templates/claim.html:3:1: error:", "ZeroDivisionError"),
])
def test_template_error_is_reported_and_keeps_previous_output(tmp_path: Path, template,
                                                              where, words):
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    before = tree_digest(out)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "claim.html").write_text(
        '{% extends "base.html" %}{% block content %}' + template + '{% endblock %}')
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert where in result.stderr and words in result.stderr, result.stderr
    assert tree_digest(out) == before


def test_site_template_overrides_the_theme_by_name(tmp_path: Path):
    content = write_site(tmp_path)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        '{% extends "default/page.html" %}{% block content %}<p id="custom">custom'
        '</p>{{ super() }}{% endblock %}')
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    from conftest import soup

    page = soup(out / "about" / "index.html")
    assert page.find(id="custom") is not None and page.find("h1") is not None


@pytest.mark.parametrize("where", ["content", "root", "inside-content", "home"])
def test_refuses_output_folder_holding_content_or_project(tmp_path: Path, where):
    content = write_site(tmp_path)
    (tmp_path / "keep.txt").write_text("precious")
    out = {"content": content, "root": tmp_path, "inside-content": content / "out",
           "home": Path.home()}[where]
    before = tree_digest(tmp_path)
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1 and "refusing" in result.stderr
    assert tree_digest(tmp_path) == before


def test_refuses_to_replace_a_folder_it_did_not_make(tmp_path: Path):
    content = write_site(tmp_path)
    out = tmp_path / "public"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1 and "not made by site-builder" in result.stderr
    assert (out / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("manifest", ['{"trunc', "{}", "[1, 2]", '{"index.html": 3}'])
def test_a_damaged_manifest_is_refused_and_files_put_there_by_hand_survive(tmp_path: Path,
                                                                          manifest):
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    (out / "CNAME").write_text("checks.example.org")
    (out / ".site-builder-manifest.json").write_text(manifest)
    (content / "claims" / "prices-fell.md").write_text(claim_text(title="Prices fell, twice"))
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ".site-builder-manifest.json" in result.stderr and "damaged" in result.stderr
    assert (out / "CNAME").read_text() == "checks.example.org"


@pytest.mark.parametrize("edit", ["text", "file removed"])
def test_a_site_folder_replaced_by_a_link_is_never_written_through(tmp_path: Path, edit):
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    (out / "claims").rename(elsewhere)
    (out / "claims").symlink_to(elsewhere, target_is_directory=True)
    before = tree_digest(elsewhere)
    claim = content / "claims" / "jobs-doubled.md"
    if edit == "text":
        claim.write_text(claim.read_text() + "\nOne more sentence.\n")
    else:
        claim.unlink()
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "claims/ is a link to" in result.stderr, result.stderr
    assert tree_digest(elsewhere) == before


def test_rebuild_removes_pages_that_vanished(tmp_path: Path):
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    (content / "claims" / "jobs-doubled.md").unlink()
    (content / "claims" / "prices-fell.md").write_text(claim_text())
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert not (out / "claims" / "jobs-doubled").exists()
    assert (out / "claims" / "prices-fell" / "index.html").is_file()


def test_default_output_is_public_next_to_content(tmp_path: Path):
    write_site(tmp_path)
    result = run_cli("build", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "public" / "index.html").is_file()


def test_shipped_site_builds_with_the_installed_package_from_elsewhere(tmp_path: Path):
    """`pip install .` (not editable) ships the theme: a site with styles, run elsewhere."""
    import subprocess
    import sys

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True)
    pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps",
                          str(REPO)], capture_output=True, text=True)
    assert pip.returncode == 0, pip.stderr
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    out = tmp_path / "site"
    result = subprocess.run([str(venv / "bin" / "site-builder"), "build", "--content",
                             str(REPO / "content"), "--out", str(out)], cwd=workdir,
                            capture_output=True, text=True,
                            env={"PATH": str(venv / "bin"), "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    css = list((out / "static").glob("style.*.css"))
    assert css and css[0].stat().st_size > 1000
    assert css[0].name in (out / "index.html").read_text()


def test_streamed_fresh_build_matches_in_memory_build_and_fails_safely(tmp_path: Path, monkeypatch):
    """Big cold builds stream pages into a staging folder: same bytes, same safety."""
    from site_builder import build as pipeline
    from site_builder.load import Sources

    content = write_site(tmp_path)
    memory, streamed = tmp_path / "memory", tmp_path / "streamed"
    assert run_cli("build", "--content", str(content), "--out", str(memory),
                   "--no-cache").returncode == 0
    monkeypatch.setattr(pipeline, "STAGE_ABOVE", 0)
    result = pipeline.build(Sources.at(content), streamed, use_cache=False)
    assert result.ok and result.rendered > 0
    assert tree_digest(streamed) == tree_digest(memory)
    before = tree_digest(streamed)
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "topic.html").write_text("{{ nosuch.attr.deeper }}")
    result = pipeline.build(Sources.at(content), streamed, use_cache=False)
    assert not result.ok and any("topic.html" in p.path for p in result.problems.errors)
    assert tree_digest(streamed) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".streamed")]


def test_a_cache_that_cannot_be_written_does_not_stop_the_build(tmp_path: Path):
    """A read-only checkout or a full disk: the site is built, the editor is told."""
    content = write_site(tmp_path)
    (tmp_path / ".site-builder-cache").write_text("not a folder")
    out = tmp_path / "public"
    first = run_cli("build", "--content", str(content), "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert "build cache could not be saved" in first.stderr
    clean = tmp_path / "clean"
    assert run_cli("build", "--content", str(content), "--out", str(clean),
                   "--no-cache").returncode == 0
    assert tree_digest(out) == tree_digest(clean)
    (content / "claims" / "jobs-doubled.md").write_text(claim_text(title='"Edited"'))
    again = run_cli("build", "--content", str(content), "--out", str(out))
    assert again.returncode == 0 and "Nothing changed" not in again.stdout
    assert soup(out / "claims/jobs-doubled/index.html").h1.get_text(strip=True) == "Edited"


def test_a_rebuild_that_cannot_write_one_file_changes_nothing(tmp_path: Path):
    """All or nothing over an existing site: when one changed page cannot be
    written (here a folder stands where the page goes), no other page is
    replaced either and the next good build repairs everything."""
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    (content / "claims" / "jobs-doubled.md").write_text(claim_text(title='"Renamed one"',
                                                                   related="[prices-fell]"))
    (content / "claims" / "prices-fell.md").write_text(
        claim_text(title='"Renamed two"', verdict="mostly-true", published="2024-04-01"))
    blocker = out / "claims" / "prices-fell" / "index.html"
    blocker.unlink()
    blocker.mkdir()
    (blocker / "keep.txt").write_text("not ours")
    before = tree_digest(out)
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "claims/prices-fell/index.html" in result.stderr
    assert tree_digest(out) == before
    assert not [p for p in out.rglob("*.tmp")]
    (blocker / "keep.txt").unlink()
    blocker.rmdir()
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert soup(out / "claims/prices-fell/index.html").h1.get_text(strip=True) == "Renamed two"
    assert soup(out / "claims/jobs-doubled/index.html").h1.get_text(strip=True) == "Renamed one"


def test_files_deleted_from_the_site_are_restored_by_the_next_build(tmp_path: Path):
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    before = tree_digest(out)
    page = out / "claims" / "jobs-doubled" / "index.html"
    page.unlink()
    for css in (out / "static").glob("*.css"):
        css.unlink()
    again = run_cli("build", "--content", str(content), "--out", str(out))
    assert again.returncode == 0 and "Nothing changed" not in again.stdout, again.stdout
    assert tree_digest(out) == before
    assert "Nothing changed" in run_cli("build", "--content", str(content),
                                        "--out", str(out)).stdout


def test_a_file_deleted_before_a_text_edit_is_restored_by_the_build_after(tmp_path: Path):
    """The quick rebuild of a text edit does not stat the whole site; the next
    build does, and puts back what was deleted."""
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    (out / "claims" / "prices-fell" / "index.html").unlink()
    claim = content / "claims" / "jobs-doubled.md"
    claim.write_text(claim.read_text() + "\nOne more sentence.\n")
    quick = run_cli("build", "--content", str(content), "--out", str(out))
    assert "only claim texts changed" in quick.stdout, quick.stdout
    again = run_cli("build", "--content", str(content), "--out", str(out))
    assert "Nothing changed" not in again.stdout, again.stdout
    assert soup(out / "claims/prices-fell/index.html").h1.get_text(strip=True)


@pytest.mark.parametrize("before, after", [("/old/page.php", "/old/page.php/"),
                                           ("/old/page.php/", "/old/page.php")])
def test_an_alias_that_turns_from_file_to_folder_rebuilds_cleanly(tmp_path: Path, before, after):
    """The old alias page stands where the new one needs a folder (or the other
    way round): the site is rebuilt beside the old one and swapped in."""
    content = write_site(tmp_path, claims={"x": claim_text(aliases=f"[{before}]"),
                                           "y": claim_text()})
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    (content / "claims" / "x.md").write_text(claim_text(aliases=f"[{after}]"))
    (content / "claims" / "y.md").write_text(claim_text(title='"Edited too"'))
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0, result.stderr
    clean = tmp_path / "clean"
    assert run_cli("build", "--content", str(content), "--out", str(clean),
                   "--no-cache").returncode == 0
    assert tree_digest(out) == tree_digest(clean)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".public")]


#: a build in its own process that kills itself outright (SIGKILL: no cleanup
#: runs) at the ``nth`` call of ``os.<call>`` in output.py
KILLED_BUILD = """
import os, signal, sys
from pathlib import Path
from site_builder import output
from site_builder.build import build
from site_builder.load import Sources
call, nth = sys.argv[3], int(sys.argv[4])
real = getattr(os, call)
seen = []
def dying(*args, **kwargs):
    seen.append(args)
    if len(seen) == nth:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)
output.os = type("os", (), {**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")},
                           call: staticmethod(dying)})
build(Sources.at(Path(sys.argv[1])), Path(sys.argv[2]))
"""


def _killed_build(content: Path, out: Path, call: str, nth: int) -> None:
    import signal
    import subprocess
    import sys

    from conftest import REPO
    done = subprocess.run([sys.executable, "-c", KILLED_BUILD, str(content), str(out), call,
                           str(nth)], env={"PYTHONPATH": str(REPO)}, capture_output=True)
    assert done.returncode == -signal.SIGKILL, done.stderr


def test_a_build_killed_while_updating_the_site_leaves_no_temporary_file_behind(
        tmp_path: Path):
    """Killed after writing its temporary files, before renaming them: the
    next build removes them (they would be published) and gives the site a
    clean build would."""
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    claim = content / "claims" / "jobs-doubled.md"
    claim.write_text(claim.read_text().replace("Text with a note", "Edited text with a note"))
    _killed_build(content, out, "replace", 1)
    assert any(p.name.endswith(".tmp") for p in out.rglob("*")), "the kill came too late"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")
                or p.name == ".site-builder-pending.json"]
    clean = tmp_path / "clean"
    assert run_cli("build", "--content", str(content), "--out", str(clean),
                   "--no-cache").returncode == 0
    assert tree_digest(out) == tree_digest(clean)
    assert "Edited text" in soup(out / "claims" / "jobs-doubled" / "index.html").get_text()


@pytest.mark.parametrize("nth", [1, 2])
def test_a_fresh_build_killed_at_the_swap_loses_nothing_and_leaves_nothing(tmp_path: Path,
                                                                           nth: int):
    """A fresh build is written beside the site and swapped in with two renames
    (old site aside, new one in). Killed before the first, it leaves a whole
    staged site beside the output; between them, no site at all, the old one
    being under a temporary name. The next build removes the first and puts
    the second back."""
    from site_builder.output import recover

    content = write_site(tmp_path)
    out = tmp_path / "public"
    # a folder holding only a manifest that lists nothing: the next build starts
    # afresh and swaps its site in (a folder with more in it would be refused)
    out.mkdir()
    (out / ".site-builder-manifest.json").write_text("{}")
    before = tree_digest(out)
    _killed_build(content, out, "rename", nth)
    beside = [p.name for p in tmp_path.iterdir() if p.name.startswith(".public.")]
    assert beside and (out.exists() if nth == 1 else not out.exists())
    recover(out)
    assert tree_digest(out) == before
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site-builder-cache", "content",
                                                          "public", "seeds", "static"]
    assert soup(out / "claims" / "jobs-doubled" / "index.html").h1 is not None


def test_a_second_build_into_a_folder_being_written_is_refused(tmp_path: Path):
    """Two builds writing one folder at once would mix their pages: the
    second says which process is at work and leaves the folder alone."""
    import json
    import os

    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    (content / "claims" / "jobs-doubled.md").write_text(claim_text(title='"Changed"'))
    (out / ".site-builder-pending.json").write_text(json.dumps({"pid": os.getpid(),
                                                                "temps": []}))
    before = tree_digest(out)
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode != 0
    assert f"another build (process {os.getpid()}) is writing into" in result.stderr
    assert "Traceback" not in result.stderr
    assert tree_digest(out) == before


@pytest.mark.parametrize("folder", ["templates", "static", ".site-builder-cache", "seeds",
                                    "seeds/built"])
def test_an_output_folder_the_build_reads_is_refused(tmp_path: Path, folder):
    """Built into templates/, the next build read its pages as templates; into
    static/, it published a copy of the site inside itself; into the cache, it
    published the cache's pickles."""
    content = write_site(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run_cli("build", "--content", str(content), "--out", str(tmp_path / folder))
    assert result.returncode == 1 and "refusing to build into" in result.stderr, result.stderr
    assert "the build reads" in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_an_output_folder_that_cannot_be_a_folder_is_one_error(tmp_path: Path):
    content = write_site(tmp_path)
    (tmp_path / "a-file").write_text("x")
    (tmp_path / "loop1").symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(tmp_path / "loop1")
    for out, why in (("a-file/sub", "Not a directory"), ("loop1", "loop")):
        result = run_cli("build", "--content", str(content), "--out", str(tmp_path / out))
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert "as the output folder" in result.stderr and why in result.stderr, result.stderr
    result = run_cli("check", "--content", str(tmp_path / "loop1"))
    assert result.returncode == 2 and "cannot be followed" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_an_output_link_to_nothing_is_refused_and_nothing_is_created(tmp_path: Path):
    """A link left behind by a site that was moved or deleted: the build must not
    make a folder wherever the link happens to point."""
    content = write_site(tmp_path)
    (tmp_path / "public").symlink_to(tmp_path / "gone" / "site")
    result = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public"))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "does not exist" in result.stderr and "gone/site" in result.stderr
    assert not (tmp_path / "gone").exists()
    inside = run_cli("build", "--content", str(content), "--out", str(tmp_path / "public/site"))
    assert inside.returncode == 1 and "does not exist" in inside.stderr, inside.stderr
    assert not (tmp_path / "gone").exists()  # nor under a link to nothing higher up
    (tmp_path / "gone/site").mkdir(parents=True)  # made: the build goes through the link
    assert run_cli("build", "--content", str(content), "--out",
                   str(tmp_path / "public")).returncode == 0
    assert soup(tmp_path / "gone/site/claims/jobs-doubled/index.html").h1 is not None


def test_a_cache_items_file_made_a_folder_is_a_note_not_a_failed_build(tmp_path: Path):
    content = write_site(tmp_path)
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    items = tmp_path / ".site-builder-cache/items.pickle"
    items.unlink()
    (items / "x").mkdir(parents=True)
    site = content / "site.yaml"
    site.write_text(site.read_text().replace("title: Test Checks", "title: Renamed Checks"))
    result = run_cli("build", "--content", str(content), "--out", str(out))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "the build cache could not be saved (Is a directory" in result.stderr
    assert "items.pickle" in result.stderr  # where: the editor can remove it
    assert "Renamed Checks" in (out / "index.html").read_text()
    assert not list(items.parent.glob(".items.pickle.*.tmp"))


def test_a_first_build_into_an_empty_folder_that_cannot_be_swapped_is_written_inside(
        tmp_path: Path):
    """An empty output folder in a read-only folder (or a mount point) cannot be
    replaced by one built beside it: the site is written inside it instead."""
    import subprocess
    import sys

    from conftest import as_unprivileged

    content = write_site(tmp_path / "project")
    locked = tmp_path / "locked"
    (locked / "site").mkdir(parents=True)
    locked.chmod(0o555)
    try:
        result = subprocess.run(
            [*as_unprivileged(), sys.executable, "-m", "site_builder", "build", "--content",
             str(content), "--out", str(locked / "site")], capture_output=True, text=True,
            env={"PYTHONPATH": str(REPO)}, timeout=120)
    finally:
        locked.chmod(0o755)
    assert result.returncode == 0, result.stdout + result.stderr
    assert soup(locked / "site/claims/jobs-doubled/index.html").h1 is not None
    assert sorted(p.name for p in locked.iterdir()) == ["site"]  # nothing beside it
