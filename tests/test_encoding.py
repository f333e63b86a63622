"""The hub's JSON: the same text as the standard library, faster."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub import encoding
from hub.domain.upsert import _as_json, canonical_json

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: orjson refuses those, the fall-back writes them
    # Below 1e-4 orjson spells some floats otherwise (0.00001 for 1e-05): see below.
    | st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x == 0 or abs(x) >= 1e-4)
    | st.text()  # any code point, lone surrogates and control characters included
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def _standard(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_as_json
    )


@dataclasses.dataclass
class _Reference:
    system: str
    key: str
    path: tuple[str, ...] = ("input",)


@given(_VALUES)
def test_canonical_text_is_what_the_standard_library_writes(value: Any) -> None:
    assert canonical_json(value) == _standard(value)


@given(_VALUES)
def test_decoding_reads_back_what_was_encoded(value: Any) -> None:
    assert encoding.loads(canonical_json(value)) == json.loads(_standard(value))


@pytest.mark.parametrize("number", [-(2**63) - 1, 2**64, 10**30, -(10**25)])
def test_integers_beyond_64_bits_read_back_exactly(number: int) -> None:
    text = canonical_json({"values": [number, "x"]})
    assert encoding.loads(text) == {"values": [number, "x"]}
    assert encoding.loads(text.encode()) == {"values": [number, "x"]}


def test_unresolved_references_are_encoded_by_what_they_name() -> None:
    value = {"owner": _Reference("CRM", "P-1", ("input", "owner")), "vin": "WBA"}
    assert canonical_json(value) == _standard(value)
    assert '"path"' not in canonical_json(value)


def test_a_value_json_cannot_hold_is_refused_as_before() -> None:
    with pytest.raises(TypeError, match="datetime is not JSON"):
        canonical_json({"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})


def test_what_orjson_refuses_to_read_is_read_as_the_standard_library_reads_it() -> None:
    assert encoding.loads('{"n": NaN, "big": 123456789012345678901234567890}')["big"] == (
        123456789012345678901234567890
    )
    with pytest.raises(json.JSONDecodeError):
        encoding.loads("{not json")


def test_tiny_floats_keep_their_value_in_another_spelling() -> None:
    # The model's delivered kinds have no float property; a float from elsewhere still reads
    # back as the same number.
    assert canonical_json({"x": 1e-05}) == '{"x":0.00001}'
    assert encoding.loads(canonical_json({"x": 1e-05})) == {"x": 1e-05}


def test_responses_are_compact_utf8() -> None:
    assert encoding.dumps({"name": "Müller 王", "n": [1, None]}) == (
        '{"name":"Müller 王","n":[1,null]}'.encode()
    )
