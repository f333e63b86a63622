"""The spelling the hub keeps identifying numbers in: one for the ways sources print them, so
that a vehicle, a material, a card or a plate is found whatever case, spacing or padding a
delivery, an invoice, a lookup or a filter gives."""

from __future__ import annotations

import re

# A German plate: the district, then one or two letters and up to four digits (E: electric,
# H: historic). The separator after the district belongs to the plate ("M-AB 1" is not
# "MA-B 1"); the others are print.
_DISTRICT = re.compile(r"[A-ZÄÖÜ]{1,3}")
_REST = re.compile(r"[A-Z]{1,2}[0-9]{1,4}[EH]?")
_SEPARATORS = re.compile(r"[\s\-./]+")


def printed_code(value: str, kind: object = None) -> str:
    """An identification object's number as the hub keeps it, in any case. A card's or a
    tag's separators (spaces, hyphens, dots, slashes) carry no meaning. A licence plate
    keeps the one after a German plate's district, written as a hyphen, whichever the
    source printed (``M AB 1234`` and ``m-ab1234`` are ``M-AB1234``); another plate loses
    only its spaces."""
    upper = value.strip().upper()
    if getattr(kind, "value", kind) != "LICENSE_PLATE":
        return _SEPARATORS.sub("", upper)
    parts = [p for p in re.split(r"[\s\-]+", upper) if p]
    if len(parts) >= 2 and _DISTRICT.fullmatch(parts[0]) and _REST.fullmatch("".join(parts[1:])):
        rest = "".join(parts[1:])
        if len(parts) == 2 or parts[1].isalpha():
            return f"{parts[0]}-{rest}"
    return "".join(upper.split())


def vin(value: str) -> str:
    """A VIN as kept: capital letters, no surrounding spaces."""
    return value.strip().upper()


def material_number(value: str) -> str:
    """An SAP material number (MATNR) as SAP shows it: an all-digit one without the leading
    zeros SAP pads it with in its tables and IDocs, so 000000000009000001 is 9000001."""
    number = value.strip()
    return number.lstrip("0") or "0" if number.isdigit() else number
