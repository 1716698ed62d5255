"""The deletion guard: a token that sees less must never read as "everything was deleted"."""

from __future__ import annotations

import json
import random
import tempfile
from pathlib import Path

import pytest
from conftest import TOKEN, db_rows, fast_policy, settings_for
from helpers import assert_one_line_error, cli, env_for, metrics
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authentik_etl.core.errors import ConfigError, MassDeletionRefused, PermissionRefused
from authentik_etl.job.sync import sync
from authentik_etl.load import guard
from authentik_etl.simulator import Dataset, Scope, Simulator

NOTHING, OWN, SOURCES_ONLY = "tok-sees-nothing", "tok-ordinary-user", "tok-sources-only"
STATE = "SELECT pk, deleted_at, payload::VARCHAR FROM user_source_connections ORDER BY pk"
LIVE = "SELECT pk FROM user_source_connections WHERE deleted_at IS NULL"
SOURCES = "SELECT pk, deleted_at, enabled FROM sources ORDER BY pk"


def scoped(simulator, dataset: Dataset):
    """A simulator that also knows the three tokens a real authentik hands out with less view."""
    sim = simulator(dataset)
    sim.add_token(NOTHING, Scope.nothing())
    sim.add_token(OWN, Scope.own(dataset.connection(dataset.connection_pks()[0])["user"]))
    sim.add_token(SOURCES_ONLY, Scope.sources_only())
    return sim


def run(sim, db_path, token: str = TOKEN, **overrides):
    return sync(settings_for(sim, db_path, token=token, **overrides), policy=fast_policy())


def last_run(db_path) -> tuple:
    return db_rows(
        db_path,
        "SELECT status, error, visible_connections, refused_endpoints FROM sync_runs "
        "ORDER BY started_at DESC LIMIT 1",
    )[0]


# -- the limit ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "stored", "rows"),
    [("10%", 3000, 300), ("10%", 50, 10), ("10%", 0, 10), ("25%", 1000, 250), ("0", 1000, 0), ("7", 5, 7)],
)
def test_the_limit_is_a_count_or_a_percentage_with_a_floor(text: str, stored: int, rows: int) -> None:
    assert guard.DeleteLimit.parse(text).rows(stored) == rows


@pytest.mark.parametrize("text", ["", "-1", "ten", "10.5%", "101%", "5 %%"])
def test_a_bad_limit_is_a_one_line_config_error(text: str) -> None:
    with pytest.raises(ConfigError, match=r"--max-delete .* like 50 or 10%"):
        guard.DeleteLimit.parse(text)


@pytest.mark.parametrize(
    ("release", "needle"),
    [
        ("2024.10.5", "superuser status"),
        ("2024.12.3", "superuser status"),
        ("2025.2.0", "authentik_core.view_usersourceconnection and authentik_core.view_source"),
        ("2025.12.4", "authentik_core.view_usersourceconnection and authentik_core.view_source"),
        (None, "on authentik 2025.2 and later"),
    ],
)
def test_the_fix_is_worded_for_the_release(release, needle: str) -> None:
    assert needle in guard.fix_for(release)


# -- tokens that see less, end to end -------------------------------------------------------------
@pytest.mark.parametrize("mode", ["retrieve", "list"])
@pytest.mark.parametrize("token", [NOTHING, OWN])
def test_a_token_that_sees_nothing_or_its_own_is_refused_in_seconds(
    simulator, db_path, mode: str, token: str
) -> None:
    dataset = Dataset.generate(connections=3000, seed=7)
    sim = scoped(simulator, dataset)
    run(sim, db_path, mode="list")
    before, sources = db_rows(db_path, STATE), db_rows(db_path, SOURCES)
    retrieves = sim.stats["paths"].get("retrieve", 0)
    with pytest.raises(PermissionRefused) as refused:
        run(sim, db_path, token=token, mode=mode)
    message = str(refused.value)
    assert "\n" not in message and "nothing was applied" in message
    assert "authentik refused /api/v3/sources/all/ (403)" in message
    assert "authentik 2025.12.0" in message and "authentik_core.view_usersourceconnection" in message
    assert db_rows(db_path, STATE) == before and db_rows(db_path, SOURCES) == sources
    visible = 0 if token == NOTHING else 1
    assert f"3,000 stored, {visible} visible" in message
    assert sim.stats["paths"].get("retrieve", 0) - retrieves <= visible  # no per-id check of 3,000 ids
    status, error, seen, endpoints = last_run(db_path)
    assert (status, seen, endpoints) == ("failed", visible, ["/api/v3/sources/all/"])
    assert error == message


