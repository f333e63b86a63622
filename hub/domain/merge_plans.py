"""What a merge decides, from the partners and candidates read: pure.

:mod:`hub.domain.stewardship` locks and reads, asks these functions what to do, and runs
what they return (the statements of :mod:`hub.domain.stewardship_writes`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.domain import problems as codes
from hub.domain import stewardship_writes as statements
from hub.domain.kinds import State
from hub.domain.problems import Path, Problem, Rejected, a
from hub.domain.writes import Statement
from hub.mastering.matcher import pair_of

Row = dict[str, Any]


@dataclass(frozen=True)
class MergePlan:
    """Partners to merge into a survivor: the survivor's overrides afterwards and every
    partner that leads to it then (those merged into a merged partner before included)."""

    survivor: Row
    merged: tuple[Row, ...]
    overrides: State
    merged_from: tuple[str, ...]


# A deleted partner is no longer held by any system: merging would bring it back unseen.
_DELETED = "the partner is deleted (no source system holds it); a delivery restores it"


def plan_merge(
    survivor_id: str,
    merged_ids: list[str],
    found: Mapping[str, Row | None],
    changes: State,
    problems: list[Problem],
) -> MergePlan:
    """The merge of ``merged_ids`` into ``survivor_id``, the partners as read (``found``,
    None for one that does not exist) and the overrides the steward changes; Rejected with
    every problem at once, ``problems`` of the overrides among them."""
    problems = list(problems)
    survivor = found.get(survivor_id)
    if survivor is None or survivor["mergedInto"]:
        problems.append(Problem(("input", "survivor"), codes.NOT_FOUND, "no such partner"))
    elif survivor.get("deletedAt"):
        problems.append(Problem(("input", "survivor"), codes.INVALID_VALUE, _DELETED))
    merged: list[Row] = []
    for position, hub_id in enumerate(merged_ids):
        path: Path = ("input", "merged", str(position))
        record = found.get(hub_id)
        if record is None or record["mergedInto"]:
            problems.append(Problem(path, codes.NOT_FOUND, "no such partner, or merged already"))
        elif record.get("deletedAt"):
            problems.append(Problem(path, codes.INVALID_VALUE, _DELETED))
        elif hub_id == survivor_id:
            message = (
                "names the survivor itself (an id or key of a partner merged into it before "
                "leads to it)"
            )
            problems.append(Problem(path, codes.INVALID_VALUE, message))
        elif hub_id in [m["id"] for m in merged]:
            problems.append(Problem(path, codes.INVALID_VALUE, "names a partner named before"))
        elif survivor is not None and _kind(record) != _kind(survivor):
            message = f"{_a(_kind(record))} and {_a(_kind(survivor))} are never one partner"
            problems.append(Problem(path, codes.INVALID_VALUE, message))
        else:
            merged.append(record)
    if not merged and not problems:
        problems.append(Problem(("input", "merged"), codes.REQUIRED, "name a partner to merge"))
    if problems:
        raise Rejected(problems)
    assert survivor is not None
    kept = {**json.loads(survivor["overrides"] or "{}"), **changes}
    return MergePlan(
        survivor,
        tuple(merged),
        {k: v for k, v in kept.items() if v is not None},
        tuple(i for m in merged for i in [m["id"], *(m["mergedFrom"] or [])]),
    )


def kind_of(record: Row | None) -> str | None:
    """A stored partner's kind (PERSON, ORGANIZATION, GROUP), None for none."""
    if record is None:
        return None
    return str(json.loads(record["state"] or "{}").get("kind") or "") or None


def _kind(record: Row) -> str:
    return kind_of(record) or ""


def _a(kind: str) -> str:
    """``an organisation``, ``a person``: a kind of partner in a sentence."""
    return a({"ORGANIZATION": "organisation"}.get(kind, kind.lower() or "partner"))


def repointed(
    merged_id: str, survivor_id: str, candidates: list[Row], twins: Mapping[str, Row | None]
) -> list[Statement]:
    """The statements that make the merged partner's candidates concern the survivor.
    ``twins`` holds, by pair, the survivor's candidate with the same other partner, if any:
    then one is kept, and a steward's rejection wins."""
    done: list[Statement] = []
    for row in candidates:
        if row["other"] == survivor_id or row["status"] == "MERGED":
            # The merged pair's own candidate, decided by the merge; and one a merge decided,
            # which stays as it was decided, its partners leading to their survivor.
            continue
        pair = pair_of(survivor_id, row["other"])
        twin = twins.get(pair)
        if twin is not None:
            if row["status"] == "REJECTED":
                done.append(statements.copy_decision(row["id"], twin["id"]))
            done.append(statements.drop_candidate(row["id"]))
            continue
        side = "LEFT" if row["side"] == "LEFT" else "RIGHT"
        done.append(statements.repoint_candidate(row["id"], side, merged_id, survivor_id, pair))
    return done
