"""The built site in a real browser: search, list filters, small screens, dark
mode, accessibility (axe-core), screenshots and no third-party requests.

Drives Debian's Chromium (/usr/bin/chromium) with Playwright. Without it the
module is skipped, unless SITE_BUILDER_REQUIRE_BROWSER=1 (CI), which turns
anything missing into a failure. axe-core comes from npm, installed once into
tests/.cache/ (ignored by git). Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest

from conftest import REPO

CHROMIUM = "/usr/bin/chromium"
REQUIRED = os.environ.get("SITE_BUILDER_REQUIRE_BROWSER") == "1"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CACHE = Path(__file__).resolve().parent / ".cache"
AXE = CACHE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

if not REQUIRED:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
    pytest.importorskip("playwright.sync_api")


def unavailable(reason: str) -> None:
    """Skip locally; fail where the browser tests must run."""
    if REQUIRED:
        pytest.fail(reason + " (SITE_BUILDER_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_dir(shipped: Path) -> Path:
    return shipped


@contextlib.contextmanager
def serving(folder: Path, headers: dict[str, str] | None = None) -> Iterator[str]:
    """A built site over HTTP on 127.0.0.1 (static files, as Netlify serves them),
    with ``headers`` added to every response."""
    class Handler(QuietHandler):
        def end_headers(self) -> None:
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            super().end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def base_url(site_dir: Path) -> Iterator[str]:
    with serving(site_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def requests_seen() -> list[str]:
    """Every URL any page in this module requested (checked by the last test)."""
    return []


@pytest.fixture
def new_page(browser, requests_seen):
    """new_page(width=1280, **context options) -> a page that records its requests."""
    contexts = []

    def make(width: int = 1280, **options):
        context = browser.new_context(viewport={"width": width, "height": 800}, **options)
        contexts.append(context)
        page = context.new_page()
        page.on("request", lambda request: requests_seen.append(request.url))
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.errors = errors
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="module")
def shipped_urls(site_dir: Path) -> dict[str, str]:
    """One URL of each kind of page, taken from the built site."""
    def first(folder: str) -> str:
        slug = sorted(p.name for p in (site_dir / folder).iterdir()
                      if (p / "index.html").is_file() and p.name != "page")[0]
        return f"/{folder}/{slug}/"
    return {"home": "/", "claim": first("claims"), "actor": "/actors/alexander-matsegora/",
            "topic": first("topics"), "verdict": first("verdicts"), "search": "/search/",
            "404": "/404.html"}


def card_links(page) -> list[str]:
    return page.eval_on_selector_all(
        ".claim-list > li:not([hidden]) .card__title a", "els => els.map(a => a.getAttribute('href'))")


def run_search(page, base_url: str, query: str = "") -> None:
    page.goto(base_url + "/search/")
    page.wait_for_selector("form[data-search-form]:not([hidden])")
    if query:
        page.fill("#search-q", query)
        page.press("#search-q", "Enter")
        page.wait_for_function("document.querySelector('[data-search-status]').textContent"
                               ".includes('match')")


# -- search ------------------------------------------------------------------
def test_search_for_a_claimant_finds_their_claims(new_page, base_url):
    actor = new_page()
    actor.goto(base_url + "/actors/alexander-matsegora/")
    expected = set(card_links(actor))
    assert expected
    page = new_page()
    run_search(page, base_url, "Matsegora")
    page.wait_for_selector("[data-search-results] li")
    assert set(card_links(page)) == expected
    results = page.locator("[data-search-results] li")
    for n in range(results.count()):
        item = results.nth(n)
        assert item.locator("a.verdict").inner_text().strip()      # the label, as text
        assert "Alexander Matsegora" in item.locator(".card__who").inner_text()
        assert re.fullmatch(r"Published \d{1,2} [A-Z][a-z]+ \d{4}",
                            item.locator(".card__date").inner_text().strip())
    assert "q=Matsegora" in page.url
    assert not page.errors


def result_count(page) -> int:
    text = page.inner_text("[data-search-status]")
    return 0 if text.startswith("No ") else int(text.split()[0])


def all_results(page) -> list[str]:
    more = page.locator("[data-search-more]")
    while more.is_visible():
        before = page.locator("[data-search-results] li").count()
        more.click()
        page.wait_for_function(f"document.querySelectorAll('[data-search-results] li').length > {before}")
    return card_links(page)


def test_show_more_results_moves_focus_to_the_first_new_result(new_page, base_url):
    """The button hides itself after the last batch: focus left on it would drop
    to the page's start, and a keyboard reader would skip the new results."""
    page = new_page()
    run_search(page, base_url, "korea")
    page.wait_for_selector("[data-search-results] li")
    assert result_count(page) > 10, "the shipped site should have more than one batch"
    page.focus("[data-search-more]")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('[data-search-results] li').length > 10")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == card_links(page)[10]
    shown = page.locator("[data-search-results] li").count()
    assert f"Showing {shown} of {result_count(page)}." in page.inner_text("[data-search-status]")
    assert not page.errors


