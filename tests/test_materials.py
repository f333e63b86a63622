"""Materials: upsertMaterial, lookups and lists, a vehicle's material, and loading them from
SAP MATMAS IDocs and CSV."""

from pathlib import Path
from typing import Any

from hub.domain import deliveries
from loaders import idoc
from loaders.load import Loader, kind_of
from tests.harness import RunningHub, ok, vin_for
from tests.test_vehicles import vehicle

UPSERT = """
mutation($input: MaterialInput!) {
  upsertMaterial(input: $input) {
    created changed userErrors { field code message }
    material { id number type group baseUnit description version
      descriptions { language text } prices { type amount currency validFrom validTo }
      sources { system key } }
  }
}
"""
MATERIALS = """
query($where: MaterialWhere, $orderBy: [MaterialOrderBy!], $first: Int, $after: String) {
  materials(where: $where, orderBy: $orderBy, first: $first, after: $after) {
    edges { node { number description } } pageInfo { hasNextPage endCursor }
  }
  materialFacets(where: $where) { total type { value count } }
}
"""


def material(hub: RunningHub, data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = ok(hub, UPSERT, {"input": data})["upsertMaterial"]
    return result


def x5(unique: str, **values: Any) -> dict[str, Any]:
    return {
        "source": {"system": "ERP", "key": f"M-{unique}"},
        "number": f"M-{unique}",
        "type": "FERT",
        "group": "VEH-SUV",
        "baseUnit": "ST",
        "descriptions": [
            {"language": "DE", "text": f"BMW X5 xDrive40d Geländewagen {unique}"},
            {"language": "en", "text": f"BMW X5 xDrive40d SUV {unique}"},
        ],
        "prices": [
            {"type": "LIST", "amount": 89900.5, "currency": "eur", "validFrom": "2025-01-01"},
            {"type": "STANDARD", "amount": 71000, "currency": "EUR"},
        ],
        **values,
    }


def test_a_material_is_kept_under_its_erp_key_with_descriptions_and_prices(
    hub: RunningHub, unique: str
) -> None:
    made = material(hub, x5(unique))
    assert made["userErrors"] == [] and made["created"]
    found = made["material"]
    assert found["description"] == f"BMW X5 xDrive40d Geländewagen {unique}"
    assert [d["language"] for d in found["descriptions"]] == ["de", "en"]
    assert found["prices"][0] == {
        "type": "LIST",
        "amount": 89900.5,
        "currency": "EUR",
        "validFrom": "2025-01-01",
        "validTo": None,
    }
    assert found["sources"] == [{"system": "ERP", "key": f"M-{unique}"}]
    again = material(hub, x5(unique))
    assert not again["created"] and not again["changed"]
    assert again["material"]["version"] == 1
    by_number = ok(hub, '{ material(number: "M-%s") { id baseUnit } }' % unique)["material"]
    assert by_number == {"id": found["id"], "baseUnit": "ST"}


def test_a_material_number_in_lower_case_is_the_same_material(hub: RunningHub, unique: str) -> None:
    first = material(hub, x5(unique, number=f"00m-{unique.lower()}"))["material"]
    assert first["number"] == f"00M-{unique.upper()}"
    other = {"source": {"system": "PLM", "key": f"P-{unique}"}, "number": f"00M-{unique.upper()}"}
    assert material(hub, other)["material"]["id"] == first["id"]


def test_a_bad_material_is_refused_naming_each_field_and_rule(hub: RunningHub, unique: str) -> None:
    bad = x5(
        unique,
        descriptions=[
            {"language": "deutsch", "text": "X"},
            {"language": "en", "text": "A"},
            {"language": "EN", "text": "B"},
            {"language": "qq", "text": "C"},  # two letters, but no language's
        ],
        prices=[
            {"type": "LIST", "amount": -1, "currency": "EUR"},
            {"type": "LIST", "amount": 1, "currency": "euro"},
            {
                "type": "LIST",
                "amount": 1,
                "currency": "EUR",
                "validFrom": "2026-02-01",
                "validTo": "2026-01-01",
            },
            {"type": "LIST", "amount": 1, "currency": "ABC"},  # three letters, no currency's
        ],
    )
    refused = material(hub, bad)
    assert refused["material"] is None
    assert {(tuple(e["field"]), e["code"]) for e in refused["userErrors"]} == {
        (("input", "descriptions", "0", "language"), "INVALID_VALUE"),
        (("input", "descriptions", "2", "language"), "DUPLICATE"),
        (("input", "prices", "0", "amount"), "INVALID_VALUE"),
        (("input", "prices", "1", "currency"), "INVALID_VALUE"),
        (("input", "prices", "2", "validTo"), "INVALID_DATE_RANGE"),
        (("input", "descriptions", "3", "language"), "INVALID_VALUE"),
        (("input", "prices", "3", "currency"), "INVALID_VALUE"),
    }
    messages = {tuple(e["field"]): e["message"] for e in refused["userErrors"]}
    assert "ISO 4217" in messages[("input", "prices", "3", "currency")]
    assert "ISO 639-1" in messages[("input", "descriptions", "3", "language")]
    assert ok(hub, '{ material(number: "M-%s") { id } }' % unique) == {"material": None}


def test_materials_filter_by_description_in_any_spelling_sort_page_and_count(
    hub: RunningHub, unique: str
) -> None:
    for i, (kind, text) in enumerate(
        [("FERT", "Öltank"), ("HAWA", "Oelfilter"), ("HAWA", "Zündkerze"), ("DIEN", "Ölwechsel")]
    ):
        values = {
            "source": {"system": "ERP", "key": f"{unique}-{i}"},
            "number": f"{unique}-{i}",
            "type": kind,
            "descriptions": [{"language": "de", "text": f"{text} {unique}"}],
        }
        assert material(hub, values)["userErrors"] == []
    mine = {"number": {"startsWith": unique}}
    oil = {"AND": [mine, {"description": {"startsWith": "oel"}}]}
    found = ok(hub, MATERIALS, {"where": oil, "orderBy": [{"field": "DESCRIPTION"}]})
    names = [e["node"]["description"] for e in found["materials"]["edges"]]
    assert names == [f"Oelfilter {unique}", f"Öltank {unique}", f"Ölwechsel {unique}"]
    assert found["materialFacets"]["total"] == 3
    counts = {c["value"]: c["count"] for c in found["materialFacets"]["type"]}
    assert counts == {"HAWA": 1, "FERT": 1, "DIEN": 1}
    first = ok(hub, MATERIALS, {"where": mine, "first": 3})["materials"]
    rest = ok(hub, MATERIALS, {"where": mine, "first": 3, "after": first["pageInfo"]["endCursor"]})
    numbers = [e["node"]["number"] for e in first["edges"] + rest["materials"]["edges"]]
    assert numbers == [f"{unique}-{i}" for i in range(4)]
    assert not rest["materials"]["pageInfo"]["hasNextPage"]


def test_a_vehicle_names_its_material_and_the_material_lists_its_vehicles(
    hub: RunningHub, unique: str
) -> None:
    assert material(hub, x5(unique))["userErrors"] == []
    car = {
        "source": {"system": "VMS", "key": f"V-{unique}"},
        "vin": vin_for(unique),
        "material": {"number": f"M-{unique}"},
    }
    assert vehicle(hub, car)["userErrors"] == []
    read = ok(
        hub,
        '{ vehicle(vin: "%s") { material { number description } } '
        'material(number: "M-%s") { vehicles(first: 5) { edges { node { vin } } } } }'
        % (vin_for(unique), unique),
    )
    assert read["vehicle"]["material"]["number"] == f"M-{unique}"
    assert read["material"]["vehicles"]["edges"] == [{"node": {"vin": vin_for(unique)}}]
    unknown = vehicle(hub, {**car, "material": {"number": f"NONE-{unique}"}})
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [
        (["input", "material"], "NOT_FOUND")
    ]


def test_matmas_idocs_load_as_materials_with_descriptions_and_prices(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    digits = str(int(unique, 16) % 10**9)
    file = tmp_path / "erp-materials.xml"
    idoc.write_materials(
        file,
        [
            {
                "number": digits,
                "type": "FERT",
                "group": "VEH",
                "baseUnit": "ST",
                "descriptions": [
                    {"language": "de", "text": f"Kombi {unique}"},
                    {"language": "zh", "text": f"旅行车 {unique}"},
                ],
                "prices": [{"amount": 41000.0, "currency": "EUR"}],
            },
            {"number": f"X-{unique}", "type": "DIEN", "prices": [{"amount": 1.0, "currency": ""}]},
        ],
    )
    assert kind_of(file) == "Material"
    loader = Loader(hub.store, "ERP", tmp_path / "rejects.ndjson")
    summary = hub.run(loader.load([file]))
    assert summary.counts["Material"]["created"] == 1
    assert summary.rejected == 1  # a price sent without its currency
    read = ok(
        hub,
        '{ material(number: "%s") { description descriptions { language text } '
        "prices { type amount currency } sources { system key } } }" % digits,
    )["material"]
    assert read["descriptions"][1] == {"language": "zh", "text": f"旅行车 {unique}"}
    assert read["prices"] == [{"type": "STANDARD", "amount": 41000.0, "currency": "EUR"}]
    # SAP pads an all-digit number with zeros; the hub keeps it as SAP shows it.
    assert read["sources"] == [{"system": "ERP", "key": digits}]


def test_materials_load_from_csv_with_their_descriptions(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    (tmp_path / "materials.csv").write_text(
        "source.key,number,type,descriptions.0.language,descriptions.0.text,"
        "prices.0.type,prices.0.amount,prices.0.currency\n"
        f"C-{unique},C-{unique},HAWA,de,Winterreifen {unique},LIST,199.90,EUR\n",
        encoding="utf-8",
    )
    loader = Loader(hub.store, "ERP", tmp_path / "rejects.ndjson")
    summary = hub.run(loader.load([tmp_path / "materials.csv"]))
    assert summary.counts["Material"]["created"] == 1 and summary.rejected == 0
    read = ok(hub, '{ material(number: "C-%s") { description prices { amount } } }' % unique)
    assert read["material"] == {
        "description": f"Winterreifen {unique}",
        "prices": [{"amount": 199.9}],
    }


def test_an_all_digit_material_number_is_one_material_with_or_without_saps_zeros(
    hub: RunningHub, unique: str
) -> None:
    digits = str(int(unique, 16) % 10**9 + 7 * 10**9)  # unique to this test, ten digits
    padded = digits.rjust(18, "0")  # as SAP's tables and IDocs pad it
    made = material(hub, x5(unique, number=padded))
    assert made["userErrors"] == [] and made["material"]["number"] == digits
    by_number = '{ material(number: "%s") { id } }'
    assert ok(hub, by_number % padded)["material"] == {"id": made["material"]["id"]}
    assert ok(hub, by_number % digits)["material"] == {"id": made["material"]["id"]}
    car = {
        "source": {"system": "VMS", "key": f"V-{unique}"},
        "vin": vin_for(unique),
        "material": {"number": f"00{digits}"},
    }
    assert vehicle(hub, car)["userErrors"] == []
    read = ok(hub, '{ vehicle(vin: "%s") { material { id } } }' % vin_for(unique))
    assert read["vehicle"]["material"] == {"id": made["material"]["id"]}


def test_an_amount_that_is_no_finite_number_is_refused_and_nothing_is_stored(
    hub: RunningHub, unique: str
) -> None:
    # A file's cell reads NaN or Infinity as such; stored, every read of the material failed.
    for amount in (float("nan"), float("inf")):
        row = x5(unique, prices=[{"type": "LIST", "amount": amount, "currency": "EUR"}])
        _, problems = deliveries.material(row, ())
        assert [(p.path, p.code) for p in problems] == [(("prices", 0, "amount"), "INVALID_VALUE")]
        assert "finite" in problems[0].message
    # 1e400 in a query's text parses to infinity.
    literal = (
        'mutation { upsertMaterial(input: {source: {system: "ERP", key: "M-%s"}, number: "M-%s", '
        'prices: [{type: LIST, amount: 1e400, currency: "EUR"}]}) { userErrors { field code } } }'
        % (unique, unique)
    )
    body = hub.graphql(literal)
    refused = body.get("errors") or body["data"]["upsertMaterial"]["userErrors"]
    assert refused, body
    assert ok(hub, '{ material(number: "M-%s") { id } }' % unique) == {"material": None}
