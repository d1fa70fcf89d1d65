"""Stage 3, resolve: validated documents -> one cross-linked :class:`Site`.

Every name an editor wrote (claimant, topic, related claim, seed) is looked
up here, once, in dictionaries; templates then follow object references.
Back-links (an actor's claims, B's link to A when A lists B) are filled in
the same pass. Problems that need more than one file are reported here.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .config import read_site, with_base_url
from .fields import SLUG_RE, slugify
from .load import Document, Documents
from .model import Actor, Claim, PartialDate, Seed, Site, StandalonePage, Topic, Verdict
from .problems import Problem, Problems, did_you_mean
from .validate import Checked, check_slug, prepare_bodies, validate_document


@dataclass
class Options:
    """What a build includes."""

    drafts: bool = False
    today: dt.date = field(default_factory=dt.date.today)
    base_url: str = ""  # overrides site.yaml (deploy previews)
    no_index: bool = False  # robots.txt disallows all (previews, branch deploys)


@dataclass
class Model:
    site: Site
    #: (document path, href, line) of every site-relative link in a body
    links: list[tuple[str, str, int]] = field(default_factory=list)
    #: URLs of pages left out because their own file has errors: a link to
    #: one is not reported again (the file's own errors say what to fix)
    broken_urls: set[str] = field(default_factory=set)
    #: URLs of valid claims this build leaves out (drafts, future dates)
    held_urls: set[str] = field(default_factory=set)


def _name_key(name: str) -> str:
    """A name as compared with actors' names: any letter case, any Unicode form.
    Casefolding the Turkish 'İ' gives 'i' and a combining dot, which an 'i'
    written in lowercase lacks: the dot is dropped."""
    folded = unicodedata.normalize("NFKC", name).casefold().replace("i\u0307", "i")
    return " ".join(folded.split())


class Memo:
    """Validated documents kept between rebuilds (the live preview).

    One file's validation depends only on its bytes and site.yaml, so an edit
    re-validates just that file. Entries hold the problems the file produced,
    replayed on reuse; back-links are reset before every resolve.
    """

    def __init__(self) -> None:
        self.site_key = ""
        self.site: tuple[Any, list[Verdict], list[Problem]] | None = None
        self.items: dict[str, tuple[Checked | None, list[Problem]]] = {}

    def site_config(self, docs: Documents, problems: Problems):  # type: ignore[no-untyped-def]
        key = docs.site.digest if docs.site else ""
        if self.site is None or key != self.site_key:
            scratch = Problems()
            config, verdicts = read_site(docs.site, scratch)
            self.site, self.site_key, self.items = (config, verdicts, scratch.items), key, {}
        config, verdicts, found = self.site
        problems.extend(found)
        for verdict in verdicts:
            verdict.claims = []
        return config, verdicts


def build_model(docs: Documents, problems: Problems, options: Options | None = None,
                memo: Memo | None = None) -> Model:
    options = options or Options()
    if memo is not None:
        config, verdict_list = memo.site_config(docs, problems)
    else:
        config, verdict_list = read_site(docs.site, problems)
    if options.base_url:
        with_base_url(config, options.base_url)
    verdicts = {v.key: v for v in verdict_list}
    cached = memo.items if memo is not None else {}

    def validated(doc: Document) -> Checked | None:
        if not doc.parsed.ok:
            return None  # already reported where it broke; no cascade of "missing" fields
        hit = cached.get(doc.digest)
        if hit is None:
            scratch = Problems()
            hit = (validate_document(doc, config, verdicts, scratch), scratch.items)
            if memo is not None:
                cached[doc.digest] = hit
        item, found = hit
        problems.extend(found)
        if item is not None:
            _reset(item.obj)
        return item

    def checked(kind: str) -> list[Checked]:
        seen: dict[str, str] = {}
        result = []
        slugs = {doc.slug for doc in docs.of(kind)}
        renamed: dict[str, list[str]] = {}
        for doc in docs.of(kind):
            if not SLUG_RE.match(doc.slug):
                renamed.setdefault(slugify(doc.slug), []).append(doc.path)
        for doc in docs.of(kind):
            if not check_slug(doc, problems, slugs, renamed):
                continue
            if doc.slug in seen:
                problems.error(doc.path, 1, f"the slug '{doc.slug}' is used twice "
                               f"(also {seen[doc.slug]})", "rename one of the files")
                continue
            seen[doc.slug] = doc.path
            item = validated(doc)
            if item is not None:
                result.append(item)
        return result

    prepare_bodies([d for kind in ("claim", "actor", "topic", "page") for d in docs.of(kind)
                    if d.digest not in cached], config)
    actors, topics, pages, seeds, claims = (checked(kind) for kind in
                                            ("actor", "topic", "page", "seed", "claim"))

    broken = {kind: {d.slug for d in docs.of(kind)} - {i.obj.slug if kind != "seed" else
                                                       i.obj.id for i in items if i.valid}
              for kind, items in (("actor", actors), ("topic", topics), ("seed", seeds),
                                  ("claim", claims), ("page", pages))}
    linker = _Linker(problems, [c.obj for c in actors], [t.obj for t in topics],
                     [s.obj for s in seeds], docs, broken)
    published = _select_claims(claims, options, problems)
    for item in claims:
        linker.link_claim(item, published)
    kept = sorted((c.obj for c in claims if c.obj.slug in published), key=Claim.sort_key)
    _fill_backlinks(kept)
    _check_orphans(topics, seeds, [c for c in claims if not c.valid], problems)
    page_objs = [p.obj for p in pages if options.drafts or not p.obj.draft]
    _check_policies(config, page_objs, problems, {p.obj.slug for p in pages})

    site = Site(config=config, verdicts=verdict_list,
                claims=kept,
                actors=sorted((a.obj for a in actors), key=lambda a: (_name_key(a.name), a.slug)),
                topics=sorted((t.obj for t in topics), key=lambda t: (_name_key(t.title), t.slug)),
                seeds=sorted((s.obj for s in seeds), key=lambda s: s.id),
                pages=sorted(page_objs, key=lambda p: p.slug))
    by_verdict = verdict_lists(site.claims, [v.key for v in verdict_list])
    for verdict in verdict_list:
        verdict.claims = by_verdict[verdict.key]
    links = [(item.doc.path, href, line)
             for item in (*claims, *actors, *topics, *pages)
             # a claim with errors too: all of its problems are due in this one report
             if item.rendered and (not isinstance(item.obj, Claim) or item.obj.slug in published
                                   or not item.valid)
             for href, line in item.rendered.internal_links]
    prefixes = {"actor": "/actors/", "topic": "/topics/", "seed": "/sources/",
                "claim": "/claims/", "page": "/"}
    held = {item.obj.url_path for item in claims
            if item.valid and item.obj.slug not in published}
    return Model(site, links, {f"{prefixes[kind]}{slug}/" for kind, slugs in broken.items()
                               for slug in slugs}, held)


def verdict_lists(claims: list[Claim], keys: Iterable[str]) -> dict[str, list[Claim]]:
    """The claims of each verdict in ``keys``, in the site's order (the preview
    refills two of them this same way when a claim changes verdict)."""
    lists: dict[str, list[Claim]] = {key: [] for key in keys}
    for claim in claims:
        if claim.verdict.key in lists:
            lists[claim.verdict.key].append(claim)
    return lists


def _named_for(actor: Actor, name: str) -> bool:
    """Is the actor's file named after ``name`` (vladimir-putin.md for "Vladimir Putin")?"""
    return slugify(name) == actor.slug


