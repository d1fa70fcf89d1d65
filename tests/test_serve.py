"""`site-builder serve`: the live preview, over HTTP and in a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from bs4 import BeautifulSoup

from conftest import REPO, SITE_YAML, claim_text, run_cli, write_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROME_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


class Preview:
    def __init__(self, root: Path) -> None:
        self.root, self.port = root, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "site_builder", "serve", "--content", str(root / "content"),
             "--port", str(self.port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, env=env)
        wait_for(self._up, timeout=20)

    def _up(self) -> bool:
        try:
            return get(self.base + "/")[0] in (200, 500)
        except OSError:
            return False

    def page(self, path: str) -> tuple[int, str]:
        return get(self.base + path)

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def stop(self) -> str:
        self.proc.terminate()
        try:
            out, _ = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return out


@pytest.fixture
def preview(tmp_path: Path):
    write_site(tmp_path, claims={
        "jobs-doubled": claim_text(title='"Did jobs double?"'),
        "secret": claim_text(title='"A draft claim"', draft="true"),
    })
    server = Preview(tmp_path)
    yield server
    server.stop()


def test_serves_pages_with_livereload_and_drafts_marked(preview: Preview):
    status, body = preview.page("/claims/jobs-doubled/")
    assert status == 200 and "livereload.js" in body
    status, body = preview.page("/claims/secret/")
    from bs4 import BeautifulSoup

    page = BeautifulSoup(body, "html.parser")
    assert status == 200 and page.select_one(".draft-flag") is not None
    banner = page.select_one(".preview-banner")
    # in a landmark of its own (axe: region), so a screen reader's list of them has it
    assert banner is not None and banner.name == "section" and banner.get("aria-label")
    published = BeautifulSoup(preview.page("/claims/jobs-doubled/")[1], "html.parser")
    assert published.select_one(".draft-flag") is None


def test_edit_new_rename_and_delete_files(preview: Preview):
    preview.write("content/claims/jobs-doubled.md", claim_text(title='"Edited headline"'))
    wait_for(lambda: "Edited headline" in preview.page("/claims/jobs-doubled/")[1])
    preview.write("content/claims/brand-new.md", claim_text(title='"Brand new"'))
    wait_for(lambda: preview.page("/claims/brand-new/")[0] == 200)
    assert "/claims/brand-new/" in preview.page("/actors/jane-doe/")[1]
    os.rename(preview.root / "content/claims/brand-new.md",
              preview.root / "content/claims/renamed.md")
    wait_for(lambda: preview.page("/claims/renamed/")[0] == 200)
    assert preview.page("/claims/brand-new/")[0] == 404
    (preview.root / "content/claims/renamed.md").unlink()
    wait_for(lambda: preview.page("/claims/renamed/")[0] == 404)
    assert "/claims/renamed/" not in preview.page("/actors/jane-doe/")[1]


def test_broken_file_shows_the_report_on_every_page_then_recovers(preview: Preview):
    preview.write("content/claims/jobs-doubled.md", claim_text(verdict="flase"))
    status, body = wait_for(lambda: (r := preview.page("/claims/jobs-doubled/"))[0] == 500 and r)
    assert "content/claims/jobs-doubled.md:8:1" in body and "did you mean" in body
    assert "livereload.js" in body  # the error page reloads itself once fixed
    assert preview.page("/")[0] == 500
    preview.write("content/claims/jobs-doubled.md", claim_text(title='"Fixed"'))
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 200)
    assert "Fixed" in preview.page("/claims/jobs-doubled/")[1]
    assert preview.proc.poll() is None  # the server kept running


def test_template_error_shown_in_the_browser(preview: Preview):
    preview.write("templates/claim.html", "{% extends 'base.html' %}{% block content %}"
                  "{{ claim.title | nosuch }}{% endblock %}")
    status, body = wait_for(lambda: (r := preview.page("/claims/jobs-doubled/"))[0] == 500 and r)
    assert "nosuch" in body
    (preview.root / "templates/claim.html").unlink()
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 200)


def test_a_template_that_is_not_utf8_is_named_in_the_browser(preview: Preview):
    (preview.root / "templates").mkdir()
    (preview.root / "templates/claim.html").write_bytes(
        b"{% extends 'default/claim.html' %}\n{# caf\xe9 #}\n")
    status, body = wait_for(lambda: (r := preview.page("/claims/jobs-doubled/"))[0] == 500 and r)
    assert "templates/claim.html:2" in body and "not UTF-8" in body
    (preview.root / "templates/claim.html").unlink()
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 200)
    assert "Traceback" not in preview.stop()


def _title(preview: Preview, path: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(preview.page(path)[1], "html.parser").title.get_text()


def test_template_added_while_the_preview_runs_is_used(preview: Preview):
    preview.write("templates/note.html", "<p>a site template</p>")
    assert _title(preview, "/claims/jobs-doubled/") != "Overridden"  # the default is loaded
    preview.write("templates/claim.html", "{% extends 'default/claim.html' %}"
                  "{% block title %}Overridden{% endblock %}")
    wait_for(lambda: _title(preview, "/claims/jobs-doubled/") == "Overridden")
    # the page can show the new file before the preview's poll (every 50 ms) has
    # seen it; a file added and removed between two polls is invisible to it
    time.sleep(1)
    (preview.root / "templates/claim.html").unlink()
    wait_for(lambda: _title(preview, "/claims/jobs-doubled/") != "Overridden")


@pytest.mark.skipif(sys.platform != "linux", reason="file names that are not UTF-8")
def test_edits_still_show_after_a_file_name_that_is_not_utf8_appears(preview: Preview):
    """watchfiles stops on such a name; the preview goes on by polling the folders."""
    claims = os.fsencode(preview.root / "content" / "claims")
    with open(claims + b"/caf\xe9.md", "w", encoding="utf-8") as file:
        file.write(claim_text())
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 500)  # a bad slug
    os.remove(claims + b"/caf\xe9.md")
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 200)
    preview.write("content/claims/jobs-doubled.md", claim_text(title='"Still followed"'))
    wait_for(lambda: _title(preview, "/claims/jobs-doubled/").startswith("Still followed"))
    assert "Traceback" not in preview.stop()


def test_nothing_outside_the_site_is_served(preview: Preview):
    (preview.root / "secret.txt").write_text("do not serve")
    for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt",
                 "/static/../../secret.txt", "/content/site.yaml", "/static/",
                 "/%2e%2e/%2e%2e/etc/passwd"]:
        status, body = preview.page(path)
        assert status == 404 and "do not serve" not in body and "title:" not in body, path


def test_head_requests_are_answered_without_a_traceback(preview: Preview):
    for path in ["/", "/claims/jobs-doubled/", "/feed.xml", "/robots.txt", "/no-such-page/"]:
        request = urllib.request.Request(preview.base + path, method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        assert status == (404 if path == "/no-such-page/" else 200) and body == b"", path
    assert preview.page("/claims/jobs-doubled/")[0] == 200
    assert "Traceback" not in preview.stop()


def test_busy_port_gives_a_clear_message(preview: Preview):
    result = subprocess.run(
        [sys.executable, "-m", "site_builder", "serve", "--content",
         str(preview.root / "content"), "--port", str(preview.port)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=30)
    assert result.returncode == 1
    assert f"port {preview.port}" in result.stderr and "try --port" in result.stderr


@pytest.mark.skipif(os.name == "nt", reason="TIME_WAIT ports behave differently on Windows")
def test_port_of_a_just_stopped_preview_is_free_again():
    """Restarting serve right after Ctrl-C: the old connections in TIME_WAIT do not
    make the port look busy (tornado itself binds with SO_REUSEADDR)."""
    from site_builder.serve import free_port as port_is_free

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado's
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    client = socket.create_connection(("127.0.0.1", port))
    accepted, _ = listener.accept()
    accepted.close()  # the server closes first: its side waits in TIME_WAIT
    client.recv(1)
    client.close()
    listener.close()
    assert port_is_free("127.0.0.1", port)
    with socket.socket() as busy:  # a preview running on that port
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        busy.bind(("127.0.0.1", port))
        busy.listen()
        assert not port_is_free("127.0.0.1", port)


def test_binds_to_localhost_by_default(preview: Preview):
    out = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout \
        if shutil.which("ss") else ""
    if out:
        lines = [line for line in out.splitlines() if f":{preview.port} " in line]
        assert lines and all("127.0.0.1" in line for line in lines)


# -- in a real browser ---------------------------------------------------------------
def _browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("SITE_BUILDER_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (SITE_BUILDER_REQUIRE_BROWSER=1) but missing")
        pytest.skip("Debian's chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    return sync_api


@contextmanager
def _watching(preview: Preview, path: str):
    """A headless Chromium page open on ``path``, its live-reload connection up."""
    sync_api = _browser()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROME_ARGS)
        page = browser.new_page()
        page.goto(preview.base + path)
        page.wait_for_function("() => window.LiveReload !== undefined", timeout=10000)
        try:
            yield page
        finally:
            browser.close()


def test_browser_reloads_by_itself_on_each_save(preview: Preview):
    with _watching(preview, "/claims/jobs-doubled/") as page:
        time.sleep(0.3)
        # two saves a second apart both reach the browser; the third comes while the
        # page is still reconnecting after the second, and must not be lost either
        for n, pause in ((1, 1.0), (2, 0.0), (3, 0.5)):
            started = time.monotonic()
            preview.write("content/claims/jobs-doubled.md",
                          claim_text(title=f'"Saved version {n}"'))
            page.wait_for_function(
                f"() => document.querySelector('h1').textContent.includes('Saved version {n}')",
                timeout=10000)
            elapsed = time.monotonic() - started
            print(f"save {n} shown in the browser after {elapsed * 1000:.0f} ms")
            time.sleep(pause)
        preview.write("content/claims/jobs-doubled.md", claim_text(verdict="flase"))
        page.wait_for_selector("#site-builder-error", timeout=10000)
        assert "jobs-doubled.md:8:1" in page.inner_text("#site-builder-error")
        preview.write("content/claims/jobs-doubled.md", claim_text(title='"Back again"'))
        page.wait_for_function(
            "() => document.querySelector('h1') && "
            "document.querySelector('h1').textContent.includes('Back again')", timeout=10000)


def test_a_page_that_fails_to_render_reloads_the_browsers_on_other_pages(preview: Preview):
    """A template error shows up only when a page using it is rendered; from then
    on every page shows the report, so a browser open on another page (which
    rendered fine a moment ago) is reloaded to show it too."""
    with _watching(preview, "/") as page:
        page.evaluate("window.beforeSave = true")
        preview.write("templates/claim.html", "{% extends 'base.html' %}{% block content %}\n"
                      "<p>{{ 1 / 0 }}</p>{% endblock %}")
        # the save reloads the home page, which does not use claim.html: still fine
        page.wait_for_function("() => window.beforeSave === undefined && "
                               "window.LiveReload !== undefined", timeout=10000)
        assert page.query_selector("#site-builder-error") is None
        assert get(preview.base + "/claims/jobs-doubled/")[0] == 500  # another tab, say
        page.wait_for_selector("#site-builder-error", timeout=10000)
        assert "templates/claim.html:2" in page.inner_text("#site-builder-error")


def test_messages_that_are_not_livereloads_are_dropped_without_a_traceback(preview: Preview):
    """Any page on this machine can open the preview's websocket and send anything."""
    import asyncio
    import json

    from tornado.websocket import websocket_connect

    async def talk() -> dict:
        socket = await websocket_connect(f"ws://127.0.0.1:{preview.port}/livereload")
        for junk in ("1", "abc", "{}", '{"command": 5}', "[]", "null", '"hello"'):
            await socket.write_message(junk)
        await socket.write_message(json.dumps({"command": "hello", "protocols": []}))
        answer = json.loads(await asyncio.wait_for(socket.read_message(), 10))
        socket.close()
        return answer

    assert asyncio.run(talk())["command"] == "hello"  # still talking after the junk
    assert preview.page("/claims/jobs-doubled/")[0] == 200
    out = preview.stop()
    assert "Traceback" not in out and "Error" not in out, out


