"""The stewards' part of the API: the match queue and its decisions (``stewardship.graphql``)."""

from __future__ import annotations

import datetime as dt
import json
from enum import Enum
from typing import Annotated, Any

import strawberry

from graph_schema import MODEL
from hub.api.access import ReadsTheRecord, needs
from hub.api.context import Info
from hub.api.enums import PartnerKind
from hub.api.inputs import PartnerRefInput, SourceRefInput, to_data
from hub.api.relay import Node
from hub.api.types import (
    PERSONAL_NOTE,
    After,
    AttributeLineage,
    Before,
    BusinessPartner,
    Connection,
    First,
    Last,
    connection,
    merged_lineage,
    page_request,
    partner_or_none,
)
from hub.api.user_errors import UserError, free_text, user_errors
from hub.auth.principal import Scope
from hub.domain import service, stewardship, validation
from hub.domain.problems import Path, Problem
from hub.ids import from_global, to_global
from hub.mastering.matcher import MatchDecision
from hub.read import lists, queue
from hub.read.cursors import scope
from hub.read.pagination import Page
from hub.read.values import native

Row = dict[str, Any]


@strawberry.enum(description="What matching did with a partner delivery.")
class MatchAction(Enum):
    CREATED = strawberry.enum_value("CREATED", description="No existing partner is similar.")
    MATCHED_EXISTING = strawberry.enum_value(
        "MATCHED_EXISTING", description="Identified by its source key (or already known)."
    )
    AUTO_MERGED = strawberry.enum_value(
        "AUTO_MERGED", description="Similar enough to an existing partner to be merged into it."
    )
    QUEUED_FOR_REVIEW = strawberry.enum_value(
        "QUEUED_FOR_REVIEW",
        description="Created, and proposed to a steward as a possible duplicate.",
    )


@strawberry.enum(description="Where a match candidate stands.")
class MatchCandidateStatus(Enum):
    OPEN = strawberry.enum_value("OPEN", description="Waiting for a steward.")
    MERGED = strawberry.enum_value("MERGED", description="The two partners were merged.")
    REJECTED = strawberry.enum_value(
        "REJECTED", description="Not the same partner; the pair is never proposed again."
    )


@strawberry.type(description="How one feature of two partners compared.")
class FeatureScore:
    feature: str = strawberry.field(
        description="e.g. lastName, birthDate, street, taxNumber, sharedVehicle."
    )
    score: float = strawberry.field(description="Similarity from 0 (different) to 1 (same).")
    weight: float = strawberry.field(
        description="Evidence it added to the score (log2 odds); negative when it speaks "
        "against a match. Agreement on a common value weighs less than on a rare one."
    )
    left: str | None = strawberry.field(description="The left partner's value, normalised.")
    right: str | None = strawberry.field(description="The right partner's value, normalised.")


# Features that compare personal data: their values are shown with ``read:personal`` only.
# A former surname's left value is the e-mail address that names it.
_PERSONAL_FEATURES = (
    MODEL.node("BusinessPartner").personal | MODEL.node("Address").personal | {"formerName"}
)


def _features(raw: str | None, personal: bool) -> list[FeatureScore]:
    def shown(feature: str, value: str | None) -> str | None:
        return value if personal or feature not in _PERSONAL_FEATURES else None

    return [
        FeatureScore(
            feature=f["feature"],
            score=f["score"],
            weight=f["weight"],
            left=shown(f["feature"], f.get("left")),
            right=shown(f["feature"], f.get("right")),
        )
        for f in json.loads(raw or "[]")
    ]


