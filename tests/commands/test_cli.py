"""The command line through its real entry point (the installed `authentik-etl` script)."""

from __future__ import annotations

import json
import os
import subprocess
import time

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import TOKEN, db_connections, db_rows, expected_connections
from helpers import EXE, assert_one_line_error, cli, env_for

from authentik_etl.simulator import Dataset, Faults


@pytest.fixture
def synced(simulator, db_path):
    dataset = Dataset.generate(connections=84, seed=1)
    sim = simulator(dataset)
    proc = cli("sync", env=env_for(sim, db_path))
    assert proc.returncode == 0, proc.stderr
    return sim, dataset, proc


def test_sync_through_the_command_line_loads_everything(synced, db_path) -> None:
    _sim, dataset, proc = synced
    assert db_connections(db_path) == expected_connections(dataset)
    summary = proc.stderr.strip().splitlines()[-1]
    assert "sync succeeded" in summary and "inserted=84" in summary and "failed=0" in summary


def test_json_logs_carry_the_run_id_and_counts(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=10, seed=1))
    proc = cli("sync", "--log-format", "json", env=env_for(sim, db_path))
    lines = [json.loads(line) for line in proc.stderr.splitlines()]
    summary = lines[-1]
    assert summary["status"] == "succeeded" and summary["counts"]["inserted"] == 10 and summary["run_id"]


def test_report_prints_both_reports(synced, db_path) -> None:
    proc = cli("report", "--db", str(db_path))
    assert proc.returncode == 0, proc.stderr
    assert "User matching modes" in proc.stdout and "Enabled sources" in proc.stdout
    assert (
        "email_link" in proc.stdout
        and "etl-ldap" in proc.stdout
        and "Can have security implications" in proc.stdout
    )


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_query_formats(synced, db_path, fmt: str) -> None:
    proc = cli(
        "query",
        "SELECT slug, connections FROM enabled_sources_report ORDER BY slug",
        "--db",
        str(db_path),
        "--format",
        fmt,
    )
    assert proc.returncode == 0, proc.stderr
    expected = db_rows(db_path, "SELECT slug, connections FROM enabled_sources_report ORDER BY slug")
    if fmt == "csv":
        assert proc.stdout.splitlines()[0] == "slug,connections"
        assert proc.stdout.splitlines()[1:] == [f"{s},{n}" for s, n in expected]
    elif fmt == "json":
        assert [tuple(json.loads(line).values()) for line in proc.stdout.splitlines()] == expected
    else:
        assert all(slug in proc.stdout for slug, _ in expected)


def test_query_is_read_only_and_sql_errors_are_one_line(synced, db_path) -> None:
    assert_one_line_error(cli("query", "DELETE FROM sources", "--db", str(db_path)), 2, "read-only")
    assert_one_line_error(cli("query", "SELEC nonsense", "--db", str(db_path)), 2, "syntax error")
    assert db_rows(db_path, "SELECT count(*) FROM sources")[0][0] == 9


