"""Random and mangled front matter never crashes the loader or validation."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import claim_text, write_site
from site_builder.build import check
from site_builder.frontmatter import parse_document
from site_builder.load import Sources
from site_builder.problems import Problems

VALID = claim_text().encode()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_arbitrary_bytes_only_ever_give_problems(data: bytes):
    problems = Problems()
    parsed = parse_document(data, "content/claims/x.md", problems)
    assert parsed.ok or problems.errors
    for problem in problems.items:
        assert problem.line >= 1 and problem.message


YAMLISH = st.lists(st.sampled_from(list("ab:- \t\n'\"#[]{}&*!|>%@`,?0123456789")
                                   + ["---", "\r\n", "\ufeff", "\x07", "é"]),
                   max_size=120).map("".join)


@settings(max_examples=300, deadline=None)
@given(YAMLISH)
def test_yaml_like_noise_in_front_matter_only_gives_problems(noise: str):
    problems = Problems()
    parse_document(f"---\n{noise}\n---\nbody\n".encode("utf-8", "surrogatepass"),
                   "content/claims/x.md", problems)
    lines = 3 + noise.count("\n") + noise.count("\r")
    assert all(1 <= p.line <= lines + 1 for p in problems.items)


@st.composite
def mangled(draw) -> bytes:
    """A valid claim with random lines deleted, duplicated or corrupted."""
    lines = VALID.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["drop", "dup", "tab", "noise", "value"]))
        if action == "drop":
            lines.pop(i)
        elif action == "dup":
            lines.insert(i, lines[i])
        elif action == "tab":
            lines[i] = b"\t" + lines[i]
        elif action == "noise":
            lines[i] = lines[i] + draw(st.binary(max_size=8))
        else:
            key = lines[i].split(b":")[0]
            lines[i] = key + b": " + draw(st.sampled_from(
                [b"no", b"[", b"{a: b}", b"2024-13-45", b"- x", b"!!python/none", b"*x", b""]))
        if not lines:
            break
    return b"\n".join(lines)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mangled())
def test_whole_pipeline_reports_mangled_claims_without_raising(tmp_path_factory, data: bytes):
    root = tmp_path_factory.mktemp("site")
    content = write_site(root, claims={"ok": claim_text()}, extra={"content/claims/x.md": data})
    result = check(Sources.at(content))
    for problem in result.problems.items:
        assert problem.path and problem.line >= 1
    if result.problems.errors:
        assert any(p.path.endswith("claims/x.md") for p in result.problems.errors)
