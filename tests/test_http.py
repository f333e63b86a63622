"""GraphQL over HTTP: whatever a client sends gets a JSON answer with a code, never a 500,
and the connection stays usable."""

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_settings
from tests.harness import RunningHub, serve_beside

HELLO = "{ __typename }"


def _address(response: httpx.Response) -> Any:
    return response.extensions["network_stream"].get_extra_info("client_addr")


def _code(response: httpx.Response) -> str:
    errors = response.json()["errors"]
    assert all("code" in error["extensions"] for error in errors), errors
    code: str = errors[0]["extensions"]["code"]
    return code


@pytest.mark.parametrize(
    ("body", "phrase"),
    [
        (b'"hello"', "JSON object"),
        (b"42", "JSON object"),
        (b"null", "JSON object"),
        (b"[]", "batched"),
        (b'[{"query": "{ __typename }"}]', "batched"),
        (b"{}", "query is missing"),
        (b'{"query": ""}', "query is missing"),
        (b'{"query": 5}', "query must be text"),
        (b'{"query": "{ __typename }", "variables": [1]}', "variables"),
        (b'{"query": "{ __typename }", "operationName": 7}', "operationName"),
        (b"{not json", "not JSON"),
        (b'{"query": "\xff\xfe"}', "UTF-8"),
        (b'{"query": "{ __typename }", "variables": {"a": "a\\ud800b"}}', "surrogate"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (
            b'{"query": "{ __typename }", "variables": {"a": ' + b"[" * 40 + b"]" * 40 + b"}}",
            "deeper",
        ),
    ],
)
def test_a_body_that_is_no_graphql_request_gets_400_and_the_connection_stays_usable(
    hub: RunningHub, body: bytes, phrase: str
) -> None:
    with hub.client() as client:
        bad = client.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        bad_address = _address(bad)
        good = client.post("/graphql", json={"query": HELLO})
        assert _address(good) == bad_address, "the same connection answered both"
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/json"
    assert _code(bad) == "BAD_REQUEST"
    assert phrase in bad.json()["errors"][0]["message"]
    assert good.status_code == 200 and good.json()["data"] == {"__typename": "Query"}


def test_an_unknown_content_type_gets_415(hub: RunningHub) -> None:
    with hub.client() as client:
        response = client.post("/graphql", content=HELLO, headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert _code(response) == "BAD_REQUEST"


@pytest.mark.parametrize(
    "form",
    [
        {"operations": "{not json", "map": "{}"},
        {"map": "{}"},
        {"operations": '{"query": "{ __typename }"}', "map": '{"0": ["variables.file"]}'},
        {"operations": '{"query": "{ __typename }"}', "map": '["not", "an", "object"]'},
    ],
)
def test_a_malformed_multipart_request_gets_400(hub: RunningHub, form: dict[str, str]) -> None:
    with hub.client() as client:
        response = client.post("/graphql", data=form, files={"x": ("x.txt", b"x", "text/plain")})
        good = client.post("/graphql", json={"query": HELLO})
    assert response.status_code == 400
    assert _code(response) == "BAD_REQUEST"
    assert good.status_code == 200


@pytest.mark.parametrize(
    ("mapping", "files", "phrase"),
    [
        ({"0": ["variables.f"], "1": ["variables.f"]}, ("0", "1"), "the files '0' and '1'"),
        ({"0": ["variables.f"]}, ("0", "extra"), "no place for the file field 'extra'"),
        ({"0": ["variables.g"]}, ("0",), "'variables.g' names a variable the operation"),
    ],
)
def test_a_file_that_would_be_dropped_gets_400(
    hub: RunningHub, mapping: dict[str, list[str]], files: tuple[str, ...], phrase: str
) -> None:
    operations = {"query": "query($f: Upload) { __typename }", "variables": {"f": None}}
    with hub.client() as client:
        response = client.post(
            "/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps(mapping)},
            files=[(name, (f"{name}.txt", b"x", "text/plain")) for name in files],
        )
    assert response.status_code == 400
    assert _code(response) == "BAD_REQUEST"
    assert phrase in response.json()["errors"][0]["message"]


def test_a_file_for_a_variable_the_operation_does_not_declare_gets_400(
    hub: RunningHub,
) -> None:
    query = "query($f: Upload) { __typename }"
    with hub.client() as client:

        def send(variables: dict[str, Any], path: str) -> Any:
            operations = {"query": query, "variables": variables}
            return client.post(
                "/graphql",
                data={"operations": json.dumps(operations), "map": json.dumps({"0": [path]})},
                files=[("0", ("0.txt", b"x", "text/plain"))],
            )

        undeclared = send({"f": None, "g": None}, "variables.g")
        assert undeclared.status_code == 400, undeclared.text
        assert "does not declare" in undeclared.json()["errors"][0]["message"]
        # A declared variable sent without its null placeholder is taken as that null.
        assert send({}, "variables.f").status_code == 200


def test_a_broken_multipart_body_gets_400(hub: RunningHub) -> None:
    with hub.client() as client:
        response = client.post(
            "/graphql",
            content=b"--boundary\r\nContent-Disposition: form-data; name=",
            headers={"Content-Type": "multipart/form-data; boundary=boundary"},
        )
    assert response.status_code == 400
    assert _code(response) == "BAD_REQUEST"


def test_a_lone_surrogate_spelt_in_the_document_is_no_server_error(hub: RunningHub) -> None:
    response = hub.post('{ businessPartners(where: {name: {eq: "a\\ud800b"}}) { totalCount } }')
    assert response.status_code < 500
    assert _code(response) != "INTERNAL_SERVER_ERROR"


def test_a_syntax_error_has_a_code_and_400_when_graphql_response_json_is_asked_for(
    hub: RunningHub,
) -> None:
    legacy = hub.post("{ vehicle(vin: ")
    assert legacy.status_code == 200 and _code(legacy) == "GRAPHQL_PARSE_FAILED"
    assert legacy.json()["errors"][0]["locations"]
    modern = hub.post("{ vehicle(vin: ", headers={"Accept": "application/graphql-response+json"})
    assert modern.status_code == 400
    assert modern.headers["content-type"] == "application/graphql-response+json"
    assert _code(modern) == "GRAPHQL_PARSE_FAILED"


def test_a_validation_error_is_400_when_graphql_response_json_is_asked_for(
    hub: RunningHub,
) -> None:
    accept = {"Accept": "application/graphql-response+json, application/json;q=0.9"}
    response = hub.post("{ noSuchField }", headers=accept)
    assert response.status_code == 400
    assert _code(response) == "GRAPHQL_VALIDATION_FAILED"
    # A client preferring JSON by its q-values gets JSON, and the legacy status.
    prefers_json = {"Accept": "application/graphql-response+json;q=0.5, application/json"}
    legacy = hub.post("{ noSuchField }", headers=prefers_json)
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("query", "operation", "phrase"),
    [
        ("query A { __typename } query B { __typename }", None, "several operations"),
        ("query A { __typename }", "Other", "no operation 'Other'"),
        ("fragment F on Query { __typename }", None, "no operation"),
    ],
)
def test_the_operation_to_run_must_be_clear(
    hub: RunningHub, query: str, operation: str | None, phrase: str
) -> None:
    response = hub.post(query, operation=operation)
    assert _code(response) == "GRAPHQL_VALIDATION_FAILED"
    assert phrase in response.json()["errors"][0]["message"]
    assert "data" not in response.json()


def test_a_named_operation_of_several_runs(hub: RunningHub) -> None:
    body = hub.graphql("query A { a: __typename } query B { b: __typename }", operation="B")
    assert body["data"] == {"b": "Query"}


def test_queries_may_come_by_get_but_mutations_may_not(hub: RunningHub) -> None:
    with hub.client() as client:
        query = client.get(
            "/graphql",
            params={"query": "query($v: ID!) { node(id: $v) { id } }", "variables": '{"v": "x"}'},
        )
        mutation = client.get(
            "/graphql",
            params={"query": 'mutation { blockIdentificationObject(id: "x", reason: "r") '
                             "{ userErrors { code } } }"},
        )  # fmt: skip
    assert query.status_code == 200 and query.json()["data"] == {"node": None}
    assert mutation.status_code == 405 and mutation.headers["allow"] == "POST"
    assert _code(mutation) == "BAD_REQUEST"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
def test_another_method_gets_405_in_json_with_the_methods_allowed(
    hub: RunningHub, method: str
) -> None:
    with hub.client() as client:
        answer = client.request(method, "/graphql", params={"query": HELLO})
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET, POST"
    assert answer.headers["content-type"].startswith("application/json")
    assert _code(answer) == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nope", 404, "NOT_FOUND"),
        ("POST", "/readyz", 405, "METHOD_NOT_ALLOWED"),
        ("DELETE", "/healthz", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/files/" + "0" * 64, 404, "NOT_FOUND"),
        ("GET", "/graphiql/no-such-asset.js", 404, "NOT_FOUND"),
    ],
)
def test_every_path_answers_its_errors_in_json_with_a_code(
    hub: RunningHub, method: str, path: str, status: int, code: str
) -> None:
    with hub.client() as client:
        answer = client.request(method, path, headers={"Accept": "application/json"})
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/json")
    assert _code(answer) == code
    if status == 405:
        assert "GET" in answer.headers["allow"]


