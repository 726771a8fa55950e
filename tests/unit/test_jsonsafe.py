"""anchor.jsonsafe (issue 19, item 1): untrusted JSON is refused past a nesting depth before it is parsed,
by a scan that is linear and agrees with the parser on every JSON text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
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


# -- the check parses with orjson first; it must decide exactly as the scan, and parse as json.loads ------

json_numbers = st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False, allow_infinity=False)
json_values = st.recursive(
    st.none() | st.booleans() | json_numbers | st.text(alphabet='[]{}"\\ab\u00e9\u5b00\ud7ff', max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4), inner, max_size=3)
    ),
    max_leaves=40,
)
# Texts mostly invalid: brackets, quotes, escapes, separators, numbers and literals in any order.
json_noise = st.text(alphabet='[]{}",:\\ 01-.eEnulNaI\u00e9', max_size=60)


@st.composite
def json_texts(draw: st.DrawFn) -> str | bytes:
    """Valid JSON (some of it deep), invalid JSON, and valid JSON cut or with a character slipped in."""
    kind = draw(st.sampled_from(["valid", "deep", "noise", "cut", "slipped", "json-only"]))
    if kind == "noise":
        text = draw(json_noise)
    elif kind == "deep":
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}"), ('[{"k":"]\\"[', "}]")]))
        depth = draw(st.integers(min_value=0, max_value=12))
        text = opener * depth + draw(st.sampled_from(["1", '"[["', "[]", "{}"])) + closer * depth
    elif kind == "json-only":  # what json.loads reads and orjson does not
        text = json.dumps([draw(json_values), draw(st.sampled_from([float("nan"), float("inf")]))])
    else:
        text = json.dumps(draw(json_values), ensure_ascii=draw(st.booleans()))
        if kind in ("cut", "slipped") and text:
            at = draw(st.integers(min_value=0, max_value=len(text) - 1))
            text = text[:at] if kind == "cut" else text[:at] + draw(st.sampled_from('[]{}"\\,:')) + text[at:]
    encoding = draw(st.sampled_from([None, "utf-8", "utf-16", "utf-32"]))
    return text if encoding is None else text.encode(encoding, errors="surrogatepass")


@given(json_texts(), st.integers(min_value=0, max_value=8))
def test_the_check_decides_exactly_as_the_scan(text: str | bytes, max_depth: int) -> None:
    refused_by_scan = nesting_depth(text, stop_after=max_depth) > max_depth
    try:
        value = jsonsafe.checked_value(text, max_depth=max_depth)
    except JsonDepthError:
        assert refused_by_scan
        return
    assert not refused_by_scan
    if value is not jsonsafe.UNPARSED:  # what the check parsed is what json.loads makes of the text
        assert json.dumps(value) == json.dumps(json.loads(text))


@given(json_values)
def test_a_parse_is_kept_unless_orjson_could_differ_from_json_loads(value: Any) -> None:
    text = json.dumps(value)
    kept = jsonsafe.checked_value(text)
    assert kept is jsonsafe.UNPARSED or json.dumps(kept) == text
    if "e+" not in text and not any(len(digits) > 18 for digits in re.findall(r"\d+", text)):
        assert kept is not jsonsafe.UNPARSED  # no large number: orjson's parse is used
    assert jsonsafe.loads(text) == json.loads(text)


@pytest.mark.parametrize("text", ["123456789012345678901234567890", "[-9223372036854775809]", '{"a": 1e19}'])
def test_integers_orjson_reads_as_floats_leave_the_parse_to_json_loads(text: str) -> None:
    assert jsonsafe.checked_value(text) is jsonsafe.UNPARSED
    assert jsonsafe.loads(text) == json.loads(text)


def test_orjson_refuses_100000_levels_cleanly_in_a_fresh_interpreter() -> None:
    # The parser the check runs first raises on deep input (its own limit: 1,024 levels); it must never crash.
    probe = (
        "import orjson\n"
        "for text in (b'[' * 100_000, b'[' * 100_000 + b']' * 100_000, b'{\"a\":' * 100_000 + b'1' + b'}' * 100_000):\n"
        "    try:\n"
        "        orjson.loads(text)\n"
        "    except orjson.JSONDecodeError:\n"
        "        print('refused')\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"the interpreter died ({result.returncode}):\n{result.stderr[-2000:]}"
    assert result.stdout.split() == ["refused"] * 3
