"""Front matter: bytes -> (YAML data with the file line of every key, Markdown body).

Editors paste text from word processors and chat tools, so this module expects
trouble: a BOM, Windows line endings, tabs, invisible control characters,
non-UTF-8 bytes, duplicate keys, a missing closing ``---``. Each becomes a
:class:`~site_builder.problems.Problem` at the right file line, never an
exception.

YAML is read with PyYAML's safe loader (the C one when available) and two
YAML 1.1 surprises switched off: dates stay text (validated later with a
precise message, instead of crashing on ``2024-02-30``) and only
``true``/``false`` are booleans (``verdict: no`` stays the text ``no``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .problems import Problems

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL_TAG = "tag:yaml.org,2002:bool"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
#: invisible characters that are not text (XML and HTML refuse most of them)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
#: text-direction controls: an override (U+202D, U+202E) makes readers see the
#: letters after it in another order than the file has them (the "Trojan
#: Source" trick: a title that reads one way in review and another on the
#: page); embeddings and isolates change how a run of text is laid out. The
#: pages set each text's direction themselves (dir="auto"), so none is needed.
_BIDI_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")
_BIDI_OVERRIDES = "\u202d\u202e"
#: the ASCII part of _CONTROL_RE: all that an ASCII text (most files) can hold
_ASCII_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_MAX_NODES = 20_000
#: deeper than this, lists and mappings are refused before libyaml composes them: it
#: recurses in C and kills the process (a segfault, no message) at some 20,000 levels
_MAX_DEPTH = 64
#: a nesting level needs one of these characters, so a text with fewer cannot be too deep
_NESTING_MARKS = "[{-:?"
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = {f"tag:yaml.org,2002:{t}" for t in
               ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")}


def _resolvers() -> dict[str | None, list[tuple[str, re.Pattern[str]]]]:
    table: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in _Base.yaml_implicit_resolvers.items():
        kept = [(tag, rx) for tag, rx in entries if tag not in (_BOOL_TAG, _TIMESTAMP_TAG)]
        if first in "tTfF":
            kept.insert(0, (_BOOL_TAG, _BOOL_RE))
        if kept:
            table[first] = kept
    return table


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader with YAML 1.2-like booleans and dates left as text."""

    yaml_implicit_resolvers = _resolvers()

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        #: id of a mapping node -> how many of its entries '<<' merged in (they come first)
        self.merged: dict[int, int] = {}

    def flatten_mapping(self, node: MappingNode) -> None:
        """PyYAML's '<<' merge, stopped as soon as a mapping grows too large.

        Each '<<: [*a, *a]' doubles a mapping: twenty such lines took seconds and
        gigabytes before the walker counted a single value.
        """
        own = sum(1 for key, _ in node.value if key.tag != _MERGE_TAG)
        super().flatten_mapping(node)  # calls this method again for merged mappings
        if len(node.value) > _MAX_NODES:
            raise _TooLarge(node.start_mark.line)
        if len(node.value) > own:  # merged entries come first; a second call finds none
            self.merged[id(node)] = len(node.value) - own


@dataclass
class Parsed:
    """A file's data with the 1-based file line of each key path.

    Key paths look like ``source.url`` or ``evidence[1].title``; ``raw`` keeps
    each scalar exactly as written (``1.10`` stays ``1.10``, ``no`` stays
    ``no``) so validation can quote the editor's own words.
    """

    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    quoted: set[str] = field(default_factory=set)
    body: str = ""
    body_line: int = 1
    ok: bool = True

    def line(self, path: str, default: int = 1) -> int:
        """Line of a key path, falling back to its parent, then ``default``."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path) if re.search(r"[.\[]", path) else ""
        return default


def decode(data: bytes, path: str, problems: Problems) -> str | None:
    """UTF-8 (BOM accepted) to text with ``\\n`` line ends, or a problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        problems.error(
            path, line,
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} cannot be read)",
            "save the file as UTF-8 in your editor (\"Save with encoding\" -> UTF-8)",
            column=column,
        )
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split(text: str, path: str, problems: Problems) -> tuple[str, int, str, int] | None:
    """Split ``---`` front matter from the body.

    Returns (yaml text, file line of its first line, body, file line of the
    body's first line), or None after reporting why the file cannot be split.
    """
    if not text.strip():
        problems.error(path, 1, "the file is empty",
                       "start with front matter between two '---' lines; "
                       "`site-builder new` writes a complete example")
        return None
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        problems.error(path, 1, "the file does not start with front matter",
                       "the first line must be '---', followed by the fields "
                       "(key: value) and a closing '---' line")
        return None
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1:])
            return front, 2, body, index + 2
    problems.error(path, 1, "the front matter starts with '---' but is never closed",
                   "add a line with just '---' after the last field, before the text")
    return None


