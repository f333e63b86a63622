"""The GraphQL object types of the master data. Descriptions of stored values come from the
model in :mod:`graph_schema`; related records are read through the request's loaders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Generic, Protocol, TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_camel_case

from graph_schema import MODEL, Property, PropertyType
from graph_schema import enums as e
from graph_schema.survivorship import SURVIVING
from hub.api import ordering as ordering_types
from hub.api import where as where_types
from hub.api.changes import change_history
from hub.api.context import Info
from hub.api.enums import (
    ContractChangeProcess,
    ContractItemKind,
    ContractPartyRole,
    ContractStatus,
    ContractType,
    DocumentType,
    IdentificationKind,
    IdentificationStatus,
    PartnerKind,
    PartnerRelationshipType,
    PartnerRole,
    ProjectPartnerRole,
    ProjectStatus,
    QuotaPeriod,
    RelationshipDirection,
    ReleaseStatus,
    ServiceInclusion,
    VehicleEventType,
)
from hub.api.inputs import sets_any
from hub.api.relay import Node, PageInfo
from hub.domain.contract_changes import effective_contract_status
from hub.domain.kinds import KINDS
from hub.engine import Prefetched, pages_prefetched, prefetched, usable
from hub.identifiers import revision_order
from hub.ids import to_global
from hub.mastering.survivorship import Lineage, SourceValues, survive
from hub.read import quotas
from hub.read.changes import with_api_ids, without_streets
from hub.read.cursors import BoundCursors, Cursors, scope
from hub.read.lists import Anchor
from hub.read.pagination import Page, PageRequest, page_of_rows
from hub.read.projection import collated
from hub.read.relations import RELATIONS, SOURCES, Related, Relation
from hub.read.values import native

Row = dict[str, Any]
T = TypeVar("T")
R = TypeVar("R")


def about(label: str, name: str) -> str:
    """The model's description of a property, for the GraphQL field of the same value."""
    return MODEL.node(label).prop(name).description


PERSONAL_NOTE = "null unless the caller holds the `read:personal` scope."


def personal(label: str, name: str) -> str:
    """The description of a field of personal data."""
    assert MODEL.node(label).prop(name).personal, f"{label}.{name} is not declared personal"
    return f"{about(label, name)} Personal data of persons: {PERSONAL_NOTE}"


_LISTS = frozenset({PropertyType.STRING_LIST, PropertyType.INTEGER_LIST})
_TIMES = frozenset({PropertyType.DATE, PropertyType.DATETIME})


Convert = Callable[[Any], Any]


def _converter(prop: Property) -> Convert | None:
    """How a stored value of ``prop`` becomes what its output field takes (None: as it is),
    chosen once per field: reads call it for every row."""
    vocabulary, default = prop.values, prop.default
    if prop.type in _LISTS:
        return _items_converter(vocabulary)
    if vocabulary is not None:
        if default is not None:
            return lambda value: vocabulary(default if value is None else value)
        return lambda value: None if value is None else vocabulary(value)
    if prop.type in _TIMES:
        return native
    if default is not None:
        return lambda value: default if value is None else value
    return None


def _items_converter(vocabulary: type[Enum] | None) -> Convert:
    if vocabulary is not None:
        return lambda value: [vocabulary(v) for v in value or ()]
    return lambda value: list(value or ())


@functools.cache
def _own_fields(cls: type, label: str) -> tuple[tuple[str, str, Convert | None], ...]:
    """The fields of ``cls`` that show a declared value of ``label`` as it is stored: their
    Python names, the property and its conversion."""
    node = MODEL.node(label)
    names = {p.name: p for p in node.record_properties if p.exposed_as is None}
    own = []
    for field in cls.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        prop = names.get(field.graphql_name or to_camel_case(field.python_name))
        if prop is not None and field.base_resolver is None:
            own.append((field.python_name, prop.name, _converter(prop)))
    return tuple(own)


@dataclasses.dataclass(frozen=True, slots=True)
class _Shape:
    """How objects of a type are made from stored rows of a label, worked out once."""

    by_property: dict[str, tuple[str, Convert | None]]  # field and conversion, by property
    unread: dict[str, Any]  # each field's value when its property was not read
    fresh: tuple[tuple[str, Callable[[], Any]], ...]  # mutable defaults, made per object
    required: frozenset[str]  # fields the caller gives


@functools.cache
def _shape(cls: type, label: str) -> _Shape:
    own = _own_fields(cls, label)
    by_property = {prop: (python, convert) for python, prop, convert in own}
    assert len(by_property) == len(own), f"two fields of {cls.__name__} show one property"
    unread: dict[str, Any] = {}
    fresh: list[tuple[str, Callable[[], Any]]] = []
    for python, _, convert in own:
        empty = None if convert is None else convert(None)
        if isinstance(empty, list):
            fresh.append((python, list))
        else:
            unread[python] = empty
    required = set()
    for field in dataclasses.fields(cls):
        if not field.init or field.name in unread or field.name in dict(fresh):
            continue  # a field with a resolver of its own, or a declared value
        if field.default_factory is not dataclasses.MISSING:
            fresh.append((field.name, field.default_factory))
        elif field.default is dataclasses.MISSING:
            required.add(field.name)
    return _Shape(by_property, unread, tuple(fresh), frozenset(required))


def declared(cls: type[T], label: str, row: Row, /, **given: Any) -> T:
    """``cls`` made from a stored ``row`` of ``label``: every field showing a declared value,
    converted from its stored form, and those ``given``.

    A row narrowed to what a query selects (:func:`hub.read.projection.narrowed`) carries a
    few of a record's properties: only those are converted, the other fields show what an
    unread property would. The object is filled in directly, without the dataclass
    constructor's keyword handling, which cost more than the conversions.
    """
    made_of: type = cls  # a class is hashable, whatever type[T] says
    shape = _shape(made_of, label)
    missing = shape.required.difference(given)
    if missing:
        raise TypeError(f"{cls.__name__} needs {', '.join(sorted(missing))}")
    made = cls.__new__(cls)
    values = made.__dict__
    values.update(shape.unread)
    for name, make in shape.fresh:
        values[name] = make()
    by_property = shape.by_property
    for name, value in row.items():
        field = by_property.get(name)
        if field is not None:
            python, convert = field
            values[python] = value if convert is None else convert(value)
    values.update(given)
    return made


def golden(cls: type[T], label: str, row: Row, /, **given: Any) -> T:
    """:func:`declared` for a golden record, with its global id, its hub id and what was
    read with it."""
    return declared(
        cls,
        label,
        row,
        id=strawberry.ID(to_global(label, row["id"])),
        hub_id=row["id"],
        prefetched=prefetched(row),
        **given,
    )


# ---- shared types ---------------------------------------------------------------------------


@strawberry.type(description="An item of a page with its cursor.")
class Edge(Generic[T]):
    node: T = strawberry.field(description="The item.")
    page: strawberry.Private[Page[Any]]
    index: strawberry.Private[int]

    @strawberry.field(description="Pass as after/before to page from here.")
    def cursor(self) -> str:
        return self.page.cursor(self.index)


