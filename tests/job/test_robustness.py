"""Crashes, signals, locks, full or read-only disks, and misuse: the database stays correct."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import ClassVar

import duckdb
import pytest
from conftest import TOKEN, db_rows, run_sync
from helpers import EXE, Recorder, assert_one_line_error, cli, env_for, serve

from authentik_etl.simulator import Dataset, Faults


def business_state(path: Path) -> tuple:
    """Everything a sync may change except its own timestamps."""
    with duckdb.connect(str(path)) as con:
        return (
            con.execute(
                "SELECT pk, user_pk, source_pk, identifier, created, last_updated, payload::VARCHAR, "
                "deleted_at IS NULL FROM user_source_connections ORDER BY pk"
            ).fetchall(),
            con.execute(
                "SELECT * EXCLUDE (first_seen_at, last_seen_at, deleted_at), deleted_at IS NULL "
                "FROM sources ORDER BY pk"
            ).fetchall(),
            con.execute("SELECT * FROM source_property_mappings ORDER BY ALL").fetchall(),
            con.execute("SELECT count(*) FROM sync_runs WHERE status = 'succeeded'").fetchall(),
            con.execute(
                "SELECT * EXCLUDE (first_seen_at, last_seen_at, deleted_at), deleted_at IS NULL FROM users "
                "ORDER BY pk"
            ).fetchall(),
            con.execute(
                "SELECT pk, name, is_superuser, member_count, deleted_at IS NULL FROM groups ORDER BY pk"
            ).fetchall(),
            con.execute(
                "SELECT pk, identifier, deleted_at IS NULL FROM group_source_connections ORDER BY pk"
            ).fetchall(),
            con.execute(
                "SELECT * EXCLUDE (first_seen_at, last_seen_at, deleted_at), deleted_at IS NULL "
                "FROM source_details ORDER BY source_pk"
            ).fetchall(),
            con.execute(
                "SELECT finding_id, appearance, rule, severity, resolved_run IS NULL FROM "
                "security_findings_history ORDER BY ALL"
            ).fetchall(),
        )


def mutate(dataset) -> None:
    pks = dataset.connection_pks()
    for pk in pks[::25]:
        dataset.delete_connection(pk)
    for user in range(5):
        dataset.add_connection(user=dataset.max_user() + 1 + user, source_slug="etl-ldap")
    dataset.update_source("etl-saml", user_matching_mode="email_link", enabled=False)
    dataset.update_detail("etl-github", group_matching_mode="name_link")
    dataset.directory.promoted.add(6)
    dataset.directory.removed.add(7)


def spawn_sync(sim, db: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [EXE, "sync", "--no-progress", *args],
        env={**os.environ, **env_for(sim, db)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_sync_within_seconds_rolls_back_and_records_a_failed_run(
    simulator, db_path, signum: int
) -> None:
    dataset = Dataset.generate(connections=300, seed=30)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    before = business_state(db_path)
    mutate(dataset)
    sim.latency = 0.1
    proc = spawn_sync(sim, db_path, "--concurrency", "1")
    time.sleep(1.5)
    sent = time.monotonic()
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "did not stop within seconds"
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr and "nothing applied" in stderr
    assert business_state(db_path) == before
    [(status, error)] = db_rows(
        db_path, "SELECT status, error FROM sync_runs ORDER BY started_at DESC LIMIT 1"
    )
    assert status == "failed" and "interrupted" in error


def test_kill_9_at_random_moments_leaves_the_previous_state_or_the_new_one(simulator, tmp_path) -> None:
    dataset = Dataset.generate(connections=400, seed=31)
    sim = simulator(dataset)
    before_db = tmp_path / "before" / "authentik.duckdb"
    before_db.parent.mkdir()
    run_sync(sim, before_db)
    before = business_state(before_db)
    mutate(dataset)
    sim.latency = 0.002
    reference = tmp_path / "reference" / "authentik.duckdb"
    shutil.copytree(before_db.parent, reference.parent)
    started = time.monotonic()
    proc = spawn_sync(sim, reference, "--concurrency", "2")
    assert proc.wait(timeout=120) == 0
    full_run = time.monotonic() - started
    after = business_state(reference)
    assert after != before

    rng = random.Random(20261129)
    outcomes = {"before": 0, "after": 0}
    for attempt in range(30):
        work = tmp_path / f"kill{attempt}" / "authentik.duckdb"
        shutil.copytree(before_db.parent, work.parent)
        proc = spawn_sync(sim, work, "--concurrency", "2")
        time.sleep(rng.uniform(0, full_run * 1.1))
        proc.kill()
        proc.wait(timeout=30)
        state = business_state(work)
        assert state in (before, after), f"inconsistent state after kill {attempt}"
        outcomes["before" if state == before else "after"] += 1
        # The next run needs no manual step and brings the database to the new state.
        assert run_sync(sim, work).status == "succeeded"
        assert business_state(work)[:3] == after[:3]
        statuses = db_rows(work, "SELECT status FROM sync_runs")
        assert ("running",) not in statuses
    assert outcomes["before"] > 0  # the kills did land mid-run
    print(f"kill -9 outcomes over 30 kills: {outcomes}")


@pytest.mark.parametrize("part", ["users", "source_type", "group_connections"])
def test_kill_9_while_reading_users_or_source_detail_leaves_the_previous_state(
    simulator, tmp_path, part
) -> None:
    dataset = Dataset.generate(connections=200, seed=36)
    sim = simulator(dataset)
    db = tmp_path / "authentik.duckdb"
    run_sync(sim, db)
    before = business_state(db)
    mutate(dataset)
    # Every answer on that listing takes 0.3 s: the kill lands while the run reads it.
    sim.faults = Faults(rate=1.0, kinds=("slow",), apply_to=(part,), slow_seconds=0.3)
    proc = spawn_sync(sim, db, "--page-size", "20")
    deadline = time.monotonic() + 60
    while sim.stats["paths"].get(part, 0) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sim.stats["paths"].get(part, 0) > 0, "the run never reached the listing"
    proc.kill()
    proc.wait(timeout=30)
    assert business_state(db) == before
    sim.faults = Faults()
    assert run_sync(sim, db).status == "succeeded"
    assert business_state(db) != before


def test_read_commands_while_the_database_is_held_give_a_clear_message(simulator, db_path, tmp_path) -> None:
    sim = simulator(Dataset.generate(connections=20, seed=32))
    run_sync(sim, db_path)
    holder = subprocess.Popen(
        [
            str(Path(EXE).with_name("python")),
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(db_path)!r}); "
            "print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        for args in (
            ("query", "SELECT 1"),
            ("report",),
            ("export", "--out", str(tmp_path / "exports")),
        ):
            proc = cli(*args, "--db", str(db_path))
            assert_one_line_error(proc, 75, "is in use by process")
            assert f"PID {holder.pid}" in proc.stderr or str(holder.pid) in proc.stderr
    finally:
        holder.kill()
        holder.wait()


def test_readers_are_not_blocked_while_a_sync_fetches(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=200, seed=33)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    sim.latency = 0.05
    proc = spawn_sync(sim, db_path, "--concurrency", "1")
    try:
        time.sleep(1.0)
        assert proc.poll() is None
        query = cli("query", "SELECT count(*) FROM connections_flat", "--db", str(db_path), "--format", "csv")
        assert query.returncode == 0 and query.stdout.splitlines()[1] == "200"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _in_small_tmpfs(script: str, folder: Path, size: str = "4m") -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace with a small tmpfs mounted at `folder`."""
    return subprocess.run(
        ["unshare", "-rm", "sh", "-c", f"mount -t tmpfs -o size={size} tmpfs {folder} && {script}"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "AUTHENTIK_TOKEN": TOKEN},
    )


