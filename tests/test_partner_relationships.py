"""Relationships between partners: contact persons, subsidiaries, dealers and partner
functions, read in both directions, filtered, merged and loaded."""

from pathlib import Path
from typing import Any

from hub.domain import deliveries
from loaders.load import Loader
from tests.harness import RunningHub, ok
from tests.test_stewardship import MERGE, UNMERGE, partner, person_values

UPSERT = """
mutation($input: BusinessPartnerInput!) {
  upsertBusinessPartner(input: $input) {
    created changed userErrors { field code message }
    businessPartner { id relationships { type direction partner { name } validFrom validTo } }
  }
}
"""
RELATIONSHIPS = """
query($source: SourceRefInput!, $types: [PartnerRelationshipType!],
      $direction: RelationshipDirection, $on: Date) {
  businessPartner(source: $source) {
    relationships(types: $types, direction: $direction, validOn: $on) {
      type direction partner { name } validFrom validTo
    }
  }
}
"""
PARTNERS = """
query($where: BusinessPartnerWhere) {
  businessPartners(where: $where, orderBy: [{field: NAME}]) { edges { node { name } } }
}
"""


def company(hub: RunningHub, key: str, name: str, **values: Any) -> dict[str, Any]:
    data = {
        "source": {"system": "CRM", "key": key},
        "kind": "ORGANIZATION",
        "organizationName": name,
        **values,
    }
    result: dict[str, Any] = ok(hub, UPSERT, {"input": data})["upsertBusinessPartner"]
    return result


def crm(key: str) -> dict[str, Any]:
    return {"source": {"system": "CRM", "key": key}}


def read(hub: RunningHub, key: str, **arguments: Any) -> list[dict[str, Any]]:
    found = ok(hub, RELATIONSHIPS, {"source": {"system": "CRM", "key": key}, **arguments})
    relationships: list[dict[str, Any]] = found["businessPartner"]["relationships"]
    return relationships


def test_a_relationship_reads_from_both_ends_with_its_validity(
    hub: RunningHub, unique: str
) -> None:
    assert company(hub, f"H-{unique}", f"Holding {unique}")["userErrors"] == []
    made = company(
        hub,
        f"S-{unique}",
        f"Tochter {unique}",
        relationships=[
            {"type": "SUBSIDIARY_OF", "partner": crm(f"H-{unique}"), "validFrom": "2020-01-01"},
            {"type": "BILL_TO", "partner": crm(f"H-{unique}")},
        ],
    )
    assert made["userErrors"] == [] and made["created"]
    assert made["businessPartner"]["relationships"] == [
        {
            "type": "BILL_TO",
            "direction": "OUTGOING",
            "partner": {"name": f"Holding {unique}"},
            "validFrom": None,
            "validTo": None,
        },
        {
            "type": "SUBSIDIARY_OF",
            "direction": "OUTGOING",
            "partner": {"name": f"Holding {unique}"},
            "validFrom": "2020-01-01",
            "validTo": None,
        },
    ]
    incoming = read(hub, f"H-{unique}", types=["SUBSIDIARY_OF"])
    assert incoming == [
        {
            "type": "SUBSIDIARY_OF",
            "direction": "INCOMING",
            "partner": {"name": f"Tochter {unique}"},
            "validFrom": "2020-01-01",
            "validTo": None,
        }
    ]
    assert read(hub, f"H-{unique}", direction="OUTGOING") == []
    assert len(read(hub, f"S-{unique}", on="2019-06-30")) == 1  # billing holds always
    again = company(hub, f"S-{unique}", f"Tochter {unique}", relationships=[])
    assert again["changed"] and again["businessPartner"]["relationships"] == []
    assert read(hub, f"H-{unique}") == []


def test_a_groups_hierarchy_reads_in_one_request(hub: RunningHub, unique: str) -> None:
    company(hub, f"G-{unique}", f"Gruppe {unique}", kind="GROUP")
    for name in ("Nord", "Süd"):
        company(
            hub,
            f"{name}-{unique}",
            f"{name} {unique}",
            relationships=[{"type": "SUBSIDIARY_OF", "partner": crm(f"G-{unique}")}],
        )
    company(
        hub,
        f"Werk-{unique}",
        f"Werk {unique}",
        relationships=[{"type": "SUBSIDIARY_OF", "partner": crm(f"Nord-{unique}")}],
    )
    tree = ok(
        hub,
        """query($s: SourceRefInput!) { businessPartner(source: $s) { name
          relationships(direction: INCOMING, types: [SUBSIDIARY_OF]) { partner { name
            relationships(direction: INCOMING, types: [SUBSIDIARY_OF]) { partner { name } }
          } } } }""",
        {"s": {"system": "CRM", "key": f"G-{unique}"}},
    )["businessPartner"]
    children = {
        r["partner"]["name"]: [c["partner"]["name"] for c in r["partner"]["relationships"]]
        for r in tree["relationships"]
    }
    assert children == {f"Nord {unique}": [f"Werk {unique}"], f"Süd {unique}": []}


