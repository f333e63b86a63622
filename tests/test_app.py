"""The HTTP surface: probes, GraphiQL, introspection, metrics and the request log."""

import json
import logging
import re
import time

import pytest
from graphql import GraphQLError, build_client_schema, get_introspection_query

from hub.api.errors import classify
from hub.api.operation import label_for
from hub.errors import DatabaseUnavailable
from hub.logs import JsonFormatter
from tests.harness import RunningHub

INTROSPECTION = """
query Introspect {
  __schema {
    queryType { name }
    types { name kind description fields { name description } }
  }
}
"""


def test_healthz_answers_while_the_process_lives(hub: RunningHub) -> None:
    with hub.client() as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_the_reachable_database(hub: RunningHub) -> None:
    with hub.client() as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"
    assert response.json()["database"].startswith("arcadedb ")


def test_graphiql_is_served_to_a_browser(hub: RunningHub) -> None:
    with hub.client() as client:
        response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


def test_introspection_shows_a_described_schema(hub: RunningHub) -> None:
    body = hub.graphql(INTROSPECTION, operation="Introspect")
    schema = body["data"]["__schema"]
    assert schema["queryType"]["name"] == "Query"
    own_types = [
        t for t in schema["types"] if not t["name"].startswith("__") and t["kind"] == "OBJECT"
    ]
    assert own_types
    for graphql_type in own_types:
        assert graphql_type["description"], graphql_type["name"]
        for field in graphql_type["fields"]:
            assert field["description"], f"{graphql_type['name']}.{field['name']}"


def test_every_argument_and_enum_value_is_described(hub: RunningHub) -> None:
    served = build_client_schema(hub.graphql(get_introspection_query(descriptions=True))["data"])
    missing = []
    for name, named in served.type_map.items():
        if name.startswith("__"):
            continue
        for field_name, field in getattr(named, "fields", {}).items():
            missing += [
                f"{name}.{field_name}({arg})"
                for arg, given in getattr(field, "args", {}).items()
                if not given.description
            ]
        missing += [
            f"{name}.{value}"
            for value, given in getattr(named, "values", {}).items()
            if not given.description
        ]
    assert missing == []


def test_server_info_reads_counts_from_the_database(hub: RunningHub) -> None:
    body = hub.graphql(
        "{ serverInfo { hubVersion database { product name } recordCounts { label count } } }"
    )
    info = body["data"]["serverInfo"]
    assert info["database"] == {"product": "arcadedb", "name": "hub"}
    assert {c["label"] for c in info["recordCounts"]} == {
        "BusinessPartner",
        "Material",
        "Project",
        "Vehicle",
        "Contract",
        "IdentificationObject",
        "Document",
    }


def _metric(text: str, name: str, **labels: str) -> float:
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_the_console_and_graphiql_are_counted_under_their_own_paths(hub: RunningHub) -> None:
    with hub.client() as client:
        before = client.get("/metrics").text
        assert client.get("/console").status_code == 200
        client.get("/graphiql/no-such-asset.js")
        client.get("/consoles")
        after = client.get("/metrics").text
    for path in ("/console", "/graphiql", "other"):
        grown = sum(
            _metric(after, "hub_http_requests_total", path=path, status=status)
            - _metric(before, "hub_http_requests_total", path=path, status=status)
            for status in ("200", "404")
        )
        assert grown == 1, path


def test_metrics_count_requests_by_operation_and_database_queries(hub: RunningHub) -> None:
    with hub.client() as client:
        before = client.get("/metrics").text
        hub.graphql(
            "query CountRecords { serverInfo { recordCounts { count } } }", operation="CountRecords"
        )
        after = client.get("/metrics")
    assert after.headers["content-type"].startswith("text/plain")
    labels = {"operation": "CountRecords", "path": "/graphql", "status": "200"}
    assert (
        _metric(after.text, "hub_http_requests_total", **labels)
        == _metric(before, "hub_http_requests_total", **labels) + 1
    )
    assert (
        _metric(after.text, "hub_http_request_duration_seconds_count", operation="CountRecords")
        >= 1
    )
    assert (
        _metric(after.text, "hub_db_queries_total") >= _metric(before, "hub_db_queries_total") + 1
    )


def test_each_request_writes_one_structured_log_line(
    hub: RunningHub, caplog: pytest.LogCaptureFixture
) -> None:
    def logged() -> list[logging.LogRecord]:
        return [
            r
            for r in caplog.records
            if r.name == "hub.request" and getattr(r, "operation", None) == "LoggedOperation"
        ]

    with caplog.at_level(logging.INFO, logger="hub.request"):
        hub.graphql(
            "query LoggedOperation { serverInfo { hubVersion } }", operation="LoggedOperation"
        )
        # The server writes the line once the response is sent, so it may trail the answer.
        deadline = time.monotonic() + 5
        while not logged() and time.monotonic() < deadline:
            time.sleep(0.01)
    lines = logged()
    assert len(lines) == 1
    record = lines[0]
    assert record.status == 200  # type: ignore[attr-defined]
    assert record.duration_ms > 0  # type: ignore[attr-defined]
    rendered = json.loads(JsonFormatter().format(record))
    assert rendered["event"] == "request"
    assert rendered["operation"] == "LoggedOperation"
    assert rendered["path"] == "/graphql"


def test_invalid_query_is_a_graphql_error_with_a_code(hub: RunningHub) -> None:
    body = hub.graphql("{ noSuchField }")
    error = body["errors"][0]
    assert "noSuchField" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_unexpected_errors_are_masked_and_database_outages_named() -> None:
    leaked = classify(GraphQLError("boom", original_error=KeyError("secret internals")))
    assert leaked.message == "Internal server error."
    assert leaked.extensions == {"code": "INTERNAL_SERVER_ERROR"}
    outage = classify(GraphQLError("x", original_error=DatabaseUnavailable("bolt refused")))
    assert outage.extensions == {"code": "DATABASE_UNAVAILABLE"}
    assert "bolt" not in outage.message


def test_operation_names_that_are_not_identifiers_do_not_become_metric_labels() -> None:
    assert label_for("Fine_Name1") == "Fine_Name1"
    assert label_for(None) == "anonymous"
    assert label_for("x" * 200) == "invalid_name"
    assert re.fullmatch(r"[a-z_]+", label_for("drop table; --"))