def _reset(obj: Any) -> None:
    """Clear what resolve fills in, so a reused object starts clean."""
    if isinstance(obj, (Actor, Topic, Seed)):
        obj.claims = []
    elif isinstance(obj, Claim):
        obj.related, obj.claimants, obj.topics = [], [], []


def _select_claims(claims: list[Checked], options: Options, problems: Problems) -> set[str]:
    """Slugs of the claims this build publishes (drafts and future ones held back)."""
    result = set()
    for item in claims:
        claim: Claim = item.obj
        if not item.valid:
            continue
        if claim.published and claim.published > options.today:
            problems.warning(item.doc.path, item.doc.parsed.line("published"),
                             f"'published' is in the future ({claim.published})",
                             "the claim will not appear on the site until that day")
            if not options.drafts:
                continue
        if claim.draft and not options.drafts:
            continue
        _warn_future_dates(item, options.today, problems)
        result.add(claim.slug)
    return result


def _warn_future_dates(item: Checked, today: dt.date, problems: Problems) -> None:
    """Dates of things that have happened, set after today or (the claim's) after
    its check was published: a typo, most likely.

    Checked here, not per file: a date that is in the future today is not
    tomorrow, and per-file results are cached.
    """
    claim: Claim = item.obj
    lines = item.doc.parsed.line
    # partial dates as written ("2998-05", not its first day), compared by their first day
    later: list[tuple[str, dt.date | PartialDate | None, int]] = [
        ("updated", claim.updated, lines("updated")),
        ("claim_date", claim.claim_date, lines("claim_date")),
        *(("corrections", c.date, c.line) for c in claim.corrections),
        *((key, ref.date, ref.date_line)
          for key, refs in (("source", claim.sources), ("evidence", claim.evidence))
          for ref in refs)]
    for key, day, line in later:
        if day is not None and (day.as_date() if isinstance(day, PartialDate) else day) > today:
            problems.warning(item.doc.path, line, f"'{key}' has a date in the future ({day})",
                             "check the year: this date should not be later than today")
    made = claim.claim_date
    if made and claim.published and claim.published < made.as_date() <= today:
        problems.warning(item.doc.path, lines("claim_date"), f"'claim_date' ({made.iso()}) is "
                         f"after 'published' ({claim.published.isoformat()}): the claim was "
                         "checked before it was made?", "check both dates: claim_date is when "
                         "the claim was made, published when this fact-check went out")


