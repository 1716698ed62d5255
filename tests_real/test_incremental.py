"""`sync --incremental` on a real authentik: after changes made through authentik itself, an
incremental run gives the same connections and sources as a full sync, column by column on their
own fields, having listed only what changed. 2025.12.4 honours `ordering=-last_updated,pk`; 2024.10.5
has no `last_updated` and ignores the ordering, so there the run must fall back to a full one and
say why. The server is put back in `finally`.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import duckdb
from ak_api import Api, release_at_least
from ak_pg import CONNECTIONS, Postgres
from etl_run import Real, run_sync

OWN = (
    "SELECT c.pk, c.user_pk, c.source_pk, c.identifier, c.created, c.last_updated, c.payload::VARCHAR, "
    "c.deleted_at IS NULL, s.slug, s.user_matching_mode, s.enabled FROM user_source_connections c "
    "JOIN sources s ON s.pk = c.source_pk ORDER BY c.pk"
)
USERS = (
    "SELECT pk, username, name, email, is_active, is_superuser, type, group_pks, deleted_at IS NULL "
    "FROM users ORDER BY pk"
)
SOURCES = (
    "SELECT * EXCLUDE (first_seen_at, last_seen_at, deleted_at), deleted_at IS NULL FROM sources ORDER BY pk"
)


def rows(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def last_run(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        cur = con.execute("SELECT * FROM sync_runs ORDER BY started_at DESC LIMIT 1")
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


def test_incremental_after_changes_equals_a_full_sync(
    real: Real, api: Api, pg: Postgres, release: str, tmp_path: Path
) -> None:
    db = tmp_path / "incremental.duckdb"
    assert run_sync(real, db).status == "succeeded"
    (pk, old_identifier), saml = _changed_connection(pg), _enabled_saml(pg)
    new_identifier = f"authentik-etl-incr-{uuid.uuid4().hex[:10]}"
    patched = disabled = False
    user, user_name = _plain_user(pg)
    group = None
    try:
        if release_at_least(release, 2025, 4):
            api.patch(f"/sources/user_connections/all/{pk}/", {"identifier": new_identifier})
            patched = True
        # a user renamed (its last_updated moves), another made superuser through a new group (it does not)
        api.patch(f"/core/users/{user}/", {"name": f"{user_name} (etl)"})
        group = api.post("/core/groups/", {"name": f"authentik-etl-incr-{uuid.uuid4().hex[:8]}",
                                           "is_superuser": True})["pk"]  # fmt: skip
        api.call("POST", f"/core/groups/{group}/add_user/", {"pk": user + 1}, expect=(204,))
        api.patch(f"/sources/saml/{saml}/", {"enabled": False})
        disabled = True
        # (the seed wrote every connection within two minutes: a 5 min margin would re-read them all)
        result = run_sync(real, db, incremental=True, safety_margin=1.0)
        reference = tmp_path / "full.duckdb"
        assert run_sync(real, reference).status == "succeeded"
    finally:
        api.patch(f"/core/users/{user}/", {"name": user_name})
        if group is not None:
            api.delete(f"/core/groups/{group}/")
        if disabled:
            api.patch(f"/sources/saml/{saml}/", {"enabled": True})
        if patched:
            api.patch(f"/sources/user_connections/all/{pk}/", {"identifier": old_identifier})
    run = last_run(db)
    assert run["status"] == "succeeded", run["error"]
    if release_at_least(release, 2025, 4):
        assert (result.kind, run["kind"], run["full_reason"]) == ("incremental", "incremental", None)
        total = len(pg.connections())
        of_saml = pg.value(
            f"SELECT count(*) FROM {CONNECTIONS} c JOIN authentik_core_source s "
            "ON s.policybindingmodel_ptr_id = c.source_id WHERE s.slug = %s",
            (saml,),
        )
        assert result.fetched < total / 2 and result.updated >= of_saml  # the source's connections again
        assert run["incremental_parts"] == (["users"] if release_at_least(release, 2025, 12) else [])
        assert rows(db, f"SELECT identifier FROM user_source_connections WHERE pk = {pk}") == [
            (new_identifier,)
        ]
    else:
        assert (result.kind, run["kind"]) == ("full", "full")
        assert "no last_updated" in run["full_reason"] or "did not honour" in run["full_reason"]
    assert rows(db, OWN) == rows(reference, OWN)
    assert rows(db, USERS) == rows(reference, USERS)
    [(superuser,)] = rows(db, f"SELECT is_superuser FROM users WHERE pk = {user + 1}")
    assert superuser is True
    assert rows(db, SOURCES) == rows(reference, SOURCES)


def _changed_connection(pg: Postgres) -> tuple[int, str]:
    pk = pg.value(f"SELECT min(id) FROM {CONNECTIONS}")
    return pk, pg.connection_identifier(pk)


def _enabled_saml(pg: Postgres) -> str:
    enabled = [slug for _, slug, on in pg.saml_sources() if on]
    assert enabled, "the server has no enabled SAML source"
    return enabled[0]


def _plain_user(pg: Postgres) -> tuple[int, str]:
    """A seeded user (and the next one) that is no superuser and in no group."""
    pk = pg.value(
        "SELECT min(u.id) FROM authentik_core_user u WHERE u.username LIKE 'realak-user-%%' AND NOT EXISTS "
        "(SELECT 1 FROM authentik_core_user_ak_groups g WHERE g.user_id IN (u.id, u.id + 1))"
    )
    return pk, pg.value("SELECT name FROM authentik_core_user WHERE id = %s", (pk,))
