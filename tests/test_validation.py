"""Text and dates are checked before anything is stored: control characters, implausible
dates and made-up system names are refused with the field and the rule."""

from typing import Any

import pytest

from hub.domain import validation
from hub.domain.problems import Problem
from tests.harness import RunningHub, vin_for

PARTNER = """
mutation($i: BusinessPartnerInput!) {
  upsertBusinessPartner(input: $i) { created userErrors { field code message } }
}
"""


def _partner(hub: RunningHub, unique: str, **values: Any) -> dict[str, Any]:
    data = {"source": {"system": "CRM", "key": f"V-{unique}"}, "kind": "PERSON",
            "lastName": "Valid", **values}  # fmt: skip
    payload: dict[str, Any] = hub.graphql(PARTNER, {"i": data})["data"]["upsertBusinessPartner"]
    return payload


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"lastName": "Mül\x00ler"}, ["input", "lastName"]),
        ({"firstName": "\x1b[31mHans"}, ["input", "firstName"]),
        ({"taxNumber": "DE\x85123"}, ["input", "taxNumber"]),
        (
            {"addresses": [{"city": "Köln\x07", "country": "DE"}]},
            ["input", "addresses", "0", "city"],
        ),
        ({"source": {"system": "CRM", "key": "K\x00"}}, ["input", "source", "key"]),
    ],
)
def test_control_characters_in_text_are_refused_naming_the_field(
    hub: RunningHub, unique: str, values: dict[str, Any], field: list[str]
) -> None:
    payload = _partner(hub, unique, **values)
    assert payload["created"] is False
    (error,) = payload["userErrors"]
    assert (error["field"], error["code"]) == (field, "INVALID_VALUE")
    assert "control character U+00" in error["message"]


def test_tabs_and_line_breaks_are_text(hub: RunningHub, unique: str) -> None:
    payload = _partner(hub, unique, firstName="Anna\tMaria", lastName="Valid\r\nZwei")
    assert payload == {"created": True, "userErrors": []}


@pytest.mark.parametrize("birth", ["0001-01-01", "1899-12-31", "2999-01-01"])
def test_an_implausible_birth_date_is_refused(hub: RunningHub, unique: str, birth: str) -> None:
    (error,) = _partner(hub, unique, birthDate=birth)["userErrors"]
    assert (error["field"], error["code"]) == (["input", "birthDate"], "INVALID_VALUE")
    assert birth in error["message"]


def test_contract_dates_have_a_plausible_range(hub: RunningHub, unique: str) -> None:
    result = hub.graphql(
        """mutation($i: ContractInput!) { upsertContract(input: $i) { userErrors { field code } } }""",
        {"i": {"source": {"system": "CRM", "key": f"K-{unique}"}, "number": f"K-{unique}",
               "type": "LEASING", "startDate": "0001-01-01", "endDate": "9999-12-31"}},
    )  # fmt: skip
    assert result["data"]["upsertContract"]["userErrors"] == [
        {"field": ["input", "startDate"], "code": "INVALID_VALUE"},
        {"field": ["input", "endDate"], "code": "INVALID_VALUE"},
    ]


def test_a_vehicle_event_before_the_first_car_is_refused(hub: RunningHub, unique: str) -> None:
    vin = vin_for(unique)
    hub.graphql(
        """mutation($i: VehicleInput!) { upsertVehicle(input: $i) { userErrors { code } } }""",
        {"i": {"source": {"system": "VMS", "key": unique}, "vin": vin}},
    )
    result = hub.graphql(
        """mutation($vin: String!, $d: String) { recordVehicleEvent(input: {vehicle: {vin: $vin},
            type: SERVICED, occurredAt: "1800-05-01T10:00:00Z", description: $d}) {
            userErrors { field code } } }""",
        {"vin": vin, "d": "oil\x00change"},
    )
    assert result["data"]["recordVehicleEvent"]["userErrors"] == [
        {"field": ["input", "description"], "code": "INVALID_VALUE"},
        {"field": ["input", "occurredAt"], "code": "INVALID_VALUE"},
    ]


@pytest.mark.parametrize("system", ["C R M", "CRM;DROP", "ÉRP", "x" * 65])
def test_a_system_name_is_letters_digits_and_separators(
    hub: RunningHub, unique: str, system: str
) -> None:
    payload = _partner(hub, unique, source={"system": system, "key": unique})
    (error,) = payload["userErrors"]
    assert (error["field"], error["code"]) == (["input", "source", "system"], "INVALID_VALUE")


def test_a_reason_with_control_characters_is_refused(hub: RunningHub) -> None:
    result = hub.graphql(
        """mutation { blockIdentificationObject(id: "x", reason: "lost\\u001b") {
            userErrors { field code } } }"""
    )
    assert result["data"]["blockIdentificationObject"]["userErrors"] == [
        {"field": ["reason"], "code": "INVALID_VALUE"}
    ]


def test_the_text_rule_names_the_character_and_where_it_is() -> None:
    problem = validation.text("ab\ud800c", ("input", "name"))
    assert isinstance(problem, Problem)
    assert "U+D800 at position 3" in problem.message
