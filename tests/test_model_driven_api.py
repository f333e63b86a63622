"""The API's filters, sort keys and facets follow from the model's declarations."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType

from graph_schema import MODEL
from hub.api import build_schema
from hub.read.filters import WHERE_LABELS
from tests.harness import RunningHub, ok
from tests.test_documents import document, offer

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