@strawberry.type(description="One page of a list, with cursors to move on and the total.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in order.")
    page_info: PageInfo = strawberry.field(description="Cursors and whether more pages exist.")
    known_total: strawberry.Private[int | None]
    counter: strawberry.Private[Callable[[], Awaitable[int]] | None]

    @strawberry.field(description="Number of items in the whole list (all pages).")
    def total_count(self) -> int:
        if self.known_total is not None:
            return self.known_total
        assert self.counter is not None
        return self.counter()  # type: ignore[return-value]  # awaited by the executor


class _PageInfoOf(PageInfo):
    """A page's info whose cursors are signed only when a query reads them: a list of 20
    partners, each with a page of its vehicles, would sign 40 that most queries never ask
    for (about 10 µs each)."""

    def __init__(self, page: Page[Any]) -> None:  # not the dataclass's: it takes the cursors
        self.has_next_page = page.has_next
        self.has_previous_page = page.has_previous
        self._page = page

    def __getattr__(self, name: str) -> Any:  # only for what the instance does not hold
        if name == "start_cursor":
            return self._page.start_cursor
        if name == "end_cursor":
            return self._page.end_cursor
        raise AttributeError(name)


def connection(page: Page[T], counter: Callable[[], Awaitable[int]] | None = None) -> Connection[T]:
    return Connection(
        edges=[Edge(node=node, page=page, index=i) for i, node in enumerate(page.nodes)],
        page_info=_PageInfoOf(page),
        known_total=page.total,
        counter=counter,
    )


First = Annotated[
    int | None, strawberry.argument(description="Page size, 20 when not given, at most 100.")
]
After = Annotated[
    str | None, strawberry.argument(description="Cursor after which the page starts.")
]
Last = Annotated[
    int | None,
    strawberry.argument(description="Page size counted back from the end (or from before)."),
]
Before = Annotated[
    str | None, strawberry.argument(description="Cursor before which the page ends.")
]


def page_request(
    first: int | None, after: str | None, last: int | None = None, before: str | None = None
) -> PageRequest:
    request = PageRequest(first, after, last, before)
    request.validate()
    return request


@functools.lru_cache(maxsize=256)
def _checked_page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> PageRequest:
    """The request, checked once for every parent in a query."""
    return page_request(first, after, last, before)


class Parent(Protocol):
    """A record whose related records can be read: its key and what was read with it."""

    hub_id: str
    prefetched: Prefetched


def relation_cursors(cursors: Cursors, relation_key: tuple[str, str], parent: str) -> BoundCursors:
    """A nested connection's cursors: bound to the relation and the ``parent`` (its hub id)
    whose list it is. Under another parent, a position in one partner's vehicles would
    skip whatever of the other's sorts before it."""
    return cursors.bound(f"{_relation_scope(relation_key)}:{parent}")


@functools.cache
def _relation_scope(relation_key: tuple[str, str]) -> str:
    return scope(*relation_key)


def _already_read(
    info: Info, parent: Parent, relation: Relation, page_end: int | None = None
) -> list[Row] | None:
    """Rows read with the parent in the root statement, in the relation's order; for a page
    ending at ``page_end``, only when they reach past it."""
    rows = parent.prefetched.get(str(info.path.key))
    return relation.sort(rows) if usable(rows, page_end) else None


def _page_end(request: PageRequest) -> int | None:
    """Where the page ends when it is the first one; None: every row is needed."""
    return request.size if request.from_start else None


async def related_page(
    info: Info,
    parent: Parent,
    relation_key: tuple[str, str],
    make: Callable[[Row], T],
    request: PageRequest,
) -> Connection[T]:
    """A nested connection: rows read with the parent, or one batched statement per level."""
    relation = RELATIONS[relation_key]
    bound = relation_cursors(info.context.cursors, relation_key, parent.hub_id)
    page_end = _page_end(request)
    rows = _already_read(info, parent, relation, page_end)
    if rows is None and page_end is None:
        # Sorted here too: a page is found by comparing positions the way Python orders them.
        rows = relation.sort(
            (await info.context.loaders.related(relation).load(parent.hub_id)).rows
        )
    if rows is not None:
        return connection(page_of_rows(rows, request, relation.position, bound, make))
    assert page_end is not None
    loader = info.context.loaders.related(relation, (0, page_end))
    related: Related = await loader.load(parent.hub_id)
    page = page_of_rows(related.rows, request, relation.position, bound, make)
    page.total, page.has_next = related.total, page_end < related.total
    return connection(page)


def _asks(where: Any, order_by: list[Any] | None) -> bool:
    """Whether a nested list is asked for a filter or an order of its own: ``where: {}``
    and ``orderBy: []`` ask for nothing, and page as the list without them does."""
    return bool(order_by) or (where is not None and sets_any(where))


def nested_connection(parent: str, name: str, target: str, description: str) -> Any:
    """A paginated field of related records (first/after forwards, last/before backwards),
    filtered and ordered as the top-level list of their kind when asked."""
    relation_key = (parent, name)
    relation = RELATIONS[relation_key]
    # The relation orders a collated text by its sort key; a list names the text itself.
    texts = collated(target)
    default_order = [(texts.get(name, name), "ASC") for name in relation.sorted_by]

    def prefetched_page(
        root: Parent,
        response_key: str,
        cursors: Cursors,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: Any = None,
        order_by: list[Any] | None = None,
    ) -> Page[Any] | None:
        if _asks(where, order_by):
            return None  # read with its filter and order, not from the parent's rows
        rows = root.prefetched.get(response_key)
        request = _checked_page_request(first, after, last, before)
        if not usable(rows, _page_end(request)):
            return None
        bound = relation_cursors(cursors, relation_key, root.hub_id)
        return page_of_rows(
            relation.sort(rows), request, relation.position, bound, NODE_TYPES[target]
        )

    def resolve(
        root: Parent,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        where: Any = None,
        order_by: list[Any] | None = None,
    ) -> Any:
        if _asks(where, order_by):
            from hub.api.listing import nested_list_connection  # noqa: PLC0415 - it imports this module

            anchor = Anchor(relation, root.hub_id)
            paging = (first, after, last, before)
            make = NODE_TYPES[target]
            return nested_list_connection(
                info, target, make, where, order_by, default_order, paging, anchor
            )
        # Synchronous when the rows were read with the parent: no coroutine per field.
        key = str(info.path.key)
        page = prefetched_page(root, key, info.context.cursors, first, after, last, before)
        if page is not None:
            return connection(page)
        request = page_request(first, after, last, before)
        return related_page(info, root, relation_key, NODE_TYPES[target], request)

    resolve.__annotations__.update(
        where=Annotated[
            getattr(where_types, f"{target}Where") | None,
            strawberry.argument(
                description="Only the related records this filter holds for, as in the "
                "top-level list of their kind."
            ),
        ],
        order_by=Annotated[
            list[getattr(ordering_types, f"{target}OrderBy")] | None,  # type: ignore[misc]
            strawberry.argument(
                description="Sort keys, as in the top-level list (default: the order named above)."
            ),
        ],
    )
    # The node type is named, not passed: it may be defined further down this module.
    node = Annotated[target, strawberry.lazy("hub.api.types")]  # type: ignore[valid-type]
    return strawberry.field(
        resolver=pages_prefetched(prefetched_page)(resolve),
        description=description,
        graphql_type=Connection[node],
    )


