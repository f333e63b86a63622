"""Who may do what: every root field under every scope, writes under the client's own system,
personal data, and the actor the audit records."""

import json
from typing import Any

import pytest

from hub.api import build_schema
from hub.api.access import undeclared
from hub.api.context import actor_of
from hub.auth.clients import token_hash
from hub.auth.principal import Principal
from hub.read.changes import of_records
from tests.conftest import register
from tests.harness import RunningHub

# The table, written out on its own: the schema's declarations are checked against it.
READ, STEWARD, WRITE, ADMIN = "read", "steward", "write", "admin"
ROOTS: dict[str, tuple[str, str]] = {
    # query roots
    "node": (READ, '{ node(id: "QnVzaW5lc3NQYXJ0bmVyOng=") { id } }'),
    "businessPartner": (READ, '{ businessPartner(source: {system: "CRM", key: "no"}) { name } }'),
    "businessPartners": (READ, "{ businessPartners(first: 1) { totalCount } }"),
    "vehicle": (READ, '{ vehicle(vin: "WVWZZZ1JZXW000001") { vin } }'),
    "vehicles": (READ, "{ vehicles(first: 1) { totalCount } }"),
    "vehicleFacets": (READ, "{ vehicleFacets { total make { value count } } }"),
    "businessPartnerFacets": (READ, "{ businessPartnerFacets { kind { value } } }"),
    "contractFacets": (READ, "{ contractFacets { status { value } } }"),
    "identificationObjectFacets": (READ, "{ identificationObjectFacets { total } }"),
    "documentFacets": (READ, "{ documentFacets { type { count } } }"),
    "contract": (READ, '{ contract(number: "none") { number } }'),
    "contracts": (READ, "{ contracts(first: 1) { totalCount } }"),
    "identificationObject": (
        READ,
        '{ identificationObject(kind: FUEL_CARD, number: "0") { number } }',
    ),
    "identificationObjects": (READ, "{ identificationObjects(first: 1) { totalCount } }"),
    "document": (READ, '{ document(number: "none") { number } }'),
    "documents": (READ, "{ documents(first: 1) { totalCount } }"),
    "material": (READ, '{ material(number: "none") { number } }'),
    "materials": (READ, "{ materials(first: 1) { totalCount } }"),
    "materialFacets": (READ, "{ materialFacets { type { count } } }"),
    "project": (READ, '{ project(number: "none") { number } }'),
    "projects": (READ, "{ projects(first: 1) { totalCount } }"),
    "projectFacets": (READ, "{ projectFacets { status { count } } }"),
    "serverInfo": (READ, "{ serverInfo { hubVersion } }"),
    "matchCandidates": (STEWARD, "{ matchCandidates(first: 1) { totalCount } }"),
    # mutation roots
    "upsertBusinessPartner": (
        WRITE,
        'mutation { upsertBusinessPartner(input: {source: {system: "CRM", key: "M-1"}, '
        'kind: PERSON, lastName: "Matrix"}) { userErrors { code } } }',
    ),
    "upsertMaterial": (
        WRITE,
        'mutation { upsertMaterial(input: {source: {system: "CRM", key: "M-M1"}, '
        'number: "M-M1"}) { userErrors { code } } }',
    ),
    "upsertProject": (
        WRITE,
        'mutation { upsertProject(input: {source: {system: "CRM", key: "M-P1"}, '
        'number: "M-P1"}) { userErrors { code } } }',
    ),
    "upsertVehicle": (
        WRITE,
        'mutation { upsertVehicle(input: {source: {system: "CRM", key: "M-V1"}, '
        'vin: "WVWZZZ1JZXW000001"}) { userErrors { code } } }',
    ),
    "recordVehicleEvent": (
        WRITE,
        'mutation { recordVehicleEvent(input: {vehicle: {vin: "WVWZZZ1JZXW000002"}, '
        'type: SERVICED, occurredAt: "2024-01-01T10:00:00Z"}) { userErrors { code } } }',
    ),
    "upsertContract": (
        WRITE,
        'mutation { upsertContract(input: {source: {system: "CRM", key: "M-C1"}, '
        'number: "M-C1", type: SERVICE}) { userErrors { code } } }',
    ),
    "changeContract": (
        WRITE,
        'mutation { changeContract(input: {contract: {number: "none"}, process: CHOA, '
        'effectiveDate: "2024-01-01"}) { userErrors { code } } }',
    ),
    "changeContracts": (
        WRITE,
        'mutation { changeContracts(inputs: [{contract: {number: "none"}, process: CHOA, '
        'effectiveDate: "2024-01-01"}]) { userErrors { code } } }',
    ),
    "upsertIdentificationObject": (
        WRITE,
        'mutation { upsertIdentificationObject(input: {source: {system: "CRM", key: "M-I1"}, '
        'kind: FUEL_CARD, number: "7005 0000 0001"}) { userErrors { code } } }',
    ),
    "blockIdentificationObject": (
        WRITE,
        'mutation { blockIdentificationObject(id: "x", reason: "lost") { userErrors { code } } }',
    ),
    "upsertDocument": (
        WRITE,
        'mutation { upsertDocument(input: {source: {system: "CRM", key: "M-D1"}, '
        'number: "M-D1", revision: "1", type: CONTRACT}) { userErrors { code } } }',
    ),
    "rejectMatchCandidate": (
        STEWARD,
        'mutation { rejectMatchCandidate(id: "x") { userErrors { code } } }',
    ),
    "acceptMatchCandidate": (
        STEWARD,
        'mutation { acceptMatchCandidate(id: "x") { userErrors { code } } }',
    ),
    "mergeBusinessPartners": (
        STEWARD,
        'mutation { mergeBusinessPartners(input: {survivor: {id: "x"}, merged: [{id: "y"}]}) '
        "{ userErrors { code } } }",
    ),
    "overrideBusinessPartner": (
        STEWARD,
        'mutation { overrideBusinessPartner(input: {partner: {id: "x"}, overrides: []}) '
        "{ userErrors { code } } }",
    ),
    "unmergeBusinessPartner": (
        STEWARD,
        'mutation { unmergeBusinessPartner(source: {system: "CRM", key: "none"}) '
        "{ userErrors { code } } }",
    ),
    "changes": (READ, "{ changes(first: 1) { pageInfo { endCursor } } }"),
    "deleteRecord": (
        WRITE,
        'mutation { deleteRecord(kind: VEHICLE, source: {system: "CRM", key: "none"}) '
        "{ userErrors { code } } }",
    ),
    "erasePartner": (
        ADMIN,
        'mutation { erasePartner(id: "QnVzaW5lc3NQYXJ0bmVyOng=", reason: "asked") '
        "{ userErrors { code } } }",
    ),
    "checkInvoiceLines": (
        WRITE,
        'mutation { checkInvoiceLines(lines: [{supplier: "Scopes", invoiceNumber: "1", '
        'lineNumber: 1, identification: {kind: FUEL_CARD, number: "0"}, date: "2025-01-01", '
        'serviceCode: "FUEL", amount: "1.00", currency: "EUR"}]) { verdict } }',
    ),
    "invoiceLines": (READ, "{ invoiceLines(first: 1) { pageInfo { endCursor } } }"),
    "rejectedRows": (STEWARD, "{ rejectedRows(first: 1) { totalCount } }"),
    "resubmitRejectedRow": (
        STEWARD,
        'mutation { resubmitRejectedRow(id: "x", row: {}) { userErrors { code } } }',
    ),
    "dismissRejectedRow": (
        STEWARD,
        'mutation { dismissRejectedRow(id: "x", reason: "r") { userErrors { code } } }',
    ),
    "search": (READ, '{ search(text: "nothing") { vehicles { vin } } }'),
    "stewardshipOverview": (STEWARD, "{ stewardshipOverview(days: 1) { openNow } }"),
}
SCOPE_SETS = [(), ("read",), ("read", "read:personal"), ("write",), ("steward",), ("admin",)]


