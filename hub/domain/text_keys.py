"""The search and sort keys a record keeps beside its searchable and collated texts.

Writes keep them current (:mod:`hub.domain.upsert`); :mod:`hub.domain.rekeying` keys the
records stored before, or under another ``HUB_COLLATION``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph_schema.model import KEYS_VERSION, NodeType, search_key_of, sort_key_of
from hub.collation import CollationName, sort_key
from hub.search_text import search_key

# Raised when what the keys hold changes, so that every stored key is written again: 2,
# vehicles, materials, documents, projects key every source's values; 3, letters without a
# decomposition (ł, ø, æ, đ) are reduced to Latin ones; 4, Chinese characters are spelt in
# pinyin also with each run's syllables joined (北京 as beijing); 5, numbers in a sort key sort
# by value and Chinese characters by their pinyin, and a document's revision has one.
VERSION = 5


def text_keys(
    node: NodeType,
    values: Mapping[str, Any],
    collation: CollationName,
    sources: Iterable[Mapping[str, Any]] = (),
    only_given: bool = False,
) -> dict[str, Any]:
    """The keys of a record with ``values``; what each of its ``sources`` says is searchable
    too. With ``only_given``, only the keys of the values given (a partial update)."""
    said = list(sources)
    keys: dict[str, Any] = {}
    for prop in node.properties:
        if only_given and prop.name not in values:
            continue
        value = values.get(prop.name)
        if prop.searchable:
            spelt = [value, *(source.get(prop.name) for source in said)]
            keys[search_key_of(prop.name)] = search_key(v for v in spelt if isinstance(v, str))
        if prop.collated:
            keys[sort_key_of(prop.name)] = sort_key(value, collation)
    return keys


def child_text_keys(
    node: NodeType, values: Mapping[str, Any], collation: CollationName
) -> dict[str, Any]:
    """:func:`text_keys` of a child record, with the version they were made by."""
    keys = text_keys(node, values, collation)
    return {**keys, KEYS_VERSION: VERSION} if keys else keys
