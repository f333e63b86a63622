"""The domain's enums as GraphQL enums, registered once before any type uses them."""

from __future__ import annotations

import strawberry

from graph_schema import enums as e
from graph_schema.enums import (
    ContractChangeProcess,
    ContractItemKind,
    ContractPartyRole,
    ContractStatus,
    ContractType,
    DocumentType,
    IdentificationKind,
    IdentificationStatus,
    PartnerKind,
    PartnerRelationshipType,
    PartnerRole,
    ProjectPartnerRole,
    ProjectStatus,
    QuotaPeriod,
    RelationshipDirection,
    ReleaseStatus,
    ServiceInclusion,
    VehicleEventType,
)

strawberry.enum(e.PartnerKind, description="What kind of party a partner is.")
strawberry.enum(e.PartnerRole, description="A role a business partner plays.")
strawberry.enum(
    e.PartnerRelationshipType,
    description="How a partner relates to another: it is CONTACT_PERSON_OF, SUBSIDIARY_OF or "
    "DEALER_OF the other; the other is its SOLD_TO, SHIP_TO, BILL_TO or PAYER party.",
)
strawberry.enum(
    e.RelationshipDirection,
    description="OUTGOING: this partner is the relationship's subject (it is CONTACT_PERSON_OF "
    "the other, or has the other as SHIP_TO party); INCOMING: the other partner is.",
)
strawberry.enum(e.ProjectStatus, description="Where a project stands.")
strawberry.enum(e.ProjectPartnerRole, description="The part a partner plays in a project.")
strawberry.enum(e.VehicleEventType, description="Kinds of vehicle history.")
strawberry.enum(e.ContractType, description="Kinds of contract.")
strawberry.enum(
    e.ContractStatus,
    description="Life-cycle status. TERMINATED applies from the effective date of the "
    "termination; an active contract past its end date reads as EXPIRED.",
)
strawberry.enum(e.ContractPartyRole, description="Role of a contract party.")
strawberry.enum(e.ContractItemKind, description="Kinds of contract item.")
strawberry.enum(
    e.ServiceInclusion,
    description="How a single service belongs to its item: DEFAULT part of the product, "
    "MANDATORY part of it and never removed, OPTIONAL chosen by the lessee.",
)
strawberry.enum(
    e.QuotaPeriod,
    description="What a quantity cap counts over: CONTRACT_YEAR from each anniversary of the "
    "contract's start (calendar years without a start), CONTRACT its whole term.",
)
strawberry.enum(
    e.ContractChangeProcess,
    description="Change processes: LCOO change of lessee, ETER early termination with return, "
    "TERM termination with return, BLEX extension, CHOA change of sales-relevant attributes, "
    "LCOP change of other partners.",
)
strawberry.enum(e.IdentificationKind, description="Kinds of ID object.")
strawberry.enum(
    e.IdentificationStatus,
    description="ACTIVE, BLOCKED (with a reason), or EXPIRED once past validTo.",
)
strawberry.enum(e.DocumentType, description="Kinds of document.")
strawberry.enum(e.ReleaseStatus, description="Release status of a document.")

__all__ = [
    "ContractChangeProcess",
    "ContractItemKind",
    "ContractPartyRole",
    "ContractStatus",
    "ContractType",
    "DocumentType",
    "IdentificationKind",
    "IdentificationStatus",
    "PartnerKind",
    "PartnerRelationshipType",
    "PartnerRole",
    "ProjectPartnerRole",
    "ProjectStatus",
    "QuotaPeriod",
    "RelationshipDirection",
    "ReleaseStatus",
    "ServiceInclusion",
    "VehicleEventType",
]
