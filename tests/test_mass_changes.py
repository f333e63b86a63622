"""Many contract changes at once: changeContracts over HTTP and `hub change FILE`, a result per
line, bad lines reported and good ones applied, nothing applied twice when sent again."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hub.actor import Actor
from hub.domain import contract_changes
from loaders.changes import render, run_changes
from tests.harness import RunningHub, ok
from tests.test_contracts import change, setup

CHANGES = """
mutation($inputs: [ContractChangeInput!]!) {
  changeContracts(inputs: $inputs) {
    changed userErrors { field code message }
    contract { number status endDate changes { process changeId } }
  }
}
"""

CONTRACT = """
query($number: String) { contract(number: $number) {
  status endDate changes { process effectiveDate newEndDate changeId } } }
"""


def _changes(hub: RunningHub, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(hub, CHANGES, {"inputs": inputs})["changeContracts"]
    return found


def _contract(hub: RunningHub, number: str) -> dict[str, Any]:
    found: dict[str, Any] = ok(hub, CONTRACT, {"number": number})["contract"]
    return found


def test_a_bad_change_is_reported_and_the_good_ones_are_applied(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    setup(hub, unique + "B")
    results = _changes(
        hub,
        [
            {"contract": {"number": f"L-{unique}"}, "process": "BLEX",
             "effectiveDate": "2026-01-01", "newEndDate": "2031-06-30", "changeId": "x-1"},
            {"contract": {"number": "NO-SUCH-CONTRACT"}, "process": "ETER",
             "effectiveDate": "2026-01-01"},
            {"contract": {"number": f"L-{unique}B"}, "process": "ETER",
             "effectiveDate": "2025-03-31", "changeId": "x-3"},
        ],
    )  # fmt: skip
    assert [r["changed"] for r in results] == [True, False, True]
    assert results[0]["contract"]["endDate"] == "2031-06-30"
    assert [(e["field"], e["code"]) for e in results[1]["userErrors"]] == [
        (["inputs", "1", "contract"], "NOT_FOUND")
    ]
    assert results[1]["contract"] is None
    assert results[2]["contract"]["status"] == "TERMINATED"


def test_sending_the_same_changes_again_applies_nothing_twice(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    inputs = [
        {"contract": {"number": f"L-{unique}"}, "process": "CHOA",
         "effectiveDate": "2026-02-01", "changeId": f"{unique}-choa"},
        {"contract": {"number": f"L-{unique}"}, "process": "TERM",
         "effectiveDate": "2026-12-31", "changeId": f"{unique}-term"},
    ]  # fmt: skip
    first = _changes(hub, inputs)
    assert [r["changed"] for r in first] == [True, True]
    again = _changes(hub, inputs)
    assert [(r["changed"], r["userErrors"]) for r in again] == [(False, []), (False, [])]
    recorded = _contract(hub, f"L-{unique}")["changes"]
    assert [(c["process"], c["changeId"]) for c in recorded] == [
        ("CHOA", f"{unique}-choa"),
        ("TERM", f"{unique}-term"),
    ]


def test_a_change_sent_again_without_a_change_id_is_applied_once(
    hub: RunningHub, unique: str
) -> None:
    setup(hub, unique)
    choa = {"contract": {"number": f"L-{unique}"}, "process": "CHOA", "effectiveDate": "2026-02-01"}
    in_one_call = _changes(hub, [choa, choa])
    assert [r["changed"] for r in in_one_call] == [True, False]
    assert change(hub, unique, process="CHOA", effectiveDate="2026-02-01")["changed"] is False
    # Another day is another change; after it, the first one is a change again, not a repeat.
    assert change(hub, unique, process="CHOA", effectiveDate="2026-03-01")["changed"] is True
    assert change(hub, unique, process="CHOA", effectiveDate="2026-02-01")["changed"] is True
    assert len(_contract(hub, f"L-{unique}")["changes"]) == 3


def test_one_change_sent_twice_at_once_is_applied_once(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    fields = {"process": "CHOA", "changeId": f"{unique}-twice"}
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(lambda _: change(hub, unique, **fields), range(2)))
    assert sorted(a["changed"] for a in answers) == [False, True]
    assert [a["userErrors"] for a in answers] == [[], []]
    assert len(_contract(hub, f"L-{unique}")["changes"]) == 1


def test_a_change_id_given_to_another_change_is_a_conflict(hub: RunningHub, unique: str) -> None:
    setup(hub, unique)
    first = change(hub, unique, process="CHOA", changeId=f"{unique}-1")
    assert first["userErrors"] == [] and first["changed"]
    other = change(hub, unique, process="LCOP", changeId=f"{unique}-1")
    assert [(e["field"], e["code"]) for e in other["userErrors"]] == [
        (["input", "changeId"], "CONFLICT")
    ]
    assert len(_contract(hub, f"L-{unique}")["changes"]) == 1


def test_a_change_file_applies_its_good_lines_once_and_reports_the_bad_ones(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    setup(hub, unique)
    setup(hub, unique + "C")
    csv_file = tmp_path / "changes.csv"
    csv_file.write_text(
        "contract.number,process,effectiveDate,newEndDate\n"
        f"L-{unique},BLEX,2026-01-01,2032-01-31\n"
        f"L-{unique},XXXX,2026-01-01,\n"
        f"L-{unique}C,TERM,2026-09-30,\n",
        encoding="utf-8",
    )
    summary = hub.run(run_changes(hub.store, csv_file, Actor("test")))
    assert [(line.number, line.outcome) for line in summary.lines] == [
        (2, "applied"),
        (3, "rejected"),
        (4, "applied"),
    ]
    (problem,) = summary.lines[1].problems
    assert (problem.path, problem.code) == (("process",), "INVALID_VALUE")
    assert f"{csv_file}:3: process: INVALID_VALUE" in "\n".join(render(csv_file, summary))
    assert _contract(hub, f"L-{unique}")["endDate"] == "2032-01-31"
    again = hub.run(run_changes(hub.store, csv_file, Actor("test")))
    assert [line.outcome for line in again.lines] == ["repeated", "rejected", "repeated"]
    assert len(_contract(hub, f"L-{unique}")["changes"]) == 1

    ndjson = tmp_path / "changes.ndjson"
    ndjson.write_text(
        json.dumps({"contract": {"number": f"L-{unique}"}, "process": "CHOA",
                    "effectiveDate": "2026-03-01"}) + "\n{not json\n",
        encoding="utf-8",
    )  # fmt: skip
    lines = hub.run(run_changes(hub.store, ndjson, Actor("test"))).lines
    assert [line.outcome for line in lines] == ["applied", "rejected"]


def test_a_change_file_with_a_misspelt_field_or_an_extra_cell_rejects_that_line(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    setup(hub, unique)
    csv_file = tmp_path / "changes.csv"
    csv_file.write_text(
        "contract.number,process,effectiveDate,newEndDate,chnageId\n"
        f"L-{unique},BLEX,2026-01-01,2032-01-31,mine-1\n",
        encoding="utf-8",
    )
    (line,) = hub.run(run_changes(hub.store, csv_file, Actor("test"))).lines
    (problem,) = line.problems
    assert (line.outcome, problem.path, problem.code) == (
        "rejected",
        ("chnageId",),
        "UNKNOWN_FIELD",
    )
    assert "did you mean changeId?" in problem.message
    csv_file.write_text(
        "contract.number,process,effectiveDate,newEndDate\n"
        f"L-{unique},BLEX,2026-01-01,2032-01-31,surplus\n",
        encoding="utf-8",
    )
    (line,) = hub.run(run_changes(hub.store, csv_file, Actor("test"))).lines
    assert line.outcome == "rejected" and "5 cells, the header 4" in line.problems[0].message
    assert _contract(hub, f"L-{unique}")["endDate"] != "2032-01-31", "nothing applied"


def test_the_fields_a_change_file_knows_are_those_of_the_api_input() -> None:
    from hub.api import build_schema  # noqa: PLC0415 - the schema is built for this test alone

    fields = build_schema()._schema.type_map["ContractChangeInput"].fields  # type: ignore[attr-defined]
    assert set(contract_changes.FIELDS) == set(fields)