class _Linker:
    """Looks up names written in claims; reports what matches nothing."""

    def __init__(self, problems: Problems, actors: list[Actor], topics: list[Topic],
                 seeds: list[Seed], docs: Documents,
                 broken: dict[str, set[str]] | None = None) -> None:
        """``broken``: by kind, the slugs of files that exist but have errors of
        their own; naming one is not an error again (no cascade of "unknown")."""
        self.problems = problems
        self.broken = broken or {}
        #: the broken actor files' names as slugs (Kira-Takahashi.md is kira-takahashi)
        self._broken_actors = {slugify(b) for b in self.broken.get("actor", ())}
        self.actors = {a.slug: a for a in actors}
        self.topics = {t.slug: t for t in topics}
        self.seeds = {s.id: s for s in seeds}
        self.all_claims = {d.slug for d in docs.of("claim")}
        self.claims: dict[str, Claim] = {}
        self.names: dict[str, Actor] = {}
        self._lines = {d.path: d.parsed.lines for d in docs.of("actor")}
        self._guesses: dict[tuple[str, str], str] = {}
        self._index_names(actors)

    def _guess(self, kind: str, value: str, choices: Callable[[], Iterable[str]]) -> str:
        """did_you_mean, once per unknown name and kind in a build: an actor file
        renamed makes each of its claims ask the same question, and the answer
        costs a millisecond or more against a big site's names."""
        key = (kind, value)
        if key not in self._guesses:
            self._guesses[key] = did_you_mean(value, choices())
        return self._guesses[key]

    def _name_line(self, actor: Actor, key: str) -> int:
        """The line of the actor's file that gives it the name with ``key``
        (its name or one of its aliases), where a clash is to be fixed."""
        lines = self._lines.get(actor.path, {})
        named = [("name", actor.name), *((f"aliases[{i}]", alias)
                                         for i, alias in enumerate(actor.aliases))]
        where = next((field for field, name in named if _name_key(name) == key), "")
        return int(lines.get(where) or lines.get("aliases") or 1)

    def _index_names(self, actors: list[Actor]) -> None:
        for actor in actors:
            for name in [actor.name, *actor.aliases]:
                key = _name_key(name)
                slug_owner = self.actors.get(key)
                if slug_owner is not None and slug_owner is not actor:
                    # a claimant written as that slug always means that file
                    what = "name" if name == actor.name else "alias"
                    self.problems.error(actor.path, self._name_line(actor, key),
                                        f"the {what} '{name}' is the file name "
                                        f"of {slug_owner.path}",
                                        f"a claimant written '{name}' means {slug_owner.path}; "
                                        f"remove the {what} or change it")
                    continue
                other = self.names.get(key)
                if other is not None and other is not actor:
                    blamed, owner = actor, other
                    if _named_for(actor, name) and not _named_for(other, name):
                        blamed, owner = other, actor  # blame the file not named for it
                        self.names[key] = actor
                    self.problems.error(blamed.path, self._name_line(blamed, key),
                                        f"the name '{name}' also belongs to "
                                        f"{owner.path}", "a name or alias must point at one actor")
                    continue
                self.names[key] = actor

    def link_claim(self, item: Checked, published: set[str]) -> None:
        claim: Claim = item.obj
        refs, path = item.refs, item.doc.path
        assert refs is not None
        self.claims[claim.slug] = claim
        claim.claimants = _unique(a for a in (self._actor(n, line, path)
                                              for n, line in refs.claimants) if a)
        claim.topics = _unique(t for t in (self._topic(s, line, path)
                                           for s, line in refs.topics) if t)
        for ref, (seed_id, line) in refs.source_seeds:
            ref.seed = self._seed(seed_id, line, path)
        unresolved = {id(r) for r, _ in refs.source_seeds if r.seed is None}
        claim.sources = [s for s in refs.sources if id(s) not in unresolved]
        claim.evidence = [e for e in refs.evidence if id(e) not in unresolved]
        claim.extra["related_refs"] = [(s, line) for s, line in refs.related
                                       if self._related_ok(claim, s, line, path, published)]

    def _actor(self, name: str, line: int, path: str) -> Actor | None:
        key = _name_key(name)
        # a name that is, in other letter case, a file name means that file (as
        # _index_names tells an actor file that gives itself such a name)
        actor = self.actors.get(name) or self.names.get(key) or self.actors.get(key)
        slug = slugify(name)
        if actor or name in self.broken.get("actor", ()) or slug in self._broken_actors:
            return actor  # a file with errors of its own (a file name not a slug, say)
        if slug in self.actors:  # the_daily_herald for the-daily-herald
            self.problems.error(path, line, f"no actor matches the claimant '{name}'",
                                f"did you mean '{slug}'? (the file "
                                f"{self.actors[slug].path})")
            return None
        guess = self._guess("actor", name, lambda: [*self.actors,
                                                    *(a.name for a in self.actors.values())])
        new = (f"if this is a new claimant, create content/actors/{slug}.md "
               f"(site-builder new actor {slug})" if slug != "untitled" else
               "if this is a new claimant, create a file for them in content/actors/, named "
               "with their name in lowercase Latin letters, digits and hyphens (site-builder "
               f"new actor <name>), and give it name: {json.dumps(name, ensure_ascii=False)}")
        self.problems.error(path, line, f"no actor matches the claimant '{name}'",
                            (guess + "\n" if guess else "") + new)
        return None

    def _topic(self, slug: str, line: int, path: str) -> Topic | None:
        topic = self.topics.get(slug)
        if topic is None and slug not in self.broken.get("topic", ()):
            guess = self._guess("topic", slug, lambda: self.topics)
            self.problems.error(path, line, f"unknown topic '{slug}'",
                                (guess + "\n" if guess else "") +
                                f"to add the topic, create content/topics/{slug}.md "
                                f"(site-builder new topic {slug})")
        return topic

    def _seed(self, seed_id: str, line: int, path: str) -> Seed | None:
        seed = self.seeds.get(seed_id)
        if seed is None and seed_id not in self.broken.get("seed", ()):
            if not self.seeds:  # no register at all, most likely in the wrong place
                self.problems.error(path, line, f"unknown seed '{seed_id}': no seed was found",
                                    f"a seed is a file seeds/{seed_id}.yaml in the seeds "
                                    "register, the seeds/ folder next to the content folder "
                                    "(or the folder --seeds names); or give the source's "
                                    "publisher and url instead of a seed")
                return None
            guess = self._guess("seed", seed_id, lambda: self.seeds)
            self.problems.error(path, line, f"unknown seed '{seed_id}'",
                                (guess + " " if guess else "") +
                                f"the seeds register has: {', '.join(sorted(self.seeds))}")
        return seed

    def _related_ok(self, claim: Claim, slug: str, line: int, path: str,
                    published: set[str]) -> bool:
        if slug == claim.slug:
            self.problems.error(path, line, "a claim cannot be related to itself",
                                f"remove '{slug}' from related")
            return False
        if slug not in self.all_claims:
            guess = self._guess("claim", slug, lambda: self.all_claims)
            self.problems.error(path, line, f"unknown related claim '{slug}'",
                                (guess + " " if guess else "") +
                                "related takes the file names (slugs) of other claims")
            return False
        if slug in self.broken.get("claim", ()):
            return False  # its own errors are reported
        if slug not in published and claim.slug in published:
            self.problems.warning(path, line, f"related claim '{slug}' is not published "
                                  "(a draft, or dated in the future)",
                                  "the link is left out until that claim is published")
            return False
        return True