def test_every_root_field_declares_its_scope_and_is_in_the_matrix() -> None:
    schema = build_schema()._schema
    assert undeclared(schema) == []
    roots = {
        name
        for root in (schema.query_type, schema.mutation_type)
        if root is not None
        for name in root.fields
    }
    assert roots == set(ROOTS), "add the new root field to the matrix with its scope"


@pytest.fixture(scope="module")
def tokens(secured: RunningHub) -> dict[tuple[str, ...], str]:
    return {scopes: register(secured, *scopes, system="CRM") for scopes in SCOPE_SETS if scopes}


@pytest.mark.parametrize("field", sorted(ROOTS))
def test_each_root_field_is_allowed_or_refused_as_the_table_says(
    secured: RunningHub, tokens: dict[tuple[str, ...], str], field: str
) -> None:
    needed, document = ROOTS[field]
    anonymous = secured.post(document)
    assert anonymous.status_code == 401, field
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    for scopes, token in tokens.items():
        response = secured.post(document, token=token)
        body = response.json()
        if needed in scopes:
            assert response.status_code == 200, (field, scopes, body)
            assert body["data"][field] is not None or field in _LOOKUPS, (field, scopes, body)
        else:
            assert response.status_code == 403, (field, scopes, body)
            (error,) = body["errors"]
            assert error["extensions"] == {"code": "FORBIDDEN", "scopes": [needed]}
            assert f"{field} ({needed})" in error["message"]
            assert "data" not in body


