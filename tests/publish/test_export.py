"""Issue 6: exports read back with DuckDB and pyarrow equal the database, row for row."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from conftest import run_sync
from helpers import EXE, assert_one_line_error, cli

from authentik_etl.publish import export
from authentik_etl.simulator import Dataset


@pytest.fixture
def synced_db(simulator, db_path) -> Path:
    dataset = Dataset.generate(connections=120, seed=60)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.update_source("etl-github", user_matching_mode="email_link")
    run_sync(sim, db_path)
    return db_path


# The tables and views analysts' scripts read: each must be exported (more may be added).
CONTRACT_VIEWS = {"connections_flat", "matching_mode_report", "enabled_sources_report", "source_changes",
                  "connections_by_month", "matching_mode_history"}  # fmt: skip
CONTRACT_VIEWS |= {"provider_trust", "sources_classified", "linkable_users", "security_findings",
                   "connection_changes", "finding_connections"}  # fmt: skip
CONTRACT = CONTRACT_VIEWS | {"sources", "sources_history", "source_property_mappings", "users", "groups",
                             "user_source_connections", "sync_runs", "sync_errors",
                             "group_source_connections", "source_details", "security_findings_history",
                             "security_finding_events", "connections_history"}  # fmt: skip


def test_a_new_view_is_exported_without_a_list_to_edit_and_internals_never_are(synced_db, tmp_path) -> None:
    with duckdb.connect(str(synced_db)) as con:
        con.execute("CREATE VIEW sources_per_type AS SELECT component, count(*) AS n FROM sources GROUP BY 1")
    out = tmp_path / "exports"
    assert cli("export", "--db", str(synced_db), "--out", str(out)).returncode == 0
    manifest = json.loads((out / "latest" / "manifest.json").read_text())
    assert manifest["objects"]["sources_per_type"]["kind"] == "view"
    assert set(manifest["objects"]) == CONTRACT | {"sources_per_type"}
    assert not (out / "latest" / "schema_migrations.parquet").exists()


def _database_rows(db_path: Path, name: str) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return sorted(map(_normalise, con.execute(f'SELECT * FROM "{name}"').fetchall()))


def _normalise(row: tuple) -> tuple:
    return tuple(json.dumps(v, sort_keys=True, default=str) if isinstance(v, list | dict) else v for v in row)


def test_parquet_export_round_trips_through_duckdb_and_pyarrow(synced_db, tmp_path) -> None:
    out = tmp_path / "exports"
    assert cli("export", "--db", str(synced_db), "--out", str(out)).returncode == 0
    snapshot = (out / "latest").resolve()
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert set(manifest["objects"]) == CONTRACT
    assert {n for n, e in manifest["objects"].items() if e["kind"] == "view"} == CONTRACT_VIEWS
    assert manifest["run_id"] and manifest["api_shape"] == ">=2025.12"
    for name, entry in manifest["objects"].items():
        path = snapshot / entry["file"]
        expected = _database_rows(synced_db, name)
        with duckdb.connect() as con:
            via_duckdb = sorted(
                map(_normalise, con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall())
            )
        assert via_duckdb == expected, name
        table = pq.read_table(path)
        assert table.num_rows == entry["rows"] == len(expected)
        assert table.column_names == [c["name"] for c in entry["columns"]]
        assert sorted(map(_normalise, (tuple(r.values()) for r in table.to_pylist()))) == expected, name
        assert (
            pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD" if expected else True
        )


def test_csv_export_round_trips(synced_db, tmp_path) -> None:
    out = tmp_path / "csv"
    assert cli("export", "--db", str(synced_db), "--out", str(out), "--format", "csv").returncode == 0
    snapshot = (out / "latest").resolve()
    for name in ("user_source_connections", "sources", "enabled_sources_report", "connections_flat"):
        path = snapshot / f"{name}.csv"
        with duckdb.connect(str(synced_db), read_only=True) as con:
            types = {column: kind for column, kind, *_ in con.execute(f'DESCRIBE "{name}"').fetchall()}
            expected = sorted(map(_normalise, con.execute(f'SELECT * FROM "{name}"').fetchall()))
            columns = ", ".join(f'"{c}"::{t} AS "{c}"' for c, t in types.items())
            reader = f"read_csv('{path}', header = true, all_varchar = true, allow_quoted_nulls = false)"
            got = sorted(map(_normalise, con.execute(f"SELECT {columns} FROM {reader}").fetchall()))
        assert got == expected, name
        assert pacsv.read_csv(path).num_rows == len(expected)


def test_partitioned_connection_view_and_keep(synced_db, tmp_path) -> None:
    out = tmp_path / "p"
    for _ in range(3):
        proc = cli(
            "export",
            "--db",
            str(synced_db),
            "--out",
            str(out),
            "--partition-by",
            "source_slug",
            "--keep",
            "2",
        )
        assert proc.returncode == 0, proc.stderr
    assert len(export.snapshots(out)) == 2
    snapshot = (out / "latest").resolve()
    folders = sorted(p.name for p in (snapshot / "connections_flat").iterdir())
    with duckdb.connect(str(synced_db), read_only=True) as con:
        slugs = sorted(
            s for (s,) in con.execute("SELECT DISTINCT source_slug FROM connections_flat").fetchall()
        )
        total = con.execute("SELECT count(*) FROM connections_flat").fetchall()[0][0]
    assert folders == [f"source_slug={s}" for s in slugs]
    with duckdb.connect() as con:
        glob = f"{snapshot}/connections_flat/*/*.parquet"
        assert con.execute(
            f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true)"
        ).fetchall() == [(total,)]


def test_bad_export_options_are_usage_errors(synced_db, tmp_path) -> None:
    assert_one_line_error(
        cli("export", "--db", str(synced_db), "--out", str(tmp_path / "x"), "--keep", "0"), 2, "--keep"
    )


def test_a_killed_export_leaves_no_partial_snapshot(synced_db, tmp_path) -> None:
    out = tmp_path / "killed"
    assert cli("export", "--db", str(synced_db), "--out", str(out)).returncode == 0
    good = (out / "latest").resolve()
    rng = random.Random(7)
    for _ in range(8):
        proc = subprocess.Popen(
            [EXE, "export", "--db", str(synced_db), "--out", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for snapshot in export.snapshots(out):  # every visible snapshot is complete
            manifest = json.loads((snapshot / "manifest.json").read_text())
            assert all((snapshot / e["file"]).exists() for e in manifest["objects"].values())
        assert (out / "latest").resolve().exists()
    assert good.exists()
    assert cli("export", "--db", str(synced_db), "--out", str(out)).returncode == 0
    leftovers = [p.name for p in out.iterdir() if ".partial-" in p.name]
    assert leftovers == []  # the next export removed the dead exports' temp folders
    assert os.path.islink(out / "latest")
