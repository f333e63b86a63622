"""Key-mapped, idempotent upserts of golden records, for one delivery or a whole batch.

One call runs inside one write transaction and sends a fixed number of statements whatever
the batch size (except two per match candidate queued for a steward):

1. resolve every reference in the batch (by id, natural key or source key);
2. read the source records and candidate golden records of the batch;
3. decide in Python what each delivery does (unchanged, new, changed, conflicting);
4. write the changed golden records, their relationships and children, the source records
   and one change event per changed record, by the statements :mod:`hub.domain.writes`
   builds.

A delivery whose source record already holds the same payload changes nothing: no write, no
new version, no event. Rows with problems are left out; the others are written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from graph_schema import MODEL, PropertyType
from graph_schema import matching as rules
from hub import encoding, identifiers
from hub.collation import CollationName
from hub.domain import problems as codes
from hub.domain import writes
from hub.domain.change_log import (
    Json,
    changed_values,
    logs,
    new_batch,
    record_events,
    stamped,
)
from hub.domain.kinds import Child, Kind, Link, Slot, State
from hub.domain.problems import Path, Problem
from hub.domain.references import DeletedTarget, resolve
from hub.domain.text_keys import child_text_keys, text_keys
from hub.ids import new_id
from hub.mastering.matcher import AUTO_MERGED, MATCHED_EXISTING, QUEUED_FOR_REVIEW, MatchDecision
from hub.mastering.profile import profile
from hub.mastering.survivorship import SourceValues, survive
from hub.read.changes import BATCH_EVENTS
from hub.read.quotas import service_terms
from hub.read.values import native
from hub.store import Store, Transaction
from hub.store.temporal import to_store

_MANAGED = frozenset({"id", "version", "createdAt", "updatedAt", "deletedAt"})


@dataclass
class Delivery:
    """What one source system says about one record, under its own key."""

    system: str
    key: str
    values: State
    path: Path = ("input",)
    deleted: bool = False  # the system no longer holds the record (see hub.domain.deletions)
    # Values the system gave as null: it no longer says them (see Kind.clearable).
    cleared: frozenset[str] = frozenset()
    _digest: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def digest(self) -> str:
        """What was delivered, references as given, as a hash: a repeated delivery is
        recognised even when a record it refers to was merged into another since."""
        if self._digest is None:
            said = self.values
            if self.cleared:  # a value left out and one cleared are two deliveries
                said = {**said, _CLEARED: sorted(self.cleared)}
            self._digest = _hash(canonical_json(said))
        return self._digest


# Not a property's name: the cleared values' place in a delivery's hash.
_CLEARED = "~cleared"


@dataclass
class Outcome:
    id: str | None = None
    created: bool = False
    changed: bool = False
    problems: list[Problem] = field(default_factory=list)
    match: MatchDecision | None = None
    # A source known before delivered another birth date (its record's may stay as it was).
    revised: bool = False


class PartnerMatcher(Protocol):
    """Finds an existing golden record for a delivery that no source key identifies.

    The seam where duplicate detection plugs into the write path; without a matcher, a
    partner is identified by its source key alone.
    """

    async def match(
        self,
        tx: Transaction,
        kind: Kind,
        states: list[State],
        now: dt.datetime,
        systems: Sequence[str] = (),
    ) -> list[MatchDecision]:
        """A decision for each state (delivered by ``systems``, in order, where given):
        merge into a record, queue, or create."""
        ...

    async def record(
        self,
        tx: Transaction,
        changed: list[tuple[str, State]],
        delivered: list[State],
        queued: list[tuple[str, str, MatchDecision]],
        now: dt.datetime,
        updated: Sequence[str] = (),
        revised: Mapping[str, float] | None = None,
    ) -> None:
        """After the write: keep what matching needs up to date and queue candidates;
        ``updated`` are the records that existed and changed, ``revised`` those of them
        whose profile changed, each with the score from which another partner is proposed
        against it."""
        ...

    async def write_counts(self, store: Store) -> None:
        """Write what the matcher counted and holds back (see hub.mastering.tally)."""
        ...


def canonical_json(value: Any) -> str:
    return encoding.canonical(value, _as_json)


def _as_json(value: Any) -> Any:
    """An unresolved reference as what it names (not where in the input it stood)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # Shallow: the encoder comes back here for dataclasses nested inside.
        return {
            f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.name != "path"
        }
    raise TypeError(f"{type(value).__name__} is not JSON")


def _hash(payload: str) -> str:
    return hashlib.sha256(payload.encode()).hexdigest()


def _to_property(kind: PropertyType, value: Any) -> Any:
    if value is None:
        return None
    if kind is PropertyType.DATE:
        return dt.date.fromisoformat(value)
    if kind is PropertyType.DATETIME:
        return to_store(dt.datetime.fromisoformat(value))
    return value


# Kept by stewardship, never set from a state.
_STEWARDED = frozenset({"mergedInto", "mergedFrom", "overrides"})


def properties_of(kind: Kind, state: State) -> dict[str, Any]:
    """The node properties a state sets: every model property it mentions. A state that
    survives from sources can lose a value (an un-merge takes a source away), so for such
    kinds every property is written and a missing one removed."""
    return {
        prop.name: _to_property(prop.type, state.get(prop.name))
        for prop in kind.node.record_properties
        if prop.name not in _MANAGED
        and prop.name not in _STEWARDED
        and (kind.survives or prop.name in state)
    }


def natural_key_of(kind: Kind, state: State) -> tuple[Any, ...] | None:
    if not kind.natural_key:
        return None
    values = tuple(state.get(name) for name in kind.natural_key)
    return None if any(v is None for v in values) else values


