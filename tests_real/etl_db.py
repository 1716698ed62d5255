"""What a sync left in its DuckDB file, read back (read-only) in the shapes ak_pg gives."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

SNAPSHOT_TABLES = ("user_source_connections", "sources", "sources_history", "source_property_mappings")


class Synced:
    def __init__(self, path: Path) -> None:
        self.con = duckdb.connect(str(path), read_only=True)

    def __enter__(self) -> Synced:
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()

    def dicts(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def connections(self, *, live: bool = True) -> dict[int, dict[str, Any]]:
        """pk -> the stored row (source_pk as text, payload parsed)."""
        where = "WHERE deleted_at IS NULL" if live else ""
        out = {}
        for row in self.dicts(f"SELECT * FROM user_source_connections {where}"):
            row["source_pk"] = str(row["source_pk"])
            row["payload"] = json.loads(row["payload"])
            out[row.pop("pk")] = row
        return out

    def sources(self) -> dict[str, dict[str, Any]]:
        out = {}
        for row in self.dicts("SELECT * FROM sources"):
            row["payload"] = json.loads(row["payload"])
            out[str(row.pop("pk"))] = row
        return out

    def property_mappings(self) -> dict[tuple[str, str], list[tuple[int, str]]]:
        """(source pk, kind) -> [(position, mapping pk)] by position."""
        out: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        for source_pk, kind, mapping_pk, position in self.con.execute(
            "SELECT source_pk, kind, mapping_pk, position FROM source_property_mappings ORDER BY 1, 2, 4"
        ).fetchall():
            out[(str(source_pk), kind)].append((position, mapping_pk))
        return dict(out)

    def history(self, source_pk: str) -> list[dict[str, Any]]:
        return self.dicts(
            "SELECT * FROM sources_history WHERE source_pk = ? ORDER BY valid_from, valid_to NULLS LAST",
            [source_pk],
        )

    def open_versions(self) -> dict[str, int]:
        rows = self.con.execute(
            "SELECT source_pk::VARCHAR, count(*) FROM sources_history WHERE valid_to IS NULL GROUP BY 1"
        ).fetchall()
        return dict(rows)

    def runs(self) -> list[dict[str, Any]]:
        return self.dicts("SELECT * FROM sync_runs ORDER BY started_at")

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the data tables, in a stable order (to prove a run changed nothing)."""
        return {
            table: self.con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in SNAPSHOT_TABLES
        }


def read(path: Path) -> Synced:
    return Synced(path)
