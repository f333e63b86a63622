"""The API follows from the model's declarations: the upsert inputs, the delivery checks,
the filters, sort keys and facets; and the output types show every declared value."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
)

from graph_schema import MODEL, Form, Property, PropertyType
from hub.api import build_schema
from hub.domain.deliveries import BUILDERS
from hub.domain.kinds import KINDS
from hub.domain.references import Ref
from hub.domain.shapes import INPUTS
from hub.read.filters import WHERE_LABELS
from hub.read.relations import RELATIONS, SOURCES
from loaders.generate import generate, systems
from loaders.load import Loader
from tests.harness import RunningHub, ok, vin_for
from tests.test_documents import document, offer
from tests.test_stewardship import MERGE, partner, person_values
from tests.test_vehicles import vehicle

SCHEMA = build_schema()._schema


def _type(name: str) -> Any:
    return SCHEMA.get_type(name)


@pytest.mark.parametrize("label", WHERE_LABELS)
def test_every_declared_filterable_sortable_or_facet_property_is_in_the_api(label: str) -> None:
    node = MODEL.node(label)
    where = _type(f"{label}Where")
    assert isinstance(where, GraphQLInputObjectType)
    for prop in node.properties:
        assert (prop.name in where.fields) == prop.filterable, prop.name
    sort_fields = _type(f"{label}SortField")
    assert isinstance(sort_fields, GraphQLEnumType)
    assert {v.value for v in sort_fields.values.values()} == {
        p.name for p in node.properties if p.sortable
    }
    facets = _type(f"{label}Facets")
    assert isinstance(facets, GraphQLObjectType)
    assert set(facets.fields) - {"total"} == {p.name for p in node.properties if p.facet}


DOCUMENTS = """
query($where: DocumentWhere, $orderBy: [DocumentOrderBy!]) {
  documents(where: $where, orderBy: $orderBy) { edges { node { revision title } } }
}
"""


def test_documents_sort_by_any_declared_key(hub: RunningHub, unique: str) -> None:
    for revision, title in (("A", "Zubehör"), ("B", "Angebot"), ("C", "Ölwechsel")):
        made = document(hub, {**offer(unique, revision), "title": title})
        assert made["userErrors"] == []
    mine = {"number": {"eq": f"TO-{unique}"}}
    by_title = ok(hub, DOCUMENTS, {"where": mine, "orderBy": [{"field": "TITLE"}]})
    titles = [e["node"]["title"] for e in by_title["documents"]["edges"]]
    assert titles == ["Angebot", "Ölwechsel", "Zubehör"]  # Ö sorts as O
    newest = ok(
        hub, DOCUMENTS, {"where": mine, "orderBy": [{"field": "REVISION", "direction": "DESC"}]}
    )
    assert [e["node"]["revision"] for e in newest["documents"]["edges"]] == ["C", "B", "A"]


def test_every_property_the_store_keeps_is_declared(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    world = tmp_path / "world"
    generate(world, 12, seed=5, duplicate_rate=0.5)
    loader = Loader(hub.store, "CRM", tmp_path / "rejects.ndjson", files=hub.services.files)
    hub.run(loader.load(list(systems(world))))
    first = partner(hub, "CRM", f"A-{unique}", **person_values(unique, 1))
    second = partner(hub, "ERP", f"B-{unique}", **person_values(unique, 2))
    car = {"source": {"system": "VMS", "key": f"V-{unique}"}, "vin": vin_for(unique)}
    car["owner"] = {"source": {"system": "ERP", "key": f"B-{unique}"}}
    assert vehicle(hub, car)["userErrors"] == []  # moved to the survivor by the merge
    merge = {
        "survivor": {"id": first["businessPartner"]["id"]},
        "merged": [{"id": second["businessPartner"]["id"]}],
    }
    assert ok(hub, MERGE, {"input": merge})["mergeBusinessPartners"]["userErrors"] == []
    labels = [node.label for node in MODEL.nodes]
    found = hub.run(
        hub.store.query(
            "MATCH (n) WHERE head(labels(n)) IN $labels "
            "UNWIND keys(n) AS k RETURN head(labels(n)) AS label, collect(DISTINCT k) AS keys",
            {"labels": labels},
        )
    )
    undeclared = {
        row["label"]: sorted(
            set(row["keys"])
            - set(MODEL.node(row["label"]).property_names)
            - set(MODEL.node(row["label"]).derived_keys)
        )
        for row in found
    }
    assert {label: keys for label, keys in undeclared.items() if keys} == {}
    relationships = hub.run(
        hub.store.query(
            "MATCH ()-[r]->() UNWIND keys(r) AS k RETURN type(r) AS type, collect(DISTINCT k) AS keys"
        )
    )
    declared: dict[str, set[str]] = {}
    for relationship in MODEL.relationships:
        declared.setdefault(relationship.type, set()).update(
            p.name for p in relationship.properties
        )
    stray = {
        row["type"]: sorted(set(row["keys"]) - declared.get(row["type"], set()))
        for row in relationships
    }
    assert {kind: keys for kind, keys in stray.items() if keys} == {}


@pytest.mark.parametrize("label", list(INPUTS))
def test_every_property_a_delivery_sets_is_a_field_of_its_input(label: str) -> None:
    fields = _type(f"{label}Input").fields
    for prop in MODEL.node(label).properties:
        assert (prop.name in fields) == prop.delivered, prop.name
        if prop.delivered:
            assert isinstance(fields[prop.name].type, GraphQLNonNull) == prop.demanded, prop.name


# Output types that show a record of the model, and the children shown inside them.
SHOWN = (*INPUTS, "Address", "VehicleEvent", "ContractItem", "ContractChange")


@pytest.mark.parametrize("label", SHOWN)
def test_every_declared_value_is_shown_and_every_shown_value_is_declared(label: str) -> None:
    output = _type(label)
    values = {
        name
        for name, field in output.fields.items()
        if isinstance(get_named_type(field.type), GraphQLScalarType | GraphQLEnumType)
    }
    for prop in MODEL.node(label).record_properties:
        if prop.exposed_as is None:
            assert prop.name in values, f"{label}.{prop.name} is declared but not shown"
        else:
            assert prop.exposed_as in output.fields, f"{label}.{prop.name}: no {prop.exposed_as}"
    declared = {p.name for p in MODEL.node(label).record_properties if p.exposed_as is None}
    assert values - {"id"} <= declared, f"{label} shows values the model does not declare"


def sample(label: str, prop: Property, unique: str) -> Any:
    """A valid value of ``prop`` that no other test delivers."""
    if prop.values is not None:
        members = list(prop.values.__members__)
        chosen = "PERSON" if prop.name == "kind" and label == "BusinessPartner" else members[-1]
        if (label, prop.name) == ("IdentificationObject", "status"):
            chosen = "BLOCKED"  # EXPIRED follows from validTo: no delivery says it
        # A list of values is kept as a set, in order.
        return (
            sorted({members[0], members[-1]}) if prop.type is PropertyType.STRING_LIST else chosen
        )
    forms = {
        Form.VIN: vin_for(unique),
        Form.EMAIL: f"m.{unique}@example.org",
        Form.PHONE: "+4930123456",
        Form.COUNTRY: "AT",
        Form.CODE: f"C{unique}".upper(),
        Form.MATERIAL: f"M-{unique}",
    }
    if prop.form is not None:
        return forms[prop.form]
    typed: dict[PropertyType, Any] = {
        PropertyType.STRING: f"{prop.name} {unique}",
        PropertyType.STRING_LIST: [f"A-{unique}", f"B-{unique}"],
        PropertyType.INTEGER: (prop.minimum or 0) + 100,
        PropertyType.DATE: "2020-02-29",
    }
    return typed[prop.type]


UPSERT = """
mutation($input: %(label)sInput!) {
  upsert%(label)s(input: $input) { %(payload)s { id } userErrors { field code message } }
}
"""
READ = "query($id: ID!) { node(id: $id) { ... on %s { %s } } }"


@pytest.mark.parametrize("label", list(INPUTS))
def test_every_value_a_delivery_sets_is_kept_and_read_back(
    hub: RunningHub, unique: str, label: str
) -> None:
    delivered = MODEL.node(label).delivered_properties
    values = {prop.name: sample(label, prop, unique) for prop in delivered}
    source = {"system": "CRM", "key": f"{label}-{unique}"}
    payload = label[0].lower() + label[1:]
    made = ok(
        hub, UPSERT % {"label": label, "payload": payload}, {"input": {"source": source, **values}}
    )
    result = made[f"upsert{label}"]
    assert result["userErrors"] == []
    names = " ".join(prop.name for prop in delivered)
    found = ok(hub, READ % (label, names), {"id": result[payload]["id"]})["node"]
    assert found == values


@pytest.mark.parametrize("label", list(INPUTS))
def test_every_property_a_delivery_must_carry_is_refused_blank_naming_it(label: str) -> None:
    delivered = MODEL.node(label).delivered_properties
    full = {prop.name: sample(label, prop, "BLANK") for prop in delivered}
    source = {"system": "CRM", "key": "K"}
    for prop in (p for p in delivered if p.demanded):
        blank: Any = [] if prop.type is PropertyType.STRING_LIST else "  "
        if prop.values is not None:
            blank = None
        _, problems = BUILDERS[label]({"source": source, **full, prop.name: blank}, ("input",))
        assert [(p.path, p.code) for p in problems] == [(("input", prop.name), "REQUIRED")]


def _follows_the_model(rel: str, source: str, target: str) -> bool:
    return any(
        r.type == rel and source in (r.source, "*") and target in (r.target, "*")
        for r in MODEL.relationships
    )


def test_every_slot_and_child_writes_a_relationship_the_model_declares() -> None:
    for kind in KINDS.values():
        for slot in kind.slots:
            other = slot.label or "*"
            ends = (other, kind.label) if slot.inbound else (kind.label, other)
            assert _follows_the_model(slot.rel, *ends), f"{kind.label}.{slot.name}"
        for child in kind.children:
            assert _follows_the_model(child.rel, kind.label, child.label), child.name


_HOP = re.compile(r"\(([^()]*)\)|(<?-)\[[^\]]*:([A-Z_]+)\]-")


def _hops(pattern: str, parent: str) -> list[tuple[str, str, str]]:
    """The relationships a read pattern follows, as (type, from label, to label); ``*`` for
    a node of any label."""
    nodes: list[str] = []
    arrows: list[tuple[str, bool]] = []
    for node, left, rel in _HOP.findall(pattern):
        if rel:
            arrows.append((rel, left != "<-"))
        elif node.startswith("{p}"):
            nodes.append(parent)
        else:
            nodes.append(node.partition(":")[2].split(" ")[0] or "*")
    return [
        (rel, a, b) if forwards else (rel, b, a)
        for (rel, forwards), (a, b) in zip(arrows, itertools.pairwise(nodes), strict=True)
    ]


def test_every_read_relation_follows_relationships_the_model_declares() -> None:
    relations = {**RELATIONS, **{(label, "sources"): r for label, r in SOURCES.items()}}
    for (parent, name), relation in relations.items():
        for rel, source, target in _hops(relation.pattern, parent):
            assert _follows_the_model(rel, source, target), f"{parent}.{name}: {rel}"


# Reads the API shows under a field of another name (BusinessPartner.relationships, with
# its filters, reads both directions).
_READ_UNDER_ANOTHER_NAME = {("BusinessPartner", "relatedTo"), ("BusinessPartner", "relatedFrom")}


def test_every_relationship_read_the_model_declares_is_a_field_of_its_type() -> None:
    for rel in MODEL.relationships:
        for label, _, side, _ in rel.sides():
            if side.field is None or (label, side.field) in _READ_UNDER_ANOTHER_NAME:
                continue
            output = _type(label)
            assert output is not None and side.field in output.fields, f"{label}.{side.field}"
            relation = SOURCES[label] if side.field == "sources" else RELATIONS[label, side.field]
            assert f":{rel.type}]" in relation.pattern, f"{label}.{side.field}"


def test_every_relationship_a_delivery_sets_is_a_field_of_its_input_or_a_kept_key() -> None:
    declared = set()
    for rel in MODEL.relationships:
        for label, other, side, _ in rel.sides():
            if side.input is None:
                continue
            declared.add((label, side.input))
            if MODEL.is_part(other) and not rel.part:
                assert side.input in MODEL.node(label).property_names, side.input
            else:
                assert side.input in _type(f"{label}Input").fields, f"{label}.{side.input}"
    written = {
        (kind.label, name)
        for kind in KINDS.values()
        for name in [s.name for s in kind.slots]
        + [c.name for c in kind.children]
        + [link.name for link in kind.links]
    }
    assert written == declared


def test_a_side_declared_with_a_field_and_an_input_becomes_a_read_and_a_slot() -> None:
    """What one declaration gives: a read for the API and a reference for the upsert."""
    owns = next(r for r in MODEL.relationships if r.type == "OWNS")
    assert owns.backward is not None and owns.backward.input == "owner"
    (slot,) = (s for s in KINDS["Vehicle"].slots if s.rel == "OWNS")
    assert (slot.name, slot.inbound, slot.label, slot.many) == (
        "owner",
        True,
        "BusinessPartner",
        False,
    )
    vehicles = RELATIONS["BusinessPartner", "vehicles"]
    assert vehicles.pattern == "({p})-[:OWNS]->({x}:Vehicle)"
    assert (vehicles.order, vehicles.paged) == (("x.vin", "x.id"), True)
    parties = RELATIONS["Contract", "parties"]
    assert parties.extra == (
        "role: {r}.role, roleValidFrom: {r}.validFrom, roleValidTo: {r}.validTo"
    )
    (items,) = KINDS["Contract"].children
    assert (items.name, items.label, items.keyed_by) == ("items", "ContractItem", "uiid")
    (link,) = KINDS["IdentificationObject"].links
    assert (link.name, link.rel, link.key) == ("itemUiid", "ISSUED_FOR", "uiid")


@pytest.mark.parametrize("label", list(INPUTS))
def test_every_plain_reference_the_model_declares_is_an_input_field_and_read_as_one(
    label: str,
) -> None:
    fields = _type(f"{label}Input").fields
    delivered = MODEL.node(label).delivered_properties
    values = {prop.name: sample(label, prop, "REF") for prop in delivered}
    named = {"source": {"system": "CRM", "key": "K-1"}}
    for slot in (s for s in KINDS[label].slots if s.plain):
        field = fields[slot.name]
        assert isinstance(field.type, GraphQLList) == slot.many, slot.name
        given = [named] if slot.many else named
        source = {"system": "CRM", "key": "K"}
        built, problems = BUILDERS[label](
            {"source": source, **values, slot.name: given}, ("input",)
        )
        assert problems == [] and built is not None, problems
        found = built.values[slot.name]
        ref = found[0] if slot.many else found
        assert isinstance(ref, Ref) and ref.label == slot.label, slot.name
        assert (ref.system, ref.key) == ("CRM", "K-1")
        assert ref.path == ("input", slot.name, *((0,) if slot.many else ()))