_LOOKUPS = {
    "node",
    "businessPartner",
    "material",
    "project",
    "vehicle",
    "contract",
    "identificationObject",
    "document",
}


def test_a_match_candidate_by_its_id_needs_the_steward_scope(
    secured: RunningHub, tokens: dict[tuple[str, ...], str]
) -> None:
    document = '{ node(id: "TWF0Y2hDYW5kaWRhdGU6eA") { id } }'  # MatchCandidate:x
    reader = secured.post(document, token=tokens[(READ,)]).json()
    (error,) = reader["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN" and "match candidate" in error["message"]
    steward = register(secured, READ, STEWARD, system="CRM")
    assert secured.post(document, token=steward).json()["data"] == {"node": None}


def test_the_candidate_a_write_queued_is_shown_only_to_stewards(
    secured: RunningHub, unique: str
) -> None:
    def father_or_son(token: str, key: str, born: str) -> dict[str, Any]:
        family = {"W": "Schreiber", "S": "Verwalter"}[key[0]] + unique
        person = {
            "source": {"system": "CRM", "key": f"{key}-{unique}"}, "kind": "PERSON",
            "firstName": "Paul", "lastName": family, "birthDate": born,
            "email": f"familie.{family}@example.org",
            "addresses": [{"street": "Lindenweg", "houseNumber": "3", "postalCode": "80331",
                           "city": "München", "country": "DE"}],
        }  # fmt: skip
        document = """mutation($i: BusinessPartnerInput!) { upsertBusinessPartner(input: $i) {
          created matchOutcome { action candidate { id } } } }"""
        body: dict[str, Any] = secured.post(document, {"i": person}, token=token).json()
        return body

    writer = register(secured, WRITE, system="CRM")
    father_or_son(writer, "WF", "1953-10-11")
    written = father_or_son(writer, "WS", "1985-02-19")
    outcome = written["data"]["upsertBusinessPartner"]
    assert outcome["created"] is True, "the write stands"
    assert outcome["matchOutcome"] == {"action": "QUEUED_FOR_REVIEW", "candidate": None}
    (error,) = written["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["path"] == ["upsertBusinessPartner", "matchOutcome", "candidate"]
    assert "steward" in error["message"]

    steward = register(secured, WRITE, STEWARD, system="CRM")
    father_or_son(steward, "SF", "1951-04-07")
    again = father_or_son(steward, "SS", "1983-09-23")
    assert "errors" not in again, again
    candidate = again["data"]["upsertBusinessPartner"]["matchOutcome"]["candidate"]["id"]

    # The partners in the queue are read as any partner is: with read.
    queue = "{ matchCandidates(first: 100) { edges { node { id left { name } } } } }"
    refused = secured.post(queue, token=steward).json()
    assert "Paul" not in json.dumps(refused.get("data")), refused
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"FORBIDDEN"}
    assert "read" in refused["errors"][0]["message"]
    reader = register(secured, READ, STEWARD, system="CRM")
    shown = secured.post(queue, token=reader).json()
    edges = shown["data"]["matchCandidates"]["edges"]
    assert candidate in [e["node"]["id"] for e in edges], shown


def test_a_write_only_client_reads_nothing_through_its_writes_answer(
    secured: RunningHub, unique: str
) -> None:
    writer = register(secured, WRITE, system="CRM")
    document = """mutation($i: BusinessPartnerInput!) { upsertBusinessPartner(input: $i) {
      created userErrors { code } businessPartner { name vehicles { totalCount } } } }"""
    variables = {"i": {"source": {"system": "CRM", "key": f"WO-{unique}"},
                       "kind": "ORGANIZATION", "organizationName": f"Write Only {unique}"}}  # fmt: skip
    written = secured.post(document, variables, token=writer).json()
    payload = written["data"]["upsertBusinessPartner"]
    assert payload == {"created": True, "userErrors": [], "businessPartner": None}
    (error,) = written["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN" and "read" in error["message"]
    assert error["path"] == ["upsertBusinessPartner", "businessPartner"]

    reader_and_writer = register(secured, READ, WRITE, system="CRM")
    again = secured.post(document, variables, token=reader_and_writer).json()
    assert "errors" not in again, again
    assert again["data"]["upsertBusinessPartner"]["businessPartner"]["name"] == (
        f"Write Only {unique}"
    )


def test_a_steward_without_read_personal_cannot_override_what_is_masked_for_it(
    secured: RunningHub, unique: str
) -> None:
    writer = register(secured, WRITE, system="CRM")
    person = {"source": {"system": "CRM", "key": f"MASK-{unique}"}, "kind": "PERSON",
              "firstName": "Masha", "lastName": f"Masked{unique}",
              "addresses": [{"street": "Prinzregentenstraße", "houseNumber": "100",
                             "postalCode": "81677", "city": "München", "country": "DE"}]}  # fmt: skip
    upsert = "mutation($i: BusinessPartnerInput!) { upsertBusinessPartner(input: $i) { created } }"
    secured.post(upsert, {"i": person}, token=writer)
    steward = register(secured, READ, STEWARD, system="CRM")
    override = """mutation($i: OverrideInput!) { overrideBusinessPartner(input: $i) {
      businessPartner { name } userErrors { field code message } } }"""
    masked = '[{"postalCode": "81677", "city": "Munich", "country": "DE"}]'
    given: dict[str, Any] = {
        "partner": {"source": {"system": "CRM", "key": f"MASK-{unique}"}}, "reason": "r",
        "overrides": [{"attribute": "lastName", "value": f"Masked{unique}"},
                      {"attribute": "addresses", "value": masked}]}  # fmt: skip
    answer = secured.post(override, {"i": given}, token=steward).json()
    (error,) = answer["data"]["overrideBusinessPartner"]["userErrors"]
    assert (error["field"], error["code"]) == (
        ["input", "overrides", "1", "attribute"],
        "FORBIDDEN",
    )
    assert "read:personal" in error["message"]
    (kept,) = secured.run(
        secured.store.query(
            "MATCH (:SourceRecord {system: 'CRM', key: $key})-[:SOURCE_OF]->(p)-[:HAS_ADDRESS]->(a)"
            " RETURN a.street AS street, p.overrides AS overrides",
            {"key": f"MASK-{unique}"},
        )
    )
    assert kept == {"street": "Prinzregentenstraße", "overrides": None}, "nothing was written"
    given["overrides"] = given["overrides"][:1]
    named = secured.post(override, {"i": given}, token=steward).json()
    assert named["data"]["overrideBusinessPartner"]["userErrors"] == [], named
    # An organisation's address and e-mail are no one's personal data: shown, and overridden.
    firm = {"source": {"system": "CRM", "key": f"MASKF-{unique}"}, "kind": "ORGANIZATION",
            "organizationName": f"Maskfirma {unique} GmbH",
            "addresses": [{"street": "Hafenweg", "postalCode": "20095", "city": "Hamburg"}]}  # fmt: skip
    secured.post(upsert, {"i": firm}, token=writer)
    org = {"partner": {"source": {"system": "CRM", "key": f"MASKF-{unique}"}}, "reason": "r",
           "overrides": [{"attribute": "email", "value": "info@maskfirma.example"}]}  # fmt: skip
    firm_answer = secured.post(override, {"i": org}, token=steward).json()
    assert firm_answer["data"]["overrideBusinessPartner"]["userErrors"] == [], firm_answer


# ---- writes under the client's own system ---------------------------------------------------


def _partner(token: str, system: str, key: str) -> dict[str, Any]:
    return {
        "query": """mutation($i: BusinessPartnerInput!) {
          upsertBusinessPartner(input: $i) { created userErrors { field code message } } }""",
        "variables": {
            "i": {"source": {"system": system, "key": key}, "kind": "ORGANIZATION",
                  "organizationName": f"Own System {key}"}
        },
    }  # fmt: skip


def test_a_client_writes_only_under_its_own_systems_keys(secured: RunningHub, unique: str) -> None:
    token = register(secured, "read", "write", system="CRM")
    with secured.client(token) as client:
        own = client.post("/graphql", json=_partner(token, "crm", f"OWN-{unique}")).json()
        other = client.post("/graphql", json=_partner(token, "ERP", f"OWN-{unique}")).json()
    assert own["data"]["upsertBusinessPartner"]["created"] is True
    (error,) = other["data"]["upsertBusinessPartner"]["userErrors"]
    assert (error["field"], error["code"]) == (["input", "source"], "FORBIDDEN")
    assert "ERP" in error["message"]
    found = secured.run(
        secured.store.query(
            "MATCH (s:SourceRecord {system: 'ERP', key: $key}) RETURN count(s) AS n",
            {"key": f"OWN-{unique}"},
        )
    )
    assert found == [{"n": 0}], "nothing is written under another system's key"


def test_a_client_deletes_only_under_its_own_systems_keys(secured: RunningHub) -> None:
    token = register(secured, WRITE, system="CRM")
    document = """mutation { deleteRecord(kind: VEHICLE, source: {system: "ERP", key: "k"}) {
      userErrors { field code } } }"""
    answer = secured.post(document, token=token).json()
    assert answer["data"]["deleteRecord"]["userErrors"] == [
        {"field": ["source"], "code": "FORBIDDEN"}
    ], "the path names the argument, as the mutation has no input"


def test_references_to_other_systems_keys_are_fine(secured: RunningHub, unique: str) -> None:
    erp = register(secured, "write", system="ERP")
    crm = register(secured, "write", system="CRM")
    with secured.client(erp) as client:
        client.post("/graphql", json=_partner(erp, "ERP", f"REF-{unique}"))
    vehicle = secured.graphql(
        """mutation($i: VehicleInput!) { upsertVehicle(input: $i) { userErrors { code } } }""",
        {
            "i": {
                "source": {"system": "CRM", "key": f"V-{unique}"},
                "vin": f"WVWZZZ1JZXW{unique[:6].replace('I', '1').replace('O', '0')}",
                "owner": {"source": {"system": "ERP", "key": f"REF-{unique}"}},
            }
        },
        token=crm,
    )
    assert vehicle["data"]["upsertVehicle"]["userErrors"] == []


def test_a_change_process_needs_a_record_of_the_clients_system(
    secured: RunningHub, unique: str
) -> None:
    erp = register(secured, "write", system="ERP")
    crm = register(secured, "write", system="CRM")
    contract = (
        """mutation($i: ContractInput!) { upsertContract(input: $i) { userErrors { code } } }"""
    )
    number = f"K-{unique}"
    values = {"number": number, "type": "SERVICE", "status": "ACTIVE", "startDate": "2024-01-01"}
    assert not secured.graphql(
        contract, {"i": {"source": {"system": "ERP", "key": number}, **values}}, token=erp
    )["data"]["upsertContract"]["userErrors"]
    change = """mutation($n: String!) { changeContract(input: {contract: {number: $n},
        process: CHOA, effectiveDate: "2025-01-01"}) { userErrors { field code } } }"""
    refused = secured.graphql(change, {"n": number}, token=crm)["data"]["changeContract"]
    assert refused["userErrors"] == [{"field": ["input", "contract"], "code": "FORBIDDEN"}]
    allowed = secured.graphql(change, {"n": number}, token=erp)["data"]["changeContract"]
    assert allowed["userErrors"] == []

    # A source the client's system deleted feeds the record no longer.
    joined = secured.graphql(
        contract, {"i": {"source": {"system": "CRM", "key": number}, **values}}, token=crm
    )
    assert not joined["data"]["upsertContract"]["userErrors"]
    deleted = secured.graphql(
        """mutation($k: String!) { deleteRecord(kind: CONTRACT, source: {system: "CRM", key: $k})
        { recordDeleted userErrors { code } } }""",
        {"k": number},
        token=crm,
    )["data"]["deleteRecord"]
    assert deleted == {"recordDeleted": False, "userErrors": []}
    gone = secured.graphql(change, {"n": number}, token=crm)["data"]["changeContract"]
    assert gone["userErrors"] == [{"field": ["input", "contract"], "code": "FORBIDDEN"}]


# ---- personal data ----------------------------------------------------------------------------

PARTNER = """
query($key: String!) {
  businessPartner(source: {system: "CRM", key: $key}) {
    name email phone birthDate taxNumber addresses { street houseNumber postalCode city }
    lineage { attribute value others { value } }
  }
}
"""


def _people(secured: RunningHub, unique: str) -> None:
    writer = register(secured, "write", system="CRM")
    upsert = """mutation($i: BusinessPartnerInput!) {
        upsertBusinessPartner(input: $i) { userErrors { code } } }"""
    address = {"street": "Hauptstr.", "houseNumber": "1", "postalCode": "80331",
               "city": "München", "country": "DE"}  # fmt: skip
    for kind, names in (
        ("PERSON", {"firstName": "Erika", "lastName": f"Muster{unique}",
                    "birthDate": "1970-05-06"}),
        ("ORGANIZATION", {"organizationName": f"Muster GmbH {unique}"}),
    ):  # fmt: skip
        data = {
            "source": {"system": "CRM", "key": f"{kind}-{unique}"},
            "kind": kind,
            "email": "info@example.com",
            "phone": "+49 89 1234567",
            "taxNumber": "DE123456789",
            "addresses": [address],
            **names,
        }
        body = secured.graphql(upsert, {"i": data}, token=writer)
        assert body["data"]["upsertBusinessPartner"]["userErrors"] == []


def test_personal_data_of_persons_needs_read_personal(secured: RunningHub, unique: str) -> None:
    _people(secured, unique)
    reader = register(secured, "read")
    person = secured.graphql(PARTNER, {"key": f"PERSON-{unique}"}, token=reader)
    assert "errors" not in person
    shown = person["data"]["businessPartner"]
    assert shown["name"] == f"Erika Muster{unique}"
    assert [shown[f] for f in ("email", "phone", "birthDate", "taxNumber")] == [None] * 4
    assert shown["addresses"] == [
        {"street": None, "houseNumber": None, "postalCode": "80331", "city": "München"}
    ]
    lineage = {item["attribute"]: item for item in shown["lineage"]}
    assert lineage["email"]["value"] is None and lineage["birthDate"]["value"] is None
    assert "Hauptstr." not in lineage["addresses"]["value"]
    assert "80331" in lineage["addresses"]["value"]

    entitled = register(secured, "read", "read:personal")
    full = secured.graphql(PARTNER, {"key": f"PERSON-{unique}"}, token=entitled)
    partner = full["data"]["businessPartner"]
    assert (partner["email"], partner["birthDate"]) == ("info@example.com", "1970-05-06")
    assert partner["addresses"][0]["street"] == "Hauptstr."


HISTORY = """
query($key: String!) {
  businessPartner(source: {system: "CRM", key: $key}) {
    changeHistory { edges { node { changes { field after hidden } } } }
  }
}
"""


def test_a_persons_street_is_hidden_in_change_events_too(secured: RunningHub, unique: str) -> None:
    _people(secured, unique)
    reader = register(secured, "read")

    def addresses(kind: str, token: str) -> tuple[Any, bool]:
        found = secured.graphql(HISTORY, {"key": f"{kind}-{unique}"}, token=token)
        edges = found["data"]["businessPartner"]["changeHistory"]["edges"]
        (change,) = [c for c in edges[0]["node"]["changes"] if c["field"] == "addresses"]
        return change["after"], change["hidden"]

    after, hidden = addresses("PERSON", reader)
    assert hidden and "Hauptstr." not in json.dumps(after) and "80331" in json.dumps(after)
    after, hidden = addresses("ORGANIZATION", reader)
    assert not hidden and "Hauptstr." in json.dumps(after)
    after, hidden = addresses("PERSON", register(secured, "read", "read:personal"))
    assert not hidden and "Hauptstr." in json.dumps(after)


def test_an_organisations_contact_data_is_not_personal(secured: RunningHub, unique: str) -> None:
    _people(secured, unique)
    reader = register(secured, "read")
    organisation = secured.graphql(PARTNER, {"key": f"ORGANIZATION-{unique}"}, token=reader)
    shown = organisation["data"]["businessPartner"]
    assert (shown["email"], shown["taxNumber"]) == ("info@example.com", "DE123456789")
    assert shown["addresses"][0]["street"] == "Hauptstr."


def test_filtering_on_personal_data_needs_read_personal(secured: RunningHub, unique: str) -> None:
    _people(secured, unique)
    query = """{ businessPartners(where: {OR: [{name: {eq: "x"}}, {email: {eq: "info@example.com"}}]})
                 { totalCount } }"""
    refused = secured.graphql(query, token=register(secured, "read"))
    (error,) = refused["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert "email" in error["message"] and "read:personal" in error["message"]
    allowed = secured.graphql(query, token=register(secured, "read", "read:personal"))
    assert allowed["data"]["businessPartners"]["totalCount"] >= 2


@pytest.mark.parametrize(
    ("where", "tested"),
    [
        ('{relationship: {partner: {birthDate: {lt: "1990-01-01"}}}}',
         "relationship.partner.birthDate"),
        ('{relationship: {partner: {relationship: {partner: {phone: {isNull: false}}}}}}',
         "relationship.partner.relationship.partner.phone"),
        ('{NOT: {relationship: {partner: {OR: [{email: {startsWith: "i"}}]}}}}',
         "relationship.partner.email"),
    ],
)  # fmt: skip
def test_filtering_on_related_partners_personal_data_needs_read_personal(
    secured: RunningHub, unique: str, where: str, tested: str
) -> None:
    query = f"{{ businessPartners(where: {where}) {{ totalCount }} }}"
    refused = secured.graphql(query, token=register(secured, "read"))
    (error,) = refused["errors"]
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert tested in error["message"] and "read:personal" in error["message"]
    allowed = secured.graphql(query, token=register(secured, "read", "read:personal"))
    assert "errors" not in allowed
    # A related partner's name is no personal data.
    named = (
        '{ businessPartners(where: {relationship: {partner: {name: {eq: "x"}}}}) { totalCount } }'
    )
    assert "errors" not in secured.graphql(named, token=register(secured, "read"))


def test_the_schema_says_which_fields_are_personal_and_which_scope_each_root_needs() -> None:
    schema = build_schema()._schema
    partner = schema.type_map["BusinessPartner"].fields  # type: ignore[attr-defined]
    for name in ("email", "phone", "birthDate", "taxNumber"):
        assert "read:personal" in partner[name].description
    assert "read:personal" not in partner["name"].description
    assert schema.query_type is not None
    assert "`read` scope" in (schema.query_type.fields["vehicles"].description or "")


# ---- the actor the audit records ------------------------------------------------------------


def test_the_audit_names_the_client_and_keeps_x_hub_user_as_on_behalf_of(
    secured: RunningHub, unique: str
) -> None:
    token = register(secured, "write", system="CRM")
    with secured.client(token) as client:
        client.post(
            "/graphql",
            json=_partner(token, "CRM", f"AUD-{unique}"),
            headers={"X-Hub-User": "anna.schmidt"},
        )
    (name,) = secured.run(
        secured.store.query(
            "MATCH (c:ApiClient {tokenHash: $h}) RETURN c.name AS name",
            {"h": token_hash(token)},
        )
    )
    (partner,) = secured.run(
        secured.store.query(
            "MATCH (:SourceRecord {system: 'CRM', key: $key})-[:SOURCE_OF]->(p) RETURN p.id AS id",
            {"key": f"AUD-{unique}"},
        )
    )
    (event,) = secured.run(
        of_records(secured.store.query, "BusinessPartner", [partner["id"]], pending=True)
    )
    assert (event["by"], event["bySystem"], event["onBehalfOf"]) == (
        name["name"],
        "CRM",
        "anna.schmidt",
    )


def test_a_name_sent_in_utf_8_in_x_hub_user_is_recorded_as_written() -> None:
    principal = Principal("crm-sync", "CRM", frozenset(), "client")
    # HTTP servers hand header bytes over as Latin-1.
    sent = {"x-hub-user": "Zoë Ørsted".encode().decode("latin-1")}
    assert actor_of(principal, sent).on_behalf_of == "Zoë Ørsted"
    assert actor_of(principal, {"x-hub-user": "Zo\xeb"}).on_behalf_of == "Zo\xeb", "not UTF-8"
