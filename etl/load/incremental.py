"""What an incremental run reads from the database: where the last runs left off, which sources
changed, and the newest `last_updated` this run staged (sql/incremental/)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from authentik_etl.load import db, sqlfiles


def previous_runs(con: duckdb.DuckDBPyConnection, base_url: str) -> tuple[datetime | None, datetime | None]:
    """(the last succeeded run's watermark, when the last applied full run started), for this URL."""
    [(watermark, last_full)] = con.execute(
        sqlfiles.read("incremental/previous_runs.sql"), {"base_url": base_url}
    ).fetchall()
    return watermark, last_full


def changed_sources(staging: duckdb.DuckDBPyConnection, db_path: Path) -> list[str]:
    """The slugs of the staged sources that are new or changed since the stored ones."""
    staging.execute(f"ATTACH {db.quote_literal(str(db_path))} AS target (READ_ONLY)")
    try:
        rows = staging.execute(sqlfiles.read("incremental/changed_sources.sql")).fetchall()
    finally:
        staging.execute("DETACH target")
    return [slug for (slug,) in rows]


def staged_newest(staging: duckdb.DuckDBPyConnection) -> datetime | None:
    """The highest last_updated of the connections this run staged (None: none has one)."""
    row = db.first_row(staging, "SELECT max(last_updated) FROM stg_connections")
    return row[0] if row else None


def record_plan(con: duckdb.DuckDBPyConnection, run_id: str, kind: str, reason: str | None) -> None:
    con.execute("UPDATE sync_runs SET kind = ?, full_reason = ? WHERE run_id = ?", [kind, reason, run_id])
