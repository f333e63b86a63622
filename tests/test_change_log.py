"""The change log: every change as an event with before and after, in one order that a
consumer paging while writers commit sees exactly once; history per record; the feed over
WebSocket."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from graph_schema import MODEL
from hub.api.changes import RecordKind
from hub.auth import clients
from hub.domain import change_log, deliveries, kinds, service
from hub.domain.webhooks import kind_name
from hub.ids import from_global
from hub.read import changes
from hub.read.changes import of_records
from hub.store.temporal import utc_now
from tests.conftest import make_settings, register
from tests.harness import RunningHub, ok, serve_beside, vin_for

VEHICLE = """
mutation($input: VehicleInput!) {
  upsertVehicle(input: $input) { vehicle { id } userErrors { field code message } }
}
"""
CHANGES = """
query($after: String, $first: Int, $kinds: [RecordKind!], $actions: [ChangeAction!],
      $systems: [String!]) {
  changes(after: $after, first: $first, kinds: $kinds, actions: $actions, systems: $systems) {
    edges { cursor node { id recordId kind action process version at reason
      source { system key } actor { client system onBehalfOf }
      changes { field before after hidden } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
HISTORY = """
query($id: ID!, $after: String) {
  vehicle(id: $id) {
    changeHistory(first: 2, after: $after) {
      edges { node { action version changes { field before after } source { system key } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


def vehicle(hub: RunningHub, unique: str, n: int = 0, **values: Any) -> str:
    data = {
        "source": {"system": "VMS", "key": f"V-{unique}-{n}"},
        "vin": vin_for(unique, n),
        "make": "VW",
        **values,
    }
    result = ok(hub, VEHICLE, {"input": data})["upsertVehicle"]
    assert result["userErrors"] == [], result
    vehicle_id: str = result["vehicle"]["id"]
    return vehicle_id


def read_all(hub: RunningHub, after: str | None = None, **filters: Any) -> tuple[list[Any], str]:
    """Every event after ``after`` and the cursor to continue from."""
    events: list[Any] = []
    while True:
        page = ok(hub, CHANGES, {"after": after, "first": 200, **filters})["changes"]
        events.extend(edge["node"] for edge in page["edges"])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return events, after


def _skip_to_end(hub: RunningHub) -> str:
    after = None
    while True:
        page = ok(hub, CHANGES, {"after": after, "first": 1000, "kinds": ["MATERIAL"]})["changes"]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            return str(after)


def test_an_update_is_an_event_with_each_value_before_and_after(
    hub: RunningHub, unique: str
) -> None:
    start = _skip_to_end(hub)
    vehicle_id = vehicle(hub, unique, make="VW", model="Golf")
    vehicle(hub, unique, make="VW", model="Passat", modelYear=2021)
    vehicle(hub, unique, make="VW", model="Passat", modelYear=2021)  # repeated: no event

    events = [e for e in read_all(hub, start)[0] if e["recordId"] == vehicle_id]

    assert [(e["action"], e["version"]) for e in events] == [("CREATED", 1), ("UPDATED", 2)]
    update = events[1]
    assert {c["field"]: (c["before"], c["after"]) for c in update["changes"]} == {
        "model": ("Golf", "Passat"),
        "modelYear": (None, 2021),
    }
    assert update["kind"] == "VEHICLE"
    assert update["source"] == {"system": "VMS", "key": f"V-{unique}-0"}
    assert update["actor"]["client"] == "local-developer"
    created = {c["field"]: c["after"] for c in events[0]["changes"]}
    assert created["vin"] == vin_for(unique) and created["model"] == "Golf"


def test_a_source_joining_a_record_without_changing_a_value_is_an_event(
    hub: RunningHub, unique: str
) -> None:
    """Those who follow the changes learn which record a new source key feeds."""
    start = _skip_to_end(hub)
    vehicle_id = vehicle(hub, unique, make="VW", model="Golf")
    same = {"source": {"system": "DEALER", "key": f"D-{unique}"}, "vin": vin_for(unique),
            "make": "VW", "model": "Golf"}  # fmt: skip
    for _ in range(2):  # the second time the source is known: nothing happens
        assert ok(hub, VEHICLE, {"input": same})["upsertVehicle"]["vehicle"]["id"] == vehicle_id
    events = [e for e in read_all(hub, start)[0] if e["recordId"] == vehicle_id]
    assert [(e["action"], e["version"]) for e in events] == [("CREATED", 1), ("UPDATED", 2)]
    assert events[1]["source"] == {"system": "DEALER", "key": f"D-{unique}"}
    assert events[1]["changes"] == []


def test_a_history_cursor_is_refused_on_another_records_history_and_on_the_feed(
    hub: RunningHub, unique: str
) -> None:
    first = vehicle(hub, unique, model="A")
    vehicle(hub, unique, model="B")
    other = vehicle(hub, unique, n=1, model="A")
    page = ok(hub, HISTORY, {"id": first})["vehicle"]["changeHistory"]
    cursor = page["pageInfo"]["endCursor"]
    elsewhere = hub.graphql(HISTORY, {"id": other, "after": cursor})
    assert elsewhere["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    feed = hub.graphql("query($a: String) { changes(after: $a) { nodes { id } } }", {"a": cursor})
    assert feed["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    feed_cursor = ok(hub, "{ changes(first: 1) { pageInfo { endCursor } } }")["changes"]
    taken = hub.graphql(HISTORY, {"id": first, "after": feed_cursor["pageInfo"]["endCursor"]})
    assert taken["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    again = ok(hub, HISTORY, {"id": first, "after": cursor})["vehicle"]["changeHistory"]
    assert again["edges"] == [] and not again["pageInfo"]["hasNextPage"]


def test_history_pages_one_records_events_oldest_first(hub: RunningHub, unique: str) -> None:
    vehicle_id = vehicle(hub, unique, model="A")
    for model in ("B", "C", "D"):
        vehicle(hub, unique, model=model)

    seen: list[Any] = []
    after = None
    while True:
        page = ok(hub, HISTORY, {"id": vehicle_id, "after": after})["vehicle"]["changeHistory"]
        seen.extend(edge["node"] for edge in page["edges"])
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break

    assert [e["version"] for e in seen] == [1, 2, 3, 4]
    assert [e["action"] for e in seen] == ["CREATED", "UPDATED", "UPDATED", "UPDATED"]
    models = [next(c for c in e["changes"] if c["field"] == "model") for e in seen[1:]]
    assert [(c["before"], c["after"]) for c in models] == [("A", "B"), ("B", "C"), ("C", "D")]


def test_a_large_batch_reads_like_single_changes(hub: RunningHub, unique: str) -> None:
    # A transaction of many events keeps them apart from its batch: the same events, in
    # the feed, in each record's history and by id.
    start = _skip_to_end(hub)
    rows = [
        {"source": {"system": "VMS", "key": f"L-{unique}-{n}"}, "vin": vin_for(unique, n)}
        for n in range(30)
    ]
    built = [deliveries.BUILDERS["Vehicle"](row, ()) for row in rows]
    hub.run(service.upsert_batch(hub.store, kinds.VEHICLE, [b for b, _ in built if b]))

    events = [e for e in read_all(hub, start)[0] if e["source"]["key"].startswith(f"L-{unique}")]
    assert [e["source"]["key"] for e in events] == [f"L-{unique}-{n}" for n in range(30)]
    assert all(e["action"] == "CREATED" for e in events)
    vins = [next(c["after"] for c in e["changes"] if c["field"] == "vin") for e in events]
    assert vins == [vin_for(unique, n) for n in range(30)]
    last = events[-1]
    history = ok(hub, HISTORY, {"id": last["recordId"]})["vehicle"]["changeHistory"]
    shown = [{k: c[k] for k in ("field", "before", "after")} for c in last["changes"]]
    assert [edge["node"]["changes"] for edge in history["edges"]] == [shown]
    found = ok(hub, "query($id: ID!) { node(id: $id) { id } }", {"id": last["id"]})
    assert found["node"] == {"id": last["id"]}
    apart = hub.run(
        hub.store.query(
            "MATCH (x:ChangeEvents) WHERE size(x.events) = 30 "
            "AND any(e IN x.events WHERE e CONTAINS $key) RETURN count(x) AS n",
            {"key": f"L-{unique}-29"},
        )
    )
    assert apart == [{"n": 1}]


def test_filters_keep_the_position_and_leave_out_other_kinds(hub: RunningHub, unique: str) -> None:
    start = _skip_to_end(hub)
    vehicle_id = vehicle(hub, unique)
    only_partners, after_partners = read_all(hub, start, kinds=["BUSINESS_PARTNER"])
    assert all(e["kind"] == "BUSINESS_PARTNER" for e in only_partners)
    assert vehicle_id not in {e["recordId"] for e in only_partners}
    # The position reached under one filter is valid under another.
    later_id = vehicle(hub, unique, 1)
    vehicles, _ = read_all(hub, after_partners, kinds=["VEHICLE"], systems=["VMS"])
    assert [e["recordId"] for e in vehicles if e["recordId"] in (vehicle_id, later_id)] == [
        later_id
    ]
    # A system is named in any case, as writes name it; a name no system has is an error.
    lower, _ = read_all(hub, after_partners, kinds=["VEHICLE"], systems=[" vms"])
    assert [e["recordId"] for e in lower] == [e["recordId"] for e in vehicles]
    wrong = hub.graphql(CHANGES, {"systems": ["NO PE!"]})
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", wrong
    created, _ = read_all(hub, start, actions=["UPDATED"])
    assert vehicle_id not in {e["recordId"] for e in created}


def test_a_forged_position_is_refused(hub: RunningHub) -> None:
    body = hub.graphql(CHANGES, {"after": "Y2hhbmdlczo5OTk5"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_consumer_paging_while_writers_commit_sees_every_event_exactly_once(
    hub: RunningHub, unique: str
) -> None:
    start = _skip_to_end(hub)
    writers, rounds = 4, 12
    done = threading.Event()
    seen: Counter[str] = Counter()
    mine: set[str] = set()
    failures: list[BaseException] = []

    def write(w: int) -> None:
        try:
            for r in range(rounds):
                ids = vehicle(hub, unique, w * 100 + r % 3, model=f"M{w}-{r}")
                mine.add(ids)
        except BaseException as exc:
            failures.append(exc)

    def consume() -> None:
        after: str | None = start
        try:
            while True:
                finished = done.is_set()
                page = ok(hub, CHANGES, {"after": after, "first": 7})["changes"]
                for edge in page["edges"]:
                    seen[edge["node"]["id"]] += 1
                after = page["pageInfo"]["endCursor"]
                if finished and not page["pageInfo"]["hasNextPage"]:
                    return
        except BaseException as exc:
            failures.append(exc)

    reader = threading.Thread(target=consume)
    threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join(120)

    assert not failures, failures
    assert max(seen.values()) == 1, [e for e, n in seen.items() if n > 1]
    # Every event of this test's records that the database holds was seen.
    stored = hub.run(
        of_records(
            hub.store.query,
            "Vehicle",
            [from_global(i)[1] for i in mine],  # type: ignore[index]
            pending=True,
        )
    )
    expected = {row["id"] for row in stored}
    assert len(expected) == writers * rounds
    got = {from_global(i)[1] for i in seen}  # type: ignore[index]
    assert expected <= got


# ---- over WebSocket ------------------------------------------------------------------------

SUBSCRIBE = """
subscription($after: String, $kinds: [RecordKind!], $actions: [ChangeAction!],
             $systems: [String!]) {
  changes(after: $after, kinds: $kinds, actions: $actions, systems: $systems) {
    id cursor recordId action changes { field after } }
}
"""


def _ws_url(hub: RunningHub) -> str:
    return hub.url.replace("http://", "ws://") + "/graphql"


@contextlib.contextmanager
def _open(hub: RunningHub, payload: dict[str, Any] | None = None) -> Iterator[ClientConnection]:
    """A WebSocket that has sent ``connection_init`` with ``payload``."""
    with connect(_ws_url(hub), subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
        yield ws


def _next(ws: ClientConnection, timeout: float = 10.0) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(ws.recv(timeout))
        if message["type"] not in ("ping", "pong", "ka"):
            return message


def test_a_subscription_replays_from_a_cursor_then_streams_new_changes(
    hub: RunningHub, unique: str
) -> None:
    start = _skip_to_end(hub)
    first_id = vehicle(hub, unique, model="Replayed")
    with _open(hub) as ws:
        assert _next(ws)["type"] == "connection_ack"
        ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {
                        "query": SUBSCRIBE,
                        "variables": {
                            "after": start,
                            "kinds": ["VEHICLE"],
                            "actions": ["CREATED", "UPDATED"],
                            "systems": ["vms"],  # as the query's filters: in any case
                        },
                    },
                }
            )
        )
        replayed = _until(ws, first_id)
        assert replayed["action"] == "CREATED"
        sent = time.monotonic()
        second_id = vehicle(hub, unique, 1, model="Live")
        live = _until(ws, second_id)
        assert time.monotonic() - sent < 10
        assert {c["field"]: c["after"] for c in live["changes"]}["model"] == "Live"


def _until(ws: ClientConnection, record_id: str) -> dict[str, Any]:
    while True:
        message = _next(ws)
        assert message["type"] == "next", message
        event: dict[str, Any] = message["payload"]["data"]["changes"]
        if event["recordId"] == record_id:
            return event


def test_queries_are_not_run_over_websocket(hub: RunningHub) -> None:
    with _open(hub) as ws:
        assert _next(ws)["type"] == "connection_ack"
        ws.send(
            json.dumps(
                {
                    "id": "q",
                    "type": "subscribe",
                    "payload": {"query": "{ serverInfo { hubVersion } }"},
                }
            )
        )
        message = _next(ws)
        assert message["type"] == "error", message
        (error,) = message["payload"]
        assert error["extensions"]["code"] == "BAD_REQUEST" and "HTTP" in error["message"]


def _refused(hub: RunningHub, query: str) -> dict[str, Any]:
    """The one error a subscribe with ``query`` is answered with."""
    with _open(hub) as ws:
        assert _next(ws)["type"] == "connection_ack"
        ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": query}}))
        message = _next(ws)
        assert message["type"] == "error", message
        (error,) = message["payload"]
        ws.send(json.dumps({"type": "ping"}))
        assert json.loads(ws.recv(10))["type"] == "pong", "the socket stays open"
        return error  # type: ignore[no-any-return]


def test_a_subscription_is_held_to_the_limits_a_query_over_http_is(hub: RunningHub) -> None:
    nested = "partner { " * 20 + "id" + " }" * 20
    deep = "subscription { changes { record { ... on BusinessPartner { relationships { %s } } } } }"
    error = _refused(hub, deep % nested)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["measure"] == "depth"
    aliases = " ".join(f"a{n}: cursor" for n in range(300))
    error = _refused(hub, "subscription { changes { %s } }" % aliases)
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"


def test_a_subscribe_whose_query_or_variables_are_malformed_is_answered_with_its_code(
    hub: RunningHub,
) -> None:
    deep: Any = 1
    for _ in range(40):
        deep = [deep]
    for payload in ({"query": 5}, {"query": SUBSCRIBE, "variables": [1]},
                    {"query": SUBSCRIBE, "variables": {"after": deep}}):  # fmt: skip
        with _open(hub) as ws:
            assert _next(ws)["type"] == "connection_ack"
            ws.send(json.dumps({"id": "m", "type": "subscribe", "payload": payload}))
            message = _next(ws)
            assert message["type"] == "error", (payload, message)
            assert message["payload"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_subscription_that_does_not_parse_or_validate_is_answered_with_its_code(
    hub: RunningHub,
) -> None:
    assert _refused(hub, "subscription { changes( ")["extensions"]["code"] == (
        "GRAPHQL_PARSE_FAILED"
    )
    unknown = _refused(hub, "subscription { changes { nonsense } }")
    assert unknown["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_websocket_without_a_valid_token_is_closed(secured: RunningHub) -> None:
    with _open(secured, {"Authorization": "Bearer nonsense"}) as ws:
        with pytest.raises(Exception) as closed:
            _next(ws)
        assert "4403" in str(closed.value)


def test_a_token_in_connection_init_lets_a_client_subscribe(
    secured: RunningHub, unique: str
) -> None:
    token = register(secured, "read")
    with _open(secured, {"Authorization": f"Bearer {token}"}) as ws:
        assert _next(ws)["type"] == "connection_ack"


AS_OF = """
query($id: ID!, $at: DateTime!) {
  vehicle(id: $id, asOf: $at) { model modelYear version }
}
"""


def test_a_lookup_as_of_a_moment_answers_with_the_values_of_then(
    hub: RunningHub, unique: str
) -> None:
    vehicle_id = vehicle(hub, unique, model="Golf")
    vehicle(hub, unique, model="Passat", modelYear=2020)
    vehicle(hub, unique, model="Arteon", modelYear=2022)
    history = ok(
        hub,
        "query($id: ID!) { vehicle(id: $id) { changeHistory { nodes { at version } } } }",
        {"id": vehicle_id},
    )["vehicle"]["changeHistory"]["nodes"]
    first, second, _ = history

    def then(at: str) -> Any:
        return ok(hub, AS_OF, {"id": vehicle_id, "at": at})["vehicle"]

    assert then(first["at"]) == {"model": "Golf", "modelYear": None, "version": 1}
    assert then(second["at"]) == {"model": "Passat", "modelYear": 2020, "version": 2}
    assert then("2100-01-01T00:00:00Z") == {"model": "Arteon", "modelYear": 2022, "version": 3}
    assert then("2000-01-01T00:00:00Z") is None


def test_a_merged_partner_as_of_before_its_merge_is_itself_by_id_or_by_source_key(
    hub: RunningHub, unique: str
) -> None:
    made = {}
    for name in ("Ibex", "Yak"):
        data = {"source": {"system": "CRM", "key": f"{name}-{unique}"}, "kind": "ORGANIZATION",
                "organizationName": f"{name} Handel {unique} KG"}  # fmt: skip
        upserted = ok(
            hub,
            """mutation($i: BusinessPartnerInput!) { upsertBusinessPartner(input: $i) {
              businessPartner { id } } }""",
            {"i": data},
        )
        made[name] = upserted["upsertBusinessPartner"]["businessPartner"]["id"]
    hub.run(change_log.sequence(hub.store))
    before = utc_now().isoformat() + "Z"
    time.sleep(0.01)
    merged = ok(
        hub,
        """mutation($i: MergeInput!) { mergeBusinessPartners(input: $i) { userErrors { code } } }""",
        {"i": {"survivor": {"id": made["Ibex"]}, "merged": [{"id": made["Yak"]}]}},
    )
    assert merged["mergeBusinessPartners"]["userErrors"] == []
    lookup = """query($id: ID, $source: SourceRefInput, $at: DateTime) {
      businessPartner(id: $id, source: $source, asOf: $at) { id name } }"""
    yak = {"id": made["Yak"], "name": f"Yak Handel {unique} KG"}
    by_source = {"source": {"system": "CRM", "key": f"Yak-{unique}"}, "at": before}
    assert ok(hub, lookup, by_source)["businessPartner"] == yak
    assert ok(hub, lookup, {"id": made["Yak"], "at": before})["businessPartner"] == yak
    # Now, either way leads to the survivor.
    now = {**by_source, "at": "2100-01-01T00:00:00Z"}
    assert ok(hub, lookup, now)["businessPartner"]["id"] == made["Ibex"]


def test_the_kinds_of_record_are_the_models_golden_records() -> None:
    assert sorted((k.name, k.value) for k in RecordKind) == sorted(
        (kind_name(label), label) for label in MODEL.golden_labels
    )


def test_the_retention_removes_old_events_and_old_cursors_go_on_with_the_oldest_kept(
    secured: RunningHub, unique: str
) -> None:
    store = secured.store

    def write(n: int) -> None:
        row = {"source": {"system": "VMS", "key": f"R-{unique}-{n}"}, "vin": vin_for(unique, n)}
        delivery, _ = deliveries.BUILDERS["Vehicle"](row, ())
        assert delivery is not None
        secured.run(service.upsert_batch(store, kinds.VEHICLE, [delivery]))

    write(0)
    secured.run(change_log.sequence(store))
    cutoff = utc_now()
    write(1)
    secured.run(change_log.sequence(store))

    secured.run(change_log.prune(store, cutoff))

    page = secured.run(changes.page(store, 0, 1000))
    assert page.events and all(e["at"].to_native() >= cutoff for e in page.events)
    assert page.events[0]["seq"] > 1
    old = secured.run(
        store.query(
            "MATCH (b:ChangeBatch) WHERE b.at < $cutoff RETURN count(b) AS n", {"cutoff": cutoff}
        )
    )
    assert old[0]["n"] == 0
    # The record whose only event went forgets it; its history is empty, not broken.
    kept = secured.run(
        store.query(
            "MATCH (:SourceRecord {system: 'VMS', key: $key})-[:SOURCE_OF]->(v) "
            "RETURN v.logged AS logged",
            {"key": f"R-{unique}-0"},
        )
    )
    assert kept == [{"logged": []}]


def test_a_subscription_ends_once_its_client_is_revoked(secured: RunningHub, unique: str) -> None:
    data_dir = secured.services.settings.data_dir
    settings = make_settings(data_dir, auth="required", subscription_recheck_seconds=0.3)
    name = f"feed-{unique}".lower()
    token = secured.run(clients.add(secured.store, name, None, ["read"], utc_now()))
    clients.mark_changed(data_dir)
    with (
        serve_beside(secured, settings) as beside,
        _open(beside, {"Authorization": f"Bearer {token}"}) as ws,
    ):
        assert _next(ws)["type"] == "connection_ack"
        ws.send(json.dumps({"id": "s", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        secured.run(clients.revoke(secured.store, name, utc_now()))
        clients.mark_changed(data_dir)
        message = _next(ws)
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED", message


def test_a_value_that_is_json_already_is_kept_as_it_is_in_the_event() -> None:
    ready = change_log.Json('{"vin":"WBA1","modelYear":2024}')
    written = change_log.encoded({"action": "CREATED", "key": None, "values": ready})
    assert json.loads(written) == {
        "action": "CREATED",
        "values": {"vin": "WBA1", "modelYear": 2024},
    }
    alone = change_log.encoded({"key": None, "values": ready})
    assert json.loads(alone) == {"values": {"vin": "WBA1", "modelYear": 2024}}


def test_an_event_names_the_records_a_value_refers_to_by_their_api_ids(
    hub: RunningHub, unique: str
) -> None:
    owner = ok(
        hub,
        "mutation($i: BusinessPartnerInput!) { upsertBusinessPartner(input: $i) "
        "{ businessPartner { id } } }",
        {"i": {"source": {"system": "CRM", "key": f"O-{unique}"}, "kind": "ORGANIZATION",
               "organizationName": f"Halter {unique} GmbH"}},
    )["upsertBusinessPartner"]["businessPartner"]["id"]  # fmt: skip
    record_id = vehicle(hub, unique, owner={"source": {"system": "CRM", "key": f"O-{unique}"}})
    history = ok(
        hub,
        "query($id: ID!) { node(id: $id) { ... on Vehicle { changeHistory { nodes { "
        "changes { field after } } } } } }",
        {"id": record_id},
    )["node"]["changeHistory"]["nodes"]
    (named,) = [c["after"] for c in history[0]["changes"] if c["field"] == "owner"]
    assert named["id"] == owner, named


COVERED = """
subscription($after: String, $where: ContractWhere) {
  changes(after: $after, kinds: [VEHICLE], actions: [CREATED]) {
    recordId
    record { ... on Vehicle { contracts(where: $where) { totalCount edges { node { status } } } } }
  }
}
"""


def test_subscriptions_on_one_socket_keep_their_own_filters(hub: RunningHub, unique: str) -> None:
    start = _skip_to_end(hub)
    record_id = vehicle(hub, unique)
    for status in ("ACTIVE", "DRAFT", "DRAFT"):
        key = f"{status}-{unique}-{time.monotonic_ns()}"
        ok(
            hub,
            "mutation($i: ContractInput!) { upsertContract(input: $i) { userErrors { code } } }",
            {"i": {"source": {"system": "CRM", "key": key}, "number": key, "type": "SERVICE",
                   "status": status, "items": [{"uiid": f"U-{key}", "kind": "SERVICE",
                   "coveredVehicles": [{"vin": vin_for(unique, 0)}]}]}},
        )  # fmt: skip
    wanted = {"active": "ACTIVE", "draft": "DRAFT"}
    seen: dict[str, dict[str, Any]] = {}
    with _open(hub) as ws:
        assert _next(ws)["type"] == "connection_ack"
        for name, status in wanted.items():
            variables = {"after": start, "where": {"status": status}}
            payload = {"query": COVERED, "variables": variables}
            ws.send(json.dumps({"id": name, "type": "subscribe", "payload": payload}))
        while len(seen) < len(wanted):
            message = _next(ws)
            assert message["type"] == "next", message
            event = message["payload"]["data"]["changes"]
            if event["recordId"] == record_id:
                seen[message["id"]] = event["record"]["contracts"]
    assert seen["active"]["totalCount"] == 1 and seen["draft"]["totalCount"] == 2, seen
    for name, status in wanted.items():
        assert {e["node"]["status"] for e in seen[name]["edges"]} == {status}, seen
