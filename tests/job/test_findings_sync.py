"""Findings through the real sync: every rule on the simulator, night to night, 403, --fail-on, secrets."""

from __future__ import annotations

import logging

import duckdb
import pytest
from conftest import TOKEN, db_rows, fast_policy, run_sync, settings_for

from authentik_etl.findings import rules
from authentik_etl.job.nightly import run_nightly
from authentik_etl.simulator import Dataset, Faults, Scope


def demo_like(simulator, connections: int = 84, shape: str = "2025.12", **kw):
    return simulator(Dataset.for_findings(connections=connections, shape=shape, seed=1), **kw)


def current(db_path) -> set[tuple]:
    return set(db_rows(db_path, "SELECT rule, severity, source_slug, user_pk FROM security_findings"))


def events(db_path, run_id: str) -> list[tuple]:
    return db_rows(db_path, "SELECT event, rule, severity FROM security_finding_events WHERE run_id = ? "
                            "ORDER BY event, rule, severity", [run_id])  # fmt: skip


@pytest.mark.parametrize("shape", ["2024.10", "2024.12", "2025.4", "2025.12", "2026.5"])
def test_the_simulator_fires_every_rule_and_an_unchanged_rerun_changes_nothing(
    simulator, db_path, shape
) -> None:
    sim = demo_like(simulator, shape=shape)
    first = run_sync(sim, db_path)
    assert {rule for rule, *_ in current(db_path)} == {r.name for r in rules.load()}
    assert sum(first.findings_new.values()) == sum(first.findings_open.values()) > 0
    ids = db_rows(db_path, "SELECT finding_id FROM security_findings ORDER BY 1")
    again = run_sync(sim, db_path)
    assert (again.findings_new, events(db_path, again.run_id)) == ({}, [])
    assert db_rows(db_path, "SELECT finding_id FROM security_findings ORDER BY 1") == ids
    assert db_rows(db_path, "SELECT DISTINCT last_seen_run FROM security_findings") == [(again.run_id,)]


def test_a_source_switched_to_email_link_and_a_new_superuser_are_new_then_resolved(
    simulator, db_path
) -> None:
    sim = demo_like(simulator)
    run_sync(sim, db_path)
    before = current(db_path)
    sim.dataset.update_source("etl-github", user_matching_mode="email_link")
    sim.dataset.directory.promoted.add(8)
    changed = run_sync(sim, db_path)
    new = set(db_rows(db_path, "SELECT f.rule, f.source_slug, f.user_pk FROM security_finding_events AS e "
                               "JOIN security_findings AS f USING (finding_id) WHERE e.run_id = ? "
                               "AND e.event = 'new'", [changed.run_id]))  # fmt: skip
    assert ("user_linkable", "etl-github", None) in new
    assert ("privileged_user_linkable", "etl-github", 2) in new  # akadmin, by email, through GitHub
    assert ("privileged_user_linkable", "etl-saml", 8) in new  # the new superuser, by username
    sim.dataset.update_source("etl-github", user_matching_mode="identifier")
    sim.dataset.directory.promoted.clear()
    back = run_sync(sim, db_path)
    assert current(db_path) == before
    assert {e for e, *_ in events(db_path, back.run_id)} == {"resolved"}
    assert len(events(db_path, back.run_id)) == sum(changed.findings_new.values())


def test_a_token_that_may_not_read_users_exits_0_and_the_findings_say_so(simulator, db_path) -> None:
    sim = demo_like(simulator)
    sim.add_token("no-directory", Scope(directory=False))
    result = run_sync(sim, db_path, token="no-directory")
    assert (result.status, result.exit_code) == ("succeeded", 0)
    assert "users: not visible to this token (403 on /api/v3/core/users/)" in result.skipped_parts
    [(skipped, not_evaluated)] = db_rows(db_path, "SELECT skipped_parts, findings_skipped FROM sync_runs")
    assert "privileged_user_linkable" in not_evaluated and skipped == result.skipped_parts
    rules_found = {rule for rule, *_ in current(db_path)}
    assert rules_found == {"disabled_source_with_connections", "enabled_source_without_connections"}
    from authentik_etl.publish import findings

    with duckdb.connect(str(db_path), read_only=True) as con:
        notes = findings.read(con).notes
    assert any("users: not visible to this token" in n for n in notes)


def test_users_hidden_after_a_good_night_keep_their_findings(simulator, db_path) -> None:
    sim = demo_like(simulator)
    run_sync(sim, db_path)
    before = current(db_path)
    sim.add_token("no-directory", Scope(directory=False))
    result = run_sync(sim, db_path, token="no-directory")
    assert current(db_path) == before and events(db_path, result.run_id) == []