async def _rows_of(info: Info, parent: Parent, relation: Relation) -> list[Row]:
    rows = _already_read(info, parent, relation)
    if rows is not None:
        return rows
    return (await info.context.loaders.related(relation).load(parent.hub_id)).rows


def _shaped(info: Info, parent: Parent, relation: Relation, shape: Callable[[list[Row]], R]) -> R:
    """``shape(rows)`` at once when the rows were read with the parent, else an awaitable.

    Resolvers return either: a field that needs no database round trip costs no coroutine.
    """
    rows = _already_read(info, parent, relation)
    if rows is not None:
        return shape(rows)

    async def later() -> R:
        return shape(await _rows_of(info, parent, relation))

    return later()  # type: ignore[return-value]  # the GraphQL executor awaits it


def with_rows(
    info: Info, parent: Parent, relation_key: tuple[str, str], shape: Callable[[list[Row]], R]
) -> R:
    return _shaped(info, parent, RELATIONS[relation_key], shape)


def with_row(
    info: Info, parent: Parent, relation_key: tuple[str, str], shape: Callable[[Row | None], R]
) -> R:
    return with_rows(info, parent, relation_key, lambda rows: shape(rows[0] if rows else None))


@strawberry.type(description="What one source system delivered under its own key.")
class SourceRecord:
    system: str = strawberry.field(description=about("SourceRecord", "system"))
    key: str = strawberry.field(description=about("SourceRecord", "key"))
    received_at: dt.datetime = strawberry.field(description=about("SourceRecord", "receivedAt"))
    deleted_at: dt.datetime | None = strawberry.field(
        description=about("SourceRecord", "deletedAt")
    )
    deletion_reason: str | None = strawberry.field(
        description=about("SourceRecord", "deletionReason")
    )
    erased_at: dt.datetime | None = strawberry.field(description=about("SourceRecord", "erasedAt"))

    @classmethod
    def from_row(cls, row: Row) -> SourceRecord:
        deleted = row.get("deletedAt")
        return cls(
            system=row["system"],
            key=row["key"],
            received_at=native(row["receivedAt"]),
            deleted_at=native(deleted) if deleted is not None else None,
            deletion_reason=row.get("deletionReason"),
            erased_at=native(row["erasedAt"]) if row.get("erasedAt") is not None else None,
        )


@strawberry.type(description="What one source says about an attribute.")
class SourceValue:
    source: SourceRecord = strawberry.field(description="The source record.")
    value: str | None = strawberry.field(description="Its value, JSON-encoded unless text.")


@strawberry.type(description="Where a golden value came from, and what the other sources say.")
class AttributeLineage:
    attribute: str = strawberry.field(description='e.g. "email", "addresses", "taxNumber".')
    value: str | None = strawberry.field(description="The golden value, JSON-encoded unless text.")
    source: SourceRecord | None = strawberry.field(
        description="The source record that supplied it; null when a steward overrode it "
        "(or when several sources together supply a list, such as roles)."
    )
    overridden: bool = strawberry.field(description="True when a steward's value wins.")
    others: list[SourceValue] = strawberry.field(
        description="What the other sources say, most trusted first."
    )