def test_ctrl_c_stops_cleanly(preview: Preview):
    import signal

    preview.proc.send_signal(signal.SIGINT)
    out, _ = preview.proc.communicate(timeout=15)
    assert preview.proc.returncode == 0
    assert "Stopped." in out and "Traceback" not in out


def test_error_page_shows_a_file_name_that_is_not_utf8():
    """The preview's error page still renders when a file name has stray bytes."""
    from bs4 import BeautifulSoup

    from site_builder.problems import Problems
    from site_builder.serve import error_page

    problems = Problems()
    problems.error("content/claims/caf\udce9.md", 1, "the file name is not a valid slug")
    page = BeautifulSoup(error_page(problems).decode("utf-8"), "html.parser")
    assert "content/claims/caf?.md:1:1" in page.select_one("#site-builder-error li").get_text()


# -- folders moved, renamed or deleted ----------------------------------------------
def _in_memory(content: Path):
    """The preview without its server: what every request is answered from."""
    from site_builder.load import Sources
    from site_builder.serve import Preview as SitePreview

    preview = SitePreview(Sources.at(content))
    preview.load_all()
    return preview


def _problems(preview) -> list[str]:
    return [f"{p.location()}: {p.message}" for p in preview.snapshot.problems.errors]


@pytest.mark.parametrize("make", [lambda path: path.symlink_to(path), os.mkfifo],
                         ids=["link loop", "named pipe"])
