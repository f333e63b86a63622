"""``where`` arguments compiled to Cypher predicates with parameters.

The fields a ``where`` offers follow from the model: every property declared ``filterable``
gets a filter whose operators follow from its type (:data:`OPERATORS`). A few fields are
declared here besides, because they test something other than one property of the record
(a role in a list, an address, an owned vehicle) or because the API contract gives them a
plain value; the operators of such a property are then under ``<property>Filter``.

A filter is a plain dict (GraphQL input converted, unset fields dropped). ``AND``, ``OR`` and
``NOT`` nest; every other key is a field of :data:`WHERE`.

Text is compared as people search it (:mod:`hub.search_text`): ``contains`` and
``startsWith`` ignore case, accents, umlaut spelling and, for Chinese, the script; the
``...Exact`` variants compare the text as stored. ``neq`` and ``notIn`` hold for a record
without a value too.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph_schema import MODEL, Form, Property, PropertyType
from graph_schema.model import search_key_of
from hub import identifiers
from hub.errors import BadRequest
from hub.search_text import SEPARATOR, fold
from hub.store.temporal import to_store

Filter = dict[str, Any]
Build = Callable[["Compiler", str, Any], str]

TEXT = ("eq", "neq", "in", "notIn", "isNull", "contains", "startsWith", "containsExact",
        "startsWithExact")  # fmt: skip
ORDERED = ("eq", "neq", "in", "notIn", "isNull", "gt", "gte", "lt", "lte")
CHOICE = ("eq", "neq", "in", "notIn", "isNull")
LIST = ("includes", "includesAny", "includesAll", "isEmpty")
OPERATORS = {
    PropertyType.STRING: TEXT,
    PropertyType.INTEGER: ORDERED,
    PropertyType.FLOAT: ORDERED,
    PropertyType.DATE: ORDERED,
    PropertyType.DATETIME: ORDERED,
}
_COMPARED = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
# Conditions one AND or OR may list: the embedded store refuses an expression chained 200
# deep, and a filter of more is better said with ``in``.
MAX_BRANCHES = 100


@dataclass
class Compiler:
    """Collects parameters and fresh variable names while predicates are built."""

    params: dict[str, Any] = field(default_factory=dict)
    _counter: int = 0

    def param(self, value: Any) -> str:
        name = f"w{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def variable(self) -> str:
        self._counter += 1
        return f"v{self._counter}"

    def compile(self, label: str, where: Filter | None, var: str) -> str:
        """A predicate for ``var`` (of ``label``), or ``true`` when nothing is filtered."""
        if not where:
            return "true"
        parts: list[str] = []
        for key, value in where.items():
            if key in ("AND", "OR") and len(value) > MAX_BRANCHES:
                raise BadRequest(
                    f"where: {key} lists {len(value)} conditions; at most {MAX_BRANCHES} "
                    "(for many values of one field, use `in`)"
                )
            if key == "AND":
                parts.extend(f"({self.compile(label, item, var)})" for item in value)
            elif key == "OR":
                options = [f"({self.compile(label, item, var)})" for item in value]
                parts.append("(" + (" OR ".join(options) or "false") + ")")
            elif key == "NOT":
                # A comparison with a missing value is null, not false: without coalesce,
                # NOT would leave out the records without a value, and NOT would be no
                # complement.
                parts.append(f"NOT coalesce(({self.compile(label, value, var)}), false)")
            else:
                parts.append(WHERE[label][key].build(self, var, value))
        return " AND ".join(parts) or "true"


def _plain(value: Any) -> Any:
    """An input value as the store compares it: enums by value, date-times in UTC, text in
    its composed form (as deliveries store it)."""
    value = getattr(value, "value", value)
    if isinstance(value, dt.datetime):
        return to_store(value)
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    return value


def _all_of(f: Filter, condition: Callable[[str, Any], str]) -> str:
    """The condition of every operator given (with its value as the store compares it), all
    of which must hold."""
    parts = [
        condition(op, [_plain(v) for v in given] if isinstance(given, list) else _plain(given))
        for op, given in f.items()
        if given is not None
    ]
    return " AND ".join(parts) or "true"


Spellings = Callable[[str], list[str]]


def _kept_and_as_given(form: Form) -> Spellings:
    """A value in the spelling the hub keeps ``form`` in (hub.identifiers), and as given
    (trimmed): a value stored by an earlier version in another spelling is found too."""

    def spellings(value: str) -> list[str]:
        kept = identifiers.kept(form, value)
        return list(dict.fromkeys((kept if isinstance(kept, str) else value, value.strip())))

    return spellings


_SPELT = (Form.VIN, Form.CODE, Form.MATERIAL, Form.PHONE, Form.EMAIL)
# Part of a value (``contains``, ``startsWith``) only loses the separators it was typed with:
# the rest of the kept spelling (SAP's leading zeros dropped, 00 as +) holds for a whole one.
Part = Callable[[str, str], str]  # (value, operator) -> the value as the stored ones spell it


def _phone_part(value: str, op: str) -> str:
    # Only at the start may 00 stand for +: inside a number they are two digits.
    return (
        identifiers.phone_number(value) if op == "startsWith" else identifiers.phone_digits(value)
    )


_PARTS: dict[Form, Part] = {
    Form.CODE: lambda value, _: identifiers.printed_code(value),
    Form.VIN: lambda value, _: identifiers.printed_code(value),
    Form.PHONE: _phone_part,
}


def _spelt(spell: Spellings | None, value: Any) -> list[Any]:
    """``value`` in each spelling a stored value may have; other values as they are."""
    if spell is None or not isinstance(value, str):
        return [value]
    return spell(value)


def _respelt(op: str, value: Any, spell: Spellings) -> tuple[str, Any]:
    """An equality's operator and value with the value in each of its spellings: one
    spelling stays an ``eq``, several become an ``in``."""
    if op in ("eq", "neq"):
        spellings = _spelt(spell, value)
        if len(spellings) == 1:
            return op, spellings[0]
        op, value = ("in" if op == "eq" else "notIn"), [value]
    if op in ("in", "notIn"):
        return op, [spelt for v in value for spelt in _spelt(spell, v)]
    return op, value


def operators(
    expression: Callable[[str], str],
    search: Callable[[str], str] | None = None,
    spell: Spellings | None = None,
    part: Part | None = None,
) -> Build:
    """A filter with operators on ``expression(var)``; text searched in ``search(var)``, the
    record's search key, or else in the text lowered; values of ``eq``, ``neq``, ``in`` and
    ``notIn`` in the spellings ``spell`` gives (an identifying number's)."""

    def build(c: Compiler, var: str, f: Filter) -> str:
        target = expression(var)

        def condition(op: str, value: Any) -> str:  # noqa: PLR0911 - one per operator
            if spell is not None:
                op, value = _respelt(op, value, spell)
            if op == "eq":
                return f"{target} = {c.param(value)}"
            if op == "neq":
                return f"({target} IS NULL OR {target} <> {c.param(value)})"
            if op == "in":
                return f"{target} IN {c.param(value)}"
            if op == "notIn":
                return f"({target} IS NULL OR NOT {target} IN {c.param(value)})"
            if op == "isNull":
                return f"{target} IS {'' if value else 'NOT '}NULL"
            if op in _COMPARED:
                return f"{target} {_COMPARED[op]} {c.param(value)}"
            if op == "containsExact":
                return f"{target} CONTAINS {c.param(value)}"
            if op == "startsWithExact":
                return f"{target} STARTS WITH {c.param(value)}"
            needle = fold(str(value)) if search is not None else ""
            if search is not None and (needle or not value):
                needle = needle if op == "contains" else SEPARATOR + needle
                return f"{search(var)} CONTAINS {c.param(needle)}"
            # Nothing in it that a search key keeps ("&", "%"): the text as written, in any
            # case, rather than everything. A number is found as printed too ("7077 10").
            verb = "CONTAINS" if op == "contains" else "STARTS WITH"
            given = str(value)
            typed = part(given, op) if part else ""
            spelt = [p for p in dict.fromkeys((typed, given)) if p] or [given]
            found = [f"toLower({target}) {verb} {c.param(p.lower())}" for p in spelt]
            return f"({' OR '.join(found)})" if len(found) > 1 else found[0]

        return _all_of(f, condition)

    return build


def of_property(prop: Property) -> Build:
    if prop.type is PropertyType.STRING_LIST:
        return _list_operators(prop.name)
    search = (lambda var: f"{var}.{search_key_of(prop.name)}") if prop.searchable else None
    spell = _kept_and_as_given(prop.form) if prop.form in _SPELT else None
    part = _PARTS.get(prop.form) if prop.form is not None else None
    return operators(lambda var: f"{var}.{prop.name}", search, spell, part)


def _list_operators(name: str) -> Build:
    """Conditions on a list property: what it includes, or that it is empty."""

    def build(c: Compiler, var: str, f: Filter) -> str:
        target = f"coalesce({var}.{name}, [])"

        def condition(op: str, value: Any) -> str:
            if op == "includes":
                return f"{c.param(value)} IN {target}"
            if op == "includesAny":
                return f"any(v IN {c.param(value)} WHERE v IN {target})"
            if op == "includesAll":
                return f"all(v IN {c.param(value)} WHERE v IN {target})"
            return f"size({target}) {'=' if value else '>'} 0"  # isEmpty

        return _all_of(f, condition)

    return build


def equals(prop: str) -> Build:
    return lambda c, var, value: f"{var}.{prop} = {c.param(_plain(value))}"


# Whether an operator holds for a missing value (its argument given).
_HOLDS_FOR_NONE: dict[str, Callable[[Any], bool]] = {
    "neq": lambda _: True,
    "notIn": lambda _: True,
    "isNull": bool,
}


def _holds_for_none(f: Filter) -> bool:
    """Whether every operator of ``f`` holds for a record without the value."""
    return all(
        _HOLDS_FOR_NONE.get(op, lambda _: False)(value)
        for op, value in f.items()
        if value is not None
    )


def _address(prop: str) -> Build:
    inner = of_property(MODEL.node("Address").prop(prop))

    def build(c: Compiler, var: str, f: Filter) -> str:
        address = c.variable()
        found = (
            f"EXISTS {{ MATCH ({var})-[:HAS_ADDRESS]->({address}:Address) "
            f"WHERE {inner(c, address, f)} }}"
        )
        if not _holds_for_none(f):
            return found
        # A partner without an address has no city either: isNull, neq and notIn hold.
        return f"({found} OR NOT EXISTS {{ MATCH ({var})-[:HAS_ADDRESS]->(:Address) }})"

    return build


# Deleted records count in a list or a filter only where the filter asks about deletedAt.
DELETED = "deletedAt"


def names(where: Any, name: str) -> bool:
    """The filter tests ``name``, at its top or within AND, OR and NOT."""
    if isinstance(where, list):
        return any(names(w, name) for w in where)
    if not isinstance(where, dict):
        return False
    return name in where or any(names(where.get(k), name) for k in ("AND", "OR", "NOT"))


def _owns_vehicle(c: Compiler, var: str, f: Filter) -> str:
    vehicle = c.variable()
    conditions = [f"({c.compile('Vehicle', f, vehicle)})"]
    if not names(f, DELETED):  # a vehicle deleted is owned no more, unless asked about
        conditions.append(f"{vehicle}.{DELETED} IS NULL")
    return (
        f"EXISTS {{ MATCH ({var})-[:OWNS]->({vehicle}:Vehicle) WHERE {' AND '.join(conditions)} }}"
    )


def _related(c: Compiler, var: str, f: Filter) -> str:
    other, rel = c.variable(), c.variable()
    arrows = {"OUTGOING": ("-", "->"), "INCOMING": ("<-", "-")}
    left, right = arrows.get(_plain(f.get("direction")) or "", ("-", "-"))
    # A partner is no relative of its own (a relationship a merge turned on itself).
    conditions = [f"{other} <> {var}", c.compile("BusinessPartner", f.get("partner"), other)]
    if f.get("type") is not None:
        conditions.append(f"{rel}.type = {c.param(_plain(f['type']))}")
    return (
        f"EXISTS {{ MATCH ({var}){left}[{rel}:RELATED_TO]{right}({other}:BusinessPartner) "
        f"WHERE {' AND '.join(conditions)} }}"
    )


def _has_role(c: Compiler, var: str, role: Any) -> str:
    return f"{c.param(_plain(role))} IN {var}.roles"


def contract_status_expression(var: str, today: str) -> str:
    """The status a reader sees: terminated from the termination date, expired after the end."""
    return (
        f"CASE WHEN {var}.status = 'TERMINATED' AND {var}.terminationDate > {today} "
        f"THEN 'ACTIVE' WHEN {var}.status = 'ACTIVE' AND {var}.endDate < {today} "
        f"THEN 'EXPIRED' ELSE {var}.status END"
    )


def identification_status_expression(var: str, today: str) -> str:
    """Blocked wins; otherwise an object past its validTo reads as expired."""
    return (
        f"CASE WHEN {var}.status = 'BLOCKED' THEN 'BLOCKED' "
        f"WHEN {var}.validTo < {today} THEN 'EXPIRED' ELSE 'ACTIVE' END"
    )


def value_of(label: str, prop: str, var: str) -> str:
    """The value of a property as a reader sees it: stored, or derived as of ``$today``."""
    derived = _DERIVED.get((label, prop))
    return derived(var, "$today") if derived else f"{var}.{prop}"


@dataclass(frozen=True)
class WhereField:
    """One field of a ``where``: what it tests (``prop``, None for a relation or another
    record), the GraphQL type of its input and how it compiles."""

    input_type: str
    description: str
    build: Build
    prop: Property | None = None
    # A filter on related records: the key of their ``where`` in this field's value (""
    # for the value itself) and their label.
    nested: tuple[str, str] | None = None


def operator_type(prop: Property) -> str:
    """The GraphQL input type of a property's operators."""
    if prop.type is PropertyType.STRING_LIST:
        kind = prop.values.__name__ if prop.values is not None else "String"
        return f"{kind}ListFilter"
    if prop.values is not None:
        return f"{prop.values.__name__}Filter"
    return {
        PropertyType.STRING: "StringFilter",
        PropertyType.INTEGER: "IntFilter",
        PropertyType.FLOAT: "FloatFilter",
        PropertyType.DATE: "DateFilter",
        PropertyType.DATETIME: "DateTimeFilter",
    }[prop.type]


# Filters whose value is a plain value (equality), as the API contract has them, or that test
# something derived (the status a reader sees) instead of the stored property.
_PLAIN: dict[str, dict[str, tuple[str, Build]]] = {
    "BusinessPartner": {"kind": ("PartnerKind", equals("kind"))},
    "Vehicle": {"modelYear": ("Int", equals("modelYear"))},
    "Contract": {"type": ("ContractType", equals("type"))},
    "IdentificationObject": {"kind": ("IdentificationKind", equals("kind"))},
    "Document": {
        "type": ("DocumentType", equals("type")),
        "releaseStatus": ("ReleaseStatus", equals("releaseStatus")),
    },
}
_DERIVED: dict[tuple[str, str], Callable[[str, str], str]] = {
    ("Contract", "status"): contract_status_expression,
    ("IdentificationObject", "status"): identification_status_expression,
}
_OTHERS: dict[str, dict[str, WhereField]] = {
    "BusinessPartner": {
        "role": WhereField("PartnerRole", "Has this role.", _has_role),
        "city": WhereField("StringFilter", "The city of any of its addresses.", _address("city")),
        "postalCode": WhereField(
            "StringFilter", "The postal code of any of its addresses.", _address("postalCode")
        ),
        "ownsVehicle": WhereField(
            "VehicleWhere",
            "Owns at least one vehicle that matches.",
            _owns_vehicle,
            nested=("", "Vehicle"),
        ),
        "relationship": WhereField(
            "PartnerRelationshipWhere",
            "Has at least one relationship to another partner that matches.",
            _related,
            nested=("partner", "BusinessPartner"),
        ),
    },
}


def _as_read(prop: Property, expression: Callable[[str, str], str]) -> dict[str, WhereField]:
    """The fields of a property whose value a reader sees derived (a status as of today)."""

    def read(var: str) -> str:
        return expression(var, "$today")

    def equal(c: Compiler, var: str, value: Any) -> str:
        return f"{read(var)} = {c.param(_plain(value))}"

    as_read = f"{prop.description} As of today, as the record reads."
    kind = prop.values.__name__ if prop.values else "String"
    return {
        prop.name: WhereField(kind, f"{as_read} Equals.", equal, prop),
        f"{prop.name}Filter": WhereField(operator_type(prop), as_read, operators(read), prop),
    }


def _fields(label: str) -> dict[str, WhereField]:
    fields: dict[str, WhereField] = {}
    plain = _PLAIN.get(label, {})
    for prop in MODEL.node(label).properties:
        if not prop.filterable:
            continue
        derived = _DERIVED.get((label, prop.name))
        if derived is not None:
            fields.update(_as_read(prop, derived))
            continue
        if prop.name in plain:
            input_type, build = plain[prop.name]
            fields[prop.name] = WhereField(input_type, f"{prop.description} Equals.", build, prop)
            fields[f"{prop.name}Filter"] = WhereField(
                operator_type(prop), prop.description, of_property(prop), prop
            )
            continue
        fields[prop.name] = WhereField(
            operator_type(prop), prop.description, of_property(prop), prop
        )
    fields.update(_OTHERS.get(label, {}))
    return fields


WHERE_LABELS = MODEL.golden_labels
WHERE: dict[str, dict[str, WhereField]] = {label: _fields(label) for label in WHERE_LABELS}


def personal_tested(label: str, where: Any, path: str = "") -> set[str]:
    """The personal properties a filter (as data) tests, through AND, OR and NOT and the
    filters of related records, each by its path (``relationship.partner.birthDate``)."""
    if isinstance(where, list):
        return set().union(*(personal_tested(label, w, path) for w in where))
    if not isinstance(where, dict):
        return set()
    found: set[str] = set()
    for name, value in where.items():
        if name in ("AND", "OR", "NOT"):
            found |= personal_tested(label, value, path)
            continue
        spec = WHERE[label].get(name)
        if spec is None or value is None:
            continue
        if spec.prop is not None and spec.prop.personal:
            found.add(f"{path}{name}")
        elif spec.nested is not None and isinstance(value, dict):
            key, related = spec.nested
            inner = value.get(key) if key else value
            found |= personal_tested(related, inner, f"{path}{name}.{key + '.' if key else ''}")
    return found
