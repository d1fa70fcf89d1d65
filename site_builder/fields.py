"""Typed reads of front matter values, each failure reported at its line.

A :class:`Fields` wraps one document's parsed data. Every getter returns a
usable value (or a neutral default) and records a problem when the editor's
value is wrong, so validation never stops at the first mistake.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, Iterable
from urllib.parse import urlsplit

from .frontmatter import Parsed
from .model import PartialDate
from .problems import Problems, did_you_mean
from .schema import FieldSpec

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: the longest slug: it names output files such as ``cards/<slug>.svg`` and
#: ``search/facets/t/<slug>.json``, which must fit a file system's 255 bytes
MAX_SLUG = 200
#: the contract's YYYY-MM-DD, YYYY-MM or YYYY, in ASCII digits (Python's \d takes
#: any script's digits, which no date parser or feed reader does)
_PARTIAL_RE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?\Z")
#: the words a yes/no field takes (YAML 1.1's, which this loader reads as text)
YES_NO = {"yes": True, "no": False, "on": True, "off": False, "y": True, "n": False,
          "true": True, "false": False}  # "true" in quotes too


#: Latin letters that do not decompose into an ASCII letter and a mark
_LETTERS = str.maketrans({"ß": "ss", "ẞ": "SS", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                          "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
                          "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ı": "i"})


#: names Windows keeps for devices, whatever the extension: a file ``nul.md``
#: in the repository stops a checkout there
WINDOWS_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)),
                              *(f"lpt{n}" for n in range(10))})


def _ascii_digits(text: str) -> str:
    """Every decimal digit as its ASCII one (Arabic-Indic, Devanagari, ...): a
    number keeps its meaning in a slug instead of being dropped."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def slugify(text: str) -> str:
    """The slug an editor most likely meant (for hints)."""
    text = unicodedata.normalize("NFKD", _ascii_digits(text).translate(_LETTERS))
    text = text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "untitled"
    return shorten_slug(slug)


def shorten_slug(slug: str) -> str:
    """``slug`` cut to :data:`MAX_SLUG` characters, at a hyphen where there is one."""
    if len(slug) <= MAX_SLUG:
        return slug
    head = slug[:MAX_SLUG + 1]
    cut = head.rsplit("-", 1)[0] if "-" in head else ""
    return cut if len(cut) >= MAX_SLUG // 2 else slug[:MAX_SLUG].rstrip("-")


