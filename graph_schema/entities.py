"""The master-data model of the hub, declared once.

Golden records (partners, vehicles, contracts, identification objects, documents) carry a hub
``id``, a ``version`` that grows with every real change, and creation/update times. What each
source system delivered is kept as a ``SourceRecord`` linked to the golden record it feeds.
"""

from __future__ import annotations

from graph_schema.enums import (
    ContractItemKind,
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
    ReleaseStatus,
    VehicleEventType,
)
from graph_schema.model import (
    Cardinality,
    Form,
    Model,
    NodeType,
    Property,
    PropertyType,
    Relationship,
    Side,
)

S = PropertyType.STRING
I = PropertyType.INTEGER  # noqa: E741 - a type alias, read beside S and D
D = PropertyType.DATE
DT = PropertyType.DATETIME
SL = PropertyType.STRING_LIST
F = PropertyType.FLOAT
B = PropertyType.BOOLEAN
ONE = Cardinality.ONE
MANY = Cardinality.MANY

# Plausible dates: earlier or later values are typing errors or placeholders, refused on entry.
EARLIEST_BIRTH = "1900-01-01"
FIRST_CAR = "1886-01-01"
FIRST_DAY = "1900-01-01"
LAST_DAY = "2199-12-31"

_GOLDEN = (
    Property(
        "id",
        S,
        "Opaque hub identifier, stable for the life of the record.",
        required=True,
        writable=False,
    ),
    Property(
        "state",
        S,
        "The record's values as canonical JSON, which a delivery is compared with.",
        internal=True,
    ),
    Property(
        "version",
        I,
        "Grows by one with every change that alters a value.",
        required=True,
        writable=False,
    ),
    Property(
        "createdAt",
        DT,
        "When the hub first created the record.",
        required=True,
        writable=False,
        filterable=True,
        sortable=True,
    ),
    Property(
        "updatedAt",
        DT,
        "When a value of the record last changed.",
        required=True,
        writable=False,
        filterable=True,
        sortable=True,
    ),
    Property(
        "lockedAt",
        DT,
        "When a steward's decision, a deletion, an erasure, a change process or an invoice "
        "check last locked it against other writers.",
        internal=True,
    ),
    Property(
        "logged",
        SL,
        "Ids of its change events, oldest first: where its history is read from.",
        internal=True,
    ),
    Property(
        "deletedAt",
        DT,
        "When the last source system that held the record deleted it; null while a source "
        "holds it. Lists leave deleted records out unless their filter names deletedAt.",
        writable=False,
        filterable=True,
    ),
)


def _golden(
    label: str,
    description: str,
    properties: tuple[Property, ...],
    natural_key: tuple[str, ...] = (),
    indexes: tuple[tuple[str, ...], ...] = (),
) -> NodeType:
    return NodeType(label, description, _GOLDEN + properties, natural_key, indexes)


BUSINESS_PARTNER = _golden(
    "BusinessPartner",
    "A person, organisation or group that plays roles such as customer, vendor or dealer.",
    (
        Property(
            "kind",
            S,
            "PERSON, ORGANIZATION or GROUP.",
            required=True,
            indexed=True,
            filterable=True,
            values=PartnerKind,
            facet=True,
        ),
        Property(
            "name",
            S,
            "Organisation name, or 'first last' for a person.",
            writable=False,
            indexed=True,
            filterable=True,
            searchable=True,
            collated=True,
            sortable=True,
        ),
        Property("firstName", S, "Given name of a person.", filterable=True, searchable=True),
        Property("lastName", S, "Family name of a person.", filterable=True, searchable=True),
        Property(
            "organizationName",
            S,
            "Registered name of an organisation or group.",
            filterable=True,
            searchable=True,
        ),
        Property(
            "birthDate",
            D,
            "Date of birth of a person.",
            personal=True,
            filterable=True,
            earliest=EARLIEST_BIRTH,
            latest="today",
        ),
        Property(
            "taxNumber", S, "Tax or VAT number.", indexed=True, personal=True, filterable=True
        ),
        Property(
            "email",
            S,
            "Primary e-mail address.",
            personal=True,
            filterable=True,
            form=Form.EMAIL,
        ),
        Property(
            "phone", S, "Primary phone number.", personal=True, filterable=True, form=Form.PHONE
        ),
        Property(
            "roles",
            SL,
            "Roles the partner plays (CUSTOMER, VENDOR, DEALER, ...).",
            facet=True,
            filterable=True,
            values=PartnerRole,
        ),
        Property(
            "mergedInto",
            S,
            "Id of the partner this one was merged into; its id and keys lead there.",
            indexed=True,
            writable=False,
            exposed_as="mergedInto",
        ),
        Property("mergedFrom", SL, "Ids of the partners merged into this one.", writable=False),
        Property(
            "erasedAt",
            DT,
            "When the person's data was erased (erasePartner): what is left is an anonymous "
            "tombstone, and no source may deliver it again.",
            writable=False,
        ),
        Property(
            "overrides",
            S,
            "Values a steward set over the sources', as JSON.",
            writable=False,
            exposed_as="lineage",
        ),
        Property(
            "matchKeys",
            SL,
            "The blocking keys it is a member of, so that a merge or un-merge can move them.",
            internal=True,
        ),
    ),
)