def _encoded(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _source_record(values: SourceValues) -> SourceRecord:
    received = dt.datetime.fromisoformat(values.received_at).replace(tzinfo=dt.UTC)
    return SourceRecord(
        system=values.system,
        key=values.key,
        received_at=received,
        deleted_at=None,
        deletion_reason=None,
        erased_at=None,
    )


_PERSONAL_PARTNER = MODEL.node("BusinessPartner").personal


def _unless_personal(attribute: str, value: Any) -> Any:
    """A lineage value as a caller without ``read:personal`` sees it."""
    if attribute in _PERSONAL_PARTNER:
        return None
    if attribute == "addresses":
        return without_streets(value)
    return value


async def lineage_of(info: Info, hub_id: str, personal: bool) -> list[AttributeLineage]:
    return await merged_lineage(info, [hub_id], personal)


async def merged_lineage(info: Info, hub_ids: list[str], personal: bool) -> list[AttributeLineage]:
    """The lineage of the partner ``hub_ids`` are, or would be once merged (the last one the
    survivor, whose overrides stay)."""
    origins = await info.context.loaders.origins().load_many(hub_ids)
    sources = [source for found, _ in origins for source in found.values()]
    state, lineage = survive(sources, origins[-1][1])
    # An organisation's or a group's contact data is no one's personal data.
    personal = personal or state.get("kind") != "PERSON"

    def shown(attribute: str, value: Any) -> str | None:
        value = with_api_ids(value)  # a reference names its record as node(id:) takes it
        return _encoded(value if personal else _unless_personal(attribute, value))

    return [_attribute_lineage(item, shown) for item in lineage]


def record_lineage(label: str) -> Any:
    """The ``lineage`` field of a record type other than the partner's."""
    rules = "by the survivorship rules" if label in SURVIVING else "the latest delivery"
    personal_props = MODEL.node(label).personal

    async def resolve(root: Any, info: Info) -> list[AttributeLineage]:
        sources, overrides, state = await info.context.loaders.lineage(label).load(root.hub_id)
        survived, lineage = survive(sources, overrides, label)
        shown_state = {k: v for k, v in state.items() if k in _LINEAGE_SHOWN[label]}

        def shown(attribute: str, value: Any) -> str | None:
            hidden = attribute in personal_props and not info.context.sees_personal
            # A reference names its record as node(id:) takes it.
            return None if hidden else _encoded(with_api_ids(value))

        found = [
            _attribute_lineage(_as_kept(item, state[item.attribute]), shown)
            for item in lineage
            if item.attribute in shown_state
        ]
        # Values a change process set that no source delivered (a termination date).
        found += [
            AttributeLineage(
                attribute=name, value=shown(name, value), source=None, overridden=False, others=[]
            )
            for name, value in sorted(shown_state.items())
            if name not in survived and value not in (None, [], {})
        ]
        return sorted(found, key=lambda item: item.attribute)

    return strawberry.field(
        resolver=resolve,
        description=f"For every value: the source record that supplied it ({rules}), and "
        "what the other sources say. The source is null where no source's latest delivery "
        "says the value as it stands: a change process, a block or the hub's default set it, "
        "or a source said it in an earlier delivery.",
    )


# The values a record's lineage lists: its kind's properties, references and children.
_LINEAGE_SHOWN = {
    kind.label: frozenset(
        {p.name for p in kind.node.record_properties if not p.internal}
        | {s.name for s in kind.slots}
        | {c.name for c in kind.children}
    )
    for kind in KINDS.values()
}


def _as_kept(item: Lineage, kept: Any) -> Lineage:
    """An attribute's lineage whose value is ``kept``: where no source says it (a process set
    it), no source supplied it and the one that would have is among the others."""
    if kept == item.value:
        return item
    said = ((item.source, item.value),) if item.source is not None else ()
    return replace(item, value=kept, source=None, others=(*said, *item.others))


def _attribute_lineage(item: Lineage, shown: Callable[[str, Any], str | None]) -> AttributeLineage:
    return AttributeLineage(
        attribute=item.attribute,
        value=shown(item.attribute, item.value),
        source=_source_record(item.source) if item.source else None,
        overridden=item.overridden,
        others=[
            SourceValue(source=_source_record(values), value=shown(item.attribute, value))
            for values, value in item.others
        ],
    )


def sources_of(info: Info, label: str, parent: Parent) -> list[SourceRecord]:
    return _shaped(
        info, parent, SOURCES[label], lambda rows: [SourceRecord.from_row(r) for r in rows]
    )


@strawberry.type(description="A postal address.")
class Address:
    street: str | None = strawberry.field(description=about("Address", "street"))
    house_number: str | None = strawberry.field(description=about("Address", "houseNumber"))
    postal_code: str | None = strawberry.field(description=about("Address", "postalCode"))
    city: str | None = strawberry.field(description=about("Address", "city"))
    country: str | None = strawberry.field(description=about("Address", "country"))

    @classmethod
    def from_row(cls, row: Row, personal: bool = True) -> Address:
        """The address; without ``personal``, without its street and house number."""
        if personal:
            return declared(cls, "Address", row)
        hidden = {p.name: None for p in MODEL.node("Address").properties if p.personal}
        return declared(cls, "Address", {**row, **hidden})


PagingArgs = dict[str, int | str | None]

# ---- business partner -------------------------------------------------------------------------


@strawberry.type(description="A person, organisation or group, with all it is linked to.")
class BusinessPartner(Node):
    hub_id: strawberry.Private[str]
    change_history = change_history("BusinessPartner")
    prefetched: strawberry.Private[Prefetched]
    kind: PartnerKind = strawberry.field(description="Person, organisation or group.")
    name: str = strawberry.field(description=about("BusinessPartner", "name"))
    first_name: str | None = strawberry.field(description=about("BusinessPartner", "firstName"))
    last_name: str | None = strawberry.field(description=about("BusinessPartner", "lastName"))
    organization_name: str | None = strawberry.field(
        description=about("BusinessPartner", "organizationName")
    )
    stored_birth_date: strawberry.Private[dt.date | None]
    stored_tax_number: strawberry.Private[str | None]
    stored_email: strawberry.Private[str | None]
    stored_phone: strawberry.Private[str | None]
    roles: list[PartnerRole] = strawberry.field(description=about("BusinessPartner", "roles"))
    version: int = strawberry.field(description=about("BusinessPartner", "version"))
    created_at: dt.datetime = strawberry.field(description=about("BusinessPartner", "createdAt"))
    updated_at: dt.datetime = strawberry.field(description=about("BusinessPartner", "updatedAt"))
    deleted_at: dt.datetime | None = strawberry.field(
        description=about("BusinessPartner", "deletedAt")
    )
    erased_at: dt.datetime | None = strawberry.field(
        description=about("BusinessPartner", "erasedAt")
    )
    merged_from: list[strawberry.ID] = strawberry.field(
        description="IDs of the partners merged into this one; they lead here."
    )
    merged_into_id: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: Row) -> BusinessPartner:
        return golden(
            cls,
            "BusinessPartner",
            row,
            name=row.get("name") or "",
            stored_birth_date=native(row.get("birthDate")),
            stored_tax_number=row.get("taxNumber"),
            stored_email=row.get("email"),
            stored_phone=row.get("phone"),
            merged_from=[
                strawberry.ID(to_global("BusinessPartner", i)) for i in row.get("mergedFrom") or []
            ],
            merged_into_id=row.get("mergedInto"),
        )

    def shows_personal(self, info: Info) -> bool:
        """Whether the caller may see this partner's personal data."""
        return info.context.sees_personal or self.kind is not e.PartnerKind.PERSON

    @strawberry.field(description=personal("BusinessPartner", "birthDate"))
    def birth_date(self, info: Info) -> dt.date | None:
        return self.stored_birth_date if self.shows_personal(info) else None

    @strawberry.field(description=personal("BusinessPartner", "taxNumber"))
    def tax_number(self, info: Info) -> str | None:
        return self.stored_tax_number if self.shows_personal(info) else None

    @strawberry.field(description=personal("BusinessPartner", "email"))
    def email(self, info: Info) -> str | None:
        return self.stored_email if self.shows_personal(info) else None

    @strawberry.field(description=personal("BusinessPartner", "phone"))
    def phone(self, info: Info) -> str | None:
        return self.stored_phone if self.shows_personal(info) else None

    @strawberry.field(
        description="Postal addresses, in the order delivered. A person's street and house "
        f"number are personal data: {PERSONAL_NOTE}"
    )
    def addresses(self, info: Info) -> list[Address]:
        shown = self.shows_personal(info)
        return with_rows(
            info,
            self,
            ("BusinessPartner", "addresses"),
            lambda rows: [Address.from_row(r, shown) for r in rows],
        )

    @strawberry.field(description="Source records that feed this partner.")
    def sources(self, info: Info) -> list[SourceRecord]:
        return sources_of(info, "BusinessPartner", self)

    @strawberry.field(
        description="For every golden value: the source record that supplied it (by the "
        "survivorship rules), or the steward's override, and what the other sources say. "
        f"The values of a person's personal attributes are personal data: {PERSONAL_NOTE}"
    )
    async def lineage(self, info: Info) -> list[AttributeLineage]:
        return await lineage_of(info, self.hub_id, self.shows_personal(info))

    @strawberry.field(
        description="Its relationships to other partners in both directions: those it is the "
        "subject of (OUTGOING) first, then those of which it is the other end (INCOMING), "
        "each by type and name. A group's hierarchy reads by nesting this field."
    )
    async def relationships(
        self,
        info: Info,
        types: list[PartnerRelationshipType] | None = None,
        direction: RelationshipDirection | None = None,
        valid_on: Annotated[
            dt.date | None, strawberry.argument(description="Only those valid on this day.")
        ] = None,
    ) -> list[PartnerRelationship]:
        loaders = info.context.loaders
        found: list[PartnerRelationship] = []
        for way, key in ((e.RelationshipDirection.OUTGOING, "relatedTo"),
                         (e.RelationshipDirection.INCOMING, "relatedFrom")):  # fmt: skip
            if direction is not None and direction is not way:
                continue
            related = await loaders.related(RELATIONS["BusinessPartner", key]).load(self.hub_id)
            found.extend(PartnerRelationship.from_row(row, way) for row in related.rows)
        return [
            r
            for r in found
            if (types is None or r.type in types) and (valid_on is None or r.holds_on(valid_on))
        ]

    @strawberry.field(description="Projects the partner takes part in, by number.")
    def projects(self, info: Info) -> list[Project]:
        return projects_of(info, self, "BusinessPartner")

    @strawberry.field(description="Set on a partner that was merged away: where it went.")
    async def merged_into(self, info: Info) -> BusinessPartner | None:
        if not self.merged_into_id:
            return None
        row = await info.context.loaders.node("BusinessPartner").load(self.merged_into_id)
        return partner_or_none(row)

    vehicles = nested_connection(
        "BusinessPartner", "vehicles", "Vehicle", "Vehicles the partner owns, by VIN."
    )

    contracts = nested_connection(
        "BusinessPartner",
        "contracts",
        "Contract",
        "Contracts the partner is a party to, by number.",
    )

    identification_objects = nested_connection(
        "BusinessPartner",
        "identificationObjects",
        "IdentificationObject",
        "Identification objects the partner holds.",
    )

    documents = nested_connection(
        "BusinessPartner", "documents", "Document", "Documents about the partner."
    )


