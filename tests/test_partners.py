"""upsertBusinessPartner: key-mapped, idempotent, validated."""

import datetime as dt
import hashlib
from typing import Any

from hub.ids import from_global
from hub.read.changes import of_records
from tests.harness import RunningHub, ok

UPSERT = """
mutation Upsert($input: BusinessPartnerInput!) {
  upsertBusinessPartner(input: $input) {
    created changed
    userErrors { field code message }
    businessPartner {
      id kind name firstName lastName organizationName birthDate email phone roles version
      createdAt updatedAt addresses { street houseNumber postalCode city country }
      sources { system key receivedAt }
    }
  }
}
"""


def _number(token: str) -> int:
    return int(hashlib.sha256(token.encode()).hexdigest(), 16)


def phone_digits(unique: str) -> str:
    return f"{_number(unique) % 10_000_000:07d}"


_BIRTH_DATES: dict[str, str] = {}
_DISTINCT_BIRTH_DATES = 300


def birth_date(unique: str) -> str:
    """Each test's person is born on a clearly different day, so matching keeps them apart.

    The test persons share a name and an address, so the birth date is what tells them
    apart. Dates are handed out in turn (born 1921 to 2020): the n-th differs from every
    other in both month and day, or in year and in month or day, which the matcher never
    mistakes for a typo (a hashed date does now and then collide and merge two tests'
    persons).
    """
    if unique not in _BIRTH_DATES:
        n = len(_BIRTH_DATES)
        assert n < _DISTINCT_BIRTH_DATES, "more test persons than distinct birth dates"
        day = dt.date(1921 + n % 100, 1 + n % 12, 1 + n // 12 % 28)
        _BIRTH_DATES[unique] = day.isoformat()
    return _BIRTH_DATES[unique]


def person(unique: str, **extra: Any) -> dict[str, Any]:
    digits = phone_digits(unique)
    return {
        "source": {"system": "CRM", "key": f"P-{unique}"},
        "kind": "PERSON",
        "firstName": "Anna",
        "lastName": f"Müller {unique}",
        "birthDate": birth_date(unique),
        "email": f"Anna.Mueller.{unique}@Example.COM",
        "phone": f"+49 (89) {digits[:3]}-{digits[3:]}",
        "roles": ["CUSTOMER", "LESSEE"],
        "addresses": [
            {
                "street": "Hauptstraße",
                "houseNumber": "1a",
                "postalCode": "80331",
                "city": "München",
                "country": "de",
            }
        ],
        **extra,
    }


def upsert(hub: RunningHub, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = ok(hub, UPSERT, {"input": data})["upsertBusinessPartner"]
    return result


def test_new_partner_is_created_with_normalised_values(hub: RunningHub, unique: str) -> None:
    result = upsert(hub, person(unique))
    assert result["userErrors"] == []
    assert result["created"] and result["changed"]
    partner = result["businessPartner"]
    assert partner["name"] == f"Anna Müller {unique}"
    assert partner["email"] == f"Anna.Mueller.{unique}@example.com"
    assert partner["phone"] == f"+4989{phone_digits(unique)}"
    assert partner["roles"] == ["CUSTOMER", "LESSEE"]
    assert partner["addresses"][0]["country"] == "DE"
    assert partner["version"] == 1
    assert partner["createdAt"].endswith("+00:00")
    assert partner["sources"][0]["system"] == "CRM"


def test_repeated_delivery_changes_nothing(hub: RunningHub, unique: str) -> None:
    first = upsert(hub, person(unique))["businessPartner"]
    again = upsert(hub, person(unique))
    assert again["created"] is False and again["changed"] is False
    assert again["businessPartner"]["version"] == first["version"]
    assert again["businessPartner"]["updatedAt"] == first["updatedAt"]
    assert again["businessPartner"]["sources"] == first["sources"]
    events = hub.run(
        of_records(hub.store.query, "BusinessPartner", [hub_id(first["id"])], pending=True)
    )
    assert len(events) == 1


def hub_id(global_id: str) -> str:
    decoded = from_global(global_id)
    assert decoded is not None
    return decoded[1]


def test_real_change_bumps_version_and_updated_at(hub: RunningHub, unique: str) -> None:
    first = upsert(hub, person(unique))["businessPartner"]
    changed = upsert(hub, person(unique, email="anna@example.org"))
    assert changed["changed"] and not changed["created"]
    assert changed["businessPartner"]["version"] == first["version"] + 1
    assert changed["businessPartner"]["updatedAt"] > first["updatedAt"]
    assert changed["businessPartner"]["id"] == first["id"]


def test_values_left_out_keep_what_the_hub_has(hub: RunningHub, unique: str) -> None:
    upsert(hub, person(unique))
    partial = {
        "source": {"system": "CRM", "key": f"P-{unique}"},
        "kind": "PERSON",
        "lastName": f"Müller {unique}",
        "phone": "+4930111111",
    }
    result = upsert(hub, partial)["businessPartner"]
    assert result["email"] == f"Anna.Mueller.{unique}@example.com"
    assert result["phone"] == "+4930111111"
    assert len(result["addresses"]) == 1


def test_a_value_given_as_null_or_blank_is_cleared(hub: RunningHub, unique: str) -> None:
    first = upsert(hub, person(unique))["businessPartner"]
    cleared = upsert(hub, person(unique, email=None, firstName="  "))
    assert cleared["userErrors"] == [] and cleared["changed"], cleared
    partner = cleared["businessPartner"]
    assert partner["email"] is None and partner["firstName"] is None
    assert partner["name"] == f"Müller {unique}"
    assert partner["version"] == first["version"] + 1
    assert partner["phone"] == first["phone"]  # left as it was: given again unchanged
    again = upsert(hub, person(unique, email=None, firstName="  "))
    assert not again["changed"] and again["businessPartner"]["version"] == partner["version"]
    # Left out, the values stay cleared; given again, they are back.
    partial = {k: v for k, v in person(unique).items() if k not in ("email", "firstName")}
    assert upsert(hub, partial)["businessPartner"]["email"] is None
    back = upsert(hub, person(unique))["businessPartner"]
    assert back["email"] == first["email"] and back["name"] == first["name"]


def test_a_cleared_value_survives_from_another_source(hub: RunningHub, unique: str) -> None:
    crm = upsert(hub, person(unique))["businessPartner"]
    erp = {**person(unique), "source": {"system": "ERP", "key": f"E-{unique}"},
           "email": f"erp.{unique}@example.com"}  # fmt: skip
    assert upsert(hub, erp)["businessPartner"]["id"] == crm["id"]
    left = upsert(hub, person(unique, email=None))["businessPartner"]
    assert left["email"] == f"erp.{unique}@example.com"


def test_a_required_value_given_as_null_is_refused(hub: RunningHub, unique: str) -> None:
    upsert(hub, person(unique))
    refused = upsert(hub, person(unique, lastName=None))
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "lastName"], "REQUIRED")
    ]


