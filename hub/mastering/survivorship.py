"""Golden values from source records, by the rules of :mod:`graph_schema.survivorship`, with
the lineage of every value."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from graph_schema import survivorship as rules
from hub.search_text import fold

State = dict[str, Any]


@dataclass(frozen=True)
class SourceValues:
    """What one source record says: its key, when it was received (ISO text) and its values."""

    system: str
    key: str
    received_at: str
    state: State


@dataclass(frozen=True)
class Lineage:
    attribute: str
    value: Any
    source: SourceValues | None  # None: a steward's override (or several sources, for a union)
    overridden: bool
    others: tuple[tuple[SourceValues, Any], ...]  # what the other sources say


def _ranked(attribute: str, sources: list[SourceValues], kind: rules.Rules) -> list[SourceValues]:
    """Real values before placeholders, then the most trusted first, then the latest, then
    the most complete (stable sorts, last key first)."""
    if len(sources) < 2:  # most attributes of most records: nothing to rank
        return sources
    order = kind.order(attribute)

    def trust(source: SourceValues) -> int:
        return order.index(source.system) if source.system in order else len(order)

    def completeness(source: SourceValues) -> int:
        return len(json.dumps(source.state.get(attribute), ensure_ascii=False))

    ranked = sorted(sources, key=completeness, reverse=True)
    ranked.sort(key=lambda source: source.received_at, reverse=True)
    ranked.sort(key=trust)
    placeholders = kind.placeholders.get(attribute)
    if placeholders:
        ranked.sort(key=lambda source: source.state.get(attribute) in placeholders)
    return ranked


def _uncut(ranked: list[SourceValues], attribute: str) -> SourceValues:
    """The first source of ``ranked``, or the one whose value continues its value where a
    field limit cut that short (see :data:`graph_schema.survivorship.CUT_LENGTHS`)."""
    first = ranked[0]
    value = first.state[attribute]
    if not isinstance(value, str) or len(value) not in rules.CUT_LENGTHS or len(ranked) < 2:
        return first
    short = fold(value)
    longer = [
        s
        for s in ranked[1:]
        if isinstance(s.state[attribute], str)
        and len(folded := fold(s.state[attribute])) > len(short)
        and folded.startswith(short)
    ]
    return max(longer, key=lambda s: len(s.state[attribute]), default=first)


def _union(values: list[Any]) -> list[Any]:
    merged: list[Any] = []
    for value in values:
        for item in value:
            if item not in merged:
                merged.append(item)
    return sorted(merged, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))


def _followers(sources: list[SourceValues], kind: rules.Rules) -> dict[str, SourceValues]:
    """For the attributes that come with another (``Rules.together``): the source that
    supplies the first of their group."""
    follows: dict[str, SourceValues] = {}
    for group in kind.together:
        first = [s for s in sources if s.state.get(group[0]) is not None]
        ranked = _ranked(group[0], first, kind)
        if ranked:
            follows.update((attribute, ranked[0]) for attribute in group[1:])
    return follows


def _one_field_name(source: SourceValues, sources: list[SourceValues]) -> SourceValues:
    """``source``, with a person's name that a system keeps in one field ("MUELLER, HANS"
    as the last name, no first name) read as its last and first name. Where a field limit
    cut that name (see :data:`graph_schema.survivorship.CUT_LENGTHS`) and another source's
    first name continues what is left of it, the source says no first name."""
    state = source.state
    whole = state.get("lastName")
    if (
        state.get("kind") != "PERSON"
        or state.get("firstName")
        or not isinstance(whole, str)
        or "," not in whole
    ):
        return source
    last, _, first = (part.strip() for part in whole.partition(","))
    if not (last and first):
        return source
    named = {**state, "lastName": last}
    if len(whole) not in rules.CUT_LENGTHS or not _continued(first, sources):
        named["firstName"] = first
    return SourceValues(source.system, source.key, source.received_at, named)


def _continued(first: str, sources: list[SourceValues]) -> bool:
    short = fold(first)
    return any(
        isinstance(other := s.state.get("firstName"), str)
        and len(folded := fold(other)) > len(short)
        and folded.startswith(short)
        for s in sources
    )


def survive(
    sources: list[SourceValues],
    overrides: dict[str, Any] | None = None,
    label: str = "BusinessPartner",
) -> tuple[State, list[Lineage]]:
    """The golden values of a record of ``label`` and where each came from."""
    kind = rules.rules_of(label)
    if label == "BusinessPartner":
        sources = [_one_field_name(source, sources) for source in sources]
    overrides = overrides or {}
    attributes = sorted(
        {a for s in sources for a, v in s.state.items() if v is not None} | set(overrides)
    )
    state: State = {}
    lineage = []
    follows = _followers(sources, kind)
    for attribute in attributes:
        given = [s for s in sources if s.state.get(attribute) is not None]
        ranked = _ranked(attribute, given, kind)
        if attribute in follows and attribute not in overrides:
            lead = follows[attribute]
            if not any(s is lead for s in ranked):  # its group's source has none
                continue
            ranked = [lead, *(s for s in ranked if s is not lead)]
        if attribute in overrides:
            value, source, overridden = overrides[attribute], None, True
        elif attribute in kind.union and ranked:
            value = _union([s.state[attribute] for s in ranked])
            source, overridden = (ranked[0] if len(ranked) == 1 else None), False
        elif ranked:
            # An attribute that comes with another keeps its group's source.
            source = ranked[0] if attribute in follows else _uncut(ranked, attribute)
            value, overridden = source.state[attribute], False
        else:
            continue
        if value is None:
            continue
        state[attribute] = value
        others = tuple((s, s.state[attribute]) for s in ranked if s is not source)
        lineage.append(Lineage(attribute, value, source, overridden, others))
    return state, lineage
