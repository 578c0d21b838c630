"""What the server counts, for ``GET /metrics`` in Prometheus' text format (``prometheus-client``).

One server process keeps its counts in memory. With ``userpool serve --workers N`` a scrape
reaches one worker at random, so the CLI sets ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
``DATA_DIR/metrics``) before the workers start: each writes its counts to files there and a
scrape sums them all (prometheus-client's multiprocess mode; the gauges are summed over live
processes). Process-level metrics (CPU, memory) are only there in single-process mode, as
that mode's collectors cannot add them up across processes.

Who may read it (``--metrics``): ``loopback`` (the default: requests from 127.0.0.0/8 and ::1
only; behind a proxy on the same host, uvicorn takes the client from X-Forwarded-For, so the
proxy must set it), ``open``, or ``off``. The counts hold no secrets — operation names,
outcomes (error types), durations — but they show traffic, so they are not public unless
asked for.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.engine import Engine

# no *_created series: a scrape is half as long, and nothing here needs them
disable_created_metrics()  # type: ignore[no-untyped-call]
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
ACCESS = ("loopback", "open", "off")
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUESTS = Counter("userpool_requests", "Wire API requests, by operation and outcome (ok or the error's __type).",
                   ["operation", "outcome"])
LATENCY = Histogram("userpool_request_duration_seconds", "Wire API request duration, as the caller sees it.", ["operation"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
SIGN_INS = Counter("userpool_sign_ins", "Sign-ins that reached a verdict: success (tokens issued) or failure.", ["outcome"])
LOCKOUTS = Counter("userpool_lockouts", "Lockouts after repeated failed sign-ins (of known and unknown names alike).")
REFRESHES = Counter("userpool_token_refreshes", "Refresh-token requests (REFRESH_TOKEN_AUTH, GetTokensFromRefreshToken).",
                    ["outcome"])
RATE_LIMITED = Counter("userpool_rate_limited_requests", "Requests refused with TooManyRequestsException, by rule.", ["rule"])
IMPORT_ROWS = Counter("userpool_import_rows", "CSV import-job rows committed, by result.", ["result"])
DB_CONNECTIONS_IN_USE = Gauge("userpool_db_connections_in_use", "Database connections checked out of the pool.",
                              multiprocess_mode="livesum")
DB_POOL_CAPACITY = Gauge("userpool_db_pool_capacity", "Connections the pool may open (size + overflow).",
                         multiprocess_mode="livesum")

_REFRESH_FLOWS = ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN")


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def scrape() -> bytes:
    """The text exposition of every metric (of every worker, in multiprocess mode)."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def may_read(access: str, client_host: str | None) -> bool:
    """Whether a scrape from ``client_host`` is let through under ``--metrics access``."""
    if access == "open":
        return True
    if access != "loopback" or not client_host:
        return False
    try:
        return ipaddress.ip_address(client_host).is_loopback
    except ValueError:
        return False


# The labelled children, looked up once per label values: ``labels()`` checks and locks on
# every call, a few per cent of a GetUser. Label values are bounded (operations, outcomes).
_request_children: dict[tuple[str, str], tuple[Any, Any]] = {}


def observe_request(operation: str, outcome: str, seconds: float) -> None:
    children = _request_children.get((operation, outcome))
    if children is None:
        children = _request_children.setdefault((operation, outcome), (REQUESTS.labels(operation, outcome), LATENCY.labels(operation)))
    children[0].inc()
    children[1].observe(seconds)


def is_refresh(operation: str, params: dict[str, Any]) -> bool:
    if operation == "GetTokensFromRefreshToken":
        return True
    return operation in ("InitiateAuth", "AdminInitiateAuth") and params.get("AuthFlow") in _REFRESH_FLOWS


def refreshed(ok: bool) -> None:
    REFRESHES.labels("success" if ok else "failure").inc()


def rate_limited(rule: str) -> None:
    RATE_LIMITED.labels(rule).inc()


def security_event(name: str) -> None:
    """Counts from the audit log's events (audit.py): sign-ins and lockouts."""
    if name == "sign_in_success":
        SIGN_INS.labels("success").inc()
    elif name == "sign_in_failure":
        SIGN_INS.labels("failure").inc()
    elif name == "lockout":
        LOCKOUTS.inc()


def import_rows(imported: int, skipped: int, failed: int) -> None:
    for result, n in (("imported", imported), ("skipped", skipped), ("failed", failed)):
        if n:
            IMPORT_ROWS.labels(result).inc(n)


def watch_pool(engine: Engine) -> None:
    """Keep the connections-in-use gauge with the engine's pool (checkout and checkin events)."""
    pool: Any = engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", 0)
    if callable(size):
        DB_POOL_CAPACITY.inc(size() + max(overflow, 0))
    event.listen(engine, "checkout", lambda *_: DB_CONNECTIONS_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: DB_CONNECTIONS_IN_USE.dec())


def process_exit() -> None:
    """A worker leaving: its live gauges no longer count (multiprocess mode)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
