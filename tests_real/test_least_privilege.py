"""The least-privilege token: refused without permissions (nothing applied), enough with the recipe.

A service account with no role or group gets an API token; a sync with it after a full sync must
stop with PermissionRefused (exit 4) and leave the database as it was. Then the README's recipe:
on 2025.2+ a role with the two view permissions, given through a group; before, a group with
superuser status. A sync with the same token then sees everything (all unchanged, none deleted).
Every object created here is deleted in `finally`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from ak_api import Api, release_at_least
from ak_pg import Postgres
from etl_db import Synced
from etl_run import Real, run_cli, run_sync, tail

from authentik_etl.core.errors import EXIT_AUTH, PermissionRefused
from authentik_etl.extract import directory
from authentik_etl.load.guard import PERMISSIONS

PREFIX = "authentik-etl-real"


class Created:
    """What the test created on the server, deleted in reverse order (each step tried)."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.paths: list[str] = []

    def add(self, path: str) -> None:
        self.paths.append(path)

    def delete_all(self) -> None:
        errors = []
        for path in reversed(self.paths):
            try:
                self.api.delete(path)
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]


@contextmanager
def created_objects(api: Api) -> Iterator[Created]:
    created = Created(api)
    try:
        yield created
    finally:
        created.delete_all()


def service_account_token(api: Api, created: Created, name: str) -> tuple[int, str]:
    """A service account with no group or role, and an API-intent token for it: (user pk, key).
    (The token the service_account call returns is an app password: no use as a Bearer token.)"""
    account = api.post(
        "/core/users/service_account/", {"name": name, "create_group": False, "expiring": False}
    )
    user_pk = int(account["user_pk"])
    created.add(f"/core/users/{user_pk}/")
    token = {"identifier": name, "user": user_pk, "intent": "api", "expiring": False}
    api.post("/core/tokens/", token)
    created.add(f"/core/tokens/{name}/")
    key = api.get(f"/core/tokens/{name}/view_key/")["key"]
    assert isinstance(key, str) and key
    return user_pk, key


def grant_recipe(api: Api, created: Created, release: str, user_pk: int, name: str) -> None:
    """The README's least-privilege recipe for this release."""
    if release_at_least(release, 2025, 2):
        role = api.post("/rbac/roles/", {"name": name})
        created.add(f"/rbac/roles/{role['pk']}/")
        group = api.post("/core/groups/", {"name": name, "users": [user_pk], "roles": [role["pk"]]})
        created.add(f"/core/groups/{group['pk']}/")
        permissions = sorted({*PERMISSIONS.values(), *(part.permission for part in directory.PARTS)})
        api.post(f"/rbac/permissions/assigned_by_roles/{role['pk']}/assign/", {"permissions": permissions})
    else:
        group = api.post("/core/groups/", {"name": name, "users": [user_pk], "is_superuser": True})
        created.add(f"/core/groups/{group['pk']}/")


def snapshot(db_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with Synced(db_path) as synced:
        return synced.snapshot()


def test_least_privilege_token(real: Real, api: Api, pg: Postgres, release: str, db_path: Path) -> None:
    full = run_sync(real, db_path, mode="list")
    assert full.status == "succeeded", full.error
    before = snapshot(db_path)
    name = f"{PREFIX}-{uuid.uuid4().hex[:12]}"
    with created_objects(api) as created:
        user_pk, key = service_account_token(api, created, name)

        with pytest.raises(PermissionRefused) as refused:
            run_sync(real, db_path, mode="list", token=key)
        assert "nothing was applied" in str(refused.value)
        assert snapshot(db_path) == before
        process = run_cli(real, db_path, mode="list", token=key)
        assert process.returncode == EXIT_AUTH, tail(process)
        assert snapshot(db_path) == before
        check_refusals_recorded(db_path, full.run_id)

        grant_recipe(api, created, release, user_pk, name)
        reader = run_sync(real, db_path, mode="list", token=key)
        connections = pg.value("SELECT count(*) FROM authentik_core_usersourceconnection")
        assert reader.status == "succeeded", reader.error
        counts = {k: getattr(reader, k) for k in ("inserted", "updated", "unchanged", "deleted", "failed")}
        assert counts == {"inserted": 0, "updated": 0, "unchanged": connections, "deleted": 0, "failed": 0}
        assert reader.refused_endpoints == []
        assert not [part for part in reader.skipped_parts if "not visible" in part], reader.skipped_parts
        assert_unchanged_apart_from_bookkeeping(before, snapshot(db_path))


def check_refusals_recorded(db_path: Path, full_run: str) -> None:
    with Synced(db_path) as synced:
        runs = synced.runs()
    assert runs[0]["run_id"] == full_run
    refusals = runs[1:]
    assert [r["status"] for r in refusals] == ["failed", "failed"]
    for run in refusals:
        assert "cannot see everything" in (run["error"] or ""), run["error"]
        assert run["visible_connections"] == 0 and "/api/v3/sources/all/" in run["refused_endpoints"]


def assert_unchanged_apart_from_bookkeeping(
    before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]
) -> None:
    """The reader's run saw the same data: only last-seen times and history run ids moved."""
    drop: dict[str, Callable[[tuple[Any, ...]], tuple[Any, ...]]] = {
        "user_source_connections": lambda row: row[:7] + row[8:],  # without last_seen_at
        "sources": lambda row: row[:-2] + row[-1:],  # without last_seen_at
        "sources_history": lambda row: row[:4] + row[5:],  # without last_run_id
    }
    for table, rows in before.items():
        keep = drop.get(table, lambda row: row)
        assert [keep(r) for r in after[table]] == [keep(r) for r in rows], table