def test_search_filters_narrow_results_and_survive_a_reload(new_page, base_url):
    page = new_page()
    run_search(page, base_url, "korea")
    page.wait_for_selector("[data-search-results] li")
    everything = all_results(page)
    assert len(everything) == result_count(page) > 1
    labels = page.eval_on_selector_all("[data-search-results] a.verdict",
                                       "els => els.map(e => e.lastChild.textContent)")
    label = min(set(labels), key=labels.count)
    page.select_option("#search-verdict", label=label)
    page.wait_for_function("document.querySelector('[data-search-status]').textContent"
                           f".includes('rated {label}')")
    narrowed = all_results(page)
    assert len(narrowed) == labels.count(label) == result_count(page)
    assert set(narrowed) <= set(everything)
    badges = page.eval_on_selector_all("[data-search-results] a.verdict",
                                       "els => els.map(e => e.lastChild.textContent)")
    assert set(badges) == {label}
    assert "verdict=" in page.url
    page.reload()
    page.wait_for_selector("[data-search-results] li")
    assert all_results(page) == narrowed
    topic = page.locator("#search-topic option").nth(1)
    page.select_option("#search-verdict", "")
    page.select_option("#search-topic", topic.get_attribute("value"))
    page.wait_for_function("document.querySelector('[data-search-status]').textContent"
                           ".includes(' on ')")
    assert 0 < result_count(page) < len(everything) or result_count(page) == len(everything)
    assert set(all_results(page)) <= set(everything)
    assert not page.errors


def test_search_without_javascript_offers_the_indexes(new_page, base_url):
    page = new_page(java_script_enabled=False)
    page.goto(base_url + "/search/")
    assert page.locator("[data-search-nojs]").is_visible()
    assert not page.locator("form[data-search-form]").is_visible()
    for href in ("/topics/", "/actors/", "/verdicts/"):
        assert page.locator(f"main a[href='{href}']").is_visible()


# -- list filters --------------------------------------------------------------
@pytest.mark.parametrize("which", ["home", "topic", "actor"])
def test_verdict_filter_narrows_a_list(new_page, base_url, shipped_urls, which):
    page = new_page()
    page.goto(base_url + shipped_urls[which])
    form = page.locator("form[data-list-filter]")
    all_cards = card_links(page)
    if form.count() == 0:
        assert len(all_cards) <= 1
        return
    assert form.is_visible()
    verdicts = page.eval_on_selector_all(".claim-list .card", "els => els.map(e => e.dataset.verdict)")
    rarest = min(set(verdicts), key=verdicts.count)
    page.select_option("#filter-verdict", rarest)
    shown = page.eval_on_selector_all(".claim-list > li:not([hidden]) .card",
                                      "els => els.map(e => e.dataset.verdict)")
    assert shown == [rarest] * verdicts.count(rarest)
    if len(set(verdicts)) > 1:
        assert len(shown) < len(all_cards)
    assert page.locator(".list-filter__status").inner_text().startswith(f"Showing {len(shown)} of")
    page.select_option("#filter-verdict", "")
    year = page.eval_on_selector(".claim-list .card", "e => e.dataset.year")
    page.select_option("#filter-year", year)
    years = page.eval_on_selector_all(".claim-list > li:not([hidden]) .card",
                                      "els => els.map(e => e.dataset.year)")
    assert years and set(years) == {year}


def test_lists_are_complete_without_javascript(new_page, base_url):
    page = new_page(java_script_enabled=False)
    page.goto(base_url + "/")
    assert not page.locator("form[data-list-filter]").is_visible()
    assert page.locator(".claim-list > li:visible").count() == page.locator(".claim-list > li").count()


