"""The content contract as data: every field of every kind of file.

One table serves validation (unknown keys, missing fields with an example),
the ``new`` scaffolds and the editors' guide, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldSpec:
    name: str
    required: bool
    example: str
    doc: str


def _fields(*specs: tuple[str, bool, str, str]) -> dict[str, FieldSpec]:
    return {name: FieldSpec(name, req, example, doc) for name, req, example, doc in specs}


CLAIM = _fields(
    ("title", True, '"Did X really say Y?"', "headline of the fact-check"),
    ("claim", True, '"The claim as made, in under 75 characters"',
     "the claim as made: a short quote or close paraphrase, without the verdict"),
    ("claimant", True, "jane-doe", "actor slug, or an actor's name or alias (or a list)"),
    ("claim_date", False, '"2024-10-05"', "when the claim was made: YYYY-MM-DD, YYYY-MM or YYYY"),
    ("source", True, "\n  publisher: \"Example News\"\n  url: \"https://example.org/story\"",
     "where the claim appeared: {publisher, title, url, archive_url, date} or {seed: id}"),
    ("verdict", True, '"false"', "a key of the verdict scale"),
    ("summary", True, '"The ruling in one or two sentences."', "the ruling"),
    ("topics", True, "[topic-slug]", "at least one topic slug"),
    ("related", False, "[other-claim-slug]", "slugs of related claims (linked both ways)"),
    ("published", True, "2024-10-05", "publication date of the fact-check, YYYY-MM-DD"),
    ("updated", False, "2024-10-06", "date of the last substantive update, YYYY-MM-DD"),
    ("author", False, '"Jane Checker"', "the fact-checker"),
    ("editor", False, '"Sam Editor"', "who edited and reviewed the check before publication"),
    ("evidence", False, "\n  - title: \"Official statistics\"\n    url: \"https://example.org/data\"",
     "sources consulted: {title, publisher, url, archive_url, date} or {seed: id}"),
    ("corrections", False, "\n  - date: 2024-10-06\n    note: \"What changed\"\n"
     "    previous_verdict: \"unproven\"",
     "corrections and updates log: {date, note, previous_verdict}"),
    ("aliases", False, "[/claims/old-slug/]", "old URL paths that redirect here"),
    ("draft", False, "true", "true keeps the claim out of production builds"),
)

ACTOR = _fields(
    ("name", True, '"Jane Doe"', "display name"),
    ("aliases", False, '["J. Doe"]', "other names a claim may use for this actor"),
    ("role", False, '"Minister of Finance"', "role or title, shown with the name"),
    ("kind", False, "person", "person or organization (for ClaimReview)"),
    ("description", False, '"One line about who this is."', "one line"),
    ("url", False, '"https://example.org/jane-doe"', "official page"),
    ("same_as", False, '["https://www.wikidata.org/wiki/Q42"]',
     "the same actor elsewhere (Wikidata, Wikipedia): tells aggregators who this is"),
)

TOPIC = _fields(
    ("title", True, '"Elections"', "display name"),
    ("description", False, '"One line about the topic."', "one line"),
)

PAGE = _fields(
    ("title", True, '"About us"', "page title"),
    ("description", False, '"One line for search engines."', "one line"),
    ("draft", False, "true", "true keeps the page out of production builds"),
)

SEED = _fields(
    ("headline", True, '"Headline of the article"', "the article's headline"),
    ("publisher", False, '"Example News"', "who published it"),
    ("author", False, '"Jane Reporter"', "byline"),
    ("date", False, '"2024-10"', "publication date, as precise as known"),
    ("languages", False, "[en]", "languages it appeared in"),
    ("url", False, '"https://example.org/story"', "only if known; never guess"),
    ("summary", False, '"What the article reports, in our words."', "short summary"),
    ("register_file", False, '"000_abc.txt"', "file name in the shared register"),
)

SITE = _fields(
    ("title", True, '"My fact-check site"', "site name"),
    ("base_url", True, '"https://example.org"', "absolute URL of the deployed site"),
    ("description", False, '"Fact-checks of ..."', "one line for the home page and meta tags"),
    ("language", False, "en", "BCP 47 language code"),
    ("publisher", True, "\n  name: \"My newsroom\"\n  url: \"https://example.org/\"",
     "the fact-checking organisation: {name, url, logo}"),
    ("policies", False, "\n  about: about\n  methodology: methodology",
     "slugs of the about, methodology, corrections, funding and contact pages"),
    ("verdicts", False, "\n  - key: \"false\"\n    label: \"False\"\n    description: \"...\"\n"
     "    rating: 1", "the verdict scale, best to worst"),
    ("allow_html", False, "false", "true lets Markdown bodies contain raw HTML"),
    ("page_size", False, "50", "claims per page on long lists"),
    ("claim_cards", False, "false",
     "true also writes an SVG card per claim, /cards/<slug>.svg (few sites need it)"),
)

REFERENCE = ("title", "publisher", "url", "archive_url", "date", "seed", "note", "kind")
#: what a piece of evidence is (IFCN: readers can weigh a source by its kind)
#: (the theme words them: partials/source_list.html)
SOURCE_KINDS = ("primary", "secondary", "anonymous")
CORRECTION = ("date", "note", "previous_verdict")
VERDICT = ("key", "label", "description", "rating", "color")
PUBLISHER = ("name", "url", "logo")
POLICIES = ("about", "methodology", "corrections", "funding", "contact", "ethics",
            "ownership", "masthead", "tips")

#: front matter field (``a.b`` for a nested key) -> the placeholder that
#: ``site-builder new claim`` writes there. None can be mistaken for an
#: editor's words, and the claimant matches no actor: attributing a claim to
#: someone is an editor's decision. ``check`` reports any left unedited.
PLACEHOLDERS: dict[str, str] = {
    "claim": "TODO: the claim as it was made, in under 75 characters",
    "claimant": "TODO: who made the claim (an actor's slug, name or alias)",
    "source.publisher": "TODO: where the claim appeared",
    "summary": "TODO: the ruling in one or two sentences",
}

#: placeholder sentences of a new claim's text, each on a line of its own
BODY_PLACEHOLDERS: tuple[str, ...] = (
    "TODO: who said it, where and when.",
    "TODO: the analysis, with footnotes for sources.",
    "TODO: why this verdict.",
    "TODO: the source of this statement.",
)

BY_KIND = {"claim": CLAIM, "actor": ACTOR, "topic": TOPIC, "page": PAGE, "seed": SEED,
           "site": SITE}
