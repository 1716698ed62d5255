"""Applying a staged run to the database in one transaction (the statements of sql/load/).

`apply()` attaches the staging file and runs the set-based statements of sql/load/ in name order,
recreates the views and writes the run record, all in one transaction: a run that fails or is
killed before COMMIT leaves the database exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from authentik_etl.load import db, sqlfiles

_PARAM = re.compile(r"\$([a-z_]+)")


@dataclass
class ApplyResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0


def apply(
    con: duckdb.DuckDBPyConnection,
    staging: Path,
    *,
    run_id: str,
    now: datetime,
    complete_parts: Sequence[str] = (),
    incremental_parts: Sequence[str] = (),
    finish: Callable[[duckdb.DuckDBPyConnection, ApplyResult], None] | None = None,
) -> ApplyResult:
    """Apply the staged run in one transaction; `finish` writes the run record inside it."""
    params = {"now": now, "run_id": run_id, "complete_parts": list(complete_parts),
              "incremental_parts": list(incremental_parts)}  # fmt: skip
    con.execute(f"ATTACH {db.quote_literal(str(staging))} AS stg (READ_ONLY)")
    try:
        con.execute("BEGIN")
        try:
            result = _apply_statements(con, params)
            db.create_views(con)
            if finish is not None:
                finish(con, result)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.execute("DETACH stg")
    return result


def _apply_statements(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> ApplyResult:
    result = ApplyResult()
    for name, text in sqlfiles.listing("load"):
        used = {key: params[key] for key in _PARAM.findall(text)}
        changed = con.execute(text, used or None).fetchall()
        if name.startswith("10_"):
            counts = dict(
                con.execute("SELECT change, count(*) FROM chosen_connections GROUP BY ALL").fetchall()
            )
            result.inserted = counts.get("inserted", 0)
            result.updated = counts.get("updated", 0)
            result.unchanged = counts.get("unchanged", 0)
        elif name.startswith("50_"):
            result.deleted += changed[0][0] if changed else 0
    return result