def test_head_answers_as_get_without_the_body(hub: RunningHub) -> None:
    with hub.client() as client:
        get = client.get("/graphql", params={"query": HELLO})
        head = client.head("/graphql", params={"query": HELLO})
    assert head.status_code == get.status_code == 200
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.content == b""


def test_a_subscription_sent_over_http_is_told_to_use_the_websocket(hub: RunningHub) -> None:
    for accept in ("application/json", "application/graphql-response+json"):
        with hub.client() as client:
            answer = client.post("/graphql", json={"query": "subscription { changes { action } }"},
                                 headers={"Accept": accept})  # fmt: skip
        assert answer.status_code == 400, answer.text
        assert _code(answer) == "BAD_REQUEST"
        assert "WebSocket" in answer.json()["errors"][0]["message"]
    with hub.client() as client:  # by GET too: told where it is served, not to POST it
        by_get = client.get("/graphql", params={"query": "subscription { changes { action } }"})
    assert by_get.status_code == 400 and "WebSocket" in by_get.json()["errors"][0]["message"]


def test_variables_of_the_wrong_type_are_reported_with_a_code(hub: RunningHub) -> None:
    body = hub.graphql("query($key: String!) { vehicle(vin: $key) { vin } }", {"key": 5})
    assert "data" not in body  # a request error: execution never began
    assert "key" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_literal_a_scalar_refuses_is_reported_where_it_stands(hub: RunningHub) -> None:
    dates = '[{endDate: {gt: "2026-01-01"}}, {endDate: {gt: "2026-02-30"}}]'
    body = hub.graphql("{ contracts(where: {OR: %s}) { totalCount } }" % dates)
    assert "data" not in body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert '"where.OR[1].endDate.gt"' in error["message"] and "2026-02-30" in error["message"]
    assert error["locations"] == [{"line": 1, "column": 20}]


