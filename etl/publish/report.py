"""The terminal report: matching modes and enabled sources, from the views in sql/views/."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC
from typing import TextIO

import duckdb

from authentik_etl.load import db

MATCHING_MODE_SQL = (
    "SELECT user_matching_mode, sources, enabled_sources AS enabled, connections, "
    "distinct_users AS users, links_existing_accounts AS links_accounts FROM matching_mode_report"
)
ENABLED_SOURCES_SQL = (
    "SELECT slug, name, type, user_matching_mode AS matching, policy_engine_mode AS policy, "
    "connections, distinct_users AS users, "
    "strftime(newest_connection AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M') AS newest_utc "
    "FROM enabled_sources_report"
)


def render(con: duckdb.DuckDBPyConnection, out: TextIO, *, width: int = 160) -> None:
    last = db.last_applied_run(con)
    if last:
        finished = last["finished_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        out.write(f"Data from run {last['run_id']} ({last['status']}, finished {finished})\n\n")
    out.write("User matching modes\n")
    out.write(table(con, MATCHING_MODE_SQL, width))
    risky = con.execute(
        "SELECT user_matching_mode, risk FROM matching_mode_report "
        "WHERE links_existing_accounts AND sources > 0"
    ).fetchall()
    for mode, risk in risky:
        out.write(f"  ! {mode} links existing accounts. authentik warns: {risk}\n")
    out.write("\nEnabled sources\n")
    out.write(table(con, ENABLED_SOURCES_SQL, width))


def table(con: duckdb.DuckDBPyConnection, sql: str, width: int = 160, max_rows: int = 10_000) -> str:
    """DuckDB's own box rendering of a query's result."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        con.sql(sql).show(max_width=width, max_rows=max_rows, max_col_width=60, null_value="")
    return buffer.getvalue()
