"""Protective limits: depth, size and estimated cost of a query, each client's budget, body
sizes, list maxima, time, and a bystander answered while another client reads heavily."""

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.domain import deliveries, kinds, service
from tests.conftest import make_settings, register
from tests.harness import RunningHub, serve_beside, vin_for

LOOKUP = '{ businessPartner(source: {system: "CRM", key: "nobody"}) { name } }'


def _nested(depth: int) -> str:
    inner = "vin"
    for _ in range(depth):
        inner = f"vin owner {{ name vehicles(first: 100) {{ edges {{ node {{ {inner} }} }} }} }}"
    return (
        "{ businessPartners(first: 100) { edges { node { name vehicles(first: 100) "
        f"{{ edges {{ node {{ {inner} }} }} }} }} }} }} }}"
    )


def _refusal(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", error
    extensions: dict[str, Any] = error["extensions"]
    return extensions


# What the hub sends on its own while it runs: the change log's numbering of what other
# processes logged, the registered clients read again every few seconds, and the term counts
# of earlier upserts, written a moment after them.
_BACKGROUND = ("ChangeBatch", "ChangeLog", "ApiClient", "MatchTerm")


@contextlib.contextmanager
def _statements_sent(hub: RunningHub) -> Iterator[list[str]]:
    """The statements the hub sends meanwhile, but for its background ones."""
    sent: list[str] = []
    count = hub.store.count

    def noted(cypher: str) -> None:
        if not any(label in cypher for label in _BACKGROUND):
            sent.append(cypher)
        count(cypher)

    hub.store.count = noted  # type: ignore[method-assign]
    try:
        yield sent
    finally:
        hub.store.count = count  # type: ignore[method-assign]


def test_a_query_nested_30_deep_is_refused_before_it_runs(hub: RunningHub) -> None:
    with _statements_sent(hub) as sent:
        extensions = _refusal(hub.post(_nested(30)))
    assert extensions["measure"] == "depth" and extensions["limit"] == 15
    # Its estimated cost is named too, capped where JavaScript holds a number exactly.
    assert extensions["cost"] == 2**53 - 1
    assert sent == [], "nothing reached the database"
    with _statements_sent(hub) as control:
        hub.post("{ businessPartners(first: 1) { edges { node { name } } } }")
    assert control, "a query that runs is seen"
    with hub.client() as client:
        assert client.get("/readyz").status_code == 200


def test_the_estimated_cost_is_refused_past_the_limit_with_cost_and_limit(hub: RunningHub) -> None:
    extensions = _refusal(hub.post(_nested(1)))
    assert extensions["measure"] == "cost"
    assert extensions["cost"] > extensions["limit"] == 10_000


def test_page_sizes_from_variables_count_in_the_cost(hub: RunningHub) -> None:
    query = """query($n: Int) { businessPartners(first: $n) { edges { node {
        vehicles(first: $n) { edges { node { vin } } } } } } }"""
    small = hub.post(query, {"n": 5}).json()
    # The list, each partner, each partner's vehicle connection, each vehicle.
    assert small["extensions"]["cost"] == 1 + 5 * (1 + 1 + 5)
    assert _refusal(hub.post(query, {"n": 100}))["measure"] == "cost"


def test_the_long_pages_of_the_change_log_count_as_long_as_they_are(hub: RunningHub) -> None:
    def cost(query: str, variables: dict[str, Any] | None = None) -> int:
        return int(hub.post(query, variables).json()["extensions"]["cost"])

    # Each event's record, read on its own: one per event of the page.
    feed = "{ changes(first: %d) { edges { node { record { id } } } } }"
    assert cost(feed % 1000) > 9 * cost(feed % 100) > 100
    # Left out, the page is the list's own default (100 events, 50 invoice lines).
    assert cost("{ changes { edges { node { record { id } } } } }") == cost(feed % 100)
    by_variable = "query($n: Int) { changes(first: $n) { edges { node { record { id } } } } }"
    assert cost(by_variable, {"n": 1000}) == cost(feed % 1000)
    assert cost(by_variable, {}) == cost(feed % 100)
    # A variable left out counts as the default the operation gives it.
    declared = by_variable.replace("$n: Int", "$n: Int = 1000")
    assert cost(declared, {}) == cost(feed % 1000)
    lines = "{ invoiceLines%s { edges { node { contract { number } } } } }"
    assert cost(lines % "") == cost(lines % "(first: 50)") < cost(lines % "(first: 1000)")
    # Beyond what a list gives, the list refuses it and names its limit.
    refused = hub.post("{ businessPartners(first: 500) { totalCount } }").json()
    assert "100" in refused["errors"][0]["message"], refused


def test_every_answer_carries_its_cost(hub: RunningHub) -> None:
    body = hub.graphql("{ vehicles(first: 7) { edges { node { vin owner { name } } } } }")
    assert body["extensions"]["cost"] == 1 + 7 * (1 + 1)
    assert hub.graphql("{ __typename }")["extensions"]["cost"] == 0


def test_a_thousand_aliases_are_refused(hub: RunningHub) -> None:
    aliased = " ".join(f"a{i}: businessPartners(first: 5) {{ totalCount }}" for i in range(1000))
    extensions = _refusal(hub.post("{ " + aliased + " }"))
    assert extensions["measure"] == "aliases" and extensions["limit"] == 100


def test_fragments_spread_into_millions_of_fields_are_refused_quickly(hub: RunningHub) -> None:
    fragments = ["fragment F0 on Vehicle { vin make model }"]
    for n in range(1, 12):
        fragments.append(f"fragment F{n} on Vehicle {{ ...F{n - 1} ...F{n - 1} ...F{n - 1} }}")
    query = "{ vehicles(first: 1) { edges { node { ...F11 } } } } " + " ".join(fragments)
    started = time.monotonic()
    extensions = _refusal(hub.post(query))
    assert extensions["measure"] == "fields"
    assert time.monotonic() - started < 30  # 3**11 fields would take minutes to look at


def test_a_document_runs_at_most_the_allowed_mutations(hub: RunningHub) -> None:
    many = " ".join(
        f'm{i}: blockIdentificationObject(id: "x", reason: "r") {{ userErrors {{ code }} }}'
        for i in range(51)
    )
    extensions = _refusal(hub.post("mutation { " + many + " }"))
    assert extensions == {**extensions, "measure": "mutations", "value": 51, "limit": 50}


# ---- lists in a delivery ----------------------------------------------------------------------

ADDRESSES = """
mutation($key: String!, $addresses: [AddressInput!]) {
  upsertBusinessPartner(input: {source: {system: "CRM", key: $key}, kind: PERSON,
                                lastName: "Lists", addresses: $addresses}) {
    created userErrors { field code message }
  }
}
"""


@pytest.mark.parametrize("count", [51, 5000])
def test_a_delivery_with_more_addresses_than_allowed_is_refused(
    hub: RunningHub, unique: str, count: int
) -> None:
    addresses = [{"street": f"Weg {i}", "city": "Köln", "country": "DE"} for i in range(count)]
    result = hub.graphql(ADDRESSES, {"key": f"L-{unique}", "addresses": addresses})
    payload = result["data"]["upsertBusinessPartner"]
    assert payload["created"] is False
    assert payload["userErrors"] == [
        {
            "field": ["input", "addresses"],
            "code": "TOO_MANY",
            "message": f"addresses holds {count} items; at most 50 are allowed",
        }
    ]
    found = hub.run(
        hub.store.query(
            "MATCH (s:SourceRecord {system: 'CRM', key: $key}) RETURN count(s) AS n",
            {"key": f"L-{unique}"},
        )
    )
    assert found == [{"n": 0}]


def test_fifty_addresses_are_fine(hub: RunningHub, unique: str) -> None:
    addresses = [{"street": f"Weg {i}", "city": "Köln", "country": "DE"} for i in range(50)]
    result = hub.graphql(ADDRESSES, {"key": f"L-{unique}", "addresses": addresses})
    assert result["data"]["upsertBusinessPartner"] == {"created": True, "userErrors": []}


def test_contract_lists_have_their_maxima(hub: RunningHub, unique: str) -> None:
    items = [
        {"uiid": f"U-{unique}-{i}", "kind": "SERVICE",
         "singleServices": [{"code": f"S{j}", "coveragePercent": 100} for j in range(101)]}
        for i in range(2)
    ]  # fmt: skip
    result = hub.graphql(
        """mutation($i: ContractInput!) { upsertContract(input: $i) { userErrors { field code } } }""",
        {
            "i": {
                "source": {"system": "CRM", "key": f"K-{unique}"},
                "number": f"K-{unique}",
                "type": "SERVICE",
                "items": items,
            }
        },
    )
    assert result["data"]["upsertContract"]["userErrors"] == [
        {"field": ["input", "items", "0", "singleServices"], "code": "TOO_MANY"},
        {"field": ["input", "items", "1", "singleServices"], "code": "TOO_MANY"},
    ]


# ---- budgets, bodies, time -------------------------------------------------------------------


@pytest.fixture(scope="module")
def strict(secured: RunningHub) -> Iterator[RunningHub]:
    """The secured store served with small budgets, bodies and time limits."""
    settings = make_settings(
        secured.services.settings.data_dir,
        auth="required",
        cost_per_minute=60,
        max_body_kb=2,
        max_upload_mb=1,
    )
    with serve_beside(secured, settings) as running:
        yield running


def test_a_client_past_its_budget_is_told_when_to_come_back(strict: RunningHub) -> None:
    greedy, patient = register(strict, "read"), register(strict, "read")
    query = "{ vehicles(first: 20) { edges { node { vin } } } }"  # costs 21
    statuses = [strict.post(query, token=greedy) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 429, 429]
    refused = statuses[-1]
    (error,) = refused.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) >= 1
    assert strict.post(query, token=patient).status_code == 200, "budgets are per client"