def test_export_writes_parquet_for_every_table_and_view_with_a_manifest(synced, db_path, tmp_path) -> None:
    out = tmp_path / "exports"
    proc = cli("export", "--db", str(db_path), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    snapshot = (out / "latest").resolve()
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert set(manifest["objects"]) >= {
        "sources",
        "user_source_connections",
        "connections_flat",
        "matching_mode_report",
        "enabled_sources_report",
        "sync_runs",
    }
    with duckdb.connect(str(db_path), read_only=True) as con:
        for name, entry in manifest["objects"].items():
            table = pq.read_table(snapshot / entry["file"])
            assert (
                table.num_rows
                == entry["rows"]
                == con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            )
    assert not list(out.glob(".*partial*"))


def test_demo_runs_the_whole_job(tmp_path) -> None:
    proc = cli("demo", "--dir", str(tmp_path / "demo"))
    assert proc.returncode == 0, proc.stderr
    assert "User matching modes" in proc.stdout and "Enabled sources" in proc.stdout
    assert (tmp_path / "demo" / "authentik.duckdb").exists()
    assert list((tmp_path / "demo" / "exports" / "latest").glob("*.parquet"))


def test_bad_token_exits_4_with_one_line_and_the_database_untouched(synced, db_path) -> None:
    sim, _, _ = synced
    before = db_rows(db_path, "SELECT * FROM user_source_connections ORDER BY pk")
    proc = cli("sync", env={**env_for(sim, db_path), "AUTHENTIK_TOKEN": "wrong-token"})
    assert_one_line_error(proc, 4, "refused the token")
    assert "Token invalid/expired" in proc.stderr
    assert db_rows(db_path, "SELECT * FROM user_source_connections ORDER BY pk") == before


def test_unreachable_url_exits_1_with_a_clear_message(db_path) -> None:
    env = {"AUTHENTIK_URL": "http://127.0.0.1:9", "AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_ETL_DB": str(db_path)}
    proc = cli("sync", "--max-attempts", "2", env=env)
    assert_one_line_error(proc, 1, "connection failed")
    assert "Connection refused" in proc.stderr


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        ((), {"AUTHENTIK_URL": "auth.example.com"}, "not an http(s) URL"),
        ((), {"AUTHENTIK_URL": "http://auth.example.com"}, "--allow-insecure-http"),
        ((), {"AUTHENTIK_TOKEN": ""}, "empty"),
        ((), {"AUTHENTIK_TOKEN": "abc def"}, "whitespace"),
        (("--token-file", "/nonexistent/token"), {}, "cannot read the token file"),
        (("--ids", "3,x"), {}, "bad connection id"),
        (("--ids", "-4"), {}, "bad connection id"),
        (("--ids", "1-100000000"), {}, "too many"),
        (("--concurrency", "0"), {}, "--concurrency"),
        (("--max-rps", "0"), {}, "--max-rps 0 is out of range"),
        (("--max-rps", "-2"), {}, "--max-rps -2 is out of range"),
        (("--max-rps", "nan"), {}, "--max-rps nan is out of range"),
        (("--max-rps", "inf"), {}, "--max-rps inf is out of range"),
        (("--db", "/"), {}, "is a directory"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, env, needle) -> None:
    base = {
        "AUTHENTIK_URL": "http://127.0.0.1:9",
        "AUTHENTIK_TOKEN": TOKEN,
        "AUTHENTIK_ETL_DB": str(tmp_path / "x.duckdb"),
    }
    proc = cli("sync", *args, env={**base, **env})
    assert_one_line_error(proc, 2, needle)


def test_ids_from_stdin(synced, db_path) -> None:
    sim, dataset, _ = synced
    pks = dataset.connection_pks()[:3]
    proc = cli("sync", "--ids-file", "-", env=env_for(sim, db_path), stdin="\n".join(map(str, pks)) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert "discovered=3" in proc.stderr and "unchanged=3" in proc.stderr


def test_a_second_sync_while_one_runs_is_refused_with_75(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=200, seed=1), latency=0.05)
    first = subprocess.Popen(
        [EXE, "sync", "--concurrency", "1"],
        env={**os.environ, **env_for(sim, db_path)},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not (db_path.with_name(f".{db_path.name}.staging")).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = cli("sync", env=env_for(sim, db_path))
        assert_one_line_error(second, 75, "another sync is running")
        assert f"PID {first.pid}" in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert first.returncode != 0


def test_token_never_appears_in_logs_database_exports_or_errors(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=60, seed=1)
    sim = simulator(
        dataset, faults=Faults(rate=0.3, seed=2, kinds=("429", "503", "reset", "html200", "invalid_json"))
    )
    out = tmp_path / "exports"
    env = env_for(sim, db_path)
    outputs = [
        cli(
            "sync",
            "--log-level",
            "DEBUG",
            "--max-attempts",
            "10",
            "--export",
            str(out),
            "--metrics-file",
            str(tmp_path / "metrics.prom"),
            env=env,
        ),
        cli("sync", "--log-format", "json", "--log-level", "DEBUG", env=env),
        cli("sync", env={**env, "AUTHENTIK_URL": "http://127.0.0.1:9"}, timeout=60),
        cli("sync", "--help"),
        cli("query", "SELECT * FROM sync_errors", "--db", str(db_path)),
    ]
    sim.faults = Faults(revoke_token_after=5)
    outputs.append(cli("sync", env=env))
    assert outputs[0].returncode == 0 and outputs[-1].returncode == 4
    texts = [p.stdout + p.stderr for p in outputs]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(f.suffix == ".parquet" for f in files) and db_path in files
    assert tmp_path / "metrics.prom" in files
    for blob in [t.encode() for t in texts] + [f.read_bytes() for f in files]:
        assert TOKEN.encode() not in blob