def _fill_backlinks(claims: list[Claim]) -> None:
    """Back-links in display order; ``claims`` is already sorted newest first."""
    order = {c.slug: i for i, c in enumerate(claims)}
    related: dict[str, set[str]] = {}
    for claim in claims:
        for slug, _ in claim.extra.pop("related_refs", ()):
            if slug in order:
                related.setdefault(claim.slug, set()).add(slug)
                related.setdefault(slug, set()).add(claim.slug)
    for claim in claims:
        links = related.get(claim.slug)
        claim.related = [claims[i] for i in sorted(order[s] for s in links)] if links else []
        for actor in claim.claimants:
            actor.claims.append(claim)
        for topic in claim.topics:
            topic.claims.append(claim)
        seen: set[int] = set()
        for ref in (*claim.sources, *claim.evidence):
            if ref.seed is not None and id(ref.seed) not in seen:
                seen.add(id(ref.seed))
                ref.seed.claims.append(claim)


def _check_orphans(topics: list[Checked], seeds: list[Checked], broken: list[Checked],
                   problems: Problems) -> None:
    """Topics and seeds no published claim uses. Those a claim with errors names
    are not warned about: once its errors are fixed, it uses them."""
    named = {name for item in broken if item.refs for name, _ in item.refs.topics}
    cited = {seed for item in broken if item.refs for _, (seed, _) in item.refs.source_seeds}
    for item in topics:
        if not item.obj.claims and item.obj.slug not in named:
            problems.warning(item.doc.path, 1, f"the topic '{item.obj.slug}' has no published "
                             "claims", "its page is still built; add it to a claim's topics")
    for item in seeds:
        if not item.obj.claims and item.obj.id not in cited:
            problems.warning(item.doc.path, 1, f"no claim uses the seed '{item.obj.id}'",
                             f"name it in a claim's source: {{seed: {item.obj.id}}}")


def _check_policies(config, pages: list[StandalonePage], problems: Problems,  # type: ignore[no-untyped-def]
                    every: set[str]) -> None:
    """Each policy page named in site.yaml is published (``every``: all page slugs)."""
    slugs = {p.slug for p in pages}
    for name, slug in config.policies.items():
        if slug in every and slug not in slugs:
            problems.error(config.path, config.policy_lines.get(name, 1),
                           f"policy page '{slug}' ({name}) is a draft",
                           f"publish content/pages/{slug}.md (remove draft: true) or take "
                           f"it out of policies")
        elif slug not in slugs:
            problems.error(config.path, config.policy_lines.get(name, 1),
                           f"policy page '{slug}' ({name}) does not exist",
                           did_you_mean(slug, slugs) or
                           f"create content/pages/{slug}.md")


def _unique(items):  # type: ignore[no-untyped-def]
    seen: dict[int, object] = {}
    for item in items:
        seen.setdefault(id(item), item)
    return list(seen.values())