def test_a_file_that_cannot_be_read_is_reported_as_a_fresh_preview_does(tmp_path: Path, make):
    """Saved into content/ while the preview runs: not a crash, and not taken
    for an empty folder either."""
    content = write_site(tmp_path)
    preview = _in_memory(content)
    odd = content / "claims" / "odd.md"
    make(odd)
    preview.apply([odd])
    assert preview.respond("/claims/jobs-doubled/")[0] == 500
    live = _problems(preview)
    assert any(p.startswith("content/claims/odd.md:1:1:") for p in live), live
    assert live == _problems(_in_memory(content))
    odd.unlink()
    preview.apply([odd])
    assert preview.respond("/claims/jobs-doubled/")[0] == 200 and not _problems(preview)


def test_renamed_folder_of_claims_is_followed(tmp_path: Path):
    """A folder rename is reported as the two folder paths only (watchfiles), yet
    every claim in it keeps its page, once, under its new file name."""
    from bs4 import BeautifulSoup

    content = write_site(tmp_path)
    preview = _in_memory(content)
    old, new = content / "claims" / "2024", content / "claims" / "archive"
    old.mkdir()
    moved = old / "jobs-doubled.md"
    os.rename(content / "claims" / "jobs-doubled.md", moved)
    preview.apply([content / "claims" / "jobs-doubled.md", old, moved])
    assert preview.respond("/claims/jobs-doubled/")[0] == 200 and not _problems(preview)
    os.rename(old, new)
    preview.apply([old, new])
    assert preview.respond("/claims/jobs-doubled/")[0] == 200 and not _problems(preview)
    preview.apply([new])  # a second event for the same folder changes nothing
    assert preview.respond("/claims/jobs-doubled/")[0] == 200 and not _problems(preview)
    edited = new / "jobs-doubled.md"  # the editor saves the file where it is now
    edited.write_text(claim_text(title='"Saved after the move"'), encoding="utf-8")
    preview.apply([edited])
    assert not _problems(preview)  # not "used twice", naming a file that is gone
    page = BeautifulSoup(preview.respond("/claims/jobs-doubled/")[2], "html.parser")
    assert "Saved after the move" in page.select_one("h1").get_text()
    edited.unlink()
    preview.apply([edited])
    assert preview.respond("/claims/jobs-doubled/")[0] == 404


