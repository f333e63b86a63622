"""hub export: the partners that changed, written for a system to import, load into another
hub as they were (a round trip), in NDJSON and as SAP IDoc."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.domain import change_log
from hub.read import changes
from loaders.export import export
from loaders.load import Loader
from tests.harness import RunningHub, hub_command, ok
from tests.test_deletions import delete
from tests.test_stewardship import MERGE

PARTNER = """
mutation($input: BusinessPartnerInput!) {
  upsertBusinessPartner(input: $input) { businessPartner { id } userErrors { field code } }
}
"""


def partners(unique: str) -> list[dict[str, Any]]:
    return [
        {
            "source": {"system": "ERP", "key": f"X{unique}1"},
            "kind": "PERSON",
            "firstName": "Ilse",
            "lastName": f"Export{unique}",
            "email": f"ilse.{unique.lower()}@example.net",
            "phone": f"+49 40 {int(unique[:6], 16) % 10_000_000:07d}",
            "roles": ["CUSTOMER"],
            "addresses": [
                {
                    "street": f"Elbchaussee {unique}",
                    "houseNumber": "12",
                    "postalCode": "22765",
                    "city": "Hamburg",
                    "country": "DE",
                }
            ],
        },
        {
            "source": {"system": "ERP", "key": f"X{unique}2"},
            "kind": "ORGANIZATION",
            "organizationName": f"Ausfuhr {unique} GmbH",
            "taxNumber": f"DE{int(unique[:8], 16) % 10**9:09d}",
            "roles": ["VENDOR"],
        },
        {
            "source": {"system": "ERP", "key": f"X{unique}3"},
            "kind": "ORGANIZATION",
            "organizationName": f"Geht {unique} AG",
            "roles": ["CUSTOMER"],
        },
    ]


def position(hub: RunningHub) -> int:
    hub.run(change_log.sequence(hub.store))
    return int(hub.run(changes.head(hub.store)))


VALUES = """
MATCH (:SourceRecord {entity: 'BusinessPartner', system: 'ERP', key: $key})-[:SOURCE_OF]->(g)
RETURN g {.kind, .name, .firstName, .lastName, .organizationName, .email, .phone, .taxNumber,
          .roles} AS values, g.deletedAt IS NOT NULL AS deleted,
       [(g)-[:HAS_ADDRESS]->(a) | a {.street, .houseNumber, .postalCode, .city, .country}]
       AS addresses