def test_partners_filter_by_their_relationships(hub: RunningHub, unique: str) -> None:
    company(hub, f"A-{unique}", f"Autohaus {unique}")
    partner(
        hub,
        "CRM",
        f"C-{unique}",
        **person_values(unique, 1),
        relationships=[{"type": "CONTACT_PERSON_OF", "partner": crm(f"A-{unique}")}],
    )
    partner(hub, "CRM", f"N-{unique}", **person_values(unique, 2))
    mine = {"name": {"contains": unique}}
    contacts = {
        "AND": [
            {"relationship": {"type": "CONTACT_PERSON_OF", "direction": "OUTGOING",
                              "partner": {"name": {"contains": f"autohaus {unique}"}}}},
        ]
    }  # fmt: skip
    found = ok(hub, PARTNERS, {"where": contacts})["businessPartners"]["edges"]
    assert len(found) == 1 and found[0]["node"]["name"] != f"Autohaus {unique}"
    having = {"AND": [mine, {"relationship": {"direction": "INCOMING"}}]}
    names = [
        e["node"]["name"] for e in ok(hub, PARTNERS, {"where": having})["businessPartners"]["edges"]
    ]
    assert names == [f"Autohaus {unique}"]


def test_bad_relationships_are_refused_naming_each_field(hub: RunningHub, unique: str) -> None:
    backwards = {"type": "PAYER", "partner": crm(f"B-{unique}"), "validFrom": "2026-02-01",
                 "validTo": "2026-01-01"}  # fmt: skip
    refused = company(hub, f"B-{unique}", f"Bad {unique}", relationships=[backwards])
    assert refused["businessPartner"] is None
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "relationships", "0", "validTo"], "INVALID_DATE_RANGE")
    ]
    # A file's row is not checked by GraphQL: a relationship without type or partner.
    row = {"source": crm(f"B-{unique}")["source"], "kind": "ORGANIZATION",
           "organizationName": "X", "relationships": [{"type": "COUSIN_OF"}, {}]}  # fmt: skip
    _, problems = deliveries.partner(row, ())
    assert {(p.path, p.code) for p in problems} == {
        (("relationships", 0, "type"), "INVALID_VALUE"),
        (("relationships", 0, "partner"), "REQUIRED"),
        (("relationships", 1, "type"), "REQUIRED"),
        (("relationships", 1, "partner"), "REQUIRED"),
    }
    nobody = {"type": "SUBSIDIARY_OF", "partner": crm(f"NONE-{unique}")}
    missing = company(hub, f"B-{unique}", f"Bad {unique}", relationships=[nobody])
    assert [(e["field"], e["code"]) for e in missing["userErrors"]] == [
        (["input", "relationships", "0", "partner"], "NOT_FOUND")
    ]


def test_merging_moves_relationships_at_both_ends_and_unmerging_moves_them_back(
    hub: RunningHub, unique: str
) -> None:
    company(hub, f"H-{unique}", f"Holding {unique}")
    company(
        hub,
        f"T-{unique}",
        f"Tochter {unique}",
        relationships=[{"type": "SUBSIDIARY_OF", "partner": crm(f"H-{unique}")}],
    )
    erp = {"source": {"system": "ERP", "key": f"E-{unique}"}, "kind": "ORGANIZATION",
           "organizationName": f"Holding {unique} AG",
           "relationships": [{"type": "SHIP_TO", "partner": crm(f"T-{unique}")}]}  # fmt: skip
    second = ok(hub, UPSERT, {"input": erp})["upsertBusinessPartner"]
    assert second["userErrors"] == []
    first = ok(hub, '{ businessPartner(source: {system: "CRM", key: "H-%s"}) { id } }' % unique)
    merge = {
        "survivor": {"id": first["businessPartner"]["id"]},
        "merged": [{"id": second["businessPartner"]["id"]}],
    }
    assert ok(hub, MERGE, {"input": merge})["mergeBusinessPartners"]["userErrors"] == []
    both = {(r["type"], r["direction"]) for r in read(hub, f"H-{unique}")}
    assert both == {("SUBSIDIARY_OF", "INCOMING"), ("SHIP_TO", "OUTGOING")}
    source = {"system": "ERP", "key": f"E-{unique}"}
    assert ok(hub, UNMERGE, {"source": source})["unmergeBusinessPartner"]["userErrors"] == []
    assert [(r["type"], r["direction"]) for r in read(hub, f"H-{unique}")] == [
        ("SUBSIDIARY_OF", "INCOMING")
    ]


