"""The site model: typed objects with every cross-link resolved once.

Validation builds these from documents; routes and templates only read them.
Lists hold objects, not slugs, so a template never looks anything up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, order=True)
class PartialDate:
    """A date known to the year, month or day (``2024``, ``2024-10``, ``2024-10-05``)."""

    year: int
    month: int = 0
    day: int = 0

    def iso(self) -> str:
        if self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    def display(self) -> str:
        if self.day:
            return dt.date(self.year, self.month, self.day).strftime("%-d %B %Y")
        if self.month:
            return dt.date(self.year, self.month, 1).strftime("%B %Y")
        return str(self.year)

    def as_date(self) -> dt.date:
        """The earliest day it can mean (for sorting and feeds)."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def __str__(self) -> str:
        return self.iso()


@dataclass
class Verdict:
    key: str
    label: str
    description: str
    rating: int | None = None
    color: str | None = None
    position: int = 0
    claims: list["Claim"] = field(default_factory=list, repr=False)

    @property
    def url(self) -> str:
        return f"/verdicts/{self.key}/"


@dataclass
class Seed:
    """A source article from the ``seeds/`` register."""

    id: str
    headline: str
    path: str
    version: str = ""  # digest of the source file (for incremental builds)
    publisher: str = ""
    author: str = ""
    date: PartialDate | None = None
    languages: list[str] = field(default_factory=list)
    url: str = ""
    summary: str = ""
    claims: list["Claim"] = field(default_factory=list, repr=False)

    @property
    def url_path(self) -> str:
        return f"/sources/{self.id}/"


@dataclass
class Reference:
    """Where a claim appeared, or a piece of evidence consulted."""

    title: str = ""
    publisher: str = ""
    url: str = ""
    archive_url: str = ""
    date: PartialDate | None = None
    seed: Seed | None = None
    note: str = ""
    #: a key of schema.SOURCE_KINDS: primary, secondary, anonymous ("" not said)
    kind: str = ""
    #: the file line of ``date`` (the check for dates in the future reports it)
    date_line: int = field(default=0, compare=False, repr=False)

    @property
    def display_title(self) -> str:
        if self.title:
            return self.title
        if self.seed:
            return self.seed.headline
        return self.publisher or self.url


@dataclass
class Correction:
    date: dt.date
    note: str
    previous_verdict: Verdict | None = None
    line: int = 1  # of its date in the file (for reports)


@dataclass
class Actor:
    slug: str
    name: str
    path: str
    version: str = ""       # digest of the file
    meta_version: str = ""  # digest of its front matter: what other pages show
    aliases: list[str] = field(default_factory=list)
    description: str = ""
    role: str = ""
    kind: str = "person"
    url: str = ""
    #: pages that identify the actor elsewhere (Wikidata, Wikipedia): schema.org sameAs
    same_as: list[str] = field(default_factory=list)
    body_html: str = ""
    claims: list["Claim"] = field(default_factory=list, repr=False)

    @property
    def url_path(self) -> str:
        return f"/actors/{self.slug}/"

    def verdict_counts(self, verdicts: list[Verdict]) -> list[tuple[Verdict, int]]:
        """(verdict, count) in scale order, for the breakdown chart."""
        counts: dict[str, int] = {}
        for claim in self.claims:
            counts[claim.verdict.key] = counts.get(claim.verdict.key, 0) + 1
        return [(v, counts.get(v.key, 0)) for v in verdicts]


@dataclass
class Topic:
    slug: str
    title: str
    path: str
    version: str = ""       # digest of the file
    meta_version: str = ""  # digest of its front matter: what other pages show
    description: str = ""
    body_html: str = ""
    claims: list["Claim"] = field(default_factory=list, repr=False)

    @property
    def url_path(self) -> str:
        return f"/topics/{self.slug}/"


@dataclass
class StandalonePage:
    slug: str
    title: str
    path: str
    version: str = ""
    description: str = ""
    body_html: str = ""
    draft: bool = False

    @property
    def url_path(self) -> str:
        return f"/{self.slug}/"


