"""Content problems as data.

Every stage that reads editors' content reports what is wrong as a
:class:`Problem` (file, line, column, severity, message, hint) into a shared
:class:`Problems` collection instead of raising, so ``check`` and ``build`` can
show every mistake in one run, sorted by file and line.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import heapq
import json
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Iterable, Iterator, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing an editor must fix (error) or should look at (warning)."""

    path: str
    line: int
    column: int
    severity: Severity
    message: str
    hint: str = ""

    def location(self) -> str:
        """``path:line:col`` as editors' tools (and terminals) link it; a file
        name with a line break or other control character shows it escaped,
        so one problem stays one line."""
        return f"{printable(self.path)}:{max(self.line, 1)}:{max(self.column, 1)}"

    def as_text(self) -> str:
        text = f"{self.location()}: {self.severity}: {visible(self.message)}"
        if self.hint:
            text += "\n" + "\n".join("    " + visible(line) for line in self.hint.splitlines())
        return text

    def as_github(self) -> str:
        """A GitHub Actions workflow command, shown inline in a pull request."""
        message = visible(self.message + (f" -- {self.hint}" if self.hint else ""))
        message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        path = (self.path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
                .replace(",", "%2C").replace(":", "%3A"))
        return (
            f"::{self.severity} file={path},line={max(self.line, 1)},"
            f"col={max(self.column, 1)}::{message}"
        )


@dataclass
class Problems:
    """Collects problems from every stage; never raises on bad content."""

    items: list[Problem] = field(default_factory=list)

    def error(self, path: str, line: int, message: str, hint: str = "", column: int = 1) -> None:
        self.items.append(Problem(path, line, column, "error", message, hint))

    def warning(self, path: str, line: int, message: str, hint: str = "", column: int = 1) -> None:
        self.items.append(Problem(path, line, column, "warning", message, hint))

    def extend(self, other: Iterable[Problem]) -> None:
        self.items.extend(other)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.sorted())

    def __len__(self) -> int:
        return len(self.items)

    def sorted(self) -> list[Problem]:
        unique = dict.fromkeys(self.items)
        return sorted(unique, key=lambda p: (p.path, p.line, p.column, p.severity, p.message))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.sorted() if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.sorted() if p.severity == "warning"]

    def for_path(self, path: str) -> list[Problem]:
        return [p for p in self.sorted() if p.path == path]


#: warnings a build lists before it only counts the rest (``check`` lists all)
BUILD_WARNINGS = 50


