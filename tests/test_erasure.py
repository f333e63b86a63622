"""erasePartner: a person's data leaves the hub, everywhere; a tombstone and an event remain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.domain import change_log
from hub.ids import from_global
from loaders.load import Loader
from tests.harness import RunningHub, ok
from tests.test_console_api import ROWS
from tests.test_documents import document
from tests.test_matching import unique
from tests.test_stewardship import MERGE, partner, person_values

ERASE = """
mutation($id: ID!, $reason: String!) {
  erasePartner(id: $id, reason: $reason) {
    filesRemoved userErrors { field code message }
    businessPartner { id name firstName email erasedAt deletedAt
      changeHistory { nodes { action reason changes { field before after } } } }
  }
}
"""
PARTNER = """
mutation($input: BusinessPartnerInput!) {
  upsertBusinessPartner(input: $input) { businessPartner { id } userErrors { field code } }
}
"""


def _values(token: str, n: int) -> dict[str, Any]:
    """A person whose every value is this test's own, so that finding one anywhere means it
    was left behind."""
    return {
        "firstName": f"Vorname{token}",
        "lastName": f"Nachname{token}",
        "birthDate": "1911-11-11",
        "email": f"erase.{token.lower()}{n}@example.org",
        "phone": f"+49 89 {7000000 + n * 17 + len(token):07d}",
        "taxNumber": f"DE{token}{n}",
        "addresses": [
            {
                "street": f"Geheimweg{token}",
                "houseNumber": str(n),
                "postalCode": "80331",
                "city": "München",
                "country": "DE",
            }
        ],
    }


def _everything(hub: RunningHub) -> list[tuple[str, str]]:
    """Every property value of every node and relationship in the graph, as text, with
    where it is (label or type, and property)."""
    rows = hub.run(
        hub.store.query(
            "MATCH (n) RETURN head(labels(n)) AS at, properties(n) AS values "
            "UNION ALL MATCH ()-[r]->() RETURN type(r) AS at, properties(r) AS values"
        )
    )
    return [
        (f"{row['at']}.{name}", str(value)) for row in rows for name, value in row["values"].items()
    ]


def _files(root: Path) -> list[bytes]:
    return [path.read_bytes() for path in root.rglob("*") if path.is_file()]


def test_erasure_leaves_no_former_value_in_the_graph_or_the_stored_files(hub: RunningHub) -> None:
    token = unique("e").upper()
    crm = partner(hub, "CRM", f"A-{token}", **_values(token, 1))
    erp = partner(hub, "ERP", f"B-{token}", **_values(token, 2))
    survivor = crm["businessPartner"]["id"]
    ok(
        hub,
        MERGE,
        {"input": {"survivor": {"id": survivor}, "merged": [{"id": erp["businessPartner"]["id"]}]}},
    )
    # Updated once more, so that events hold the values before and after.
    partner(
        hub,
        "CRM",
        f"A-{token}",
        **{
            **_values(token, 1),
            "lastName": f"Verheiratet{token}",
            "email": f"neu.{token}@example.org",
        },
    )
    secret = f"Personalakte {token}".encode()
    stored = document(
        hub,
        {
            "source": {"system": "PDM", "key": f"DOC-{token}"},
            "number": f"PA-{token}",
            "revision": "A",
            "type": "OTHER",
            "title": "Personalakte",
            "about": [{"id": survivor}],
        },
        secret,
        name=f"akte-{token}.pdf",
    )
    assert stored["userErrors"] == []
    files_dir = hub.services.files.root
    assert any(secret in content for content in _files(files_dir))
    former = [
        *(v for v in _values(token, 1).values() if isinstance(v, str) and v != "DE"),
        _values(token, 2)["email"],
        _values(token, 2)["taxNumber"],
        f"Geheimweg{token}",
        f"neu.{token}@example.org".lower(),
        f"Verheiratet{token}",
        f"akte-{token}.pdf",
    ]
    assert any(former[1] in value for _, value in _everything(hub))

    erased = ok(hub, ERASE, {"id": survivor, "reason": "asked under GDPR art. 17"})["erasePartner"]

    assert erased["userErrors"] == [] and erased["filesRemoved"] == 1
    tombstone = erased["businessPartner"]
    assert tombstone["id"] == survivor and tombstone["erasedAt"] and tombstone["deletedAt"]
    assert tombstone["firstName"] is None and tombstone["email"] is None
    events = tombstone["changeHistory"]["nodes"]
    assert events[-1]["action"] == "ERASED" and events[-1]["reason"] == "asked under GDPR art. 17"
    assert all(
        c["before"] is None and c["after"] is None for e in events[:-1] for c in e["changes"]
    )
    # The erasure's own event says what the partner is now, and nothing of what it was.
    shown = {c["field"]: (c["before"], c["after"]) for c in events[-1]["changes"]}
    assert shown["name"] == (None, "(erased)")
    assert shown["deletedAt"][0] is None and shown["deletedAt"][1].endswith("+00:00")
    # Counts the hub held back when the person was delivered are written by now, or never.
    hub.run(hub.services.matcher.write_counts(hub.store))
    everything = _everything(hub)
    left = {
        (value, where)
        for value in former
        for where, text in everything
        if value.lower() in text.lower()
    }
    assert left == set(), left
    assert not any(secret in content for content in _files(files_dir))


def _unmerged(hub: RunningHub, system: str, key: str) -> dict[str, Any]:
    done: dict[str, Any] = ok(
        hub,
        "mutation($s: SourceRefInput!) { unmergeBusinessPartner(source: $s) "
        "{ businessPartner { id } userErrors { code } } }",
        {"s": {"system": system, "key": key}},
    )["unmergeBusinessPartner"]
    return done


def test_erasing_a_partner_split_out_again_leaves_its_values_in_no_others_history(
    hub: RunningHub,
) -> None:
    token = unique("s").upper()
    # The survivor stays: none of its values is one another test looks for after erasures.
    own = {**_values(token, 1), "birthDate": "1950-05-05"}
    survivor = partner(hub, "CRM", f"A-{token}", **own)["businessPartner"]["id"]
    merged = partner(hub, "ERP", f"B-{token}", **_values(token, 2))["businessPartner"]["id"]
    ok(hub, MERGE, {"input": {"survivor": {"id": survivor}, "merged": [{"id": merged}]}})
    # Its system delivers again while it is merged: the survivor's history records that.
    partner(hub, "ERP", f"B-{token}", **{**_values(token, 2), "taxNumber": f"DE{token}NEU"})
    split = _unmerged(hub, "ERP", f"B-{token}")
    assert split["userErrors"] == [] and split["businessPartner"]["id"] == merged
    theirs = [_values(token, 2)[name] for name in ("email", "phone", "taxNumber")]
    theirs += [f"DE{token}NEU", "+49" + _values(token, 2)["phone"][4:].replace(" ", "")]
    assert any(v in value for v in theirs for _, value in _everything(hub))

    erased = ok(hub, ERASE, {"id": merged, "reason": "GDPR"})["erasePartner"]

    assert erased["userErrors"] == []
    left = [(where, v) for where, value in _everything(hub) for v in theirs if v in value]
    assert left == []
    history = ok(
        hub,
        "query($id: ID!) { businessPartner(id: $id) { firstName "
        "changeHistory { nodes { action } } } }",
        {"id": survivor},
    )["businessPartner"]
    assert history["firstName"] == _values(token, 1)["firstName"], "the survivor keeps its own"
    assert "MERGED" in [e["action"] for e in history["changeHistory"]["nodes"]]


def test_erasing_a_partner_split_from_one_it_joined_on_arrival_leaves_nothing_there(
    hub: RunningHub,
) -> None:
    token = unique("j").upper()
    values = person_values(token, 5)
    survivor = partner(hub, "CRM", f"A-{token}", **values)["businessPartner"]["id"]
    joined = partner(hub, "ERP", f"B-{token}", **values)
    assert joined["businessPartner"]["id"] == survivor, "merged on arrival"
    theirs = {"taxNumber": f"DE{token}J", "email": f"j.{token.lower()}@example.org"}
    partner(hub, "ERP", f"B-{token}", **values, **theirs)
    assert any(theirs["taxNumber"] in value for _, value in _everything(hub))
    split = _unmerged(hub, "ERP", f"B-{token}")
    assert split["userErrors"] == []
    # The pair the split marked is gone, as when the survivor is merged on and the pair
    # follows it: the split partner's own events must lead to the survivor.
    decoded = from_global(split["businessPartner"]["id"])
    assert decoded is not None
    hub.run(
        hub.store.query(
            "MATCH (c:MatchCandidate)-[:LEFT|RIGHT]->(:BusinessPartner {id: $id}) DETACH DELETE c",
            {"id": decoded[1]},
        )
    )

    erased = ok(hub, ERASE, {"id": split["businessPartner"]["id"], "reason": "GDPR"})
    assert erased["erasePartner"]["userErrors"] == []
    left = [
        (where, value) for where, value in _everything(hub) for v in theirs.values() if v in value
    ]
    assert left == []


def test_erasure_rewrites_change_batches_in_statements_of_bounded_size(
    hub: RunningHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(change_log, "REWRITTEN_BYTES", 1)  # each batch a statement of its own
    test_erasure_leaves_no_former_value_in_the_graph_or_the_stored_files(hub)


def test_a_delivery_under_an_erased_key_is_refused(hub: RunningHub) -> None:
    token = unique("f").upper()
    created = partner(hub, "CRM", f"A-{token}", **_values(token, 3))
    ok(hub, ERASE, {"id": created["businessPartner"]["id"], "reason": "asked"})

    data = {"source": {"system": "CRM", "key": f"A-{token}"}, "kind": "PERSON", **_values(token, 3)}
    refused = ok(hub, PARTNER, {"input": data})["upsertBusinessPartner"]

    assert refused["businessPartner"] is None
    assert refused["userErrors"] == [{"field": ["input", "source"], "code": "ERASED"}]


def test_erasure_deletes_the_rows_a_load_refused_under_the_partners_keys(
    hub: RunningHub, tmp_path: Path
) -> None:
    token = unique("r").upper()
    values = _values(token, 5)
    folder = tmp_path / "erp"
    folder.mkdir()
    refused = [
        {"source": {"key": f"R-{token}"}, "kind": "PERSON", **values, "email": "bad@"},
        {"source": {"key": f"O-{token}"}, "kind": "PERSON", "lastName": f"Other{token}",
         "email": "bad@"},
    ]  # fmt: skip
    (folder / "partners.ndjson").write_text(
        "".join(json.dumps(row) + "\n" for row in refused), encoding="utf-8"
    )
    summary = hub.run(Loader(hub.store, "ERP", tmp_path / "erp.rejects").load([folder]))
    assert summary.rejected == 2
    created = partner(hub, "ERP", f"R-{token}", **values)
    ok(hub, ERASE, {"id": created["businessPartner"]["id"], "reason": "asked"})
    where = {"where": {"file": str(folder / "partners.ndjson"), "status": None}, "first": 10}
    left = ok(hub, ROWS, where)["rejectedRows"]["edges"]
    assert [e["node"]["row"]["source"]["key"] for e in left] == [f"O-{token}"]
    assert not [v for at, v in _everything(hub) if at.startswith("RejectedRow") and token in v
                and f"O-{token}" not in v]  # fmt: skip