def partner_or_none(row: Row | None) -> BusinessPartner | None:
    return BusinessPartner.from_row(row) if row else None


# ---- vehicle ----------------------------------------------------------------------------------


# ---- material ---------------------------------------------------------------------------------


@strawberry.type(description=MODEL.node("MaterialDescription").description)
class MaterialDescription:
    language: str = strawberry.field(description=about("MaterialDescription", "language"))
    text: str = strawberry.field(description=about("MaterialDescription", "text"))


@strawberry.type(description=MODEL.node("MaterialPrice").description)
class MaterialPrice:
    type: str = strawberry.field(description=about("MaterialPrice", "type"))
    amount: float = strawberry.field(description=about("MaterialPrice", "amount"))
    currency: str = strawberry.field(description=about("MaterialPrice", "currency"))
    valid_from: dt.date | None = strawberry.field(description=about("MaterialPrice", "validFrom"))
    valid_to: dt.date | None = strawberry.field(description=about("MaterialPrice", "validTo"))


@strawberry.type(description=MODEL.node("Material").description)
class Material(Node):
    hub_id: strawberry.Private[str]
    change_history = change_history("Material")
    lineage = record_lineage("Material")
    prefetched: strawberry.Private[Prefetched]
    number: str = strawberry.field(description=about("Material", "number"))
    type: str | None = strawberry.field(description=about("Material", "type"))
    group: str | None = strawberry.field(description=about("Material", "group"))
    base_unit: str | None = strawberry.field(description=about("Material", "baseUnit"))
    description: str | None = strawberry.field(description=about("Material", "description"))
    version: int = strawberry.field(description=about("Material", "version"))
    created_at: dt.datetime = strawberry.field(description=about("Material", "createdAt"))
    updated_at: dt.datetime = strawberry.field(description=about("Material", "updatedAt"))
    deleted_at: dt.datetime | None = strawberry.field(description=about("Material", "deletedAt"))

    @classmethod
    def from_row(cls, row: Row) -> Material:
        return golden(cls, "Material", row)

    @strawberry.field(description="Source records that feed this material.")
    def sources(self, info: Info) -> list[SourceRecord]:
        return sources_of(info, "Material", self)

    @strawberry.field(description="Its descriptions, one per language, in the order delivered.")
    def descriptions(self, info: Info) -> list[MaterialDescription]:
        return with_rows(
            info,
            self,
            ("Material", "descriptions"),
            lambda rows: [declared(MaterialDescription, "MaterialDescription", r) for r in rows],
        )

    @strawberry.field(description="Its prices, in the order delivered.")
    def prices(self, info: Info) -> list[MaterialPrice]:
        return with_rows(
            info,
            self,
            ("Material", "prices"),
            lambda rows: [declared(MaterialPrice, "MaterialPrice", r) for r in rows],
        )

    vehicles = nested_connection(
        "Material", "vehicles", "Vehicle", "Vehicles of this material, by VIN."
    )


@strawberry.type(description="One entry of a vehicle's history.")
class VehicleEvent:
    type: VehicleEventType = strawberry.field(description=about("VehicleEvent", "type"))
    occurred_at: dt.datetime = strawberry.field(description=about("VehicleEvent", "occurredAt"))
    mileage_km: int | None = strawberry.field(description=about("VehicleEvent", "mileageKm"))
    description: str | None = strawberry.field(description=about("VehicleEvent", "description"))


@strawberry.type(description="How a partner relates to another one.")
class PartnerRelationship:
    type: PartnerRelationshipType = strawberry.field(description="How they relate.")
    direction: RelationshipDirection = strawberry.field(
        description="OUTGOING: the partner read is the subject (it is CONTACT_PERSON_OF the "
        "other; the other is its SHIP_TO party); INCOMING: the other partner is."
    )
    partner: BusinessPartner = strawberry.field(description="The partner at the other end.")
    valid_from: dt.date | None = strawberry.field(description="First day it holds.")
    valid_to: dt.date | None = strawberry.field(description="Last day it holds.")

    @classmethod
    def from_row(cls, row: Row, direction: e.RelationshipDirection) -> PartnerRelationship:
        return cls(
            type=e.PartnerRelationshipType(row["relationType"]),
            direction=direction,
            partner=BusinessPartner.from_row(row),
            valid_from=native(row.get("relationValidFrom")),
            valid_to=native(row.get("relationValidTo")),
        )

    def holds_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@strawberry.type(description="A vehicle with its owner, dealer, contracts, cards and history.")
class Vehicle(Node):
    hub_id: strawberry.Private[str]
    change_history = change_history("Vehicle")
    lineage = record_lineage("Vehicle")
    prefetched: strawberry.Private[Prefetched]
    vin: str = strawberry.field(description=about("Vehicle", "vin"))
    make: str | None = strawberry.field(description=about("Vehicle", "make"))
    model: str | None = strawberry.field(description=about("Vehicle", "model"))
    model_year: int | None = strawberry.field(description=about("Vehicle", "modelYear"))
    configuration: list[str] = strawberry.field(description=about("Vehicle", "configuration"))
    version: int = strawberry.field(description=about("Vehicle", "version"))
    created_at: dt.datetime = strawberry.field(description=about("Vehicle", "createdAt"))
    updated_at: dt.datetime = strawberry.field(description=about("Vehicle", "updatedAt"))
    deleted_at: dt.datetime | None = strawberry.field(description=about("Vehicle", "deletedAt"))

    @classmethod
    def from_row(cls, row: Row) -> Vehicle:
        return golden(cls, "Vehicle", row)

    @strawberry.field(description="Source records that feed this vehicle.")
    def sources(self, info: Info) -> list[SourceRecord]:
        return sources_of(info, "Vehicle", self)

    @strawberry.field(description="The partner that owns the vehicle (the end customer).")
    def owner(self, info: Info) -> BusinessPartner | None:
        return with_row(info, self, ("Vehicle", "owner"), partner_or_none)

    @strawberry.field(description="The dealer that sold the vehicle.")
    def dealer(self, info: Info) -> BusinessPartner | None:
        return with_row(info, self, ("Vehicle", "dealer"), partner_or_none)

    @strawberry.field(description="The material of its model, as the ERP sells it.")
    def material(self, info: Info) -> Material | None:
        return with_row(
            info, self, ("Vehicle", "material"), lambda row: Material.from_row(row) if row else None
        )

    contracts = nested_connection(
        "Vehicle",
        "contracts",
        "Contract",
        "Contracts with an item covering the vehicle, by number.",
    )

    identification_objects = nested_connection(
        "Vehicle",
        "identificationObjects",
        "IdentificationObject",
        "Fuel cards, plates and tags bound to the vehicle.",
    )

    documents = nested_connection(
        "Vehicle", "documents", "Document", "Documents about the vehicle."
    )

    @strawberry.field(description="The vehicle's history, oldest first.")
    def history(self, info: Info) -> list[VehicleEvent]:
        return with_rows(
            info,
            self,
            ("Vehicle", "history"),
            lambda rows: [declared(VehicleEvent, "VehicleEvent", r) for r in rows],
        )