def test_a_body_larger_than_allowed_gets_413(strict: RunningHub) -> None:
    token = register(strict, "read")
    padding = "x" * 4000
    response = strict.post(f"{{ __typename }} # {padding}", token=token)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "TOO_LARGE"


def test_an_upload_larger_than_allowed_gets_413(strict: RunningHub) -> None:
    token = register(strict, "write", system="PDM")
    operations = (
        '{"query": "mutation($f: Upload) { upsertDocument(input: {source: {system: \\"PDM\\", '
        'key: \\"BIG\\"}, number: \\"BIG\\", revision: \\"1\\", type: CONTRACT}, file: $f) '
        '{ userErrors { code } } }", "variables": {"f": null}}'
    )
    with strict.client(token) as client:
        response = client.post(
            "/graphql",
            data={"operations": operations, "map": '{"0": ["variables.f"]}'},
            files={"0": ("big.pdf", b"%PDF" + b"0" * (2 * 1024 * 1024), "application/pdf")},
        )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "TOO_LARGE"


def test_a_request_past_its_time_is_stopped_with_timeout(secured: RunningHub) -> None:
    settings = make_settings(
        secured.services.settings.data_dir, auth="required", request_timeout=0.000001
    )
    token = register(secured, "read")
    with serve_beside(secured, settings) as hurried:
        response = hurried.post("{ vehicles(first: 5) { totalCount } }", token=token)
    assert response.status_code == 504
    assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"