ADDRESS = NodeType(
    "Address",
    "A postal address of a business partner.",
    (
        Property("street", S, "Street name.", personal=True),
        Property("houseNumber", S, "House number, with any suffix.", personal=True),
        Property("postalCode", S, "Postal code.", indexed=True),
        Property("city", S, "City.", indexed=True, searchable=True),
        Property("country", S, "ISO 3166-1 alpha-2 country code.", form=Form.COUNTRY),
        Property("position", I, "Its place in the partner's list of addresses.", internal=True),
    ),
)

MATERIAL = _golden(
    "Material",
    "An ERP material (a vehicle model, an accessory, a part, a service) by its number.",
    (
        Property(
            "number",
            S,
            "Material number (SAP MATNR); an all-digit one without SAP's leading zeros.",
            required=True,
            form=Form.MATERIAL,
            filterable=True,
            sortable=True,
        ),
        Property(
            "type",
            S,
            "Material type (SAP MTART), e.g. FERT (finished product), HAWA (trading goods), "
            "DIEN (service).",
            filterable=True,
            facet=True,
            sortable=True,
        ),
        Property("group", S, "Material group (SAP MATKL).", filterable=True, facet=True),
        Property(
            "baseUnit",
            S,
            "Base unit of measure (SAP MEINS), e.g. ST (piece), L, H.",
            filterable=True,
            facet=True,
        ),
        Property(
            "description",
            S,
            "Its description in the first language delivered.",
            writable=False,
            filterable=True,
            searchable=True,
            collated=True,
            sortable=True,
        ),
    ),
    natural_key=("number",),
)

MATERIAL_DESCRIPTION = NodeType(
    "MaterialDescription",
    "A material's description in one language.",
    (
        Property(
            "language",
            S,
            "ISO 639-1 language code, e.g. de, en, zh.",
            required=True,
            form=Form.LANGUAGE,
        ),
        Property("text", S, "The description (SAP MAKTX).", required=True, searchable=True),
        Property("position", I, "Its place in the material's descriptions.", internal=True),
    ),
)

MATERIAL_PRICE = NodeType(
    "MaterialPrice",
    "A price of a material, of one type, for one base unit, valid for a period.",
    (
        Property(
            "type",
            S,
            "Price type, e.g. LIST, STANDARD (SAP STPRS), MOVING_AVERAGE (SAP VERPR).",
            required=True,
        ),
        Property("amount", F, "The price of one base unit.", required=True, minimum=0),
        Property("currency", S, "ISO 4217 currency code.", required=True, form=Form.CURRENCY),
        Property("validFrom", D, "First day it applies.", earliest=FIRST_DAY, latest=LAST_DAY),
        Property("validTo", D, "Last day it applies.", earliest=FIRST_DAY, latest=LAST_DAY),
        Property("position", I, "Its place in the material's prices.", internal=True),
    ),
)

VEHICLE = _golden(
    "Vehicle",
    "A vehicle identified by its VIN (ISO 3779).",
    (
        Property(
            "vin",
            S,
            "Vehicle identification number, 17 characters.",
            required=True,
            form=Form.VIN,
            filterable=True,
            sortable=True,
        ),
        Property(
            "make",
            S,
            "Manufacturer brand.",
            indexed=True,
            filterable=True,
            searchable=True,
            collated=True,
            facet=True,
            sortable=True,
        ),
        Property(
            "model",
            S,
            "Model name.",
            filterable=True,
            searchable=True,
            collated=True,
            sortable=True,
        ),
        Property(
            "modelYear",
            I,
            "Model year.",
            filterable=True,
            facet=True,
            sortable=True,
            minimum=1886,
            years_ahead=2,
        ),
        Property("configuration", SL, "Option and characteristic codes."),
    ),
    natural_key=("vin",),
)

VEHICLE_EVENT = NodeType(
    "VehicleEvent",
    "One entry of a vehicle's history (produced, sold, serviced, ...).",
    (
        Property("type", S, "Event type.", required=True, values=VehicleEventType),
        Property(
            "occurredAt",
            DT,
            "When the event happened.",
            required=True,
            earliest=FIRST_CAR,
            latest="today",
        ),
        Property("mileageKm", I, "Odometer reading at the event."),
        Property("description", S, "Free text."),
    ),
)

CONTRACT = _golden(
    "Contract",
    "A leasing, service or financing contract.",
    (
        Property("number", S, "Contract number.", required=True, filterable=True, sortable=True),
        Property(
            "type",
            S,
            "LEASING, SERVICE or FINANCING.",
            required=True,
            filterable=True,
            values=ContractType,
            facet=True,
        ),
        Property(
            "status",
            S,
            "DRAFT, ACTIVE, TERMINATED or EXPIRED.",
            required=True,
            default="DRAFT",
            indexed=True,
            filterable=True,
            values=ContractStatus,
            facet=True,
        ),
        Property(
            "startDate",
            D,
            "First day the contract is in force.",
            earliest=FIRST_DAY,
            latest=LAST_DAY,
            filterable=True,
            sortable=True,
        ),
        Property(
            "endDate",
            D,
            "Last day the contract is in force.",
            indexed=True,
            earliest=FIRST_DAY,
            latest=LAST_DAY,
            filterable=True,
            sortable=True,
        ),
        Property(
            "terminationDate",
            D,
            "Day from which a terminated contract is terminated.",
            writable=False,
            earliest=FIRST_DAY,
            latest=LAST_DAY,
            filterable=True,
        ),
    ),
    natural_key=("number",),
)

