"""Root mutation fields. Each runs in one transaction; business errors come back as
``userErrors`` in the payload and leave nothing written."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

import strawberry
from strawberry.file_uploads import Upload

from hub.api.access import ReadsTheRecord, needs
from hub.api.changes import RecordKind
from hub.api.context import Info
from hub.api.inputs import (
    BusinessPartnerInput,
    ContractChangeInput,
    ContractInput,
    DocumentInput,
    IdentificationObjectInput,
    MaterialInput,
    ProjectInput,
    SourceRefInput,
    VehicleEventInput,
    VehicleInput,
    cleared_of,
    to_data,
)
from hub.api.relay import Node
from hub.api.stewardship import MatchOutcome, match_outcome
from hub.api.types import (
    BusinessPartner,
    Contract,
    Document,
    IdentificationObject,
    Material,
    Project,
    Vehicle,
    node_from_row,
)
from hub.api.user_errors import UserError, free_text, user_errors
from hub.auth.principal import Scope
from hub.domain import (
    contract_changes,
    deletions,
    deliveries,
    erasure,
    kinds,
    processes,
    service,
    validation,
)
from hub.domain import problems as codes
from hub.domain.deliveries import reference
from hub.domain.files import FileTooLarge, file_name, upload_chunks
from hub.domain.kinds import Kind
from hub.domain.problems import Path, Problem
from hub.errors import BadRequest
from hub.ids import from_global
from hub.mastering.matcher import MatchDecision

T = TypeVar("T")
P = TypeVar("P")
Row = dict[str, Any]


def plausible(label: str, path: Path, value: dt.date | None) -> list[Problem]:
    """The problem with a date outside the range the model gives ``label``'s property."""
    found = None if value is None else deliveries.plausible_date(value, path, label)
    return [found] if found else []


_CREATED = "True when this call created the record."
_CHANGED = (
    "True when this call changed the record: a value, or a new source of it. A repeated "
    "delivery reports false."
)
_ERRORS = "Problems with the input; when present nothing was written."


@strawberry.type(description="Result of a business-partner mutation.")
class BusinessPartnerPayload:
    business_partner: BusinessPartner | None = strawberry.field(
        description="The partner.", permission_classes=[ReadsTheRecord]
    )
    created: bool = strawberry.field(description=_CREATED)
    changed: bool = strawberry.field(description=_CHANGED)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)
    match_outcome: MatchOutcome | None = strawberry.field(
        description="What duplicate detection did: created, matched by key, merged into an "
        "existing partner or queued for a steward; null when nothing was written.",
        default=None,
    )


@strawberry.type(description="Result of a material mutation.")
class MaterialPayload:
    material: Material | None = strawberry.field(
        description="The material.", permission_classes=[ReadsTheRecord]
    )
    created: bool = strawberry.field(description=_CREATED)
    changed: bool = strawberry.field(description=_CHANGED)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="Result of a project mutation.")
class ProjectPayload:
    project: Project | None = strawberry.field(
        description="The project.", permission_classes=[ReadsTheRecord]
    )
    created: bool = strawberry.field(description=_CREATED)
    changed: bool = strawberry.field(description=_CHANGED)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="Result of a vehicle mutation.")
class VehiclePayload:
    vehicle: Vehicle | None = strawberry.field(
        description="The vehicle.", permission_classes=[ReadsTheRecord]
    )
    created: bool = strawberry.field(description=_CREATED)
    changed: bool = strawberry.field(description=_CHANGED)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="Result of a contract mutation.")
class ContractPayload:
    contract: Contract | None = strawberry.field(
        description="The contract.", permission_classes=[ReadsTheRecord]
    )
    created: bool = strawberry.field(description=_CREATED)
    changed: bool = strawberry.field(description=_CHANGED)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="Result of an identification-object mutation.")
class IdentificationObjectPayload:
    identification_object: IdentificationObject | None = strawberry.field(
        description="The identification object.", permission_classes=[ReadsTheRecord]
    )
    created: bool = strawberry.field(description=_CREATED)
    changed: bool = strawberry.field(description=_CHANGED)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


