"""What the database stores, read from DuckDB's own catalog (after sql/migrations and sql/views).

Export, metrics and the README's data-model test all ask here, so one new `.sql` file (a migration's
table, a file in sql/views/) is enough for it to be exported, counted and checked as documented.
Internal objects are named once, here, and are never exported or counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# The tool's own bookkeeping: which migrations ran. (Staging lives in a file of its own.)
INTERNAL = frozenset({"schema_migrations"})


@dataclass(frozen=True)
class Stored:
    tables: tuple[str, ...]  # by name
    views: tuple[str, ...]  # by name

    @property
    def names(self) -> tuple[str, ...]:
        return self.tables + self.views

    def kind(self, name: str) -> str:
        return "view" if name in self.views else "table"


def stored(con: duckdb.DuckDBPyConnection) -> Stored:
    """The user-facing tables and views of the main schema."""
    here = "schema_name = 'main' AND database_name = current_database() AND NOT temporary"
    tables = _names(con, f"SELECT table_name FROM duckdb_tables() WHERE {here} ORDER BY table_name")
    views = _names(
        con, f"SELECT view_name FROM duckdb_views() WHERE {here} AND NOT internal ORDER BY view_name"
    )
    return Stored(tables, views)


def _names(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[str, ...]:
    return tuple(row[0] for row in con.execute(sql).fetchall() if row[0] not in INTERNAL)
