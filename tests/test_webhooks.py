"""Webhooks: a receiver on loopback that fails, times out and recovers gets every event, in
order, signed; one that keeps failing is paused and, resumed, goes on from its cursor; two
hubs deliver each event once, and one takes over a lease the other let lapse."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hub.domain import webhooks
from hub.store.temporal import utc_now
from tests.conftest import make_settings
from tests.harness import RunningHub, ok, serve_beside, vin_for

VEHICLE = """
mutation($input: VehicleInput!) { upsertVehicle(input: $input) { vehicle { id } } }
"""


class Receiver:
    """An HTTP receiver whose answers follow a script: a status, or "slow" (answers after
    the hub's timeout), then 200 once the script is used up."""

    def __init__(self, script: list[int | str]) -> None:
        self.script = list(script)
        self.attempts = 0
        self.accepted: list[dict[str, Any]] = []
        self.signatures_ok = True
        self.secret = b""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                answer = receiver.script.pop(0) if receiver.script else 200
                if answer == "slow":
                    time.sleep(1.5)
                    answer = 200
                elif answer == 200:
                    expected = (
                        "sha256=" + hmac.new(receiver.secret, body, hashlib.sha256).hexdigest()
                    )
                    receiver.signatures_ok &= hmac.compare_digest(
                        expected, self.headers[webhooks.SIGNATURE]
                    )
                    receiver.accepted.append(json.loads(body))
                with contextlib.suppress(OSError):  # the hub gave up waiting
                    self.send_response(int(answer))
                    self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [event for batch in self.accepted for event in batch["events"]]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def delivering(hub: RunningHub, tmp: Path) -> Iterator[RunningHub]:
    """A hub beside the shared one that delivers webhooks, with short timeouts."""
    settings = make_settings(
        tmp,
        deliver_webhooks=True,
        webhook_timeout=0.5,
        webhook_retry_seconds=0.05,
        webhook_max_failures=4,
        change_poll_seconds=0.05,
    )
    with serve_beside(hub, settings) as beside:
        yield beside


def register(hub: RunningHub, name: str, receiver: Receiver, kinds: list[str]) -> None:
    secret = hub.run(
        webhooks.add(hub.store, name, receiver.url, kinds, None, False, False, utc_now())
    )
    receiver.secret = secret.encode()


def vehicles(hub: RunningHub, unique: str, count: int) -> list[str]:
    return [
        ok(
            hub,
            VEHICLE,
            {
                "input": {
                    "source": {"system": "VMS", "key": f"W-{unique}-{n}"},
                    "vin": vin_for(unique, n),
                }
            },
        )["upsertVehicle"]["vehicle"]["id"]
        for n in range(count)
    ]


def wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def state(hub: RunningHub, name: str) -> webhooks.Webhook:
    (found,) = [w for w in hub.run(webhooks.listed(hub.store)) if w.name == name]
    return found


def test_a_receiver_that_fails_and_times_out_gets_every_event_in_order(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    receiver = Receiver([500, 503, "slow"])
    name = f"vms-{unique}".lower()
    register(hub, name, receiver, ["VEHICLE"])
    try:
        with delivering(hub, tmp_path):
            ids = vehicles(hub, unique, 6)
            wait_for(lambda: set(ids) <= {e["recordId"] for e in receiver.events()})
            # The receiver has the batch before the hub has its answer: the position moves then.
            wait_for(lambda: state(hub, name).failures == 0)
            hook = state(hub, name)
    finally:
        receiver.close()
        hub.run(webhooks.remove(hub.store, name))

    assert receiver.attempts >= 4 and receiver.signatures_ok
    events = receiver.events()
    assert {e["kind"] for e in events} == {"VEHICLE"}
    mine = [e["recordId"] for e in events if e["recordId"] in ids]
    assert mine == ids  # each once, in the order they were made
    assert hook.failures == 0 and hook.paused_at is None
    assert hook.last_error is not None and "Timeout" in hook.last_error


def test_a_webhook_failing_too_often_is_paused_and_resumed_from_its_cursor(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    receiver = Receiver([500] * 4)
    name = f"down-{unique}".lower()
    register(hub, name, receiver, ["VEHICLE"])
    try:
        with delivering(hub, tmp_path):
            ids = vehicles(hub, unique, 2)
            wait_for(lambda: state(hub, name).paused_at is not None)
            assert state(hub, name).failures == 4 and receiver.accepted == []
            more = vehicles(hub, f"{unique}b", 1)
            assert hub.run(webhooks.resume(hub.store, name)) is True, "it was paused"
            wait_for(lambda: set(ids + more) <= {e["recordId"] for e in receiver.events()})
            assert hub.run(webhooks.resume(hub.store, name)) is False, "and is no longer"
    finally:
        receiver.close()
        hub.run(webhooks.remove(hub.store, name))
    assert [e["recordId"] for e in receiver.events() if e["recordId"] in ids + more] == ids + more


def test_two_hubs_delivering_send_each_event_once_and_a_lapsed_lease_is_taken_over(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    receiver = Receiver([])
    name = f"pair-{unique}".lower()
    register(hub, name, receiver, ["VEHICLE"])
    try:
        with delivering(hub, tmp_path / "a"), delivering(hub, tmp_path / "b"):
            ids = vehicles(hub, unique, 8)
            wait_for(lambda: set(ids) <= {e["recordId"] for e in receiver.events()})
            time.sleep(0.5)  # a second delivery of the same batch would arrive by now
            delivered = [e["id"] for e in receiver.events()]
            assert len(delivered) == len(set(delivered))

            # A hub that held the lease and went away: no one delivers until it lapses.
            hub.run(
                hub.store.query(
                    "MATCH (w:Webhook {name: $name}) SET w.leaseOwner = 'gone', "
                    "w.leaseUntil = $until",
                    {"name": name, "until": utc_now() + dt.timedelta(seconds=30)},
                )
            )
            held = vehicles(hub, f"{unique}h", 1)
            time.sleep(0.5)
            assert held[0] not in {e["recordId"] for e in receiver.events()}
            hub.run(
                hub.store.query(
                    "MATCH (w:Webhook {name: $name}) SET w.leaseUntil = $until",
                    {"name": name, "until": utc_now() - dt.timedelta(seconds=1)},
                )
            )
            wait_for(lambda: held[0] in {e["recordId"] for e in receiver.events()})
    finally:
        receiver.close()
        hub.run(webhooks.remove(hub.store, name))
    mine = [e["recordId"] for e in receiver.events() if e["recordId"] in ids + held]
    assert mine == ids + held  # each once, in order, across the takeover


PARTNER = """
mutation($input: BusinessPartnerInput!) {
  upsertBusinessPartner(input: $input) { businessPartner { id } }
}
"""


def test_a_webhook_without_personal_data_gets_a_persons_address_without_street(
    hub: RunningHub, unique: str, tmp_path: Path
) -> None:
    receiver = Receiver([])
    name = f"crm-{unique}".lower()
    register(hub, name, receiver, ["BUSINESS_PARTNER"])
    address = {"street": "Lindenweg", "houseNumber": "3", "postalCode": "14467",
               "city": "Potsdam", "country": "DE"}  # fmt: skip
    made = {}
    try:
        with delivering(hub, tmp_path):
            for kind, names in (("PERSON", {"firstName": "Ida", "lastName": f"Hook{unique}"}),
                                ("ORGANIZATION", {"organizationName": f"Hook {unique} AG"})):  # fmt: skip
                data = {"source": {"system": "CRM", "key": f"{kind}-{unique}"}, "kind": kind,
                        "addresses": [address], **names}  # fmt: skip
                created = ok(hub, PARTNER, {"input": data})["upsertBusinessPartner"]
                made[kind] = created["businessPartner"]["id"]
            wait_for(lambda: set(made.values()) <= {e["recordId"] for e in receiver.events()})
    finally:
        receiver.close()
        hub.run(webhooks.remove(hub.store, name))

    def shown(kind: str) -> dict[str, Any]:
        (event,) = [e for e in receiver.events() if e["recordId"] == made[kind]]
        (change,) = [c for c in event["changes"] if c["field"] == "addresses"]
        return dict(change)

    person, organisation = shown("PERSON"), shown("ORGANIZATION")
    assert person["hidden"] and "Lindenweg" not in json.dumps(person)
    assert "14467" in json.dumps(person)
    assert not organisation["hidden"] and "Lindenweg" in json.dumps(organisation)