@strawberry.type(description="Result of a document mutation.")
class DocumentPayload:
    document: Document | None = strawberry.field(
        description="The document revision.", permission_classes=[ReadsTheRecord]
    )
    created: bool = strawberry.field(description=_CREATED)
    changed: bool = strawberry.field(description=_CHANGED)
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)


async def _row(info: Info, label: str, hub_id: str | None) -> Row | None:
    info.context.loaders.forget()
    if hub_id is None:
        return None
    return await info.context.loaders.node(label).load(hub_id)


@dataclass
class _Result:
    """What a mutation did: the record as it is now, or the problems that stopped it."""

    row: Row | None = None
    created: bool = False
    changed: bool = False
    problems: list[Problem] = field(default_factory=list)
    match: MatchDecision | None = None


def _payload(
    payload: Callable[..., P], name: str, make: Callable[[Row], Any], result: _Result
) -> P:
    return payload(
        **{name: make(result.row) if result.row else None},
        created=result.created,
        changed=result.changed,
        user_errors=user_errors(result.problems),
    )


def _own_system(
    info: Info, data: dict[str, Any], path: Path = ("input", "source")
) -> list[Problem]:
    """A client writes under its own system's keys only; references may name any system."""
    source = data.get("source") or {}
    system = str(source.get("system") or "")
    principal = info.context.principal
    if not system.strip() or principal.writes_for(system):
        return []
    return [
        Problem(
            path,
            codes.FORBIDDEN,
            f"this client writes for {principal.system or 'no system'}, not for "
            f"{system.strip().upper()[:64]}: send its own keys",
        )
    ]


async def _upsert(
    info: Info,
    kind: Kind,
    data: dict[str, Any],
    extra_problems: list[Problem] | None = None,
    after: service.AfterUpsert | None = None,
    cleared: frozenset[str] = frozenset(),
) -> _Result:
    forbidden = _own_system(info, data)
    if forbidden:
        return _Result(problems=forbidden)
    delivery, problems = deliveries.BUILDERS[kind.label](data, ("input",))
    problems = [*(extra_problems or []), *problems]
    if problems or delivery is None:
        return _Result(problems=problems)
    if cleared:
        delivery = dataclasses.replace(delivery, cleared=kind.clearable(cleared))
    (outcome,) = await service.upsert_batch(
        info.context.store, kind, [delivery], matcher=info.context.matcher, after=after
    )
    row = await _row(info, kind.label, outcome.id)
    return _Result(row, outcome.created, outcome.changed, outcome.problems, outcome.match)


MAX_CHANGES = 1_000

_NOT_A_FILE = (
    "a file is sent as a part of a multipart request (the GraphQL multipart request spec), "
    "not as a value"
)


async def _change(info: Info, data: dict[str, Any], path: Path) -> ContractPayload:
    """One change process, its problems' fields under ``path``; one given without a
    ``changeId`` is known by its content, so that sending it again applies nothing twice."""
    if data.get("changeId") is None:
        given = {k: v for k, v in data.items() if v is not None}
        data = {**data, "changeId": contract_changes.content_id(given, contract_changes.REQUEST_ID)}
    change, problems = contract_changes.change_of(data, path)
    if change is None:
        return _payload(ContractPayload, "contract", Contract.from_row, _Result(problems=problems))
    writer = info.context.principal.system
    result = await _process(
        info, "Contract", lambda tx, now: processes.change_contract(tx, change, now, writer)
    )
    result.problems = [
        Problem((*path, *p.path[1:]), p.code, p.message) if p.path[:1] == ("input",) else p
        for p in result.problems
    ]
    return _payload(ContractPayload, "contract", Contract.from_row, result)


async def _process(info: Info, label: str, run: service.Process[Any]) -> _Result:
    result = await service.run_process(info.context.store, run)
    if isinstance(result, list):
        return _Result(problems=result)
    return _Result(await _row(info, label, result.id), changed=result.changed)


