"""Parquet (or CSV) export of every table and view (load/catalog.py), as atomic dated snapshot folders.

out/authentik-etl-<UTC time>/ holds one file per table and view and a manifest.json; it is written
as a hidden temp folder first and renamed when complete, so a killed export leaves no partial
snapshot; out/latest points at the newest one.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from authentik_etl.core.errors import ConfigError, DatabaseError
from authentik_etl.load import catalog, db

FORMATS = {"parquet": "FORMAT parquet, COMPRESSION zstd", "csv": "FORMAT csv, HEADER true"}
PARTITIONABLE = {"source_slug": "connections_flat"}
SNAPSHOT_PREFIX = "authentik-etl-"
_PARTIAL = re.compile(rf"^\.{SNAPSHOT_PREFIX}.*\.partial-(\d+)$")


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    rows: dict[str, int]
    pruned: list[Path]


def check_out_dir(out: Path, db_path: Path) -> None:
    out, database = out.resolve(), db_path.resolve()
    if out == database or out == database.parent:
        raise ConfigError(
            f"--out {out} is the database's own folder: "
            f"give a folder of its own, e.g. {database.parent}/exports"
        )
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} exists and is not a folder")


def check_options(fmt: str, keep: int | None, partition_by: str | None) -> None:
    if fmt not in FORMATS:
        raise ConfigError(f"--format {fmt!r} is not supported: use {' or '.join(FORMATS)}")
    if keep is not None and keep < 1:
        raise ConfigError(f"--keep {keep} must be at least 1 (the snapshot just written)")
    if partition_by is not None and partition_by not in PARTITIONABLE:
        raise ConfigError(f"--partition-by {partition_by!r} is not supported: use {', '.join(PARTITIONABLE)}")


def export(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    *,
    fmt: str = "parquet",
    keep: int | None = None,
    partition_by: str | None = None,
) -> ExportResult:
    """Write every table and view into a new snapshot folder, point out/latest at it, prune."""
    check_options(fmt, keep, partition_by)
    try:
        out.mkdir(parents=True, exist_ok=True)
        _remove_abandoned_partials(out)
        final = _new_snapshot_name(out)
        tmp = out / f".{final.name}.partial-{os.getpid()}"
        tmp.mkdir()
        try:
            manifest = _write_all(con, tmp, fmt, partition_by)
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
            tmp.rename(final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _point_latest(out, final)
        pruned = _prune(out, keep) if keep else []
    except OSError as exc:
        raise DatabaseError(f"cannot write the export to {out}: {exc.strerror or exc}") from None
    return ExportResult(final, {name: entry["rows"] for name, entry in manifest["objects"].items()}, pruned)


def _new_snapshot_name(out: Path) -> Path:
    base = out / f"{SNAPSHOT_PREFIX}{db.now():%Y%m%dT%H%M%SZ}"
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _write_all(
    con: duckdb.DuckDBPyConnection, folder: Path, fmt: str, partition_by: str | None
) -> dict[str, Any]:
    found = catalog.stored(con)
    objects = {
        name: _write_one(con, folder, name, found.kind(name), fmt, partition_by) for name in found.names
    }
    last = db.last_applied_run(con) or {}
    return {
        "format": fmt,
        "created_at": db.now().isoformat(),
        "run_id": last.get("run_id"),
        "run_finished_at": last.get("finished_at"),
        "api_shape": last.get("api_shape"),
        "authentik_version": None,  # authentik's API does not tell a non-admin token its version
        "objects": objects,
    }


def _write_one(
    con: duckdb.DuckDBPyConnection, folder: Path, name: str, kind: str, fmt: str, part: str | None
) -> dict:
    query = f"SELECT * FROM {db.quote_ident(name)}"
    partitioned = part is not None and PARTITIONABLE[part] == name
    target = folder / (name if partitioned else f"{name}.{fmt}")
    options = FORMATS[fmt] + (f", PARTITION_BY ({db.quote_ident(part)})" if partitioned else "")
    con.execute(f"COPY ({query}) TO {db.quote_literal(str(target))} ({options})")
    columns = con.execute(f"DESCRIBE {query}").fetchall()
    rows = db.first_row(con, f"SELECT count(*) FROM {db.quote_ident(name)}")
    entry = {
        "file": target.name + ("/" if partitioned else ""),
        "kind": kind,
        "rows": rows[0] if rows else 0,
        "columns": [{"name": c[0], "type": c[1]} for c in columns],
    }
    if partitioned:
        entry["partitioned_by"] = part
    return entry


def _point_latest(out: Path, final: Path) -> None:
    link = out / "latest"
    tmp_link = out / f".latest.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    tmp_link.symlink_to(final.name)
    os.replace(tmp_link, link)


def snapshots(out: Path) -> list[Path]:
    """Complete snapshot folders, oldest first."""
    return sorted(p for p in out.iterdir() if p.is_dir() and p.name.startswith(SNAPSHOT_PREFIX))


def _prune(out: Path, keep: int) -> list[Path]:
    old = snapshots(out)[:-keep]
    for folder in old:
        shutil.rmtree(folder)
    return old


def _remove_abandoned_partials(out: Path) -> None:
    """Temp folders of exports that were killed (their process is gone)."""
    for entry in out.iterdir():
        match = _PARTIAL.match(entry.name)
        if match and not _alive(int(match[1])):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
