"""Opening the database (with clear errors for locks and bad paths) and its migrations."""

from __future__ import annotations

import logging
import re
import time
from pathlib import Path
from typing import Any

import duckdb

from authentik_etl.core.clock import now
from authentik_etl.core.errors import ConfigError, DatabaseError, DatabaseLockedError, first_line
from authentik_etl.load import sqlfiles

log = logging.getLogger(__name__)

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<prog>\S+) \(PID (?P<pid>\d+)\)")


# The sync's own connections (staging and apply) stay within this much memory and spill to disk
# beyond it, so a million-connection run fits a small container; readers keep DuckDB's default.
SYNC_SETTINGS = {"memory_limit": "160MB", "preserve_insertion_order": False}
# How long a sync waits for another process (a reader, an export) to let go of the database file.
OPEN_WAIT_SECONDS = 60.0


def connect(
    path: Path, *, read_only: bool = False, wait: float = 0.0, config: dict[str, object] | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the DuckDB file; wait up to `wait` seconds for another process's lock to go."""
    if read_only and not path.exists():
        raise ConfigError(f"no database at {path}: run `authentik-etl sync` first, or pass --db")
    deadline = time.monotonic() + wait
    delay = 0.2
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(config or {}))
        except duckdb.IOException as exc:
            error = _open_error(path, exc)
            if not isinstance(error, DatabaseLockedError) or time.monotonic() + delay > deadline:
                raise error from None
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        except duckdb.Error as exc:
            raise DatabaseError(f"cannot open the database {path}: {first_line(exc)}") from None


def _open_error(path: Path, exc: duckdb.Error) -> Exception:
    text = str(exc)
    holder = _LOCK_HOLDER.search(text)
    if holder or "Could not set lock" in text:
        who = f"process {holder['pid']} ({holder['prog']})" if holder else "another process"
        return DatabaseLockedError(
            f"the database {path} is in use by {who}: a sync is probably running; try again when it ends"
        )
    if "Permission denied" in text or "Read-only file system" in text:
        return DatabaseError(f"cannot write the database {path}: permission denied or read-only file system")
    return DatabaseError(f"cannot open the database {path}: {first_line(exc)}")


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction with its record."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
    )
    done = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for name, text in sqlfiles.listing("migrations"):
        version = name.removesuffix(".sql")
        if version in done:
            continue
        con.execute("BEGIN")
        try:
            con.execute(text)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [version, now()])
            con.execute("COMMIT")
        except duckdb.Error:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    if applied:
        log.info("database schema migrated: %s", ", ".join(applied))
    return applied


def create_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create every view of sql/views/ (each file is CREATE OR REPLACE VIEW ...)."""
    names = []
    for name, text in sqlfiles.listing("views"):
        con.execute(text)
        names.append(name.removesuffix(".sql"))
    return names


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> tuple | None:
    """The first row of a query, with the result fully consumed (DuckDB 2 wants that)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


# The newest run whose data was applied: 'succeeded', or 'partial' (failed connections, the rest applied).
LAST_APPLIED_RUN = (
    "SELECT run_id, status, finished_at, api_shape, epoch(finished_at) AS finished_epoch "
    "FROM sync_runs WHERE status IN ('succeeded', 'partial') ORDER BY finished_at DESC LIMIT 1"
)


def last_applied_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """LAST_APPLIED_RUN as a dict (run_id, status, finished_at, api_shape, finished_epoch), or None."""
    cursor = con.execute(LAST_APPLIED_RUN)
    names = [d[0] for d in cursor.description or ()]
    rows = cursor.fetchall()
    return dict(zip(names, rows[0], strict=True)) if rows else None


def quote_ident(name: str) -> str:
    """An SQL identifier (table, column), quoted: the one place names enter SQL text."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """A string literal for the few statements that take no bind parameter (ATTACH, COPY TO)."""
    return "'" + text.replace("'", "''") + "'"