CONTRACT_ITEM = NodeType(
    "ContractItem",
    "An item of a contract (financing or service) with a stable unique item identifier.",
    (
        Property("uiid", S, "Unique item identifier, stable over the item's life.", required=True),
        Property("kind", S, "FINANCING or SERVICE.", required=True, values=ContractItemKind),
        Property("product", S, "Product code of the item."),
        Property(
            "referenceItem",
            S,
            "UIID of the item whose covered vehicles a service item covers while it lists none "
            "of its own: by default the contract's first financing item.",
        ),
        Property(
            "serviceCodes",
            SL,
            "Codes of the single services of the item.",
            writable=False,
            exposed_as="singleServices",
        ),
        Property(
            "serviceCoverage",
            PropertyType.INTEGER_LIST,
            "Coverage percent of each service.",
            writable=False,
            exposed_as="singleServices",
        ),
        Property(
            "serviceTerms",
            S,
            "Per single service, as JSON in the order of serviceCodes: its inclusion, "
            "quantity cap and the period the cap counts over.",
            writable=False,
            exposed_as="singleServices",
        ),
        Property(
            "endDate",
            D,
            "Last day the item runs, when it ends before its contract (none: with the contract).",
            earliest=FIRST_DAY,
            latest=LAST_DAY,
        ),
        Property(
            "terminationDate",
            D,
            "Day from which the item is terminated (ETER or TERM of the item or its contract).",
            writable=False,
            earliest=FIRST_DAY,
            latest=LAST_DAY,
        ),
        Property("position", I, "Its place in the contract's list of items.", internal=True),
    ),
    natural_key=("uiid",),
)

CONTRACT_CHANGE = NodeType(
    "ContractChange",
    "A change process applied to a contract (LCOO, ETER, TERM, BLEX, CHOA, LCOP).",
    (
        Property("id", S, "Opaque identifier of the change.", required=True, internal=True),
        Property("process", S, "Change process code.", required=True),
        Property(
            "effectiveDate",
            D,
            "Date from which the change applies.",
            required=True,
            earliest=FIRST_DAY,
            latest=LAST_DAY,
        ),
        Property("recordedAt", DT, "When the hub recorded the change.", required=True),
        Property(
            "newEndDate",
            D,
            "New end date of an extension (BLEX).",
            earliest=FIRST_DAY,
            latest=LAST_DAY,
        ),
        Property("newLesseeId", S, "Hub id of the new lessee (LCOO).", exposed_as="newLessee"),
        Property("partyRole", S, "The role that passed to another partner (LCOP)."),
        Property("partyId", S, "Hub id of the partner who took it (LCOP).", exposed_as="party"),
        Property("itemUiid", S, "The one item the change addressed, if it named one."),
        Property("attributes", S, "What a CHOA changed on the item, as JSON."),
        Property(
            "changeId",
            S,
            "The caller's id of the change: a contract applies a change of one id once.",
            indexed=True,
        ),
    ),
)

IDENTIFICATION_OBJECT = _golden(
    "IdentificationObject",
    "A fuel card, service card, licence plate or toll tag.",
    (
        Property(
            "kind",
            S,
            "FUEL_CARD, SERVICE_CARD, LICENSE_PLATE or TOLL_TAG.",
            required=True,
            filterable=True,
            values=IdentificationKind,
            facet=True,
            sortable=True,
        ),
        Property(
            "number",
            S,
            "Card or plate number, without the spaces, dashes or dots it is printed with.",
            required=True,
            filterable=True,
            sortable=True,
            form=Form.CODE,
        ),
        Property(
            "status",
            S,
            "ACTIVE or BLOCKED, as the issuing system or blockIdentificationObject says; "
            "EXPIRED is derived from validTo.",
            default="ACTIVE",
            filterable=True,
            values=IdentificationStatus,
            facet=True,
        ),
        Property("blockedReason", S, "Why the object was blocked."),
        Property(
            "validFrom",
            D,
            "First valid day.",
            earliest=FIRST_DAY,
            latest=LAST_DAY,
            filterable=True,
            sortable=True,
        ),
        Property(
            "validTo",
            D,
            "Last valid day.",
            earliest=FIRST_DAY,
            latest=LAST_DAY,
            filterable=True,
            sortable=True,
        ),
        Property(
            "itemUiid",
            S,
            "UIID of the contract item it was issued under.",
            writable=False,
            exposed_as="item",
            indexed=True,
        ),
    ),
    natural_key=("kind", "number"),
)