def test_deleted_or_moved_away_folder_takes_its_pages_with_it(tmp_path: Path):
    from bs4 import BeautifulSoup

    content = write_site(tmp_path)
    preview = _in_memory(content)
    assert preview.respond("/claims/prices-fell/")[0] == 200
    shutil.move(content / "claims", tmp_path / "claims.moved")
    preview.apply([content / "claims"])
    for path in ("/claims/prices-fell/", "/claims/jobs-doubled/"):
        assert preview.respond(path)[0] == 404, path
    actor = BeautifulSoup(preview.respond("/actors/jane-doe/")[2], "html.parser")
    assert not actor.select('a[href^="/claims/prices-fell"]')
    shutil.move(tmp_path / "claims.moved", content / "claims")  # and back again
    preview.apply([content / "claims"])
    assert preview.respond("/claims/prices-fell/")[0] == 200 and not _problems(preview)
    shutil.rmtree(content / "topics")
    preview.apply([content / "topics"])
    assert preview.respond("/topics/economy/")[0] in (404, 500)
    assert any("unknown topic 'economy'" in p for p in _problems(preview))


def test_save_through_a_temporary_file_stays_a_one_claim_update(tmp_path: Path):
    """Editors write `.name.tmp` and rename it over the claim: the event for the
    temporary name must not turn the fast one-claim update into a rebuild."""
    from bs4 import BeautifulSoup

    content = write_site(tmp_path)
    preview = _in_memory(content)
    model = preview.snapshot.site
    claim = content / "claims" / "jobs-doubled.md"
    temp = claim.with_name(".jobs-doubled.md.tmp")
    temp.write_text(claim_text(title='"Saved through a temporary file"', related="[prices-fell]"))
    os.replace(temp, claim)
    preview.apply([temp, claim])
    page = BeautifulSoup(preview.respond("/claims/jobs-doubled/")[2], "html.parser")
    assert "Saved through a temporary file" in page.select_one("h1").get_text()
    assert preview.snapshot.site is model  # patched in place, not rebuilt


