"""Planned execution answers every query exactly as graphql-core's general executor does."""

from typing import Any

import pytest
from strawberry.schema import schema_converter
from strawberry.types.arguments import convert_arguments

from hub.api import build_schema
from hub.api.context import Context
from hub.api.schema import HubSchema
from hub.engine import executor
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

# Every part of a connection, aliased, in both directions and empty.
PAGES = """
query Pages($key: String!, $after: String) {
  businessPartner(source: {system: "CRM", key: $key}) {
    name
    forwards: vehicles(first: 1, after: $after) {
      __typename
      count: totalCount
      info: pageInfo { __typename hasNextPage hasPreviousPage startCursor endCursor }
      edges { __typename at: cursor car: node { vin } }
    }
    backwards: vehicles(last: 2) {
      pageInfo { hasPreviousPage hasNextPage startCursor endCursor }
      edges { cursor node { vin } }
    }
    none: vehicles(first: 0) { totalCount pageInfo { startCursor endCursor hasNextPage } }
  }
}
"""

FIRST_PAGES_END = "the end cursor of the first page of PAGES"

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

# A nested connection with a filter or an order of its own is read by its resolver.
FILTERED = """
query Filtered($key: String!) {
  businessPartner(source: {system: "CRM", key: $key}) {
    name
    vehicles(first: 2, orderBy: [{field: VIN, direction: DESC}]) {
      edges { node { vin contracts(where: {number: {startsWith: "C-"}}) { totalCount } } }
    }
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
        cursors=services.require_cursors(),
    )
    result = hub.run(schema.execute(query, variable_values=variables, context_value=context))
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, errors


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The argument conversions strawberry makes while a test runs (its general way)."""
    made: list[Any] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return convert_arguments(*args, **kwargs)

    monkeypatch.setattr(schema_converter, "convert_arguments", counted)
    return made


