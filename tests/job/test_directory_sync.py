"""Users and groups in the sync: stored as authentik has them, secrets never kept, 403 is not an error."""

from __future__ import annotations

import json

import duckdb
import pytest
from conftest import TOKEN, db_rows, run_sync

from authentik_etl.core.errors import MassDeletionRefused
from authentik_etl.simulator import Dataset, Faults, Scope


def simulated_users(sim) -> list[tuple]:
    d = sim.dataset.directory
    rows = []
    for pk in d.user_pks(sim.dataset.max_user()):
        u = d.user(pk)
        rows.append((pk, u["username"], u["email"] or None, u["is_active"], u["is_superuser"], u["type"],
                     sorted(u["groups"])))  # fmt: skip
    return rows


def stored_users(db_path) -> list[tuple]:
    rows = db_rows(
        db_path,
        "SELECT pk, username, email, is_active, is_superuser, type, list_sort(group_pks::VARCHAR[]) "
        "FROM users WHERE deleted_at IS NULL ORDER BY pk",
    )
    return [(*r[:6], list(r[6])) for r in rows]


@pytest.mark.parametrize("shape", ["2024.10", "2025.4", "2025.12"])
def test_users_and_groups_are_stored_as_authentik_has_them(simulator, db_path, shape) -> None:
    sim = simulator(Dataset.generate(connections=250, shape=shape, seed=21))
    result = run_sync(sim, db_path)
    assert (result.users_complete, result.groups_complete) == (True, True)
    assert all("not in this release" in part for part in result.skipped_parts)  # Telegram, group connections
    assert stored_users(db_path) == simulated_users(sim)
    groups = json.loads(sim_get_groups(sim))
    expected = sorted((g["pk"], g["name"], g["is_superuser"], len(g["users"])) for g in groups)
    stored = db_rows(db_path, "SELECT pk::VARCHAR, name, is_superuser, member_count FROM groups ORDER BY pk")
    assert sorted(stored) == expected


def sim_get_groups(sim) -> str:
    import requests

    headers = {"Authorization": f"Bearer {TOKEN}"}
    r = requests.get(sim.url + "/api/v3/core/groups/", headers=headers, timeout=10)
    return json.dumps(r.json()["results"])


def test_no_attribute_and_no_secret_like_value_is_stored_anywhere(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=60, seed=22))
    run_sync(sim, db_path)
    with duckdb.connect(str(db_path), read_only=True) as con:
        for table in ("users", "groups"):
            text = " ".join(str(row) for row in con.execute(f"SELECT * FROM {table}").fetchall())
            assert "not-a-real-secret" not in text and "ldap_bind_password" not in text
            assert '"attributes"' not in text and TOKEN not in text


def test_a_token_that_may_not_read_users_syncs_the_rest_and_records_the_skip(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=40, seed=23))
    run_sync(sim, db_path)
    before = stored_users(db_path)
    sim.add_token("no-directory", Scope(directory=False))
    result = run_sync(sim, db_path, token="no-directory")
    assert (result.status, result.exit_code, result.fetched) == ("succeeded", 0, 40)
    assert result.skipped_parts == [
        "users: not visible to this token (403 on /api/v3/core/users/)",
        "groups: not visible to this token (403 on /api/v3/core/groups/)",
        "group_connections: not visible to this token (403 on /api/v3/sources/group_connections/all/)",
    ]
    assert stored_users(db_path) == before  # seeing less is not a deletion
    [(skipped,)] = db_rows(db_path, "SELECT skipped_parts FROM sync_runs ORDER BY started_at DESC LIMIT 1")
    assert skipped == result.skipped_parts


def test_a_user_gone_from_a_complete_listing_is_marked_deleted(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=80, seed=24))
    run_sync(sim, db_path)
    sim.dataset.directory.removed.add(9)
    run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT pk FROM users WHERE deleted_at IS NOT NULL") == [(9,)]
    sim.dataset.directory.removed.clear()
    run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT count(*) FROM users WHERE deleted_at IS NOT NULL") == [(0,)]


def test_a_listing_that_loses_most_users_is_refused_as_a_mass_deletion(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=200, seed=25))
    run_sync(sim, db_path)
    sim.dataset.directory.removed.update(range(5, 100))
    with pytest.raises(MassDeletionRefused, match="users"):
        run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT count(*) FROM users WHERE deleted_at IS NOT NULL") == [(0,)]


def test_transient_faults_on_the_user_and_group_pages_are_retried(simulator, db_path) -> None:
    faults = Faults(rate=0.2, kinds=("503", "reset", "429"), seed=3, apply_to=("users", "groups"))
    sim = simulator(Dataset.generate(connections=300, seed=26), faults=faults)
    result = run_sync(sim, db_path, page_size=20)
    assert result.retries > 0 and result.users_complete and result.status == "succeeded"
    assert stored_users(db_path) == simulated_users(sim)


def test_no_directory_and_ids_runs_read_no_users(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=30, seed=27))
    result = run_sync(sim, db_path, directory=False)
    assert result.skipped_parts == ["users: not read (--no-directory)", "groups: not read (--no-directory)"]
    assert db_rows(db_path, "SELECT count(*) FROM users") == [(0,)]
    result = run_sync(sim, db_path, ids=[1, 2])
    assert result.skipped_parts[:2] == ["users: not read by an --ids run", "groups: not read by an --ids run"]
    assert all(part.endswith(": not read by an --ids run") for part in result.skipped_parts)
    assert sim.stats["paths"].get("users", 0) == 0