@strawberry.type(description="Writes from source systems and business processes.")
class MasterDataMutation:
    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="Create or update a business partner under a source system's key. "
        "Repeating the same delivery changes nothing.",
    )
    async def upsert_business_partner(
        self, info: Info, input: BusinessPartnerInput
    ) -> BusinessPartnerPayload:
        result = await _upsert(
            info, kinds.BUSINESS_PARTNER, to_data(input), cleared=cleared_of(input)
        )
        payload = _payload(
            BusinessPartnerPayload, "business_partner", BusinessPartner.from_row, result
        )
        payload.match_outcome = match_outcome(result.match)
        return payload

    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="Create or update a material under its source key; a number already "
        "known attaches this source to the existing material.",
    )
    async def upsert_material(self, info: Info, input: MaterialInput) -> MaterialPayload:
        result = await _upsert(info, kinds.MATERIAL, to_data(input), cleared=cleared_of(input))
        return _payload(MaterialPayload, "material", Material.from_row, result)

    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="Create or update a project under its source key (CRM or PDM); a number "
        "already known attaches this source to the existing project. Partners, documents and "
        "vehicles given replace those this project had.",
    )
    async def upsert_project(self, info: Info, input: ProjectInput) -> ProjectPayload:
        result = await _upsert(info, kinds.PROJECT, to_data(input), cleared=cleared_of(input))
        return _payload(ProjectPayload, "project", Project.from_row, result)

    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="Create or update a vehicle; a VIN already known attaches this source "
        "to the existing vehicle.",
    )
    async def upsert_vehicle(self, info: Info, input: VehicleInput) -> VehiclePayload:
        result = await _upsert(info, kinds.VEHICLE, to_data(input), cleared=cleared_of(input))
        return _payload(VehiclePayload, "vehicle", Vehicle.from_row, result)

    @strawberry.mutation(
        metadata=needs(Scope.WRITE), description="Append an entry to a vehicle's history."
    )
    async def record_vehicle_event(self, info: Info, input: VehicleEventInput) -> VehiclePayload:
        data = to_data(input)
        event = processes.VehicleEventInput(
            vehicle=reference("Vehicle", data["vehicle"], ("input", "vehicle")),  # type: ignore[arg-type]
            type=data["type"],
            occurred_at=input.occurred_at,
            mileage_km=input.mileage_km,
            description=input.description,
        )
        problems = free_text(("input", "description"), input.description)
        if input.mileage_km is not None and input.mileage_km < 0:
            problems.append(
                Problem(("input", "mileageKm"), codes.INVALID_VALUE, "mileageKm cannot be negative")
            )
        if input.occurred_at.tzinfo is None:
            problems.append(
                Problem(("input", "occurredAt"), codes.INVALID_VALUE, "occurredAt needs an offset")
            )
        else:
            problems += plausible(
                "VehicleEvent", ("input", "occurredAt"), input.occurred_at.astimezone(dt.UTC).date()
            )
        if problems:
            return _payload(VehiclePayload, "vehicle", Vehicle.from_row, _Result(problems=problems))
        writer = info.context.principal.system
        result = await _process(
            info, "Vehicle", lambda tx, now: processes.record_vehicle_event(tx, event, now, writer)
        )
        return _payload(VehiclePayload, "vehicle", Vehicle.from_row, result)

    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="Create or update a contract with its parties and items.",
    )
    async def upsert_contract(self, info: Info, input: ContractInput) -> ContractPayload:
        result = await _upsert(info, kinds.CONTRACT, to_data(input), cleared=cleared_of(input))
        return _payload(ContractPayload, "contract", Contract.from_row, result)

    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="Apply a change process (LCOO, ETER, TERM, BLEX, CHOA, LCOP) to a contract.",
    )
    async def change_contract(self, info: Info, input: ContractChangeInput) -> ContractPayload:
        return await _change(info, to_data(input), ("input",))

    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="Apply many change processes, each in its own transaction, in order: one "
        "payload per input, a bad one with its userErrors (fields under inputs.N) while the "
        "good ones are applied. With a changeId per input, sending the list again applies "
        f"nothing twice. At most {MAX_CHANGES} inputs.",
    )
    async def change_contracts(
        self, info: Info, inputs: list[ContractChangeInput]
    ) -> list[ContractPayload]:
        if len(inputs) > MAX_CHANGES:
            raise BadRequest(f"inputs: at most {MAX_CHANGES} changes per call")
        return [
            await _change(info, to_data(one), ("inputs", str(i))) for i, one in enumerate(inputs)
        ]

    @strawberry.mutation(
        metadata=needs(Scope.WRITE), description="Create or update an identification object."
    )
    async def upsert_identification_object(
        self, info: Info, input: IdentificationObjectInput
    ) -> IdentificationObjectPayload:
        result = await _upsert(
            info, kinds.IDENTIFICATION_OBJECT, to_data(input), cleared=cleared_of(input)
        )
        return _payload(
            IdentificationObjectPayload,
            "identification_object",
            IdentificationObject.from_row,
            result,
        )

    @strawberry.mutation(
        metadata=needs(Scope.WRITE), description="Block an identification object, with the reason."
    )
    async def block_identification_object(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> IdentificationObjectPayload:
        problems = free_text(("reason",), reason)
        if not reason.strip():
            problems = [Problem(("reason",), codes.REQUIRED, "a reason is required")]
        if problems:
            return _payload(
                IdentificationObjectPayload,
                "identification_object",
                IdentificationObject.from_row,
                _Result(problems=problems),
            )
        ref = reference("IdentificationObject", {"id": id}, ("id",))
        assert ref is not None
        result = await _process(
            info,
            "IdentificationObject",
            lambda tx, now: processes.block_identification_object(
                tx, ref, reason.strip(), now, info.context.principal.system
            ),
        )
        return _payload(
            IdentificationObjectPayload,
            "identification_object",
            IdentificationObject.from_row,
            result,
        )

    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="Create or update a document revision, optionally with its file "
        "(multipart request). A new revision links to the one it replaces.",
    )
    async def upsert_document(
        self,
        info: Info,
        input: DocumentInput,
        file: Annotated[
            Upload | None,
            strawberry.argument(description="The file (PDF or any type) as a multipart upload."),
        ] = None,
    ) -> DocumentPayload:
        data = to_data(input)
        problems = []
        if file is not None and not callable(getattr(file, "read", None)):
            # A value in the variables where a multipart part belongs.
            refused = _Result(problems=[Problem(("file",), codes.INVALID_VALUE, _NOT_A_FILE)])
            return _payload(DocumentPayload, "document", Document.from_row, refused)
        if file is not None and deliveries.BUILDERS[kinds.DOCUMENT.label](data, ("input",))[1]:
            # A revision refused for its fields stores no file: nothing was written.
            await file.close()  # type: ignore[attr-defined]
            file = None
        if file is not None and not _own_system(info, data):
            try:
                stored = await info.context.files.put(
                    upload_chunks(file),
                    file_name(getattr(file, "filename", None)),
                    getattr(file, "content_type", None),
                )
                data.update(
                    fileSha256=stored.sha256,
                    fileSize=stored.size,
                    fileMediaType=stored.media_type,
                    fileName=stored.name,
                )
            except FileTooLarge as exc:
                problems.append(Problem(("file",), codes.TOO_LARGE, str(exc)))
            finally:
                await file.close()  # type: ignore[attr-defined]
        result = await _upsert(
            info,
            kinds.DOCUMENT,
            data,
            problems,
            cleared=cleared_of(input),
        )
        return _payload(DocumentPayload, "document", Document.from_row, result)