@pytest.fixture
def converted_once(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The argument conversions the planned executor makes itself, once per request and
    field, while a test runs."""
    made: list[str] = []
    worked_out = executor.PlannedExecutor._keywords_now

    def counted(self: Any, field_plan: Any) -> Any:
        if field_plan.call is not None and field_plan.call.convert is not None:
            made.append(field_plan.response_name)
        return worked_out(self, field_plan)

    monkeypatch.setattr(executor.PlannedExecutor, "_keywords_now", counted)
    return made


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
        (PAGES, {}),
        (PAGES, {"after": FIRST_PAGES_END}),
        (PAGES, {"after": "not-a-cursor"}),
        (FILTERED, {}),
    ],
)
def test_planned_answers_equal_the_general_executors(
    hub: RunningHub, unique: str, general: HubSchema, query: str, variables: dict[str, Any]
) -> None:
    fleet(hub, unique, 3)
    variables = {"key": f"P-{unique}", **variables}
    if variables.get("after") == FIRST_PAGES_END:
        first_page, _ = execute(hub, general, PAGES, {"key": variables["key"]})
        variables["after"] = first_page["businessPartner"]["forwards"]["info"]["endCursor"]
    planned = build_schema()
    expected = execute(hub, general, query, variables)
    assert execute(hub, planned, query, variables) == expected
    # The second request runs on the plan the first one left.
    assert execute(hub, planned, query, variables) == expected
    data, errors = expected
    assert data["businessPartner"] is None if errors else data["businessPartner"]["name"]


# Arguments strawberry converts (filters with lists and enums), on a list of parents, and
# an id that names nothing.
CONVERTED = """
query Converted($name: String!, $id: ID!, $makes: [String!]) {
  businessPartners(where: {name: {contains: $name}}, orderBy: [{field: NAME, direction: DESC}]) {
    edges { node { name
      vehicles(where: {make: {in: $makes}}, orderBy: [{field: VIN}], last: 2) {
        totalCount pageInfo { hasPreviousPage startCursor } edges { node { vin } } }
      contracts(where: {statusFilter: {in: [ACTIVE]}}) { totalCount }
    } }
  }
  node(id: $id) { id }
}
"""


@pytest.mark.parametrize(
    "variables",
    [
        {"makes": None, "id": "QnVzaW5lc3NQYXJ0bmVyOm5vbmU="},
        {"makes": ["BMW", "VW"], "id": "not a global id"},
        {"makes": [], "id": "QnVzaW5lc3NQYXJ0bmVyOm5vbmU="},
    ],
)
def test_converted_arguments_answer_as_the_general_executor(
    hub: RunningHub, unique: str, general: HubSchema, variables: dict[str, Any]
) -> None:
    fleet(hub, unique + "A", 2)
    fleet(hub, unique + "B", 3)
    variables = {"name": unique, **variables}
    expected = execute(hub, general, CONVERTED, variables)
    planned = build_schema()
    for _ in range(2):
        assert execute(hub, planned, CONVERTED, variables) == expected
    data, errors = expected
    assert data is not None, errors
    assert len(data["businessPartners"]["edges"]) == 2
    assert errors == [] and data["node"] is None
    totals = sorted(e["node"]["vehicles"]["totalCount"] for e in data["businessPartners"]["edges"])
    # The fleets' vehicles have no make: a list of makes finds none of them.
    assert totals == ([2, 3] if variables["makes"] is None else [0, 0])


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


# Input objects as arguments: whole from a variable, spelt out, with a variable inside, null.
SOURCES = """
query Sources($source: SourceRefInput, $key: String!) {
  whole: businessPartner(source: $source) { name }
  spelt: businessPartner(source: {system: " crm ", key: "nobody"}) { name }
  inner: businessPartner(source: {system: "CRM", key: $key}) { name }
  none: businessPartner(source: null, id: null) { name }
}
"""


def test_input_object_arguments_answer_as_the_general_executor(
    hub: RunningHub, unique: str, general: HubSchema
) -> None:
    fleet(hub, unique, 1)
    fleet(hub, f"{unique}B", 1)
    planned = build_schema()
    for key in (f"P-{unique}", f"P-{unique}B", f"P-{unique}"):
        variables = {"source": {"system": "CRM", "key": key}, "key": key}
        expected = execute(hub, general, SOURCES, variables)
        assert execute(hub, planned, SOURCES, variables) == expected
        data, errors = expected
        assert data["whole"] is not None
        assert data["whole"] == data["inner"]
        assert data["spelt"] is None
        assert [path for _, path in errors] == [["none"]]


def test_a_variable_inside_an_input_object_is_read_on_every_request(
    hub: RunningHub, unique: str
) -> None:
    fleet(hub, unique, 1)
    fleet(hub, f"{unique}B", 2)
    planned = build_schema()
    counts = [
        execute(hub, planned, FLEET, {"key": key, "first": 5})[0]["businessPartner"]["cars"][
            "totalCount"
        ]
        for key in (f"P-{unique}", f"P-{unique}B")
    ]
    assert counts == [1, 2]


# A custom scalar argument (asOf: DateTime) reaches the resolver as graphql-core coerced it.
AS_OF = """
query AsOf($key: String!, $at: DateTime) {
  then: businessPartner(source: {system: "CRM", key: $key}, asOf: $at) { name }
  before: businessPartner(source: {system: "CRM", key: $key}, asOf: "2001-01-01T00:00:00Z") {
    name
  }
  now: businessPartner(source: {system: "CRM", key: $key}, asOf: null) { name }
}
"""


def test_date_time_arguments_answer_as_the_general_executor_without_strawberrys_conversion(
    hub: RunningHub, unique: str, general: HubSchema, conversions: list[Any]
) -> None:
    fleet(hub, unique, 1)
    planned = build_schema()
    later = "2999-01-01T00:00:00Z"
    for at in (later, None, later):
        variables = {"key": f"P-{unique}", "at": at}
        expected = execute(hub, general, AS_OF, variables)
        assert conversions, "the general executor converts the arguments the strawberry way"
        conversions.clear()
        assert execute(hub, planned, AS_OF, variables) == expected
        assert conversions == [], "the planned executor went through strawberry's conversion"
        data, errors = expected
        assert errors == [], errors
        assert data["then"] is not None
        assert data["then"] == data["now"]
        assert data["before"] is None


def test_connections_paged_without_a_filter_skip_strawberrys_conversion(
    hub: RunningHub, unique: str, conversions: list[Any], converted_once: list[str]
) -> None:
    """A nested connection's ``where`` and ``orderBy`` need strawberry's conversion; a query
    that gives neither keeps the short way, where the page is shaped from the parent's rows.
    One that gives them has them converted once for all parents, not once for each."""
    fleet(hub, unique, 2)
    conversions.clear()  # the writes that made the fleet
    planned = build_schema()
    for first in (2, 1):
        data, errors = execute(hub, planned, FLEET, {"key": f"P-{unique}", "first": first})
        assert errors == []
        assert len(data["businessPartner"]["cars"]["edges"]) == first
    assert conversions == [], "a connection without a filter went through strawberry's conversion"
    assert converted_once == []
    data, errors = execute(hub, planned, FILTERED, {"key": f"P-{unique}"})
    assert errors == []
    assert conversions == [], "a filter was converted for each parent"
    # The vehicles' order and the contracts' filter (of two vehicles): one conversion each.
    assert len(converted_once) == 2
    cars = data["businessPartner"]["vehicles"]["edges"]
    assert [car["node"]["contracts"]["totalCount"] for car in cars] == [1, 1]


def test_a_page_an_await_brings_is_shaped_though_its_parents_were_not(
    hub: RunningHub, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The partners of a list whose filtered vehicles are awaited go field by field; the
    vehicles of each page, once read, take the short way again."""
    fleet(hub, unique + "A", 2)
    fleet(hub, unique + "B", 3)
    completed: list[str] = []
    field_by_field = executor.PlannedExecutor.execute_fields

    def counted(self: Any, parent_type: Any, *args: Any) -> Any:
        completed.append(parent_type.name)
        return field_by_field(self, parent_type, *args)

    monkeypatch.setattr(executor.PlannedExecutor, "execute_fields", counted)
    variables = {"name": unique, "makes": None, "id": "QnVzaW5lc3NQYXJ0bmVyOm5vbmU="}
    data, errors = execute(hub, build_schema(), CONVERTED, variables)
    assert errors == []
    pages = [e["node"]["vehicles"]["edges"] for e in data["businessPartners"]["edges"]]
    assert sorted(len(page) for page in pages) == [2, 2]
    assert "BusinessPartner" in completed, "the partners, with an awaited field, were shaped"
    assert "Vehicle" not in completed
