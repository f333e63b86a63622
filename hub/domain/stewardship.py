"""The match queue: stewards' decisions (reading the queue is :mod:`hub.read.queue`)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any

from graph_schema import MODEL
from graph_schema import matching as rules
from graph_schema.survivorship import ATTRIBUTES
from hub.actor import Actor
from hub.domain import deliveries
from hub.domain import problems as codes
from hub.domain import stewardship_writes as statements
from hub.domain.change_log import record_events
from hub.domain.kinds import BUSINESS_PARTNER, State
from hub.domain.merge_plans import kind_of, plan_merge, repointed
from hub.domain.problems import Path, Problem, Rejected, a
from hub.domain.references import resolve
from hub.domain.upsert import read_origins, relink, write_golden
from hub.ids import from_global, new_id, to_global
from hub.mastering import blocks
from hub.mastering.compare import Verdict, alone, births_conflict, compare, within_whole
from hub.mastering.doubts import Doubt
from hub.mastering.matcher import (
    QUEUED_FOR_REVIEW,
    MatchDecision,
    pair_of,
    propose,
    propose_closest,
    refresh_open,
)
from hub.mastering.partners import GraphPartner, read_partners
from hub.mastering.profile import blocking_keys, completed, profile
from hub.mastering.survivorship import survive
from hub.read import changes
from hub.store import Transaction

Row = dict[str, Any]


def _still_open(found: list[Row], verb: str) -> None:
    """Refuse a decision on a candidate that does not exist or is decided already."""
    if not found:
        raise Rejected([Problem(("id",), codes.NOT_FOUND, "no match candidate has this ID")])
    if found[0]["status"] != "OPEN":
        message = f"the candidate is {found[0]['status']}; only an OPEN one can be {verb}"
        raise Rejected([Problem(("id",), codes.INVALID_TRANSITION, message)])


async def reject(tx: Transaction, candidate_id: str, audit: Audit, now: dt.datetime) -> str:
    """Mark an open candidate REJECTED with who, when and why."""
    found = await tx.run(*statements.candidate_status(candidate_id))
    _still_open(found, "rejected")
    # Only an OPEN candidate changes: a merge decided at the same moment is not overwritten.
    updated = await tx.run(*statements.reject_candidate(candidate_id, now, audit.event()))
    if not updated:
        raise Rejected(
            [Problem(("id",), codes.INVALID_TRANSITION, "the candidate was decided meanwhile")]
        )
    # The decision is part of both partners' history.
    await record_events(
        tx,
        [
            {
                "entity": PARTNER,
                "entityId": row["partner"],
                "action": "REJECTED",
                "changes": [
                    {
                        "field": "matchCandidate",
                        "before": {"id": candidate_id, "status": "OPEN"},
                        "after": {"id": candidate_id, "status": "REJECTED"},
                    }
                ],
                **audit.event(),
            }
            for row in updated
        ],
        now,
    )
    return candidate_id


async def accept(
    tx: Transaction,
    candidate_id: str,
    overrides: list[tuple[str, str | None]],
    audit: Audit,
    now: dt.datetime,
) -> str:
    """Merge an open candidate's pair: the partner it was raised for (left) into the one it
    was found similar to (right), which survives. The candidate becomes MERGED; returns the
    survivor's id."""
    found = await tx.run(*statements.candidate_pair(candidate_id))
    _still_open(found, "accepted")
    survivor = await merge(tx, found[0]["right"], [found[0]["left"]], overrides, audit, now)
    decided = await tx.run(*statements.candidate_status(candidate_id))
    if not decided or decided[0]["status"] != "MERGED":  # rejected meanwhile: undo it all
        raise Rejected(
            [Problem(("id",), codes.INVALID_TRANSITION, "the candidate was decided meanwhile")]
        )
    return survivor


# ---- merge and un-merge ---------------------------------------------------------------------

PARTNER = "BusinessPartner"
# Relationships that move with a partner when it is merged: every one the model gives a
# partner, except its parts (addresses, rebuilt from its values), its source records and
# match candidates (handled on their own).
_OWN = frozenset({"SOURCE_OF", "LEFT", "RIGHT"})
MOVING = tuple(
    sorted(
        {
            (r.type, outgoing)
            for r in MODEL.relationships_of(PARTNER)
            if r.type not in _OWN and not r.part
            # A relationship between two partners moves at either end.
            for outgoing in {r.source == PARTNER, r.target != PARTNER}
        }
    )
)