def test_text_spelt_decomposed_or_with_invisible_spaces_is_one_value(
    hub: RunningHub, unique: str
) -> None:
    decomposed = f"Mu\u0308ller {unique}"  # u and a combining diaeresis
    first = upsert(hub, person(unique, lastName=decomposed, firstName="An\u200bna"))
    partner = first["businessPartner"]
    assert partner["lastName"] == f"Müller {unique}" and partner["firstName"] == "Anna"
    again = upsert(hub, person(unique))  # the same, composed
    assert not again["changed"] and again["businessPartner"]["version"] == partner["version"]
    found = ok(hub, "query($n: String!) { businessPartners(where: {lastName: {eq: $n}}) "
                    "{ totalCount } }", {"n": decomposed})  # fmt: skip
    assert found["businessPartners"]["totalCount"] == 1


def test_an_address_with_nothing_to_find_it_by_is_refused(hub: RunningHub, unique: str) -> None:
    refused = upsert(hub, person(unique, addresses=[{"country": "DE"}, {}]))
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "addresses", "0"], "REQUIRED"),
        (["input", "addresses", "1"], "REQUIRED"),
    ]


def test_another_system_key_for_the_same_person_joins_the_golden_record(
    hub: RunningHub, unique: str
) -> None:
    crm = upsert(hub, person(unique))["businessPartner"]
    erp = upsert(hub, person(unique, source={"system": "ERP", "key": f"E-{unique}"}))
    assert not erp["created"]
    assert erp["businessPartner"]["id"] == crm["id"]
    assert len(erp["businessPartner"]["sources"]) == 2


