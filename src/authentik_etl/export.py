"""Parquet (or CSV) export of every table and view, as an atomic dated snapshot folder."""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from authentik_etl import db
from authentik_etl.errors import ConfigError, DatabaseError

TABLES = ("sources", "source_property_mappings", "user_source_connections", "sync_runs", "sync_errors")
VIEWS = ("connections_flat", "matching_mode_report", "enabled_sources_report")
FORMATS = {"parquet": "(FORMAT parquet, COMPRESSION zstd)", "csv": "(FORMAT csv, HEADER true)"}
SNAPSHOT_PREFIX = "authentik-etl-"


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    rows: dict[str, int]


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def check_out_dir(out: Path, db_path: Path) -> None:
    out, database = out.resolve(), db_path.resolve()
    if out == database or out == database.parent:
        raise ConfigError(
            f"--out {out} is the database's own folder: "
            f"give a folder of its own, e.g. {database.parent}/exports"
        )
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} exists and is not a folder")


def export(
    con: duckdb.DuckDBPyConnection, out: Path, *, fmt: str = "parquet", stamp: str | None = None
) -> ExportResult:
    """Write every table and view into out/authentik-etl-<stamp>/, then point out/latest at it."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not supported: use {' or '.join(FORMATS)}")
    stamp = stamp or f"{db.now():%Y%m%dT%H%M%SZ}"
    try:
        out.mkdir(parents=True, exist_ok=True)
        final = out / f"{SNAPSHOT_PREFIX}{stamp}"
        if final.exists():
            raise ConfigError(f"the export {final} already exists: wait a second or remove it")
        tmp = out / f".{SNAPSHOT_PREFIX}{stamp}.partial-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            manifest = _write_all(con, tmp, fmt)
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _point_latest(out, final)
    except OSError as exc:
        raise DatabaseError(f"cannot write the export to {out}: {exc.strerror or exc}") from None
    return ExportResult(final, {name: entry["rows"] for name, entry in manifest["objects"].items()})


def _write_all(con: duckdb.DuckDBPyConnection, folder: Path, fmt: str) -> dict[str, Any]:
    objects: dict[str, Any] = {}
    for name in TABLES + VIEWS:
        target = folder / f"{name}.{fmt}"
        query = f"SELECT * FROM {quote_ident(name)}"
        con.execute(f"COPY ({query}) TO {quote_literal(str(target))} {FORMATS[fmt]}")
        columns = con.execute(f"DESCRIBE {query}").fetchall()
        rows = db.first_row(con, f"SELECT count(*) FROM {quote_ident(name)}")
        objects[name] = {
            "file": target.name,
            "kind": "view" if name in VIEWS else "table",
            "rows": rows[0] if rows else 0,
            "columns": [{"name": c[0], "type": c[1]} for c in columns],
        }
    last = db.first_row(
        con,
        "SELECT run_id, finished_at FROM sync_runs WHERE status IN ('succeeded', 'partial') "
        "ORDER BY finished_at DESC LIMIT 1",
    )
    return {
        "format": fmt,
        "created_at": db.now().isoformat(),
        "run_id": last[0] if last else None,
        "run_finished_at": last[1] if last else None,
        "objects": objects,
    }


def _point_latest(out: Path, final: Path) -> None:
    link = out / "latest"
    tmp_link = out / f".latest.{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(final.name)
    os.replace(tmp_link, link)