DOCUMENT = _golden(
    "Document",
    "A revision of a document (offer, inquiry, configuration, drawing, ...).",
    (
        Property(
            "number",
            S,
            "Document number.",
            required=True,
            indexed=True,
            filterable=True,
            sortable=True,
        ),
        Property(
            "revision",
            S,
            "Revision (change index).",
            required=True,
            filterable=True,
            # Sorted as people read it: revision 9 before 10.
            collated=True,
            sortable=True,
        ),
        Property(
            "type",
            S,
            "Document type.",
            required=True,
            filterable=True,
            values=DocumentType,
            facet=True,
        ),
        Property(
            "title", S, "Title.", filterable=True, searchable=True, collated=True, sortable=True
        ),
        Property(
            "releaseStatus",
            S,
            "IN_WORK, RELEASED or OBSOLETE.",
            default="IN_WORK",
            filterable=True,
            values=ReleaseStatus,
            facet=True,
        ),
        # The file's properties are set when its content is stored, not from a delivery.
        Property(
            "fileSha256",
            S,
            "SHA-256 of the stored file content.",
            indexed=True,
            writable=False,
            exposed_as="file",
        ),
        Property(
            "fileSize", I, "Size of the stored file in bytes.", writable=False, exposed_as="file"
        ),
        Property(
            "fileMediaType",
            S,
            "Media type of the stored file.",
            writable=False,
            exposed_as="file",
        ),
        Property("fileName", S, "File name as uploaded.", writable=False, exposed_as="file"),
    ),
    natural_key=("number", "revision"),
)

PROJECT = _golden(
    "Project",
    "A project kept alike in CRM and PDM (a fleet renewal, a body conversion, a tender), "
    "with the partners, documents and vehicles it involves.",
    (
        Property("number", S, "Project number.", required=True, filterable=True, sortable=True),
        Property(
            "name",
            S,
            "Project name.",
            filterable=True,
            searchable=True,
            collated=True,
            sortable=True,
        ),
        Property(
            "type", S, "Project type, e.g. FLEET_RENEWAL, TENDER.", filterable=True, facet=True
        ),
        Property("phase", S, "Phase, as the leading system names it.", filterable=True, facet=True),
        Property(
            "status",
            S,
            "PLANNED, ACTIVE, ON_HOLD, COMPLETED or CANCELLED.",
            required=True,
            default="PLANNED",
            filterable=True,
            values=ProjectStatus,
            facet=True,
        ),
        Property(
            "startDate",
            D,
            "First day of the project.",
            earliest=FIRST_DAY,
            latest=LAST_DAY,
            filterable=True,
            sortable=True,
        ),
        Property(
            "endDate",
            D,
            "Last day of the project.",
            earliest=FIRST_DAY,
            latest=LAST_DAY,
            filterable=True,
            sortable=True,
        ),
    ),
    natural_key=("number",),
)

INVOICE_LINE = NodeType(
    "InvoiceLine",
    "A supplier's invoice line for an identification object, as the hub checked it against "
    "the contract it was issued under: stored once per supplier, invoice and line, so that "
    "checking it again gives the same answer.",
    (
        Property("id", S, "Opaque identifier.", required=True),
        Property("supplier", S, "Who invoiced, e.g. the fuel station chain.", required=True),
        # Indexed: a line is found by it and its line number, its supplier in any case.
        Property("invoiceNumber", S, "The supplier's invoice number.", required=True, indexed=True),
        Property("lineNumber", I, "The line within the invoice.", required=True),
        Property("objectKind", S, "Kind of the card or plate, as invoiced.", required=True),
        Property(
            "objectNumber",
            S,
            "Its number, without the separators it was printed with.",
            required=True,
        ),
        Property("date", D, "The day of the service.", required=True, indexed=True),
        Property("serviceCode", S, "The service invoiced (FUEL, TYRES, ...).", required=True),
        Property("quantity", F, "How much of it.", required=True),
        Property("amount", S, "Amount invoiced, a decimal.", required=True),
        Property("currency", S, "ISO 4217 code.", required=True),
        Property(
            "verdict", S, "What the check found (InvoiceVerdict).", required=True, indexed=True
        ),
        Property("explanation", S, "Why, for the clerk.", required=True),
        Property("coveredAmount", S, "The part the contract covers, a decimal.", required=True),
        Property("rebillAmount", S, "The part billed to the lessee, a decimal.", required=True),
        Property("objectId", S, "Hub id of the identification object, if known."),
        Property("contractId", S, "Hub id of its contract, if any.", indexed=True),
        Property("itemUiid", S, "The contract item that covers the service, if any."),
        Property("billToId", S, "Hub id of the partner billed: the lessee or the placeholder."),
        Property(
            "coveredQuantity",
            F,
            "The quantity counted against the item's cap: the part within it.",
        ),
        Property("checkedAt", DT, "When the hub checked it.", required=True),
        Property("checkedBy", S, "The client that asked."),
    ),
    natural_key=("supplier", "invoiceNumber", "lineNumber"),
)

SOURCE_RECORD = NodeType(
    "SourceRecord",
    "What one source system delivered under its own key, linked to one golden record.",
    (
        Property("id", S, "Opaque identifier, by which match candidates name it.", required=True),
        Property("entity", S, "Label of the golden record it feeds.", required=True),
        Property("system", S, "Source system, e.g. CRM or ERP.", required=True),
        Property("key", S, "The source system's own key.", required=True),
        Property("receivedAt", DT, "When the hub last received a changed delivery.", required=True),
        Property(
            "payload",
            S,
            "What the source says now (the latest delivered value per field), as canonical JSON.",
        ),
        Property("payloadHash", S, "SHA-256 of the last delivery, to recognise a repeated one."),
        Property("formerGolden", S, "Id of the partner it fed before a merge; for un-merge."),
        Property(
            "deletedAt",
            DT,
            "When the source system said it no longer holds the record; it then no longer "
            "counts for survivorship, until the system delivers it again.",
        ),
        Property("deletionReason", S, "Why, as the system said."),
        Property(
            "erasedAt",
            DT,
            "When its partner was erased; a delivery under its key is refused from then on.",
        ),
    ),
    natural_key=("entity", "system", "key"),
    indexes=(("system", "key"), ("key",)),
)