@dataclass
class Claim:
    slug: str
    path: str
    title: str
    claim: str
    verdict: Verdict
    summary: str
    published: dt.date
    claimants: list[Actor] = field(default_factory=list)
    claim_date: PartialDate | None = None
    sources: list[Reference] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    related: list["Claim"] = field(default_factory=list, repr=False)
    updated: dt.date | None = None
    author: str = ""
    editor: str = ""  # who reviewed it: IFCN asks for a second reader
    evidence: list[Reference] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    draft: bool = False
    body_html: str = ""
    version: str = ""       # digest of the file
    meta_version: str = ""  # digest of its front matter: all a list, feed or card shows
    extra: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the latest of updated and the corrections log's dates (None: no log)
    last_change: dt.date | None = None

    @property
    def url_path(self) -> str:
        return f"/claims/{self.slug}/"

    @property
    def modified(self) -> dt.date:
        """When the fact-check last changed for its readers: ``updated``, or a
        later entry of its corrections log (a re-rating is an update)."""
        return self.last_change or self.updated or self.published

    @property
    def seeds(self) -> list[Seed]:
        return [s.seed for s in self.sources if s.seed]

    @property
    def first_reported(self) -> PartialDate | None:
        """The earliest date its sources give (their own, or their seed's): when
        the claim was known to be made, if ``claim_date`` is not known. The page
        says so, and must agree with the JSON-LD's first appearance."""
        dates = [day for ref in self.sources
                 if (day := ref.date or (ref.seed.date if ref.seed else None))]
        return min(dates, key=lambda day: day.as_date(), default=None)

    def sort_key(self) -> tuple[int, str]:
        """Newest first, then by slug: a total order, so output is deterministic."""
        return (-self.published.toordinal(), self.slug)


@dataclass
class Publisher:
    name: str
    url: str
    logo: str = ""
    logo_line: int = 1  # where site.yaml names the logo (checked against the built files)


_RTL_LANGUAGES = {"ar", "arc", "ckb", "dv", "fa", "he", "iw", "ks", "ps", "sd", "syr", "ug",
                  "ur", "yi"}
_RTL_SCRIPTS = {"arab", "hebr", "thaa", "syrc", "nkoo", "adlm", "rohg"}


@dataclass
class SiteConfig:
    title: str
    base_url: str
    publisher: Publisher
    description: str = ""
    language: str = "en"
    policies: dict[str, str] = field(default_factory=dict)
    #: policy name -> its line in site.yaml (a missing or draft page is reported there)
    policy_lines: dict[str, int] = field(default_factory=dict)
    allow_html: bool = False
    page_size: int = 50
    #: an SVG card per claim (/cards/<slug>.svg): off by default, as no social
    #: network shows an SVG og:image and it is a file per claim to build and deploy
    claim_cards: bool = False
    path: str = "site.yaml"

    @property
    def direction(self) -> str:
        """``rtl`` for a language written right to left (``<html dir>``), else ``ltr``."""
        parts = self.language.replace("_", "-").lower().split("-")
        if any(p in _RTL_SCRIPTS for p in parts[1:]):
            return "rtl"
        return "rtl" if parts[0] in _RTL_LANGUAGES and "latn" not in parts[1:] else "ltr"

    def absolute(self, url_path: str) -> str:
        """An absolute URL for a root-relative path (canonical links, feeds, JSON-LD)."""
        return self.base_url.rstrip("/") + url_path


@dataclass
class Site:
    """Everything a build renders, cross-linked. Lists are in display order."""

    config: SiteConfig
    verdicts: list[Verdict]
    claims: list[Claim]
    actors: list[Actor]
    topics: list[Topic]
    seeds: list[Seed]
    pages: list[StandalonePage]

    def policy_page(self, name: str) -> StandalonePage | None:
        slug = self.config.policies.get(name)
        return next((p for p in self.pages if p.slug == slug), None) if slug else None

    @property
    def footer_pages(self) -> list[StandalonePage]:
        """Policy pages first (in the order site.yaml lists them), then the rest."""
        order = list(self.config.policies.values())
        return sorted(self.pages, key=lambda p: (order.index(p.slug) if p.slug in order
                                                 else len(order), p.slug))