class Fields:
    """Reads one document's values; problems go to the shared collection."""

    def __init__(self, parsed: Parsed, path: str, problems: Problems,
                 spec: dict[str, FieldSpec] | None = None) -> None:
        self.parsed, self.path, self.problems, self.spec = parsed, path, problems, spec or {}

    # -- reporting ---------------------------------------------------------
    def line(self, key: str) -> int:
        return self.parsed.line(key)

    def error(self, key: str, message: str, hint: str = "") -> None:
        self.problems.error(self.path, self.line(key), message, hint)

    def warning(self, key: str, message: str, hint: str = "") -> None:
        self.problems.warning(self.path, self.line(key), message, hint)

    def missing(self, key: str, label: str | None = None) -> None:
        spec = self.spec.get(key.split(".")[-1])
        example = f"\nfor example:\n{key.split('.')[-1]}: {spec.example}".replace(": \n", ":\n") \
            if spec else ""
        data = self.parsed.data if isinstance(self.parsed.data, dict) else {}
        # site.yaml and seeds are plain YAML files, not Markdown with front matter
        where = "the file" if self.path.endswith((".yaml", ".yml")) else "the front matter"
        if "." in key:
            where = f"this entry of '{key.split('.')[0].split('[')[0]}'"
        if "." not in key and key in data:  # written with nothing after the colon
            if key in self.parsed.raw:  # else refused when read (a YAML tag): said then
                self.problems.error(self.path, self.line(key), f"'{label or key}' is empty",
                                    f"write a value after the colon{example}")
            return
        self.problems.error(self.path, 1 if "." not in key else self.line(key),
                            f"the required field '{label or key}' is missing",
                            f"add it to {where}{example}")

    def unknown_keys(self, data: dict[str, Any], known: Iterable[str], prefix: str = "") -> None:
        known = list(known)
        for key in data:
            if key not in known:
                text = str(key)
                odd = any(c in _ODD_SPACES for c in text)
                if odd or text != text.strip():
                    # pasted from a word processor: a non-breaking space is not
                    # indentation to YAML, so the key is another one (or the field's
                    # own group is left empty), which the message must make visible
                    shown = "".join(f"\\u{ord(c):04x}" if c in _ODD_SPACES else c
                                    for c in text)
                    bare = text.strip("".join(_ODD_SPACES) + " \t")
                    guess = (f"this is the field '{bare}'" if bare in known
                             else did_you_mean(bare, known))
                    self.warning(prefix + text, f"unknown field '{prefix}{shown}' is ignored: "
                                 + ("it holds a non-breaking space (\\u00a0), which YAML does "
                                    "not read as a space" if odd else
                                    "it has blanks around the name"),
                                 "retype the spaces before and after the name as ordinary "
                                 "spaces (text pasted from a word processor brings "
                                 "non-breaking ones)" + (f"; {guess}" if guess else ""))
                    continue
                guess = did_you_mean(text, known)
                self.warning(prefix + text, f"unknown field '{prefix}{key}' is ignored",
                             guess or "known fields: " + ", ".join(known))

    # -- raw access ----------------------------------------------------------
    def get(self, key: str, data: dict[str, Any] | None = None) -> Any:
        data = self.parsed.data if data is None else data
        return data.get(key.split(".")[-1])

    def _written(self, key: str, value: Any) -> str:
        """A value as the file has it: YAML reads ``0001`` as the number 1 and
        ``0012`` as 10 (octal), and a message must quote what the editor typed."""
        if isinstance(value, str):
            return value.strip()
        return str(self.parsed.raw.get(key, value)).strip()

    # -- typed getters -------------------------------------------------------
    def text(self, key: str, required: bool = False, data: dict[str, Any] | None = None) -> str:
        value = self.get(key, data)
        if value is None or (isinstance(value, str) and _blank(value)):
            if required and value is None:
                self.missing(key)
            elif required and value.strip():
                self.error(key, f"'{key}' holds only invisible characters (zero-width "
                           "spaces or marks), so it would show as nothing",
                           "delete the value and type it again")
            elif required:
                self.error(key, f"'{key}' is empty", "write a value after the colon")
            return ""
        if isinstance(value, bool):
            raw = self.parsed.raw.get(key, str(value).lower())
            self.warning(key, f"'{key}: {raw}' was read as a yes/no value",
                         f"put it in quotes so it stays text: {key.split('.')[-1]}: \"{raw}\"")
            return raw
        if isinstance(value, (int, float)):
            return self.parsed.raw.get(key, str(value))
        if not isinstance(value, str):
            self.error(key, f"'{key}' must be a single line of text, not a "
                       f"{_kind(value)}", "write it as key: \"text\"")
            return ""
        return value.strip()

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in YES_NO:
            return YES_NO[value.strip().lower()]
        self.error(key, f"'{key}' must be true or false, not '{value}'",
                   f"write {key}: true or {key}: false")
        return default

    def date(self, key: str, required: bool = False,
             data: dict[str, Any] | None = None) -> dt.date | None:
        """A full calendar date, YYYY-MM-DD."""
        value = self.get(key, data)
        if value is None or value == "":
            if required:
                self.missing(key)
            return None
        text = self._written(key, value)
        try:
            return dt.date.fromisoformat(text) if _FULL_DATE.fullmatch(text) else _raise()
        except ValueError:
            self.error(key, f"'{key}' is not a valid date: '{text}'", _date_hint(text, key))
            return None

    def partial_date(self, key: str, data: dict[str, Any] | None = None) -> PartialDate | None:
        """YYYY-MM-DD, YYYY-MM or YYYY: as precise as the editor knows."""
        value = self.get(key, data)
        if value is None or value == "":
            return None
        text = self._written(key, value)
        if _is_date(text):
            match = _PARTIAL_RE.match(text)
            assert match is not None
            return PartialDate(*(int(g) if g else 0 for g in match.groups()))
        self.error(key, f"'{key}' is not a valid date: '{text}'",
                   _date_hint(text, key) + "; YYYY-MM or YYYY are fine when the day is unknown")
        return None

    def str_list(self, key: str, required: bool = False) -> list[tuple[str, int]]:
        """A list of text items (a single text is taken as a one-item list)."""
        value = self.get(key)
        if value is None:
            if required:
                self.missing(key)
            return []
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            # a blank text ("") is no item: reported once, as missing items, below
            items: list[Any] = [value] if str(value).strip() else []
            paths = [key]
        elif isinstance(value, list):
            items, paths = value, [f"{key}[{i}]" for i in range(len(value))]
        else:
            self.error(key, f"'{key}' must be a list", f"write {key}: [first, second]")
            return []
        result = []
        for item, path in zip(items, paths):
            if isinstance(item, bool):
                item = self.parsed.raw.get(path, str(item).lower())
            if not isinstance(item, (str, int, float)) or not str(item).strip():
                self.error(path, f"each item of '{key}' must be a single word or text",
                           f"write {key}: [first, second]")
                continue
            result.append((str(item).strip(), self.line(path)))
        self._warn_repeats(key, result)
        if required and not result:
            self.error(key, f"'{key}' needs at least one item",
                       f"for example: {key}: {self.spec[key].example}" if key in self.spec else "")
        return result

    def _warn_repeats(self, key: str, items: list[tuple[str, int]]) -> None:
        """An item listed twice is used once: the second is a slip (a paste, a
        merge) the editor should see, and maybe meant another item."""
        first: dict[str, int] = {}
        for text, line in items:
            if text in first:
                self.problems.warning(self.path, line, f"'{text}' is listed twice in "
                                      f"'{key}' (first at line {first[text]})",
                                      "remove one of them, or write the one you meant")
            else:
                first[text] = line

    def mappings(self, key: str) -> list[tuple[dict[str, Any], str]]:
        """A mapping or list of mappings, each with its key path."""
        value = self.get(key)
        if value is None:
            return []
        if isinstance(value, dict):
            return [(value, key)]
        if isinstance(value, list):
            result = []
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    result.append((item, f"{key}[{i}]"))
                else:
                    self.error(f"{key}[{i}]", f"each item of '{key}' must be a group of "
                               "'field: value' lines",
                               f"for example:\n{key}:{self.spec[key].example}"
                               if key in self.spec else "")
            return result
        self.error(key, f"'{key}' must be a group of 'field: value' lines",
                   f"for example:\n{key}:{self.spec[key].example}" if key in self.spec else "")
        return []

    def url(self, key: str, data: dict[str, Any] | None = None) -> str:
        """An absolute http(s) URL, or ''; characters a URI may not hold (``<``,
        ``"``, ``|``, ...; a browser escapes them too) are %-escaped, so that
        JSON-LD, feeds and the sitemap carry a valid address."""
        text = self.text(key, data=data)
        if not text:
            return ""
        if not is_web_url(text):
            self.error(key, f"'{key}' is not a valid web address: '{text}'",
                       "write the full address, starting with https:// (copy it from the "
                       "browser's address bar)")
            return ""
        return _NOT_IN_URI.sub(_uri_escape, text)

    def slug(self, key: str, value: str, what: str) -> bool:
        if SLUG_RE.match(value):
            return True
        self.error(key, f"'{value}' is not a valid {what} slug",
                   f"use lowercase letters, digits and single hyphens: '{slugify(value)}'")
        return False


