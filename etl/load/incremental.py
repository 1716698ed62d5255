"""What an incremental run reads from the database: where the last runs left off, which sources
changed, and the newest `last_updated` this run staged (sql/incremental/)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from authentik_etl.load import db, sqlfiles


@dataclass(frozen=True)
class Previous:
    """What the runs recorded for one authentik say about the next incremental one."""

    watermark: datetime | None  # the last succeeded run's
    users_watermark: datetime | None  # the same for users
    last_full: datetime | None  # when the last full run that applied its data started
    api_shape: str | None  # the shape the last succeeded run read


def previous_runs(con: duckdb.DuckDBPyConnection, base_url: str) -> Previous:
    [row] = con.execute(sqlfiles.read("incremental/previous_runs.sql"), {"base_url": base_url}).fetchall()
    return Previous(*row)


def changed_sources(staging: duckdb.DuckDBPyConnection, db_path: Path) -> list[str]:
    """The slugs of the staged sources that are new or changed since the stored ones."""
    staging.execute(f"ATTACH {db.quote_literal(str(db_path))} AS target (READ_ONLY)")
    try:
        rows = staging.execute(sqlfiles.read("incremental/changed_sources.sql")).fetchall()
    finally:
        staging.execute("DETACH target")
    return [slug for (slug,) in rows]


def staged_newest(staging: duckdb.DuckDBPyConnection) -> tuple[datetime | None, datetime | None]:
    """The highest last_updated of the connections, and of the users, this run staged (None: none)."""
    row = db.first_row(
        staging, "SELECT (SELECT max(last_updated) FROM stg_connections), "
        "(SELECT max(last_updated) FROM stg_users)"
    )  # fmt: skip
    assert row is not None
    return row[0], row[1]


def record_plan(con: duckdb.DuckDBPyConnection, run_id: str, kind: str, reason: str | None) -> None:
    con.execute("UPDATE sync_runs SET kind = ?, full_reason = ? WHERE run_id = ?", [kind, reason, run_id])
