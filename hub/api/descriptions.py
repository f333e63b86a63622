"""What the schema says about the values of its enums and the arguments its fields share, so
that every one is documented where a client's tools show it (GraphiQL, generated types).

Filled in after the schema is built, and only where nothing more particular is written.
"""

from __future__ import annotations

from graphql import GraphQLEnumType, GraphQLObjectType, GraphQLSchema

# The domain's vocabularies, value by value.
VALUES: dict[str, dict[str, str]] = {
    "PartnerKind": {
        "PERSON": "A natural person.",
        "ORGANIZATION": "A company, authority or other legal entity.",
        "GROUP": "A group of companies or partners dealt with as one.",
    },
    "PartnerRole": {
        "CUSTOMER": "Buys from the business (a CRM customer, an ERP sold-to).",
        "VENDOR": "Sells to the business (an ERP vendor).",
        "DEALER": "Sells and services vehicles on the business's behalf.",
        "LESSEE": "Leases vehicles under a contract.",
        "END_CUSTOMER": "Uses what a dealer or a lessee passes on.",
        "SERVICE_PROVIDER": "Renders services a contract covers (workshop, fuel station).",
        "CARD_HOLDER": "Holds a fuel or service card.",
    },
    "PartnerRelationshipType": {
        "CONTACT_PERSON_OF": "A person is a contact person of an organisation.",
        "SUBSIDIARY_OF": "An organisation is a subsidiary of another.",
        "DEALER_OF": "A dealer sells for, or looks after, the other.",
        "SOLD_TO": "The other is this partner's sold-to party.",
        "SHIP_TO": "The other is this partner's ship-to party.",
        "BILL_TO": "The other is this partner's bill-to party.",
        "PAYER": "The other pays for this partner.",
    },
    "RelationshipDirection": {
        "OUTGOING": "This partner is the relationship's subject.",
        "INCOMING": "The other partner is the relationship's subject.",
    },
    "ProjectStatus": {
        "PLANNED": "Agreed, not started.",
        "ACTIVE": "Under way.",
        "ON_HOLD": "Paused.",
        "COMPLETED": "Finished as planned.",
        "CANCELLED": "Ended before it was finished.",
    },
    "ProjectPartnerRole": {
        "CUSTOMER": "The project is for this partner.",
        "DEALER": "The dealer involved.",
        "SUPPLIER": "Supplies to the project.",
        "PROJECT_LEAD": "Leads the project.",
        "CONTACT": "A contact for the project.",
    },
    "VehicleEventType": {
        "PRODUCED": "Built by its manufacturer.",
        "SOLD": "Sold.",
        "DELIVERED": "Handed over to its owner or lessee.",
        "SERVICED": "Maintained or repaired.",
        "OWNERSHIP_CHANGED": "Passed to another owner.",
        "REGISTERED": "Registered for the road.",
        "DEREGISTERED": "Taken off the road register.",
    },
    "ContractType": {
        "LEASING": "A lease of vehicles, with financing and services.",
        "SERVICE": "Services only (maintenance, tyres, fuel, ...).",
        "FINANCING": "Financing only.",
    },
    "ContractStatus": {
        "DRAFT": "Not yet in force.",
        "ACTIVE": "In force.",
        "TERMINATED": "Terminated (ETER, TERM), from its termination date on.",
        "EXPIRED": "Was active and is past its end date.",
    },
    "ContractPartyRole": {
        "LESSEE": "Holds the contract and pays for it.",
        "GUARANTOR": "Stands surety for the lessee.",
        "PAYER": "Pays in the lessee's place.",
        "DRIVER": "Drives the vehicle.",
    },
    "ContractItemKind": {
        "FINANCING": "The financing of the vehicles the item covers.",
        "SERVICE": "Single services for the vehicles the item covers.",
    },
    "ServiceInclusion": {
        "DEFAULT": "Part of the product unless a change takes it out.",
        "MANDATORY": "Part of the product; no change process removes it.",
        "OPTIONAL": "Chosen by the lessee; a change process may add or remove it.",
    },
    "QuotaPeriod": {
        "CONTRACT_YEAR": "From each anniversary of the contract's start.",
        "CONTRACT": "Over the contract's whole term.",
    },
    "ContractChangeProcess": {
        "LCOO": "Change of lessee, from the effective date.",
        "ETER": "Early termination with return of the vehicles.",
        "TERM": "Termination with return of the vehicles.",
        "BLEX": "Extension to a new end date (newEndDate).",
        "CHOA": "Change of sales-relevant attributes (an item's product, services, end).",
        "LCOP": "Change of another party (guarantor, payer, driver).",
    },
    "IdentificationKind": {
        "FUEL_CARD": "A card to pay for fuel.",
        "SERVICE_CARD": "A card to pay for services (workshop, car wash).",
        "LICENSE_PLATE": "A licence plate.",
        "TOLL_TAG": "A tag that pays road tolls.",
    },
    "IdentificationStatus": {
        "ACTIVE": "Valid.",
        "BLOCKED": "Blocked, with the reason.",
        "EXPIRED": "Past its validTo.",
    },
    "DocumentType": {
        "TECHNICAL_OFFER": "A technical offer (PDM).",
        "CUSTOMER_INQUIRY": "A customer's inquiry (CRM).",
        "CONFIGURATION": "A vehicle or product configuration.",
        "COMPLAINT": "A complaint.",
        "CONTRACT": "A contract document.",
        "DRAWING": "A technical drawing.",
        "OTHER": "Any other document.",
    },
    "ReleaseStatus": {
        "IN_WORK": "Being written or changed.",
        "RELEASED": "Released for use.",
        "OBSOLETE": "Replaced or withdrawn.",
    },
    "SortDirection": {"ASC": "Ascending: A to Z, oldest first.", "DESC": "Descending."},
    "ChangeAction": {
        "CREATED": "The record was created.",
        "UPDATED": "Its values changed, or a source system began or ceased to feed it.",
    },
    "RecordKind": {
        "BUSINESS_PARTNER": "Business partners.",
        "VEHICLE": "Vehicles.",
        "CONTRACT": "Contracts, with their items and parties.",
        "IDENTIFICATION_OBJECT": "Fuel and service cards, licence plates, toll tags.",
        "DOCUMENT": "Document revisions.",
        "MATERIAL": "ERP materials.",
        "PROJECT": "Projects.",
    },
}