# ---- contract ---------------------------------------------------------------------------------


@strawberry.type(description="A single service of a service item, covered 0 % or 100 %.")
class SingleService:
    code: str = strawberry.field(description="Service code.")
    coverage_percent: int = strawberry.field(description="0 or 100.")
    inclusion: ServiceInclusion = strawberry.field(description="How it belongs to the item.")
    quantity_cap: float | None = strawberry.field(
        description="Most quantity covered per capPeriod; null: no cap."
    )
    cap_period: QuotaPeriod = strawberry.field(description="What the cap counts over.")
    contract_id: strawberry.Private[str]
    item_uiid: strawberry.Private[str]
    start: strawberry.Private[dt.date | None]

    async def _used(self, info: Info) -> float:
        offs = await info.context.loaders.call_offs().load(self.contract_id)
        today = dt.datetime.now(dt.UTC).date()
        period = quotas.period_of(self.cap_period.value, self.start, today)
        code = self.code.strip().upper()  # as invoice lines store it
        return quotas.used(offs, self.contract_id, self.item_uiid, code, period)

    @strawberry.field(
        description="Quantity checked invoice lines called off in the period that holds "
        "today (the contract year, or the whole contract)."
    )
    async def used_quantity(self, info: Info) -> float:
        return await self._used(info)

    @strawberry.field(description="What is left of the cap in that period; null: no cap.")
    async def remaining_quantity(self, info: Info) -> float | None:
        if self.quantity_cap is None:
            return None
        return max(self.quantity_cap - await self._used(info), 0.0)


@strawberry.type(description="A party to a contract in a role.")
class ContractParty:
    role: ContractPartyRole = strawberry.field(description="Role in the contract.")
    partner: BusinessPartner = strawberry.field(description="The partner.")
    valid_from: dt.date | None = strawberry.field(
        description="First day it holds the role, when a change process gave it."
    )
    valid_to: dt.date | None = strawberry.field(
        description="Last day it held the role: a previous lessee (LCOO) or party (LCOP) "
        "stays listed with the period it held it."
    )


@strawberry.type(description="An item of a contract.")
class ContractItem:
    hub_id: strawberry.Private[str]
    prefetched: strawberry.Private[Prefetched]
    uiid: str = strawberry.field(description=about("ContractItem", "uiid"))
    kind: ContractItemKind = strawberry.field(description=about("ContractItem", "kind"))
    product: str | None = strawberry.field(description=about("ContractItem", "product"))
    reference_item: str | None = strawberry.field(
        description=about("ContractItem", "referenceItem")
    )
    end_date: dt.date | None = strawberry.field(description=about("ContractItem", "endDate"))
    termination_date: dt.date | None = strawberry.field(
        description=about("ContractItem", "terminationDate")
    )
    single_services: list[SingleService] = strawberry.field(
        description="Single services of a service item."
    )

    @classmethod
    def from_row(cls, row: Row, contract_id: str, start: dt.date | None) -> ContractItem:
        """The item a row holds, of the contract ``contract_id`` starting on ``start`` (its
        services count their call-offs by them)."""
        codes = row.get("serviceCodes") or []
        terms = quotas.terms_of(row.get("serviceTerms"), len(codes))
        services = [
            SingleService(
                code=code,
                coverage_percent=coverage,
                inclusion=e.ServiceInclusion(t.inclusion),
                quantity_cap=t.cap,
                cap_period=e.QuotaPeriod(t.period),
                contract_id=contract_id,
                item_uiid=row["uiid"],
                start=start,
            )
            for code, coverage, t in zip(
                codes, row.get("serviceCoverage") or [], terms, strict=False
            )
        ]
        return declared(
            ContractItem,
            "ContractItem",
            row,
            hub_id=row["uiid"],
            prefetched=prefetched(row),
            single_services=services,
        )

    @strawberry.field(description="Vehicles the item covers.")
    def covered_vehicles(self, info: Info) -> list[Vehicle]:
        return with_rows(
            info,
            self,
            ("ContractItem", "coveredVehicles"),
            lambda rows: ([Vehicle.from_row(r) for r in rows]),
        )

    @strawberry.field(description="Cards and plates issued under the item.")
    def identification_objects(self, info: Info) -> list[IdentificationObject]:
        return with_rows(
            info,
            self,
            ("ContractItem", "identificationObjects"),
            lambda rows: [IdentificationObject.from_row(r) for r in rows],
        )


@strawberry.type(description="A change process applied to a contract.")
class ContractChange:
    process: ContractChangeProcess = strawberry.field(description="The process.")
    effective_date: dt.date = strawberry.field(description=about("ContractChange", "effectiveDate"))
    recorded_at: dt.datetime = strawberry.field(description=about("ContractChange", "recordedAt"))
    new_end_date: dt.date | None = strawberry.field(description="New end date (BLEX).")
    change_id: str | None = strawberry.field(description=about("ContractChange", "changeId"))
    party_role: ContractPartyRole | None = strawberry.field(
        description=about("ContractChange", "partyRole")
    )
    item_uiid: str | None = strawberry.field(description=about("ContractChange", "itemUiid"))
    attributes: JSON | None = strawberry.field(
        description="What a CHOA changed on the item: product and singleServices as given."
    )
    new_lessee_id: strawberry.Private[str | None]
    party_id: strawberry.Private[str | None]

    @strawberry.field(description="The partner who took the role (LCOP).")
    async def party(self, info: Info) -> BusinessPartner | None:
        if self.party_id is None:
            return None
        return partner_or_none(
            await info.context.loaders.node("BusinessPartner").load(self.party_id)
        )

    @strawberry.field(description="The lessee the contract passed to (LCOO).")
    async def new_lessee(self, info: Info) -> BusinessPartner | None:
        if self.new_lessee_id is None:
            return None
        return partner_or_none(
            await info.context.loaders.node("BusinessPartner").load(self.new_lessee_id)
        )