@dataclass
class _Plan:
    """What the batch will write for one golden record."""

    id: str
    base: State
    state: State
    version: int
    created: bool
    sources: list[tuple[Delivery, str, str, bool]] = field(default_factory=list)  # known?
    action: str | None = None
    process: str | None = None  # the business process, when the action is one
    # For kinds whose values survive from their sources: what each source says, and the
    # stewards' overrides.
    origins: dict[tuple[str, str], SourceValues] = field(default_factory=dict)
    overrides: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)  # who and why, for stewards' changes
    forced: bool = False  # written (a new version, an event) even when no value changed
    # A source new to it joined it (matched, or by its natural key) and changed no value: a
    # new version and an event tell those who follow the changes which record it feeds.
    joined: bool = False
    # Changes its event lists besides its values' (a merge's mergedFrom, say).
    noted: tuple[dict[str, Any], ...] = ()

    @property
    def changed(self) -> bool:
        return self.values_changed or self.joined

    @property
    def values_changed(self) -> bool:
        return self.created or self.forced or self.state != self.base


async def _read_existing(
    tx: Transaction, kind: Kind, rows: list[tuple[int, Delivery, State]]
) -> dict[int, dict[str, Any]]:
    params = [
        {
            "i": i,
            "system": d.system,
            "key": d.key,
            "nk": {k: state.get(k) for k in kind.natural_key},
        }
        for i, d, state in rows
    ]
    found = await tx.collected(*writes.read_existing(kind, params))
    tx.remember(found, "sourceId", "sourceElement")
    tx.remember(found, "keyId", "keyElement")
    existing = {row["i"]: row for row in found}
    await _read_identity_changes(tx, kind, rows, existing)
    return existing


async def _read_identity_changes(
    tx: Transaction,
    kind: Kind,
    rows: list[tuple[int, Delivery, State]],
    existing: dict[int, dict[str, Any]],
) -> None:
    """For each delivery whose natural key differs from the one of the record its source
    feeds: that key (``identityBefore``) and the record's other live sources
    (``otherSources``). Rare, so read apart from the common case."""
    changing: dict[int, tuple[tuple[Any, ...], Delivery]] = {}
    for i, delivery, state in rows:
        found = existing[i]
        natural = natural_key_of(kind, state)
        if natural is None or not found["sourceId"] or found["hash"] == delivery.digest:
            continue
        stored = found["parsedSourceState"] = (
            encoding.loads(found["sourceState"]) if found["sourceState"] else {}
        )
        before = natural_key_of(kind, stored)
        # A key stored in an older spelling (a card number with hyphens) is the same key.
        if before is not None and _kept_spelling(kind, before) != natural:
            changing[i] = (before, delivery)
    if not changing:
        return
    ids = sorted({existing[i]["sourceId"] for i in changing})
    live = {
        row["id"]: [(s["system"], s["key"]) for s in row["sources"]]
        for row in await tx.run(*writes.origins(kind.label, ids))
    }
    for i, (before, delivery) in changing.items():
        sources = live.get(existing[i]["sourceId"], [])
        existing[i]["identityBefore"] = before
        existing[i]["otherSources"] = [s for s in sources if s != (delivery.system, delivery.key)]


