"""A read fetches only what the query selects, and still answers every field correctly."""

from types import SimpleNamespace
from typing import Any

from graphql import FieldNode, OperationDefinitionNode, parse
from strawberry.types.nodes import Selection, convert_selections

from hub.engine import prefetch
from tests.harness import RunningHub, ok, vin_for
from tests.test_contracts import change, setup
from tests.test_documents import PDF, document, offer
from tests.test_identification import card
from tests.test_vehicles import vehicle

# Each nested field selected alone: the status of a contract and of a card, and a document's
# file, are computed from other stored values than their own name.
VIEW = """
query View($vin: String!) {
  vehicle(vin: $vin) {
    contracts { edges { node { status } } }
    identificationObjects { edges { node { status } } }
    documents { edges { node { file { sizeBytes } } } }
    owner { name }
  }
}
"""


def test_computed_fields_read_the_values_they_depend_on(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    change(hub, unique, process="ETER")
    card(hub, unique, validTo="2020-12-31", validFrom="2020-01-01")
    document(
        hub, offer(unique, "A", about=[{"source": {"system": "VMS", "key": f"V-{unique}"}}]), PDF
    )
    owned(hub, unique)
    seen = ok(hub, VIEW, {"vin": vin_for(unique)})["vehicle"]
    assert seen["contracts"]["edges"] == [{"node": {"status": "TERMINATED"}}]
    assert seen["identificationObjects"]["edges"] == [{"node": {"status": "EXPIRED"}}]
    assert seen["documents"]["edges"] == [{"node": {"file": {"sizeBytes": len(PDF)}}}]
    assert seen["owner"] == {"name": f"Anna Müller {unique}"}


def owned(hub: RunningHub, unique: str) -> None:
    """The vehicle of ``setup`` with a make, a model and its owner."""
    vehicle(
        hub,
        {
            "source": {"system": "VMS", "key": f"V-{unique}"},
            "vin": vin_for(unique),
            "make": "BMW",
            "model": "i4",
            "owner": {"source": {"system": "CRM", "key": f"P-{unique}"}},
        },
    )


# The same fields reached through fragments on connections and edges, and selected in
# several places that GraphQL merges into one.
MERGED = """
query Merged($vin: String!) {
  vehicle(vin: $vin) { make }
  vehicle(vin: $vin) {
    model
    contracts { edges { node { number } } }
    contracts { ...Dates }
  }
  vehicles(where: {vin: {eq: $vin}}) { ...Makes }
}
fragment Dates on ContractConnection { edges { ... on ContractEdge { node { startDate } } } }
fragment Makes on VehicleConnection { edges { node { make } } }
"""


def test_fields_selected_in_several_places_or_through_fragments_are_all_read(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    owned(hub, unique)
    seen = ok(hub, MERGED, {"vin": vin_for(unique)})
    assert (seen["vehicle"]["make"], seen["vehicle"]["model"]) == ("BMW", "i4")
    assert seen["vehicle"]["contracts"]["edges"] == [
        {"node": {"number": f"L-{unique}", "startDate": "2024-01-01"}}
    ]
    assert seen["vehicles"]["edges"] == [{"node": {"make": "BMW"}}]


def test_unselected_properties_are_not_read() -> None:
    statement = prefetch.compiled_projection("Vehicle", "x", _selections(VIEW)).text
    assert "createdAt" not in statement and ".make" not in statement
    assert ".validTo" in statement and ".terminationDate" in statement
    assert ".fileSha256" in statement


def _selections(query: str) -> list[Selection]:
    """The selections below the root field of ``query``, as its resolver sees them."""
    operation = parse(query).definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    root = operation.selection_set.selections[0]
    assert isinstance(root, FieldNode) and root.selection_set is not None
    info: Any = SimpleNamespace(fragments={}, variable_values={})
    return convert_selections(info, root.selection_set.selections)  # type: ignore[arg-type]