def test_the_fix_names_superuser_groups_on_2024_10(simulator, db_path) -> None:
    sim = scoped(simulator, Dataset.generate(connections=40, shape="2024.10", seed=3))
    run(sim, db_path)
    with pytest.raises(PermissionRefused, match=r"authentik 2024\.10\.0\): make the token's user a member"):
        run(sim, db_path, token=NOTHING)


def test_a_token_that_sees_nothing_is_refused_on_the_first_run_too(simulator, db_path) -> None:
    sim = scoped(simulator, Dataset.generate(connections=40, seed=3))
    with pytest.raises(PermissionRefused, match="the token sees no connections"):
        run(sim, db_path, token=NOTHING)
    assert db_rows(db_path, "SELECT count(*) FROM user_source_connections") == [(0,)]
    assert db_rows(db_path, "SELECT count(*) FROM sources") == [(0,)]
    assert last_run(db_path)[0] == "failed"


def test_sources_but_no_connections_is_a_mass_deletion_refused_with_exit_6(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=200, seed=4)
    sim = scoped(simulator, dataset)
    run(sim, db_path)
    before, sources = db_rows(db_path, STATE), db_rows(db_path, SOURCES)
    with pytest.raises(MassDeletionRefused, match="sees no connections while the database holds live ones"):
        run(sim, db_path, token=SOURCES_ONLY, max_delete=guard.DeleteLimit.parse("100%"))
    assert db_rows(db_path, STATE) == before and db_rows(db_path, SOURCES) == sources
    assert last_run(db_path)[2:] == (0, [])


def test_everything_200_nothing_anywhere_succeeds_with_a_warning(simulator, db_path, caplog) -> None:
    sim = scoped(simulator, Dataset.generate(connections=30, seed=5))
    result = run(sim, db_path, token=SOURCES_ONLY)
    assert result.status == "succeeded" and result.visible_connections == 0
    assert "the token sees no connections at all" in caplog.text
    assert "authentik_core.view_usersourceconnection" in caplog.text


def test_deletions_over_the_limit_are_refused_and_applied_with_the_override(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=300, seed=6)
    sim = scoped(simulator, dataset)
    run(sim, db_path)
    for pk in dataset.connection_pks()[:31]:  # 31 > 10% of 300
        dataset.delete_connection(pk)
    before = db_rows(db_path, STATE)
    counts = r"300 stored, 269 visible, 31 would be deleted, at most 30"
    with pytest.raises(MassDeletionRefused, match=counts):
        run(sim, db_path)
    assert db_rows(db_path, STATE) == before
    applied = run(sim, db_path, allow_mass_delete=True)
    assert (applied.status, applied.deleted) == ("succeeded", 31)


def test_deletions_within_the_limit_apply_as_before(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=300, seed=6)
    sim = scoped(simulator, dataset)
    run(sim, db_path)
    for pk in dataset.connection_pks()[:30]:
        dataset.delete_connection(pk)
    assert run(sim, db_path).deleted == 30
    dataset.delete_connection(dataset.connection_pks()[0])
    with pytest.raises(MassDeletionRefused, match="--max-delete 0 allows"):
        run(sim, db_path, max_delete=guard.DeleteLimit.parse("0"))


def test_a_source_listing_that_shrinks_is_guarded_too(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=0, seed=8)  # sources only: deleting one deletes no connection
    sim = simulator(dataset)
    run(sim, db_path)
    slugs = [s for s in dataset.source_slugs() if s != "authentik-built-in"]
    for slug in slugs[:3]:
        dataset.delete_source(slug)
    before = db_rows(db_path, SOURCES)
    with pytest.raises(MassDeletionRefused, match="more sources than --max-delete 2 allows"):
        run(sim, db_path, max_delete=guard.DeleteLimit.parse("2"))
    assert db_rows(db_path, SOURCES) == before
    run(sim, db_path, max_delete=guard.DeleteLimit.parse("3"))
    assert db_rows(db_path, "SELECT count(*) FROM sources WHERE deleted_at IS NOT NULL") == [(3,)]