@dataclass(frozen=True)
class Audit:
    """Who decided (the authenticated caller, and the person it acts for) and why."""

    actor: Actor
    reason: str | None
    # The source record a decision moved (an un-merge's), which its events name.
    source: tuple[str, str] | None = None
    # Whether the decider sees persons' personal data: what it is shown masked it may not
    # override, since what it sends back is not what the partner holds.
    sees_personal: bool = True

    def event(self) -> dict[str, Any]:
        named = {"system": self.source[0], "key": self.source[1]} if self.source else {}
        return {**self.actor.event(), "reason": self.reason, **named}


async def _lock(tx: Transaction, ids: list[str], now: dt.datetime) -> None:
    """Take the partners' write locks, in one order, before reading them: two stewards (or a
    steward and hub match) acting on the same partner at once then act one after the other
    (Neo4j), or one of them fails on the conflict and is retried (ArcadeDB)."""
    await tx.run(*statements.lock_partners(sorted(set(ids)), now))


async def _golden(tx: Transaction, hub_id: str) -> Row | None:
    found = await tx.run(*statements.golden(hub_id))
    return found[0] if found else None


async def _move(tx: Transaction, source: str, target: str, only_from: str | None = None) -> None:
    """Move the partner relationships of ``source`` to ``target``, marking each with the
    partner it came from; with ``only_from``, only those that came from that partner."""
    for rel, outgoing in MOVING:
        await tx.run(*statements.move(rel, outgoing, source, target, only_from))


async def _recompute(
    tx: Transaction,
    record: Row,
    action: str,
    now: dt.datetime,
    audit: Audit,
    overrides: State,
    noted: tuple[dict[str, Any], ...] = (),
) -> None:
    """The survivor's (or split record's) values from its sources, written as a new version;
    ``noted``: what else its event lists (mergedFrom, mergedInto)."""
    origins = await read_origins(tx, BUSINESS_PARTNER, [record["id"]])
    sources, _ = origins.get(record["id"], ({}, {}))
    state, _ = survive(list(sources.values()), overrides)
    kept = json.dumps(overrides, ensure_ascii=False) if overrides else None
    await tx.run(*statements.set_overrides(record["id"], kept))
    base = json.loads(record["state"] or "{}")
    await write_golden(
        tx,
        BUSINESS_PARTNER,
        record["id"],
        base,
        state,
        record["version"] or 0,
        action,
        now,
        audit.event(),
        sources,
        noted,
    )


# A person's attributes a caller without read:personal is shown masked (an address without
# its street).
_PERSONAL_OVERRIDES = MODEL.node(PARTNER).personal | {"addresses"}

# A partner's kind is what it is (a person and an organisation are never one partner); and
# the names of the other kind are no values of it.
_NOT_OVERRIDDEN = {"kind": "a partner's kind is not overridden"}
_OF_OTHER_KINDS = {
    "PERSON": ("organizationName",),
    "ORGANIZATION": ("firstName", "lastName", "birthDate"),
    "GROUP": ("firstName", "lastName", "birthDate"),
}


def override_values(
    overrides: list[tuple[str, str | None]], kind: str | None = None, sees_personal: bool = True
) -> tuple[State, list[Problem]]:
    """Overrides from the input, checked by the rules of a partner delivery of ``kind``
    (where known): the value as text, JSON for roles and addresses; None removes an
    override. Each attribute once; a person's personal ones only by whom ``sees_personal``."""
    values: State = {}
    problems = []
    for position, (attribute, value) in enumerate(overrides):
        path: Path = ("input", "overrides", str(position))
        if attribute not in ATTRIBUTES:
            known = ", ".join(a for a in ATTRIBUTES if a not in _NOT_OVERRIDDEN)
            message = f"{attribute!r} is not an attribute of a partner; one of {known}"
            problems.append(Problem((*path, "attribute"), codes.INVALID_VALUE, message))
            continue
        refused = _NOT_OVERRIDDEN.get(attribute)
        if refused is None and attribute in _OF_OTHER_KINDS.get(kind or "", ()):
            refused = f"{a(str(kind).lower())} has no {attribute}"
        if attribute in values:
            refused = f"{attribute} is overridden once; it is named before"
        if refused is not None:
            problems.append(Problem((*path, "attribute"), codes.INVALID_VALUE, refused))
            continue
        if kind == "PERSON" and not sees_personal and attribute in _PERSONAL_OVERRIDES:
            message = (
                f"overriding a person's {attribute} needs the read:personal scope: without it "
                "the value is shown incomplete"
            )
            problems.append(Problem((*path, "attribute"), codes.FORBIDDEN, message))
            continue
        if value is None:
            values[attribute] = None
            continue
        checked, problem = _checked(attribute, value)
        if problem:
            problems.append(Problem((*path, "value"), codes.INVALID_VALUE, problem))
        else:
            values[attribute] = checked
    return values, problems


