"""The spelling the hub keeps identifying numbers in: one for the ways sources print them, so
that a vehicle, a material, a card or a plate is found whatever case, spacing or padding a
delivery, an invoice, a lookup or a filter gives."""

from __future__ import annotations

import re

# Spaces, hyphens, dots and slashes: how sources print a number, not part of it.
_SEPARATORS = re.compile(r"[\s\-./·]+")


def printed_code(value: str) -> str:
    """A card's, tag's or plate's number as the hub keeps it: upper case, without the
    separators sources print it with (``7005-9999 0001`` is ``700599990001``, ``m-ab 1234``
    and ``M AB1234`` are ``MAB1234``). A German plate's split between district and letters
    goes with them: ``M-AB 1`` and ``MA-B 1`` are one number, as they are on most invoices."""
    return _SEPARATORS.sub("", value.strip().upper())


def vin(value: str) -> str:
    """A VIN as kept: capital letters, no surrounding spaces."""
    return value.strip().upper()


def material_number(value: str) -> str:
    """An SAP material number (MATNR) as SAP shows it: an all-digit one without the leading
    zeros SAP pads it with in its tables and IDocs, so 000000000009000001 is 9000001."""
    number = value.strip()
    return number.lstrip("0") or "0" if number.isdigit() else number
