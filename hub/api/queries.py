"""Root query fields: lookups by id, natural key or source key, and filtered lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import strawberry

from graph_schema import MODEL
from hub.api.access import needs
from hub.api.changes import change_event
from hub.api.context import Info
from hub.api.enums import IdentificationKind
from hub.api.facets import (
    BusinessPartnerFacets,
    ContractFacets,
    DocumentFacets,
    Facets,
    IdentificationObjectFacets,
    MaterialFacets,
    ProjectFacets,
    VehicleFacets,
)
from hub.api.inputs import SourceRefInput
from hub.api.listing import conditions, list_connection, projection
from hub.api.ordering import (
    BusinessPartnerOrderBy,
    ContractOrderBy,
    DocumentOrderBy,
    IdentificationObjectOrderBy,
    MaterialOrderBy,
    ProjectOrderBy,
    VehicleOrderBy,
)
from hub.api.relay import Node
from hub.api.types import (
    After,
    Before,
    BusinessPartner,
    Connection,
    Contract,
    Document,
    First,
    IdentificationObject,
    Last,
    Material,
    Project,
    Vehicle,
    node_from_row,
)
from hub.api.where import (
    BusinessPartnerWhere,
    ContractWhere,
    DocumentWhere,
    IdentificationObjectWhere,
    MaterialWhere,
    ProjectWhere,
    VehicleWhere,
)
from hub.auth.principal import Scope
from hub.domain import change_log
from hub.engine import selections_of
from hub.errors import BadRequest
from hub.identifiers import material_number, printed_code, revision_order
from hub.ids import from_global
from hub.read import changes, lists, lookups, queue

T = TypeVar("T")
F = TypeVar("F", bound=Facets)
Row = dict[str, Any]


async def _lookup(
    info: Info,
    label: str,
    hub_id: str | None,
    natural: dict[str, Any],
    source: SourceRefInput | None,
) -> list[Row]:
    """Rows of ``label`` named by exactly one of: id, the natural key, a source key."""
    given = [hub_id is not None, any(v is not None for v in natural.values()), source is not None]
    if sum(given) != 1:
        names = ", ".join(["id", *natural, "source"])
        raise BadRequest(f"give exactly one way to find the {label}: {names}")
    compiled = projection(info, label, selections_of)
    params = compiled.params(info.variable_values)
    store = info.context.store
    if hub_id is not None:
        decoded = from_global(hub_id)
        if decoded is None or decoded[0] != label:
            return []
        return await lookups.find(store, label, compiled.text, params, hub_id=decoded[1])
    if source is not None:
        key = (source.system.strip().upper(), source.key.strip())
        return await lookups.find(store, label, compiled.text, params, source=key)
    return await lookups.find(store, label, compiled.text, params, natural=natural)


async def _first(
    info: Info,
    label: str,
    make: Callable[[Row], T],
    hub_id: str | None,
    natural: dict[str, Any],
    source: SourceRefInput | None,
    as_of: dt.datetime | None = None,
) -> T | None:
    rows = await _lookup(info, label, hub_id, natural, source)
    if not rows:
        return None
    if as_of is None:
        return make(rows[0])
    row = rows[0]
    if label == "BusinessPartner":
        row = await _then_its_own(info, row, hub_id, source, as_of) or row
    then = await _as_of(info, label, row, as_of)
    return make(then) if then else None


async def _then_its_own(
    info: Info,
    row: Row,
    hub_id: str | None,
    source: SourceRefInput | None,
    moment: dt.datetime,
) -> Row | None:
    """The partner an id or a source key stood for at ``moment`` where that was another than
    the one it leads to now: a partner merged into this one after that moment."""
    store = info.context.store
    former: str | None = None
    if hub_id is not None:
        decoded = from_global(hub_id)
        former = decoded[1] if decoded else None
    elif source is not None:
        found = await store.query(
            "MATCH (s:SourceRecord {entity: 'BusinessPartner', system: $system, key: $key}) "
            "RETURN s.formerGolden AS former",
            {"system": source.system.strip().upper(), "key": source.key.strip()},
        )
        former = found[0]["former"] if found else None
    if former is None or former == row["id"]:
        return None
    await change_log.sequence(store)
    later, _ = await changes.since(store, "BusinessPartner", former, moment)
    if not any(event["action"] == "MERGED_INTO" for event in later):
        return None  # it had been merged by then
    compiled = projection(info, "BusinessPartner", selections_of)
    params = compiled.params(info.variable_values)
    own = await store.query(
        f"MATCH (x:BusinessPartner {{id: $id}}) RETURN {compiled.text} AS row",
        {"id": former, **params},
    )
    return own[0]["row"] if own else None


AS_OF_HELP = (
    "The record as it was at this moment: its own values then, rebuilt from the change log "
    "(related records as they are now); null when it did not exist yet."
)


# The argument every lookup takes for the record as it was.
AsOf = Annotated[dt.datetime | None, strawberry.argument(description=AS_OF_HELP)]


async def _as_of(info: Info, label: str, row: Row, moment: dt.datetime) -> Row | None:
    store = info.context.store
    await change_log.sequence(store)
    later, last = await changes.since(store, label, row["id"], moment)
    return changes.as_of(label, row, later, last)


def _facets(info: Info, label: str, where: Any, make: type[F]) -> F:
    query = lists.ListQuery(label, conditions(info, label, where, []), [], info.context.today)
    return make(query=query)


@strawberry.type(description="Read access to the master data.")
class MasterDataQuery:
    @strawberry.field(metadata=needs(Scope.READ), description="Any record by its global ID.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        decoded = from_global(id)
        if decoded is None:
            return None
        label, hub_id = decoded
        if label == "MatchCandidate":
            from hub.api.stewardship import MatchCandidate  # noqa: PLC0415 - imports queries' types

            # The queue is the stewards': by its ID as well as through matchCandidates.
            info.context.require(Scope.STEWARD, "node(id:) of a match candidate")
            rows = await queue.candidates_by_id(info.context.store, [hub_id])
            return MatchCandidate.from_row(rows[0]) if rows else None
        if label == "ChangeEvent":
            return await change_event(info, hub_id)
        if label not in MODEL.golden_labels:
            return None
        compiled = projection(info, label, selections_of)
        found = await lookups.find(
            info.context.store,
            label,
            compiled.text,
            compiled.params(info.variable_values),
            hub_id=hub_id,
        )
        return node_from_row(label, found[0]) if found else None

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="A business partner by ID or by a source system's key.",
    )
    async def business_partner(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        source: SourceRefInput | None = None,
        as_of: AsOf = None,
    ) -> BusinessPartner | None:
        return await _first(
            info, "BusinessPartner", BusinessPartner.from_row, id, {}, source, as_of
        )

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="How many business partners have each value, under the list's filter.",
    )
    def business_partner_facets(
        self, info: Info, where: BusinessPartnerWhere | None = None
    ) -> BusinessPartnerFacets:
        return _facets(info, "BusinessPartner", where, BusinessPartnerFacets)

    @strawberry.field(
        metadata=needs(Scope.READ), description="Business partners matching a filter, in pages."
    )
    async def business_partners(
        self,
        info: Info,
        where: BusinessPartnerWhere | None = None,
        order_by: list[BusinessPartnerOrderBy] | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[BusinessPartner]:
        return await list_connection(
            info,
            "BusinessPartner",
            BusinessPartner.from_row,
            where,
            order_by,
            [("name", "ASC")],
            (first, after, last, before),
        )

    @strawberry.field(
        metadata=needs(Scope.READ), description="A vehicle by ID, VIN or a source system's key."
    )
    async def vehicle(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        vin: str | None = None,
        source: SourceRefInput | None = None,
        as_of: AsOf = None,
    ) -> Vehicle | None:
        natural = {"vin": vin.strip().upper() if vin else None}
        return await _first(info, "Vehicle", Vehicle.from_row, id, natural, source, as_of)

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="How many vehicles have each value, under the list's filter.",
    )
    def vehicle_facets(self, info: Info, where: VehicleWhere | None = None) -> VehicleFacets:
        return _facets(info, "Vehicle", where, VehicleFacets)

    @strawberry.field(
        metadata=needs(Scope.READ), description="Vehicles matching a filter, in pages."
    )
    async def vehicles(
        self,
        info: Info,
        where: VehicleWhere | None = None,
        order_by: list[VehicleOrderBy] | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Vehicle]:
        return await list_connection(
            info,
            "Vehicle",
            Vehicle.from_row,
            where,
            order_by,
            [("vin", "ASC")],
            (first, after, last, before),
        )

    @strawberry.field(
        metadata=needs(Scope.READ), description="A contract by ID, number or a source system's key."
    )
    async def contract(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        number: str | None = None,
        source: SourceRefInput | None = None,
        as_of: AsOf = None,
    ) -> Contract | None:
        natural = {"number": number.strip() if number else None}
        return await _first(info, "Contract", Contract.from_row, id, natural, source, as_of)

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="How many contracts have each value, under the list's filter.",
    )
    def contract_facets(self, info: Info, where: ContractWhere | None = None) -> ContractFacets:
        return _facets(info, "Contract", where, ContractFacets)

    @strawberry.field(
        metadata=needs(Scope.READ), description="Contracts matching a filter, in pages."
    )
    async def contracts(
        self,
        info: Info,
        where: ContractWhere | None = None,
        order_by: list[ContractOrderBy] | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Contract]:
        return await list_connection(
            info,
            "Contract",
            Contract.from_row,
            where,
            order_by,
            [("number", "ASC")],
            (first, after, last, before),
        )

    @strawberry.field(
        metadata=needs(Scope.READ), description="A project by ID, number or source key."
    )
    async def project(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        number: str | None = None,
        source: SourceRefInput | None = None,
        as_of: AsOf = None,
    ) -> Project | None:
        natural = {"number": number.strip() if number else None}
        return await _first(info, "Project", Project.from_row, id, natural, source, as_of)

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="How many projects have each value, under the list's filter.",
    )
    def project_facets(self, info: Info, where: ProjectWhere | None = None) -> ProjectFacets:
        return _facets(info, "Project", where, ProjectFacets)

    @strawberry.field(
        metadata=needs(Scope.READ), description="Projects matching a filter, in pages."
    )
    async def projects(
        self,
        info: Info,
        where: ProjectWhere | None = None,
        order_by: list[ProjectOrderBy] | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Project]:
        return await list_connection(
            info,
            "Project",
            Project.from_row,
            where,
            order_by,
            [("number", "ASC")],
            (first, after, last, before),
        )

    @strawberry.field(
        metadata=needs(Scope.READ), description="A material by ID, number or source key."
    )
    async def material(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        number: str | None = None,
        source: SourceRefInput | None = None,
        as_of: AsOf = None,
    ) -> Material | None:
        natural = {"number": material_number(number) if number else None}
        return await _first(info, "Material", Material.from_row, id, natural, source, as_of)

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="How many materials have each value, under the list's filter.",
    )
    def material_facets(self, info: Info, where: MaterialWhere | None = None) -> MaterialFacets:
        return _facets(info, "Material", where, MaterialFacets)

    @strawberry.field(
        metadata=needs(Scope.READ), description="Materials matching a filter, in pages."
    )
    async def materials(
        self,
        info: Info,
        where: MaterialWhere | None = None,
        order_by: list[MaterialOrderBy] | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Material]:
        return await list_connection(
            info,
            "Material",
            Material.from_row,
            where,
            order_by,
            [("number", "ASC")],
            (first, after, last, before),
        )

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="An identification object by ID, kind and number, or source key.",
    )
    async def identification_object(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        kind: IdentificationKind | None = None,
        number: str | None = None,
        source: SourceRefInput | None = None,
        as_of: AsOf = None,
    ) -> IdentificationObject | None:
        # A blank number is no number: with a kind alone it would find any of that kind.
        compact = printed_code(number) if number else ""
        if number and number.strip() and not compact:
            raise BadRequest("number has nothing but separators: give the object's number")
        if (kind is None) != (compact == ""):
            raise BadRequest("kind and number find an identification object only together")
        natural = {"kind": kind.value if kind else None, "number": compact or None}
        return await _first(
            info, "IdentificationObject", IdentificationObject.from_row, id, natural, source, as_of
        )

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="How many identification objects have each value, under the list's filter.",
    )
    def identification_object_facets(
        self, info: Info, where: IdentificationObjectWhere | None = None
    ) -> IdentificationObjectFacets:
        return _facets(info, "IdentificationObject", where, IdentificationObjectFacets)

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="Identification objects matching a filter, in pages.",
    )
    async def identification_objects(
        self,
        info: Info,
        where: IdentificationObjectWhere | None = None,
        order_by: list[IdentificationObjectOrderBy] | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[IdentificationObject]:
        return await list_connection(
            info,
            "IdentificationObject",
            IdentificationObject.from_row,
            where,
            order_by,
            [("kind", "ASC"), ("number", "ASC")],
            (first, after, last, before),
        )

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="A document by ID, by number (the latest revision not deleted, or the one "
        "given), or by a source system's key.",
    )
    async def document(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        number: str | None = None,
        revision: str | None = None,
        source: SourceRefInput | None = None,
        as_of: AsOf = None,
    ) -> Document | None:
        if revision is not None and not (number and number.strip()):
            raise BadRequest("revision finds a document only together with number")
        natural = {"number": number.strip() if number else None}
        if revision is not None:
            natural["revision"] = revision.strip()
        rows = await _lookup(info, "Document", id, natural, source)
        if not rows:
            return None
        # The latest live revision; a deleted one only when every revision is.
        row = max(rows, key=lambda r: (r.get("deletedAt") is None, revision_order(r["revision"])))
        then = row if as_of is None else await _as_of(info, "Document", row, as_of)
        return Document.from_row(then) if then else None

    @strawberry.field(
        metadata=needs(Scope.READ),
        description="How many documents have each value, under the list's filter.",
    )
    def document_facets(self, info: Info, where: DocumentWhere | None = None) -> DocumentFacets:
        return _facets(info, "Document", where, DocumentFacets)

    @strawberry.field(
        metadata=needs(Scope.READ), description="Documents matching a filter, in pages."
    )
    async def documents(
        self,
        info: Info,
        where: DocumentWhere | None = None,
        order_by: list[DocumentOrderBy] | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Document]:
        return await list_connection(
            info,
            "Document",
            Document.from_row,
            where,
            order_by,
            [("number", "ASC"), ("revision", "ASC")],
            (first, after, last, before),
        )