def parse_yaml(text: str, first_line: int, path: str, problems: Problems) -> Parsed:
    """Parse YAML text that starts at ``first_line`` of the file."""
    parsed = Parsed()
    if not _precheck(text, first_line, path, problems):
        parsed.ok = False
        return parsed
    too_deep = _too_deep_line(text)
    if too_deep is not None:
        problems.error(path, too_deep + first_line,
                       f"lists and mappings are nested more than {_MAX_DEPTH} levels deep here",
                       "a '[' or '{' may be left open, or each line indented one level more "
                       "than the last: write the value out flat")
        parsed.ok = False
        return parsed
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        _report_yaml_error(exc, text, first_line, path, problems)
        parsed.ok = False
        return parsed
    except yaml.YAMLError as exc:
        problems.error(path, first_line, f"the YAML cannot be read: {exc}")
        parsed.ok = False
        return parsed
    finally:
        loader.dispose()
    if node is None:
        return parsed
    if not isinstance(node, MappingNode):
        what = "the front matter" if first_line > 1 else "the file"
        problems.error(path, node.start_mark.line + first_line,
                       f"{what} must be made of 'key: value' lines", _mapping_example(path, first_line))
        parsed.ok = False
        return parsed
    walker = _Walker(loader, parsed, first_line, path, problems)
    walker.source = text
    try:
        parsed.data = walker.mapping(node, "")
    except _TooLarge as exc:
        what = f"'{exc.key}'" if exc.key else "the YAML"
        problems.error(path, exc.line + first_line, f"{what} expands to too many values (aliases?)",
                       "write the values out plainly instead of using & anchors and * aliases")
        parsed.ok = False
    except yaml.MarkedYAMLError as exc:  # a '<<' merge of something not a mapping
        _report_yaml_error(exc, text, first_line, path, problems)
        parsed.ok = False
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        problems.error(path, first_line, f"the YAML cannot be read: {exc}")
        parsed.ok = False
    return parsed


def parse_document(data: bytes, path: str, problems: Problems) -> Parsed:
    """A Markdown file with front matter, from its bytes."""
    text = decode(data, path, problems)
    if text is None:
        return Parsed(ok=False)
    pieces = split(text, path, problems)
    if pieces is None:
        return Parsed(ok=False)
    front, front_line, body, body_line = pieces
    parsed = parse_yaml(front, front_line, path, problems)
    parsed.body = _clean_body(body, body_line, path, problems)
    parsed.body_line = body_line
    return parsed


def parse_yaml_file(data: bytes, path: str, problems: Problems) -> Parsed:
    """A plain YAML file (site.yaml, seeds), from its bytes."""
    text = decode(data, path, problems)
    if text is None:
        return Parsed(ok=False)
    if not text.strip():
        problems.error(path, 1, "the file is empty", "see the README for the fields this file takes")
        return Parsed(ok=False)
    return parse_yaml(text, 1, path, problems)


def _has_control(text: str) -> bool:
    """``_CONTROL_RE.search(text)``, three times faster on ASCII text: a class
    with non-ASCII ranges costs the regex engine more per character."""
    pattern = _ASCII_CONTROL_RE if text.isascii() else _CONTROL_RE
    return pattern.search(text) is not None


def _has_bidi(text: str) -> bool:
    return not text.isascii() and _BIDI_RE.search(text) is not None


def _precheck(text: str, first_line: int, path: str, problems: Problems) -> bool:
    """Tabs, control characters and text-direction controls, reported where they are."""
    if "\t" not in text and not _has_control(text) and not _has_bidi(text):
        return True  # the common case, without a pass over each line
    ok = True
    where = "front matter" if first_line > 1 else "file"  # site.yaml and seeds: all YAML
    for number, line in enumerate(text.split("\n"), start=first_line):
        for match in _BIDI_RE.finditer(line):
            ok = _report_bidi(problems, path, number, match.group(), match.start() + 1,
                              where) and ok
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.error(path, number, "a tab is used for indentation",
                           "YAML needs spaces: replace the tab with spaces (2 per level)",
                           column=indent.index("\t") + 1)
            ok = False
        for match in _CONTROL_RE.finditer(line):
            problems.error(path, number,
                           f"an invisible control character (U+{ord(match.group()):04X}) "
                           f"is in the {where}",
                           "it was probably pasted from another program: delete it "
                           "(retype the text around it if you cannot see it)",
                           column=match.start() + 1)
            ok = False
    return ok


