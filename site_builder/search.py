"""The static search index: small JSON shards that ``search.js`` fetches on demand.

Nothing runs on a server. The builder writes, under ``/search/``:

``meta.json``
    read first: the claim count, the shard size, the list of index shards that
    exist, the stop words, the verdicts (labels for the badges) and a version
    hash that the script appends to every other fetch. The filters' options are
    in the page itself.
``index/<key>.json``
    an inverted index, one file per two-letter token prefix (three or more
    letters where a shard would pass :data:`MAX_SHARD` bytes): token -> claim
    ids, as gaps between sorted ids (``[3, 1, 4]`` means ids 3, 4 and 8).
    A query word fetches the shards that can hold the words it is a prefix
    of (usually one) and takes all of those words' ids.
``docs/<n>.json``
    what a result shows, for claims ``n * shard`` to ``(n + 1) * shard - 1``:
    ``[url, title, [claimant names], verdict index, published date]``.
    Claim ids follow the site's order (newest first), so results listed
    newest first come from the first few shards.
``facets/v/<verdict>.json``, ``facets/t/<topic>.json``
    the claim ids with that verdict or topic (gaps, as in the index), fetched
    only when a filter is used.

Indexed per published claim: title, claim text, claimant names and aliases,
summary, topic titles and the verdict label. Bodies are left out to keep the
index small. docs/SEARCH.md gives the design and the measured transfer sizes.
"""

from __future__ import annotations

import hashlib
import json
import operator
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .deps import VersionedMemo
from .model import Claim, Site
from .routes import Route

#: claims per docs/<n>.json shard (see docs/SEARCH.md for the measurements)
DOC_SHARD = 25
#: an index shard bigger than this (bytes) is split by one more character
MAX_SHARD = 12_000

STOP_WORDS = sorted({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has",
    "have", "he", "her", "his", "in", "is", "it", "its", "of", "on", "or", "she", "that",
    "the", "their", "they", "this", "to", "was", "were", "what", "which", "who", "will",
    "with", "we", "our", "us", "you", "been", "also", "than", "there",
})
_STOP = frozenset(STOP_WORDS)
_WORD = re.compile(r"[^\W_]+")
_ASCII_KEY = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    """Lower case without accents; search.js does the same (NFKD, drop Mn)."""
    if text.isascii():  # nothing to decompose (the common case, and 20x faster)
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


@lru_cache(maxsize=4096)
def _name_tokens(text: str) -> tuple[str, ...]:
    return tuple(tokens(text))


def tokens(text: str) -> list[str]:
    """Words of two or more characters that are not stop words, in order."""
    return [t for t in _WORD.findall(normalise(text)) if len(t) > 1 and t not in _STOP]


def shard_key(prefix: str) -> str:
    """The index file name for a prefix: itself if a-z0-9, else its code points."""
    if _ASCII_KEY.fullmatch(prefix):
        return prefix
    return "u" + "-".join(f"{ord(c):x}" for c in prefix)


def _split(postings: dict[str, list[int]], length: int) -> dict[str, bytes]:
    """Index shards by token prefix: ``length`` characters, one more for big shards.

    A shard over :data:`MAX_SHARD` bytes is split by the next character; its
    tokens no longer than the prefix stay in it. search.js reads the shard of
    the longest prefix of a query word and every longer prefix that starts with it.
    """
    groups: dict[str, dict[str, list[int]]] = {}
    for token in sorted(postings):
        groups.setdefault(token[:length], {})[token] = postings[token]
    result: dict[str, bytes] = {}
    for prefix, group in groups.items():
        data = _dumps(group)
        if len(data) <= MAX_SHARD or length >= 8:
            result[prefix] = data
            continue
        short = {t: ids for t, ids in group.items() if len(t) <= length}
        if short:
            result[prefix] = _dumps(short)
        result.update(_split({t: ids for t, ids in group.items() if len(t) > length},
                             length + 1))
    return result


def _gaps(ids: list[int]) -> list[int]:
    """Each id less the one before it (the first less 0), in C: 280,000 ids a rebuild."""
    return list(map(operator.sub, ids, [0, *ids[:-1]]))


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=isinstance(data, dict)).encode("utf-8")


def searchable(claim: Claim) -> list[str]:
    """The texts of a claim that the index covers."""
    texts = [claim.title, claim.claim, claim.summary, claim.verdict.label]
    for actor in claim.claimants:
        texts.append(actor.name)
        texts.extend(actor.aliases)
    texts.extend(topic.title for topic in claim.topics)
    return texts


def claim_tokens(claim: Claim) -> tuple[str, ...]:
    """The distinct words a claim is found by, in the order its texts give them."""
    seen: dict[str, None] = {}
    for i, text in enumerate(searchable(claim)):
        # past the claim's own texts come names shared by many claims
        for token in (tokens(text) if i < 3 else _name_tokens(text)):
            seen.setdefault(token)
    return tuple(seen)


