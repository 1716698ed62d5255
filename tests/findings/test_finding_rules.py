"""Each finding rule on a hand-built database: where it fires, and where it must not."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import duckdb
import pytest

from authentik_etl.findings import evaluate, rules
from authentik_etl.load import db

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
ALL = rules.PARTS
A, B = uuid.UUID(int=0xA), uuid.UUID(int=0xB)  # source A (with connections), source B (none)
ADMINS = uuid.UUID(int=0xAD)


@pytest.fixture
def con(tmp_path):
    """A database where no rule fires: two active users, one enabled identifier source they use."""
    c = db.connect(tmp_path / "rules.duckdb")
    db.migrate(c)
    db.create_views(c)
    source(c, uuid.UUID(int=0x1), "authentik-built-in", managed="goauthentik.io/sources/inbuilt")
    source(c, A, "etl-github", connections=True)
    detail(c, A, provider_type="github")
    user(c, 10, "alice", "alice@example.com")
    user(c, 11, "bob", "bob@example.com")
    admins = "INSERT INTO groups VALUES (?, 1, 'authentik Admins', true, [], 0, ?, ?, NULL, '{}')"
    c.execute(admins, [ADMINS, T0, T0])
    connection(c, 1, 10, A)
    connection(c, 2, 11, A)
    yield c
    c.close()


def source(c, pk, slug, *, enabled=True, mode="identifier", managed=None, kind="oauth", connections=False):
    meta = "authentik_core.source" if managed else f"authentik_sources_{kind}.{kind}source"
    c.execute(
        "INSERT INTO sources (pk, name, slug, enabled, meta_model_name, user_matching_mode, managed, "
        "payload, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, '{}', ?, ?)",
        [pk, slug, slug, enabled, meta, mode, managed, T0, T0],
    )


def detail(c, pk, *, kind="oauth", provider_type=None, group_mode="identifier"):
    c.execute(
        "INSERT INTO source_details (source_pk, source_type, provider_type, group_matching_mode, settings, "
        "first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, '{}', ?, ?)",
        [pk, kind, provider_type, group_mode, T0, T0],
    )


def user(c, pk, username, email, *, active=True, superuser=False, kind="internal", groups=()):
    c.execute(
        "INSERT INTO users (pk, username, email, is_active, is_superuser, type, group_pks, first_seen_at, "
        "last_seen_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
        [pk, username, email, active, superuser, kind, list(groups), T0, T0],
    )


def connection(c, pk, user_pk, source_pk, deleted=False):
    c.execute(
        "INSERT INTO user_source_connections (pk, user_pk, source_pk, identifier, first_seen_at, "
        "last_seen_at, deleted_at, payload) VALUES (?, ?, ?, ?, ?, ?, ?, '{}')",
        [pk, user_pk, source_pk, f"id-{pk}", T0, T0, T0 if deleted else None],
    )


def found(c, complete=ALL, run="r1") -> list[tuple]:
    evaluate.evaluate(c, run, T0, complete)
    return c.execute(
        "SELECT rule, severity, source_slug, user_pk FROM security_findings "
        "ORDER BY rule, source_slug, user_pk"
    ).fetchall()


def test_the_baseline_has_no_finding(con) -> None:
    assert found(con) == []


# -- privileged_user_linkable ---------------------------------------------------------------------
def test_a_superuser_reachable_through_an_oidc_email_link_source_is_critical(con) -> None:
    user(con, 12, "root", "root@example.com", groups=[ADMINS])  # a superuser through its group
    con.execute("UPDATE sources SET user_matching_mode = 'email_link' WHERE pk = ?", [A])
    con.execute("UPDATE source_details SET provider_type = 'openidconnect' WHERE source_pk = ?", [A])
    assert ("privileged_user_linkable", "critical", "etl-github", 12) in found(con)


def test_a_provider_that_vouches_for_the_claim_makes_it_high(con) -> None:
    user(con, 12, "svc", "svc@example.com", kind="service_account")
    con.execute("UPDATE sources SET user_matching_mode = 'email_link' WHERE pk = ?", [A])
    con.execute("UPDATE source_details SET provider_type = 'google' WHERE source_pk = ?", [A])
    assert ("privileged_user_linkable", "high", "etl-github", 12) in found(con)


@pytest.mark.parametrize("case", ["identifier source", "disabled source", "inactive user", "no email"])
def test_a_privileged_user_out_of_reach_is_no_finding(con, case) -> None:
    email = None if case == "no email" else "root@example.com"
    user(con, 12, "root", email, superuser=True, active=case != "inactive user")
    mode = "identifier" if case == "identifier source" else "email_link"
    con.execute("UPDATE sources SET user_matching_mode = ?, enabled = ? WHERE pk = ?",
                [mode, case != "disabled source", A])  # fmt: skip
    assert not [f for f in found(con) if f[0] == "privileged_user_linkable"]


def test_an_unknown_oauth_provider_is_treated_as_not_vouching(con) -> None:
    user(con, 12, "root", "root@example.com", superuser=True)
    con.execute("UPDATE sources SET user_matching_mode = 'email_link' WHERE pk = ?", [A])
    con.execute("DELETE FROM source_details")
    assert ("privileged_user_linkable", "critical", "etl-github", 12) in found(con)


# -- user_linkable ----------------------------------------------------------------------------------
def test_a_link_source_gets_one_finding_with_the_users_it_can_reach(con) -> None:
    con.execute("UPDATE sources SET user_matching_mode = 'username_link' WHERE pk = ?", [A])
    assert found(con) == [("user_linkable", "medium", "etl-github", None)]
    detail_text = con.execute("SELECT detail FROM security_findings").fetchone()[0]
    assert "2 active user(s) by username" in detail_text
    assert con.execute("SELECT count(*) FROM linkable_users").fetchone()[0] == 2


def test_a_disabled_link_source_reaches_nobody(con) -> None:
    con.execute("UPDATE sources SET user_matching_mode = 'email_link', enabled = false WHERE pk = ?", [A])
    assert not [f for f in found(con) if f[0] == "user_linkable"]
    assert con.execute("SELECT count(*) FROM linkable_users").fetchone()[0] == 0


# -- duplicate_email_linkable -----------------------------------------------------------------------
def test_two_active_users_sharing_an_email_with_an_email_link_source(con) -> None:
    con.execute("UPDATE users SET email = 'alice@example.com' WHERE pk = 11")
    con.execute("UPDATE sources SET user_matching_mode = 'email_link' WHERE pk = ?", [A])
    assert ("duplicate_email_linkable", "high", None, 10) in found(con)


@pytest.mark.parametrize("case", ["no email_link source", "one of them inactive", "case differs"])
def test_shared_emails_that_cannot_be_mislinked(con, case) -> None:
    other = "Alice@example.com" if case == "case differs" else "alice@example.com"  # authentik: email__exact
    active = case != "one of them inactive"
    con.execute("UPDATE users SET email = ?, is_active = ? WHERE pk = 11", [other, active])
    if case != "no email_link source":
        con.execute("UPDATE sources SET user_matching_mode = 'email_link' WHERE pk = ?", [A])
    assert not [f for f in found(con) if f[0] == "duplicate_email_linkable"]


# -- group_name_link --------------------------------------------------------------------------------
def test_name_link_groups_are_critical_where_a_superuser_group_exists(con) -> None:
    con.execute("UPDATE source_details SET group_matching_mode = 'name_link'")
    assert found(con) == [("group_name_link", "critical", "etl-github", None)]


def test_name_link_groups_without_a_superuser_group_are_high(con) -> None:
    con.execute("UPDATE source_details SET group_matching_mode = 'name_link'")
    con.execute("UPDATE groups SET is_superuser = false")
    assert found(con) == [("group_name_link", "high", "etl-github", None)]


def test_name_deny_or_a_disabled_source_is_no_group_finding(con) -> None:
    con.execute("UPDATE source_details SET group_matching_mode = 'name_deny'")
    source(con, B, "etl-saml", enabled=False, kind="saml")
    detail(con, B, kind="saml", group_mode="name_link")
    assert not [f for f in found(con) if f[0] == "group_name_link"]


# -- the low and info rules -------------------------------------------------------------------------
def test_an_inactive_user_with_connections(con) -> None:
    con.execute("UPDATE users SET is_active = false WHERE pk = 10")
    user(con, 12, "gone", "gone@example.com", active=False)  # inactive, no connection: nothing
    assert found(con) == [("inactive_user_with_connections", "low", None, 10)]


def test_a_connection_of_a_user_the_listing_does_not_show(con) -> None:
    connection(con, 3, 99, A)
    connection(con, 4, 98, A, deleted=True)  # soft-deleted: nothing
    assert found(con) == [("connection_of_missing_user", "low", None, 99)]


def test_a_disabled_source_with_connections(con) -> None:
    con.execute("UPDATE sources SET enabled = false WHERE pk = ?", [A])
    source(con, B, "etl-old", enabled=False)  # disabled, no connection: nothing
    assert found(con) == [("disabled_source_with_connections", "low", "etl-github", None)]


def test_an_enabled_source_without_connections(con) -> None:
    source(con, B, "etl-new")
    assert found(con) == [("enabled_source_without_connections", "info", "etl-new", None)]


def test_every_rule_file_is_documented_and_named_as_its_file() -> None:
    names = [r.name for r in rules.load()]
    assert names == sorted(names) and len(names) == 8
    assert all(r.why and r.fix and r.needs for r in rules.load())
    with pytest.raises(ValueError, match="header must name the rule"):
        rules.parse("x.sql", "-- rule: y\n-- severity: low\n-- needs: users\n-- why: w\n-- fix: f\nSELECT 1")
    with pytest.raises(ValueError, match="unknown parts"):
        rules.parse("x.sql", "-- rule: x\n-- severity: low\n-- needs: userz\n-- why: w\n-- fix: f\nSELECT 1")


def test_severity_order() -> None:
    assert rules.at_least("high") == ("critical", "high")
    assert rules.at_least("info") == rules.SEVERITIES
    assert duckdb is not None