# ---- fairness ---------------------------------------------------------------------------------


def _fleet(hub: RunningHub, token: str, size: int) -> None:
    """A fleet customer owning ``size`` vehicles, written in two batches."""
    partner, _ = deliveries.partner(
        {"source": {"system": "CRM", "key": f"FLEET-{token}"}, "kind": "ORGANIZATION",
         "organizationName": f"Fleet {token}"}
    )  # fmt: skip
    assert partner is not None
    hub.run(service.upsert_batch(hub.store, kinds.BUSINESS_PARTNER, [partner]))
    vehicles = []
    for n in range(size):
        built, problems = deliveries.vehicle(
            {
                "source": {"system": "VMS", "key": f"{token}-{n}"},
                "vin": vin_for(token, n),
                "make": "VW",
                "owner": {"source": {"system": "CRM", "key": f"FLEET-{token}"}},
            }
        )
        assert built is not None, problems
        vehicles.append(built)
    hub.run(service.upsert_batch(hub.store, kinds.VEHICLE, vehicles), timeout=120)


HEAVY = """
query($key: String!) {
  businessPartner(source: {system: "CRM", key: $key}) {
    vehicles(first: 95) { totalCount edges { node { vin make owner {
      vehicles(first: 100) { totalCount edges { node { vin make model modelYear } } } } } } }
  }
}
"""


