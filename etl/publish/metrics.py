"""Metrics: a Prometheus textfile after each sync (node_exporter's textfile collector)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb
from prometheus_client import CollectorRegistry, Counter, Gauge, disable_created_metrics, write_to_textfile

from authentik_etl.core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL, EtlError
from authentik_etl.core.results import SyncResult
from authentik_etl.findings.rules import SEVERITIES
from authentik_etl.load import catalog, db

log = logging.getLogger(__name__)
OUTCOMES = ("inserted", "updated", "unchanged", "deleted", "failed")
APPLIED = (EXIT_OK, EXIT_PARTIAL, EXIT_FINDINGS)  # exit codes of runs that applied their data

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
        "authentik_etl_last_run_success",
        "1 if the last sync applied its data (0, 3 partial, or 5: a new finding at or above --fail-on).",
        exit_code in APPLIED,
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
        for table in catalog.stored(con).tables:
            rows.labels(table).set(_scalar(con, f"SELECT count(*) FROM {db.quote_ident(table)}"))
        _visibility_metrics(registry, con)
        _findings_metrics(registry, con)
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


def _findings_metrics(registry: CollectorRegistry, con: duckdb.DuckDBPyConnection) -> None:
    """Current findings, and those new in the last applied run, per severity (every severity, 0 too)."""
    current = dict(con.execute("SELECT severity, count(*) FROM security_findings GROUP BY ALL").fetchall())
    new = dict(
        con.execute(
            "SELECT severity, count(*) FROM security_finding_events WHERE event = 'new' AND run_id = "
            f"(SELECT run_id FROM ({db.LAST_APPLIED_RUN})) GROUP BY ALL"
        ).fetchall()
    )
    now = Gauge("authentik_etl_findings", "Current security findings by severity.", ["severity"],
                registry=registry)  # fmt: skip
    fresh = Gauge("authentik_etl_findings_new", "Security findings new in the last applied run, by severity.",
                  ["severity"], registry=registry)  # fmt: skip
    for severity in SEVERITIES:
        now.labels(severity).set(current.get(severity, 0))
        fresh.labels(severity).set(new.get(severity, 0))


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = db.first_row(con, sql)
    return float(row[0]) if row and row[0] is not None else 0.0
