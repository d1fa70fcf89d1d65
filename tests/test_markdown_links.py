"""Links in a claim's text keep the address markdown-it gives them.

The builder skips markdown-it's URL normalizer for addresses it would leave
unchanged (a speed-up); a reader must still get exactly the link markdown-it
makes: spaces, non-ASCII and stray ``%`` escaped, odd hosts and ``//@``
addresses normalised.
"""

from __future__ import annotations

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from site_builder import markdown

_HOSTS = ["example.com", "EXAMPLE.org", "a", "xn--fsq.com", "xn--", "a-b.c-d.e", "1.2.3.4",
          "a.b.", "-a.com", "ab--cd.xn--p1ai", "bücher.de", "user@host", ""]
_PIECES = ["/", "?", "#", "%41", "%zz", "%", "@", ":", "//", "?a=b&c=d", "#frag", "/p@q", ":80",
           "a b", "é", "|", "{", "\\", "[", "]", "'", "(", ")", "~", "x", "Y", "0", ".", "-", "_"]


def _href(md: MarkdownIt, address: str) -> str | None:
    """The href of the link ``[text](<address>)`` becomes (None: not a link)."""
    html = md.render(f"[text](<{address}>)")
    link = BeautifulSoup(html, "html.parser").find("a")
    return None if link is None else link.get("href")


@st.composite
def _addresses(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["", "", "http://", "https://", "HTTPS://", "//", "mailto:"]))
    host = draw(st.sampled_from(_HOSTS)) if scheme else ""
    port = draw(st.sampled_from(["", ":8080", ":99999", ":"]))
    rest = draw(st.lists(st.sampled_from(_PIECES), max_size=8))
    return scheme + host + (port if host else "") + "".join(rest)


@settings(max_examples=1500, deadline=None)
@given(_addresses())
def test_links_are_published_as_markdown_it_makes_them(address: str):
    plain = MarkdownIt("commonmark")
    plain.validateLink = markdown.parser().validateLink  # the same links are refused
    assert _href(markdown.parser(), address) == _href(plain, address)


def test_addresses_that_need_escaping_are_escaped():
    assert _href(markdown.parser(), "https://example.com/a b?q=é") == \
        "https://example.com/a%20b?q=%C3%A9"
    assert _href(markdown.parser(), "https://example.com/100%") == \
        "https://example.com/100%25"
    assert _href(markdown.parser(), "https://example.com/a%20b#top") == \
        "https://example.com/a%20b#top"