_EVENTS = (
    "Each event as JSON: entity (label) and entityId of the changed record, action (CREATED, "
    "UPDATED, MERGED, MERGED_INTO, UNMERGED, REJECTED, DELETED, RESTORED, ERASED, BLOCKED, "
    "PROCESS or HISTORY), process, system and key of the delivery, by, bySystem and "
    "onBehalfOf (who), reason, version after the change, and changes ([{field, before, "
    "after}]) or, for a new record, its values."
)

CHANGE_BATCH = NodeType(
    "ChangeBatch",
    "The change events one transaction wrote together: the append-only log behind history, "
    "audit and the change feed partner systems follow; and the positions the log gave them "
    "once it had committed. An event's position is first + its index in the batch, its id "
    "the batch's id, a dot and that index. A batch of more than 20 events keeps them in a "
    "ChangeEvents node.",
    (
        Property("id", S, "Identifier of the batch.", required=True),
        Property("at", DT, "When the writer made the changes.", required=True),
        Property("ord", I, "Order of its first event within its transaction.", required=True),
        Property("size", I, "How many events it holds.", required=True),
        Property(
            "first",
            I,
            "Position of its first event; -1 while it waits for one.",
            required=True,
            indexed=True,
        ),
        Property("last", I, "Position of its last event; null while it waits."),
        Property("events", SL, _EVENTS, personal=True),
        Property("entities", SL, "The label of each event's record, in order."),
        Property("actions", SL, "Each event's action, in order."),
        Property("systems", SL, "Each event's source system ('' for none), in order."),
    ),
)

CHANGE_EVENTS = NodeType(
    "ChangeEvents",
    "The events of a ChangeBatch of more than 20, written once and kept apart from the "
    "batch, which the numbering updates: only a small record is rewritten then.",
    (
        Property("batch", S, "Id of its ChangeBatch.", required=True),
        Property("events", SL, _EVENTS, required=True, personal=True),
        Property("entities", SL, "The label of each event's record, in order.", required=True),
        Property("actions", SL, "Each event's action, in order.", required=True),
        Property("systems", SL, "Each event's source system ('' for none), in order."),
    ),
    natural_key=("batch",),
)

WEBHOOK = NodeType(
    "Webhook",
    "A receiver the change log is POSTed to (hub webhooks), with its delivery position.",
    (
        Property("id", S, "Opaque identifier.", required=True),
        Property("name", S, "Its name, e.g. erp-sync.", required=True),
        Property("url", S, "Where batches of events are POSTed.", required=True),
        Property("kinds", SL, "Labels of the records it wants; empty: every kind."),
        Property("secret", S, "Key of the HMAC-SHA256 signature of each body.", required=True),
        Property("personal", B, "It may receive personal values."),
        Property("position", I, "Log position delivered up to (after a 2xx).", required=True),
        Property("failures", I, "Failed attempts in a row."),
        Property("lastError", S, "What the last failed attempt met."),
        Property("lastErrorAt", DT, "When it failed."),
        Property("deliveredAt", DT, "When a batch was last accepted."),
        Property("nextAttemptAt", DT, "No attempt before this, after a failure."),
        Property("pausedAt", DT, "Paused after too many failures, until resumed."),
        Property("leaseOwner", S, "The hub process delivering it now.", internal=True),
        Property("leaseUntil", DT, "Until when that process holds it.", internal=True),
        Property("leaseTouchedAt", DT, "When a process last asked for it.", internal=True),
        Property("createdAt", DT, "When it was registered.", required=True),
    ),
    natural_key=("name",),
)


CHANGE_LOG = NodeType(
    "ChangeLog",
    "The log's head: the last position handed out. Giving positions updates it, so two "
    "hubs never hand out the same one.",
    (
        Property("name", S, "Which log; the hub keeps one, 'changes'.", required=True),
        Property("seq", I, "The last position handed out.", required=True),
        Property("pruned", I, "The last position removed by the retention, if any."),
    ),
    natural_key=("name",),
)

MATCH_KEY = NodeType(
    "MatchKey",
    "A blocking key: partners sharing one are compared when one of them changes. Each "
    "partner lists its keys in its own matchKeys.",
    (
        Property("value", S, "The key, e.g. 'n:MALAR|ANA' (phonetic names).", required=True),
        Property("size", I, "How many partners share the key."),
        Property("members", SL, "Ids of the partners sharing it (the first MAX_BLOCK + 1)."),
        Property(
            "lockedAt",
            DT,
            "Last time a writer locked the key: a batch matching against it, any writer "
            "linking a partner to it.",
        ),
    ),
    natural_key=("value",),
)

