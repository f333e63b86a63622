"""A read fetches only what the query selects, and still answers every field correctly."""

from types import SimpleNamespace
from typing import Any

from graphql import FieldNode, OperationDefinitionNode, parse
from strawberry.types.nodes import Selection, convert_selections

from hub.read import prefetch
from tests.harness import RunningHub, ok, vin_for
from tests.test_contracts import change, setup
from tests.test_documents import PDF, document, offer
from tests.test_identification import card

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
    seen = ok(hub, VIEW, {"vin": vin_for(unique)})["vehicle"]
    assert seen["contracts"]["edges"] == [{"node": {"status": "TERMINATED"}}]
    assert seen["identificationObjects"]["edges"] == [{"node": {"status": "EXPIRED"}}]
    assert seen["documents"]["edges"] == [{"node": {"file": {"sizeBytes": len(PDF)}}}]
    assert seen["owner"] is None


def test_unselected_properties_are_not_read() -> None:
    statement = prefetch.compiled_projection("Vehicle", "x", _selections(VIEW))
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
