"""Issue 5: the metrics file, `status --max-age`, pings and JSON logs."""

from __future__ import annotations

import json

import duckdb
from conftest import TOKEN, run_sync
from helpers import Recorder, cli, env_for, metrics, serve

from authentik_etl.simulator import Dataset, Faults

EXPECTED = {
    "authentik_etl_last_run_timestamp_seconds",
    "authentik_etl_last_run_duration_seconds",
    "authentik_etl_last_run_exit_code",
    "authentik_etl_last_run_success",
    "authentik_etl_last_success_timestamp_seconds",
    "authentik_etl_rows",
    "authentik_etl_connections",
    "authentik_etl_http_requests",
    "authentik_etl_retries",
}


def test_metrics_file_parses_and_holds_every_metric(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=50, seed=40)
    sim = simulator(dataset, faults=Faults(rate=0.2, kinds=("503",), seed=1))
    prom = tmp_path / "authentik_etl.prom"
    proc = cli("sync", "--metrics-file", str(prom), env=env_for(sim, db_path))
    assert proc.returncode == 0, proc.stderr
    got = metrics(prom)
    assert set(got) >= EXPECTED
    assert got["authentik_etl_last_run_exit_code"][()] == 0
    assert got["authentik_etl_last_run_success"][()] == 1
    assert got["authentik_etl_rows"][(("table", "user_source_connections"),)] == 50
    assert got["authentik_etl_connections"][(("outcome", "inserted"),)] == 50
    assert got["authentik_etl_connections"][(("outcome", "failed"),)] == 0
    assert got["authentik_etl_http_requests"][(("code", "503"),)] > 0
    assert got["authentik_etl_retries"][()] == got["authentik_etl_http_requests"][(("code", "503"),)]
    assert got["authentik_etl_last_success_timestamp_seconds"][()] > 1.7e9
    assert not list(tmp_path.glob("*.prom.*"))  # written atomically: no temp file left behind
    assert TOKEN not in prom.read_text()


def test_metrics_file_after_a_failed_run_says_so(simulator, db_path, tmp_path) -> None:
    sim = simulator(Dataset.generate(connections=10, seed=41))
    run_sync(sim, db_path)
    prom = tmp_path / "m.prom"
    proc = cli("sync", "--metrics-file", str(prom), env={**env_for(sim, db_path), "AUTHENTIK_TOKEN": "bad"})
    assert proc.returncode == 4
    got = metrics(prom)
    assert got["authentik_etl_last_run_exit_code"][()] == 4
    assert got["authentik_etl_last_run_success"][()] == 0
    assert got["authentik_etl_last_success_timestamp_seconds"][()] > 1.7e9  # the earlier run


def test_status_max_age_is_0_when_fresh_and_non_zero_when_stale(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=10, seed=42))
    run_sync(sim, db_path)
    fresh = cli("status", "--db", str(db_path), "--max-age", "26h")
    assert fresh.returncode == 0, fresh.stderr
    assert "succeeded" in fresh.stdout
    with duckdb.connect(str(db_path)) as con:
        con.execute("UPDATE sync_runs SET finished_at = finished_at - INTERVAL 2 DAY")
    stale = cli("status", "--db", str(db_path), "--max-age", "26h")
    assert stale.returncode == 1 and "stale" in stale.stderr
    assert cli("status", "--db", str(db_path)).returncode == 0  # no --max-age: only shows


def test_status_json_and_a_database_without_applied_runs(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=10, seed=43))
    cli("sync", env={**env_for(sim, db_path), "AUTHENTIK_TOKEN": "bad"})
    proc = cli("status", "--db", str(db_path), "--format", "json", "--max-age", "1d")
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["stale"] is True and report["last_applied_age_seconds"] is None
    assert [r["status"] for r in report["runs"]] == ["failed"]


def test_bad_max_age_is_a_usage_error(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=5, seed=44))
    run_sync(sim, db_path)
    proc = cli("status", "--db", str(db_path), "--max-age", "soon")
    assert proc.returncode == 2 and "bad duration" in proc.stderr


def test_pings_start_and_exit_code(simulator, db_path) -> None:
    class Pings(Recorder):
        paths: list[str] = []  # noqa: RUF012

        def do_GET(self) -> None:
            type(self).paths.append(self.path)
            super().do_GET()

    server = serve(Pings)
    try:
        sim = simulator(Dataset.generate(connections=5, seed=45))
        url = f"http://127.0.0.1:{server.server_port}/ping/abc"
        assert cli("sync", "--ping-url", url, env=env_for(sim, db_path)).returncode == 0
        assert (
            cli("sync", "--ping-url", url, env={**env_for(sim, db_path), "AUTHENTIK_TOKEN": "x"}).returncode
            == 4
        )
    finally:
        server.shutdown()
    assert Pings.paths == ["/ping/abc/start", "/ping/abc/0", "/ping/abc/start", "/ping/abc/4"]
    assert all("Authorization" not in headers for headers in Pings.seen)


def test_a_failing_ping_does_not_fail_the_run(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=5, seed=46))
    proc = cli("sync", "--ping-url", "http://127.0.0.1:9/refused", env=env_for(sim, db_path))
    assert proc.returncode == 0, proc.stderr
    assert "monitoring ping" in proc.stderr and "failed" in proc.stderr


def test_json_log_lines_carry_run_id_stage_counts_and_durations(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=10, seed=47))
    proc = cli("sync", "--log-format", "json", env=env_for(sim, db_path))
    lines = [json.loads(line) for line in proc.stderr.splitlines()]
    stages = {line.get("stage") for line in lines}
    assert {"fetch", "verify", "apply", "summary"} <= stages
    run_ids = {line.get("run_id") for line in lines if line.get("stage")}
    assert len(run_ids) == 1 and None not in run_ids
    assert all("seconds" in line for line in lines if line.get("stage"))