# Arguments many fields take, by name.
ARGUMENTS: dict[str, str] = {
    "first": "How many to return from the start, or after `after`.",
    "after": "Continue after this cursor (a page's `endCursor`).",
    "last": "How many to return from the end, or before `before`.",
    "before": "Continue before this cursor (a page's `startCursor`).",
    "where": "Which records: every condition given must hold.",
    "orderBy": "The order, by these fields in turn; records that tie come in id order.",
    "top": "At most this many values, the most frequent first.",
    "id": "The record's ID.",
    "source": "The record by its source system and that system's key.",
    "input": "What is delivered.",
    "inputs": "What is delivered, one entry each; each is answered on its own.",
    "reason": "Why: kept with the change and shown in its history.",
    "number": "The record's number.",
    "kind": "Its kind.",
    "kinds": "Only events of these kinds of record (all when not given).",
    "actions": "Only events of these actions (all when not given).",
    "systems": "Only events delivered by these source systems, in any case (all when not given).",
    "vin": "The vehicle identification number (17 characters).",
    "revision": "The document's revision (change index).",
    "status": "Only those with this status.",
    "text": "The text to look for.",
    "days": "How many days back.",
    "types": "Only these types.",
    "direction": "Which way the relationship runs (both when not given).",
    "overrides": "Values a steward sets, overriding what the sources say.",
    "lines": "The invoice lines, each checked on its own.",
}


def describe(schema: GraphQLSchema) -> None:
    """Describe the enum values and shared arguments the schema leaves undescribed."""
    for name, named in schema.type_map.items():
        if name.startswith("__"):
            continue
        if isinstance(named, GraphQLEnumType):
            _describe_values(named)
        elif isinstance(named, GraphQLObjectType):
            for field in named.fields.values():
                for argument_name, argument in field.args.items():
                    if not argument.description and argument_name in ARGUMENTS:
                        argument.description = ARGUMENTS[argument_name]


def _describe_values(enum: GraphQLEnumType) -> None:
    known = VALUES.get(enum.name, {})
    for value_name, value in enum.values.items():
        if value.description:
            continue
        if value_name in known:
            value.description = known[value_name]
        elif enum.name.endswith("SortField"):
            value.description = f"By {value_name.lower().replace('_', ' ')}."