def _kept_spelling(kind: Kind, values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A natural key's values as the hub spells them now (see hub.identifiers)."""
    node = kind.node
    return tuple(
        identifiers.kept(node.prop(name).form, value)
        for name, value in zip(kind.natural_key, values, strict=True)
    )


def _key_path(kind: Kind, delivery: Delivery) -> Path:
    return (*delivery.path, kind.natural_key[0]) if kind.natural_key else delivery.path


async def _match(
    tx: Transaction,
    kind: Kind,
    rows: list[tuple[int, Delivery, State]],
    existing: dict[int, dict[str, Any]],
    outcomes: list[Outcome],
    matcher: PartnerMatcher,
    now: dt.datetime,
) -> None:
    """Ask the matcher about every delivery that no key identifies; its decisions land on
    the outcomes, with batch rows numbered as in the whole batch."""
    unmatched = [
        (i, state)
        for i, _, state in rows
        if not existing[i]["sourceId"] and not existing[i]["keyId"]
    ]
    for i, _, _ in rows:
        if existing[i]["sourceId"] or existing[i]["keyId"]:
            outcomes[i].match = MatchDecision(MATCHED_EXISTING)
    if not unmatched:
        return
    delivered_by = {i: delivery.system for i, delivery, _ in rows}
    states = [kind.merge({}, s) for _, s in unmatched]
    answers = await matcher.match(tx, kind, states, now, [delivered_by[i] for i, _ in unmatched])
    for (i, _), decision in zip(unmatched, answers, strict=True):
        if decision.row is not None:
            decision.row = unmatched[decision.row][0]
        outcomes[i].match = decision


def _merged_into(outcomes: list[Outcome], i: int) -> str | None:
    decision = outcomes[i].match
    if decision is None or decision.action != AUTO_MERGED:
        return None
    return decision.golden or (outcomes[decision.row].id if decision.row is not None else None)


async def _plan(
    tx: Transaction,
    kind: Kind,
    rows: list[tuple[int, Delivery, State]],
    outcomes: list[Outcome],
    matcher: PartnerMatcher | None,
    now: dt.datetime,
) -> dict[str, _Plan]:
    """Read what the batch's deliveries decide on, ask the matcher, and plan."""
    existing = await _read_existing(tx, kind, rows)
    if matcher is not None:
        await _match(tx, kind, rows, existing, outcomes, matcher, now)
    origins: Origins = {}
    if kind.survives:
        # The records the batch's sources feed, were merged into, or share a natural key
        # with (a second system's source of one VIN).
        known = {existing[i][found] for i, _, _ in rows for found in ("sourceId", "keyId")} | {
            _merged_into(outcomes, i) for i, _, _ in rows
        }
        # Matching may have read them already, in this transaction.
        origins = parse_origins(
            [
                o.match.origins
                for o in outcomes
                if o.match and o.match.origins and o.match.golden in known
            ]
        )
        origins |= await read_origins(tx, kind, sorted(k for k in known if k and k not in origins))
    return plan_batch(kind, rows, existing, origins, outcomes, now)


def plan_batch(
    kind: Kind,
    rows: list[tuple[int, Delivery, State]],
    existing: dict[int, dict[str, Any]],
    origins: Origins,
    outcomes: list[Outcome],
    now: dt.datetime,
) -> dict[str, _Plan]:
    """What each delivery of a batch does, decided from what was read (``existing``: per
    row, the records its source key and natural key found; ``origins``: what each source of
    those records said): unchanged, a new record, a change of one, or a problem on its
    outcome. It reads nothing and writes nothing: the outcomes and the plans are all it
    changes (a new record takes a new id)."""
    plans: dict[str, _Plan] = {}
    by_key: dict[tuple[Any, ...], str] = {}
    by_source: dict[tuple[str, str], str] = {}  # sources first seen in this batch
    for i, delivery, state in rows:
        found = existing[i]
        digest = delivery.digest
        outcome = outcomes[i]
        source_id, key_id = found["sourceId"], found["keyId"]
        unchanged = source_id and found["hash"] == digest and source_id not in plans
        if unchanged and not found["erased"]:
            outcome.id = source_id
            continue
        natural = natural_key_of(kind, state)
        source = (delivery.system, delivery.key)
        merged_into = _merged_into(outcomes, i)
        golden_id = (
            source_id or by_source.get(source) or key_id or merged_into or by_key.get(natural or ())
        )
        refused = _refused(kind, delivery, found, state, golden_id)
        if refused is not None:
            outcome.problems.append(refused)
            continue
        plan = plans.get(golden_id or "")
        known_plan = plan is not None
        if plan is None and golden_id:
            plan = _existing_plan(golden_id, found, outcome, merged_into)
            plan.origins, plan.overrides = origins.get(golden_id, ({}, {}))
        elif plan is None:
            plan = _Plan(new_id(), {}, {}, 0, created=True)
            outcome.created = True
        plans[plan.id] = plan
        _said_before_deletion(plan, found, delivery)
        if source_id is not None and kind.matched:
            outcome.revised = _birth_date_revised(plan, delivery, state)
        before = plan.state
        payload = _applied(kind, plan, delivery, state, now)
        if isinstance(payload, Problem):
            if not known_plan:
                del plans[plan.id]
            outcome.created = outcome.changed = False
            outcome.problems.append(payload)
            continue
        outcome.id = plan.id
        outcome.changed = outcome.changed or plan.created or plan.state != before
        if source_id is None and not plan.created:
            plan.joined = outcome.changed = True
        _note_reason(plan, outcome, merged_into is not None and golden_id == merged_into)
        plan.sources.append((delivery, payload, digest, source_id is not None))
        by_source[source] = plan.id
        if natural:
            by_key[natural] = plan.id
    return plans


def _note_reason(plan: _Plan, outcome: Outcome, joined_on_arrival: bool) -> None:
    reason = _matching_reason(outcome.match, joined_on_arrival)
    if reason is not None:
        plan.audit.setdefault("reason", reason)


def _birth_date_revised(plan: _Plan, delivery: Delivery, state: State) -> bool:
    """Whether a known source says another birth date than it said before."""
    said = plan.origins.get((delivery.system, delivery.key))
    return said is not None and said.state.get("birthDate") != state.get("birthDate")


def _said_before_deletion(plan: _Plan, found: dict[str, Any], delivery: Delivery) -> None:
    """A source its system deleted and now delivers again says what it said before, but for
    what this delivery changes: leaving a value out erases nothing."""
    source = (delivery.system, delivery.key)
    if found["deletedPayload"] is not None and source not in plan.origins:
        plan.origins[source] = SourceValues(
            delivery.system,
            delivery.key,
            iso(found["deletedReceivedAt"]),
            encoding.loads(found["deletedPayload"]),
        )


def _applied(
    kind: Kind, plan: _Plan, delivery: Delivery, state: State, now: dt.datetime
) -> str | Problem:
    """Apply a delivery to its record's plan and return its payload; or, with the plan as
    it was, why not: the delivery's dates are in order, but not with what the record holds
    (a start another source gave, or this one gave before)."""
    before, origins = plan.state, dict(plan.origins)
    if kind.survives:
        payload = _survive(kind, plan, delivery, state, now)
    else:
        payload = _latest(kind, plan, delivery, state)
    disordered = _out_of_order(kind, plan.state, delivery)
    if disordered is None:
        return payload
    plan.state, plan.origins = before, origins
    return disordered


# The dates of a record that must come in order, as its delivery checks them.
_IN_ORDER = {
    "Contract": ("startDate", "endDate"),
    "IdentificationObject": ("validFrom", "validTo"),
    "Project": ("startDate", "endDate"),
}


def _out_of_order(kind: Kind, state: State, delivery: Delivery) -> Problem | None:
    """``INVALID_DATE_RANGE`` when the record's dates, with this delivery's applied, end
    before they start."""
    pair = _IN_ORDER.get(kind.label)
    if pair is None:
        return None
    first, last = (state.get(name) for name in pair)
    if first is None or last is None or str(last) >= str(first):
        return None
    named = pair[1] if pair[1] in delivery.values else pair[0]
    return Problem(
        (*delivery.path, named),
        codes.INVALID_DATE_RANGE,
        f"{pair[1]} {last} would be before {pair[0]} {first} of the {kind.label} as it is",
    )


def _refused(
    kind: Kind, delivery: Delivery, found: dict[str, Any], state: State, golden_id: str | None
) -> Problem | None:
    """Why a delivery cannot be written, given what was read: its key stood for an erased
    record, its natural key belongs to another record than its source key's, or it relates
    the record to itself."""
    if found["erased"]:
        return Problem(
            (*delivery.path, "source"),
            codes.ERASED,
            f"the {kind.label} {delivery.system}/{delivery.key} stood for was erased; "
            "the hub keeps no data under this key",
        )
    source_id, key_id = found["sourceId"], found["keyId"]
    if source_id and key_id and source_id != key_id:
        return Problem(
            _key_path(kind, delivery),
            codes.CONFLICT,
            f"{kind.natural_key[0]} belongs to another {kind.label} than the one "
            f"{delivery.system}/{delivery.key} feeds",
        )
    changed_identity = _identity_change(kind, delivery, found, state)
    if changed_identity is not None:
        return changed_identity
    # A source merged in from another partner may name the survivor: the two are related
    # once an un-merge parts them, and meanwhile the survivor lists no relation to itself.
    former = found.get("former")
    itself = former if former not in (None, golden_id) else golden_id
    for i, target in enumerate(state.get("relationships") or []):
        if itself is not None and isinstance(target, dict) and target.get("id") == itself:
            return Problem(
                (*delivery.path, "relationships", i, "partner"),
                codes.INVALID_VALUE,
                "names the partner itself: a partner is related to others",
            )
    return None


def _identity_change(
    kind: Kind, delivery: Delivery, found: dict[str, Any], state: State
) -> Problem | None:
    """Why a delivery may not change the natural key of the record its source feeds: other
    sources give the record its identity (a second system's VIN for a vehicle is another
    vehicle, not this one), or the key names a document's revision, and a new revision is a
    record of its own. The only source of a record may correct its key."""
    before = found.get("identityBefore")
    if before is None:
        return None
    said = dict(zip(kind.natural_key, before, strict=True))
    name = next(k for k in kind.natural_key if said[k] != state.get(k))
    feeds = f"{delivery.system}/{delivery.key} feeds the {kind.label} with {name} {said[name]}"
    if kind.label == "Document" and name == "revision":
        return Problem(
            (*delivery.path, name),
            codes.CONFLICT,
            f"{feeds}; a new revision is a record of its own: deliver it under its own key",
        )
    others = found.get("otherSources") or []
    if not others:
        return None
    named = ", ".join(f"{system}/{key}" for system, key in others[:3])
    return Problem(
        (*delivery.path, name),
        codes.CONFLICT,
        f"{feeds}, which {named} also give it; a source does not change the identity other "
        "sources give a record: deliver the other one under its own key, or delete this "
        "source first",
    )


def _matching_reason(match: MatchDecision | None, merged: bool) -> str | None:
    """What matching did with a delivery, for its change event: a steward reviewing what
    matching merged or queued finds it by this reason."""
    verdict = match.verdict if match else None
    if match is None or verdict is None:
        return None
    if not merged and match.action != QUEUED_FOR_REVIEW:
        return None
    did = "merged on arrival" if merged else "queued for a steward"
    return f"{did}, score {verdict.score:.4g}: {verdict.explanation}"


def _existing_plan(
    golden_id: str, found: dict[str, Any], outcome: Outcome, merged_into: str | None
) -> _Plan:
    """A plan for a stored golden record: found by source key, natural key or matching."""
    deleted = None  # when it was deleted
    if golden_id == merged_into:
        assert outcome.match is not None
        stored, version = outcome.match.state, outcome.match.version
    elif golden_id == found["sourceId"]:
        stored, version = found["sourceState"], found["sourceVersion"]
        deleted = found["sourceDeleted"]
        if "parsedSourceState" in found:  # read for its natural key already
            stored = found["parsedSourceState"]
    else:
        stored, version = found["keyState"], found["keyVersion"]
        deleted = found["keyDeleted"]
    base = (stored if isinstance(stored, dict) else encoding.loads(stored)) if stored else {}
    if deleted is not None:  # a source holds it again
        outcome.changed = True
        restored = ({"field": "deletedAt", "before": native(deleted).isoformat(), "after": None},)
        return _Plan(
            golden_id,
            base,
            base,
            version or 0,
            False,
            action="RESTORED",
            forced=True,
            noted=restored,
        )
    return _Plan(golden_id, base, base, version or 0, created=False)


def _latest(kind: Kind, plan: _Plan, delivery: Delivery, state: State) -> str:
    """Apply a delivery whose values replace the stored ones, the cleared ones too; returns
    its values as its payload."""
    # Cleared before the merge, which gives a value with a default its default again.
    kept = {k: v for k, v in plan.state.items() if k not in delivery.cleared}
    plan.state = kind.merge(kept, state)
    return canonical_json(state)


def _survive(kind: Kind, plan: _Plan, delivery: Delivery, state: State, now: dt.datetime) -> str:
    """Apply a delivery to what its source says, then let every value survive from the
    sources by the model's rules; returns the source's values as its payload.

    A source's values are only what it delivered (no defaults, no derived values), so a
    source that never sent an attribute cannot outrank one that did."""
    source = (delivery.system, delivery.key)
    said = plan.origins.get(source)
    values = {**(said.state if said else {}), **{k: v for k, v in state.items() if v is not None}}
    for name in delivery.cleared:
        values.pop(name, None)
    plan.origins[source] = SourceValues(delivery.system, delivery.key, now.isoformat(), values)
    survived, _ = survive(list(plan.origins.values()), plan.overrides, kind.label)
    # A value the record holds that no source says any more stays: a source stored before
    # its kind's values survived by trust kept only its latest delivery, not all it said.
    # One this delivery cleared goes, unless another source says it.
    kept = {
        name: value
        for name, value in plan.base.items()
        if name not in survived and name not in delivery.cleared
    }
    plan.state = kind.merge(kept, survived)
    return canonical_json(values)


def iso(value: Any) -> str:
    """A stored date-time as ISO text in UTC without offset, as ``now.isoformat()`` writes."""
    native = value.to_native() if hasattr(value, "to_native") else value
    if isinstance(native, dt.datetime):
        return native.replace(tzinfo=None).isoformat()
    return str(native or "")


Origins = dict[str, tuple[dict[tuple[str, str], SourceValues], dict[str, Any]]]


def parse_origins(rows: list[dict[str, Any]]) -> Origins:
    """Each golden record's sources (what each says) and its overrides, by id."""
    found = {}
    for row in rows:
        sources = {
            (s["system"], s["key"]): SourceValues(
                s["system"], s["key"], iso(s["receivedAt"]), encoding.loads(s["payload"] or "{}")
            )
            for s in row["sources"]
        }
        found[row["id"]] = (sources, encoding.loads(row["overrides"] or "{}"))
    return found


async def partner_origins(store: Store, ids: list[str]) -> Origins:
    """The partners' sources and overrides, read outside a write (for their lineage)."""
    return parse_origins(await store.query(*writes.origins("BusinessPartner", ids)))


async def lineage_origins(
    store: Store, label: str, ids: list[str]
) -> dict[str, tuple[list[SourceValues], dict[str, Any], State]]:
    """Per record of ``label``: what each of its sources says, its overrides and its golden
    state, read outside a write (for its lineage)."""
    rows = await store.query(*writes.origins(label, ids, with_state=True))
    origins = parse_origins(rows)
    states = {row["id"]: encoding.loads(row["state"] or "{}") for row in rows}
    return {
        i: (list(origins[i][0].values()), origins[i][1], states[i]) for i in ids if i in origins
    }


async def read_origins(tx: Transaction, kind: Kind, ids: list[str]) -> Origins:
    if not ids:
        return {}
    return parse_origins(await tx.run(*writes.origins(kind.label, ids)))


async def _check_children(
    tx: Transaction, kind: Kind, plans: dict[str, _Plan]
) -> dict[str, Problem]:
    """Contract items keep their UIID for life; one UIID cannot move to another contract.
    Within a batch, the first contract that lists a UIID has it."""
    if not any(child.keyed_by for child in kind.children):
        return {}
    wanted: dict[str, str] = {}
    clashes: dict[str, Problem] = {}
    for plan_id, plan in plans.items():
        for item in plan.state.get("items", []):
            if wanted.setdefault(item["uiid"], plan_id) != plan_id:
                clashes[plan_id] = Problem(
                    ("input", "items"),
                    codes.CONFLICT,
                    f"item {item['uiid']} is listed by another contract of the same batch; "
                    "a UIID belongs to one contract",
                )
    if not wanted:
        return clashes
    rows = await tx.run(*writes.items_elsewhere(list(wanted)))
    for row in rows:
        if row["contract"] != wanted[row["uiid"]]:
            clashes[wanted[row["uiid"]]] = Problem(
                ("input", "items"),
                codes.CONFLICT,
                f"item {row['uiid']} belongs to another contract; a UIID never changes contract",
            )
    return clashes


def _slot_targets(state: State, slot: Slot) -> list[dict[str, Any]]:
    value = state.get(slot.name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _elements(tx: Transaction, ids: Iterable[str]) -> list[str]:
    """The element ids of the records among ``ids`` that exist (see ``Transaction``)."""
    return [tx.element_ids[i] for i in ids if i in tx.element_ids]


def _relationship_values(slot: Slot, target: dict[str, Any]) -> dict[str, Any]:
    """The values a slot's target carries onto its relationship, stored as the model types
    them (a validity as a date)."""
    types = {
        prop.name: prop.type
        for rel in MODEL.relationships
        if rel.type == slot.rel
        for prop in rel.properties
    }
    return {
        name: _to_property(types.get(name, PropertyType.STRING), value)
        for name, value in target.items()
        if name not in ("label", "id")
    }


async def _to_survivors(
    tx: Transaction, pairs: list[tuple[str, dict[str, Any]]]
) -> list[tuple[str, dict[str, Any]]]:
    """Partners merged away since a source named them stand for the partner they were
    merged into (another source of the record may still name the merged one). Such a
    relationship is marked with the partner it names, as a merge marks those it moves, so
    that un-merging that partner takes it back."""
    rows = await tx.run(*writes.survivors(sorted({target["id"] for _, target in pairs})))
    moved = {row["id"]: row["survivor"] for row in rows}
    if not moved:
        return pairs
    return [
        (source, {**t, "id": moved[t["id"]], "movedFrom": t["id"]} if t["id"] in moved else t)
        for source, t in pairs
    ]


async def _write_slot(tx: Transaction, kind: Kind, slot: Slot, plans: list[_Plan]) -> None:
    replaced = _elements(tx, (plan.id for plan in plans if not plan.created))
    if replaced:  # a new record has no relationships to replace
        await tx.send(*writes.drop_slot(kind, slot, replaced))
    by_label: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for plan in plans:
        for target in _slot_targets(plan.state, slot):
            by_label[target["label"]].append((plan.id, target))
    for label, named in by_label.items():
        pairs = await _to_survivors(tx, named) if label == "BusinessPartner" else named
        elements = await tx.element_ids_of(label, (target["id"] for _, target in pairs))
        links = []
        for source, target in pairs:
            if source in elements and target["id"] in elements:
                link = {
                    "from": elements[source],
                    "to": elements[target["id"]],
                    "props": _relationship_values(slot, target),
                }
                if link not in links:  # two sources naming one partner, one since merged
                    links.append(link)
        if links:
            await tx.send(*writes.link_slot(kind, slot, label, links))


async def relink(tx: Transaction, kind: Kind, ids: list[str]) -> None:
    """Write the relationships the records' states name again, each to the record it leads
    to now: after an un-merge, a partner named by a merged partner's id is itself again."""
    rows = await tx.run(
        f"MATCH (n:{kind.label}) WHERE n.id IN $ids RETURN n.id AS id, n.state AS state",
        {"ids": ids},
    )
    plans = []
    for row in rows:
        state = json.loads(row["state"] or "{}")
        plans.append(_Plan(row["id"], state, state, 0, False))
    await tx.element_ids_of(kind.label, (plan.id for plan in plans))
    for slot in kind.slots:
        await _write_slot(tx, kind, slot, plans)


async def _write_link(tx: Transaction, kind: Kind, link: Link, plans: list[_Plan]) -> None:
    """The relationship to the record each plan's value ``link.name`` names, replacing the
    one it had; a value that names no record links nothing."""
    replaced = _elements(tx, (plan.id for plan in plans if not plan.created))
    if replaced:
        await tx.send(*writes.drop_link(kind, link, replaced))
    rows = [
        {"element": tx.element_ids[plan.id], "key": plan.state[link.name]}
        for plan in plans
        if plan.id in tx.element_ids and plan.state.get(link.name) is not None
    ]
    if rows:
        await tx.send(*writes.make_link(kind, link, rows))


async def _write_children(tx: Transaction, kind: Kind, child: Child, plans: list[_Plan]) -> None:
    """A list of children made anew, in order: those of a record that had them are removed."""
    node = MODEL.node(child.label)
    plans = [plan for plan in plans if plan.id in tx.element_ids]
    rows = [
        {
            "element": tx.element_ids[plan.id],
            "items": [
                {
                    **{
                        prop.name: _to_property(prop.type, item[prop.name])
                        for prop in node.record_properties
                        if prop.name in item
                    },
                    **child_text_keys(node, item, tx.collation),
                    "position": position,
                }
                for position, item in enumerate(plan.state.get(child.name, []))
            ],
        }
        for plan in plans
    ]
    replaced = [row for row, plan in zip(rows, plans, strict=True) if not plan.created]
    if replaced:
        await tx.send(*writes.drop_children(kind, child, replaced))
    if rows:
        await tx.send(*writes.make_children(kind, child, rows))


def _covered_by(item: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    """The vehicles an item covers: those it lists; a service item that lists none covers
    those of its reference item (by default the contract's first financing item), so that a
    change to the financing item reaches it."""
    given = item.get("coveredVehicles")
    if given is None and item.get("kind") == "SERVICE":
        named = item.get("referenceItem")
        reference = next(
            (
                other
                for other in items
                if (other.get("uiid") == named if named else other.get("kind") == "FINANCING")
            ),
            None,
        )
        given = (reference or {}).get("coveredVehicles") if reference is not item else None
    return [v["id"] for v in given or []]


async def _write_items(tx: Transaction, kind: Kind, child: Child, plans: list[_Plan]) -> None:
    """A contract's items, which keep their identity (UIID) and the vehicles they cover."""
    plans = [plan for plan in plans if plan.id in tx.element_ids]
    rows = []
    for plan in plans:
        items = []
        listed = plan.state.get("items", [])
        for position, item in enumerate(listed):
            services = item.get("singleServices") or []
            items.append(
                {
                    "uiid": item["uiid"],
                    "props": {
                        "kind": item["kind"],
                        "product": item.get("product"),
                        "serviceCodes": [s["code"] for s in services],
                        "serviceCoverage": [s["coveragePercent"] for s in services],
                        "serviceTerms": json.dumps([service_terms(s) for s in services]),
                        "referenceItem": item.get("referenceItem"),
                        "endDate": _to_property(PropertyType.DATE, item.get("endDate")),
                        "terminationDate": _to_property(
                            PropertyType.DATE, item.get("terminationDate")
                        ),
                        "position": position,
                    },
                    "covered": _covered_by(item, listed),
                }
            )
        rows.append(
            {
                "element": tx.element_ids[plan.id],
                "items": items,
                "uiids": [i["uiid"] for i in items],
            }
        )
    if not rows:
        return
    replaced = [row for row, plan in zip(rows, plans, strict=True) if not plan.created]
    if replaced:
        await tx.send(*writes.drop_unlisted_items(replaced))
    # A new contract's items are created outright unless an item of its UIID is stored:
    # merging each item, and looking for coverage to replace, is for contracts that change.
    new = [row for row, plan in zip(rows, plans, strict=True) if plan.created]
    stored = set(
        await tx.collected(*writes.stored_items([u for row in new for u in row["uiids"]]))
        if new
        else ()
    )
    fresh = [row for row in new if not stored.intersection(row["uiids"])]
    created_outright = {id(row) for row in fresh}
    merged = [row for row in rows if id(row) not in created_outright]
    elements: dict[str, str] = {}
    if fresh:
        made = await tx.collected(*writes.create_items(fresh))
        elements.update((row["uiid"], row["element"]) for row in made)
    if merged:
        found = await tx.collected(*writes.merge_items(merged))
        elements.update((row["uiid"], row["element"]) for row in found)
    vehicles = await tx.element_ids_of(
        "Vehicle", (v for row in rows for item in row["items"] for v in item["covered"])
    )
    links = [
        {"item": elements[item["uiid"]], "vehicle": vehicles[vehicle]}
        for row in rows
        for item in row["items"]
        for vehicle in item["covered"]
        if vehicle in vehicles and item["uiid"] in elements
    ]
    if links:
        await tx.send(*writes.cover_vehicles(links))
    await tx.send(*writes.relink_issued([u for row in rows for u in row["uiids"]]))


async def _write(tx: Transaction, kind: Kind, plans: list[_Plan], now: dt.datetime) -> None:
    changed = [plan for plan in plans if plan.changed]
    created = [p for p in changed if p.created]
    elements = await tx.element_ids_of(kind.label, (p.id for p in plans if not p.created))
    kept = [p for p in changed if not p.created and p.id in elements]
    created_rows = [_state_row(kind, p, tx.collation) for p in created]
    updated_rows = [{**_state_row(kind, p, tx.collation), "element": elements[p.id]} for p in kept]
    # Each record's change event is written by the statement that writes the record, its
    # batch by the first of them.
    logged, batch, later = _events(tx, kind, [*created, *kept], [*created_rows, *updated_rows])
    # The first statement that writes records opens the batch of their change events.
    opening: tuple[str, dict[str, Any]] = (new_batch(batch), batch) if batch else ("", {})
    if created:
        # New records are created outright; the read step already showed they do not exist.
        made = await tx.collected(*writes.create_records(kind, created_rows, now, logged, opening))
        tx.remember(made)
        opening = ("", {})
    if updated_rows:
        await tx.send(*writes.update_records(kind, updated_rows, now, logged, opening))
    for slot in kind.slots:
        # A record written by force (a steward's merge or un-merge, a restore) has them
        # written anew: a partner they name may lead elsewhere now.
        touched = [
            p
            for p in changed
            if p.created or p.forced or p.state.get(slot.name) != p.base.get(slot.name)
        ]
        if touched:
            await _write_slot(tx, kind, slot, touched)
    for child in kind.children:
        touched = [
            p for p in changed if p.forced or p.state.get(child.name) != p.base.get(child.name)
        ]
        if touched:
            writer = _write_items if child.keyed_by else _write_children
            await writer(tx, kind, child, touched)
    for link in kind.links:
        touched = [
            p for p in changed if p.created or p.state.get(link.name) != p.base.get(link.name)
        ]
        if touched:
            await _write_link(tx, kind, link, touched)
    await _write_sources(tx, kind, plans, now)
    if later:
        await record_events(tx, later, now)


def _state_row(kind: Kind, plan: _Plan, collation: CollationName) -> dict[str, Any]:
    # Each source's values as a record of its own would have them (a person's name, say).
    said = (kind.merge({}, origin.state) for origin in plan.origins.values())
    keys = text_keys(kind.node, plan.state, collation, said, only_given=not kind.survives)
    return {
        "id": plan.id,
        "props": {**properties_of(kind, plan.state), **keys},
        "state": canonical_json(plan.state),
    }


async def _write_sources(tx: Transaction, kind: Kind, plans: list[_Plan], now: dt.datetime) -> None:
    latest: dict[tuple[str, str], tuple[dict[str, Any], bool]] = {}
    for plan in plans:
        if plan.id not in tx.element_ids:
            continue
        for delivery, payload, digest, known in plan.sources:
            row = {
                "golden": tx.element_ids[plan.id],
                "id": new_id(),
                "system": delivery.system,
                "key": delivery.key,
                "payload": payload,
                "hash": digest,
            }
            # The last delivery of a key in the batch is what the source says now.
            latest[(delivery.system, delivery.key)] = (row, known)
    new = [row for row, known in latest.values() if not known]
    if new:
        await tx.send(*writes.new_sources(kind, new, now))
    known_rows = [row for row, known in latest.values() if known]
    if known_rows:
        await tx.send(*writes.known_sources(kind, known_rows, now))


def _events(
    tx: Transaction, kind: Kind, plans: list[_Plan], rows: list[dict[str, Any]]
) -> tuple[str, dict[str, Any] | None, list[dict[str, Any]]]:
    """The change event of each plan, its id put into its row (``rows[i]`` writes
    ``plans[i]``): what a statement writing the rows sets to log them, and their batch; or
    the events, when too many for one batch, for :func:`record_events` later."""
    events = []
    for plan, row in zip(plans, rows, strict=True):
        delivery = plan.sources[-1][0] if plan.sources else None
        # A new record's values are its state, already JSON (what readers show as changes
        # from nothing).
        said = (
            {"values": Json(row["state"])}
            if plan.created and not plan.base
            else {"changes": [*changed_values(plan.base, plan.state), *plan.noted]}
        )
        events.append(
            {
                "entity": kind.label,
                "entityId": plan.id,
                "action": plan.action or ("CREATED" if plan.created else "UPDATED"),
                "system": delivery.system if delivery else None,
                "key": delivery.key if delivery else None,
                **said,
                "version": plan.version + 1,
                "process": plan.process,
                **plan.audit,
            }
        )
    if not events or len(events) > BATCH_EVENTS:
        return "", None, events
    batch, ids = stamped(tx, events)
    for row, event_id in zip(rows, ids, strict=True):
        row["event"] = event_id
    return f", {logs('n', 'g.event')}", batch, []


async def update_state(
    tx: Transaction,
    kind: Kind,
    record_id: str,
    base: State,
    state: State,
    version: int,
    action: str,
    now: dt.datetime,
    process: str | None = None,
) -> bool:
    """Write a state a business process computed; False when it equals the stored one."""
    written = await update_states(
        tx, kind, [(record_id, base, state, version)], action, now, process
    )
    return bool(written)


async def update_states(
    tx: Transaction,
    kind: Kind,
    records: list[tuple[str, State, State, int]],
    action: str,
    now: dt.datetime,
    process: str | None = None,
) -> int:
    """Write the states a business process computed for many records (id, base, state,
    version) in one go; returns how many differed from the stored ones."""
    plans = [
        _Plan(record_id, base, kind.merge(state, {}), version, created=False, action=action,
              process=process)
        for record_id, base, state, version in records
    ]  # fmt: skip
    changed = [plan for plan in plans if plan.changed]
    if changed:
        await _write(tx, kind, changed, now)
    return len(changed)


async def write_golden(
    tx: Transaction,
    kind: Kind,
    record_id: str | None,
    base: State,
    state: State,
    version: int,
    action: str,
    now: dt.datetime,
    audit: dict[str, Any] | None = None,
    origins: dict[tuple[str, str], SourceValues] | None = None,
    noted: tuple[dict[str, Any], ...] = (),
) -> str:
    """Write a golden record's state that stewardship computed (a merge, an un-merge) from
    its sources' ``origins``, creating the record when ``record_id`` is None; returns its id.
    ``noted``: changes its event lists besides its values'."""
    plan = _Plan(
        record_id or new_id(),
        base,
        kind.merge(state, {}),
        version,
        created=record_id is None,
        action=action,
        origins=origins or {},
        audit=audit or {},
        forced=True,
        noted=noted,
    )
    await _write(tx, kind, [plan], now)
    return plan.id


async def upsert(
    tx: Transaction,
    kind: Kind,
    deliveries: list[Delivery],
    now: dt.datetime,
    matcher: PartnerMatcher | None = None,
) -> list[Outcome]:
    """Apply a batch of deliveries of one kind; one Outcome per delivery, in order."""
    outcomes = [Outcome() for _ in deliveries]
    deleted: list[DeletedTarget] = []
    resolved = await resolve(tx, [d.values for d in deliveries], deleted)
    rows: list[tuple[int, Delivery, State]] = []
    for i, (delivery, (state, unresolved)) in enumerate(zip(deliveries, resolved, strict=True)):
        problems = unresolved or kind.settle(state, delivery.path)
        if problems:
            outcomes[i].problems.extend(problems)
        else:
            rows.append((i, delivery, state))
    if not rows:
        return outcomes
    plans = await _plan(tx, kind, rows, outcomes, matcher, now)
    _refuse_new_links_to_deleted(deleted, plans, outcomes, [d.path for d in deliveries])
    clashes = await _check_children(tx, kind, plans)
    if clashes:
        for outcome in outcomes:
            if outcome.id in clashes:
                outcome.problems.append(clashes[outcome.id])
                outcome.created = outcome.changed = False
        plans = {pid: plan for pid, plan in plans.items() if pid not in clashes}
    await _write(tx, kind, list(plans.values()), now)
    if matcher is not None:
        await _record_matching(tx, kind, rows, plans, outcomes, matcher, now)
    for outcome in outcomes:
        if outcome.problems:
            outcome.id = None
            outcome.match = None
    return outcomes


def _refuse_new_links_to_deleted(
    deleted: list[DeletedTarget],
    plans: dict[str, _Plan],
    outcomes: list[Outcome],
    paths: list[Path],
) -> None:
    """A delivery may go on naming a deleted record its record points at already (the
    contract of a vehicle deleted since); a new link to one is refused with its record."""
    refused: dict[str, DeletedTarget] = {}
    own: dict[int, Problem] = {}
    for found in deleted:
        plan = plans.get(outcomes[found.row].id or "")
        if plan is not None and found.target.id not in _linked(plan.base):
            refused.setdefault(plan.id, found)
            own.setdefault(found.row, found.problem())
    for i, outcome in enumerate(outcomes):
        cause = refused.get(outcome.id or "")
        if cause is None:
            continue
        # A delivery of the same record in the batch is refused with the one that links it.
        outcome.problems.append(
            own.get(i)
            or Problem(
                paths[i],
                codes.NOT_FOUND,
                f"another delivery of this record in the batch links it to a deleted "
                f"{cause.target.label}; it is refused with that one",
            )
        )
        outcome.created = outcome.changed = False
    for plan_id in refused:
        del plans[plan_id]


def _linked(value: Any) -> set[str]:
    """The ids of the records a stored state links to."""
    if isinstance(value, dict):
        own = {value["id"]} if "label" in value and isinstance(value.get("id"), str) else set()
        return own.union(*(_linked(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_linked(v) for v in value))
    return set()


def _action(outcome: Outcome) -> str | None:
    return outcome.match.action if outcome.match else None


async def _record_matching(
    tx: Transaction,
    kind: Kind,
    rows: list[tuple[int, Delivery, State]],
    plans: dict[str, _Plan],
    outcomes: list[Outcome],
    matcher: PartnerMatcher,
    now: dt.datetime,
) -> None:
    written = [i for i, _, _ in rows if not outcomes[i].problems and outcomes[i].id in plans]
    delivered = [
        kind.merge({}, state)
        for i, _, state in rows
        if i in written and _action(outcomes[i]) not in (None, MATCHED_EXISTING)
    ]
    queued = []
    for i in written:
        decision = outcomes[i].match
        if decision is None or decision.action != QUEUED_FOR_REVIEW:
            continue
        other = decision.golden or (outcomes[decision.row].id if decision.row is not None else None)
        left = outcomes[i].id
        if other and left and other != left:
            queued.append((left, other, decision))
    changed = [(plan.id, plan.state) for plan in plans.values() if plan.values_changed]
    updated = [plan.id for plan in plans.values() if plan.values_changed and not plan.created]
    await matcher.record(tx, changed, delivered, queued, now, updated, _reprofiled(plans))


def _reprofiled(plans: dict[str, _Plan]) -> dict[str, float]:
    """The partners whose profile changed, or that a delivery restored (their deletion
    took them out of the queue), each with the score from which another partner is proposed
    against it: the review threshold where their own sources changed or restored them, the
    merge threshold where a source merged into them brought what joins them to a third (a
    record with both a partner's e-mail address and another's mobile number)."""
    return {
        plan.id: rules.AUTO_MERGE if plan.joined else rules.REVIEW
        for plan in plans.values()
        if plan.values_changed
        and not plan.created
        and (plan.action == "RESTORED" or profile(plan.base) != profile(plan.state))
    }
