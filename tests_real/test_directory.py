"""Users and groups, synced from the real server, equal authentik's own Postgres rows.

Every user the API lists (authentik leaves AnonymousUser out) with its username, email, active flag,
type, path, uuid, direct groups and derived superuser status; every group with its name, superuser
flag and member count; and no `attributes` value stored anywhere.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from ak_pg import Postgres
from etl_run import Real, run_sync

ANONYMOUS = "AnonymousUser"


def pg_users(pg: Postgres) -> dict[int, tuple]:
    groups: dict[int, list[str]] = {}
    for user_id, group_id in pg.rows("SELECT user_id, group_id::text FROM authentik_core_user_ak_groups"):
        groups.setdefault(user_id, []).append(group_id)
    superuser_groups = {pk for (pk,) in pg.rows(
        "SELECT group_uuid::text FROM authentik_core_group WHERE is_superuser")}  # fmt: skip
    rows = pg.rows(
        "SELECT id, username, email, is_active, type, path, uuid::text FROM authentik_core_user "
        "WHERE username <> %s",
        (ANONYMOUS,),
    )
    return {
        pk: (username, email or None, active, kind, path, uid, sorted(groups.get(pk, [])),
             bool(superuser_groups & set(groups.get(pk, []))))
        for pk, username, email, active, kind, path, uid in rows
    }  # fmt: skip


def synced_users(db_path: Path) -> dict[int, tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "SELECT pk, username, email, is_active, type, path, uuid::VARCHAR, "
            "list_sort(group_pks::VARCHAR[]), is_superuser FROM users WHERE deleted_at IS NULL"
        ).fetchall()
    return {pk: (*rest[:6], list(rest[6]), rest[7]) for pk, *rest in rows}


def test_users_and_groups_match_postgres(real: Real, pg: Postgres, db_path: Path) -> None:
    result = run_sync(real, db_path, mode="list")
    assert result.status == "succeeded", result.error
    assert (result.users_complete, result.groups_complete) == (True, True)
    assert all("not in this release" in part for part in result.skipped_parts), result.skipped_parts
    assert synced_users(db_path) == pg_users(pg)

    members = dict(pg.rows("SELECT group_id::text, count(*) FROM authentik_core_user_ak_groups GROUP BY 1"))
    expected_groups = {
        pk: (name, superuser, members.get(pk, 0))
        for pk, name, superuser in pg.rows(
            "SELECT group_uuid::text, name, is_superuser FROM authentik_core_group"
        )
    }
    with duckdb.connect(str(db_path), read_only=True) as con:
        got = {pk: (name, su, n) for pk, name, su, n in con.execute(
            "SELECT pk::VARCHAR, name, is_superuser, member_count FROM groups WHERE deleted_at IS NULL"
        ).fetchall()}  # fmt: skip
        stored = " ".join(str(r) for r in con.execute("SELECT payload FROM users").fetchall())
    assert got == expected_groups
    assert '"attributes"' not in stored
