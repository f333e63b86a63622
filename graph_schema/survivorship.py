"""Which source supplies each value of a golden record.

For every attribute, among the sources that deliver a value for it:

1. a steward's override wins over every source, until it is removed;
2. a placeholder (``Rules.placeholders``, of ``PLACEHOLDER_DATES``: a birth date of
   1900-01-01 that a mandatory field made somebody type) ranks after every real value,
   whichever system sent it;
3. then the most trusted system for that attribute (``Rules.trust`` of the record's kind,
   else its ``Rules.default``; systems not listed rank after those listed, all alike);
4. then the most recently received delivery;
5. then the most complete value (the longest).

A text value exactly as long as a field limit (``CUT_LENGTHS``: ERP systems cut names at 35
or 40 characters) that another source's value continues (the same letters, whatever their
case or umlaut spelling, and more after them) was cut short: the longer value stands in for
it, wherever it ranks. A shorter name a source chose stays its choice.

``Rules.union`` attributes collect what every source says instead (a partner is a CUSTOMER in CRM
and a VENDOR in ERP).

Business partners, vehicles, materials, documents and projects survive this way. Contracts
and identification objects take each value from the latest delivery, because change
processes (a termination, a blocked card) set values no source delivers; their lineage still
shows what each source said.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CUT_LENGTHS = frozenset({35, 40})  # see the module docstring

# Dates systems put in a mandatory date field when nobody knows it: the first of January of
# 1900, 1901 or 1970, and the ends of the calendar. Matching reads them as no date at all.
PLACEHOLDER_DATES = frozenset(
    {"1900-01-01", "1901-01-01", "1970-01-01", "1899-12-31", "9999-12-31"}
)


@dataclass(frozen=True)
class Rules:
    """The survivorship of one kind: trust per attribute, the default, the union lists."""

    default: tuple[str, ...] = ()
    trust: dict[str, tuple[str, ...]] = field(default_factory=dict)
    union: frozenset[str] = frozenset()
    # Attributes that come from one source together: the one that supplies the first.
    together: tuple[tuple[str, ...], ...] = ()
    # Attributes whose placeholder values (by attribute) say nothing: see the docstring.
    placeholders: dict[str, frozenset[str]] = field(default_factory=dict)

    def order(self, attribute: str) -> tuple[str, ...]:
        return self.trust.get(attribute, self.default)


RULES: dict[str, Rules] = {
    # ERP keeps the legal and fiscal data; CRM keeps the ways to reach a customer.
    "BusinessPartner": Rules(
        default=("CRM", "ERP"),
        trust={
            "taxNumber": ("ERP", "CRM"),
            "organizationName": ("ERP", "CRM"),
            "email": ("CRM", "ERP"),
            "phone": ("CRM", "ERP"),
            "addresses": ("CRM", "ERP"),
        },
        union=frozenset({"roles", "relationships"}),
        placeholders={"birthDate": PLACEHOLDER_DATES},
    ),
    # The vehicle management system knows the vehicle; CRM who owns it and who sold it; ERP
    # the material it was sold as.
    "Vehicle": Rules(
        default=("VMS", "PDM", "CRM", "ERP"),
        trust={
            "owner": ("CRM", "ERP", "VMS"),
            "dealer": ("CRM", "ERP", "VMS"),
            "material": ("ERP", "VMS"),
        },
    ),
    "Material": Rules(default=("ERP",)),
    # A file's hash, size, type and name describe one file: all from one source.
    "Document": Rules(
        default=("PDM",), together=(("fileSha256", "fileSize", "fileMediaType", "fileName"),)
    ),
    # PDM runs the project and keeps its documents; CRM knows the customer and the dealer.
    "Project": Rules(default=("PDM", "CRM"), trust={"partners": ("CRM", "PDM")}),
}
# Latest delivery first: the kinds whose values do not survive by trust.
LATEST = Rules()

SURVIVING = frozenset(RULES)


def rules_of(label: str) -> Rules:
    return RULES.get(label, LATEST)


# Attributes a steward may override (a partner's own values).
ATTRIBUTES = (
    "kind",
    "firstName",
    "lastName",
    "organizationName",
    "birthDate",
    "taxNumber",
    "email",
    "phone",
    "roles",
    "addresses",
)
