"""Monitoring: a Prometheus textfile after each sync, and healthchecks.io-style pings."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import urllib3
from authentik_etl.core.errors import EtlError
from authentik_etl.extract.client import make_pool
from authentik_etl.load import db
from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics, write_to_textfile

if TYPE_CHECKING:
    from authentik_etl.job.sync import SyncResult

log = logging.getLogger(__name__)
TABLES = ("sources", "source_property_mappings", "user_source_connections", "sync_runs", "sync_errors")
OUTCOMES = ("inserted", "updated", "unchanged", "deleted", "failed")
PING_TIMEOUT = urllib3.Timeout(connect=5.0, read=10.0)

disable_created_metrics()


def write_metrics(
    path: Path, db_path: Path, *, exit_code: int, seconds: float, result: SyncResult | None
) -> None:
    """Write the metrics of the run that just ended, atomically (temp file, then rename)."""
    registry = CollectorRegistry()

    def gauge(name: str, doc: str, value: float) -> None:
        Gauge(name, doc, registry=registry).set(value)

    gauge("authentik_etl_last_run_timestamp_seconds", "When the last sync ended (Unix time).", time.time())
    gauge("authentik_etl_last_run_duration_seconds", "How long the last sync took.", seconds)
    gauge("authentik_etl_last_run_exit_code", "Exit code of the last sync (0 ok, 3 partial...).", exit_code)
    gauge(
        "authentik_etl_last_run_success", "1 if the last sync applied its data (0 or 3).", exit_code in (0, 3)
    )
    _database_metrics(registry, db_path)
    if result is not None:
        _run_metrics(registry, result)
    try:
        write_to_textfile(str(path), registry)
    except OSError as exc:
        raise EtlError(f"cannot write the metrics file {path}: {exc.strerror}") from None


def _run_metrics(registry: CollectorRegistry, result: SyncResult) -> None:
    outcomes = Counter(
        "authentik_etl_connections",
        "Connections by outcome in the last sync.",
        ["outcome"],
        registry=registry,
    )
    for outcome in OUTCOMES:
        outcomes.labels(outcome).inc(getattr(result, outcome))
    requests_by_code = Counter(
        "authentik_etl_http_requests",
        "HTTP requests of the last sync by status code (or timeout, connection).",
        ["code"],
        registry=registry,
    )
    for code, count in sorted(result.http.items()):
        requests_by_code.labels(code).inc(count)
    Counter("authentik_etl_retries", "Retried requests in the last sync.", registry=registry).inc(
        result.retries
    )


def _database_metrics(registry: CollectorRegistry, db_path: Path) -> None:
    try:
        con = db.connect(db_path, read_only=True)
    except EtlError as exc:
        log.warning("metrics without database figures: %s", exc)
        return
    try:
        rows = Gauge("authentik_etl_rows", "Rows per table.", ["table"], registry=registry)
        for table in TABLES:
            rows.labels(table).set(_scalar(con, f"SELECT count(*) FROM {table}"))
        _visibility_metrics(registry, con)
        last = (db.last_applied_run(con) or {}).get("finished_epoch")
        Gauge(
            "authentik_etl_last_success_timestamp_seconds",
            "When the last sync that applied its data ended (Unix time).",
            registry=registry,
        ).set(last or 0)
    except duckdb.Error as exc:
        log.warning("metrics without database figures: %s", exc)
    finally:
        con.close()


def _visibility_metrics(registry: CollectorRegistry, con: duckdb.DuckDBPyConnection) -> None:
    """What the newest run could see: a dashboard alerts when it drops (refused runs included)."""
    row = db.first_row(
        con,
        "SELECT visible_connections, len(coalesce(refused_endpoints, [])) FROM sync_runs "
        "WHERE visible_connections IS NOT NULL ORDER BY started_at DESC LIMIT 1",
    )
    visible, refused = row if row else (None, 0)
    if visible is not None:
        Gauge(
            "authentik_etl_visible_connections",
            "Connections the token could see in the last sync that listed them (refused runs included).",
            registry=registry,
        ).set(visible)
    Gauge(
        "authentik_etl_refused_endpoints",
        "Listings authentik refused (403, no permission) in that sync.",
        registry=registry,
    ).set(refused)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = db.first_row(con, sql)
    return float(row[0]) if row and row[0] is not None else 0.0


def ping(base: str, suffix: str) -> None:
    """GET <base>/<suffix> (healthchecks.io style); a failed ping is only a warning."""
    url = f"{base.rstrip('/')}/{suffix}"
    pool = make_pool(url, headers={"User-Agent": "authentik-etl"}, pool_size=1, timeout=PING_TIMEOUT)
    try:
        response = pool.request("GET", url, redirect=True, retries=urllib3.Retry(total=2, redirect=3))
        if response.status >= 400:
            log.warning("monitoring ping %s answered HTTP %d", url, response.status)
    except urllib3.exceptions.HTTPError as exc:
        log.warning("monitoring ping %s failed: %s", url, type(exc).__name__)
    finally:
        pool.clear()