def test_folder_with_a_backup_like_name_is_still_followed(tmp_path: Path):
    """`old~` is not a scratch file when claims were read from under it."""
    content = write_site(tmp_path, claims={"jobs-doubled": claim_text(),
                                           "prices-fell": claim_text(title='"Prices?"')})
    folder = content / "claims" / "old~"
    folder.mkdir()
    shutil.move(content / "claims" / "prices-fell.md", folder / "prices-fell.md")
    preview = _in_memory(content)
    preview.apply([folder / "prices-fell.md"])  # as a file event would bring it in
    assert preview.respond("/claims/prices-fell/")[0] == 200
    shutil.rmtree(folder)
    preview.apply([folder])
    assert preview.respond("/claims/prices-fell/")[0] == 404 and not _problems(preview)


def test_claim_in_a_hidden_folder_is_not_published_as_build_would_not(tmp_path: Path):
    """Editors' tools keep copies in `.trash/` or `.history/`; the preview must
    show the site `build` makes, where those are not content."""
    content = write_site(tmp_path)
    preview = _in_memory(content)
    hidden = content / "claims" / ".history" / "copy-of-jobs.md"
    hidden.parent.mkdir()
    hidden.write_text(claim_text(title='"An old copy"'), encoding="utf-8")
    preview.apply([hidden])
    assert preview.respond("/claims/copy-of-jobs/")[0] == 404
    assert not _problems(preview)
    assert run_cli("build", "--content", str(content), "--out", str(tmp_path / "out")
                   ).returncode == 0
    assert not (tmp_path / "out/claims/copy-of-jobs").exists()


def test_folder_moved_out_of_the_running_preview(preview: Preview):
    """The real server with real file events: the moved folder's pages go away."""
    assert preview.page("/claims/jobs-doubled/")[0] == 200
    shutil.move(preview.root / "content/claims", preview.root / "claims.moved")
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 404)
    shutil.move(preview.root / "claims.moved", preview.root / "content/claims")
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 200)


# -- any render error is a page, not a bare 500 ---------------------------------------
def test_exception_in_a_template_shows_the_error_page(preview: Preview):
    from bs4 import BeautifulSoup

    preview.write("templates/claim.html", "{% extends 'base.html' %}{% block content %}\n"
                  "<p>{{ 1 / 0 }}</p>{% endblock %}")
    status, body = wait_for(lambda: (r := preview.page("/claims/jobs-doubled/"))[0] == 500 and r)
    report = BeautifulSoup(body, "html.parser").select_one("#site-builder-error")
    assert report is not None, body
    assert "templates/claim.html:2" in report.get_text() and "division by zero" in report.get_text()
    assert "Traceback" not in body and "livereload.js" in body
    (preview.root / "templates/claim.html").unlink()
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 200)
    assert preview.proc.poll() is None


def test_exception_in_a_writer_shows_the_error_page(site: Path, monkeypatch):
    from bs4 import BeautifulSoup

    preview = _in_memory(site)
    renderer = preview.snapshot.renderer

    def broken(route):
        raise KeyError("no such field")

    writer = next(r.writer for r in preview.snapshot.by_output.values() if r.writer)
    monkeypatch.setitem(renderer.writers, writer, broken)
    url = next(u for u, r in preview.snapshot.by_output.items() if r.writer == writer)
    status, ctype, body = preview.respond(url)
    assert status == 500 and ctype.startswith("text/html")
    report = BeautifulSoup(body, "html.parser").select_one("#site-builder-error")
    assert report is not None and "no such field" in report.get_text()
    assert url in report.get_text()