# -- the command line, status and metrics -------------------------------------------------------
def test_cli_exit_codes_one_line_status_and_the_visibility_gauge(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=120, seed=9)
    sim = scoped(simulator, dataset)
    env = env_for(sim, db_path)
    assert cli("sync", env=env).returncode == 0
    prom = tmp_path / "m.prom"
    refused = cli("sync", "--metrics-file", str(prom), env={**env, "AUTHENTIK_TOKEN": NOTHING})
    assert_one_line_error(refused, 4, "the token sees no connections (120 stored, 0 visible")
    got = metrics(prom)
    assert got["authentik_etl_visible_connections"][()] == 0
    assert got["authentik_etl_refused_endpoints"][()] == 1
    assert got["authentik_etl_rows"][(("table", "user_source_connections"),)] == 120
    mass = cli("sync", "--mode", "list", env={**env, "AUTHENTIK_TOKEN": SOURCES_ONLY})
    assert_one_line_error(mass, 6, "--allow-mass-delete")
    bad = cli("sync", "--max-delete", "lots", env=env)
    assert_one_line_error(bad, 2, "--max-delete 'lots'")
    status = cli("status", "--db", str(db_path))
    lines = status.stdout.splitlines()
    assert lines[1].split()[-2:] == ["visible", "refused"]
    assert lines[2].split()[1] == "failed" and lines[2].split()[-1] == "0"  # exit 6: nothing refused
    assert lines[3].split()[-2:] == ["0", "/api/v3/sources/all/"]
    assert lines[4].split()[-1] == "120"
    as_json = json.loads(cli("status", "--db", str(db_path), "--format", "json").stdout)
    assert as_json["runs"][1]["refused_endpoints"] == ["/api/v3/sources/all/"]
    assert TOKEN not in refused.stderr + mass.stderr + prom.read_text()


# -- the property: never more than the limit without the override, always all or nothing --------
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(min_value=0, max_value=150),
    seed=st.integers(min_value=1, max_value=10_000),
    keep=st.floats(min_value=0.0, max_value=1.0),
    sees_sources=st.booleans(),
    full_token_after_deletions=st.booleans(),
    limit=st.one_of(st.integers(0, 60).map(str), st.integers(0, 100).map(lambda p: f"{p}%")),
    allow=st.booleans(),
    mode=st.sampled_from(["retrieve", "list"]),
)
def test_no_run_deletes_more_than_the_limit_and_every_run_is_all_or_nothing(
    size: int, seed: int, keep: float, sees_sources: bool, full_token_after_deletions: bool,
    limit: str, allow: bool, mode: str,
) -> None:  # fmt: skip
    dataset = Dataset.generate(connections=size, seed=seed)
    with tempfile.TemporaryDirectory() as folder, Simulator(dataset, token=TOKEN) as sim:
        db_path = Path(folder) / "authentik.duckdb"
        run(sim, db_path, mode="list")
        stored = dataset.connection_pks()
        token, visible = _shrink(sim, dataset, keep, sees_sources, full_token_after_deletions, seed)
        before, sources = db_rows(db_path, STATE), db_rows(db_path, SOURCES)
        max_delete = guard.DeleteLimit.parse(limit)
        try:
            result = run(sim, db_path, token=token, mode=mode, max_delete=max_delete, allow_mass_delete=allow)
        except (PermissionRefused, MassDeletionRefused):
            assert db_rows(db_path, STATE) == before and db_rows(db_path, SOURCES) == sources
            assert last_run(db_path)[0] == "failed"
            return
        live = [
            pk
            for (pk,) in db_rows(db_path, "SELECT pk FROM user_source_connections WHERE deleted_at IS NULL")
        ]
        assert sorted(live) == sorted(visible)  # fully applied: exactly what the token sees
        assert result.deleted == len(set(stored) - set(visible))
        if not allow or result.refused_endpoints:
            assert result.deleted <= max_delete.rows(len(stored))
        assert not (visible == [] and stored and not allow), "zero visible with stored rows applied"


def _shrink(sim, dataset: Dataset, keep: float, sees_sources: bool, real_deletions: bool, seed: int):
    """Either really delete a share of the connections (full token), or hand out a token that sees
    only some users' connections: (token, the pks it sees)."""
    rng = random.Random(seed)
    pks = dataset.connection_pks()
    if real_deletions:
        for pk in pks:
            if rng.random() > keep:
                dataset.delete_connection(pk)
        return TOKEN, dataset.connection_pks()
    users = sorted({dataset.connection_user(pk) for pk in pks})
    chosen = frozenset(u for u in users if rng.random() <= keep)
    sim.add_token("tok-subset", Scope(sources=sees_sources, connections=False, users=chosen))
    return "tok-subset", [pk for pk in pks if dataset.connection_user(pk) in chosen]


def test_the_last_group_connection_may_go_but_not_fifty_at_once() -> None:
    from authentik_etl.core.settings import DeleteLimit
    from authentik_etl.load.guard import Seen, decide

    limit = DeleteLimit.parse("10%")
    decide([Seen("group_connections", 1, 0, 1)], [], limit)  # a small kind: the limit's 10-row floor
    with pytest.raises(MassDeletionRefused, match="group_connections"):
        decide([Seen("group_connections", 50, 0, 50)], [], limit)
    with pytest.raises(MassDeletionRefused, match="sees no users"):
        decide([Seen("users", 1, 0, 1)], [], limit)  # an instance always has users
