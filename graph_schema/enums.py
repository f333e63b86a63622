"""The closed vocabularies of the domain. The API exposes them as GraphQL enums."""

from __future__ import annotations

from enum import Enum


class PartnerKind(Enum):
    PERSON = "PERSON"
    ORGANIZATION = "ORGANIZATION"
    GROUP = "GROUP"


class PartnerRole(Enum):
    CUSTOMER = "CUSTOMER"
    VENDOR = "VENDOR"
    DEALER = "DEALER"
    LESSEE = "LESSEE"
    END_CUSTOMER = "END_CUSTOMER"
    SERVICE_PROVIDER = "SERVICE_PROVIDER"
    CARD_HOLDER = "CARD_HOLDER"


class PartnerRelationshipType(Enum):
    """How one partner relates to another: read "A is CONTACT_PERSON_OF B", "A is
    SUBSIDIARY_OF B", "A is DEALER_OF B"; the partner functions read "B is the SOLD_TO (SHIP_TO,
    BILL_TO, PAYER) party of A"."""

    CONTACT_PERSON_OF = "CONTACT_PERSON_OF"
    SUBSIDIARY_OF = "SUBSIDIARY_OF"
    DEALER_OF = "DEALER_OF"
    SOLD_TO = "SOLD_TO"
    SHIP_TO = "SHIP_TO"
    BILL_TO = "BILL_TO"
    PAYER = "PAYER"


class ProjectStatus(Enum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    ON_HOLD = "ON_HOLD"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class ProjectPartnerRole(Enum):
    CUSTOMER = "CUSTOMER"
    DEALER = "DEALER"
    SUPPLIER = "SUPPLIER"
    PROJECT_LEAD = "PROJECT_LEAD"
    CONTACT = "CONTACT"


class RelationshipDirection(Enum):
    OUTGOING = "OUTGOING"
    INCOMING = "INCOMING"


class VehicleEventType(Enum):
    PRODUCED = "PRODUCED"
    SOLD = "SOLD"
    DELIVERED = "DELIVERED"
    SERVICED = "SERVICED"
    OWNERSHIP_CHANGED = "OWNERSHIP_CHANGED"
    REGISTERED = "REGISTERED"
    DEREGISTERED = "DEREGISTERED"


class ContractType(Enum):
    LEASING = "LEASING"
    SERVICE = "SERVICE"
    FINANCING = "FINANCING"


class ContractStatus(Enum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    TERMINATED = "TERMINATED"
    EXPIRED = "EXPIRED"


class ContractPartyRole(Enum):
    LESSEE = "LESSEE"
    GUARANTOR = "GUARANTOR"
    PAYER = "PAYER"
    DRIVER = "DRIVER"


class ContractItemKind(Enum):
    FINANCING = "FINANCING"
    SERVICE = "SERVICE"


class ServiceInclusion(Enum):
    DEFAULT = "DEFAULT"  # part of the product unless changed
    MANDATORY = "MANDATORY"  # part of the product; no change process removes it
    OPTIONAL = "OPTIONAL"  # chosen by the lessee; a change process may add or remove it


class QuotaPeriod(Enum):
    CONTRACT_YEAR = "CONTRACT_YEAR"  # from each anniversary of the contract's start
    CONTRACT = "CONTRACT"  # the contract's whole term


class ContractChangeProcess(Enum):
    LCOO = "LCOO"  # change of lessee
    ETER = "ETER"  # early termination with return
    TERM = "TERM"  # termination with return
    BLEX = "BLEX"  # extension
    CHOA = "CHOA"  # change of sales-relevant attributes
    LCOP = "LCOP"  # change of other partners


class IdentificationKind(Enum):
    FUEL_CARD = "FUEL_CARD"
    SERVICE_CARD = "SERVICE_CARD"
    LICENSE_PLATE = "LICENSE_PLATE"
    TOLL_TAG = "TOLL_TAG"


class IdentificationStatus(Enum):
    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"


class DocumentType(Enum):
    TECHNICAL_OFFER = "TECHNICAL_OFFER"
    CUSTOMER_INQUIRY = "CUSTOMER_INQUIRY"
    CONFIGURATION = "CONFIGURATION"
    COMPLAINT = "COMPLAINT"
    CONTRACT = "CONTRACT"
    DRAWING = "DRAWING"
    OTHER = "OTHER"


class ReleaseStatus(Enum):
    IN_WORK = "IN_WORK"
    RELEASED = "RELEASED"
    OBSOLETE = "OBSOLETE"