# -- layout, dark mode, screenshots ----------------------------------------------
@pytest.mark.parametrize("which", ["home", "claim", "search", "actor"])
def test_no_horizontal_scroll_at_375px(new_page, base_url, shipped_urls, which):
    page = new_page(width=375)
    if which == "search":
        run_search(page, base_url, "north korean troops")
    else:
        page.goto(base_url + shipped_urls[which])
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{which}: content {widths[0]}px wide in a {widths[1]}px viewport"


def test_dark_mode_changes_the_background(new_page, base_url):
    colours = {}
    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        page.goto(base_url + "/")
        colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colours["light"] == "rgb(255, 255, 255)"
    assert colours["dark"] != colours["light"]
    r, g, b = (int(x) for x in colours["dark"][4:-1].split(","))
    assert max(r, g, b) < 64, colours["dark"]


def open_page(page, base_url: str, shipped_urls: dict[str, str], which: str):
    """A shipped page by name; "search" means the search page with results shown."""
    if which == "search":
        run_search(page, base_url, "korea")
        page.wait_for_selector("[data-search-results] li")
    else:
        page.goto(base_url + shipped_urls[which])
    return page


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots(new_page, base_url, shipped_urls, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for which in ("home", "claim", "search"):
        page = open_page(new_page(width=width), base_url, shipped_urls, which)
        path = SCREENSHOTS / f"{which}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000


# -- accessibility ---------------------------------------------------------------
@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.is_file():
        npm = shutil.which("npm")
        if not npm:
            unavailable("npm is missing, so axe-core cannot be installed")
        CACHE.mkdir(exist_ok=True)
        (CACHE / ".gitignore").write_text("*\n")
        result = subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund",
                                 "--prefix", str(CACHE), "axe-core@4"],
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0 or not AXE.is_file():
            unavailable("could not install axe-core with npm: " + result.stderr[-500:])
    return AXE


def axe_violations(page, axe_script: Path) -> list[str]:
    page.add_script_tag(path=str(axe_script))
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
            v.nodes.slice(0, 5).map(n => n.target.join(' ')).join(', '));
    }""")
    return violations


@pytest.mark.parametrize("which", ["home", "claim", "actor", "topic", "verdict", "search", "404"])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations(new_page, base_url, shipped_urls, axe_script, which, scheme):
    page = open_page(new_page(color_scheme=scheme), base_url, shipped_urls, which)
    found = axe_violations(page, axe_script)
    assert found == []


# -- privacy -----------------------------------------------------------------------
def test_zz_no_page_requests_anything_third_party(new_page, base_url, shipped_urls, requests_seen):
    page = new_page()
    for url in shipped_urls.values():
        page.goto(base_url + url)
        page.wait_for_load_state("networkidle")
    run_search(page, base_url, "korea")
    page.wait_for_load_state("networkidle")
    assert len(requests_seen) > 10
    hosts = {urlsplit(url).hostname for url in requests_seen
             if not url.startswith(("data:", "about:"))}
    assert hosts == {"127.0.0.1"}, sorted(set(requests_seen))


# -- print and motion ------------------------------------------------------------
@pytest.fixture(scope="module")
def sourced_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A small site whose claim cites web sources (the shipped one has no URLs)."""
    from conftest import claim_text, run_cli, write_site

    root = tmp_path_factory.mktemp("sourced")
    content = write_site(root, claims={"x": claim_text(
        evidence="\n  - title: Official data\n    url: https://stats.example.org/table-7")})
    out = root / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    with serving(out) as url:
        yield url


def test_print_shows_source_urls_and_hides_navigation(new_page, sourced_site):
    page = new_page()
    page.goto(sourced_site + "/claims/x/")
    page.emulate_media(media="print")
    assert page.eval_on_selector(".site-nav", "e => getComputedStyle(e).display") == "none"
    after = page.eval_on_selector(".sources a[href^='https://stats']",
                                  "e => getComputedStyle(e, '::after').content")
    assert "https://stats.example.org/table-7" in after
    page.emulate_media(media="screen")
    assert page.eval_on_selector(".site-nav", "e => getComputedStyle(e).display") != "none"


def test_reduced_motion_is_respected(new_page, base_url):
    smooth = new_page(reduced_motion="no-preference")
    smooth.goto(base_url + "/")
    still = new_page(reduced_motion="reduce")
    still.goto(base_url + "/")
    behaviour = "() => getComputedStyle(document.documentElement).scrollBehavior"
    assert smooth.evaluate(behaviour) == "smooth"
    assert still.evaluate(behaviour) == "auto"