"""


def stored(hub: RunningHub, key: str, summary: Any = None) -> dict[str, Any]:
    """The partner ERP delivered under ``key``: its values, addresses and whether deleted."""
    rows = hub.run(hub.store.query(VALUES, {"key": key}))
    assert len(rows) == 1, (key, summary, hub.run(hub.store.query(SOURCES, {"key": key})))
    return dict(rows[0])


SOURCES = "MATCH (s:SourceRecord {key: $key}) RETURN s {.*} AS source"


@pytest.mark.parametrize("form", ["ndjson", "idoc"])
def test_exported_partners_load_into_another_hub_as_they_were(
    hub: RunningHub, secured: RunningHub, unique: str, tmp_path: Path, form: str
) -> None:
    start = position(hub)
    rows = partners(unique)
    for row in rows:
        assert ok(hub, PARTNER, {"input": row})["upsertBusinessPartner"]["userErrors"] == []
    keys = [row["source"]["key"] for row in rows]
    # The other hub knows the third one, which is then deleted here: the export says so.
    (tmp_path / "known").mkdir()
    (tmp_path / "known" / "partners.ndjson").write_text(json.dumps(rows[2]) + "\n")
    secured.run(Loader(secured.store, "ERP", tmp_path / "r0.ndjson").load([tmp_path / "known"]))
    delete(hub, "BUSINESS_PARTNER", "ERP", keys[2], "closed")

    done = hub.run(export(hub.store, "erp", tmp_path / "out", form, start))

    assert (done.partners, done.deleted) == (2, 1)
    rejects = tmp_path / "rejects.ndjson"
    summary = secured.run(Loader(secured.store, "ERP", rejects).load([tmp_path / "out"]))
    assert summary.rejected == 0, rejects.read_text()
    for key in keys[:2]:
        assert stored(secured, key, summary) == stored(hub, key)
    assert stored(secured, keys[2])["deleted"]


def test_the_cli_prints_a_cursor_the_next_export_continues_from(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    env = {"HUB_DATA_DIR": str(hub.services.settings.data_dir)}
    first = hub_command("export", "erp", str(tmp_path / "a"), env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    cursor = first.stdout.strip().splitlines()[-1]
    ok(hub, PARTNER, {"input": partners(unique)[0]})

    second = hub_command(
        "export", "erp", str(tmp_path / "b"), "--after", cursor, env=env, cwd=tmp_path
    )

    assert second.returncode == 0, second.stderr
    assert second.stdout.startswith("1 partners and 0 deletions")
    assert f"X{unique}1" in (tmp_path / "b" / "partners.ndjson").read_text()
    # A folder holding an export, or a file, is refused in one line: nothing is overwritten.
    for target in (tmp_path / "b", tmp_path / "b" / "partners.ndjson"):
        refused = hub_command("export", "erp", str(target), env=env, cwd=tmp_path)
        assert refused.returncode == 2, refused.stderr
        assert "Traceback" not in refused.stderr and str(target) in refused.stderr
    assert f"X{unique}1" in (tmp_path / "b" / "partners.ndjson").read_text()


def test_a_partner_exported_under_the_hubs_id_is_deleted_under_it(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    start = position(hub)
    rows = partners(unique)
    made = ok(hub, PARTNER, {"input": rows[2]})["upsertBusinessPartner"]["businessPartner"]
    first = hub.run(export(hub.store, "CRM", tmp_path / "a", "ndjson", start))
    written = [
        json.loads(line) for line in (tmp_path / "a" / "partners.ndjson").read_text().splitlines()
    ]
    (key,) = [row["source"]["key"] for row in written if row.get("organizationName") == rows[2][
        "organizationName"]]  # fmt: skip
    assert key.startswith("HUB-")
    delete(hub, "BUSINESS_PARTNER", "ERP", rows[2]["source"]["key"], "closed")

    done = hub.run(export(hub.store, "CRM", tmp_path / "b", "ndjson", first.position))

    gone = [
        json.loads(line) for line in (tmp_path / "b" / "partners.ndjson").read_text().splitlines()
    ]
    assert gone == [{"source": {"system": "CRM", "key": key}, "deleted": True}], made
    assert (done.partners, done.deleted) == (0, 1)


def test_a_partner_written_under_the_hubs_id_after_its_own_key_left_is_deleted_under_both(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    org = partners(unique)[2]
    made = ok(hub, PARTNER, {"input": org})["upsertBusinessPartner"]["businessPartner"]
    crm = {**org, "source": {"system": "CRM", "key": f"C{unique}"}}
    crm_made = ok(hub, PARTNER, {"input": crm})["upsertBusinessPartner"]["businessPartner"]
    # One organisation, fed by ERP and CRM.
    ok(hub, MERGE, {"input": {"survivor": {"id": made["id"]}, "merged": [{"id": crm_made["id"]}]}})
    delete(hub, "BUSINESS_PARTNER", "CRM", f"C{unique}", "left CRM")
    start = position(hub)
    hub.run(export(hub.store, "CRM", tmp_path / "a", "ndjson", start - 1))
    written = (tmp_path / "a" / "partners.ndjson").read_text()
    assert '"key": "HUB-' in written or '"key":"HUB-' in written
    after = position(hub)
    delete(hub, "BUSINESS_PARTNER", "ERP", org["source"]["key"], "closed")
    hub.run(export(hub.store, "CRM", tmp_path / "b", "ndjson", after))
    gone = [
        json.loads(line) for line in (tmp_path / "b" / "partners.ndjson").read_text().splitlines()
    ]
    keys = sorted(row["source"]["key"] for row in gone)
    assert all(row["deleted"] for row in gone)
    assert keys[0] == f"C{unique}" and keys[1].startswith("HUB-") and len(keys) == 2, keys


def test_a_partner_deleted_and_later_erased_is_deleted_under_its_own_key_alone(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    org = partners(unique)[2]
    made = ok(hub, PARTNER, {"input": org})["upsertBusinessPartner"]["businessPartner"]
    delete(hub, "BUSINESS_PARTNER", "ERP", org["source"]["key"], "closed")
    start = position(hub)
    erased = ok(
        hub,
        'mutation($id: ID!) { erasePartner(id: $id, reason: "asked") { userErrors { code } } }',
        {"id": made["id"]},
    )
    assert erased["erasePartner"]["userErrors"] == []
    hub.run(export(hub.store, "ERP", tmp_path / "e", "ndjson", start))
    gone = [
        json.loads(line) for line in (tmp_path / "e" / "partners.ndjson").read_text().splitlines()
    ]
    # ERP's key was there until the partner was deleted: it was never written as HUB-<id>.
    assert gone == [{"source": {"system": "ERP", "key": org["source"]["key"]}, "deleted": True}]
