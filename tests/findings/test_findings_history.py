"""Findings night to night: stable ids, appearances, severity changes, nothing resolved unevaluated."""

from __future__ import annotations

from test_finding_rules import ALL, A, con, found  # noqa: F401 (the fixture)

from authentik_etl.findings import evaluate


def events(c, run: str) -> list[tuple]:
    return c.execute(
        "SELECT event, rule, severity, previous_severity FROM security_finding_events WHERE run_id = ? "
        "ORDER BY event, rule", [run],
    ).fetchall()  # fmt: skip


def test_an_unchanged_rerun_keeps_the_ids_and_reports_nothing_new_or_resolved(con) -> None:  # noqa: F811
    con.execute("UPDATE users SET is_active = false WHERE pk = 10")
    found(con, run="r1")
    first = con.execute("SELECT finding_id, first_seen_run FROM security_findings").fetchall()
    found(con, run="r2")
    assert con.execute("SELECT finding_id, first_seen_run FROM security_findings").fetchall() == first
    assert events(con, "r2") == []
    assert con.execute("SELECT last_seen_run FROM security_findings").fetchall() == [("r2",)]


def test_a_finding_resolved_then_back_is_two_appearances(con) -> None:  # noqa: F811
    con.execute("UPDATE users SET is_active = false WHERE pk = 10")
    found(con, run="r1")
    con.execute("UPDATE users SET is_active = true WHERE pk = 10")
    assert found(con, run="r2") == []
    assert events(con, "r2") == [("resolved", "inactive_user_with_connections", "low", None)]
    con.execute("UPDATE users SET is_active = false WHERE pk = 10")
    found(con, run="r3")
    assert events(con, "r3") == [("new", "inactive_user_with_connections", "low", None)]
    rows = con.execute(
        "SELECT appearance, first_seen_run, last_seen_run, resolved_run FROM security_findings_history "
        "ORDER BY appearance"
    ).fetchall()
    assert rows == [(1, "r1", "r1", "r2"), (2, "r3", "r3", None)]
    assert len(set(con.execute("SELECT finding_id FROM security_findings_history").fetchall())) == 1


def test_a_renamed_user_is_the_same_finding(con) -> None:  # noqa: F811
    con.execute("UPDATE users SET is_active = false WHERE pk = 10")
    found(con, run="r1")
    con.execute("UPDATE users SET username = 'alice2' WHERE pk = 10")
    found(con, run="r2")
    assert events(con, "r2") == []
    assert con.execute("SELECT username FROM security_findings").fetchall() == [("alice2",)]


def test_a_severity_change_is_recorded_not_new(con) -> None:  # noqa: F811
    con.execute("UPDATE source_details SET group_matching_mode = 'name_link'")
    found(con, run="r1")
    con.execute("UPDATE groups SET is_superuser = false")
    assert found(con, run="r2") == [("group_name_link", "high", "etl-github", None)]
    assert events(con, "r2") == [("severity", "group_name_link", "high", "critical")]


def test_a_rule_whose_data_was_not_read_resolves_nothing_and_raises_nothing(con) -> None:  # noqa: F811
    con.execute("UPDATE users SET is_active = false WHERE pk = 10")
    found(con, run="r1")
    con.execute("UPDATE users SET is_active = true WHERE pk = 10")  # stale: the run did not read users
    con.execute("UPDATE users SET is_active = false WHERE pk = 11")
    without_users = [p for p in ALL if p != "users"]
    result = evaluate.evaluate(con, "r2", __import__("datetime").datetime.now(), without_users)
    assert "inactive_user_with_connections" in result.not_evaluated
    assert events(con, "r2") == []
    rows = con.execute("SELECT user_pk, last_seen_run FROM security_findings").fetchall()
    assert rows == [(10, "r1")]  # kept as it was, not seen again, not resolved


def test_only_the_evaluated_rules_resolve(con) -> None:  # noqa: F811
    con.execute("UPDATE sources SET enabled = false WHERE pk = ?", [A])
    con.execute("UPDATE users SET is_active = false WHERE pk = 10")
    found(con, run="r1")
    con.execute("UPDATE sources SET enabled = true WHERE pk = ?", [A])
    con.execute("UPDATE users SET is_active = true WHERE pk = 10")
    found(con, complete=[p for p in ALL if p != "users"], run="r2")
    assert events(con, "r2") == [("resolved", "disabled_source_with_connections", "low", None)]