@strawberry.type(description="Two partners that may be the same, for a steward to decide.")
class MatchCandidate(Node):
    left_id: strawberry.Private[str]
    right_id: strawberry.Private[str]
    status: MatchCandidateStatus = strawberry.field(description="Open, merged or rejected.")
    score: float = strawberry.field(description="Probability that both are the same partner.")
    stored_features: strawberry.Private[str | None]
    explanation: str = strawberry.field(description="Why the pair was proposed, in words.")
    created_at: dt.datetime = strawberry.field(description="When the pair was proposed.")
    decided_at: dt.datetime | None = strawberry.field(description="When a steward decided.")
    decided_by: str | None = strawberry.field(
        description="Who decided: the client that sent the decision (or hub match)."
    )
    decided_on_behalf_of: str | None = strawberry.field(
        description="The person that client said it acted for (its X-Hub-User header)."
    )
    reason: str | None = strawberry.field(description="Why, in the steward's words.")

    @classmethod
    def from_row(cls, row: Row) -> MatchCandidate:
        return cls(
            id=strawberry.ID(to_global("MatchCandidate", row["id"])),
            left_id=row["leftId"],
            right_id=row["rightId"],
            status=MatchCandidateStatus(row["status"]),
            score=row["score"],
            stored_features=row.get("features"),
            explanation=row.get("explanation") or "",
            created_at=native(row["createdAt"]),
            decided_at=native(row.get("decidedAt")),
            decided_by=row.get("decidedBy"),
            decided_on_behalf_of=row.get("decidedOnBehalfOf"),
            reason=row.get("reason"),
        )

    @strawberry.field(
        description="Per-feature comparison. The values of features that compare personal "
        f"data (birth date, tax number, e-mail, phone, street, house number) are {PERSONAL_NOTE}"
    )
    def features(self, info: Info) -> list[FeatureScore]:
        return _features(self.stored_features, info.context.sees_personal)

    @strawberry.field(
        description="What the partner would be were the pair merged (left into right): each "
        "value that would survive, the source it would come from and what the others say; "
        "the right partner's overrides stay. Personal values as in lineage."
    )
    async def merge_preview(self, info: Info) -> list[AttributeLineage]:
        info.context.require(Scope.READ, "a match candidate's partners")
        personal = info.context.sees_personal
        return await merged_lineage(info, [self.left_id, self.right_id], personal)

    @strawberry.field(description="One partner of the pair (on arrival: the new one).")
    async def left(self, info: Info) -> BusinessPartner:
        return await _partner(info, self.left_id)

    @strawberry.field(description="The other partner of the pair.")
    async def right(self, info: Info) -> BusinessPartner:
        return await _partner(info, self.right_id)


async def _partner(info: Info, hub_id: str) -> BusinessPartner:
    # The queue is the stewards'; the partners in it are read as any partner is.
    info.context.require(Scope.READ, "a match candidate's partners")
    row = await info.context.loaders.node("BusinessPartner").load(hub_id)
    assert row is not None, "a candidate's partners are never deleted"
    return BusinessPartner.from_row(row)


@strawberry.type(description="What matching did with a partner delivery.")
class MatchOutcome:
    action: MatchAction = strawberry.field(description="Created, matched, merged or queued.")
    score: float | None = strawberry.field(
        description="Score against the most similar partner, when one was compared."
    )
    candidate_id: strawberry.Private[str | None]

    @strawberry.field(
        description="The match candidate queued for a steward, if any. Needs the `steward` "
        "scope, as the queue does (without it: `FORBIDDEN` on this field; the write stands)."
    )
    async def candidate(self, info: Info) -> MatchCandidate | None:
        if self.candidate_id is None:
            return None
        info.context.require(Scope.STEWARD, "matchOutcome.candidate")
        rows = await queue.candidates_by_id(info.context.store, [self.candidate_id])
        return MatchCandidate.from_row(rows[0]) if rows else None


def match_outcome(decision: MatchDecision | None) -> MatchOutcome | None:
    if decision is None:
        return None
    return MatchOutcome(
        action=MatchAction(decision.action),
        score=decision.score,
        candidate_id=decision.candidate,
    )


@strawberry.type(description="Result of a decision on a match candidate.")
class MatchCandidatePayload:
    match_candidate: MatchCandidate | None = strawberry.field(description="The candidate.")
    user_errors: list[UserError] = strawberry.field(
        description="Problems with the input; when present nothing was written."
    )