@strawberry.type(description="What deleteRecord did.")
class DeleteRecordPayload:
    record: Node | None = strawberry.field(
        description="The record now; `deletedAt` is set once no source holds it.",
        permission_classes=[ReadsTheRecord],
    )
    changed: bool = strawberry.field(
        description="False when the source was deleted already (deleting is idempotent)."
    )
    record_deleted: bool = strawberry.field(
        description="No live source is left: the record itself is deleted."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)

    @classmethod
    def refused(cls, problems: list[Problem]) -> DeleteRecordPayload:
        return cls(
            record=None, changed=False, record_deleted=False, user_errors=user_errors(problems)
        )


@strawberry.type(description="A source system's record leaves the hub.")
class DeletionMutation:
    @strawberry.mutation(
        metadata=needs(Scope.WRITE),
        description="A source system says it no longer holds a record: its source record is "
        "marked deleted and no longer counts for the record's values; when no live source is "
        "left, the record is deleted (kept, resolvable by id, left out of lists). A later "
        "delivery under the key restores it. Recorded as a change with the reason.",
    )
    async def delete_record(
        self,
        info: Info,
        kind: RecordKind,
        source: SourceRefInput,
        reason: str | None = None,
    ) -> DeleteRecordPayload:
        data = {"source": to_data(source)}
        system = str(data["source"].get("system") or "").strip()
        key = str(data["source"].get("key") or "").strip()
        problems = [
            *_own_system(info, data, ("source",)),
            *validation.source_key(system, key, ("source",)),
            *free_text(("reason",), reason),
        ]
        if problems:
            return DeleteRecordPayload.refused(problems)
        label = kind.value
        result = await service.run_process(
            info.context.store,
            lambda tx, now: deletions.delete_source(
                tx, kinds.KINDS[label], system.upper(), key, (reason or "").strip() or None, now
            ),
        )
        if isinstance(result, list):
            return DeleteRecordPayload.refused(result)
        row = await _row(info, label, result.id)
        return DeleteRecordPayload(
            record=node_from_row(label, row) if row else None,
            changed=result.changed,
            record_deleted=result.record_deleted,
            user_errors=[],
        )