def test_relationships_load_from_a_csv_before_or_after_their_partner(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    (tmp_path / "partners.csv").write_text(
        "source.key,kind,organizationName,relationships.0.type,relationships.0.partner.source.key\n"
        f"K-{unique},ORGANIZATION,Kunde {unique},SOLD_TO,Z-{unique}\n"
        f"Z-{unique},ORGANIZATION,Zentrale {unique},,\n",
        encoding="utf-8",
    )
    summary = hub.run(Loader(hub.store, "CRM", tmp_path / "rejects.ndjson").load([tmp_path]))
    assert summary.rejected == 0
    assert [(r["type"], r["partner"]["name"]) for r in read(hub, f"K-{unique}")] == [
        ("SOLD_TO", f"Zentrale {unique}")
    ]


def test_a_partner_merged_away_that_another_source_still_names_is_its_survivor(
    hub: RunningHub, unique: str
) -> None:
    old = company(hub, f"H1-{unique}", f"Alt Holding {unique}")["businessPartner"]["id"]
    new = company(hub, f"H2-{unique}", f"Neu Holding {unique}")["businessPartner"]["id"]
    subsidiary = [{"type": "SUBSIDIARY_OF", "partner": crm(f"H1-{unique}")}]
    tochter = company(hub, f"T-{unique}", f"Tochter {unique}", relationships=subsidiary)
    erp = {"source": {"system": "ERP", "key": f"T-{unique}"}, "kind": "ORGANIZATION",
           "organizationName": f"Tochter {unique} GmbH", "relationships": subsidiary}  # fmt: skip
    second = ok(hub, UPSERT, {"input": erp})["upsertBusinessPartner"]["businessPartner"]["id"]
    if second != tochter["businessPartner"]["id"]:  # not merged on arrival: a steward does
        merge = {"survivor": {"id": tochter["businessPartner"]["id"]}, "merged": [{"id": second}]}
        assert ok(hub, MERGE, {"input": merge})["mergeBusinessPartners"]["userErrors"] == []
    holdings = {"survivor": {"id": new}, "merged": [{"id": old}]}
    assert ok(hub, MERGE, {"input": holdings})["mergeBusinessPartners"]["userErrors"] == []
    # CRM changes its record: the ERP source still names the holding merged away.
    payer = {"type": "PAYER", "partner": crm(f"H2-{unique}")}
    changed = company(hub, f"T-{unique}", f"Tochter {unique}", relationships=[*subsidiary, payer])
    assert changed["userErrors"] == []
    assert sorted((r["type"], r["partner"]["name"]) for r in read(hub, f"T-{unique}")) == [
        ("PAYER", f"Neu Holding {unique}"),
        ("SUBSIDIARY_OF", f"Neu Holding {unique}"),
    ]


def test_a_relationship_must_fit_both_partners_and_be_listed_once(
    hub: RunningHub, unique: str
) -> None:
    holding = company(hub, f"H-{unique}", f"Holding {unique}")
    assert holding["userErrors"] == []
    subsidiary = {"type": "SUBSIDIARY_OF", "partner": crm(f"H-{unique}")}
    tochter = company(hub, f"T-{unique}", f"Tochter {unique}", relationships=[subsidiary])
    assert tochter["userErrors"] == []
    # Naming itself is refused, and the relationship it had stays.
    itself = {"type": "DEALER_OF", "partner": crm(f"T-{unique}")}
    refused = company(hub, f"T-{unique}", f"Tochter {unique}", relationships=[itself])
    assert [(e["field"], e["code"]) for e in refused["userErrors"]] == [
        (["input", "relationships", "0", "partner"], "INVALID_VALUE")
    ]
    assert [r["type"] for r in read(hub, f"T-{unique}")] == ["SUBSIDIARY_OF"]
    # An organisation is no contact person, a person no subsidiary; a relationship is listed once.
    contact = {"type": "CONTACT_PERSON_OF", "partner": crm(f"H-{unique}")}
    wrong = company(hub, f"W-{unique}", f"Wrong {unique}", relationships=[contact])
    assert [(e["field"], e["code"]) for e in wrong["userErrors"]] == [
        (["input", "relationships", "0", "type"], "INVALID_VALUE")
    ]
    row = {"source": crm(f"P-{unique}")["source"], "kind": "PERSON", "lastName": "X",
           "relationships": [subsidiary, contact, contact]}  # fmt: skip
    _, problems = deliveries.partner(row, ())
    assert [(p.path, p.code) for p in problems] == [
        (("relationships", 0, "type"), "INVALID_VALUE"),
        (("relationships", 2), "DUPLICATE"),
    ]
    # One way for two periods is two relationships.
    periods = [{**contact, "validTo": "2020-12-31"}, {**contact, "validFrom": "2023-01-01"}]
    _, problems = deliveries.partner({**row, "relationships": periods}, ())
    assert problems == []
