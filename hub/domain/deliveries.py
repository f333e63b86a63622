"""Turn an input (a plain dict shaped like the GraphQL input, as the API and the loaders
produce it) into a validated :class:`Delivery`, or the problems that prevent it.

Values are normalised here (VIN upper case, country codes, phone and e-mail forms, dates as
ISO text) so that the same fact delivered in two spellings compares equal.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from enum import Enum
from typing import Any

from graph_schema import MODEL, Form, Property, PropertyType
from graph_schema import enums as e
from hub import identifiers
from hub.domain import problems as codes
from hub.domain import validation as v
from hub.domain.kinds import ITEM_CONTRACT, slots_of
from hub.domain.problems import Path, Problem
from hub.domain.references import Ref
from hub.domain.upsert import Delivery
from hub.identifiers import printed_code

Data = dict[str, Any]
Built = tuple[Delivery | None, list[Problem]]

_LISTS = frozenset({PropertyType.STRING_LIST, PropertyType.INTEGER_LIST})
_BREAKS = re.compile(r"[\t\n\r\v\f\x85\u2028\u2029]")


def _material(value: str, path: Path) -> str:
    return identifiers.material_number(value)


def _code(value: str, path: Path) -> str | Problem:
    kept = printed_code(value)
    if not kept:
        return Problem(path, codes.INVALID_VALUE, f"{path[-1]} has nothing but separators")
    return kept


_FORMS: dict[Form, Callable[[str, Path], str | Problem | None]] = {
    Form.EMAIL: v.email,
    Form.PHONE: v.phone,
    Form.COUNTRY: v.country,
    Form.LANGUAGE: v.language,
    Form.CURRENCY: v.currency,
    Form.CODE: _code,
    Form.MATERIAL: _material,
}


class _Collector:
    """Gathers normalised values and problems while an input of a ``label`` is checked field
    by field; the model gives its dates' plausible ranges and its lists' maxima."""

    def __init__(self, label: str, data: Data, path: Path) -> None:
        self.label = label
        self.data = data
        self.path = path
        self.values: dict[str, Any] = {}
        self.problems: list[Problem] = []

    def take(self, result: Any, name: str) -> Any:
        if isinstance(result, Problem):
            self.problems.append(result)
            return None
        self.values[name] = result
        return result

    def text(self, name: str, *, required: bool = False) -> str | None:
        path = (*self.path, name)
        found = v.text(self.data.get(name), path, required=required)
        if isinstance(found, str) and name in self.keys and _BREAKS.search(found):
            # A number or revision that names a record is one line: a break in it is an
            # accident of the file it came from, and would make another record.
            found = Problem(path, codes.INVALID_VALUE, f"{name} is one line, without tabs")
        result = self.take(found, name)
        return result if isinstance(result, str) else None

    @property
    def keys(self) -> tuple[str, ...]:
        return MODEL.node(self.label).natural_key

    def enum(self, name: str, allowed: type[Enum], *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.problems.append(
                    Problem((*self.path, name), codes.REQUIRED, f"{name} is required")
                )
            return None
        plain = choice(value, allowed, (*self.path, name))
        if isinstance(plain, Problem):
            self.problems.append(plain)
            return None
        self.values[name] = plain
        return plain

    def listed(self, name: str) -> list[Any] | None:
        """The list ``name``, or None when it is missing, no list or longer than allowed."""
        return checked_list(self.data.get(name), (*self.path, name), self.label, self.problems)

    def date(self, name: str) -> dt.date | None:
        value = self.data.get(name)
        if value is None:
            return None
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                self.problems.append(
                    Problem((*self.path, name), codes.INVALID_VALUE, f"{value!r} is not a date")
                )
                return None
        problem = plausible_date(value, (*self.path, name), self.label)
        if problem is not None:
            self.problems.append(problem)
            return None
        self.values[name] = value.isoformat()
        return value

    def declared(self) -> None:
        """Check and take every value the model lets a delivery of the label set."""
        for prop in MODEL.node(self.label).delivered_properties:
            self.value(prop)

    def value(self, prop: Property) -> None:
        """Check and take the value of ``prop``, by its type, form and vocabulary."""
        name = prop.name
        if prop.type in _LISTS:
            self.items(prop)
        elif prop.values is not None:
            self.enum(name, prop.values, required=prop.demanded)
        elif prop.type is PropertyType.STRING:
            self.formed(prop)
        elif prop.type is PropertyType.DATE:
            self.date(name)
        elif prop.type in (PropertyType.INTEGER, PropertyType.FLOAT):
            self.number(prop)
        else:
            self.plain(prop)
        if prop.demanded and self.values.get(name) is None and not self.reported(name):
            self.problems.append(Problem((*self.path, name), codes.REQUIRED, f"{name} is required"))

    def reported(self, name: str) -> bool:
        """A problem was found with the field ``name`` already."""
        field_path = (*self.path, name)
        return any(p.path[: len(field_path)] == field_path for p in self.problems)

    def formed(self, prop: Property) -> None:
        path = (*self.path, prop.name)
        if prop.form is Form.VIN:
            if self.data.get(prop.name) is not None or prop.demanded:
                self.take(v.vin(self.data.get(prop.name), path), prop.name)
            return
        given = self.text(prop.name)
        if given is None or prop.form is None:
            return
        self.take(_FORMS[prop.form](given, path), prop.name)

    def number(self, prop: Property) -> None:
        value = self.data.get(prop.name)
        high = prop.maximum
        if prop.years_ahead is not None:
            high = dt.date.today().year + prop.years_ahead
        whole = prop.type is PropertyType.INTEGER
        problem = v.in_range(value, (*self.path, prop.name), prop.minimum, high, whole=whole)
        if problem is not None:
            self.problems.append(problem)
        elif value is not None:
            self.values[prop.name] = value

    def plain(self, prop: Property) -> None:
        value = self.data.get(prop.name)
        if value is None:
            return
        problem = v.typed(value, (*self.path, prop.name), prop.type.value)
        if problem is not None:
            self.problems.append(problem)
        else:
            self.values[prop.name] = value

    def items(self, prop: Property) -> None:
        """A list of values, kept as a set: each once, in order."""
        given = self.listed(prop.name)
        if given is None:
            return
        path = (*self.path, prop.name)
        checked: list[Any] = []
        for i, item in enumerate(given):
            if prop.values is not None:
                checked.append(choice(item, prop.values, (*path, i)))
            elif prop.type is PropertyType.INTEGER_LIST:
                checked.append(v.in_range(item, (*path, i), None, None) or item)
            else:
                checked.append(v.text(item, (*path, i)))
        self.problems.extend(x for x in checked if isinstance(x, Problem))
        self.values[prop.name] = sorted(
            {x for x in checked if x is not None and not isinstance(x, Problem)}
        )

    def refer(self, name: str, label: str | None) -> None:
        """The reference input ``name`` to a record of ``label`` (None: any kind)."""
        self.values[name] = reference(label, self.data.get(name), (*self.path, name))

    def references(self) -> None:
        """Every plain reference of the kind (a vehicle's owner, a project's documents), as
        the model's relationships declare them."""
        for slot in slots_of(self.label):
            if slot.plain:
                (self.refer_all if slot.many else self.refer)(slot.name, slot.label)

    def refer_all(self, name: str, label: str | None) -> None:
        """The list ``name`` of reference inputs, when given."""
        given = self.listed(name)
        if given is not None:
            self.values[name] = [
                reference(label, ref, (*self.path, name, i)) for i, ref in enumerate(given)
            ]

    def parties(self, name: str, roles: type[Enum]) -> None:
        """The list ``name`` of partners in a role, when given."""
        given = self.listed(name)
        if given is not None:
            self.values[name] = [
                _party(party, (*self.path, name, i), self, roles) for i, party in enumerate(given)
            ]

    def order(self, first: str, last: str) -> Problem | None:
        """A problem when the date ``last`` lies before the date ``first``."""
        start, end = (self.values.get(name) for name in (first, last))
        if start is None or end is None:
            return None
        return v.date_order(
            dt.date.fromisoformat(start),
            dt.date.fromisoformat(end),
            (*self.path, last),
            first,
            last,
        )

    def check(self, problem: Problem | None) -> None:
        if problem is not None:
            self.problems.append(problem)

    def source(self) -> tuple[str, str] | None:
        source = self.data.get("source")
        if not source:
            self.problems.append(
                Problem((*self.path, "source"), codes.REQUIRED, "source is required")
            )
            return None
        system = str(source.get("system") or "").strip()
        key = str(source.get("key") or "").strip()
        found = v.source_key(system, key, (*self.path, "source"))
        self.problems.extend(found)
        return None if found else (system.upper(), key)

    def delivery(self, source: tuple[str, str] | None) -> Built:
        if self.problems or source is None:
            return None, self.problems
        return Delivery(source[0], source[1], self.values, self.path), []