@strawberry.type(description="What erasePartner did.")
class ErasePartnerPayload:
    business_partner: BusinessPartner | None = strawberry.field(
        description="The anonymous tombstone that is left."
    )
    files_removed: int = strawberry.field(
        description="Stored files removed: those only documents about this partner held."
    )
    user_errors: list[UserError] = strawberry.field(description=_ERRORS)

    @classmethod
    def refused(cls, problems: list[Problem]) -> ErasePartnerPayload:
        return cls(business_partner=None, files_removed=0, user_errors=user_errors(problems))


@strawberry.type(description="A person's right to erasure.")
class ErasureMutation:
    @strawberry.mutation(
        metadata=needs(Scope.ADMIN),
        description="Erase a partner's personal data: from the record and every partner merged "
        "into it, all their source records, match candidates and the before/after values of "
        "every change about them; the files of documents about only this partner are removed. "
        "An anonymous tombstone remains, with an ERASED event; a later delivery under its "
        "source keys is refused with ERASED.",
    )
    async def erase_partner(
        self, info: Info, id: strawberry.ID, reason: str
    ) -> ErasePartnerPayload:
        problems = free_text(("reason",), reason)
        if not reason.strip():
            problems = [Problem(("reason",), codes.REQUIRED, "a reason is required")]
        decoded = from_global(id)
        if decoded is None or decoded[0] != "BusinessPartner":
            problems.append(Problem(("id",), codes.INVALID_ID, "not a business partner's ID"))
        if problems or decoded is None:
            return ErasePartnerPayload.refused(problems)
        audit = {**info.context.actor.event(), "reason": reason.strip()}
        if info.context.matcher is not None:
            # The person's values this process counted and holds back are counted off too.
            await info.context.matcher.write_counts(info.context.store)
        result = await service.run_process(
            info.context.store, lambda tx, now: erasure.erase_partner(tx, decoded[1], audit, now)
        )
        if isinstance(result, list):
            return ErasePartnerPayload.refused(result)
        removed = sum(info.context.files.remove(sha) for sha in result.files)
        row = await _row(info, "BusinessPartner", result.id)
        return ErasePartnerPayload(
            business_partner=BusinessPartner.from_row(row) if row else None,
            files_removed=removed,
            user_errors=[],
        )
