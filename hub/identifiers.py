"""The spelling the hub keeps identifying numbers in: one for the ways sources print them, so
that a vehicle, a material, a card or a plate is found whatever case, spacing or padding a
delivery, an invoice, a lookup or a filter gives."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from graph_schema import Form

# Dots, slashes and the middle dot of Chinese plates; every kind of space and dash besides.
_SEPARATORS = frozenset("./·")


def printed_code(value: str) -> str:
    """A card's, tag's or plate's number as the hub keeps it: upper case, without the
    separators sources print it with (``7005-9999 0001``, and the same with en dashes, is
    ``700599990001``, ``m-ab 1234`` and ``M AB1234`` are ``MAB1234``). A German plate's
    split between district and letters goes with them: ``M-AB 1`` and ``MA-B 1`` are one
    number, as they are on most invoices. Empty when the value is nothing but separators."""
    # NFKC first: full-width digits and letters are the plain ones.
    plain = unicodedata.normalize("NFKC", value).upper()
    return "".join(c for c in plain if not _separates(c))


def _separates(character: str) -> bool:
    category = unicodedata.category(character)
    return character in _SEPARATORS or character.isspace() or category in ("Pd", "Zs", "Cf")


def vin(value: str) -> str:
    """A VIN as kept: capital letters, no surrounding spaces."""
    return value.strip().upper()


def material_number(value: str) -> str:
    """An SAP material number (MATNR) as SAP shows it: upper case (SAP keeps it so), and an
    all-digit one without the leading zeros SAP pads it with in its tables and IDocs, so
    000000000009000001 is 9000001. Full-width digits and letters are the plain ones."""
    number = unicodedata.normalize("NFKC", value).strip().upper()
    return number.lstrip("0") or "0" if number.isascii() and number.isdigit() else number


_PHONE_SEPARATORS = re.compile(r"[\s()./-]")


def phone_digits(value: str) -> str:
    """A phone number, or part of one, without the separators it was written with."""
    return _PHONE_SEPARATORS.sub("", value.strip())


def phone_number(value: str) -> str:
    """A phone number as the hub keeps it: without separators, ``00`` as ``+``
    (``+49 (89) 123-45`` is ``+498912345``)."""
    compact = phone_digits(value)
    return "+" + compact[2:] if compact.startswith("00") else compact


def email_address(value: str) -> str:
    """An e-mail address as the hub keeps it: its domain in lower case (the part before
    the ``@`` may be case-sensitive, so it stays as given)."""
    local, at, domain = value.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if at else value.strip()


_KEPT: dict[Form, Callable[[str], str]] = {
    Form.VIN: vin,
    Form.CODE: printed_code,
    Form.MATERIAL: material_number,
    Form.PHONE: phone_number,
    Form.EMAIL: email_address,
}


def kept(form: Form | None, value: object) -> object:
    """``value`` in the spelling the hub keeps values of ``form`` in; anything else as it is."""
    spell = _KEPT.get(form) if form is not None else None
    return spell(value) if spell is not None and isinstance(value, str) else value


def revision_order(revision: str) -> tuple[int, int, str]:
    """Numeric revisions sort by value ("2" before "10"), others by text ("A" before "B")."""
    stripped = revision.strip()
    if stripped.isascii() and stripped.isdigit():  # "²" is a digit int() does not read
        return (0, int(stripped), stripped)
    return (1, 0, stripped)
