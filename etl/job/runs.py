"""The run record in sync_runs: started, finished (with its figures) or failed."""

from __future__ import annotations

import errno
import logging
import secrets
from datetime import datetime
from pathlib import Path

import duckdb

from authentik_etl.core.errors import DatabaseError, EtlError, first_line
from authentik_etl.core.results import SyncResult
from authentik_etl.core.settings import SyncSettings
from authentik_etl.load import db

log = logging.getLogger(__name__)


def new_run_id(at: datetime) -> str:
    return f"{at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def start_run(settings: SyncSettings, run_id: str, started: datetime) -> None:
    con = db.connect(settings.db_path, wait=db.OPEN_WAIT_SECONDS)
    try:
        db.migrate(con)
        # We hold the run lock, so any run still marked 'running' died without finishing.
        con.execute(
            "UPDATE sync_runs SET status = 'failed', finished_at = ?, "
            "error = 'abandoned: the process ended without finishing (killed or crashed)' "
            "WHERE status = 'running'",
            [started],
        )
        con.execute(
            "INSERT INTO sync_runs (run_id, started_at, status, base_url, mode) "
            "VALUES (?, ?, 'running', ?, ?)",
            [run_id, started, settings.base_url, settings.mode],
        )
    except duckdb.Error as exc:
        raise storage_error(settings.db_path, exc) from None
    finally:
        con.close()


def record_run(
    con: duckdb.DuckDBPyConnection, run_id: str, result: SyncResult, not_evaluated: list[str]
) -> None:
    con.execute(
        "UPDATE sync_runs SET finished_at = ?, status = ?, discovered = ?, fetched = ?, inserted = ?, "
        "updated = ?, unchanged = ?, deleted = ?, failed = ?, retries = ?, error = ?, api_shape = ?, "
        "concurrency = ?, skipped_parts = ?, complete_parts = ?, findings_skipped = ?, kind = ?, "
        "watermark = ?, full_reason = ?, users_watermark = ?, incremental_parts = ? WHERE run_id = ?",
        [
            db.now(),
            result.status,
            result.discovered,
            result.fetched,
            result.inserted,
            result.updated,
            result.unchanged,
            result.deleted,
            result.failed,
            result.retries,
            result.error,
            result.api_shape,
            result.concurrency,
            result.skipped_parts,
            result.complete_parts,
            not_evaluated,
            result.kind,
            result.watermark,
            result.full_reason,
            result.users_watermark,
            result.incremental_parts,
            run_id,
        ],
    )


def fail_run(db_path: Path, run_id: str, exc: BaseException) -> None:
    """Record the failure in its own small transaction; never mask the original error."""
    message = str(exc) if isinstance(exc, EtlError) else f"{type(exc).__name__}: {exc}"
    try:
        con = db.connect(db_path, wait=10.0)
        try:
            con.execute(
                "UPDATE sync_runs SET status = 'failed', finished_at = ?, error = ? WHERE run_id = ?",
                [db.now(), message[:2000] or type(exc).__name__, run_id],
            )
        finally:
            con.close()
    except (EtlError, duckdb.Error) as record_exc:
        log.warning("could not record the failed run %s: %s", run_id, record_exc)


def storage_error(path: Path, exc: duckdb.Error | OSError) -> EtlError:
    """A one-line DatabaseError for a failure to read or write the database or its side files."""
    text = first_line(exc)
    if "No space left" in text or getattr(exc, "errno", None) == errno.ENOSPC:
        return DatabaseError(
            f"the disk holding {path} is full: free space and run again (nothing was applied)"
        )
    if "Read-only file system" in text or getattr(exc, "errno", None) == errno.EROFS:
        return DatabaseError(f"the folder of {path} is on a read-only file system: nothing was applied")
    if isinstance(exc, OSError):
        return DatabaseError(f"cannot write beside the database {path}: {exc.strerror or text}")
    return DatabaseError(f"database error on {path}: {text}")