MATCH_TERM = NodeType(
    "MatchTerm",
    "How many partners carry a value, so that agreeing on a common value weighs less.",
    (
        Property(
            "term", S, "feature:value, e.g. 'personName:mueller'; '*' counts all.", required=True
        ),
        Property("count", I, "Partner deliveries seen with the value."),
    ),
    natural_key=("term",),
)

MATCH_CANDIDATE = NodeType(
    "MatchCandidate",
    "Two partners that may be the same, waiting for a steward's decision.",
    (
        Property("id", S, "Opaque hub identifier.", required=True),
        Property(
            "pair", S, "The two partners' ids in order: one candidate per pair.", required=True
        ),
        Property("status", S, "OPEN, MERGED or REJECTED.", required=True, indexed=True),
        Property("score", F, "Probability that both are the same partner.", required=True),
        Property("features", S, "Per-feature comparison, as JSON."),
        Property("explanation", S, "Why the pair was proposed, for people."),
        Property("createdAt", DT, "When the pair was proposed.", required=True),
        Property("decidedAt", DT, "When a steward merged or rejected it."),
        Property("decidedBy", S, "Who decided: the client that sent the decision."),
        Property("decidedOnBehalfOf", S, "The person that client said it acted for."),
        Property("reason", S, "Why, in the steward's words."),
        Property(
            "split",
            B,
            "A steward split the two after they were merged: REJECTED by the un-merge, not "
            "by a steward's decision on the candidate.",
            internal=True,
        ),
    ),
    natural_key=("pair",),
)

REJECTED_ROW = NodeType(
    "RejectedRow",
    "A row `hub load` could not take, kept for a steward to correct and submit again or to "
    "dismiss: nothing a load refuses is lost in a file only.",
    (
        Property("id", S, "Opaque identifier.", required=True),
        Property(
            "kind", S, "Label of the kind the row was to be, e.g. BusinessPartner.", required=True
        ),
        Property("system", S, "The source system the load ran for.", required=True),
        Property("file", S, "The file it came from.", required=True),
        Property(
            "line", I, "Its line in that file (its first line, for a CSV row).", required=True
        ),
        Property("raw", S, "The row as the file holds it.", required=True),
        Property("row", S, "The row as read (JSON), when it could be read."),
        Property(
            "errors", S, "What was wrong with it: field, code and message, as JSON.", required=True
        ),
        Property("status", S, "OPEN, RESUBMITTED or DISMISSED.", required=True, indexed=True),
        Property("rejectedAt", DT, "When the load refused it.", required=True, indexed=True),
        Property("decidedAt", DT, "When a steward resubmitted or dismissed it."),
        Property("decidedBy", S, "Who: the client that sent the decision."),
        Property("decidedOnBehalfOf", S, "The person that client said it acted for."),
        Property("reason", S, "Why it was dismissed, in the steward's words."),
        Property("recordId", S, "Hub id of the record the corrected row wrote."),
        Property(
            "fingerprint",
            S,
            "Hash of its kind, system, file, line and text: a row refused again is kept once.",
            internal=True,
            indexed=True,
        ),
    ),
    natural_key=("id",),
)

MATCH_RUN = NodeType(
    "MatchRun",
    "Where a batch match (hub match) stands, so that an interrupted run goes on from there.",
    (
        Property("name", S, "Which run: 'batch'.", required=True),
        Property("after", S, "Id of the last partner matched."),
        Property("updatedAt", DT, "When the last page was committed."),
    ),
    natural_key=("name",),
)

MATCH_MODEL = NodeType(
    "MatchModel",
    "Comparison weights learnt from the hub's own partners (hub match --train); the highest "
    "version is used for matching.",
    (
        Property("version", I, "1 for the first model trained, then counting up.", required=True),
        Property("prior", F, "log2 odds that two partners sharing a blocking key are one."),
        Property("weights", S, "Per feature, the weight of each level and of disagreement (JSON)."),
        Property("pairs", I, "How many pairs of partners it was learnt from."),
        Property("seed", I, "The seed that chose them."),
        Property("trainedAt", DT, "When it was trained.", required=True),
    ),
    natural_key=("version",),
)

API_CLIENT = NodeType(
    "ApiClient",
    "A system registered to call the API with a bearer token (hub clients add).",
    (
        Property("name", S, "The client's name, as the audit records it.", required=True),
        Property("system", S, "The source system it writes for; none for a reader."),
        Property("scopes", SL, "What it may do: read, read:personal, write, steward, admin."),
        Property("tokenHash", S, "SHA-256 of its token; the token itself is never stored."),
        Property("createdAt", DT, "When it was registered.", required=True),
        Property("lastUsedAt", DT, "When a request last used its token (to the minute)."),
        Property("revokedAt", DT, "When it was revoked; its token is refused from then on."),
    ),
    natural_key=("name",),
    indexes=(("tokenHash",),),
)

HUB_SETTING = NodeType(
    "HubSetting",
    "A value the hub keeps for itself in the database, shared by every replica: the key "
    "that signs cursors, the collation its sort keys were written with.",
    (
        Property("name", S, "What it is: 'cursors', 'textKeys'.", required=True),
        Property("value", S, "Its value.", required=True),
    ),
    natural_key=("name",),
)

# A partner's relationship that a merge moved to the survivor remembers where it came from,
# so that an un-merge can move it back.
_MOVED_FROM = Property(
    "movedFrom", S, "Id of the merged partner the relationship came from.", internal=True
)

