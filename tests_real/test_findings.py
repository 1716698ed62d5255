"""The findings' inputs and rules against a real server, checked against authentik's own Postgres.

Per-type source detail equals the per-type tables (and no secret of them is stored); group
connections are created through authentik's API, synced, compared and deleted again (2025.4 on; a
404 before, recorded as "not in this release"); the linkable users, privileged findings and disabled
sources with connections equal what Postgres says.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
from ak_api import Api, release_at_least
from ak_pg import Postgres
from etl_run import Real, run_sync

TYPES = ("oauth", "saml", "ldap", "plex", "kerberos", "telegram", "scim")
GROUP_MODE_TYPES = ("oauth", "saml", "plex", "kerberos")  # where the API exposes group_matching_mode


def pg_details(pg: Postgres) -> set[tuple]:
    rows = set()
    for kind in TYPES:
        table = f"authentik_sources_{kind}_{kind}source"
        if not pg.has_table(table):
            continue
        cols = pg.columns(table)
        wanted = ("provider_type", "sync_users", "password_login_update_internal_password",
                  "allow_idp_initiated")  # fmt: skip
        pick = {c: (f"t.{c}" if c in cols else "NULL") for c in wanted}
        group = "s.group_matching_mode" if kind in GROUP_MODE_TYPES else "NULL"
        for row in pg.rows(
            f"SELECT t.source_ptr_id::text, {pick['provider_type']}, {group}, {pick['sync_users']}, "
            f"{pick['password_login_update_internal_password']}, {pick['allow_idp_initiated']} "
            f"FROM {table} AS t JOIN authentik_core_source AS s "
            "ON s.policybindingmodel_ptr_id = t.source_ptr_id"
        ):
            rows.add((row[0], kind, *row[1:]))
    return rows


def synced(db_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_source_details_match_postgres_and_keep_no_secret(real: Real, pg: Postgres, db_path: Path) -> None:
    result = run_sync(real, db_path, mode="list")
    assert result.status == "succeeded" and "source_details" in result.complete_parts, result.skipped_parts
    got = set(synced(db_path, "SELECT source_pk::VARCHAR, source_type, provider_type, group_matching_mode, "
                              "sync_users, password_login_update_internal_password, allow_idp_initiated "
                              "FROM source_details WHERE deleted_at IS NULL"))  # fmt: skip
    assert got == pg_details(pg)
    secrets = [t for (t,) in pg.rows("SELECT plex_token FROM authentik_sources_plex_plexsource") if t]
    assert secrets, "the seeded Plex source has a token"
    dump = Path(db_path).read_bytes()
    assert all(secret.encode() not in dump for secret in secrets)


def test_group_connections_are_synced_and_soft_deleted(
    real: Real, api: Api, pg: Postgres, release: str, db_path: Path
) -> None:
    if not release_at_least(release, 2025, 4):
        result = run_sync(real, db_path, mode="list")
        assert "group_connections" in result.complete_parts
        assert any(p.startswith("group_connections: not in this release (404") for p in result.skipped_parts)
        assert synced(db_path, "SELECT count(*) FROM group_source_connections") == [(0,)]
        return
    group = api.post("/core/groups/", {"name": f"authentik-etl-real-{uuid.uuid4().hex[:8]}"})
    source = api.get("/sources/oauth/?page_size=1")["results"][0]
    try:
        body = {"group": group["pk"], "source": source["pk"], "identifier": "etl-real-group"}
        made = api.post("/sources/group_connections/oauth/", body)
        try:
            run_sync(real, db_path, mode="list")
            expected = set(pg.rows("SELECT id, group_id::text, source_id::text, identifier "
                                   "FROM authentik_core_groupsourceconnection"))  # fmt: skip
            got = set(synced(db_path, "SELECT pk, group_pk::VARCHAR, source_pk::VARCHAR, identifier "
                                      "FROM group_source_connections WHERE deleted_at IS NULL"))  # fmt: skip
            assert got == expected and (made["pk"], group["pk"], source["pk"], "etl-real-group") in got
        finally:
            api.delete(f"/sources/group_connections/oauth/{made['pk']}/")
        run_sync(real, db_path, mode="list")
        gone = synced(db_path, "SELECT deleted_at IS NOT NULL FROM group_source_connections WHERE pk = "
                               f"{int(made['pk'])}")  # fmt: skip
        assert gone == [(True,)]
    finally:
        api.delete(f"/core/groups/{group['pk']}/")


def test_the_findings_agree_with_postgres(real: Real, pg: Postgres, db_path: Path) -> None:
    run_sync(real, db_path, mode="list")
    active = pg.rows("SELECT id, username, coalesce(email, ''), type FROM authentik_core_user "
                     "WHERE is_active AND username <> 'AnonymousUser'")  # fmt: skip
    linking = pg.rows("SELECT policybindingmodel_ptr_id::text, user_matching_mode FROM authentik_core_source "
                      "WHERE enabled AND user_matching_mode IN ('email_link', 'username_link')")  # fmt: skip
    expected = {
        (src, pk)
        for src, mode in linking
        for pk, _name, email, _kind in active
        if mode == "username_link" or email
    }
    got = set(synced(db_path, "SELECT source_pk::VARCHAR, user_pk FROM linkable_users"))
    assert got == expected and got

    superusers = {pk for (pk,) in pg.rows(
        "SELECT DISTINCT m.user_id FROM authentik_core_user_ak_groups AS m "
        "JOIN authentik_core_group AS g ON g.group_uuid = m.group_id WHERE g.is_superuser")}  # fmt: skip
    privileged = {pk for pk, _n, _e, kind in active
                  if pk in superusers or kind in ("service_account", "internal_service_account")}  # fmt: skip
    want = {(src, pk) for src, pk in expected if pk in privileged}
    found = set(synced(db_path, "SELECT source_pk::VARCHAR, user_pk FROM security_findings "
                                "WHERE rule = 'privileged_user_linkable'"))  # fmt: skip
    assert found == want and found

    disabled = set(pg.rows(
        "SELECT s.slug, count(*) FROM authentik_core_source AS s JOIN authentik_core_usersourceconnection "
        "AS c ON c.source_id = s.policybindingmodel_ptr_id WHERE NOT s.enabled GROUP BY 1"
    ))  # fmt: skip
    shown = set(synced(db_path, "SELECT source_slug, regexp_extract(detail, 'holds ([0-9]+)', 1)::BIGINT "
                                "FROM security_findings "
                                "WHERE rule = 'disabled_source_with_connections'"))  # fmt: skip
    assert shown == disabled