@strawberry.input(description="Which match candidates to list, besides their status.")
class MatchCandidateWhere:
    score_from: float | None = strawberry.field(default=None, description="Scoring at least.")
    score_to: float | None = strawberry.field(default=None, description="Scoring at most.")
    kind: PartnerKind | None = strawberry.field(
        default=None, description="Between persons or between organisations."
    )
    system: str | None = strawberry.field(
        default=None, description="One of the two partners has a source record of this system."
    )


@strawberry.enum(description="The order of the match queue.")
class MatchCandidateOrder(Enum):
    SCORE_DESC = strawberry.enum_value("SCORE_DESC", description="Best score first.")
    SCORE_ASC = strawberry.enum_value("SCORE_ASC", description="Lowest score first.")
    NEWEST = strawberry.enum_value("NEWEST", description="Most recently proposed first.")
    OLDEST = strawberry.enum_value("OLDEST", description="Longest waiting first.")


def _queue_filter(
    status: MatchCandidateStatus | None, min_score: float | None, where: MatchCandidateWhere | None
) -> queue.QueueFilter:
    lowest = [x for x in (min_score, where.score_from if where else None) if x is not None]
    system = where.system.strip().upper() if where and where.system else None
    return queue.QueueFilter(
        status=status.name if status else None,
        min_score=max(lowest) if lowest else None,
        max_score=where.score_to if where else None,
        kind=where.kind.name if where and where.kind else None,
        system=system or None,
    )


@strawberry.type(description="The stewards' queue of possible duplicates.")
class StewardshipQuery:
    @strawberry.field(
        metadata=needs(Scope.STEWARD),
        description="Possible duplicates, best score first, in pages.",
    )
    async def match_candidates(
        self,
        info: Info,
        status: MatchCandidateStatus | None = MatchCandidateStatus.OPEN,
        min_score: Annotated[
            float | None, strawberry.argument(description="Only candidates scoring at least this.")
        ] = None,
        where: Annotated[
            MatchCandidateWhere | None,
            strawberry.argument(description="Score range, kind of partner, source system."),
        ] = None,
        order_by: Annotated[
            MatchCandidateOrder | None,
            strawberry.argument(description="Best score first by default."),
        ] = MatchCandidateOrder.SCORE_DESC,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MatchCandidate]:
        request = page_request(first, after, last, before)
        store = info.context.store
        only = _queue_filter(status, min_score, where)
        order = (order_by or MatchCandidateOrder.SCORE_DESC).name
        bound = info.context.cursors.bound(scope("MatchCandidate", order, only))
        rows, positions, has_previous, has_next = await lists.page(
            store, queue.candidates_statement(only, order), request, bound
        )

        async def count() -> int:
            return await queue.count_candidates(store, only)

        nodes = [MatchCandidate.from_row(r) for r in rows]
        return connection(
            Page(nodes, positions, bound, None, has_next, has_previous), counter=count
        )