def test_another_system_key_for_another_person_creates_another_partner(
    hub: RunningHub, unique: str
) -> None:
    crm = upsert(hub, person(unique))["businessPartner"]
    other = person(unique, source={"system": "ERP", "key": f"E-{unique}"}, firstName="Jakob")
    other.update(lastName=f"Schmid {unique}", birthDate="1931-01-01", email=None, phone=None)
    erp = upsert(hub, other)
    assert erp["created"]
    assert erp["businessPartner"]["id"] != crm["id"]


def test_required_fields_depend_on_the_kind(hub: RunningHub, unique: str) -> None:
    person_errors = upsert(
        hub, {"source": {"system": "CRM", "key": f"X-{unique}"}, "kind": "PERSON", "firstName": "A"}
    )
    assert [(e["field"], e["code"]) for e in person_errors["userErrors"]] == [
        (["input", "lastName"], "REQUIRED")
    ]
    organisation = upsert(
        hub, {"source": {"system": "CRM", "key": f"Y-{unique}"}, "kind": "ORGANIZATION"}
    )
    assert [(e["field"], e["code"]) for e in organisation["userErrors"]] == [
        (["input", "organizationName"], "REQUIRED")
    ]
    assert organisation["businessPartner"] is None


def test_every_invalid_field_is_reported_and_nothing_written(hub: RunningHub, unique: str) -> None:
    bad = person(
        unique,
        email="not-an-address",
        phone="12",
        birthDate="2999-01-01",
        addresses=[{"city": "Nowhere", "country": "XX"}],
    )
    result = upsert(hub, bad)
    codes = {tuple(e["field"]): e["code"] for e in result["userErrors"]}
    assert codes == {
        ("input", "email"): "INVALID_EMAIL",
        ("input", "phone"): "INVALID_PHONE",
        ("input", "birthDate"): "INVALID_VALUE",
        ("input", "addresses", "0", "country"): "INVALID_COUNTRY",
    }
    assert ok(hub, '{ businessPartner(source: {system: "CRM", key: "P-%s"}) { id } }' % unique) == {
        "businessPartner": None
    }


def test_organisation_name_is_its_name(hub: RunningHub, unique: str) -> None:
    result = upsert(
        hub,
        {
            "source": {"system": "ERP", "key": f"O-{unique}"},
            "kind": "ORGANIZATION",
            "organizationName": f"Autohaus Süd {unique} GmbH",
            "roles": ["DEALER"],
        },
    )
    assert result["businessPartner"]["name"] == f"Autohaus Süd {unique} GmbH"


def test_lookups_by_id_and_source_find_the_same_partner(hub: RunningHub, unique: str) -> None:
    created = upsert(hub, person(unique))["businessPartner"]
    query = """query($id: ID!, $key: String!) {
      byId: businessPartner(id: $id) { id }
      bySource: businessPartner(source: {system: "crm", key: $key}) { id }
      node(id: $id) { id ... on BusinessPartner { name } }
    }"""
    data = ok(hub, query, {"id": created["id"], "key": f"P-{unique}"})
    assert data["byId"]["id"] == data["bySource"]["id"] == data["node"]["id"] == created["id"]
    assert data["node"]["name"] == created["name"]


def test_lookup_needs_exactly_one_way(hub: RunningHub) -> None:
    body = hub.graphql("{ businessPartner { id } }")
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "exactly one" in body["errors"][0]["message"]


def test_unknown_or_foreign_ids_find_nothing(hub: RunningHub) -> None:
    data = ok(hub, '{ node(id: "garbage") { id } businessPartner(id: "VmVoaWNsZTp4") { id } }')
    assert data == {"node": None, "businessPartner": None}


def test_chinese_names_put_the_family_name_first(hub: RunningHub, unique: str) -> None:
    result = upsert(
        hub,
        {
            "source": {"system": "CRM", "key": f"CN-{unique}"},
            "kind": "PERSON",
            "firstName": "伟",
            "lastName": "王",
        },
    )
    assert result["businessPartner"]["name"] == "王伟"