class ClaimWords(VersionedMemo[tuple[str, ...]]):
    """Each claim's index words, by the versions of the texts they come from.

    Splitting 10,000 claims' texts into words took two thirds of the index's
    time on every rebuild, though an edit changes one claim's words. The words
    come from the claim's front matter (``meta_version``), its claimants' and
    topics' front matter and its verdict's label (site.yaml), so the key holds
    exactly those; a claim or object without a version (not built from a
    file) is never looked up.
    """

    def __init__(self, saved: dict[tuple[str, ...], tuple[str, ...]] | None = None) -> None:
        super().__init__(saved)
        #: one string object per word: the memo pickles each word once
        self._words: dict[str, str] = {}

    def key(self, claim: Claim) -> tuple[str, ...] | None:
        parts = [claim.verdict.label, claim.meta_version]
        parts += [a.meta_version for a in claim.claimants]
        parts.append("/")  # claimants, then topics
        parts += [t.meta_version for t in claim.topics]
        return None if "" in parts else tuple(parts)

    def of(self, claim: Claim) -> tuple[str, ...]:
        canon = self._words
        return self.get(claim, lambda: tuple(canon.setdefault(w, w) for w in claim_tokens(claim)))


@dataclass
class SearchIndex:
    """Every file of the index, as bytes, keyed by output URL."""

    files: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def for_site(cls, site: Site, words: ClaimWords | None = None) -> "SearchIndex":
        """The index; ``words`` keeps claims' words between builds (same bytes)."""
        words = words if words is not None else ClaimWords()
        claims = [c for c in site.claims if not c.draft]
        verdicts = {v.key: n for n, v in enumerate(site.verdicts)}
        # a defaultdict: setdefault(token, []) would make a list for each of 300,000 words
        postings: defaultdict[str, list[int]] = defaultdict(list)
        docs: list[list[Any]] = []
        by_verdict: dict[str, list[int]] = {}
        by_topic: dict[str, list[int]] = {}
        for number, claim in enumerate(claims):
            for token in words.of(claim):
                postings[token].append(number)
            docs.append([claim.url_path, claim.title, [a.name for a in claim.claimants],
                         verdicts.get(claim.verdict.key, -1), claim.published.isoformat()])
            by_verdict.setdefault(claim.verdict.key, []).append(number)
            for topic in claim.topics:
                by_topic.setdefault(topic.slug, []).append(number)

        shards = _split({t: _gaps(ids) for t, ids in postings.items()}, 2)
        files: dict[str, bytes] = {}
        for prefix, data in shards.items():
            files[f"/search/index/{shard_key(prefix)}.json"] = data
        for start in range(0, len(docs), DOC_SHARD):
            files[f"/search/docs/{start // DOC_SHARD}.json"] = _dumps(docs[start:start + DOC_SHARD])
        for key, ids in by_verdict.items():
            files[f"/search/facets/v/{key}.json"] = _dumps(_gaps(ids))
        for slug, ids in by_topic.items():
            files[f"/search/facets/t/{slug}.json"] = _dumps(_gaps(ids))

        digest = hashlib.sha256()
        for url in sorted(files):
            digest.update(url.encode() + b"\0" + files[url] + b"\0")
        meta = {
            "version": digest.hexdigest()[:12],
            "count": len(docs),
            "shard": DOC_SHARD,
            "prefixes": sorted(shards),
            "stop": STOP_WORDS,
            "verdicts": [[v.key, v.label, v.url, bool(by_verdict.get(v.key))]
                         for v in site.verdicts],
        }
        files["/search/meta.json"] = _dumps(meta)
        return cls(files)


def index_key(site: Site) -> str:
    """A digest of everything :meth:`SearchIndex.for_site` reads.

    Claims, claimants and topics by their front matter digests, in order, and
    the verdict scale: a rebuild after an edit to a claim's text can reuse the
    last build's index (at 100,000 claims it takes seconds to compute).
    """
    parts = [repr([(v.key, v.label, v.url) for v in site.verdicts])]
    for claim in site.claims:
        if not claim.draft:
            parts.append(" ".join([claim.meta_version, *(a.meta_version for a in claim.claimants),
                                   *(t.meta_version for t in claim.topics)]))
    text = "\n".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(text, digest_size=16).hexdigest()


def page_route(site: Site) -> Route:
    """The /search/ page (cheap: the preview has it before any index is made)."""
    return Route("/search/", "search.html",
                 context={"search_topics": [t for t in site.topics
                                            if any(not c.draft for c in t.claims)]})


def index_routes(site: Site, index: SearchIndex | None = None) -> list[Route]:
    """One route per index file (written by :func:`write`)."""
    index = index or SearchIndex.for_site(site)
    return [Route(url, writer="search", in_sitemap=False, context={"search_index": index})
            for url in sorted(index.files)]


def write(route: Route) -> bytes:
    return route.context["search_index"].files[route.url]