def test_disk_full_gives_a_clear_message_and_keeps_the_previous_data(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=50, seed=34)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    count_before = db_rows(db_path, "SELECT count(*) FROM user_source_connections")[0][0]
    for _ in range(3000):
        dataset.add_connection(user=dataset.max_user() + 1, source_slug="etl-github")
    small = tmp_path / "small"
    small.mkdir()
    db = small / "authentik.duckdb"
    script = (
        # leave ~300 KiB free: enough to start the run, not enough to stage 3,000 more connections
        f"cp {db_path} {db} && free=$(df -k --output=avail {small} | tail -1) && "
        f"dd if=/dev/zero of={small}/filler bs=1k count=$((free - 300)) 2>/dev/null; "
        f"{EXE} sync --no-progress --url {sim.url} --db {db}; echo exit=$?; "
        f"{EXE} query --db {db} --format csv 'SELECT count(*) FROM user_source_connections'"
    )
    proc = _in_small_tmpfs(script, small, size="8m")
    assert "exit=1" in proc.stdout, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "disk holding" in proc.stderr and "is full" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == str(count_before)


def test_read_only_database_folder_gives_a_clear_message_and_keeps_the_data(
    simulator, db_path, tmp_path
) -> None:
    sim = simulator(Dataset.generate(connections=30, seed=35))
    run_sync(sim, db_path)
    ro = tmp_path / "ro"
    ro.mkdir()
    db = ro / "authentik.duckdb"
    script = (
        f"cp {db_path} {db} && mount -o remount,ro {ro} && "
        f"{EXE} sync --no-progress --url {sim.url} --db {db}; echo exit=$?; "
        f"{EXE} query --db {db} --format csv 'SELECT count(*) FROM user_source_connections'"
    )
    proc = _in_small_tmpfs(script, ro, size="32m")
    assert "exit=1" in proc.stdout, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "Read-only file system" in proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "30"