def _every_response(preview) -> dict[str, tuple[int, str, bytes]]:
    preview.respond("/search/")  # the preview adds the search index when it is asked for
    return {path: preview.respond(path) for path in sorted(preview.snapshot.by_output)}


def test_the_preview_serves_what_the_build_publishes(tmp_path: Path, monkeypatch):
    """Every file of a build with drafts, byte for byte, from the preview; a link to
    the search page is a link to a page of the site in both."""
    from site_builder.build import build, today
    from site_builder.load import Sources
    from site_builder.resolve import Options

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796601600")
    shutil.copytree(REPO / "content", tmp_path / "content")
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    claim = next((tmp_path / "content/claims").glob("*.md"))
    claim.write_text(claim.read_text() + "\nSee [the search](/search/?q=putin).\n")
    out = tmp_path / "public"
    assert build(Sources.at(tmp_path / "content"), out, Options(drafts=True, today=today()),
                 use_cache=False).ok
    preview = _in_memory(tmp_path / "content")
    assert _problems(preview) == []
    preview.respond("/search/")
    differ = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        url = "/" + path.relative_to(out).as_posix()
        if url == "/.site-builder-manifest.json":
            continue
        status, _, body = preview.respond(url)
        if status != 200 or body != path.read_bytes():
            differ.append(url)
    assert differ == []


@pytest.mark.parametrize("number, verdict, patched, extra", [
    (5, "half-true", True, ""),    # front matter only: the claim patched in place
    (5, "true", True, ""),         # a verdict moved, and no list gains or loses a page
    (5, "misleading", False, ""),  # 'misleading' gains a page: the full rebuild
    (9, "true", False, ""),        # 'mostly-true' loses its second page: the full rebuild
    (5, "half-true", False, "updated: 2024-05-01\n"),  # new dates for the sitemap and lists
])
def test_a_patched_preview_serves_what_a_fresh_one_does(tmp_path: Path, number, verdict,
                                                        patched, extra):
    """Every page, feed and index of a preview that took an edit in place is
    byte for byte what a preview started after the edit serves."""
    verdicts = ["false", "false", "true", "misleading", "misleading", "half-true", "half-true",
                "half-true", "half-true", "mostly-true", "mostly-true", "mostly-true"]
    claims = {f"claim-{n}": claim_text(title=f'"Claim number {n}"', verdict=v,
                                       published=f"2024-03-{n + 1:02d}",
                                       claimant="acme-corp" if n % 2 else "jane-doe",
                                       # the seed's page lists the claims citing it
                                       evidence="\n  - seed: first-article" if n == 5 else None)
              for n, v in enumerate(verdicts)}
    content = write_site(tmp_path, claims=claims)
    (content / "site.yaml").write_text(SITE_YAML + "page_size: 2\n")  # pages come and go
    preview = _in_memory(content)
    _every_response(preview)  # rendered (and kept) before the edit, as a browser would
    model = preview.snapshot.site
    edited = claims[f"claim-{number}"].replace(f"verdict: {verdicts[number]}",
                                               f"verdict: {verdict}")
    edited = edited.replace(f'"Claim number {number}"', f'"Claim number {number}, edited"')
    (content / f"claims/claim-{number}.md").write_text(
        edited.replace('summary: "It was not so."', 'summary: "A new summary."\n' + extra))
    preview.apply([content / f"claims/claim-{number}.md"])
    assert (preview.snapshot.site is model) == patched
    assert not preview.snapshot.problems.errors, _problems(preview)
    after, fresh = _every_response(preview), _every_response(_in_memory(content))
    assert after.keys() == fresh.keys()
    different = [path for path in fresh if after[path] != fresh[path]]
    assert not different, different
    listed = [BeautifulSoup(body, "html.parser").get_text() for path, (_, _, body)
              in after.items() if path.startswith(f"/verdicts/{verdict}/")]
    assert any(f"Claim number {number}" in text for text in listed), listed
    own = BeautifulSoup(after[f"/claims/claim-{number}/index.html"][2], "html.parser")
    assert "A new summary." in own.get_text()