@strawberry.type(description="Stewards' decisions.")
class StewardshipMutation:
    @strawberry.mutation(
        metadata=needs(Scope.STEWARD),
        description="Decide that a candidate pair is not the same partner; the pair is never "
        "proposed again. Recorded with who (the client, and the person it acted for: its "
        "X-Hub-User header), when and why.",
    )
    async def reject_match_candidate(
        self, info: Info, id: strawberry.ID, reason: str | None = None
    ) -> MatchCandidatePayload:
        decoded = from_global(id)
        problems = free_text(("reason",), reason)
        if decoded is None or decoded[0] != "MatchCandidate":
            problems.append(Problem(("id",), "INVALID_ID", f"{id!r} is not a match candidate's ID"))
        if problems or decoded is None:
            return MatchCandidatePayload(match_candidate=None, user_errors=user_errors(problems))
        audit = _audit(info, reason)
        result = await service.run_process(
            info.context.store,
            lambda tx, now: stewardship.reject(tx, decoded[1], audit, now),
        )
        if isinstance(result, list):
            return MatchCandidatePayload(match_candidate=None, user_errors=user_errors(result))
        rows = await queue.candidates_by_id(info.context.store, [decoded[1]])
        return MatchCandidatePayload(
            match_candidate=MatchCandidate.from_row(rows[0]), user_errors=[]
        )

    @strawberry.mutation(
        metadata=needs(Scope.STEWARD),
        description="Decide that a candidate pair is the same partner and merge it in one step: "
        "the partner the candidate was raised for (left) into the one it resembles (right), "
        "with the steward's overrides. The candidate becomes MERGED; recorded with who, when "
        "and why.",
    )
    async def accept_match_candidate(
        self,
        info: Info,
        id: strawberry.ID,
        overrides: list[AttributeOverrideInput] | None = None,
        reason: str | None = None,
    ) -> AcceptMatchCandidatePayload:
        decoded = from_global(id)
        problems = _merge_input_problems({"reason": reason, "overrides": overrides})
        if decoded is None or decoded[0] != "MatchCandidate":
            problems.append(Problem(("id",), "INVALID_ID", f"{id!r} is not a match candidate's ID"))
        if problems or decoded is None:
            return AcceptMatchCandidatePayload.refused(_unprefixed(problems))
        audit = _audit(info, reason)
        values = [(o.attribute, o.value) for o in overrides or []]
        result = await service.run_process(
            info.context.store,
            lambda tx, now: stewardship.accept(tx, decoded[1], values, audit, now),
            partners=True,
        )
        if isinstance(result, list):
            return AcceptMatchCandidatePayload.refused(_unprefixed(result))
        merged = await _payload_of(info, result)
        rows = await queue.candidates_by_id(info.context.store, [decoded[1]])
        return AcceptMatchCandidatePayload(
            match_candidate=MatchCandidate.from_row(rows[0]) if rows else None,
            business_partner=merged.business_partner,
            user_errors=[],
        )


def _unprefixed(problems: list[Problem]) -> list[Problem]:
    """Problems found as a merge input's (``input.overrides.0``) as the arguments' own."""
    return [
        Problem(p.path[1:], p.code, p.message) if p.path[:1] == ("input",) else p for p in problems
    ]


@strawberry.input(description="A steward's value for one attribute, kept over the sources'.")
class AttributeOverrideInput:
    attribute: str = strawberry.field(description="e.g. email, taxNumber, addresses.")
    value: str | None = strawberry.field(
        description="The value; JSON for roles and addresses. Null removes the override."
    )


@strawberry.input(description="Partners to merge into a survivor.")
class MergeInput:
    survivor: PartnerRefInput = strawberry.field(description="The partner that stays.")
    merged: list[PartnerRefInput] = strawberry.field(
        description="Partners merged into it; their ids and source keys lead to the survivor."
    )
    overrides: list[AttributeOverrideInput] | None = strawberry.field(
        default=None, description="Values the steward sets on the survivor."
    )
    reason: str | None = strawberry.field(default=None, description="Why, for the audit trail.")


@strawberry.input(description="A steward's values for one partner, outside a merge.")
class OverrideInput:
    partner: PartnerRefInput = strawberry.field(description="The partner.")
    overrides: list[AttributeOverrideInput] = strawberry.field(
        description="The values to set; a null value removes that attribute's override."
    )
    reason: str | None = strawberry.field(default=None, description="Why, for the audit trail.")


@strawberry.type(description="Result of a merge or an un-merge.")
class MergePayload:
    business_partner: BusinessPartner | None = strawberry.field(
        description="The survivor of a merge, or the partner split out by an un-merge.",
        permission_classes=[ReadsTheRecord],
    )
    user_errors: list[UserError] = strawberry.field(
        description="Problems with the input; when present nothing was written."
    )


@strawberry.type(description="Result of accepting a match candidate.")
class AcceptMatchCandidatePayload:
    match_candidate: MatchCandidate | None = strawberry.field(description="The candidate.")
    business_partner: BusinessPartner | None = strawberry.field(
        description="The partner both are now, with its values computed again.",
        permission_classes=[ReadsTheRecord],
    )
    user_errors: list[UserError] = strawberry.field(
        description="Problems with the input; when present nothing was written."
    )

    @classmethod
    def refused(cls, problems: list[Problem]) -> AcceptMatchCandidatePayload:
        return cls(match_candidate=None, business_partner=None, user_errors=user_errors(problems))