def test_a_query_is_counted_under_its_operation_name(hub: RunningHub, unique: str) -> None:
    name = f"Counted{unique}"
    hub.graphql(f"query {name} {{ __typename }}")
    with hub.client() as client:
        assert f'operation="{name}"' in client.get("/metrics").text


# ---- cross-origin access from front ends on other origins -----------------------------------

FRONT_END = "https://crm.example.com"


@pytest.fixture(scope="module")
def cors_hub(hub: RunningHub) -> Iterator[RunningHub]:
    settings = make_settings(
        hub.services.settings.data_dir, cors_origins=f"{FRONT_END}, http://localhost:3000"
    )
    with serve_beside(hub, settings) as beside:
        yield beside


def test_a_configured_origin_gets_its_preflight_answered(cors_hub: RunningHub) -> None:
    headers = {
        "Origin": FRONT_END,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    with cors_hub.client() as client:
        preflight = client.options("/graphql", headers=headers)
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == FRONT_END
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
        apollo = {**headers, "Access-Control-Request-Headers": "apollo-require-preflight, "
                  "x-apollo-operation-name, apollographql-client-name, content-type"}  # fmt: skip
        assert client.options("/graphql", headers=apollo).status_code == 200
        answer = client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Origin": FRONT_END}
        )
        assert answer.headers["access-control-allow-origin"] == FRONT_END
        # A page elsewhere, even an allowed one, needs a token: it is not the local developer.
        assert answer.status_code == 401 and _code(answer) == "UNAUTHENTICATED"


