"""Front matter splitting and YAML reading: every trap becomes a located problem."""

from __future__ import annotations

from site_builder.frontmatter import parse_document, parse_yaml_file
from site_builder.problems import Problems


def parse(data: bytes):
    problems = Problems()
    return parse_document(data, "content/claims/x.md", problems), problems


def only_error(problems: Problems):
    assert len(problems.errors) == 1, [p.as_text() for p in problems.items]
    return problems.errors[0]


def test_lines_are_file_lines_including_the_opening_dashes():
    parsed, problems = parse(b"---\ntitle: A\nsource:\n  url: https://x.org\n---\nbody\n")
    assert not problems.items
    assert parsed.line("title") == 2
    assert parsed.line("source.url") == 4
    assert parsed.body == "body\n" and parsed.body_line == 6


def test_bom_and_crlf_are_accepted():
    parsed, problems = parse(b"\xef\xbb\xbf---\r\ntitle: A\r\n---\r\nbody\r\n")
    assert not problems.items
    assert parsed.data == {"title": "A"} and parsed.body == "body\n"


def test_yaml_syntax_error_points_at_the_file_line_with_a_hint():
    _, problems = parse(b"---\ntitle: ok\nclaim: Trump: no\n---\n")
    error = only_error(problems)
    assert error.line == 3
    assert "quoted" in error.hint


def test_unclosed_quote_is_explained():
    _, problems = parse(b'---\ntitle: "abc\nverdict: false\n---\n')
    assert "quote" in only_error(problems).hint


def test_tab_indentation_is_an_error_at_its_line():
    _, problems = parse(b"---\nsource:\n\tpublisher: X\n---\n")
    error = only_error(problems)
    assert error.line == 3 and "tab" in error.message and "spaces" in error.hint


def test_duplicate_keys_are_an_error_not_silently_merged():
    _, problems = parse(b"---\ntitle: One\nverdict: 'false'\ntitle: Two\n---\n")
    error = only_error(problems)
    assert error.line == 4 and "title" in error.message and "line 2" in error.message


def test_missing_closing_dashes():
    _, problems = parse(b"---\ntitle: A\nbody text\n")
    assert "never closed" in only_error(problems).message


def test_no_front_matter_and_empty_file():
    _, problems = parse(b"just text\n")
    assert "does not start with front matter" in only_error(problems).message
    _, problems = parse(b"")
    assert "empty" in only_error(problems).message


def test_non_utf8_names_the_line():
    _, problems = parse(b"---\ntitle: ok\nclaim: caf\xe9\n---\n")
    error = only_error(problems)
    assert error.line == 3 and "UTF-8" in error.message


def test_control_characters_in_front_matter_are_located():
    _, problems = parse(b"---\ntitle: ok\nclaim: a\x0bb\n---\n")
    error = only_error(problems)
    assert error.line == 3 and error.column == 9 and "U+000B" in error.message


def test_control_characters_in_body_are_removed_with_a_warning():
    parsed, problems = parse(b"---\ntitle: ok\n---\nline\nbad\x08here\n")
    assert not problems.errors
    assert problems.warnings[0].line == 5
    assert parsed.body == "line\nbadhere\n"


def test_dates_stay_text_and_yes_no_are_not_booleans():
    parsed, problems = parse(b"---\npublished: 2024-02-30\nverdict: no\ndraft: true\n---\n")
    assert not problems.items
    assert parsed.data == {"published": "2024-02-30", "verdict": "no", "draft": True}


def test_raw_scalars_are_kept_as_written():
    parsed, _ = parse(b"---\nversion: 1.10\nverdict: false\n---\n")
    assert parsed.raw["version"] == "1.10" and parsed.raw["verdict"] == "false"


def test_python_tags_never_execute():
    _, problems = parse(b"---\ntitle: !!python/object/apply:os.system ['echo hi']\n---\n")
    assert problems.errors  # refused by the safe loader, reported, not run


def test_recursive_aliases_do_not_hang_or_crash():
    _, problems = parse(b"---\na: &a [*a]\n---\n")
    assert problems.errors


def test_plain_yaml_file_lines_start_at_one():
    problems = Problems()
    parsed = parse_yaml_file(b"headline: A\nurl: x\n", "seeds/a.yaml", problems)
    assert parsed.line("url") == 2


def test_the_cheap_nesting_bound_never_misses_a_file_too_deep():
    """The quick look that spares most files the second read of the nesting
    check must say "maybe" for every text nested past the limit, whatever the
    style: block, flow, compact ('- - - x') or mixed, at any indentation."""
    import random

    import yaml

    from site_builder.frontmatter import _MAX_DEPTH, _could_be_too_deep

    def depth_of(text: str) -> int:
        depth = deepest = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            depth += isinstance(event, yaml.CollectionStartEvent)
            depth -= isinstance(event, yaml.CollectionEndEvent)
            deepest = max(deepest, depth)
        return deepest

    def nested(depth: int, rng: random.Random) -> object:
        value: object = "x"
        for _ in range(depth):
            value = [value] if rng.random() < 0.5 else {rng.choice("ab-:?"): value}
        return value

    rng = random.Random(7)
    too_deep = 0
    for case in range(300):
        depth = rng.randint(_MAX_DEPTH - 3, _MAX_DEPTH + 3)
        text = yaml.safe_dump({"evidence": nested(depth, rng)}, indent=rng.randint(2, 4),
                              default_flow_style=rng.choice([False, True, None]), width=10**6)
        if case % 3 == 0:  # compact block lists, many levels on one line
            text = "evidence:\n" + "- " * (depth + 1) + "x\n"
        if depth_of(text) > _MAX_DEPTH:
            too_deep += 1
            assert _could_be_too_deep(text), text[:200]
    assert too_deep > 100  # the cases do reach past the limit