def test_fail_on_exits_5_on_a_new_finding_and_5_beats_partial(simulator, db_path, caplog) -> None:
    faults = Faults(always={3: "500"})
    sim = demo_like(simulator, faults=faults)
    caplog.set_level(logging.INFO, logger="authentik_etl")
    night = run_nightly(settings_for(sim, db_path, fail_on="high", max_attempts=1))
    assert night.sync is not None and night.sync.status == "partial"
    assert night.exit_code == 5
    summary = [r.getMessage() for r in caplog.records if r.getMessage().startswith("sync partial")]
    assert summary and "at or above --fail-on high (exit 5)" in summary[0]
    again = run_nightly(settings_for(sim, db_path, fail_on="high", max_attempts=1))
    assert again.exit_code == 3  # nothing new: only the partial remains
    sim.dataset.update_source("etl-kerberos", enabled=False)  # a low finding: under --fail-on high
    assert run_nightly(settings_for(sim, db_path, fail_on="high", max_attempts=1)).exit_code == 3


def test_no_secret_of_the_per_type_listings_is_stored_anywhere(simulator, db_path) -> None:
    sim = demo_like(simulator)
    run_sync(sim, db_path)
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        for table in tables:
            text = " ".join(str(row) for row in con.execute(f'SELECT * FROM "{table}"').fetchall())
            assert "sim-secret" not in text and "plex_token" not in text and TOKEN not in text, table
    stored = db_rows(db_path, "SELECT count(*), count(DISTINCT source_type) FROM source_details")
    assert stored == [(9, 6)]  # 9 sources of six types (the built-in source has no per-type listing)


def test_the_2024_10_shape_has_no_group_connections_and_no_telegram(simulator, db_path) -> None:
    sim = demo_like(simulator, shape="2024.10")
    result = run_sync(sim, db_path)
    assert "group_connections: not in this release (404 on /api/v3/sources/group_connections/all/)" in (
        result.skipped_parts
    )
    assert {"group_connections", "sources_telegram", "source_details"} <= set(result.complete_parts)
    assert db_rows(db_path, "SELECT count(*) FROM group_source_connections") == [(0,)]


def test_group_connections_are_stored_and_soft_deleted(simulator, db_path) -> None:
    sim = demo_like(simulator)
    run_sync(sim, db_path)
    rows = db_rows(
        db_path, "SELECT pk, identifier, deleted_at IS NULL FROM group_source_connections ORDER BY pk"
    )
    assert rows == [(1, "cn=engineering,ou=groups,dc=example,dc=com", True), (2, "idp-admins", True)]
    sim.dataset.delete_source("etl-saml")
    run_sync(sim, db_path)
    rows = db_rows(db_path, "SELECT pk, deleted_at IS NULL FROM group_source_connections ORDER BY pk")
    assert rows == [(1, True), (2, False)]


def test_transient_faults_on_the_new_listings_are_retried(simulator, db_path) -> None:
    kinds = ("503", "reset", "429")
    parts = ("group_connections", "source_type", "users", "groups")
    faults = Faults(rate=0.2, kinds=kinds, seed=4, apply_to=parts)
    sim = demo_like(simulator, faults=faults)
    result = run_sync(sim, db_path, policy=fast_policy(), page_size=5)
    assert result.retries > 0 and result.status == "succeeded"
    assert set(rules.PARTS) <= set(result.complete_parts)
    assert db_rows(db_path, "SELECT count(*) FROM source_details") == [(9,)]
    assert db_rows(db_path, "SELECT count(*) FROM group_source_connections") == [(2,)]


def test_a_finding_about_connections_traces_to_the_connection_versions_behind_it(simulator, db_path) -> None:
    sim = demo_like(simulator)
    run_sync(sim, db_path)
    traced = db_rows(
        db_path,
        "SELECT f.user_pk, count(*) FROM security_findings AS f JOIN finding_connections USING (finding_id) "
        "WHERE f.rule = 'inactive_user_with_connections' GROUP BY 1 ORDER BY 1",
    )
    live = db_rows(
        db_path,
        "SELECT c.user_pk, count(*) FROM user_source_connections AS c JOIN users AS u ON u.pk = c.user_pk "
        "WHERE NOT u.is_active AND c.deleted_at IS NULL GROUP BY 1 ORDER BY 1",
    )
    assert traced == live and traced
    disabled = db_rows(
        db_path, "SELECT count(*) FROM finding_connections WHERE rule = 'disabled_source_with_connections'"
    )
    holds = db_rows(
        db_path,
        "SELECT count(*) FROM user_source_connections AS c JOIN sources AS s ON s.pk = c.source_pk "
        "WHERE NOT s.enabled AND c.deleted_at IS NULL",
    )
    assert disabled == holds