def _could_be_too_deep(text: str) -> bool:
    """False when the text cannot nest past ``_MAX_DEPTH`` (most files: cheap).

    A node's enclosing collections are flow ones (a '[' or '{' each), block
    ones begun on earlier lines (their column is at most this line's indent,
    two per column: a list may sit at its key's column), and block ones begun
    on its own line (each after a '-', '?' or ':' there, the first aside).
    """
    flows = text.count("[") + text.count("{")
    if flows > _MAX_DEPTH:
        return True
    if sum(text.count(mark) for mark in _NESTING_MARKS) <= _MAX_DEPTH:
        return False
    deepest = 0
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        here = 2 * (indent + 1) + 1 + line.count("-") + line.count("?") + line.count(":")
        deepest = max(deepest, here)
    return flows + deepest > _MAX_DEPTH


def _too_deep_line(text: str) -> int | None:
    """The 0-based line where the nesting passes ``_MAX_DEPTH``, or None.

    Read as a stream of events, which needs no recursion; only for a text with
    enough nesting marks to be that deep, so a common file is not read twice.
    Syntax errors are left to the real parse, which reports them.
    """
    if not _could_be_too_deep(text):
        return None
    loader = _Loader(text)
    depth = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > _MAX_DEPTH:
                    return int(event.start_mark.line)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


def _bidi_name(char: str) -> str:
    import unicodedata

    return f"U+{ord(char):04X} {unicodedata.name(char, '').lower()}".strip()


def _report_bidi(problems: Problems, path: str, line: int, char: str, column: int,
                 where: str) -> bool:
    """One text-direction control: an override is an error (False), the rest warnings."""
    if char in _BIDI_OVERRIDES:
        problems.error(path, line,
                       f"an invisible text-direction override ({_bidi_name(char)}) is in the "
                       f"{where}: readers would see the letters after it in another order "
                       "than the file has them",
                       "delete it (retype the text around it if you cannot see it); the "
                       "pages set each text's direction themselves", column=column)
        return False
    problems.warning(path, line,
                     f"an invisible text-direction character ({_bidi_name(char)}) is in the "
                     f"{where}: it changes how the text is laid out on the page",
                     "delete it unless you placed it on purpose; the pages set each "
                     "text's direction themselves", column=column)
    return True


def _clean_body(body: str, first_line: int, path: str, problems: Problems) -> str:
    """Drop control characters from the Markdown (they make invalid HTML);
    report text-direction controls (the body is published as written)."""
    if _has_bidi(body):
        for number, line in enumerate(body.split("\n"), start=first_line):
            for match in _BIDI_RE.finditer(line):
                _report_bidi(problems, path, number, match.group(), match.start() + 1, "text")
    if not _has_control(body):
        return body
    for number, line in enumerate(body.split("\n"), start=first_line):
        match = _CONTROL_RE.search(line)
        if match:
            problems.warning(path, number,
                             f"an invisible control character (U+{ord(match.group()):04X}) "
                             "was removed from the text",
                             "delete it in the file so the text matches what is published",
                             column=match.start() + 1)
    return _CONTROL_RE.sub("", body)


_HINTS = (
    ("mapping values are not allowed",
     "a value that contains ': ' must be quoted, e.g. title: \"Claim: the rest\""),
    ("could not find expected ':'",
     "every line needs 'key: value'; to continue a long text on the next line, "
     "indent it, or put the whole value in quotes"),
    ("found character '\\t'",
     "YAML needs spaces, not tabs: replace the tab with spaces"),
    ("found unexpected end of stream",
     "a quote (\" or ') is opened but not closed"),
    ("found undefined alias", "'*' starts an alias in YAML; put the value in quotes"),
    ("expected alphabetic or numeric character",
     "'*' or '&' at the start of a value has a meaning in YAML; put the value in quotes"),
    ("found unknown escape character",
     "inside double quotes a backslash starts an escape: write \\\\ or use single quotes"),
    ("did not find expected key",
     "check the indentation of this line and the one above: items of one list or "
     "mapping must line up"),
    ("for merging",
     "'<<:' merges in the fields of a group marked with &name elsewhere (<<: *name); "
     "write the fields out plainly instead"),
    ("found character that cannot start any token",
     "a value starting with @, ` or % must be put in quotes"),
)