def test_a_static_file_swapped_for_a_link_or_deleted_is_not_served(tmp_path: Path):
    """Checked when it is read, not only at the next scan of the folder: a link
    to a file outside saved over it is not served, nor a traceback for one deleted."""
    content = write_site(tmp_path, extra={"static/notes.txt": "public notes\n"})
    preview = _in_memory(content)
    status, _, body = preview.respond("/static/notes.txt")
    assert status == 200 and body == b"public notes\n"
    secret = tmp_path / "secret.txt"
    secret.write_text("API_TOKEN=hunter2\n")
    link = tmp_path / "static/.swap"
    link.symlink_to(secret)
    os.replace(link, tmp_path / "static/notes.txt")
    status, _, body = preview.respond("/static/notes.txt")  # before any rescan
    assert status == 404 and b"hunter2" not in body
    (tmp_path / "static/notes.txt").unlink()
    assert preview.respond("/static/notes.txt")[0] == 404


def test_a_failing_404_template_shows_its_report_on_the_first_request(tmp_path: Path):
    from site_builder.theme import default_theme

    content = write_site(tmp_path)
    theme_404 = (default_theme() / "templates/404.html").read_text()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates/404.html").write_text(
        theme_404.replace("{% block content %}", "{% block content %}{{ 1 // 0 }}", 1))
    preview = _in_memory(content)
    status, _, body = preview.respond("/no-such-page/")
    report = BeautifulSoup(body, "html.parser").get_text()
    assert status == 500 and "templates/404.html" in report and "ZeroDivisionError" in report
    assert "the preview reloads when you save it" in report


def test_search_files_of_a_word_no_claim_has_any_more_are_gone(tmp_path: Path):
    content = write_site(tmp_path, claims={
        "the-claim": claim_text(summary='"Qzxyword appears here."'), "other": claim_text()})
    preview = _in_memory(content)
    preview.respond("/search/")
    shards = [p for p in preview.snapshot.by_output if p.startswith("/search/index/qz")]
    assert shards and preview.respond(shards[0])[0] == 200
    (content / "claims/the-claim.md").write_text(claim_text(summary='"Plain words now."'))
    preview.apply([content / "claims/the-claim.md"])
    preview.respond("/search/")
    assert all(preview.respond(shard)[0] == 404 for shard in shards)


def test_json_with_a_head_tag_in_a_title_stays_json(preview: Preview):
    """livereload puts its script before the first '</head>' of every answer."""
    import json

    preview.write("content/claims/jobs-doubled.md",
                  claim_text(title='"Is </head> the end of a page head?"'))
    wait_for(lambda: "end of a page head" in preview.page("/claims/jobs-doubled/")[1])
    status, body = preview.page("/claimreview.json")
    assert status == 200 and "livereload" not in body
    titles = json.dumps(json.loads(body))
    assert "Is </head> the end of a page head?" in titles


def test_a_path_is_decoded_once_as_the_published_site_decodes_it(preview: Preview):
    assert preview.page("/feed.xml")[0] == 200
    assert preview.page("/%66eed.xml")[0] == 200  # %66 is f
    assert preview.page("/%2566eed.xml")[0] == 404  # %25 is %: the path is '/%66eed.xml'