def format_report(problems: Iterable[Problem], fmt: str = "text",
                  most_warnings: int | None = None) -> str:
    """Render problems for a terminal (text), GitHub Actions (github) or tools (json).

    ``most_warnings`` (text only) lists every error but only that many
    warnings: a site of old checks can carry thousands of warnings (claims
    over 75 characters), and a build log that repeats them all on every
    build hides the line that matters.
    """
    items = list(problems)
    if fmt == "json":
        return json.dumps([asdict(p) for p in items], indent=2, ensure_ascii=False)
    if not items:
        return ""
    if fmt == "github":
        return "\n".join(p.as_github() for p in items)
    errors = sum(p.severity == "error" for p in items)
    warnings = len(items) - errors
    shown, hidden = items, 0
    if most_warnings is not None and warnings > most_warnings:
        warned = [id(p) for p in items if p.severity != "error"][:most_warnings]
        listed = set(warned)
        shown = [p for p in items if p.severity == "error" or id(p) in listed]
        hidden = warnings - most_warnings
    lines = [p.as_text() for p in shown]
    if hidden:
        lines.append(f"... and {_plural(hidden, 'more warning')} "
                     "('site-builder check' lists them all)")
    lines.append(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
    return "\n".join(lines)


def from_json(text: str) -> list[Problem]:
    """The problems :func:`format_report` wrote as JSON (none from damaged text:
    this is the build cache's copy of the last build's warnings)."""
    try:
        return [Problem(**item) for item in json.loads(text or "[]")]
    except (ValueError, TypeError):
        return []


def printable(text: str) -> str:
    """``text`` with line breaks and other control characters shown as escapes."""
    if text.isprintable():
        return text
    return "".join(repr(c)[1:-1] if ord(c) < 32 or 127 <= ord(c) < 160
                   or c in "\u2028\u2029" else c for c in visible(text))


def visible(text: str) -> str:
    """``text`` with invisible format characters (zero-width space, direction
    marks, soft hyphen) shown as escapes: 'Jane\\u200b Doe' is told apart from the
    actor 'Jane Doe' it otherwise looks exactly like."""
    if text.isprintable():
        return text
    return "".join(repr(c)[1:-1] if unicodedata.category(c) == "Cf" else c for c in text)


def _shortlist(value: str, choices: Iterable[str], cutoff: float) -> list[str]:
    choices = list(choices)
    if len(choices) <= _SHORTLIST:
        return choices
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(value)

    def bound(choice: str) -> float:
        matcher.set_seq1(choice)
        return matcher.quick_ratio() if matcher.real_quick_ratio() >= cutoff else 0.0
    return heapq.nlargest(_SHORTLIST, choices, key=bound)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


#: past this many names, only the likeliest few are compared in full
_SHORTLIST = 20
#: past this many names, only those that sort near the value, by their start
#: or by their end, are considered: even the shortlist's cheap bound took
#: 60 ms a name against 10,000 claim slugs (a minute for 1,000 broken links).
#: 60 either side of each order: on 1,200 mistyped slugs of the 10,000-claim
#: corpus (a letter added, dropped or changed at the start, inside or at the
#: end), the first guess was the one 150 and a shortlist of 40 gave, at half
#: the cost (2.8 ms a name instead of 5.5)
_WINDOW_ABOVE = 2000
_WINDOW = 60


@functools.lru_cache(maxsize=8)
def _sorted_views(choices: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The names sorted, and sorted by their reversed spelling."""
    forward = sorted(set(choices))
    return forward, sorted(name[::-1] for name in forward)


def _near(value: str, choices: tuple[str, ...]) -> list[str]:
    """The names next to ``value`` in each order: a typo keeps the start or the end."""
    forward, backward = _sorted_views(choices)
    at = bisect.bisect_left(forward, value)
    near = forward[max(0, at - _WINDOW):at + _WINDOW]
    at = bisect.bisect_left(backward, value[::-1])
    return near + [name[::-1] for name in backward[max(0, at - _WINDOW):at + _WINDOW]]


def did_you_mean(value: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """``did you mean 'x'?`` for the closest known names, or an empty string.

    On a big site (10,000 claim slugs, many alike) comparing every name in
    full takes about half a second per unknown name; a cheap upper bound
    (difflib's quick_ratio) picks a shortlist first. The answer is kept: one
    missing actor file makes every claim of that actor ask the same question.
    """
    return _did_you_mean(value, tuple(choices), cutoff)


#: a few hundred answers: each key holds its list of names (10,000 slugs for a claim)
@functools.lru_cache(maxsize=256)
def _did_you_mean(value: str, choices: tuple[str, ...], cutoff: float) -> str:
    if len(choices) > _WINDOW_ABOVE:
        choices = _near(value, choices) + _near(value.lower(), choices)
    choices = tuple(sorted(set(choices)))
    matches = difflib.get_close_matches(value, _shortlist(value, choices, cutoff), n=3, cutoff=cutoff)
    if not matches:
        lowered = {c.lower(): c for c in choices}
        matches = difflib.get_close_matches(value.lower(), _shortlist(value.lower(), lowered, cutoff),
                                            n=3, cutoff=cutoff)
        matches = [lowered[m] for m in matches]
    if not matches:
        return ""
    return "did you mean " + " or ".join(f"'{m}'" for m in matches) + "?"
