"""Prometheus metrics of one app instance, on a registry of its own (no process globals)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _QueryCounter(Collector):
    """Reads the store's own statement count at scrape time."""

    def __init__(self, queries_sent: Callable[[], int]) -> None:
        self._queries_sent = queries_sent

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "hub_db_queries", "Database statements sent by this hub process."
        )
        family.add_metric([], float(self._queries_sent()))
        yield family


class Metrics:
    """HTTP request counts and latency by operation, and database statements sent."""

    def __init__(self, queries_sent: Callable[[], int]) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "hub_http_requests",
            "HTTP requests handled, by path, GraphQL operation and status.",
            ["method", "path", "operation", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hub_http_request_duration_seconds",
            "Time to answer an HTTP request, by path and GraphQL operation.",
            ["path", "operation"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_QueryCounter(queries_sent))
        # The labelled series, found again without prometheus_client's label checks: a
        # request's own cost should not be its bookkeeping.
        self._series: dict[tuple[str, str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, path: str, operation: str, status: int, seconds: float) -> None:
        key = (method, path, operation, status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = (
                self.requests.labels(method, path, operation, str(status)),
                self.latency.labels(path, operation),
            )
        count, latency = series
        count.inc()
        latency.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