def test_another_origin_gets_no_cross_origin_access(cors_hub: RunningHub, hub: RunningHub) -> None:
    headers = {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"}
    with cors_hub.client() as client:
        refused = client.options("/graphql", headers=headers)
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers
        assert refused.headers["content-type"].startswith("application/json")
        assert _code(refused) == "FORBIDDEN"
        assert "origin" in refused.json()["errors"][0]["message"]
    with hub.client() as client:  # without HUB_CORS_ORIGINS, no origin has it
        unconfigured = client.options("/graphql", headers={**headers, "Origin": FRONT_END})
        assert "access-control-allow-origin" not in unconfigured.headers
        assert unconfigured.status_code == 403 and _code(unconfigured) == "FORBIDDEN"


def test_a_form_posted_from_a_page_elsewhere_changes_nothing(
    cors_hub: RunningHub, hub: RunningHub, unique: str
) -> None:
    """A plain HTML form on any site can POST multipart/form-data without a preflight."""
    key = f"csrf-{unique}"
    mutation = (
        'mutation { upsertBusinessPartner(input: {source: {system: "CRM", key: "%s"}, '
        'kind: PERSON, lastName: "Forged"}) { created } }' % key
    )
    form = {"operations": json.dumps({"query": mutation}), "map": "{}"}
    for running, origin in ((hub, FRONT_END), (cors_hub, "https://evil.example.com")):
        with running.client() as client:
            refused = client.post("/graphql", files={"x": ("", b"")}, data=form,
                                  headers={"Origin": origin})  # fmt: skip
        assert refused.status_code == 403, refused.text
        assert _code(refused) == "FORBIDDEN"
        assert origin in refused.json()["errors"][0]["message"]
    found = hub.graphql(
        'query($key: String!) { businessPartner(source: {system: "CRM", key: $key}) { id } }',
        {"key": key},
    )
    assert found["data"]["businessPartner"] is None
    # The hub's own pages and clients that are no browser may; a configured origin gets past
    # the check, to be asked for its token.
    with cors_hub.client() as client:
        host = client.base_url.netloc.decode()
        for headers in ({"Origin": f"http://{host}"}, {}):
            allowed = client.post("/graphql", json={"query": HELLO}, headers=headers)
            assert allowed.json()["data"] == {"__typename": "Query"}, headers
        configured = client.post("/graphql", json={"query": HELLO}, headers={"Origin": FRONT_END})
        assert configured.status_code == 401, configured.text


def test_a_page_elsewhere_never_acts_as_the_local_developer(hub: RunningHub) -> None:
    """A DNS name rebound to 127.0.0.1 reaches the hub from this machine, under its own name;
    a page on any origin does, where HUB_CORS_ORIGINS lets it."""
    with hub.client() as client:
        port = client.base_url.port
        for headers in ({"Host": f"evil.example:{port}"}, {"Origin": "https://evil.example"}):
            refused = client.get("/graphql", params={"query": HELLO}, headers=headers)
            assert refused.status_code == 401, (headers, refused.text)
            assert _code(refused) == "UNAUTHENTICATED"
        for headers in ({"Host": f"localhost:{port}"}, {"Origin": "http://localhost:3000"}):
            allowed = client.get("/graphql", params={"query": HELLO}, headers=headers)
            assert allowed.json()["data"] == {"__typename": "Query"}, headers


def test_an_origin_with_a_path_is_refused_as_a_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not an origin"):
        make_settings(tmp_path, cors_origins="https://crm.example.com/app")


# ---- GraphiQL ------------------------------------------------------------------------------


def test_graphiql_loads_every_script_and_style_from_the_hub(hub: RunningHub) -> None:
    with hub.client() as client:
        page = client.get("/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        loaded = re.findall(r'(?:src|href)="([^"]+)"\s+integrity="([^"]+)"', page.text)
        assert len(loaded) == 7, loaded  # React, ReactDOM, js-cookie, GraphiQL, its explorer
        assert re.findall(r'(?:src|href)="https?:', page.text) == []  # nothing from elsewhere
        for path, integrity in loaded:
            assert path.startswith("/graphiql/"), path
            asset = client.get(path)
            assert asset.status_code == 200, path
            digest = base64.b64encode(hashlib.sha384(asset.content).digest()).decode()
            assert integrity == f"sha384-{digest}", path  # the browser would refuse it otherwise


# ---- automatic persisted queries ------------------------------------------------------------


def test_a_query_sent_once_with_its_hash_is_then_run_by_its_hash(hub: RunningHub) -> None:
    query = "query Persisted { __typename }  # " + hashlib.sha256(os.urandom(8)).hexdigest()
    digest = hashlib.sha256(query.encode()).hexdigest()
    by_hash = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    with hub.client() as client:
        unknown = client.post("/graphql", json={"extensions": by_hash}).json()
        assert unknown["errors"][0]["message"] == "PersistedQueryNotFound"
        assert unknown["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        first = client.post("/graphql", json={"query": query, "extensions": by_hash}).json()
        assert first["data"] == {"__typename": "Query"}
        again = client.post("/graphql", json={"extensions": by_hash}).json()
        assert again["data"] == {"__typename": "Query"}
        params = {"extensions": json.dumps(by_hash)}
        fetched = client.get("/graphql", params=params, headers={"Accept": "application/json"})
        assert fetched.json()["data"] == {"__typename": "Query"}


def test_a_hash_that_is_not_the_querys_is_refused(hub: RunningHub) -> None:
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    with hub.client() as client:
        answer = client.post("/graphql", json={"query": "{ __typename }", "extensions": wrong})
        error = answer.json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert "does not match" in error["message"]
        stale = {"persistedQuery": {"version": 2, "sha256Hash": "0" * 64}}
        answer = client.post("/graphql", json={"extensions": stale})
        assert "version 1" in answer.json()["errors"][0]["message"]


AUDIT = Path(__file__).resolve().parents[1] / "tools" / "graphql-http-audit"


@pytest.mark.skipif(shutil.which("node") is None, reason="the audit runs on Node.js")
def test_the_graphql_over_http_audit_finds_no_failure_and_no_warning(hub: RunningHub) -> None:
    assert (AUDIT / "node_modules").is_dir(), "install it: make node-tools"
    audit = subprocess.run(
        ["node", str(AUDIT / "audit.mjs"), f"{hub.url}/graphql"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert audit.stdout.strip().endswith("0 MUST failures, 0 warnings"), audit.stdout


def test_json_nested_deeper_than_32_levels_is_refused_wherever_it_is(hub: RunningHub) -> None:
    deep: Any = "x"
    for _ in range(40):
        deep = [deep]
    query = "query($v: JSON) { __typename }"
    with hub.client() as client:
        for body in ({"query": query, "variables": {"v": deep}}, {"query": query, "x": deep}):
            refused = client.post("/graphql", json=body)
            assert refused.status_code == 400, body.keys()
            assert _code(refused) == "BAD_REQUEST" and "32 levels" in refused.text
        flat = client.post("/graphql", json={"query": "{ __typename }", "x": [[["fine"]]]})
        assert flat.status_code == 200


# ---- bodies that are too large or never arrive -----------------------------------------------


def _raw_exchange(url: str, request: bytes, timeout: float = 10.0) -> bytes:
    """Send ``request`` whole on a fresh connection, then read its answer (a JSON body)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as connection:
        connection.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            received = connection.recv(4096)
            if not received:
                break
            answer += received
        return answer


def test_a_body_above_the_limit_sent_whole_gets_its_413(hub: RunningHub) -> None:
    body = b'{"query": "' + b"x" * (8 * 1024 * 1024) + b'"}'  # past what sockets buffer
    head = (
        "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    answer = _raw_exchange(hub.url, head + body)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"TOO_LARGE" in answer


def test_a_body_that_stops_arriving_gets_408(hub: RunningHub) -> None:
    settings = make_settings(hub.services.settings.data_dir, request_timeout=1)
    with serve_beside(hub, settings) as impatient:
        head = (
            b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n"
        )
        answer = _raw_exchange(impatient.url, head + b'{"query":')
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"TIMEOUT"' in answer
