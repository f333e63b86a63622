"""How each kind of golden record is upserted: its slots (references to other records),
its child nodes, and the values derived from what was delivered.

A record's merged *state* is a JSON-safe dict: model properties (dates as ISO text), slots
(lists of ``{"label", "id", ...}`` targets) and child lists. The state is what is compared to
decide whether a delivery changed anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graph_schema import MODEL, NodeType, PropertyType, Relationship, Side
from graph_schema.survivorship import SURVIVING
from hub.domain.problems import INVALID_REFERENCE, Path, Problem

State = dict[str, Any]


@dataclass(frozen=True)
class Slot:
    """A relationship between the golden record and others, set from its input."""

    name: str
    rel: str
    inbound: bool  # (other)-[:rel]->(record) when True
    label: str | None  # None: targets of any kind (a document is about anything)
    many: bool = False
    # A reference and nothing more: the relationship takes no values from the delivery (a
    # vehicle's owner; not a contract's parties, each in a role).
    plain: bool = False
    description: str = ""  # of its input field


@dataclass(frozen=True)
class Child:
    """A list of child nodes the record owns (a partner's addresses, a contract's items),
    each linked by ``rel`` and written again when the list changes. Children ``keyed_by`` a
    property keep their identity (a contract item's UIID) instead of being made anew."""

    name: str
    rel: str
    label: str
    keyed_by: str | None = None


@dataclass(frozen=True)
class Link:
    """A relationship to a record named by a key the record keeps among its values (an
    identification object's ``itemUiid`` names the contract item it is issued under)."""

    name: str
    rel: str
    label: str
    key: str


def _no_defaults(state: State) -> None:
    return None


def _nothing_carried(base: State, merged: State) -> None:
    return None


def _nothing_to_settle(state: State, path: Path) -> list[Problem]:
    return []


_LISTS = frozenset({PropertyType.STRING_LIST, PropertyType.INTEGER_LIST})


_Written = tuple[Relationship, str, bool, Side]


def _written_sides(label: str) -> dict[str, list[_Written]]:
    """The sides of relationships a delivery of ``label`` writes, by input field: each with
    the label at the other end, whether it points away from the record, and the side."""
    found: dict[str, list[_Written]] = {}
    for rel in MODEL.relationships:
        for here, other, side, outbound in rel.sides():
            if here == label and side.input is not None:
                found.setdefault(side.input, []).append((rel, other, outbound, side))
    return found


@cache
def slots_of(label: str) -> tuple[Slot, ...]:
    """References to golden records a delivery sets (one label, or any where the model
    declares the input for several, as a document's ``about``)."""
    slots = []
    for name, ways in _written_sides(label).items():
        rel, other, outbound, side = ways[0]
        if rel.part or MODEL.is_part(other):
            continue
        target = other if len({o for _, o, _, _ in ways}) == 1 else None
        plain = not rel.shown
        many = rel.many(outbound)
        slots.append(Slot(name, rel.type, not outbound, target, many, plain, side.description))
    return tuple(slots)


@cache
def children_of(label: str) -> tuple[Child, ...]:
    """The lists of parts a delivery carries; a part with a natural key keeps its identity."""
    return tuple(
        Child(name, rel.type, other, keyed_by=_natural_key(other))
        for name, [(rel, other, _, _), *_] in _written_sides(label).items()
        if rel.part
    )


@cache
def links_of(label: str) -> tuple[Link, ...]:
    """References to another record's part by the key the record keeps among its values."""
    return tuple(
        Link(name, rel.type, other, MODEL.key_of(other))
        for name, [(rel, other, _, _), *_] in _written_sides(label).items()
        if not rel.part and MODEL.is_part(other)
    )


def _natural_key(label: str) -> str | None:
    key = MODEL.node(label).natural_key
    return key[0] if len(key) == 1 else None


@dataclass(frozen=True)
class Kind:
    """How a golden record is upserted. Its slots, children and links follow from the
    model's relationships (the sides with an ``input``)."""

    label: str
    match_natural_key: bool = True
    matched: bool = False  # duplicates are detected on arrival (hub.mastering)
    defaults: Callable[[State], None] = field(default=_no_defaults)  # values it derives
    # What a delivery does not replace: values processes set on children it lists again.
    carried: Callable[[State, State], None] = field(default=_nothing_carried)
    # Checks and completes a delivery's values once its references are resolved.
    settle: Callable[[State, Path], list[Problem]] = field(default=_nothing_to_settle)

    @property
    def slots(self) -> tuple[Slot, ...]:
        return slots_of(self.label)

    @property
    def children(self) -> tuple[Child, ...]:
        return children_of(self.label)

    @property
    def links(self) -> tuple[Link, ...]:
        return links_of(self.label)

    @property
    def survives(self) -> bool:
        """Its values survive from its sources by the rules of graph_schema.survivorship
        (else each comes from the latest delivery)."""
        return self.label in SURVIVING

    @property
    def node(self) -> NodeType:
        return MODEL.node(self.label)

    @property
    def natural_key(self) -> tuple[str, ...]:
        return self.node.natural_key

    def clearable(self, names: Iterable[str]) -> frozenset[str]:
        """Those of ``names`` that a delivery may clear by giving them as null: its values
        that are neither demanded nor part of the natural key (references and lists of
        parts are replaced by what is given, not cleared by name)."""
        values = {
            p.name
            for p in self.node.delivered_properties
            if not p.demanded and p.name not in self.natural_key
        }
        return frozenset(values.intersection(names))

    def merge(self, base: State, delivered: State) -> State:
        """Delivered values replace stored ones; a value not delivered (None) is kept."""
        merged = dict(base)
        merged.update({k: v for k, v in delivered.items() if v is not None})
        self.carried(base, merged)
        self.declared_defaults(merged)
        self.defaults(merged)
        return merged

    def declared_defaults(self, state: State) -> None:
        """What a record holds when no delivery said: the model's defaults, and empty lists
        of values, references and children."""
        for prop in self.node.properties:
            if prop.default is not None:
                state.setdefault(prop.name, prop.default)
            elif prop.delivered and prop.type in _LISTS:
                state.setdefault(prop.name, [])
        for name in (*(s.name for s in self.slots if s.many), *(c.name for c in self.children)):
            state.setdefault(name, [])


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _partner_defaults(state: State) -> None:
    if state.get("kind") == "PERSON":
        first, last = state.get("firstName") or "", state.get("lastName") or ""
        if _cjk(first + last):
            state["name"] = last + first  # Chinese names: family name first, no space
        else:
            state["name"] = " ".join(p for p in (first, last) if p)
    else:
        state["name"] = state.get("organizationName") or ""


BUSINESS_PARTNER = Kind(
    "BusinessPartner",
    match_natural_key=False,
    matched=True,
    defaults=_partner_defaults,
)


def _material_defaults(state: State) -> None:
    descriptions = state.get("descriptions") or []
    state["description"] = descriptions[0].get("text") if descriptions else None


MATERIAL = Kind(
    "Material",
    defaults=_material_defaults,
)
VEHICLE = Kind("Vehicle")


def _item_terminations(base: State, merged: State) -> None:
    """A contract delivered again keeps what processes did to its items: an item terminated
    stays terminated, ending no later than it did."""
    ended = {
        i.get("uiid"): i for i in base.get("items") or [] if i.get("terminationDate") is not None
    }
    if not ended or merged.get("items") is base.get("items"):
        return
    items = []
    for item in merged.get("items") or []:
        before = ended.get(item.get("uiid"))
        if before is None:
            items.append(item)
            continue
        ends = [d for d in (item.get("endDate"), before.get("endDate")) if d]
        end = min(ends) if ends else None
        items.append({**item, "terminationDate": before["terminationDate"], "endDate": end})
    merged["items"] = items


CONTRACT = Kind(
    "Contract",
    carried=_item_terminations,
)


# A delivered identification object's values hold the contract its item belongs to under
# this name, until the upsert settles it as the object's contract.
ITEM_CONTRACT = "itemContract"


def _contract_of_item(state: State, path: Path) -> list[Problem]:
    """An object issued under an item is issued under the item's contract: taken as its
    contract when none is named, refused when another is."""
    through = state.pop(ITEM_CONTRACT, None)
    if through is None:
        return []
    named = state.get("contract")
    if named is not None and named.get("id") != through.get("id"):
        message = f"item {state.get('itemUiid')} is not an item of the contract named"
        return [Problem((*path, "item"), INVALID_REFERENCE, message)]
    state["contract"] = through
    return []


def _issued_elsewhere(base: State, merged: State) -> None:
    """An object delivered under another contract without naming an item is no longer
    issued under the item of the contract it left."""
    item = base.get("itemUiid")
    if item and merged.get("itemUiid") == item and merged.get("contract") != base.get("contract"):
        merged["itemUiid"] = None


def _unblocked(state: State) -> None:
    """An object that is not blocked has no reason to be."""
    if state.get("status") != "BLOCKED" and state.get("blockedReason") is not None:
        state["blockedReason"] = None


IDENTIFICATION_OBJECT = Kind(
    "IdentificationObject",
    settle=_contract_of_item,
    carried=_issued_elsewhere,
    defaults=_unblocked,
)
DOCUMENT = Kind("Document")
PROJECT = Kind("Project")

KINDS = {
    k.label: k
    for k in (
        BUSINESS_PARTNER,
        MATERIAL,
        VEHICLE,
        CONTRACT,
        IDENTIFICATION_OBJECT,
        DOCUMENT,
        PROJECT,
    )
}
assert tuple(KINDS) == MODEL.golden_labels, "a kind for every golden record, in the model's order"
