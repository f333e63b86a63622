"""What the stewards' console asks of the API, over HTTP: the queue filtered and sorted, rows a
load refused kept in the hub and decided there, one search over every kind, the overview."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from loaders.load import Loader
from loaders.progress import render
from tests.conftest import register
from tests.harness import RunningHub, ok, vin_for
from tests.test_contracts import setup as card_setup
from tests.test_identification import card
from tests.test_matching import person, queued_pair, unique, upsert
from tests.test_stewardship import MERGE, UNMERGE, partner, person_values

QUEUE = """
query($where: MatchCandidateWhere, $orderBy: MatchCandidateOrder, $first: Int, $after: String) {
  matchCandidates(where: $where, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { id score createdAt left { lastName } right { lastName } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

ROWS = """
query($where: RejectedRowWhere, $first: Int, $after: String) {
  rejectedRows(where: $where, first: $first, after: $after) {
    totalCount
    edges { cursor node { id kind system file line raw row status reason recordId
                          errors { field code message } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

RESUBMIT = """
mutation($id: ID!, $row: JSON!) {
  resubmitRejectedRow(id: $id, row: $row) {
    rejectedRow { status recordId row decidedBy }
    userErrors { field code message }
  }
}
"""

DISMISS = """
mutation($id: ID!, $reason: String!) {
  dismissRejectedRow(id: $id, reason: $reason) {
    rejectedRow { status reason }
    userErrors { field code message }
  }
}
"""

SEARCH = """
query($text: String!) {
  search(text: $text) {
    businessPartners { id name }
    vehicles { vin }
    identificationObjects { number }
    documents { number revision }
    contracts { number }
  }
}
"""


def _queue(hub: RunningHub, **variables: Any) -> dict[str, Any]:
    found: dict[str, Any] = ok(hub, QUEUE, variables)["matchCandidates"]
    return found


def test_the_queue_filters_by_system_kind_and_score_and_sorts_by_age(hub: RunningHub) -> None:
    names = [unique("Quo") for _ in range(3)]
    for i, last in enumerate(names):
        queued_pair(hub, last, ("1950-01-0%d" % (i + 1), "1981-07-1%d" % (i + 1)), "Ulmenweg")
    # Every pair here has an ERP side; only this test's ERP partners are persons named so.
    mine = {"kind": "PERSON", "system": "erp", "scoreFrom": 0.0, "scoreTo": 1.0}
    newest = _queue(hub, where=mine, orderBy="NEWEST", first=100)
    lasts = [e["node"]["left"]["lastName"] for e in newest["edges"]]
    ours = [x for x in lasts if x in names]
    assert ours == list(reversed(names))
    assert _queue(hub, where={**mine, "kind": "ORGANIZATION"}, first=5)["edges"] == []
    assert _queue(hub, where={**mine, "system": "NO-SUCH-SYSTEM"}, first=5)["totalCount"] == 0
    scores = [e["node"]["score"] for e in _queue(hub, orderBy="SCORE_ASC", first=20)["edges"]]
    assert scores == sorted(scores)
    high = _queue(hub, where={"scoreFrom": 0.99}, first=100)["edges"]
    assert all(e["node"]["score"] >= 0.99 for e in high)


def test_a_queue_cursor_works_only_with_the_order_and_filter_it_came_from(
    hub: RunningHub,
) -> None:
    last = unique("Cur")
    queued_pair(hub, last, ("1949-02-03", "1979-05-06"), "Lindenweg")
    page = _queue(hub, orderBy="NEWEST", first=1)
    cursor = page["pageInfo"]["endCursor"]
    body = hub.graphql(QUEUE, {"orderBy": "OLDEST", "first": 1, "after": cursor})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body


def _load(hub: RunningHub, tmp_path: Path, name: str, rows: list[Any]) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    path = folder / "partners.ndjson"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n",
        encoding="utf-8",
    )
    summary = hub.run(Loader(hub.store, "ERP", tmp_path / f"{name}.rejects").load([folder]))
    assert summary.rejected == sum(1 for r in rows if isinstance(r, str) or "bad" in str(r))
    return path


def _rows_of(hub: RunningHub, path: Path, status: str | None = "OPEN") -> list[dict[str, Any]]:
    found = ok(hub, ROWS, {"where": {"file": str(path), "status": status}, "first": 50})
    return [e["node"] for e in found["rejectedRows"]["edges"]]


def test_rows_a_load_refuses_are_kept_in_the_hub_with_file_line_and_codes(
    hub: RunningHub, tmp_path: Path
) -> None:
    last = unique("Rej")
    good = {"source": {"key": f"{last}-1"}, "kind": "PERSON", "lastName": last}
    bad = {"source": {"key": f"{last}-2"}, "kind": "PERSON", "email": "bad@", "lastName": last}
    path = _load(hub, tmp_path, "kept", [good, bad, "{not json"])
    rows = _rows_of(hub, path)
    assert sorted((r["line"], r["kind"], r["system"]) for r in rows) == [
        (2, "BusinessPartner", "ERP"),
        (3, "BusinessPartner", "ERP"),
    ]
    by_line = {r["line"]: r for r in rows}
    assert by_line[3]["row"] is None and by_line[3]["raw"] == "{not json"
    assert by_line[2]["row"]["email"] == "bad@"
    assert {e["code"] for e in by_line[2]["errors"]} == {"INVALID_EMAIL"}
    assert by_line[2]["errors"][0]["field"] == ["email"]
    everything = ok(hub, ROWS, {"where": {"file": str(path), "status": None}})["rejectedRows"]
    assert everything["totalCount"] == 2


def test_a_corrected_row_is_written_and_a_still_wrong_one_stays_open(
    hub: RunningHub, tmp_path: Path
) -> None:
    last = unique("Fix")
    bad = {"source": {"key": f"{last}-1"}, "kind": "PERSON", "email": "bad@", "lastName": last}
    path = _load(hub, tmp_path, "fix", [bad])
    (row,) = _rows_of(hub, path)
    still = ok(hub, RESUBMIT, {"id": row["id"], "row": {**row["row"], "email": "also bad"}})
    assert still["resubmitRejectedRow"]["userErrors"][0]["field"] == ["row", "email"]
    assert _rows_of(hub, path)[0]["status"] == "OPEN"
    fixed = {**row["row"], "email": f"{last}@example.com"}
    done = ok(hub, RESUBMIT, {"id": row["id"], "row": fixed})["resubmitRejectedRow"]
    assert done["userErrors"] == []
    assert done["rejectedRow"]["status"] == "RESUBMITTED"
    assert done["rejectedRow"]["row"]["email"] == f"{last}@example.com"
    written = ok(
        hub,
        "query($s: SourceRefInput) { businessPartner(source: $s) { id email } }",
        {"s": {"system": "ERP", "key": f"{last}-1"}},
    )["businessPartner"]
    assert written["id"] == done["rejectedRow"]["recordId"]
    assert written["email"] == f"{last}@example.com"
    again = ok(hub, RESUBMIT, {"id": row["id"], "row": fixed})["resubmitRejectedRow"]
    assert again["userErrors"][0]["code"] == "INVALID_TRANSITION"
    assert _rows_of(hub, path) == []


def test_a_dismissed_row_keeps_its_reason_and_writes_nothing(
    hub: RunningHub, tmp_path: Path
) -> None:
    last = unique("Dis")
    bad = {"source": {"key": f"{last}-1"}, "kind": "PERSON", "email": "bad@", "lastName": last}
    path = _load(hub, tmp_path, "dismiss", [bad])
    (row,) = _rows_of(hub, path)
    blank = ok(hub, DISMISS, {"id": row["id"], "reason": " "})["dismissRejectedRow"]
    assert blank["userErrors"][0]["code"] == "REQUIRED"
    done = ok(hub, DISMISS, {"id": row["id"], "reason": "test record"})["dismissRejectedRow"]
    assert done["rejectedRow"] == {"status": "DISMISSED", "reason": "test record"}
    (closed,) = _rows_of(hub, path, "DISMISSED")
    assert closed["recordId"] is None
    lookup = ok(
        hub,
        "query($s: SourceRefInput) { businessPartner(source: $s) { id } }",
        {"s": {"system": "ERP", "key": f"{last}-1"}},
    )
    assert lookup["businessPartner"] is None


def test_one_search_finds_partners_vehicles_cards_and_keys(hub: RunningHub) -> None:
    token = unique("srch")
    card_setup(hub, token)
    card(hub, token)
    by_name = ok(hub, SEARCH, {"text": token.upper()})["search"]
    assert by_name["businessPartners"], by_name
    by_key = ok(hub, SEARCH, {"text": f"P-{token}"})["search"]
    assert [p["id"] for p in by_key["businessPartners"]] == [
        p["id"] for p in by_name["businessPartners"]
    ]
    by_vin = ok(hub, SEARCH, {"text": vin_for(token).lower()})["search"]
    assert [v["vin"] for v in by_vin["vehicles"]] == [vin_for(token)]
    by_card = ok(hub, SEARCH, {"text": f"7000  {token}"})["search"]
    assert [c["number"] for c in by_card["identificationObjects"]] == [f"7000{token}".upper()]
    by_contract_key = ok(hub, SEARCH, {"text": f"K-{token}"})["search"]
    assert [c["number"] for c in by_contract_key["contracts"]] == [f"L-{token}"]
    by_contract_number = ok(hub, SEARCH, {"text": f" L-{token} "})["search"]
    assert [c["number"] for c in by_contract_number["contracts"]] == [f"L-{token}"]
    nothing = ok(hub, SEARCH, {"text": "  "})["search"]
    assert all(found == [] for found in nothing.values())


def test_a_search_lists_at_most_first_of_each_kind_and_takes_punctuation_alone(
    hub: RunningHub,
) -> None:
    token = unique("lim")
    for n in range(3):
        upsert(hub, person("CRM", f"{token}-{n}", f"Ida{n}", f"{token}"))
    limited = ok(hub, "query($t: String!) { search(text: $t, first: 2) { businessPartners "
                 "{ name } } }", {"t": token})["search"]  # fmt: skip
    assert len(limited["businessPartners"]) == 2
    # Nothing a search key keeps: the name as written, as a list's contains finds it, and
    # nothing of the other kinds.
    for text in ("-", "?!", "·"):
        found = ok(hub, SEARCH, {"text": text})["search"]
        assert all(text in p["name"] for p in found.pop("businessPartners")), text
        assert all(others == [] for others in found.values()), text
    upsert(hub, {"source": {"system": "CRM", "key": f"{token}-co"}, "kind": "ORGANIZATION",
                 "organizationName": f"Kraus {token} & Söhne"})  # fmt: skip
    as_written = ok(hub, SEARCH, {"text": "&"})["search"]["businessPartners"]
    assert as_written and all("&" in p["name"] for p in as_written), as_written


def test_the_overview_counts_todays_proposals_and_decisions(hub: RunningHub) -> None:
    query = """{ stewardshipOverview(days: 7) {
        openNow days { day openAtEnd proposed merged notAMatch rowsRejected }
        scores { status counts } } }"""
    before = ok(hub, query)["stewardshipOverview"]
    last = unique("Ovr")
    _, _, candidate = queued_pair(hub, last, ("1951-03-04", "1983-09-10"), "Eschenweg")
    ok(
        hub,
        'mutation($id: ID!) { rejectMatchCandidate(id: $id, reason: "father and son") '
        "{ userErrors { code } } }",
        {"id": candidate["id"]},
    )
    after = ok(hub, query)["stewardshipOverview"]
    assert len(after["days"]) == 7
    today, earlier = after["days"][-1], before["days"][-1]
    assert today["proposed"] == earlier["proposed"] + 1
    assert today["notAMatch"] == earlier["notAMatch"] + 1
    assert today["openAtEnd"] == after["openNow"]
    rejected = {s["status"]: sum(s["counts"]) for s in after["scores"]}
    assert rejected["REJECTED"] >= 1


def test_the_overview_counts_an_unmerge_once_and_as_no_rejection(hub: RunningHub) -> None:
    query = """{ stewardshipOverview(days: 1) { days { proposed merged unmerged notAMatch } } }"""
    token = unique("Ovu")
    keys = [f"A-{token}", f"B-{token}"]
    ids = [partner(hub, "CRM", key, **person_values(token, n))["businessPartner"]["id"]
           for n, key in enumerate(keys)]  # fmt: skip
    ok(hub, MERGE, {"input": {"survivor": {"id": ids[0]}, "merged": [{"id": ids[1]}]}})
    (before,) = ok(hub, query)["stewardshipOverview"]["days"]
    ok(hub, UNMERGE, {"source": {"system": "CRM", "key": keys[1]}})
    (after,) = ok(hub, query)["stewardshipOverview"]["days"]
    assert after["unmerged"] == before["unmerged"] + 1
    assert (after["notAMatch"], after["proposed"]) == (before["notAMatch"], before["proposed"])


def test_a_file_loaded_again_keeps_each_refused_row_once(hub: RunningHub, tmp_path: Path) -> None:
    last = unique("Two")
    bad = {"source": {"key": f"{last}-1"}, "kind": "PERSON", "email": "bad@", "lastName": last}
    path = _load(hub, tmp_path, "twice", [bad])
    first = _rows_of(hub, path)
    hub.run(Loader(hub.store, "ERP", tmp_path / "again.rejects").load([path.parent]))
    assert [r["id"] for r in _rows_of(hub, path)] == [r["id"] for r in first]


def test_a_row_a_later_load_delivers_is_closed_and_the_others_stay_open(
    hub: RunningHub, tmp_path: Path
) -> None:
    last = unique("Lat")
    bad = {"source": {"key": f"{last}-1"}, "kind": "PERSON", "email": "bad@", "lastName": last}
    other = {**bad, "source": {"key": f"{last}-2"}}
    first = _load(hub, tmp_path, "first", [bad, other])
    fixed = {**bad, "email": f"{last.lower()}@example.com"}
    folder = tmp_path / "second"
    folder.mkdir()
    (folder / "partners.ndjson").write_text(json.dumps(fixed) + "\n", encoding="utf-8")
    summary = hub.run(Loader(hub.store, "ERP", tmp_path / "second.rejects").load([folder]))
    assert summary.rejected == 0 and summary.closed_rejects == 1
    assert "1 rejected row of earlier loads delivered again: closed" in render(summary)
    rows = {r["row"]["source"]["key"]: r for r in _rows_of(hub, first, status=None)}
    closed, still = rows[f"{last}-1"], rows[f"{last}-2"]
    assert closed["status"] == "RESUBMITTED" and "ERP delivered" in closed["reason"]
    assert closed["recordId"] and still["status"] == "OPEN"
    again = hub.run(Loader(hub.store, "ERP", tmp_path / "third.rejects").load([folder]))
    assert again.closed_rejects == 0


def test_a_correction_keeps_the_refused_rows_system_and_key(
    hub: RunningHub, tmp_path: Path
) -> None:
    last = unique("Key")
    bad = {"source": {"key": f"{last}-1"}, "kind": "PERSON", "email": "bad@", "lastName": last}
    path = _load(hub, tmp_path, "key", [bad])
    (row,) = _rows_of(hub, path)
    fixed = {**row["row"], "email": f"{last}@example.com"}
    for changed, field in (
        ({**fixed, "source": {"system": "CRM", "key": f"{last}-1"}}, "system"),
        ({**fixed, "source": {"system": "ERP", "key": f"{last}-9"}}, "key"),
        ({**fixed, "deleted": True}, "deleted"),
    ):
        refused = ok(hub, RESUBMIT, {"id": row["id"], "row": changed})["resubmitRejectedRow"]
        assert refused["userErrors"][0]["field"][-1] == field, refused
    assert _rows_of(hub, path)[0]["status"] == "OPEN"


def test_a_row_with_an_unknown_column_is_kept_whole_for_correction(
    hub: RunningHub, tmp_path: Path
) -> None:
    last = unique("Unk")
    bad = {"source": {"key": f"{last}-1"}, "kind": "PERSON", "lastName": last, "colour": "blue"}
    folder = tmp_path / "unknown"
    folder.mkdir()
    path = folder / "partners.ndjson"
    path.write_text(json.dumps(bad) + "\n", encoding="utf-8")
    hub.run(Loader(hub.store, "ERP", tmp_path / "unknown.rejects").load([folder]))
    (row,) = _rows_of(hub, path)
    assert [e["code"] for e in row["errors"]] == ["UNKNOWN_FIELD"]
    assert row["row"] == bad
    # Sent again as it was, the field would be dropped unseen: it is refused again.
    nested = {**bad, "addresses": [{"city": "Berlin", "country": "DE", "floor": 3}]}
    again = ok(hub, RESUBMIT, {"id": row["id"], "row": nested})["resubmitRejectedRow"]
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [
        (["row", "colour"], "UNKNOWN_FIELD"),
        (["row", "addresses", "0", "floor"], "UNKNOWN_FIELD"),
    ]
    fixed = {k: v for k, v in row["row"].items() if k != "colour"}
    done = ok(hub, RESUBMIT, {"id": row["id"], "row": fixed})["resubmitRejectedRow"]
    assert done["userErrors"] == []
    assert done["rejectedRow"]["status"] == "RESUBMITTED"
    assert done["rejectedRow"]["row"] == fixed


def test_a_csv_row_with_cells_past_its_header_is_kept_whole_for_correction(
    hub: RunningHub, tmp_path: Path
) -> None:
    last = unique("Wid")
    folder = tmp_path / "wide"
    folder.mkdir()
    path = folder / "partners.csv"
    path.write_text(f"source.key,kind,lastName\n{last}-1,PERSON,{last},Berlin\n", encoding="utf-8")
    hub.run(Loader(hub.store, "ERP", tmp_path / "wide.rejects").load([folder]))
    (row,) = _rows_of(hub, path)
    assert row["row"] == {
        "source": {"key": f"{last}-1"},
        "kind": "PERSON",
        "lastName": last,
        "cells past the header": ["Berlin"],
    }
    fixed = {k: v for k, v in row["row"].items() if k != "cells past the header"}
    fixed["addresses"] = [{"city": "Berlin", "country": "DE"}]
    done = ok(hub, RESUBMIT, {"id": row["id"], "row": fixed})["resubmitRejectedRow"]
    assert done["userErrors"] == []
    written = ok(
        hub,
        "query($s: SourceRefInput) { businessPartner(source: $s) { id addresses { city } } }",
        {"s": {"system": "ERP", "key": f"{last}-1"}},
    )["businessPartner"]
    assert written["id"] == done["rejectedRow"]["recordId"]
    assert written["addresses"] == [{"city": "Berlin"}]


def test_a_steward_without_write_or_personal_scopes_sees_no_row_and_writes_none(
    secured: RunningHub, tmp_path: Path
) -> None:
    last = unique("Scp")
    bad = {"source": {"key": f"{last}-1"}, "kind": "PERSON", "email": "bad@", "lastName": last}
    path = _load(secured, tmp_path, "scoped", [bad])
    steward = register(secured, "read", "steward")
    query = ROWS
    found = secured.graphql(query, {"where": {"file": str(path)}}, token=steward)
    (edge,) = found["data"]["rejectedRows"]["edges"]
    assert (edge["node"]["raw"], edge["node"]["row"]) == (None, None)
    refused = secured.graphql(
        RESUBMIT, {"id": edge["node"]["id"], "row": {"lastName": last}}, token=steward
    )["data"]["resubmitRejectedRow"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"


def test_rejected_rows_page_by_cursor_without_skipping_rows_refused_together(
    hub: RunningHub, tmp_path: Path
) -> None:
    last = unique("Pg")
    bad = [
        {"source": {"key": f"{last}-{n}"}, "kind": "PERSON", "email": "bad@", "lastName": last}
        for n in range(3)
    ]
    path = _load(hub, tmp_path, "paged", bad)
    seen, after = [], None
    for _ in range(4):
        found = ok(hub, ROWS, {"where": {"file": str(path)}, "first": 1, "after": after})
        page = found["rejectedRows"]
        seen += [e["node"]["line"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert sorted(seen) == [1, 2, 3]


def test_an_accepted_candidate_unmerged_again_is_no_rejection(hub: RunningHub) -> None:
    query = """{ stewardshipOverview(days: 1) { days { notAMatch unmerged } } }"""
    last = unique("Ovc")
    _, _, candidate = queued_pair(hub, last, ("1951-03-04", "1983-09-10"), "Buchenweg")
    accepted = ok(
        hub,
        'mutation($id: ID!) { acceptMatchCandidate(id: $id, reason: "one person") '
        "{ userErrors { code } businessPartner { sources { system key } } } }",
        {"id": candidate["id"]},
    )["acceptMatchCandidate"]
    assert accepted["userErrors"] == []
    (before,) = ok(hub, query)["stewardshipOverview"]["days"]
    system_key = accepted["businessPartner"]["sources"][-1]
    ok(hub, UNMERGE, {"source": system_key})
    (after,) = ok(hub, query)["stewardshipOverview"]["days"]
    assert after["notAMatch"] == before["notAMatch"]
    assert after["unmerged"] == before["unmerged"] + 1


def test_a_search_by_document_number_lists_the_latest_revision_first(hub: RunningHub) -> None:
    number = unique("TO").upper()
    for revision in ("9", "10", "2"):
        data = {
            # Revision 9's key is the number itself: found by key and by number, it still
            # takes its place in the revisions' order, once.
            "source": {
                "system": "PDM",
                "key": number if revision == "9" else f"{number}-{revision}",
            },
            "number": number,
            "revision": revision,
            "type": "TECHNICAL_OFFER",
            "title": "Offer",
        }
        ok(
            hub,
            "mutation($i: DocumentInput!) { upsertDocument(input: $i) { userErrors { code } } }",
            {"i": data},
        )
    found = ok(hub, SEARCH, {"text": number})["search"]["documents"]
    assert [d["revision"] for d in found] == ["10", "9", "2"]
    first = ok(hub, "query($t: String!) { search(text: $t, first: 1) { documents { revision } } }",
               {"t": number})["search"]["documents"]  # fmt: skip
    assert [d["revision"] for d in first] == ["10"]
