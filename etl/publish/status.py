"""`authentik-etl status`: recent runs, and how old the last applied run is."""

from __future__ import annotations

import time
from datetime import UTC
from typing import Any

import duckdb

from authentik_etl.load import db

COLUMNS = ("run_id", "status", "mode", "started_at", "seconds", "discovered", "inserted", "updated",
           "unchanged", "deleted", "failed", "retries", "visible_connections", "refused_endpoints",
           "error")  # fmt: skip


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int) -> list[dict[str, Any]]:
    rows = con.execute(
        "SELECT run_id, status, mode, started_at, round(epoch(finished_at) - epoch(started_at), 1), "
        "discovered, inserted, updated, unchanged, deleted, failed, retries, visible_connections, "
        "refused_endpoints, error "
        "FROM sync_runs ORDER BY started_at DESC LIMIT ?",
        [max(limit, 1)],
    ).fetchall()
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def seconds_since_last_applied(con: duckdb.DuckDBPyConnection) -> float | None:
    """Age of the newest run whose data was applied ('succeeded' or 'partial'); None if none."""
    last = db.last_applied_run(con)
    return None if last is None else time.time() - float(last["finished_epoch"])


def render(runs: list[dict[str, Any]], age: float | None) -> str:
    lines = ["last applied run: " + ("never" if age is None else f"{age / 3600:.1f} h ago")]
    header = (
        "run_id",
        "status",
        "mode",
        "started (UTC)",
        "seconds",
        "inserted",
        "updated",
        "deleted",
        "failed",
        "visible",
        "refused",
    )
    table = [header] + [
        (
            r["run_id"], r["status"], r["mode"], f"{r['started_at'].astimezone(UTC):%Y-%m-%d %H:%M:%S}",
            *(_text(r[k]) for k in ("seconds", "inserted", "updated", "deleted", "failed")),
            _text(r["visible_connections"]), ",".join(r["refused_endpoints"] or ()),
        )
        for r in runs
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    return "\n".join(lines) + "\n"


def _text(value: Any) -> str:
    return "" if value is None else str(value)
