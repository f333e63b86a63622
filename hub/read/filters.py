"""``where`` arguments compiled to Cypher predicates with parameters.

A filter is a plain dict (GraphQL input converted, unset fields dropped). ``AND``, ``OR`` and
``NOT`` nest; every other key is a field of the type, handled by that type's table below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Filter = dict[str, Any]


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
            if key == "AND":
                parts.extend(f"({self.compile(label, item, var)})" for item in value)
            elif key == "OR":
                options = [f"({self.compile(label, item, var)})" for item in value]
                parts.append("(" + (" OR ".join(options) or "false") + ")")
            elif key == "NOT":
                parts.append(f"NOT ({self.compile(label, value, var)})")
            else:
                parts.append(FIELDS[label][key](self, var, value))
        return " AND ".join(parts) or "true"


def string_filter(prop: str) -> Callable[[Compiler, str, Filter], str]:
    def build(c: Compiler, var: str, f: Filter) -> str:
        parts: list[str] = []
        target = f"{var}.{prop}"
        if "eq" in f:
            parts.append(f"{target} = {c.param(f['eq'])}")
        if "in" in f:
            parts.append(f"{target} IN {c.param(list(f['in']))}")
        if "contains" in f:
            parts.append(f"{target} CONTAINS {c.param(f['contains'])}")
        if "startsWith" in f:
            parts.append(f"{target} STARTS WITH {c.param(f['startsWith'])}")
        return " AND ".join(parts) or "true"

    return build


def date_filter(prop: str) -> Callable[[Compiler, str, Filter], str]:
    operators = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

    def build(c: Compiler, var: str, f: Filter) -> str:
        parts = [f"{var}.{prop} {operators[op]} {c.param(v)}" for op, v in f.items()]
        return " AND ".join(parts) or "true"

    return build


def equals(prop: str) -> Callable[[Compiler, str, Any], str]:
    return lambda c, var, value: f"{var}.{prop} = {c.param(_plain(value))}"


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _address(prop: str) -> Callable[[Compiler, str, Filter], str]:
    inner = string_filter(prop)

    def build(c: Compiler, var: str, f: Filter) -> str:
        address = c.variable()
        return (
            f"EXISTS {{ MATCH ({var})-[:HAS_ADDRESS]->({address}:Address) "
            f"WHERE {inner(c, address, f)} }}"
        )

    return build


def _owns_vehicle(c: Compiler, var: str, f: Filter) -> str:
    vehicle = c.variable()
    return (
        f"EXISTS {{ MATCH ({var})-[:OWNS]->({vehicle}:Vehicle) "
        f"WHERE {c.compile('Vehicle', f, vehicle)} }}"
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


def _derived_status(
    expression: Callable[[str, str], str],
) -> Callable[[Compiler, str, Any], str]:
    return lambda c, var, value: f"{expression(var, '$today')} = {c.param(_plain(value))}"


FIELDS: dict[str, dict[str, Callable[[Compiler, str, Any], str]]] = {
    "BusinessPartner": {
        "name": string_filter("name"),
        "kind": equals("kind"),
        "role": _has_role,
        "city": _address("city"),
        "postalCode": _address("postalCode"),
        "ownsVehicle": _owns_vehicle,
        "taxNumber": string_filter("taxNumber"),
        "email": string_filter("email"),
    },
    "Vehicle": {
        "vin": string_filter("vin"),
        "make": string_filter("make"),
        "model": string_filter("model"),
        "modelYear": equals("modelYear"),
    },
    "Contract": {
        "number": string_filter("number"),
        "type": equals("type"),
        "status": _derived_status(contract_status_expression),
        "endDate": date_filter("endDate"),
        "startDate": date_filter("startDate"),
    },
    "IdentificationObject": {
        "kind": equals("kind"),
        "number": string_filter("number"),
        "status": _derived_status(identification_status_expression),
    },
    "Document": {
        "number": string_filter("number"),
        "type": equals("type"),
        "releaseStatus": equals("releaseStatus"),
        "title": string_filter("title"),
    },
}