def plausible_date(value: dt.date, path: Path, label: str) -> Problem | None:
    """A problem when the date lies outside the range the model gives the property named
    last in ``path``."""
    prop = MODEL.node(label).prop(str(path[-1]))
    return v.plausible(value, path, prop.earliest, prop.latest, dt.date.today())


def checked_list(value: Any, path: Path, label: str, problems: list[Problem]) -> list[Any] | None:
    """``value`` when it is a list within the model's maximum for the field named last in
    ``path``; otherwise None, with the problem added."""
    if value is None:
        return None
    if not isinstance(value, list):
        problems.append(Problem(path, codes.INVALID_VALUE, f"{path[-1]} must be a list"))
        return None
    too_many = v.at_most(value, path, MODEL.list_maximum(label, str(path[-1])))
    if too_many is not None:
        problems.append(too_many)
        return None
    return value


def choice(value: Any, allowed: type[Enum], path: Path) -> str | Problem:
    """The value of one of an enum's members (files are not checked by GraphQL)."""
    plain = str(getattr(value, "value", value))
    if plain not in allowed.__members__:
        options = ", ".join(allowed.__members__)
        return Problem(path, codes.INVALID_VALUE, f"{plain!r} is not one of {options}")
    return plain


def _natural(label: str | None, name: str, value: str) -> str:
    """A natural key's value as the records keep it."""
    kept = identifiers.kept(_form_of(label, name), value.strip())
    return kept if isinstance(kept, str) else value.strip()