@pytest.mark.parametrize("args, said", [
    (["--port", "0"], "'0' is not a port"), (["--port", "70000"], "'70000' is not a port"),
    (["--host", "no-such-host.invalid"], "cannot listen on no-such-host.invalid"),
])
def test_a_port_or_host_the_preview_cannot_use_is_one_line_not_a_traceback(tmp_path, args,
                                                                            said):
    content = write_site(tmp_path)
    result = run_cli("serve", "--content", str(content), *args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_an_editors_swap_and_lock_files_neither_rebuild_nor_reload(tmp_path: Path):
    """Vim rewrites `.x.md.swp` as the editor types, before any save; emacs keeps
    `.#x.md` and `#x.md#`: the page being read must not jump for them, and a
    save that comes with them stays the one-claim update."""
    content = write_site(tmp_path)
    preview = _in_memory(content)
    claims = content / "claims"
    before, model = preview.generation, preview.snapshot.site
    for name in (".jobs-doubled.md.swp", ".#jobs-doubled.md", "#jobs-doubled.md#"):
        (claims / name).write_text("scratch")
        assert preview.apply([claims / name]) is False, name
    assert preview.generation == before
    claim = claims / "jobs-doubled.md"
    claim.write_text(claim_text(title='"Saved in vim"', related="[prices-fell]"))
    (claims / "jobs-doubled.md~").write_text("backup")
    assert preview.apply([claims / ".jobs-doubled.md.swp", claim, claims / "jobs-doubled.md~"])
    assert preview.snapshot.site is model and preview.generation == before + 1
    page = BeautifulSoup(preview.respond("/claims/jobs-doubled/")[2], "html.parser")
    assert "Saved in vim" in page.select_one("h1").get_text()


def test_the_preview_reports_what_a_build_would_skip(tmp_path: Path):
    """A claim saved as .markdown, a content folder that is not there: the
    preview says so, as check and build do, instead of an empty site."""
    content = write_site(tmp_path)
    (content / "claims" / "new-one.markdown").write_text(claim_text())
    preview = _in_memory(content)
    warnings = [p.message for p in preview.snapshot.problems.items]
    assert "this file is ignored: only .md files are read" in warnings, warnings
    missing = _in_memory(tmp_path / "nothing-here")
    assert missing.respond("/")[0] == 500
    assert any("does not exist" in p for p in _problems(missing)), _problems(missing)


def test_only_requests_for_the_previews_own_address_are_answered(preview: Preview):
    """A page that rebinds its own host name to 127.0.0.1 must not read the drafts."""
    def status(host: str) -> int:
        request = urllib.request.Request(preview.base + "/claims/secret/",
                                         headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code
    assert status(f"attacker.example:{preview.port}") == 421
    assert status("attacker.example") == 421
    assert status(f"127.0.0.1:{preview.port}") == status(f"localhost:{preview.port}") == 200


def test_made_up_addresses_do_not_grow_the_previews_memory(tmp_path: Path):
    content = write_site(tmp_path)
    preview = _in_memory(content)
    for n in range(12_000):
        preview.wsgi({"PATH_INFO": f"/nothing-{n}/", "HTTP_HOST": "127.0.0.1"},
                     lambda status, headers: None)
    assert len(preview.served) <= 10_000
    preview.wsgi({"PATH_INFO": "/claims/jobs-doubled/"}, lambda status, headers: None)
    assert "/claims/jobs-doubled/" in preview.served  # pages are still followed


def test_a_tab_left_open_across_a_restart_is_reloaded_once(tmp_path: Path):
    preview = _in_memory(write_site(tmp_path))
    url = "http://127.0.0.1:8000/claims/jobs-doubled/"
    assert preview.is_stale(url)        # shown by the preview that ran before
    assert not preview.is_stale(url)    # once is enough, whatever the browser does
    preview.wsgi({"PATH_INFO": "/claims/jobs-doubled/"}, lambda status, headers: None)
    assert not preview.is_stale(url)


def test_content_folder_taken_away_and_brought_back_is_followed(preview: Preview):
    """A branch switch (or rm -rf and a copy) replaces content/ itself: the new
    folder's saves must still reach the preview."""
    content = preview.root / "content"
    backup = preview.root / "backup"
    shutil.copytree(content, backup)
    shutil.rmtree(content)
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 500)
    shutil.copytree(backup, content)
    wait_for(lambda: preview.page("/claims/jobs-doubled/")[0] == 200)
    preview.write("content/claims/jobs-doubled.md", claim_text(title='"After the switch"'))
    wait_for(lambda: "After the switch" in preview.page("/claims/jobs-doubled/")[1])


def test_a_reload_sent_to_a_closing_page_logs_no_traceback():
    """Rapid saves: a page already reloading closes its socket while the next
    reload is on its way. tornado's send then fails in a task of its own, and
    a failure nobody collects is printed as 'Task exception was never retrieved'
    with a traceback in the editor's terminal."""
    import asyncio
    import gc

    from tornado.websocket import WebSocketClosedError

    from site_builder.serve import reload_browsers

    async def closed() -> None:
        raise WebSocketClosedError()

    class Closing:  # as tornado's handler of a socket that closes mid-send
        def write_message(self, message):
            return asyncio.ensure_future(closed())

    class Handlers:
        waiters = {Closing(), Closing()}

    async def main() -> list[str]:
        logged: list[str] = []
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: logged.append(context["message"]))
        reload_browsers(Handlers)
        await asyncio.sleep(0.05)
        gc.collect()
        await asyncio.sleep(0)
        return logged

    assert asyncio.run(main()) == []