# -- the deployed security headers -------------------------------------------------
def netlify_headers() -> dict[str, str]:
    """The headers netlify.toml sets on every page ("/*")."""
    import tomllib

    config = tomllib.loads((REPO / "netlify.toml").read_text())
    blocks = [h["values"] for h in config["headers"] if h["for"] == "/*"]
    assert blocks, "netlify.toml sets no headers for /*"
    return blocks[0]


#: records what the Content-Security-Policy blocks on a page, from its first script on
CSP_WATCH = ("window.__blocked = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__blocked.push(e.violatedDirective + ' ' + e.blockedURI));")


def test_the_theme_works_under_the_deployed_security_policy(browser, site_dir, shipped_urls):
    """netlify.toml's CSP forbids inline script and style: nothing the theme
    does (search, filters, copy link) may need them, or it breaks once deployed."""
    context = browser.new_context()
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    with serving(site_dir, netlify_headers()) as url:
        assert "script-src 'self'" in page.goto(url + "/").headers["content-security-policy"]
        blocked: dict[str, list[str]] = {}
        for which, path in shipped_urls.items():
            page.goto(url + path)
            page.wait_for_load_state("networkidle")
            blocked[which] = page.evaluate("window.__blocked")
        # (run_search waits with a string Playwright evaluates: the policy forbids that)
        page.goto(url + "/search/")
        page.wait_for_selector("form[data-search-form]:not([hidden])")
        page.fill("#search-q", "korea")
        page.press("#search-q", "Enter")
        page.wait_for_selector("[data-search-results] li")
        blocked["search results"] = page.evaluate("window.__blocked")
        page.goto(url + shipped_urls["claim"])
        page.click("button.copy-link")
        blocked["copy link"] = page.evaluate("window.__blocked")
    context.close()
    assert {k: v for k, v in blocked.items() if v} == {}
    assert errors == []


def test_images_from_other_sites_are_allowed_by_the_deployed_policy(browser, tmp_path):
    """An editor's Markdown image hosted elsewhere shows in the preview; the
    deployed policy must not silently block it (while scripts from elsewhere are)."""
    from conftest import claim_text, run_cli, write_site

    body = ("A chart:\n\n![Chart of the figures](https://images.example.org/chart.png)\n\n"
            "Text.\n")
    content = write_site(tmp_path, claims={"x": claim_text(body=body)})
    out = tmp_path / "public"
    assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
    context = browser.new_context()
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    page.route("https://**/*", lambda route: route.abort())  # stays off the network
    with serving(out, netlify_headers()) as url:
        page.goto(url + "/claims/x/")
        assert page.locator(".prose img[src='https://images.example.org/chart.png']").count() == 1
        page.evaluate("""() => { const s = document.createElement('script');
            s.src = 'https://scripts.example.org/x.js'; document.body.append(s); }""")
        page.wait_for_load_state("networkidle")
        blocked = page.evaluate("window.__blocked")
    context.close()
    assert [b for b in blocked if "images.example.org" in b] == []
    assert any("scripts.example.org" in b for b in blocked), blocked


def test_a_right_to_left_site_is_mirrored(browser, tmp_path):
    """With language: ar the page reads right to left: the quote's rule, the
    table cells and the skip link follow the text's start, not the left edge."""
    from conftest import claim_text, run_cli, write_site

    sides = {}
    for language in ("en", "ar"):
        content = write_site(tmp_path / language, claims={"x": claim_text(
            body="| a | b |\n|---|---|\n| 1 | 2 |\n\n> quoted\n")})
        site = content / "site.yaml"
        site.write_text(site.read_text() + f"language: {language}\n")
        out = content.parent / "public"
        assert run_cli("build", "--content", str(content), "--out", str(out)).returncode == 0
        context = browser.new_context()
        page = context.new_page()
        with serving(out) as url:
            page.goto(url + "/claims/x/")
            sides[language] = page.evaluate("""() => {
                const style = s => getComputedStyle(document.querySelector(s));
                return {quote: style('.claim__quote').borderLeftWidth + ' ' +
                                style('.claim__quote').borderRightWidth,
                        cell: style('.prose td').textAlign,
                        block: style('.prose blockquote').borderRightWidth !== '0px'};
            }""")
        context.close()
    assert sides["en"]["quote"] == "5px 0px" and sides["ar"]["quote"] == "0px 5px", sides
    assert sides["en"]["cell"] == sides["ar"]["cell"] == "start", sides
    assert not sides["en"]["block"] and sides["ar"]["block"], sides