@functools.cache
def _form_of(label: str | None, name: str) -> Form | None:
    """The form of ``label``'s property ``name``; None for a property it does not have."""
    if label is None or name not in MODEL.node(label).property_names:
        return None
    return MODEL.node(label).prop(name).form


def reference(label: str | None, data: Data | None, path: Path, **extra: str) -> Ref | None:
    """A reference input ({id}, {vin}, {number} or {source}) as a Ref placeholder."""
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("source") or {}, dict):
        return Ref(label=label, path=path)  # no way given: reported as INVALID_REFERENCE
    natural = tuple(
        (name, _natural(label, name, str(value)))
        for name, value in data.items()
        if name not in ("id", "source") and value is not None
    )
    source = data.get("source") or {}
    system, key = source.get("system"), source.get("key")
    return Ref(
        label=label,
        path=path,
        id=data.get("id"),
        natural=natural,
        # A source reference lacking system or key counts as a way given; the missing
        # part makes it match nothing, which reports NOT_FOUND with the path.
        system=str(system or "").strip().upper() if source else None,
        key=str(key or "").strip() if source else None,
        extra=tuple(extra.items()),
    )


def partner(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("BusinessPartner", data, path)
    source = c.source()
    c.declared()
    kind = c.values.get("kind")
    if kind == "PERSON" and not c.values.get("lastName") and not c.reported("lastName"):
        c.problems.append(Problem((*path, "lastName"), codes.REQUIRED, "a person needs a lastName"))
    if (
        kind in ("ORGANIZATION", "GROUP")
        and not c.values.get("organizationName")
        and not c.reported("organizationName")
    ):
        c.problems.append(
            Problem(
                (*path, "organizationName"),
                codes.REQUIRED,
                f"an {kind.lower()} needs an organizationName",
            )
        )
    for address in _children(c, "addresses", "Address"):
        where = ("street", "postalCode", "city")
        if not any(address.values.get(k) or address.reported(k) for k in where):
            message = "an address needs a street, a postal code or a city"
            c.problems.append(Problem(address.path, codes.REQUIRED, message))
    _relationships(c)
    return c.delivery(source)


_RELATED = {
    prop.name: prop
    for rel in MODEL.relationships
    if rel.type == "RELATED_TO"
    for prop in rel.properties
}


def _relationships(c: _Collector) -> None:
    """A partner's relationships to others, as references carrying their type and validity."""
    given = c.listed("relationships")
    if given is None:
        return
    refs: list[Ref | None] = []
    seen: set[str] = set()
    for i, item in enumerate(given):
        path = (*c.path, "relationships", i)
        if not isinstance(item, dict):
            c.problems.append(
                Problem(path, codes.INVALID_VALUE, "a relationship must be an object")
            )
            continue
        found = len(c.problems)
        kind: str | Problem = Problem((*path, "type"), codes.REQUIRED, "type is required")
        if item.get("type") is not None:
            kind = choice(item["type"], e.PartnerRelationshipType, (*path, "type"))
        if isinstance(kind, Problem):
            c.problems.append(kind)
        else:
            c.check(_fits_its_kind(kind, c.values.get("kind"), (*path, "type")))
            # One partner may be related twice in one way, for two periods.
            period = [item.get("validFrom"), item.get("validTo")]
            named = json.dumps([kind, item.get("partner"), period], sort_keys=True, default=str)
            if named in seen:
                message = f"the same {kind} relationship, for the same time, is listed before"
                c.problems.append(Problem(path, codes.DUPLICATE, message))
            seen.add(named)
        if item.get("partner") is None:
            c.problems.append(Problem((*path, "partner"), codes.REQUIRED, "partner is required"))
        dates = {
            name: _relationship_date(item.get(name), (*path, name), c)
            for name in ("validFrom", "validTo")
        }
        start, end = dates["validFrom"], dates["validTo"]
        if start is not None and end is not None:
            c.check(v.date_order(start, end, (*path, "validTo"), "validFrom", "validTo"))
        if len(c.problems) > found or isinstance(kind, Problem):
            continue
        given_dates = {k: d.isoformat() for k, d in dates.items() if d is not None}
        refs.append(
            reference(
                "BusinessPartner", item["partner"], (*path, "partner"), type=kind, **given_dates
            )
        )
    c.values["relationships"] = refs


def _fits_its_kind(relationship: str, kind: object, path: Path) -> Problem | None:
    """A contact person is a person; a subsidiary is an organisation or a group."""
    if relationship == "CONTACT_PERSON_OF" and kind not in (None, "PERSON"):
        return Problem(path, codes.INVALID_VALUE, "only a person is a contact person of a partner")
    if relationship == "SUBSIDIARY_OF" and kind == "PERSON":
        return Problem(path, codes.INVALID_VALUE, "a person is no subsidiary of a partner")
    return None


def _relationship_date(value: Any, path: Path, c: _Collector) -> dt.date | None:
    if value is None:
        return None
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        c.problems.append(Problem(path, codes.INVALID_VALUE, f"{value!r} is not a date"))
        return None
    prop = _RELATED[str(path[-1])]
    problem = v.plausible(day, path, prop.earliest, prop.latest, dt.date.today())
    if problem is not None:
        c.problems.append(problem)
        return None
    return day


def _children(c: _Collector, name: str, label: str) -> list[_Collector]:
    """The checked children of the list ``name`` (each a ``label``); their problems are
    the parent's."""
    given = c.listed(name)
    if given is None:
        return []
    children = []
    for i, data in enumerate(given):
        path = (*c.path, name, i)
        if not isinstance(data, dict):
            c.problems.append(Problem(path, codes.INVALID_VALUE, "each item must be an object"))
            continue
        child = _Collector(label, data, path)
        child.declared()
        c.problems.extend(child.problems)
        children.append(child)
    c.values[name] = [child.values for child in children]
    return children


def vehicle(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("Vehicle", data, path)
    source = c.source()
    c.declared()
    c.references()
    return c.delivery(source)


def material(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("Material", data, path)
    source = c.source()
    c.declared()
    seen: set[str] = set()
    for description in _children(c, "descriptions", "MaterialDescription"):
        language = description.values.get("language")
        if language is None:
            continue
        if language in seen:
            c.problems.append(
                Problem(
                    (*description.path, "language"),
                    codes.DUPLICATE,
                    f"a description in {language!r} is given twice",
                )
            )
        seen.add(language)
    for price in _children(c, "prices", "MaterialPrice"):
        c.check(price.order("validFrom", "validTo"))
    return c.delivery(source)


def contract(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("Contract", data, path)
    source = c.source()
    c.declared()
    c.check(c.order("startDate", "endDate"))
    c.check(_expired_by_its_end(c.values, path))
    c.parties("parties", e.ContractPartyRole)
    c.check(_one_lessee(data.get("parties"), (*path, "parties")))
    items = c.listed("items")
    if items is not None:
        c.values["items"] = _items(items, (*path, "items"), c)
    return c.delivery(source)


def _expired_by_its_end(values: Data, path: Path) -> Problem | None:
    """A contract delivered as EXPIRED has ended: one whose end is still to come is not."""
    end = values.get("endDate")
    if values.get("status") != e.ContractStatus.EXPIRED.value or end is None:
        return None
    if dt.date.fromisoformat(end) < dt.datetime.now(dt.UTC).date():
        return None
    return Problem(
        (*path, "status"),
        codes.INVALID_VALUE,
        f"EXPIRED, but the contract runs to {end}: deliver ACTIVE (it reads EXPIRED after its "
        "end date), or the end date it has",
    )


def _one_lessee(parties: Any, path: Path) -> Problem | None:
    """A contract is leased to one lessee at a time (another takes over by LCOO)."""
    given = parties if isinstance(parties, list) else []
    lessees = [
        i
        for i, p in enumerate(given)
        if isinstance(p, dict) and str(getattr(p.get("role"), "value", p.get("role"))) == "LESSEE"
    ]
    if len(lessees) < 2:
        return None
    return Problem(
        (*path, lessees[1], "role"),
        codes.INVALID_VALUE,
        "a contract has one LESSEE; a new lessee takes over by the change process LCOO",
    )


def _party(party: Any, path: Path, c: _Collector, roles: type[Enum]) -> Ref | None:
    if not isinstance(party, dict):
        c.problems.append(Problem(path, codes.INVALID_VALUE, "a party must be an object"))
        return None
    role = choice(party.get("role"), roles, (*path, "role"))
    if isinstance(role, Problem):
        c.problems.append(role)
        return None
    return reference("BusinessPartner", party.get("partner"), (*path, "partner"), role=role)


def _items(items: list[Data], path: Path, c: _Collector) -> list[dict[str, Any]]:
    result = []
    seen: set[str] = set()
    positions: list[int] = []  # each result's place in the input, for its problems' paths
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            c.problems.append(Problem((*path, i), codes.INVALID_VALUE, "an item must be an object"))
            continue
        checked = _Collector("ContractItem", item, (*path, i))
        checked.declared()
        checked.check(within_contract(checked.values.get("endDate"), c.values, (*path, i)))
        c.problems.extend(checked.problems)
        uiid = checked.values.get("uiid")
        if uiid is None:
            continue
        if uiid in seen:
            c.problems.append(
                Problem((*path, i, "uiid"), codes.DUPLICATE, f"item {uiid} is listed twice")
            )
        seen.add(uiid)
        positions.append(i)
        result.append(
            {
                "uiid": uiid,
                "kind": checked.values.get("kind"),
                "product": checked.values.get("product"),
                "referenceItem": checked.values.get("referenceItem"),
                "endDate": checked.values.get("endDate"),
                "singleServices": _services(item, (*path, i, "singleServices"), c),
                # None when not given: a service item then covers its reference item's.
                "coveredVehicles": None
                if item.get("coveredVehicles") is None
                else [
                    reference("Vehicle", ref, (*path, i, "coveredVehicles", j))
                    for j, ref in enumerate(
                        _item_list(item, (*path, i, "coveredVehicles"), c) or []
                    )
                ],
            }
        )
    for i, made in zip(positions, result, strict=True):
        named = made["referenceItem"]
        if named is not None and (named not in seen or named == made["uiid"]):
            c.problems.append(
                Problem(
                    (*path, i, "referenceItem"),
                    codes.INVALID_REFERENCE,
                    f"{named} is not another item of this contract",
                )
            )
    return result


def within_contract(end: str | None, contract: dict[str, Any], path: Path) -> Problem | None:
    """A problem when an item's end date lies outside its contract's period."""
    start, last = contract.get("startDate"), contract.get("endDate")
    if end is None:
        return None
    if last is not None and end > last:
        message = f"an item ends at the latest with its contract ({last})"
        return Problem((*path, "endDate"), codes.INVALID_VALUE, message)
    if start is not None and end < start:
        message = f"an item cannot end before its contract starts ({start})"
        return Problem((*path, "endDate"), codes.INVALID_VALUE, message)
    return None


def single_services(item: Data, path: Path) -> tuple[list[dict[str, Any]], list[Problem]]:
    """An item's ``singleServices`` (``path`` ends with the field), checked as a delivery's."""
    c = _Collector("ContractItem", item, path[:-1])
    return _services(item, path, c), c.problems


def _item_list(item: Data, path: Path, c: _Collector) -> list[Any] | None:
    return checked_list(item.get(str(path[-1])), path, "ContractItem", c.problems)


def _services(item: Data, path: Path, c: _Collector) -> list[dict[str, Any]]:
    """An item's single services, each code once: an invoice line for a code is covered
    by the one service of that code."""
    services = []
    seen: dict[str, int] = {}
    for j, service in enumerate(_item_list(item, path, c) or []):
        if not isinstance(service, dict):
            c.problems.append(Problem((*path, j), codes.INVALID_VALUE, "not an object"))
            continue
        covered = v.coverage(service.get("coveragePercent"), (*path, j, "coveragePercent"))
        if isinstance(covered, Problem):
            c.problems.append(covered)
        code = v.text(service.get("code"), (*path, j, "code"), required=True)
        if isinstance(code, Problem):
            c.problems.append(code)
            code = None
        elif code is not None and code.upper() in seen:
            first = seen[code.upper()]
            message = f"the service {code!r} is listed twice (first at {first})"
            c.problems.append(Problem((*path, j, "code"), codes.DUPLICATE, message))
        elif code is not None:
            seen[code.upper()] = j
        services.append(
            {
                "code": code or "",
                "coveragePercent": service.get("coveragePercent"),
                **_terms(service, (*path, j), c),
            }
        )
    return services


MAX_QUANTITY_CAP = 1_000_000


def _terms(service: Data, path: Path, c: _Collector) -> dict[str, Any]:
    """A single service's inclusion and quantity cap, with their defaults; the keys of
    values not given are left out, so a delivery without them reads as before."""
    terms: dict[str, Any] = {}
    for name, allowed in (("inclusion", e.ServiceInclusion), ("capPeriod", e.QuotaPeriod)):
        if service.get(name) is not None:
            found = choice(service[name], allowed, (*path, name))
            if isinstance(found, Problem):
                c.problems.append(found)
            else:
                terms[name] = found
    cap = service.get("quantityCap")
    if cap is not None:
        number = cap if isinstance(cap, int | float) and not isinstance(cap, bool) else None
        if number is None or not 0 < number <= MAX_QUANTITY_CAP:
            c.problems.append(
                Problem(
                    (*path, "quantityCap"),
                    codes.INVALID_VALUE,
                    f"a quantity cap is a number above 0 and at most {MAX_QUANTITY_CAP:,}",
                )
            )
        else:
            terms["quantityCap"] = float(number)
            terms.setdefault("capPeriod", e.QuotaPeriod.CONTRACT_YEAR.value)
    elif "capPeriod" in terms:
        c.problems.append(
            Problem((*path, "capPeriod"), codes.REQUIRED, "a capPeriod needs a quantityCap")
        )
    return terms


def identification_object(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("IdentificationObject", data, path)
    source = c.source()
    c.declared()
    c.check(c.order("validFrom", "validTo"))
    if c.values.get("status") == e.IdentificationStatus.EXPIRED.value:
        message = "a delivery says ACTIVE or BLOCKED; EXPIRED follows from validTo"
        c.problems.append(Problem((*path, "status"), codes.INVALID_VALUE, message))
    blocked = e.IdentificationStatus.BLOCKED.value
    if (
        c.values.get("blockedReason")
        and c.values.get("status") != blocked
        and not c.reported("status")
    ):
        # Stored, a reason without the status would be dropped: the status says it.
        message = "blockedReason is given together with status: BLOCKED"
        c.problems.append(Problem((*path, "blockedReason"), codes.INVALID_VALUE, message))
    c.references()
    _issued_for(c)
    return c.delivery(source)


def item_uiid(item: Any, path: Path, problems: list[Problem]) -> str | None:
    """The UIID an item reference (``{uiid}`` at ``path``) names; None when none is given,
    and a problem when it is given without one."""
    if item is None:
        return None
    uiid = str(item.get("uiid") or "").strip() if isinstance(item, dict) else ""
    if not uiid:
        problems.append(Problem((*path, "uiid"), codes.REQUIRED, "name the item's UIID"))
    return uiid or None


def _issued_for(c: _Collector) -> None:
    """The item (``{uiid}``) an identification object is issued under: kept by its UIID,
    and its contract looked up through it."""
    path = (*c.path, "item")
    uiid = item_uiid(c.data.get("item"), path, c.problems)
    if uiid is None:
        return
    c.values["itemUiid"] = uiid
    c.values[ITEM_CONTRACT] = Ref(
        "Contract", path, natural=(("uiid", uiid),), through="ContractItem"
    )


def document(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("Document", data, path)
    source = c.source()
    c.declared()
    c.references()
    for name in ("fileSha256", "fileSize", "fileMediaType", "fileName"):
        if data.get(name) is not None:
            c.values[name] = data[name]
    return c.delivery(source)


def project(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("Project", data, path)
    source = c.source()
    c.declared()
    c.check(c.order("startDate", "endDate"))
    c.parties("partners", e.ProjectPartnerRole)
    c.references()
    return c.delivery(source)


BUILDERS: dict[str, Callable[[Data, Path], Built]] = {
    "BusinessPartner": partner,
    "Material": material,
    "Vehicle": vehicle,
    "Contract": contract,
    "IdentificationObject": identification_object,
    "Document": document,
    "Project": project,
}


_YES = frozenset({"true", "x", "1", "yes"})


def from_row(label: str, row: dict[str, Any]) -> tuple[Delivery | None, list[Problem]]:
    """The delivery a row describes: a deletion when its ``deleted`` flag is set (only its
    source is read then), else the kind's delivery of its values."""
    flag = row.get("deleted")
    if flag is True or str(flag).strip().lower() in _YES:
        source = row.get("source") or {}
        system = str(source.get("system") or "").strip()
        key = str(source.get("key") or "").strip()
        problems = v.source_key(system, key, ("source",))
        if problems:
            return None, problems
        return Delivery(system.upper(), key, {}, ("source",), deleted=True), []
    values = {name: value for name, value in row.items() if name != "deleted"}
    return BUILDERS[label](values, ())


def with_system(value: Any, system: str) -> Any:
    """Every ``source`` without a system, the row's own and its references', is the loading
    system's."""
    if isinstance(value, dict):
        source = value.get("source")
        if isinstance(source, dict):
            source.setdefault("system", system)
        for item in value.values():
            with_system(item, system)
    elif isinstance(value, list):
        for item in value:
            with_system(item, system)
    return value