#: spaces that look like a space but are not one to YAML
_ODD_SPACES = frozenset("\u00a0\u2007\u202f")


def _blank(text: str) -> bool:
    """Nothing a reader would see: blanks, or only invisible format characters
    (zero-width spaces, joiners, direction marks), which a headline pasted
    from elsewhere can be made of. The first visible character ends the scan."""
    if text.isascii():
        return not text.strip()
    return all(c.isspace() or unicodedata.category(c) == "Cf" for c in text)


def beyond_domain(url: str) -> bool:
    """Whether a site address has more than a domain (a path, query or fragment):
    the site's own links start at / (the contract's URLs), so it cannot live there."""
    parts = urlsplit(url)
    after_host = url.split("//", 1)[-1]
    return bool(parts.path.strip("/") or "?" in after_host or "#" in after_host
                or "@" in parts.netloc)  # an empty ? or #, a user name: still not a domain


#: a host name: letters and digits of any script, hyphens, dots (and underscores,
#: which some real hosts have)
_HOST = re.compile(r"[\w.-]+\Z")
#: never in the host part of an address (they would also end an attribute or a line)
_NOT_IN_NETLOC = frozenset('"\'<>\\^`{|}')
#: a blank or control character anywhere in an address (one regex search, not a
#: Python test per character: every source and evidence address is checked)
_BLANK_OR_CONTROL = re.compile(r"[\s\x00-\x1f\x7f]")
#: ASCII characters RFC 3986 allows nowhere in a URI (only the path, query and
#: fragment can hold them here: is_web_url refuses them in the host)
_NOT_IN_URI = re.compile(r'[<>"{}|\\^`]')