# Most partners one merge names, and most overrides it sets.
MAX_MERGED = 20
MAX_OVERRIDES = 20


def _merge_input_problems(data: dict[str, Any]) -> list[Problem]:
    """What is wrong with a merge input before the database is asked anything."""
    problems = free_text(("input", "reason"), data.get("reason"))
    for name, maximum in (("merged", MAX_MERGED), ("overrides", MAX_OVERRIDES)):
        too_many = validation.at_most(data.get(name) or [], ("input", name), maximum)
        if too_many is not None:
            problems.append(too_many)
    return problems


def _audit(info: Info, reason: str | None) -> stewardship.Audit:
    """Who decides and why, and whether it sees what it may override."""
    return stewardship.Audit(info.context.actor, reason, sees_personal=info.context.sees_personal)


async def _merge(info: Info, data: dict[str, Any]) -> str | list[Problem]:
    problems = _merge_input_problems(data)
    if problems:
        return problems
    audit = _audit(info, data.get("reason"))
    refs: list[tuple[Path, dict[str, Any]]] = [(("input", "survivor"), data["survivor"])] + [
        (("input", "merged", str(i)), ref) for i, ref in enumerate(data["merged"])
    ]
    overrides = [(o["attribute"], o.get("value")) for o in data.get("overrides") or []]
    return await service.run_process(
        info.context.store,
        lambda tx, now: stewardship.merge_named(tx, refs, overrides, audit, now),
        partners=True,
    )


async def _payload_of(info: Info, result: str | list[Problem]) -> MergePayload:
    if isinstance(result, list):
        return MergePayload(business_partner=None, user_errors=user_errors(result))
    info.context.loaders.forget()
    row = await info.context.loaders.node("BusinessPartner").load(result)
    return MergePayload(business_partner=partner_or_none(row), user_errors=[])


@strawberry.type(description="Stewards' merges and un-merges.")
class MergeMutation:
    @strawberry.mutation(
        metadata=needs(Scope.STEWARD),
        description="Merge partners into a survivor in one transaction: their relationships "
        "and source records move to it, its values are computed again from all sources (and "
        "the overrides), and their ids keep leading to it. Recorded with who, when and why.",
    )
    async def merge_business_partners(self, info: Info, input: MergeInput) -> MergePayload:
        return await _payload_of(info, await _merge(info, to_data(input)))

    @strawberry.mutation(
        metadata=needs(Scope.STEWARD),
        description="Set or remove a steward's overrides on one partner: they win over what "
        "the sources say until removed (a null value), and the partner's values are computed "
        "again. Recorded with who, when and why.",
    )
    async def override_business_partner(self, info: Info, input: OverrideInput) -> MergePayload:
        data = to_data(input)
        problems = _merge_input_problems(data)
        if problems:
            return await _payload_of(info, problems)
        audit = _audit(info, data.get("reason"))
        # A null value is kept: it removes the override.
        overrides = [(o.attribute, o.value) for o in input.overrides]
        ref = (("input", "partner"), data["partner"])
        result = await service.run_process(
            info.context.store,
            lambda tx, now: stewardship.override_named(tx, ref, overrides, audit, now),
            partners=True,
        )
        return await _payload_of(info, result)

    @strawberry.mutation(
        metadata=needs(Scope.STEWARD),
        description="Split a source record out of its partner into a partner of its own again, "
        "with the relationships that came with it; both partners' values are computed again "
        "and the pair is never merged again by itself.",
    )
    async def unmerge_business_partner(
        self, info: Info, source: SourceRefInput, reason: str | None = None
    ) -> MergePayload:
        problems = free_text(("reason",), reason)
        if problems:
            return await _payload_of(info, problems)
        audit = _audit(info, reason)
        system, key = source.system.strip().upper(), source.key.strip()
        result = await service.run_process(
            info.context.store,
            lambda tx, now: stewardship.unmerge(tx, system, key, audit, now),
            partners=True,
        )
        return await _payload_of(info, result)
