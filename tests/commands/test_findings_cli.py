"""`authentik-etl findings` and `sync --fail-on` through the real entry point; the findings metrics."""

from __future__ import annotations

import csv
import io
import json

from conftest import db_rows
from helpers import assert_one_line_error, cli, env_for, metrics

from authentik_etl.simulator import Dataset


def synced(simulator, db_path, *args: str):
    sim = simulator(Dataset.for_findings(connections=84, seed=1))
    proc = cli("sync", "--no-progress", *args, env=env_for(sim, db_path))
    return sim, proc


def jsonl(db_path, *args: str) -> list[dict]:
    proc = cli("findings", "--db", str(db_path), "--format", "json", *args)
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_sync_fail_on_exits_5_on_new_findings_then_0_when_nothing_is_new(
    simulator, db_path, tmp_path
) -> None:
    prom = tmp_path / "etl.prom"
    sim, first = synced(simulator, db_path, "--fail-on", "critical", "--metrics-file", str(prom))
    assert first.returncode == 5, first.stderr
    assert "at or above --fail-on critical (exit 5)" in first.stderr
    got = metrics(prom)
    assert got["authentik_etl_last_run_success"][()] == 1  # 5 applied its data
    current = dict(db_rows(db_path, "SELECT severity, count(*) FROM security_findings GROUP BY ALL"))
    for severity in ("critical", "high", "medium", "low", "info"):
        assert got["authentik_etl_findings"][(("severity", severity),)] == current.get(severity, 0)
        assert got["authentik_etl_findings_new"][(("severity", severity),)] == current.get(severity, 0)
    again = cli("sync", "--no-progress", "--fail-on", "critical", "--metrics-file", str(prom),
                env=env_for(sim, db_path))  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert all(v == 0 for v in metrics(prom)["authentik_etl_findings_new"].values())
    # findings --fail-on looks at the last run: nothing new there
    assert cli("findings", "--db", str(db_path), "--fail-on", "info").returncode == 0


def test_findings_formats_severity_filter_and_changes(simulator, db_path) -> None:
    sim, first = synced(simulator, db_path)
    assert first.returncode == 0, first.stderr
    table = cli("findings", "--db", str(db_path))
    assert table.returncode == 0 and "privileged_user_linkable" in table.stdout
    assert table.stdout.splitlines()[0].startswith("critical")  # most severe first
    rows = [
        json.loads(line)
        for line in cli("findings", "--db", str(db_path), "--format", "json").stdout.splitlines()
    ]
    assert len(rows) == db_rows(db_path, "SELECT count(*) FROM security_findings")[0][0]
    assert {"finding_id", "rule", "severity", "source_slug", "user_pk", "username", "detail"} <= set(rows[0])
    high = cli("findings", "--db", str(db_path), "--format", "csv", "--min-severity", "high").stdout
    severities = {r["severity"] for r in csv.DictReader(io.StringIO(high))}
    assert severities == {"critical", "high"}
    changes = cli(
        "findings", "--db", str(db_path), "--since-last-run", "--format", "json"
    ).stdout.splitlines()
    assert {json.loads(line)["change"] for line in changes} == {"new"}  # the first run: all new
    sim.dataset.update_source("etl-okta", enabled=False)
    assert cli("sync", "--no-progress", env=env_for(sim, db_path)).returncode == 0
    after = {(r["change"], r["rule"]) for r in jsonl(db_path, "--since-last-run")}
    assert {("resolved", "user_linkable"), ("resolved", "privileged_user_linkable")} <= after
    assert ("new", "enabled_source_without_connections") not in after
    fail = cli("findings", "--db", str(db_path), "--fail-on", "critical")
    assert fail.returncode == 0  # nothing new at critical in the last run


def test_findings_without_a_database_or_with_a_bad_severity_is_one_line(tmp_path) -> None:
    missing = cli("findings", "--db", str(tmp_path / "none.duckdb"))
    assert_one_line_error(missing, 2, "no database at")
    bad = cli("findings", "--db", str(tmp_path / "none.duckdb"), "--min-severity", "urgent")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "urgent" in bad.stderr


def test_findings_notes_a_token_that_may_not_read_users(simulator, db_path) -> None:
    from authentik_etl.simulator import Scope

    sim = simulator(Dataset.for_findings(connections=40, seed=1))
    sim.add_token("no-directory", Scope(directory=False))
    env = {**env_for(sim, db_path), "AUTHENTIK_TOKEN": "no-directory"}
    assert cli("sync", "--no-progress", env=env).returncode == 0
    out = cli("findings", "--db", str(db_path)).stdout
    assert "note: users: not visible to this token (403 on /api/v3/core/users/)" in out
    assert "not evaluated by the last run" in out
