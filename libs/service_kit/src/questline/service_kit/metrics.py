"""Prometheus metrics shared by every service (one registry per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "questline_http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "questline_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
OUTBOX_PUBLISHED = Counter(
    "questline_outbox_published_total", "Events published by the outbox relay", ["topic"]
)
OUTBOX_BATCH = Histogram(
    "questline_outbox_batch_size", "Rows per relay batch", buckets=(1, 10, 50, 100, 250, 500, 1000)
)
OUTBOX_FAILURES = Counter("questline_outbox_failures_total", "Relay rounds that failed")
EVENTS_CONSUMED = Counter(
    "questline_events_consumed_total",
    "Events taken from Kafka by outcome",
    ["topic", "outcome"],  # applied | duplicate | ignored | dead_lettered
)
CONSUMER_BATCH = Histogram(
    "questline_consumer_batch_size",
    "Events per consumer transaction",
    buckets=(1, 10, 50, 100, 250, 500, 1000),
)
CONSUMER_RETRIES = Counter(
    "questline_consumer_retries_total", "Batches retried after a transient failure"
)
CONSUMER_LAG = Gauge(
    "questline_consumer_lag", "Records behind the partition end", ["topic", "partition"]
)