# A document is about records of several kinds; each of them lists the documents about it.
_ABOUT = Side(
    "about",
    input="about",
    prefetch=False,
    description="Partners, vehicles and contracts it concerns.",
)
_DOCUMENTS = Side("documents", order=("number", "revision"), paged=True)
_SOURCES = Side("sources", order=("system", "key"))

# Longer lists in one delivery are refused with TOO_MANY: beyond these a list is a mistake or
# an attack, and every read of the record would carry it.
LIST_MAXIMA = {
    ("BusinessPartner", "roles"): 20,
    ("BusinessPartner", "addresses"): 50,
    ("Vehicle", "configuration"): 300,
    ("Contract", "parties"): 20,
    ("Contract", "items"): 100,
    ("ContractItem", "singleServices"): 100,
    ("ContractItem", "coveredVehicles"): 500,
    ("Document", "about"): 50,
    ("BusinessPartner", "relationships"): 100,
    ("Project", "partners"): 100,
    ("Project", "documents"): 500,
    ("Project", "vehicles"): 1000,
    ("Material", "descriptions"): 50,
    ("Material", "prices"): 100,
}

MODEL = Model(
    nodes=(
        BUSINESS_PARTNER,
        ADDRESS,
        MATERIAL,
        MATERIAL_DESCRIPTION,
        MATERIAL_PRICE,
        VEHICLE,
        VEHICLE_EVENT,
        CONTRACT,
        CONTRACT_ITEM,
        CONTRACT_CHANGE,
        IDENTIFICATION_OBJECT,
        DOCUMENT,
        PROJECT,
        SOURCE_RECORD,
        INVOICE_LINE,
        CHANGE_BATCH,
        CHANGE_EVENTS,
        CHANGE_LOG,
        WEBHOOK,
        MATCH_KEY,
        MATCH_TERM,
        MATCH_CANDIDATE,
        MATCH_RUN,
        REJECTED_ROW,
        MATCH_MODEL,
        API_CLIENT,
        HUB_SETTING,
    ),
    relationships=(
        Relationship(
            "HAS_ADDRESS",
            "BusinessPartner",
            "Address",
            "A partner's address.",
            ONE,
            forward=Side("addresses", input="addresses", order=("position",)),
            part=True,
        ),
        Relationship(
            "OWNS",
            "BusinessPartner",
            "Vehicle",
            "The partner owns the vehicle.",
            ONE,
            properties=(_MOVED_FROM,),
            forward=Side("vehicles", order=("vin",), paged=True),
            backward=Side("owner", input="owner", description="Owner."),
        ),
        Relationship(
            "DEALER_OF",
            "BusinessPartner",
            "Vehicle",
            "The partner sold it.",
            ONE,
            properties=(_MOVED_FROM,),
            backward=Side("dealer", input="dealer", description="Dealer."),
        ),
        Relationship(
            "RELATED_TO",
            "BusinessPartner",
            "BusinessPartner",
            "The partner relates to another one (contact person of, subsidiary of, ship-to "
            "party, ...); its sources' relationships all hold.",
            properties=(
                Property(
                    "type",
                    S,
                    "How it relates.",
                    required=True,
                    values=PartnerRelationshipType,
                    exposed_as="relationType",
                ),
                Property(
                    "validFrom",
                    D,
                    "First day it holds.",
                    earliest=FIRST_DAY,
                    latest=LAST_DAY,
                    exposed_as="relationValidFrom",
                ),
                Property(
                    "validTo",
                    D,
                    "Last day it holds.",
                    earliest=FIRST_DAY,
                    latest=LAST_DAY,
                    exposed_as="relationValidTo",
                ),
                _MOVED_FROM,
            ),
            # Read on their own, with the filters of BusinessPartner.relationships.
            forward=Side(
                "relatedTo",
                input="relationships",
                order=("type", "name"),
                prefetch=False,
                carries=True,
            ),
            backward=Side("relatedFrom", order=("type", "name"), prefetch=False, carries=True),
        ),
        Relationship(
            "PARTY_TO",
            "BusinessPartner",
            "Contract",
            "The partner is a party to the contract in a role.",
            properties=(
                Property("role", S, "LESSEE, GUARANTOR, PAYER or DRIVER.", required=True),
                Property(
                    "validFrom",
                    D,
                    "First day the partner holds the role (a change of lessee or of another "
                    "party sets it).",
                    earliest=FIRST_DAY,
                    latest=LAST_DAY,
                    exposed_as="roleValidFrom",
                ),
                Property(
                    "validTo",
                    D,
                    "Last day it held the role, once another took it over.",
                    earliest=FIRST_DAY,
                    latest=LAST_DAY,
                    exposed_as="roleValidTo",
                ),
                _MOVED_FROM,
            ),
            forward=Side("contracts", order=("number",), paged=True),
            backward=Side("parties", input="parties", order=("role", "name"), carries=True),
        ),
        Relationship(
            "HAS_ITEM",
            "Contract",
            "ContractItem",
            "An item of the contract.",
            ONE,
            forward=Side("items", input="items", order=("position",)),
            part=True,
        ),
        Relationship(
            "COVERS",
            "ContractItem",
            "Vehicle",
            "The item covers the vehicle.",
            forward=Side("coveredVehicles", order=("vin",)),
        ),
        Relationship(
            "HAS_CHANGE",
            "Contract",
            "ContractChange",
            "A change process applied.",
            ONE,
            forward=Side("changes", order=("recordedAt",)),
            part=True,
        ),
        Relationship(
            "IDENTIFIES",
            "IdentificationObject",
            "Vehicle",
            "Bound to the vehicle.",
            target_cardinality=ONE,
            forward=Side("vehicle", input="vehicle", description="Bound vehicle."),
            backward=Side("identificationObjects", order=("kind", "number"), paged=True),
        ),
        Relationship(
            "HELD_BY",
            "IdentificationObject",
            "BusinessPartner",
            "Held by the partner.",
            target_cardinality=ONE,
            properties=(_MOVED_FROM,),
            forward=Side("holder", input="holder", description="Holder."),
            backward=Side("identificationObjects", order=("kind", "number"), paged=True),
        ),
        Relationship(
            "ISSUED_UNDER",
            "IdentificationObject",
            "Contract",
            "Issued under the contract.",
            target_cardinality=ONE,
            forward=Side(
                "contract",
                input="contract",
                description="Contract it is issued under (none needed when item is given).",
            ),
        ),
        Relationship(
            "ISSUED_FOR",
            "IdentificationObject",
            "ContractItem",
            "Issued under the contract item.",
            target_cardinality=ONE,
            # The object keeps the item's UIID; IdentificationObject.item reads the item
            # with its contract (hub.read.relations).
            forward=Side(input="itemUiid"),
            backward=Side("identificationObjects", order=("kind", "number")),
        ),
        Relationship(
            "ABOUT",
            "Document",
            "BusinessPartner",
            "The document concerns the partner.",
            properties=(_MOVED_FROM,),
            forward=_ABOUT,
            backward=_DOCUMENTS,
        ),
        Relationship(
            "ABOUT",
            "Document",
            "Vehicle",
            "The document concerns the vehicle.",
            forward=_ABOUT,
            backward=_DOCUMENTS,
        ),
        Relationship(
            "ABOUT", "Document", "Contract", "The document concerns the contract.", forward=_ABOUT
        ),
        Relationship(
            "REVISION_OF",
            "Document",
            "Document",
            "This revision replaces the previous one.",
            ONE,
            ONE,
            forward=Side("previousRevision"),
        ),
        Relationship(
            "HAS_EVENT",
            "Vehicle",
            "VehicleEvent",
            "An entry of its history.",
            ONE,
            forward=Side("history", order=("occurredAt",)),
            part=True,
        ),
        Relationship(
            "PARTICIPATES_IN",
            "BusinessPartner",
            "Project",
            "The partner takes part in the project in a role.",
            properties=(
                Property(
                    "role", S, "Its part in the project.", required=True, values=ProjectPartnerRole
                ),
                _MOVED_FROM,
            ),
            forward=Side("projects", order=("number",)),
            backward=Side("partners", input="partners", order=("role", "name"), carries=True),
        ),
        Relationship(
            "HAS_DOCUMENT",
            "Project",
            "Document",
            "A document of the project.",
            forward=Side(
                "documents",
                input="documents",
                order=("number", "revision"),
                description="Its documents.",
            ),
            backward=Side("projects", order=("number",)),
        ),
        Relationship(
            "HAS_VEHICLE",
            "Project",
            "Vehicle",
            "A vehicle the project involves.",
            forward=Side(
                "vehicles",
                input="vehicles",
                order=("vin",),
                paged=True,
                description="Vehicles it involves.",
            ),
        ),
        Relationship(
            "OF_MATERIAL",
            "Vehicle",
            "Material",
            "The vehicle is of the material (its model as the ERP sells it).",
            target_cardinality=ONE,
            forward=Side(
                "material", input="material", description="The material of its model (ERP)."
            ),
            backward=Side("vehicles", order=("vin",), paged=True),
        ),
        Relationship(
            "HAS_DESCRIPTION",
            "Material",
            "MaterialDescription",
            "A description of the material.",
            ONE,
            forward=Side("descriptions", input="descriptions", order=("position",)),
            part=True,
        ),
        Relationship(
            "HAS_PRICE",
            "Material",
            "MaterialPrice",
            "A price of the material.",
            ONE,
            forward=Side("prices", input="prices", order=("position",)),
            part=True,
        ),
        *(
            Relationship(
                "SOURCE_OF",
                "SourceRecord",
                label,
                f"The source record feeds the {what}.",
                target_cardinality=ONE,
                backward=_SOURCES,
            )
            for label, what in (
                ("BusinessPartner", "golden record"),
                ("Vehicle", "vehicle"),
                ("Material", "material"),
                ("Contract", "contract"),
                ("IdentificationObject", "object"),
                ("Document", "document"),
                ("Project", "project"),
            )
        ),
        Relationship(
            "LEFT", "MatchCandidate", "BusinessPartner", "One side.", target_cardinality=ONE
        ),
        Relationship(
            "RIGHT", "MatchCandidate", "BusinessPartner", "Other side.", target_cardinality=ONE
        ),
    ),
    list_maxima=LIST_MAXIMA,
)
MODEL.validate()
