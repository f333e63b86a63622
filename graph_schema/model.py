"""The vocabulary of the model: node types, properties, keys and relationships.

The declarations themselves live in :mod:`graph_schema.entities`; everything that depends on
the shape of the graph (constraints, indexes, validation, the GraphQL types) reads them from
here instead of repeating them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


class PropertyType(Enum):
    """Value types a property can hold; each maps to a Cypher and a GraphQL type."""

    STRING = "String"
    INTEGER = "Int"
    FLOAT = "Float"
    BOOLEAN = "Boolean"
    DATE = "Date"
    DATETIME = "DateTime"
    STRING_LIST = "[String]"
    INTEGER_LIST = "[Int]"


class Cardinality(Enum):
    """How many relationships of a type one node may have at that end."""

    ONE = "one"
    MANY = "many"


Vocabulary = type[Enum]  # named here: inside Property, ``type`` is a field


class Form(Enum):
    """How a delivered text is checked and written, beyond being text."""

    VIN = "vin"  # 17 characters of ISO 3779, upper case
    EMAIL = "email"  # an e-mail address, its domain in lower case
    PHONE = "phone"  # digits with an optional leading +, no separators
    COUNTRY = "country"  # ISO 3166-1 alpha-2, upper case
    CODE = "code"  # printed with separators that carry no meaning: dropped, upper case
    LANGUAGE = "language"  # ISO 639-1, lower case
    CURRENCY = "currency"  # ISO 4217, upper case
    MATERIAL = "material"  # an SAP material number: all digits lose SAP's leading zeros


@dataclass(frozen=True)
class Property:
    """One property of a node type.

    ``personal`` marks personal data of persons, which only clients with the
    ``read:personal`` scope see. ``earliest`` and ``latest`` bound the plausible values of a
    date or date-time (ISO dates; ``latest`` may be ``"today"``).

    ``filterable`` gives the property a filter in the API's ``where`` (its operators follow
    from its type; ``values`` names the closed vocabulary of a text that holds one).
    ``searchable`` keeps a search key beside a text (:func:`search_key_of`), so filters find
    it whatever its case, accents or script; ``collated`` keeps a sort key
    (:func:`sort_key_of`), so it sorts as people expect. ``facet`` counts the records per
    value of a property with few values, for the lists' facets. ``sortable`` makes it a key
    of the lists' ``orderBy``. ``internal`` marks what the hub keeps for itself on a record
    (its canonical state, its blocking keys, a list item's position): stored, but never one
    of the record's values, so never written from a delivery nor read by the API.

    ``writable`` says a delivery sets it (the upsert inputs, the loaders' columns and the
    delivery checks follow from it); the hub sets the others itself (ids, versions, a
    partner's display name, a block). A delivery must carry a ``required`` writable property
    unless it has a ``default``, which a new record takes when none is delivered. ``form``
    checks and normalises a text; ``minimum``, ``maximum`` and ``years_ahead`` (a maximum of
    this year plus so many) bound a whole number. ``exposed_as`` names the API field that
    shows a value which is not a field of its own (a document's file, a partner's survivor).
    """

    name: str
    type: PropertyType
    description: str
    required: bool = False
    indexed: bool = False
    personal: bool = False
    earliest: str | None = None
    latest: str | None = None
    filterable: bool = False
    values: Vocabulary | None = None
    searchable: bool = False
    collated: bool = False
    facet: bool = False
    sortable: bool = False
    internal: bool = False
    writable: bool = True
    default: str | None = None
    form: Form | None = None
    minimum: int | None = None
    maximum: int | None = None
    years_ahead: int | None = None
    exposed_as: str | None = None

    @property
    def delivered(self) -> bool:
        """A delivery sets it."""
        return self.writable and not self.internal

    @property
    def demanded(self) -> bool:
        """A delivery must carry it."""
        return self.delivered and self.required and self.default is None


def search_key_of(name: str) -> str:
    """The stored property that holds the search key of a searchable property."""
    return f"{name}Search"


def sort_key_of(name: str) -> str:
    """The stored property that holds the sort key of a collated property."""
    return f"{name}Sort"


# The version of the rules a record's search keys were made by, kept by records that have no
# other marker of it (a partner's addresses, a material's descriptions).
KEYS_VERSION = "textKeysVersion"


@dataclass(frozen=True)
class NodeType:
    """A label with its properties and keys.

    ``natural_key`` names the properties that identify a node in the business (a VIN, a
    contract number, kind + number); together they are unique. Every node type also has a
    unique, opaque hub ``id``.
    """

    label: str
    description: str
    properties: tuple[Property, ...]
    natural_key: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()

    def prop(self, name: str) -> Property:
        for prop in self.properties:
            if prop.name == name:
                return prop
        raise KeyError(f"{self.label} has no property {name!r}")

    @property
    def property_names(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.properties)

    @property
    def record_properties(self) -> tuple[Property, ...]:
        """The properties that are the record's values (the internal ones left out)."""
        return tuple(prop for prop in self.properties if not prop.internal)

    @property
    def delivered_properties(self) -> tuple[Property, ...]:
        """The properties a delivery sets, in declaration order."""
        return tuple(prop for prop in self.properties if prop.delivered)

    @property
    def derived_keys(self) -> tuple[str, ...]:
        """The properties the store keeps beside the declared ones: search and sort keys, and
        the version of the rules that made them."""
        keys = [search_key_of(p.name) for p in self.properties if p.searchable]
        keys += [KEYS_VERSION] if keys else []
        return tuple(keys + [sort_key_of(p.name) for p in self.properties if p.collated])

    @property
    def personal(self) -> frozenset[str]:
        """Names of the properties that hold personal data of persons."""
        return frozenset(prop.name for prop in self.properties if prop.personal)


@dataclass(frozen=True)
class Side:
    """How a relationship shows from one of its ends: the records at the other end.

    ``field`` names the read of them on this end's type (the API field, or the name the API
    reads them under), sorted by ``order``: properties of the relationship or, where the
    relationship has none of that name, of the records read; the records' key (their id, or
    a part's natural key) breaks ties where they have one.
    ``paged`` reads them as a connection's pages; without ``prefetch`` they are never read
    inside the parent's own statement; with ``carries`` each comes with the relationship's
    values (a party's role). ``input`` names the field of this end's delivery that
    sets them (references to golden records, or the list of parts themselves); where the
    other end is another record's part, the property that keeps the part's key (an
    identification object's ``itemUiid``).
    """

    field: str | None = None
    input: str | None = None
    order: tuple[str, ...] = ()
    paged: bool = False
    prefetch: bool = True
    carries: bool = False
    description: str = ""  # of the input field


@dataclass(frozen=True)
class Relationship:
    """A directed relationship type between two labels.

    ``source_cardinality`` says how many ``source`` nodes one ``target`` may have and
    ``target_cardinality`` how many targets one source may have: a vehicle has one owner
    (source_cardinality=ONE) while an owner has many vehicles (target_cardinality=MANY).

    ``forward`` is how the source shows its targets, ``backward`` how a target shows its
    sources. A ``part`` target belongs to its source (a partner's address, a contract's
    item): written with it, removed with it, never referred to on its own except by its key.
    A side that ``carries`` reads its properties that are not internal with the records it
    leads to, under their ``exposed_as`` name where they have one.
    """

    type: str
    source: str
    target: str
    description: str
    source_cardinality: Cardinality = Cardinality.MANY
    target_cardinality: Cardinality = Cardinality.MANY
    properties: tuple[Property, ...] = ()
    forward: Side | None = None
    backward: Side | None = None
    part: bool = False

    def sides(self) -> tuple[tuple[str, str, Side, bool], ...]:
        """Each declared side as (its label, the other end's label, side, outbound)."""
        found = []
        if self.forward is not None:
            found.append((self.source, self.target, self.forward, True))
        if self.backward is not None:
            found.append((self.target, self.source, self.backward, False))
        return tuple(found)

    def many(self, outbound: bool) -> bool:
        """Whether one record may have several at the other end, seen from the source
        (``outbound``) or from the target."""
        cardinality = self.target_cardinality if outbound else self.source_cardinality
        return cardinality is Cardinality.MANY

    @property
    def shown(self) -> tuple[tuple[str, str], ...]:
        """(name read, property) of the values it carries to the records it leads to."""
        return tuple((p.exposed_as or p.name, p.name) for p in self.properties if not p.internal)


@dataclass(frozen=True)
class Model:
    """The whole graph model: node types and the relationships between them.

    ``list_maxima`` caps the lists one delivery may carry, by label and input field (a
    partner's addresses, a contract's items, ...): a longer list is refused, never cut.
    """

    nodes: tuple[NodeType, ...]
    relationships: tuple[Relationship, ...] = field(default=())
    list_maxima: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def node(self, label: str) -> NodeType:
        for node in self.nodes:
            if node.label == label:
                return node
        raise KeyError(f"the model has no node type {label!r}")

    @property
    def golden_labels(self) -> tuple[str, ...]:
        """Labels of golden records: those with an id, a version and creation/update times."""
        managed = {"id", "version", "createdAt", "updatedAt"}
        return tuple(n.label for n in self.nodes if managed <= set(n.property_names))

    def _validate_inputs(self) -> None:
        """One input field of a label is set through one relationship type, part or not."""
        ways: dict[tuple[str, str], set[tuple[str, bool]]] = {}
        for rel in self.relationships:
            for label, _, side, _ in rel.sides():
                if side.input is not None:
                    ways.setdefault((label, side.input), set()).add((rel.type, rel.part))
        for (label, name), found in ways.items():
            if len(found) > 1:
                raise ValueError(f"{label}.{name} is written through {sorted(found)}")

    def _validate_sides(self, rel: Relationship) -> None:
        carried = {p.name for p in rel.properties}
        for _, other, side, _ in rel.sides():
            known = carried | set(self.node(other).property_names)
            unknown = [name for name in side.order if name not in known]
            if unknown:
                raise ValueError(f"{rel.type}: {side.field} is ordered by unknown {unknown}")
            # A name of both would sort by the relationship's: say it in another way.
            both = carried & set(self.node(other).property_names) & set(side.order)
            if both:
                raise ValueError(f"{rel.type}: {side.field} order {sorted(both)} is ambiguous")

    def key_of(self, label: str) -> str:
        """The property a record of ``label`` is found by: its id, or a part's natural key."""
        node = self.node(label)
        if "id" in node.property_names:
            return "id"
        if len(node.natural_key) != 1:
            raise KeyError(f"{label} has neither an id nor a natural key of one property")
        return node.natural_key[0]

    def is_part(self, label: str) -> bool:
        """A record of ``label`` belongs to another (it is the target of a part relationship)."""
        return any(rel.part and rel.target == label for rel in self.relationships)

    def list_maximum(self, label: str, name: str) -> int:
        """Most items the list ``name`` of a ``label`` delivery may hold."""
        return self.list_maxima[label, name]

    def relationships_of(self, label: str) -> tuple[Relationship, ...]:
        return tuple(r for r in self.relationships if label in (r.source, r.target))

    def validate(self) -> None:
        """Raise ``ValueError`` when the declarations contradict themselves."""
        labels = [node.label for node in self.nodes]
        if len(labels) != len(set(labels)):
            raise ValueError("node labels must be unique")
        for node in self.nodes:
            names = node.property_names
            if len(names) != len(set(names)):
                raise ValueError(f"{node.label}: property names must be unique")
            if set(names) & set(node.derived_keys):
                raise ValueError(f"{node.label}: a property is named like a search or sort key")
            for key in (node.natural_key, *node.indexes):
                missing = [name for name in key if name not in names]
                if missing:
                    raise ValueError(f"{node.label}: key or index names unknown {missing}")
        for rel in self.relationships:
            for end in (rel.source, rel.target):
                if end not in labels:
                    raise ValueError(f"{rel.type}: unknown label {end!r}")
            self._validate_sides(rel)
        self._validate_inputs()
        for (label, name), maximum in self.list_maxima.items():
            if label not in labels or maximum < 1:
                raise ValueError(f"list maximum of {label}.{name} must name a label and be >= 1")
