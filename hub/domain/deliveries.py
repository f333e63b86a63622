"""Turn an input (a plain dict shaped like the GraphQL input, as the API and the loaders
produce it) into a validated :class:`Delivery`, or the problems that prevent it.

Values are normalised here (VIN upper case, country codes, phone and e-mail forms, dates as
ISO text) so that the same fact delivered in two spellings compares equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum
from typing import Any

from graph_schema import MODEL
from graph_schema import enums as e
from hub.domain import problems as codes
from hub.domain import validation as v
from hub.domain.problems import Path, Problem
from hub.domain.references import Ref
from hub.domain.upsert import Delivery

Data = dict[str, Any]
Built = tuple[Delivery | None, list[Problem]]


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
        result = self.take(v.text(self.data.get(name), (*self.path, name), required=required), name)
        return result if isinstance(result, str) else None

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


def reference(label: str | None, data: Data | None, path: Path, **extra: str) -> Ref | None:
    """A reference input ({id}, {vin}, {number} or {source}) as a Ref placeholder."""
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("source") or {}, dict):
        return Ref(label=label, path=path)  # no way given: reported as INVALID_REFERENCE
    natural = tuple(
        (name, str(value).strip().upper() if name == "vin" else str(value).strip())
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
    kind = c.enum("kind", e.PartnerKind, required=True)
    c.text("firstName")
    last = c.text("lastName")
    organization = c.text("organizationName")
    reported = {p.path[-1] for p in c.problems}
    if kind == "PERSON" and not last and "lastName" not in reported:
        c.problems.append(Problem((*path, "lastName"), codes.REQUIRED, "a person needs a lastName"))
    if (
        kind in ("ORGANIZATION", "GROUP")
        and not organization
        and "organizationName" not in reported
    ):
        c.problems.append(
            Problem(
                (*path, "organizationName"),
                codes.REQUIRED,
                f"an {kind.lower()} needs an organizationName",
            )
        )
    c.date("birthDate")
    c.text("taxNumber")
    c.take(v.email(data.get("email"), (*path, "email")), "email")
    c.take(v.phone(data.get("phone"), (*path, "phone")), "phone")
    roles = c.listed("roles")
    if roles is not None:
        chosen = [choice(r, e.PartnerRole, (*path, "roles", i)) for i, r in enumerate(roles)]
        c.problems.extend(x for x in chosen if isinstance(x, Problem))
        c.values["roles"] = sorted({x for x in chosen if isinstance(x, str)})
    addresses = c.listed("addresses")
    if addresses is not None:
        c.values["addresses"] = [
            _address(item, (*path, "addresses", i), c) for i, item in enumerate(addresses)
        ]
    return c.delivery(source)


def _address(data: Data, path: Path, c: _Collector) -> dict[str, Any]:
    address: dict[str, Any] = {}
    if not isinstance(data, dict):
        c.problems.append(Problem(path, codes.INVALID_VALUE, "an address must be an object"))
        return address
    for name in ("street", "houseNumber", "postalCode", "city"):
        result = v.text(data.get(name), (*path, name))
        if isinstance(result, Problem):
            c.problems.append(result)
        elif result is not None:
            address[name] = result
    country = v.country(data.get("country"), (*path, "country"))
    if isinstance(country, Problem):
        c.problems.append(country)
    elif country is not None:
        address["country"] = country
    return address


def vehicle(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("Vehicle", data, path)
    source = c.source()
    c.take(v.vin(data.get("vin"), (*path, "vin")), "vin")
    c.text("make")
    c.text("model")
    year = data.get("modelYear")
    c.check(v.in_range(year, (*path, "modelYear"), 1886, dt.date.today().year + 2))
    if year is not None:
        c.values["modelYear"] = year
    configuration = c.listed("configuration")
    if configuration is not None:
        codes_given = [v.text(x, (*path, "configuration", i)) for i, x in enumerate(configuration)]
        c.problems.extend(x for x in codes_given if isinstance(x, Problem))
        c.values["configuration"] = sorted({x for x in codes_given if isinstance(x, str)})
    c.values["owner"] = reference("BusinessPartner", data.get("owner"), (*path, "owner"))
    c.values["dealer"] = reference("BusinessPartner", data.get("dealer"), (*path, "dealer"))
    return c.delivery(source)


def contract(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("Contract", data, path)
    source = c.source()
    c.text("number", required=True)
    c.enum("type", e.ContractType, required=True)
    c.enum("status", e.ContractStatus)
    start = c.date("startDate")
    end = c.date("endDate")
    c.check(v.date_order(start, end, (*path, "endDate"), "startDate", "endDate"))
    parties = c.listed("parties")
    if parties is not None:
        c.values["parties"] = [
            _party(party, (*path, "parties", i), c) for i, party in enumerate(parties)
        ]
    items = c.listed("items")
    if items is not None:
        c.values["items"] = _items(items, (*path, "items"), c)
    return c.delivery(source)


def _party(party: Any, path: Path, c: _Collector) -> Ref | None:
    if not isinstance(party, dict):
        c.problems.append(Problem(path, codes.INVALID_VALUE, "a party must be an object"))
        return None
    role = choice(party.get("role"), e.ContractPartyRole, (*path, "role"))
    if isinstance(role, Problem):
        c.problems.append(role)
        return None
    return reference("BusinessPartner", party.get("partner"), (*path, "partner"), role=role)


def _items(items: list[Data], path: Path, c: _Collector) -> list[dict[str, Any]]:
    result = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            c.problems.append(Problem((*path, i), codes.INVALID_VALUE, "an item must be an object"))
            continue
        kind = choice(item.get("kind"), e.ContractItemKind, (*path, i, "kind"))
        if isinstance(kind, Problem):
            c.problems.append(kind)
        uiid = v.text(item.get("uiid"), (*path, i, "uiid"), required=True)
        if isinstance(uiid, Problem):
            c.problems.append(uiid)
            continue
        if uiid in seen:
            c.problems.append(
                Problem((*path, i, "uiid"), codes.DUPLICATE, f"item {uiid} is listed twice")
            )
        seen.add(str(uiid))
        product = v.text(item.get("product"), (*path, i, "product"))
        if isinstance(product, Problem):
            c.problems.append(product)
            product = None
        result.append(
            {
                "uiid": uiid,
                "kind": kind,
                "product": product,
                "singleServices": _services(item, (*path, i, "singleServices"), c),
                "coveredVehicles": [
                    reference("Vehicle", ref, (*path, i, "coveredVehicles", j))
                    for j, ref in enumerate(
                        _item_list(item, (*path, i, "coveredVehicles"), c) or []
                    )
                ],
            }
        )
    return result


def _item_list(item: Data, path: Path, c: _Collector) -> list[Any] | None:
    return checked_list(item.get(str(path[-1])), path, "ContractItem", c.problems)


def _services(item: Data, path: Path, c: _Collector) -> list[dict[str, Any]]:
    services = []
    for j, service in enumerate(_item_list(item, path, c) or []):
        if not isinstance(service, dict):
            c.problems.append(Problem((*path, j), codes.INVALID_VALUE, "not an object"))
            continue
        covered = v.coverage(service.get("coveragePercent"), (*path, j, "coveragePercent"))
        if isinstance(covered, Problem):
            c.problems.append(covered)
        code = v.text(service.get("code"), (*path, j, "code"))
        if isinstance(code, Problem):
            c.problems.append(code)
            code = None
        services.append({"code": code or "", "coveragePercent": service.get("coveragePercent")})
    return services


def identification_object(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("IdentificationObject", data, path)
    source = c.source()
    c.enum("kind", e.IdentificationKind, required=True)
    number = c.text("number", required=True)
    if number:
        # Card numbers and plates are printed with spaces; the spaces carry no meaning.
        c.values["number"] = "".join(number.split()).upper()
    start = c.date("validFrom")
    end = c.date("validTo")
    c.check(v.date_order(start, end, (*path, "validTo"), "validFrom", "validTo"))
    c.values["vehicle"] = reference("Vehicle", data.get("vehicle"), (*path, "vehicle"))
    c.values["holder"] = reference("BusinessPartner", data.get("holder"), (*path, "holder"))
    c.values["contract"] = reference("Contract", data.get("contract"), (*path, "contract"))
    return c.delivery(source)


def document(data: Data, path: Path = ("input",)) -> Built:
    c = _Collector("Document", data, path)
    source = c.source()
    c.text("number", required=True)
    c.text("revision", required=True)
    c.enum("type", e.DocumentType, required=True)
    c.text("title")
    c.enum("releaseStatus", e.ReleaseStatus)
    about = c.listed("about")
    if about is not None:
        c.values["about"] = [
            reference(None, ref, (*path, "about", i)) for i, ref in enumerate(about)
        ]
    for name in ("fileSha256", "fileSize", "fileMediaType", "fileName"):
        if data.get(name) is not None:
            c.values[name] = data[name]
    return c.delivery(source)


BUILDERS: dict[str, Callable[[Data, Path], Built]] = {
    "BusinessPartner": partner,
    "Vehicle": vehicle,
    "Contract": contract,
    "IdentificationObject": identification_object,
    "Document": document,
}
