"""Known queries answered the short way say exactly what strawberry's general way says.

A body with an ``extensions`` member is always answered the general way, so every request
here is sent twice, once with and once without it, over real HTTP.
"""

from typing import Any

import httpx
import pytest

from hub.api.direct import DirectQueries
from tests.harness import RunningHub
from tests.test_planned_execution import FLEET, SKIPPED, TOO_MANY
from tests.test_round_trips import fleet

CREATE = """
mutation Create($key: String!) {
  upsertBusinessPartner(input: {source: {system: "CRM", key: $key}, kind: PERSON,
                                lastName: "Direct", firstName: $key}) { businessPartner { name } }
}
"""


def _direct(hub: RunningHub) -> DirectQueries:
    (route,) = [r for r in hub.app.routes if getattr(r, "path", None) == "/graphql"]
    direct = route.endpoint.direct  # type: ignore[attr-defined]
    assert isinstance(direct, DirectQueries)
    return direct


def _post(hub: RunningHub, body: dict[str, Any] | bytes) -> httpx.Response:
    with hub.client() as client:
        if isinstance(body, bytes):
            return client.post(
                "/graphql", content=body, headers={"content-type": "application/json"}
            )
        return client.post("/graphql", json=body)


def _both_ways(hub: RunningHub, body: dict[str, Any]) -> tuple[httpx.Response, int]:
    """The answer of the short way (checked against the general way's) and how many requests
    the short way took."""
    direct = _direct(hub)
    general = _post(hub, {**body, "extensions": {}})
    before = direct.answered
    short = _post(hub, body)
    taken = direct.answered - before
    assert short.status_code == general.status_code
    assert short.headers["content-type"] == general.headers["content-type"]
    if short.headers["content-type"] == "application/json":
        assert short.json() == general.json()
    else:  # strawberry answers some bad requests in plain text
        assert short.text == general.text
    return short, taken


@pytest.mark.parametrize("first", [1, 2])
def test_a_known_query_is_answered_directly_as_the_general_way_answers(
    hub: RunningHub, unique: str, first: int
) -> None:
    fleet(hub, unique, 3)
    body = {"query": FLEET, "variables": {"key": f"P-{unique}", "first": first}}
    response, taken = _both_ways(hub, {**body, "operationName": "Fleet"})
    assert taken == 1
    partner = response.json()["data"]["businessPartner"]
    assert partner["cars"]["totalCount"] == 3
    assert len(partner["cars"]["edges"]) == first


def test_errors_answered_directly_keep_their_code_and_path(hub: RunningHub, unique: str) -> None:
    fleet(hub, unique, 1)
    response, taken = _both_ways(hub, {"query": TOO_MANY, "variables": {"key": f"P-{unique}"}})
    assert taken == 1
    (error,) = response.json()["errors"]
    assert error["path"] == ["businessPartner", "vehicles"]
    assert error["extensions"]["code"]


def test_variables_of_the_wrong_type_are_reported_as_the_general_way_does(
    hub: RunningHub,
) -> None:
    response, taken = _both_ways(hub, {"query": FLEET, "variables": {"key": 5}})
    assert taken == 1
    assert response.json()["data"] is None
    assert "key" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {"query": SKIPPED, "variables": {"key": "x", "withCars": True}}, id="directive"
        ),
        pytest.param({"query": "{ vehicle(vin: 1) { vin } }"}, id="invalid"),
        pytest.param({"query": "{ vehicle(vin: "}, id="syntax-error"),
        pytest.param({"query": FLEET, "operationName": "Other"}, id="unknown-operation"),
        pytest.param({"query": "query A { __typename } query B { __typename }"}, id="two-unnamed"),
        pytest.param({"query": ["not", "text"]}, id="query-not-text"),
    ],
)
def test_what_the_short_way_does_not_know_goes_the_general_way(
    hub: RunningHub, body: dict[str, Any]
) -> None:
    _, taken = _both_ways(hub, body)
    assert taken == 0


def test_mutations_go_the_general_way(hub: RunningHub, unique: str) -> None:
    direct = _direct(hub)
    before = direct.answered
    response = _post(hub, {"query": CREATE, "variables": {"key": f"D-{unique}"}})
    assert response.json()["data"]["upsertBusinessPartner"]["businessPartner"]["name"]
    assert direct.answered == before


def test_a_body_that_is_not_json_gets_the_general_error(hub: RunningHub) -> None:
    direct = _direct(hub)
    before = direct.answered
    response = _post(hub, b"{not json")
    assert response.status_code == 400
    assert direct.answered == before


def test_a_query_answered_directly_is_counted_under_its_operation_name(
    hub: RunningHub, unique: str
) -> None:
    name = f"Direct{unique.replace('-', '')}"
    _, taken = _both_ways(hub, {"query": f"query {name} {{ __typename }}"})
    assert taken == 1
    with hub.client() as client:
        metrics = client.get("/metrics").text
    assert f'operation="{name}"' in metrics