def _report_yaml_error(exc: yaml.MarkedYAMLError, source: str, first_line: int, path: str,
                       problems: Problems) -> None:
    mark = exc.problem_mark or exc.context_mark
    if exc.context == "while scanning a quoted scalar" and exc.context_mark:
        mark = exc.context_mark  # the quote left open, not the end of the file
    line = (mark.line if mark else 0) + first_line
    column = (mark.column if mark else 0) + 1
    problem = (exc.problem or exc.context or "invalid YAML").rstrip(".")
    text = f"{exc.context or ''} {exc.problem or ''}"
    hint = next((h for key, h in _HINTS if key in text),
                "check quotes and indentation on this line and the line above")
    opened = _open_quote_line(exc, source)
    if opened is not None and mark is not None and opened < mark.line:
        # the quote runs on into the next lines and ends at a quote of theirs: the
        # parser trips there, but the mistake is the quote left open above
        line, column = opened + first_line, 1
        problem = "a quote is opened but not closed on this line"
        hint = _UNCLOSED_HINT
    problems.error(path, line, f"the front matter is not valid YAML: {problem}", hint,
                   column=column)


_UNCLOSED_HINT = ("close the quote at the end of the value, e.g. title: \"The claim\" "
                  "(inside double quotes write \\\" for a quote mark, or use single quotes)")
#: ``key: "value`` or ``- 'value``: a line whose value opens a quote it does not close
_OPEN_QUOTE_RE = re.compile(r"""^\s*(?:-\s+|[^\s"'#][^:#]*:\s+)("(?:[^"\\]|\\.)*|'(?:[^']|'')*)$""")


def _open_quote_line(exc: yaml.MarkedYAMLError, source: str) -> int | None:
    """The 0-based line that opens a quote and leaves it open, before a key error.

    Only when closing the quote at the end of that line gets the parser past
    the place it stopped: a value that rightly runs on over lines is not blamed.
    """
    mark = exc.problem_mark
    if mark is None or not any(key in (exc.problem or "") for key in (
            "did not find expected key", "could not find expected ':'",
            "did not find expected '-' indicator")):
        return None
    lines = source.split("\n")
    for index in reversed(range(min(mark.line, len(lines)))):
        found = _OPEN_QUOTE_RE.match(lines[index].rstrip())
        if found:
            mended = [*lines[:index], lines[index].rstrip() + found.group(1)[0], *lines[index + 1:]]
            loader = _Loader("\n".join(mended))
            try:
                loader.get_single_node()
            except yaml.MarkedYAMLError as again:
                if again.problem_mark is None or again.problem_mark.line <= mark.line:
                    return None
            except yaml.YAMLError:
                return None
            finally:
                loader.dispose()
            return index
    return None


class _TooLarge(Exception):
    """Too many values or levels: ``line`` (0-based) is where the walk gave up,
    or the line of the top-level ``key`` whose value grew too large."""

    def __init__(self, line: int, key: str = "") -> None:
        super().__init__(line)
        self.line = line
        self.key = key