def _checked(attribute: str, text: str) -> tuple[Any, str | None]:
    """The value a partner delivery would hold for ``attribute``, or why it cannot."""
    value: Any = text
    if attribute in ("roles", "addresses"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None, f"{attribute} takes a JSON list"
    data = {
        "source": {"system": "STEWARD", "key": "override"},
        "kind": "PERSON",
        "lastName": "-",
        "organizationName": "-",
        attribute: value,
    }
    try:
        delivery, problems = deliveries.partner(data, ())
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        return None, f"not a value for {attribute}: {exc}"
    if problems or delivery is None:
        return None, "; ".join(p.message for p in problems) or f"not a value for {attribute}"
    return delivery.values.get(attribute), None


async def merge(
    tx: Transaction,
    survivor_id: str,
    merged_ids: list[str],
    overrides: list[tuple[str, str | None]],
    audit: Audit,
    now: dt.datetime,
) -> str:
    """Merge partners into the survivor in one transaction; see docs/matching.md."""
    await _lock(tx, [survivor_id, *merged_ids], now)
    found = {
        hub_id: await _golden(tx, hub_id) for hub_id in dict.fromkeys([survivor_id, *merged_ids])
    }
    kind = kind_of(found.get(survivor_id))
    changes, problems = override_values(overrides, kind, audit.sees_personal)
    plan = plan_merge(survivor_id, merged_ids, found, changes, problems)
    # Open candidates between any two of the partners joined are decided by this merge.
    joined = [survivor_id, *(m["id"] for m in plan.merged)]
    await tx.run(*statements.decide_among(joined, now, audit.event()))
    for record in plan.merged:
        await _merge_one(tx, survivor_id, record, audit, now)
    await tx.run(*statements.add_merged_from(survivor_id, list(plan.merged_from)))
    before = list(plan.survivor["mergedFrom"] or [])
    noted = ({"field": "mergedFrom", "before": before, "after": [*before, *plan.merged_from]},)
    await _recompute(tx, plan.survivor, "MERGED", now, audit, plan.overrides, noted)
    # The candidates the survivor took over are scored on its values now.
    await refresh_open(tx, [survivor_id])
    return survivor_id


async def _merge_one(
    tx: Transaction, survivor_id: str, record: Row, audit: Audit, now: dt.datetime
) -> None:
    merged_id = record["id"]
    await _move(tx, merged_id, survivor_id)
    pair = pair_of(merged_id, survivor_id)
    for statement in statements.merge_one(merged_id, survivor_id, pair, now, audit.event()):
        await tx.run(*statement)
    await blocks.hand_over(tx, merged_id, survivor_id)
    await _repoint_candidates(tx, merged_id, survivor_id)
    await record_events(
        tx,
        [
            {
                "entity": PARTNER,
                "entityId": merged_id,
                "action": "MERGED_INTO",
                "changes": [{"field": "mergedInto", "before": None, "after": survivor_id}],
                "version": (record["version"] or 0) + 1,
                **audit.event(),
            }
        ],
        now,
    )


async def _repoint_candidates(tx: Transaction, merged_id: str, survivor_id: str) -> None:
    """Candidates with the merged partner now concern the survivor (see
    :func:`~hub.domain.merge_plans.repointed`)."""
    candidates = await tx.run(*statements.candidates_with(merged_id))
    twins: dict[str, Row | None] = {}
    for row in candidates:
        if row["other"] == survivor_id:
            continue
        pair = pair_of(survivor_id, row["other"])
        found = await tx.run(*statements.candidate_of_pair(pair))
        twins[pair] = found[0] if found else None
    for statement in repointed(merged_id, survivor_id, candidates, twins):
        await tx.run(*statement)


def _merged_before(path: Path, data: dict[str, Any], resolved: str) -> list[Problem]:
    """A partner named by the id it had before a merge: its id leads to its survivor, which
    the steward did not name (keys move to the survivor and name it)."""
    decoded = from_global(str(data.get("id") or ""))
    if not resolved or decoded is None or decoded[1] == resolved:
        return []
    message = (
        f"this partner was merged into {to_global(PARTNER, resolved)} before; name that "
        "partner if it is the one meant"
    )
    return [Problem((*path, "id"), codes.INVALID_VALUE, message)]


async def override_named(
    tx: Transaction,
    ref: tuple[Path, dict[str, Any]],
    overrides: list[tuple[str, Any]],
    audit: Audit,
    now: dt.datetime,
) -> str:
    """Set or remove a steward's overrides on the partner ``ref`` names (a reference input
    with its path), outside a merge; its values are computed again. Nothing is written when
    the overrides stay as they were."""
    path, data = ref
    ((state, problems),) = await resolve(tx, [{"ref": deliveries.reference(PARTNER, data, path)}])
    hub_id = state["ref"]["id"] if not problems else ""
    problems = [*problems, *_merged_before(path, data, hub_id)]
    if problems:
        raise Rejected(problems + override_values(overrides)[1])
    await _lock(tx, [hub_id], now)
    record = await _golden(tx, hub_id)
    if record is None or record["mergedInto"]:
        raise Rejected([Problem(path, codes.NOT_FOUND, "no such partner")])
    if record.get("deletedAt"):
        raise Rejected([Problem(path, codes.INVALID_VALUE, "the partner is deleted")])
    changes, problems = override_values(overrides, kind_of(record), audit.sees_personal)
    if problems:
        raise Rejected(problems)
    before = json.loads(record["overrides"] or "{}")
    kept = {k: v for k, v in {**before, **changes}.items() if v is not None}
    if kept != before:
        await _recompute(tx, record, "UPDATED", now, audit, kept)
        await _matched_anew(tx, hub_id, now)
    return hub_id


async def _matched_anew(tx: Transaction, hub_id: str, now: dt.datetime) -> None:
    """A partner whose values a steward changed: found by its blocking keys as they are now,
    its open candidates scored again, and the closest partner proposed."""
    known = await _keyed_again(tx, hub_id, [hub_id], now)
    await propose_closest(tx, known, now, rules.REVIEW)


async def _keyed_again(
    tx: Transaction, linked: str, ids: list[str], now: dt.datetime
) -> dict[str, GraphPartner]:
    """The partner ``linked`` in the blocks its values give now, the partners ``ids`` out of
    those their values no longer give, and their open candidates scored on their values
    now; the partners ``ids`` as read."""
    record = await _golden(tx, linked)
    assert record is not None
    keys = blocking_keys(profile(json.loads(record["state"] or "{}")))
    await blocks.link(tx, [(linked, keys)], now)
    known = await read_partners(tx, ids)
    await blocks.unlink_stale(tx, [(p.id, p.stale) for p in known.values()])
    await refresh_open(tx, ids, known)
    return known


async def merge_named(
    tx: Transaction,
    refs: list[tuple[Path, dict[str, Any]]],
    overrides: list[tuple[str, Any]],
    audit: Audit,
    now: dt.datetime,
) -> str:
    """Merge the partners that ``refs`` name (each as a reference input with its path), the
    first the survivor; every problem of the input at once, the overrides' too."""
    placeholders = [{"ref": deliveries.reference(PARTNER, data, path)} for path, data in refs]
    ids, problems = [], []
    for (path, data), (state, found) in zip(refs, await resolve(tx, placeholders), strict=True):
        problems += found
        ids.append(state["ref"]["id"] if not found else "")
        problems += _merged_before(path, data, ids[-1])
    if problems:
        raise Rejected(problems + override_values(overrides)[1])
    return await merge(tx, ids[0], ids[1:], overrides, audit, now)


async def unmerge(tx: Transaction, system: str, key: str, audit: Audit, now: dt.datetime) -> str:
    """Split a source record out of its golden record into one of its own again."""
    found = await tx.run(*statements.source_of(system, key))
    path: Path = ("source",)
    if not found:
        raise Rejected([Problem(path, codes.NOT_FOUND, f"no partner source {system}/{key}")])
    golden_id, former = found[0]["golden"], found[0]["former"]
    await _lock(tx, [golden_id, *([former] if former else [])], now)
    # Read again under the lock: a deletion committed meanwhile counts.
    found = await tx.run(*statements.source_of(system, key))
    _may_split(found[0], f"{system}/{key}", path)
    if former is None and await _founded(tx, golden_id, system, key):
        # Its vehicles, contracts, cards and relationships came with it and stay with the
        # partner: splitting it out would leave them with the records joined to it.
        others = ", ".join(sorted(found[0]["others"]))
        message = (
            f"{system}/{key} is the record this partner was created from and keeps its "
            f"vehicles, contracts and cards; un-merge the records joined to it instead: {others}"
        )
        raise Rejected([Problem(path, codes.INVALID_TRANSITION, message)])
    split_id = await _split_out(tx, system, key, golden_id, former, audit, now)
    # A steward split them: the pair is never proposed or merged again by itself.
    pair = pair_of(split_id, golden_id)
    await tx.run(*statements.never_again(split_id, golden_id, pair, new_id(), now, audit.event()))
    # What the merge had decided for the partner that comes back (a candidate it had, now
    # withdrawn or joined) is found again: the closest other partner, for a steward.
    await propose_closest(tx, await read_partners(tx, [split_id]), now, rules.REVIEW)
    return split_id


def _may_split(found: Row, named: str, path: Path) -> None:
    """Refuse a split that would leave a partner without a source its system still holds
    (it would come back with no values), or bring back what an erasure removed."""
    if found["erased"]:
        message = "the partner was erased: nothing of it comes back"
        raise Rejected([Problem(path, codes.ERASED, message)])
    if found["sources"] < 2:
        message = "the source is its partner's only one"
        raise Rejected([Problem(path, codes.INVALID_TRANSITION, message)])
    if found["gone"]:
        message = (
            f"{named} was deleted by its system: split out, its partner would have no values; "
            "once the system delivers it again it can be un-merged"
        )
        raise Rejected([Problem(path, codes.INVALID_TRANSITION, message)])
    if not found["othersLive"]:
        message = (
            f"every other source of the partner was deleted by its system: without {named} "
            "the partner would have no values"
        )
        raise Rejected([Problem(path, codes.INVALID_TRANSITION, message)])


async def _founded(tx: Transaction, golden_id: str, system: str, key: str) -> bool:
    """Whether the partner was created from this source record's delivery (its first event);
    unknown, and so False, once the change log no longer holds that event."""
    first = await changes.of_records(tx.run, "BusinessPartner", [golden_id], pending=True, limit=1)
    if not first:
        return False
    event = first[0]
    return bool(
        event.get("action") == "CREATED"
        and (event.get("system"), event.get("key")) == (system, key)
    )


# Who takes a record out of a partner when matching doubts whose it is, or finds it corrected
# to another person.
_MATCHING = Actor("hub matching")


async def settle_doubts(tx: Transaction, doubted: list[tuple[str, Doubt]], now: dt.datetime) -> int:
    """Take each doubted source record out of the partner it feeds into one of its own, and
    queue that against the partner and against the other person (by id), for a steward to
    say whose it is (see :mod:`hub.mastering.doubts`); how many were taken out."""
    taken = 0
    for other, doubt in doubted:
        await _lock(tx, [doubt.golden, other], now)
        # Read once locked: a steward may have moved the record since matching read it.
        found = await tx.run(*statements.source_of(doubt.system, doubt.key))
        if not found or found[0]["golden"] != doubt.golden or found[0]["former"]:
            continue  # gone, moved, or a steward's merge
        if found[0]["sources"] < 2:
            continue
        audit = Audit(_MATCHING, doubt.mine.rule)
        split_id = await _split_out(tx, doubt.system, doubt.key, doubt.golden, None, audit, now)
        for partner, verdict in ((doubt.golden, doubt.theirs), (other, doubt.mine)):
            decision = MatchDecision(QUEUED_FOR_REVIEW, verdict.score, partner, verdict=verdict)
            await propose(tx, split_id, partner, decision, now)
        taken += 1
    return taken


async def settle_revisions(
    tx: Transaction, revised: list[tuple[str, str, str]], now: dt.datetime
) -> int:
    """Each source record (partner, system, key) that delivered another birth date, checked
    against the partner's other sources: one whose birth date now clearly differs from every
    one of theirs (a dealer's record corrected to another person's) is taken out into a
    partner of its own, and proposed against the partner where the pair reaches the review
    threshold; how many were taken out. Records a steward merged in, and the one the partner
    was created from, stay."""
    if not revised:
        return 0
    partners = await read_partners(tx, sorted({golden for golden, _, _ in revised}))
    taken = 0
    for golden, system, key in revised:
        partner = partners.get(golden)
        verdict = _conflict(partner, system, key) if partner is not None else None
        if verdict is None or await _founded(tx, golden, system, key):
            continue
        await _lock(tx, [golden], now)
        found = await tx.run(*statements.source_of(system, key))
        if not found or found[0]["golden"] != golden or found[0]["sources"] < 2:
            continue
        # The reason names no value: change events show it to callers without read:personal.
        reason = "its birth date, as corrected, is none of the partner's other records'"
        split_id = await _split_out(tx, system, key, golden, None, Audit(_MATCHING, reason), now)
        if verdict.score >= rules.REVIEW:
            decision = MatchDecision(QUEUED_FOR_REVIEW, verdict.score, golden, verdict=verdict)
            await propose(tx, split_id, golden, decision, now)
        taken += 1
    return taken


def _conflict(partner: GraphPartner, system: str, key: str) -> Verdict | None:
    """The source record ``system``/``key`` of ``partner`` against its other sources, when
    its birth date clearly differs from every one they give and fewer than two strong
    identifiers agree with the closest of them; None for a partner's only source, one a
    steward merged in, or one that still fits."""
    source = next((s for s in partner.sources if (s.system, s.key) == (system, key)), None)
    others = [s.profile for s in partner.sources if s != source]
    if source is None or not others:
        return None
    verdicts = [compare(source.profile, completed(other, partner.profiles[0])) for other in others]
    dated = [(other, v) for other, v in zip(others, verdicts, strict=True) if other.birth]
    if not dated or not all(births_conflict(source.profile, o, v) for o, v in dated):
        return None
    closest, verdict = max(dated, key=lambda item: item[1].score)
    return within_whole(source.profile, closest, alone(verdict, []))


async def _split_out(
    tx: Transaction,
    system: str,
    key: str,
    golden_id: str,
    former: str | None,
    audit: Audit,
    now: dt.datetime,
) -> str:
    """Split a source out of ``golden_id`` (locked) into the partner it was merged from, or
    into a new one; the id of that partner."""
    survivor = await _golden(tx, golden_id)
    revived = await _golden(tx, former) if former else None
    assert survivor is not None
    # Both partners' events name the source that moved: a consumer learns which one it feeds.
    audit = replace(audit, source=(system, key))
    split_base: Row | None
    # What the two events list besides the values: the link between the two that ends.
    split_noted: tuple[dict[str, Any], ...] = ()
    survivor_noted: tuple[dict[str, Any], ...] = ()
    if revived is not None and revived["mergedInto"] == golden_id:
        split_id = revived["id"]
        await tx.run(*statements.revive(split_id))
        await _move(tx, golden_id, split_id, only_from=split_id)
        await tx.run(*statements.drop_merged_from(golden_id, split_id))
        split_base = revived
        split_noted = ({"field": "mergedInto", "before": golden_id, "after": None},)
        before = list(survivor["mergedFrom"] or [])
        after = [m for m in before if m != split_id]
        survivor_noted = ({"field": "mergedFrom", "before": before, "after": after},)
    else:  # merged on arrival: the source gets a partner of its own for the first time
        split_id = await write_golden(
            tx, BUSINESS_PARTNER, None, {}, {}, 0, "CREATED", now, audit.event()
        )
        split_base = await _golden(tx, split_id)
        assert split_base is not None
        # Its source was part of the survivor: the event says so, as it does for a partner
        # merged by a steward (an erasure of it finds the survivor's events it is in).
        split_noted = ({"field": "mergedInto", "before": golden_id, "after": None},)
    await tx.run(*statements.split_source(system, key, split_id))
    split_overrides = json.loads(split_base["overrides"] or "{}")
    await _recompute(tx, split_base, "UNMERGED", now, audit, split_overrides, split_noted)
    survivor_overrides = json.loads(survivor["overrides"] or "{}")
    await _recompute(tx, survivor, "UNMERGED", now, audit, survivor_overrides, survivor_noted)
    # Partners whose relationships name the two (by an id that led to the survivor) are
    # linked to the one each names now.
    naming = await tx.run(*statements.related_to([golden_id, split_id]))
    await relink(tx, BUSINESS_PARTNER, [row["id"] for row in naming])
    # The golden record leaves the blocks only the split source gave it, and the open
    # candidates of both are scored on their values now.
    await _keyed_again(tx, split_id, [golden_id, split_id], now)
    return str(split_id)