@strawberry.type(description="A contract's checked invoice lines in one month and currency.")
class InvoiceMonth:
    month: str = strawberry.field(description="The month, YYYY-MM.")
    currency: str = strawberry.field(description="ISO 4217 code.")
    lines: int = strawberry.field(description="How many lines were checked.")
    covered_amount: Decimal = strawberry.field(description="What the contract covered.")
    rebill_amount: Decimal = strawberry.field(description="What was billed to the lessee.")


@strawberry.type(description="A leasing, service or financing contract.")
class Contract(Node):
    hub_id: strawberry.Private[str]
    change_history = change_history("Contract")
    lineage = record_lineage("Contract")
    prefetched: strawberry.Private[Prefetched]
    stored_status: strawberry.Private[str]
    termination_date: dt.date | None = strawberry.field(
        description=about("Contract", "terminationDate")
    )
    number: str = strawberry.field(description=about("Contract", "number"))
    type: ContractType = strawberry.field(description=about("Contract", "type"))
    start_date: dt.date | None = strawberry.field(description=about("Contract", "startDate"))
    end_date: dt.date | None = strawberry.field(description=about("Contract", "endDate"))
    version: int = strawberry.field(description=about("Contract", "version"))
    created_at: dt.datetime = strawberry.field(description=about("Contract", "createdAt"))
    updated_at: dt.datetime = strawberry.field(description=about("Contract", "updatedAt"))
    deleted_at: dt.datetime | None = strawberry.field(description=about("Contract", "deletedAt"))

    @classmethod
    def from_row(cls, row: Row) -> Contract:
        return golden(
            cls,
            "Contract",
            row,
            stored_status=row["status"],
        )

    @strawberry.field(description="Status as of today (see ContractStatus).")
    def status(self, info: Info) -> ContractStatus:
        state = {
            "status": self.stored_status,
            "terminationDate": self.termination_date.isoformat() if self.termination_date else None,
            "endDate": self.end_date.isoformat() if self.end_date else None,
        }
        return e.ContractStatus(effective_contract_status(state, info.context.today))

    @strawberry.field(description="Source records that feed this contract.")
    def sources(self, info: Info) -> list[SourceRecord]:
        return sources_of(info, "Contract", self)

    @strawberry.field(description="Parties with their roles.")
    def parties(self, info: Info) -> list[ContractParty]:
        return with_rows(
            info,
            self,
            ("Contract", "parties"),
            lambda rows: (
                [
                    ContractParty(
                        role=e.ContractPartyRole(r["role"]),
                        partner=BusinessPartner.from_row(r),
                        valid_from=native(r.get("roleValidFrom")),
                        valid_to=native(r.get("roleValidTo")),
                    )
                    for r in rows
                ]
            ),
        )

    @strawberry.field(description="Items in the order delivered.")
    def items(self, info: Info) -> list[ContractItem]:
        return with_rows(
            info,
            self,
            ("Contract", "items"),
            lambda rows: [ContractItem.from_row(r, self.hub_id, self.start_date) for r in rows],
        )

    @strawberry.field(
        description="Its checked invoice lines (checkInvoiceLines) summed per month and "
        "currency, oldest first: what the contract covered and what was re-billed to the lessee."
    )
    async def invoice_totals(self, info: Info) -> list[InvoiceMonth]:
        totals = await info.context.loaders.invoice_totals().load(self.hub_id)
        return [
            InvoiceMonth(
                month=t.month,
                currency=t.currency,
                lines=t.lines,
                covered_amount=t.covered,
                rebill_amount=t.rebilled,
            )
            for t in totals
        ]

    @strawberry.field(description="Change processes applied, oldest first.")
    def changes(self, info: Info) -> list[ContractChange]:
        return with_rows(
            info,
            self,
            ("Contract", "changes"),
            lambda rows: (
                [
                    ContractChange(
                        process=e.ContractChangeProcess(r["process"]),
                        effective_date=native(r["effectiveDate"]),
                        recorded_at=native(r["recordedAt"]),
                        new_end_date=native(r.get("newEndDate")),
                        change_id=r.get("changeId"),
                        party_role=e.ContractPartyRole(r["partyRole"])
                        if r.get("partyRole")
                        else None,
                        item_uiid=r.get("itemUiid"),
                        attributes=json.loads(r["attributes"]) if r.get("attributes") else None,
                        new_lessee_id=r.get("newLesseeId"),
                        party_id=r.get("partyId"),
                    )
                    for r in rows
                ]
            ),
        )


# ---- identification object --------------------------------------------------------------------


@strawberry.type(description="A fuel card, service card, licence plate or toll tag.")
class IdentificationObject(Node):
    hub_id: strawberry.Private[str]
    change_history = change_history("IdentificationObject")
    lineage = record_lineage("IdentificationObject")
    prefetched: strawberry.Private[Prefetched]
    kind: IdentificationKind = strawberry.field(description="Kind of object.")
    number: str = strawberry.field(description=about("IdentificationObject", "number"))
    blocked_reason: str | None = strawberry.field(
        description=about("IdentificationObject", "blockedReason")
    )
    valid_from: dt.date | None = strawberry.field(
        description=about("IdentificationObject", "validFrom")
    )
    valid_to: dt.date | None = strawberry.field(
        description=about("IdentificationObject", "validTo")
    )
    version: int = strawberry.field(description=about("IdentificationObject", "version"))
    created_at: dt.datetime = strawberry.field(
        description=about("IdentificationObject", "createdAt")
    )
    updated_at: dt.datetime = strawberry.field(
        description=about("IdentificationObject", "updatedAt")
    )
    deleted_at: dt.datetime | None = strawberry.field(
        description=about("IdentificationObject", "deletedAt")
    )
    stored_status: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: Row) -> IdentificationObject:
        return golden(
            cls,
            "IdentificationObject",
            row,
            stored_status=row.get("status") or "ACTIVE",
        )

    @strawberry.field(description="Status as of today: BLOCKED, EXPIRED after validTo, or ACTIVE.")
    def status(self, info: Info) -> IdentificationStatus:
        if self.stored_status == "BLOCKED":
            return e.IdentificationStatus.BLOCKED
        if self.valid_to is not None and self.valid_to < info.context.today:
            return e.IdentificationStatus.EXPIRED
        return e.IdentificationStatus.ACTIVE

    @strawberry.field(description="Source records that feed this object.")
    def sources(self, info: Info) -> list[SourceRecord]:
        return sources_of(info, "IdentificationObject", self)

    @strawberry.field(description="The vehicle it is bound to.")
    def vehicle(self, info: Info) -> Vehicle | None:
        return with_row(
            info,
            self,
            ("IdentificationObject", "vehicle"),
            lambda row: Vehicle.from_row(row) if row else None,
        )

    @strawberry.field(description="The partner holding it.")
    def holder(self, info: Info) -> BusinessPartner | None:
        return with_row(info, self, ("IdentificationObject", "holder"), partner_or_none)

    @strawberry.field(description="The contract it was issued under.")
    def contract(self, info: Info) -> Contract | None:
        return with_row(
            info,
            self,
            ("IdentificationObject", "contract"),
            lambda row: Contract.from_row(row) if row else None,
        )

    @strawberry.field(description="The contract item it was issued under, when named.")
    def item(self, info: Info) -> ContractItem | None:
        return with_row(
            info,
            self,
            ("IdentificationObject", "item"),
            lambda row: (
                ContractItem.from_row(row, row["contractId"], native(row.get("contractStart")))
                if row
                else None
            ),
        )