class _Walker:
    """Builds Python values from YAML nodes, recording lines and duplicate keys."""

    def __init__(self, loader: Any, parsed: Parsed, first_line: int, path: str,
                 problems: Problems) -> None:
        self.loader, self.parsed = loader, parsed
        self.first_line, self.path, self.problems = first_line, path, problems
        self.count = 0
        self.depth = 0
        self.source = ""  # the YAML text (to tell a typed character from an escape)

    def _escaped_bidi(self, node: ScalarNode) -> None:
        """A text-direction control written as an escape ("\\u202e"): the check of
        the raw text (_precheck) cannot see it."""
        written = "\n".join(self.source.split("\n")[node.start_mark.line:node.end_mark.line + 1])
        if _BIDI_RE.search(written):
            return  # typed as it is: reported already
        char = _BIDI_RE.search(node.value).group()  # type: ignore[union-attr]
        _report_bidi(self.problems, self.path, node.start_mark.line + self.first_line, char,
                     node.start_mark.column + 1, "front matter (written as a backslash escape)")

    def value(self, node: Node, key_path: str) -> Any:
        self.count += 1
        if self.count > _MAX_NODES or self.depth > _MAX_DEPTH:
            raise _TooLarge(node.start_mark.line)  # alias bombs and recursive aliases end here
        self.depth += 1
        try:
            return self._value(node, key_path)
        finally:
            self.depth -= 1

    def _value(self, node: Node, key_path: str) -> Any:
        if node.tag not in _PLAIN_TAGS:
            self.problems.error(self.path, node.start_mark.line + self.first_line,
                                f"the YAML tag '{node.tag}' is not allowed",
                                "remove the '!' tag: front matter holds plain text, numbers, "
                                "lists and dates", column=node.start_mark.column + 1)
            return None
        self.parsed.lines.setdefault(key_path, node.start_mark.line + self.first_line)
        if isinstance(node, MappingNode):
            return self.mapping(node, key_path)
        if isinstance(node, SequenceNode):
            return [self.value(item, f"{key_path}[{i}]") for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        self.parsed.raw[key_path] = node.value
        if node.style in ("'", '"'):
            self.parsed.quoted.add(key_path)
            hidden = _CONTROL_RE.search(node.value) if node.style == '"' else None
            if hidden:  # written as an escape (\0, \e, \x07): not in the raw text checked
                self.parsed.raw.pop(key_path)
                self.problems.error(self.path, node.start_mark.line + self.first_line,
                                    f"an invisible control character (U+{ord(hidden.group()):04X}) "
                                    "is in this value, written as a backslash escape",
                                    "remove the escape (\\0, \\e, \\x.. or \\u..) from the text "
                                    "in quotes", column=node.start_mark.column + 1)
                return None
            if node.style == '"' and _BIDI_RE.search(node.value):
                self._escaped_bidi(node)
        if node.tag == _STR_TAG:
            return node.value  # the common case, without the constructor's overhead
        try:
            return self.loader.construct_object(node, deep=True)
        except Exception:  # noqa: BLE001 - a '!!' tag the value does not fit raises anything
            name = node.tag.rsplit(":", 1)[-1]  # (KeyError for !!bool maybe, ...)
            self.parsed.raw.pop(key_path, None)  # refused here: not "empty" again later
            if not self._tagged(node):  # YAML took it for a number it cannot hold
                shown = node.value if len(node.value) <= 40 else node.value[:40] + "..."
                self.problems.error(self.path, node.start_mark.line + self.first_line,
                                    f"'{shown}' ({len(node.value):,} characters) reads as a "
                                    "number too long to use",
                                    "put the value in quotes if it is text",
                                    column=node.start_mark.column + 1)
                return None
            self.problems.error(self.path, node.start_mark.line + self.first_line,
                                f"'{node.value}' cannot be read as a {name}, as its "
                                f"'!!{name}' tag asks", "remove the '!!' tag and write the "
                                "value plainly (in quotes if it is text)",
                                column=node.start_mark.column + 1)
            return None

    def _tagged(self, node: Node) -> bool:
        """Whether the file gives ``node`` a '!' tag (else YAML chose its type)."""
        source = getattr(self, "source", "")
        return source[node.start_mark.index:node.start_mark.index + 1] == "!"

    def mapping(self, node: MappingNode, key_path: str) -> dict[str, Any]:
        self.loader.flatten_mapping(node)
        merged = self.loader.merged.get(id(node), 0)
        result: dict[str, Any] = {}
        own: set[str] = set()  # keys written in this mapping, not merged in by '<<'
        for index, (key_node, value_node) in enumerate(node.value):
            line = key_node.start_mark.line + self.first_line
            if not isinstance(key_node, ScalarNode):
                self.problems.error(self.path, line, "a key must be a plain word",
                                    "write 'key: value'")
                continue
            key = str(key_node.value)
            child = f"{key_path}.{key}" if key_path else key
            if key in own:
                self.problems.error(
                    self.path, line, f"'{key}' is given twice (first at line "
                    f"{self.parsed.lines.get(child, '?')})",
                    "keep one of them: YAML would silently use only the last one",
                    column=key_node.start_mark.column + 1)
                continue
            if index >= merged:  # a merged key gives way to a later one, as YAML says
                own.add(key)
            self.parsed.lines[child] = line
            try:
                result[key] = self.value(value_node, child)
            except _TooLarge:
                if key_path:
                    raise
                # where the aliases are used, not the first of the values they repeat
                raise _TooLarge(key_node.start_mark.line, key) from None
            self.parsed.lines[child] = line
        return result


def _mapping_example(path: str, first_line: int) -> str:
    """What 'key: value' lines look like in this kind of file."""
    if path.endswith("site.yaml"):
        return "for example:\ntitle: \"My fact-check site\"\nbase_url: \"https://example.org\""
    if first_line == 1:  # a seed: the whole file is YAML
        return "for example:\nheadline: \"Headline of the article\"\npublisher: \"Example News\""
    return "for example:\ntitle: \"A headline\"\nverdict: \"false\""
