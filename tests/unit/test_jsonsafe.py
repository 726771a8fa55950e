"""anchor.jsonsafe (issue 19, item 1): untrusted JSON is refused past a nesting depth before it is parsed,
by a scan that is linear and agrees with the parser on every JSON text."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anchor import jsonsafe
from anchor.credentials.qr import COMPACT_PREFIX, b45encode, decode_compact
from anchor.errors import ConfigurationError
from anchor.jsonsafe import MAX_DEPTH, JsonDepthError, check_depth, nesting_depth

json_documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\u00e9\u5b00', max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4), inner, max_size=3)
    ),
    max_leaves=30,
)


def depth_of(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(depth_of, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()), default=0)
    return 0


@given(json_documents, st.sampled_from(["utf-8", "utf-16", "utf-32"]), st.booleans())
def test_the_scan_measures_what_the_parser_nests(document: Any, encoding: str, ascii_only: bool) -> None:
    # Brackets and quotes inside strings (escaped or not, and in UTF-16 code units like U+5B00) do not count.
    text = json.dumps(document, ensure_ascii=ascii_only)
    assert nesting_depth(text) == depth_of(document)
    assert nesting_depth(text.encode(encoding)) == depth_of(document)


@pytest.mark.parametrize("depth", [MAX_DEPTH, MAX_DEPTH + 1])
def test_loads_refuses_past_the_limit_only(depth: int) -> None:
    text = "[" * depth + "]" * depth
    if depth <= MAX_DEPTH:
        assert depth_of(jsonsafe.loads(text)) == depth
    else:
        with pytest.raises(JsonDepthError, match=f"more than {MAX_DEPTH} levels deep") as caught:
            jsonsafe.loads(text, what="the test file")
        assert isinstance(caught.value, ValueError) and "the test file" in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000,  # unterminated: the scan stops at the first bracket past the limit
        '{"a":' * 100_000 + "1" + "}" * 100_000,
        '[{"x": [' * 30_000,
        "[" * 65 + '"' + "]" * 65,  # an unterminated string hides the closers, not the openers
    ],
)
def test_deep_shapes_are_refused_without_recursing(text: str) -> None:
    with pytest.raises(JsonDepthError):
        check_depth(text)


def test_a_qr_text_that_inflates_to_nested_brackets_is_refused() -> None:
    # ~400 characters that inflate to 200 KB of brackets, under the 256 KiB cap (issue 19).
    text = COMPACT_PREFIX + b45encode(zlib.compress(b"[" * 200_000, 9))
    assert len(text) < 1000
    with pytest.raises(ConfigurationError, match="levels deep"):
        decode_compact(text)


def test_a_credential_file_nested_too_deep_is_refused_by_the_cli(tmp_path: Path) -> None:
    from anchor.cli.common import read_credential

    path = tmp_path / "deep.json"
    path.write_text('{"credentialSubject": ' * 5000 + "1" + "}" * 5000, encoding="utf-8")
    with pytest.raises(ConfigurationError, match=f"cannot read a credential from {path}: .*more than 64 levels"):
        read_credential(path)