@pytest.mark.engine  # the heavy reads must be as fast as the engine makes them
def test_a_bystander_is_answered_while_another_client_reads_heavily(
    secured: RunningHub, unique: str
) -> None:
    _fleet(secured, unique, 150)
    heavy, bystander = register(secured, "read"), register(secured, "read")
    cost = secured.post(HEAVY, {"key": f"FLEET-{unique}"}, token=heavy).json()["extensions"]
    assert 9_000 < cost["cost"] <= 10_000, "about the costliest query the limits allow"

    async def run() -> tuple[list[float], float]:
        async with (
            httpx.AsyncClient(base_url=secured.url, timeout=120) as client,
        ):

            async def post(
                token: str, query: str, variables: dict[str, Any], *, heavy: bool = False
            ) -> float:
                response = await client.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {token}"},
                )
                # On a busy machine a heavy read may meet its deadline: stopping it is the
                # limits working. The bystander's lookup must be answered.
                allowed = {200, 504} if heavy else {200}
                assert response.status_code in allowed, response.text
                return time.monotonic()

            started = time.monotonic()
            load = [
                asyncio.ensure_future(post(heavy, HEAVY, {"key": f"FLEET-{unique}"}, heavy=True))
                for _ in range(16)
            ]
            await asyncio.sleep(0.2)  # the heavy reads are under way
            asked = time.monotonic()
            answered = await post(bystander, LOOKUP, {})
            finished = await asyncio.gather(*load)
            return [f - started for f in finished], answered - asked

    heavy_times, lookup = asyncio.run(run())
    # Ordering, not a wall-clock bound: the lookup is answered while the heavy reads go on.
    assert lookup < max(heavy_times) - 0.2, (lookup, heavy_times)
    print(f"bystander's lookup: {lookup * 1000:.0f} ms; 16 heavy reads took up to "
          f"{max(heavy_times):.1f} s")  # fmt: skip


def test_32_concurrent_upserts_of_one_person_get_no_server_error(
    hub: RunningHub, unique: str
) -> None:
    query = """mutation($key: String!, $last: String!) {
      upsertBusinessPartner(input: {source: {system: "CRM", key: $key}, kind: PERSON,
          firstName: "Hans", lastName: $last, birthDate: "1970-01-01", email: "hz@example.com",
          addresses: [{street: "Hauptstr.", houseNumber: "1", postalCode: "80331",
                       city: "München", country: "DE"}]}) {
        userErrors { code } matchOutcome { action }
      }
    }"""

    def variables(i: int) -> dict[str, str]:
        return {"key": f"C32-{unique}-{i}", "last": f"Zq{unique}"}

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=hub.url, timeout=120) as client:
            return await asyncio.gather(
                *(
                    client.post("/graphql", json={"query": query, "variables": variables(i)})
                    for i in range(32)
                )
            )

    responses = asyncio.run(run())
    assert [r.status_code for r in responses] == [200] * 32
    assert all("errors" not in r.json() for r in responses), [r.json() for r in responses]
    actions = {
        r.json()["data"]["upsertBusinessPartner"]["matchOutcome"]["action"] for r in responses
    }
    assert actions <= {"CREATED", "AUTO_MERGED", "MATCHED_EXISTING", "QUEUED_FOR_REVIEW"}