def _uri_escape(match: re.Match[str]) -> str:
    """What a browser makes of the character in an http(s) address: a backslash
    is a '/', the others are %-escaped (WHATWG URL Standard)."""
    char = match.group()
    return "/" if char == "\\" else f"%{ord(char):02X}"


def is_web_url(text: str) -> bool:
    """An absolute http(s) address with a real host name and, if any, a real port.

    The host is checked closely: an address goes into links, the sitemap and
    robots.txt as it is written, and a backslash there is a '/' to a browser.
    """
    if _BLANK_OR_CONTROL.search(text):
        return False
    try:
        parts = urlsplit(text)
        port = parts.port  # ValueError when it is not a number up to 65535
    except ValueError:
        return False
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not _HOST.match(host) or port == 0:
        return False
    if any(c in _NOT_IN_NETLOC for c in parts.netloc):
        return False
    return "." in host or host == "localhost"


def _kind(value: Any) -> str:
    return {dict: "group of fields", list: "list"}.get(type(value), type(value).__name__)


def _raise() -> dt.date:
    raise ValueError


_FULL_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _is_date(text: str) -> bool:
    """A date in one of the contract's forms (YYYY-MM-DD, YYYY-MM, YYYY) that the
    calendar has: no year 0, month 13 or 30 February; and 2024-00-15 is no
    month, not an unknown one."""
    match = _PARTIAL_RE.match(text)
    if not match:
        return False
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _day_month_hint(first: int, second: int, year: int, name: str) -> str:
    """The fix for 15.07.2021 or 07/15/2021: the order is plain when only one
    reading is a date; when both are, the editor is asked."""
    day_first, month_first = (f"{year}-{second:02d}-{first:02d}",
                              f"{year}-{first:02d}-{second:02d}")
    readings = [d for d in dict.fromkeys((day_first, month_first)) if _is_date(d)]
    if len(readings) == 1:
        return f"write dates as YYYY-MM-DD, e.g. {name}: {readings[0]}"
    if readings:
        return (f"write dates as YYYY-MM-DD: {name}: {day_first} if {first} is the day, "
                f"{month_first} if it is the month")
    return f"write dates as YYYY-MM-DD, e.g. {name}: 2024-10-05"


def _date_hint(text: str, key: str) -> str:
    name = key.split(".")[-1]
    if not text.isascii() and _ascii_digits(text).isascii():
        ascii_text = _ascii_digits(text)
        if _is_date(ascii_text):
            return f"use the digits 0-9: {name}: {ascii_text}"
        return "use the digits 0-9; " + _date_hint(ascii_text, key)
    short = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})(?:-([0-9]{1,2}))?", text)
    if short and any(g and len(g) == 1 for g in short.groups()[1:]):
        fixed = "-".join([short.group(1), *(f"{int(g):02d}" for g in short.groups()[1:] if g)])
        return f"write the month and day with two digits each: {name}: {fixed}"
    match = re.fullmatch(r"([0-9]{1,2})[./-]([0-9]{1,2})[./-]([0-9]{4})", text)
    if match:
        return _day_month_hint(*(int(g) for g in match.groups()), name)
    match = re.fullmatch(r"([0-9]{4})[./]([0-9]{1,2})[./]([0-9]{1,2})", text)  # 2021/07/15
    if match:
        year, month, day = (int(g) for g in match.groups())
        return f"write dates as YYYY-MM-DD, e.g. {name}: {year}-{month:02d}-{day:02d}"
    if re.fullmatch(r"0000-\d\d-\d\d", text):
        return "the calendar has no year 0 (1 BC is followed by AD 1); check the year"
    if re.fullmatch(r"\d{4}-\d\d-\d\d", text):
        return "that day does not exist in the calendar; check the month and day"
    timed = re.match(r"(\d{4}-\d\d-\d\d)[Tt ]+\d", text)
    if timed:  # a date and time, as a CMS or another generator writes them
        return f"leave out the time: {key.split('.')[-1]}: {timed.group(1)}"
    return f"write dates as YYYY-MM-DD, e.g. {key.split('.')[-1]}: 2024-10-05"
