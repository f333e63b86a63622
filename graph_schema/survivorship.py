"""Which source supplies each value of a business partner's golden record.

For every attribute, among the sources that deliver a value for it:

1. a steward's override wins over every source, until it is removed;
2. then the most trusted system for that attribute (``TRUST``; systems not listed rank after
   those listed, all alike);
3. then the most recently received delivery;
4. then the most complete value (the longest).

``UNION`` attributes collect what every source says instead (a partner is a CUSTOMER in CRM
and a VENDOR in ERP).
"""

from __future__ import annotations

# ERP keeps the legal and fiscal data; CRM keeps the ways to reach a customer.
TRUST: dict[str, tuple[str, ...]] = {
    "taxNumber": ("ERP", "CRM"),
    "organizationName": ("ERP", "CRM"),
    "email": ("CRM", "ERP"),
    "phone": ("CRM", "ERP"),
    "addresses": ("CRM", "ERP"),
}
DEFAULT_TRUST: tuple[str, ...] = ("CRM", "ERP")

UNION = frozenset({"roles", "relationships"})

# Attributes a steward may override (the golden record's own values).
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