def test_a_redirect_is_not_followed_and_the_token_goes_nowhere_else(db_path) -> None:
    class Elsewhere(Recorder):
        seen: ClassVar[list[dict[str, str]]] = []

    class Redirector(Recorder):
        seen: ClassVar[list[dict[str, str]]] = []

    other = serve(Elsewhere)
    Redirector.location = f"http://localhost:{other.server_port}/api/v3/sources/user_connections/all/"
    first = serve(Redirector)
    try:
        env = {"AUTHENTIK_URL": f"http://127.0.0.1:{first.server_port}", "AUTHENTIK_TOKEN": TOKEN}
        proc = cli("sync", "--db", str(db_path), env=env)
        assert_one_line_error(proc, 1, "redirect")
        assert Redirector.seen and Redirector.seen[0]["Authorization"] == f"Bearer {TOKEN}"
        assert Elsewhere.seen == []
    finally:
        first.shutdown()
        other.shutdown()


def test_netrc_never_replaces_the_token(simulator, db_path, tmp_path) -> None:
    sim = simulator(Dataset.generate(connections=10, seed=36))
    (tmp_path / ".netrc").write_text("machine 127.0.0.1 login someone password other-secret\n")
    (tmp_path / ".netrc").chmod(0o600)
    proc = cli(
        "sync", env={**env_for(sim, db_path), "HOME": str(tmp_path), "NETRC": str(tmp_path / ".netrc")}
    )
    assert proc.returncode == 0, proc.stderr


def test_partial_run_exits_3_through_the_command_line(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=20, seed=37)
    sim = simulator(dataset, faults=Faults(always={dataset.connection_pks()[0]: "500"}))
    proc = cli("sync", "--max-attempts", "2", env=env_for(sim, db_path))
    assert proc.returncode == 3, proc.stderr
    assert "sync partial" in proc.stderr and "failed=1" in proc.stderr


def test_export_into_the_database_folder_is_refused(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=5, seed=38))
    run_sync(sim, db_path)
    assert_one_line_error(cli("export", "--db", str(db_path), "--out", str(db_path.parent)), 2, "own folder")
    assert_one_line_error(cli("export", "--db", str(db_path), "--out", str(db_path)), 2, "own folder")


def test_strict_refuses_a_world_readable_token_file(tmp_path) -> None:
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    token.chmod(0o644)
    env = {"AUTHENTIK_URL": "http://127.0.0.1:9", "AUTHENTIK_ETL_DB": str(tmp_path / "x.duckdb")}
    proc = cli("sync", "--token-file", str(token), "--strict", env=env)
    assert_one_line_error(proc, 2, "readable by every user")
    assert TOKEN not in proc.stderr


def test_missing_ca_bundle_is_a_usage_error(tmp_path) -> None:
    env = {
        "AUTHENTIK_URL": "https://127.0.0.1:9",
        "AUTHENTIK_TOKEN": TOKEN,
        "AUTHENTIK_ETL_DB": str(tmp_path / "x"),
    }
    assert_one_line_error(cli("sync", "--ca-bundle", "/nonexistent.pem", env=env), 2, "--ca-bundle")


def test_kill_9_during_an_incremental_run_keeps_the_watermark_for_the_next(simulator, tmp_path) -> None:
    dataset = Dataset.generate(connections=400, shape="2025.12", seed=37)
    sim = simulator(dataset)
    db = tmp_path / "authentik.duckdb"
    run_sync(sim, db)
    before = business_state(db)
    watermarks = db_rows(db, "SELECT watermark FROM sync_runs WHERE status = 'succeeded'")
    touched = dataset.connection_pks()[:50]
    dataset.touch_connections(touched)
    listed = sim.stats["paths"].get("list", 0)
    # Every list page takes 0.3 s: the kill lands while the incremental walk pages.
    sim.faults = Faults(rate=1.0, kinds=("slow",), apply_to=("list",), slow_seconds=0.3)
    proc = spawn_sync(sim, db, "--incremental", "--mode", "list", "--page-size", "10", "--concurrency", "1")
    deadline = time.monotonic() + 60
    while sim.stats["paths"].get("list", 0) <= listed + 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sim.stats["paths"].get("list", 0) > listed + 1, "the run never reached the listing"
    proc.kill()
    proc.wait(timeout=30)
    assert business_state(db) == before
    assert db_rows(db, "SELECT watermark FROM sync_runs WHERE status = 'succeeded'") == watermarks
    sim.faults = Faults()
    result = run_sync(sim, db, incremental=True, mode="list", safety_margin=0.0)
    assert result.kind == "incremental" and result.updated == len(touched)
    first = "SELECT status FROM sync_runs WHERE kind = 'incremental' ORDER BY started_at LIMIT 1"
    [(status,)] = db_rows(db, first)
    assert status == "failed"  # the killed run, marked abandoned by the next one
