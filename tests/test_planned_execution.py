"""Planned execution answers every query exactly as graphql-core's general executor does."""

from typing import Any

import pytest

from hub.api import build_schema
from hub.api.context import Context
from hub.api.schema import HubSchema
from tests.harness import RunningHub, ok
from tests.test_round_trips import fleet

FLEET = """
query Fleet($key: String!, $first: Int) {
  businessPartner(source: {system: "CRM", key: $key}) {
    __typename id name
    cars: vehicles(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...Car } }
    }
    vehicles(last: 1) { edges { node { vin __typename } } }
  }
}
fragment Car on Vehicle {
  vin make model
  contracts(first: 5) { edges { node { number status type } } }
  identificationObjects { edges { node { ... on IdentificationObject { number status } } } }
  documents(first: 1) { totalCount edges { node { number revision } } }
}
"""

BY_NODE = """
query ByNode($id: ID!) {
  node(id: $id) { __typename id ... on BusinessPartner { name vehicles { totalCount } } }
}
"""

# A page over the limit is an error in a non-null field: the partner, nullable, becomes null.
TOO_MANY = """
query TooMany($key: String!) {
  businessPartner(source: {system: "CRM", key: $key}) {
    name
    vehicles(first: 1000) { totalCount }
    contracts(first: 1) { totalCount }
  }
}
"""

# A directive makes the shape depend on the variables: executed the general way.
SKIPPED = """
query Skipped($key: String!, $withCars: Boolean!) {
  businessPartner(source: {system: "CRM", key: $key}) {
    name
    vehicles @include(if: $withCars) { edges { node { vin } } }
  }
}
"""


def execute(hub: RunningHub, schema: HubSchema, query: str, variables: dict[str, Any]) -> Any:
    services = hub.services
    context = Context(
        request=None,  # type: ignore[arg-type]
        response=None,
        store=services.require_store(),
        settings=services.settings,
        files=services.files,
    )
    result = hub.run(schema.execute(query, variable_values=variables, context_value=context))
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, errors


@pytest.fixture(scope="module")
def general() -> HubSchema:
    return build_schema(planned=False)


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (FLEET, {"first": 2}),
        (FLEET, {"first": 1}),
        (TOO_MANY, {}),
        (SKIPPED, {"withCars": True}),
        (SKIPPED, {"withCars": False}),
    ],
)
def test_planned_answers_equal_the_general_executors(
    hub: RunningHub, unique: str, general: HubSchema, query: str, variables: dict[str, Any]
) -> None:
    fleet(hub, unique, 3)
    variables = {"key": f"P-{unique}", **variables}
    planned = build_schema()
    expected = execute(hub, general, query, variables)
    assert execute(hub, planned, query, variables) == expected
    # The second request runs on the plan the first one left.
    assert execute(hub, planned, query, variables) == expected
    data, errors = expected
    assert data["businessPartner"] is None if errors else data["businessPartner"]["name"]


def test_abstract_types_and_typenames_answer_as_the_general_executor(
    hub: RunningHub, unique: str, general: HubSchema
) -> None:
    fleet(hub, unique, 2)
    partner = ok(hub, FLEET, {"key": f"P-{unique}", "first": 1})["businessPartner"]
    planned = build_schema()
    expected = execute(hub, general, BY_NODE, {"id": partner["id"]})
    assert expected[0]["node"]["vehicles"]["totalCount"] == 2
    for _ in range(2):
        assert execute(hub, planned, BY_NODE, {"id": partner["id"]}) == expected


def test_an_operation_is_planned_once_and_kept_for_other_variables(
    hub: RunningHub, unique: str
) -> None:
    fleet(hub, unique, 2)
    planned = build_schema()
    for first in (1, 2, 1):
        execute(hub, planned, FLEET, {"key": f"P-{unique}", "first": first})
    assert len(planned.plans) == 1
    execute(hub, planned, SKIPPED, {"key": f"P-{unique}", "withCars": True})
    assert len(planned.plans) == 1, "an operation with directives is not planned"


def test_errors_of_planned_fields_keep_their_path(hub: RunningHub, unique: str) -> None:
    fleet(hub, unique, 1)
    for _ in range(2):
        body = hub.graphql(TOO_MANY, {"key": f"P-{unique}"})
    assert body["data"] == {"businessPartner": None}
    (error,) = body["errors"]
    assert error["path"] == ["businessPartner", "vehicles"]
    assert "100" in error["message"]