# ---- document ---------------------------------------------------------------------------------


@strawberry.type(description="The stored file of a document revision.")
class DocumentFile:
    sha256: str = strawberry.field(description="SHA-256 of the content; names the stored file.")
    size_bytes: int = strawberry.field(description="Size in bytes.")
    media_type: str = strawberry.field(description="Media type, e.g. application/pdf.")
    file_name: str | None = strawberry.field(description="File name as uploaded.")
    url: str = strawberry.field(description="Where to download the content (HTTP GET).")


@strawberry.type(description="A revision of a document, with its file and what it is about.")
class Document(Node):
    hub_id: strawberry.Private[str]
    change_history = change_history("Document")
    lineage = record_lineage("Document")
    prefetched: strawberry.Private[Prefetched]
    row: strawberry.Private[Row]
    number: str = strawberry.field(description=about("Document", "number"))
    revision: str = strawberry.field(description=about("Document", "revision"))
    type: DocumentType = strawberry.field(description=about("Document", "type"))
    title: str | None = strawberry.field(description=about("Document", "title"))
    release_status: ReleaseStatus = strawberry.field(description=about("Document", "releaseStatus"))
    version: int = strawberry.field(description=about("Document", "version"))
    created_at: dt.datetime = strawberry.field(description=about("Document", "createdAt"))
    updated_at: dt.datetime = strawberry.field(description=about("Document", "updatedAt"))
    deleted_at: dt.datetime | None = strawberry.field(description=about("Document", "deletedAt"))

    @classmethod
    def from_row(cls, row: Row) -> Document:
        return golden(
            cls,
            "Document",
            row,
            row=row,
        )

    @strawberry.field(description="Projects the document belongs to, by number.")
    def projects(self, info: Info) -> list[Project]:
        return projects_of(info, self, "Document")

    @strawberry.field(description="The stored file, when one was uploaded.")
    def file(self, info: Info) -> DocumentFile | None:
        sha256 = self.row.get("fileSha256")
        if not sha256:
            return None
        return DocumentFile(
            sha256=sha256,
            size_bytes=self.row.get("fileSize") or 0,
            media_type=self.row.get("fileMediaType") or "application/octet-stream",
            file_name=self.row.get("fileName"),
            url=info.context.file_url(sha256, self.hub_id),
        )

    @strawberry.field(description="Source records that feed this document.")
    def sources(self, info: Info) -> list[SourceRecord]:
        return sources_of(info, "Document", self)

    @strawberry.field(description="The partners, vehicles and contracts it concerns.")
    def about(self, info: Info) -> list[Node]:
        return with_rows(
            info,
            self,
            ("Document", "about"),
            lambda rows: (
                [node for node in (node_from_row(r["__label"], r) for r in rows) if node]
            ),
        )

    @strawberry.field(description="The revision this one replaces.")
    def previous_revision(self, info: Info) -> Document | None:
        return with_row(
            info,
            self,
            ("Document", "previousRevision"),
            lambda row: Document.from_row(row) if row else None,
        )

    @strawberry.field(description="The revisions of this number not deleted, oldest first.")
    def revisions(self, info: Info) -> list[Document]:
        def shape(rows: list[Row]) -> list[Document]:
            ordered = sorted(rows, key=lambda r: revision_order(r["revision"]))
            return [Document.from_row(r) for r in ordered]

        return with_rows(info, self, ("Document", "revisions"), shape)


# ---- project ----------------------------------------------------------------------------------


@strawberry.type(description="A partner taking part in a project.")
class ProjectParty:
    role: ProjectPartnerRole = strawberry.field(description="Its part in the project.")
    partner: BusinessPartner = strawberry.field(description="The partner.")


@strawberry.type(description=MODEL.node("Project").description)
class Project(Node):
    hub_id: strawberry.Private[str]
    change_history = change_history("Project")
    lineage = record_lineage("Project")
    prefetched: strawberry.Private[Prefetched]
    number: str = strawberry.field(description=about("Project", "number"))
    name: str | None = strawberry.field(description=about("Project", "name"))
    type: str | None = strawberry.field(description=about("Project", "type"))
    phase: str | None = strawberry.field(description=about("Project", "phase"))
    status: ProjectStatus = strawberry.field(description=about("Project", "status"))
    start_date: dt.date | None = strawberry.field(description=about("Project", "startDate"))
    end_date: dt.date | None = strawberry.field(description=about("Project", "endDate"))
    version: int = strawberry.field(description=about("Project", "version"))
    created_at: dt.datetime = strawberry.field(description=about("Project", "createdAt"))
    updated_at: dt.datetime = strawberry.field(description=about("Project", "updatedAt"))
    deleted_at: dt.datetime | None = strawberry.field(description=about("Project", "deletedAt"))

    @classmethod
    def from_row(cls, row: Row) -> Project:
        return golden(cls, "Project", row)

    @strawberry.field(description="Source records that feed this project.")
    def sources(self, info: Info) -> list[SourceRecord]:
        return sources_of(info, "Project", self)

    @strawberry.field(description="Partners taking part, by role and name.")
    def partners(self, info: Info) -> list[ProjectParty]:
        return with_rows(
            info,
            self,
            ("Project", "partners"),
            lambda rows: [
                ProjectParty(
                    role=e.ProjectPartnerRole(r["role"]), partner=BusinessPartner.from_row(r)
                )
                for r in rows
            ],
        )

    @strawberry.field(description="Its documents, by number and revision.")
    def documents(self, info: Info) -> list[Document]:
        return with_rows(
            info, self, ("Project", "documents"), lambda rows: [Document.from_row(r) for r in rows]
        )

    vehicles = nested_connection(
        "Project", "vehicles", "Vehicle", "Vehicles the project involves, by VIN."
    )


def projects_of(info: Info, parent: Parent, label: str) -> list[Project]:
    return with_rows(
        info, parent, (label, "projects"), lambda rows: [Project.from_row(r) for r in rows]
    )


NODE_TYPES: dict[str, Callable[[Row], Any]] = {
    "BusinessPartner": BusinessPartner.from_row,
    "Vehicle": Vehicle.from_row,
    "Contract": Contract.from_row,
    "IdentificationObject": IdentificationObject.from_row,
    "Document": Document.from_row,
    "Material": Material.from_row,
    "Project": Project.from_row,
}


def node_from_row(label: str, row: Row) -> Node | None:
    make = NODE_TYPES.get(label)
    if make is None:
        return None
    clean = {k: v for k, v in row.items() if k not in ("state", "__label")}
    node: Node = make(clean)
    return node
