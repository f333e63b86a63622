"""hub match: duplicates that arrived without matching are found in batch, resumably."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub.domain import deliveries, kinds, service
from hub.domain.batch_matching import BatchMatcher, render
from hub.mastering.matcher import QUEUED_FOR_REVIEW, MatchDecision, propose
from hub.read.changes import of_records
from hub.store import Transaction
from hub.store.temporal import utc_now
from tests.harness import RunningHub, hub_command, ok
from tests.test_matching import father_and_son, landline, munich, person, unique, upsert
from tests.test_stewardship import hub_id, person_values


def unmatched(hub: RunningHub, system: str, key: str, values: dict[str, Any]) -> str:
    """A partner written without matching on arrival (as an older hub version would have)."""
    data = {"source": {"system": system, "key": key}, "kind": "PERSON", **values}
    delivery, problems = deliveries.BUILDERS["BusinessPartner"](data, ())
    assert delivery is not None, problems
    (outcome,) = hub.run(
        service.upsert_batch(hub.store, kinds.BUSINESS_PARTNER, [delivery], matching=False)
    )
    assert outcome.id is not None
    return outcome.id


def golden_of(hub: RunningHub, system: str, key: str) -> str:
    found = ok(
        hub,
        "query($s: SourceRefInput!) { businessPartner(source: $s) { id } }",
        {"s": {"system": system, "key": key}},
    )
    return str(found["businessPartner"]["id"])


def test_batch_matching_merges_duplicates_and_a_second_run_changes_nothing(
    hub: RunningHub, unique: str
) -> None:
    values = person_values(unique, 1)
    first = unmatched(hub, "CRM", f"A-{unique}", values)
    second = unmatched(hub, "ERP", f"B-{unique}", values)
    assert first != second
    # One system's two records of one name on one line, nothing else to go by: two people it
    # knows there, for a steward (the line is no one's own).
    own = person_values(unique, 2)
    line = {"phone": own["phone"], "addresses": own["addresses"]}
    name = f"{own['lastName'].upper()}, {own['firstName'].upper()}"
    for key in ("C", "D"):
        unmatched(hub, "ERP", f"{key}-{unique}", {"lastName": name, **line})
    summary = hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    assert summary.merged >= 1
    assert golden_of(hub, "CRM", f"A-{unique}") == golden_of(hub, "ERP", f"B-{unique}")
    assert golden_of(hub, "ERP", f"C-{unique}") != golden_of(hub, "ERP", f"D-{unique}")
    again = hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    assert again.merged == 0
    events = [
        event
        for event in hub.run(
            of_records(hub.store.query, "BusinessPartner", [first, second], pending=True)
        )
        if event["action"] == "MERGED"
    ]
    assert events[0]["by"] == "hub match"
    assert events[0]["reason"].startswith("score ")


def test_an_interrupted_batch_goes_on_from_its_checkpoint(hub: RunningHub, unique: str) -> None:
    hub.run(
        hub.store.query(
            "MERGE (r:MatchRun {name: 'batch'}) SET r.after = $after",
            {"after": "ffffffff"},  # as if every partner before this id was matched already
        )
    )
    summary = hub.run(BatchMatcher(hub.store).run(), timeout=300)
    assert summary.resumed_after == "ffffffff"
    assert summary.partners == 0
    left = hub.run(hub.store.query("MATCH (r:MatchRun) RETURN count(r) AS n"))
    assert left == [{"n": 0}]  # a finished run leaves no checkpoint


def test_hub_match_command_reports_what_it_did(tmp_path: Path) -> None:
    result = hub_command("match", env={"HUB_DATA_DIR": str(tmp_path / "data")}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "0 partners matched" in result.stdout
    assert "0 merged, 0 queued for review" in result.stdout


def open_candidates(hub: RunningHub, ids: list[str]) -> list[str]:
    rows = hub.run(
        hub.store.query(
            "MATCH (c:MatchCandidate {status: 'OPEN'})-[:LEFT|RIGHT]->(p:BusinessPartner) "
            "WHERE p.id IN $ids RETURN DISTINCT c.pair AS pair",
            {"ids": ids},
        )
    )
    return sorted(row["pair"] for row in rows)


def test_an_open_candidate_that_now_clearly_matches_is_merged(hub: RunningHub) -> None:
    # Birth dates and streets of their own: a Paul born the same day in the same city as
    # another test's Paul would be that Paul for the matcher.
    last = unique("Fix")
    first, second = father_and_son(hub, last, ("1953-10-11", "1985-02-19"), "Birkenweg")
    assert second["matchOutcome"]["action"] == "QUEUED_FOR_REVIEW"
    # ERP corrects the birth date: the pair now agrees on everything, yet the queue holds it.
    upsert(
        hub,
        person(
            "ERP",
            f"e-{last}",
            "Paul",
            last,
            birthDate="1953-10-11",
            addresses=munich("Birkenweg", "3"),
        ),
    )
    hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    assert golden_of(hub, "CRM", f"c-{last}") == golden_of(hub, "ERP", f"e-{last}")
    ids = [hub_id(first["businessPartner"]["id"]), hub_id(second["businessPartner"]["id"])]
    assert open_candidates(hub, ids) == []


def test_partners_the_queue_connects_already_are_not_proposed_again(hub: RunningHub) -> None:
    last = unique("Trio")
    written = [
        upsert(
            hub,
            person(
                system,
                f"{system}-{last}",
                "Paul",
                last,
                birthDate=born,
                email=f"familie.{last}@example.org",  # one mailbox: a steward decides
                addresses=munich("Eichenweg", "3"),
            ),
        )
        for system, born in (("CRM", "1947-08-21"), ("ERP", "1976-12-30"), ("DMS", "1998-05-14"))
    ]
    assert [w["matchOutcome"]["action"] for w in written[1:]] == ["QUEUED_FOR_REVIEW"] * 2
    ids = [hub_id(w["businessPartner"]["id"]) for w in written]
    assert len(open_candidates(hub, ids)) == 2  # the third joined one of the first two
    hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    # Accepting both open candidates joins all three: a third candidate would add nothing.
    assert len(open_candidates(hub, ids)) == 2


def test_an_open_candidate_that_no_longer_reaches_review_leaves_the_queue(
    hub: RunningHub,
) -> None:
    last = unique("Gone")
    paul = unmatched(
        hub,
        "CRM",
        f"c-{last}",
        {
            "firstName": "Paul",
            "lastName": last,
            "birthDate": "1940-01-01",
            "addresses": berlin("Ahornweg", "1"),
        },
    )
    petra = unmatched(
        hub,
        "ERP",
        f"e-{last}",
        {
            "firstName": "Petra",
            "lastName": last,
            "birthDate": "1990-05-05",
            "addresses": berlin("Buchenweg", "9"),
        },
    )
    # Queued when little was known; what the two say now puts them far apart.
    stale = MatchDecision(QUEUED_FOR_REVIEW, 0.7)

    async def queue(tx: Transaction) -> None:
        await propose(tx, paul, petra, stale, utc_now())

    hub.run(hub.store.write(queue))
    assert len(open_candidates(hub, [paul, petra])) == 1
    summary = hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    assert open_candidates(hub, [paul, petra]) == []
    assert summary.withdrawn >= 1
    assert "withdrawn from the queue" in render(summary)


def berlin(street: str, number: str) -> list[dict[str, str]]:
    return [
        {
            "street": street,
            "houseNumber": number,
            "postalCode": "10115",
            "city": "Berlin",
            "country": "DE",
        }
    ]


def test_a_candidate_scored_again_still_reads_left_to_right(hub: RunningHub) -> None:
    last = unique("Side")
    _, son = father_and_son(hub, last, ("1944-06-13", "1977-03-28"), "Ulmenweg")
    assert son["matchOutcome"]["action"] == "QUEUED_FOR_REVIEW"
    hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    (row,) = hub.run(
        hub.store.query(
            "MATCH (c:MatchCandidate {status: 'OPEN'})-[:LEFT]->(l:BusinessPartner {id: $id}) "
            "RETURN c.features AS features",
            {"id": hub_id(son["businessPartner"]["id"])},
        )
    )
    birth = next(f for f in json.loads(row["features"]) if f["feature"] == "birthDate")
    assert (birth["left"], birth["right"]) == ("19770328", "19440613")


def test_a_record_on_the_father_that_could_be_the_sons_goes_to_a_steward(hub: RunningHub) -> None:
    """Merged before doubts existed: the son was written without matching, after his ERP
    record had joined his father on their landline."""
    last = unique("Lin")
    line = {"phone": "+49 89 5553417", "addresses": munich("Amselweg", "9")}
    father = upsert(hub, person("CRM", f"f-{last}", "Hans", last, birthDate="1952-03-14", **line))
    erp = upsert(hub, person("ERP", f"e-{last}", None, f"{last.upper()}, HANS", **line))
    assert erp["businessPartner"]["id"] == father["businessPartner"]["id"]
    unmatched(hub, "CRM", f"s-{last}", {"firstName": "Hans", "lastName": last,
                                       "birthDate": "1981-07-18", **line})  # fmt: skip
    summary = hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    assert summary.doubted >= 1
    assert "in doubt" in render(summary)
    erp_partner = golden_of(hub, "ERP", f"e-{last}")
    assert erp_partner not in {
        golden_of(hub, "CRM", f"f-{last}"),
        golden_of(hub, "CRM", f"s-{last}"),
    }
    again = hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
    assert golden_of(hub, "ERP", f"e-{last}") == erp_partner  # settled once
    assert again.doubted == 0


def test_a_record_that_may_be_either_of_a_couple_stays_with_a_steward(hub: RunningHub) -> None:
    last = unique("Gru")
    line = {"phone": landline(last), "addresses": munich("Lindenweg", "8")}
    for system, first in (("CRM", "Michael"), ("ERP", "M."), ("DEALER", "Monika")):
        upsert(hub, person(system, f"{system[0]}-{last}", first, last, **line))
    keys = [("CRM", f"C-{last}"), ("ERP", f"E-{last}"), ("DEALER", f"D-{last}")]
    # The initial is Michael's or Monika's: on arrival it is taken out, for a steward.
    apart = {golden_of(hub, *key) for key in keys}
    assert len(apart) == 3
    for _ in range(2):  # hub match, again and again, joins none of them by the landline
        hub.run(BatchMatcher(hub.store).run(restart=True), timeout=300)
        assert {golden_of(hub, *key) for key in keys} == apart
