"""Issue 3's fault table, row by row, against the simulator on 127.0.0.1."""

from __future__ import annotations

import time

import pytest
from conftest import db_connections, db_rows, expected_connections, fast_policy, run_sync

from authentik_etl.core.errors import AuthError
from authentik_etl.simulator import Dataset, Faults


def lands_exactly(dataset, db_path) -> None:
    assert db_connections(db_path) == expected_connections(dataset)
    assert db_rows(db_path, "SELECT count(*) = count(DISTINCT pk) FROM user_source_connections") == [(True,)]


@pytest.mark.parametrize("retry_after", [1, "http-date", None], ids=["seconds", "http-date", "no-header"])
def test_429_with_retry_after_is_retried_and_every_connection_lands_once(
    simulator, db_path, retry_after
) -> None:
    dataset = Dataset.generate(connections=120, seed=11)
    sim = simulator(dataset, faults=Faults(rate=0.3, kinds=("429",), seed=1, retry_after=retry_after))
    result = run_sync(sim, db_path, max_attempts=10)
    assert result.status == "succeeded" and result.retries > 0
    assert sim.stats["status"][429] > 0
    lands_exactly(dataset, db_path)


@pytest.mark.parametrize("kind", ["500", "502", "503", "504", "reset"])
def test_server_errors_and_resets_are_retried(simulator, db_path, kind: str) -> None:
    dataset = Dataset.generate(connections=80, seed=12)
    sim = simulator(dataset, faults=Faults(rate=0.25, kinds=(kind,), seed=2))
    result = run_sync(sim, db_path, max_attempts=10)
    assert result.status == "succeeded" and result.retries > 0
    lands_exactly(dataset, db_path)


def test_read_timeout_and_slow_trickle_are_retried(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=40, seed=13)
    faults = Faults(rate=0.15, kinds=("slow", "trickle"), seed=3, slow_seconds=1.5, trickle_pause=0.01)
    sim = simulator(dataset, faults=faults)
    result = run_sync(sim, db_path, timeout=0.5, max_attempts=10, concurrency=8)
    assert result.status == "succeeded"
    assert sim.stats["faults"].get("slow", 0) > 0 and sim.stats["faults"].get("trickle", 0) > 0
    assert result.http.get("timeout", 0) > 0  # a slow answer hit the read timeout and was retried
    lands_exactly(dataset, db_path)


@pytest.mark.parametrize("retry_after", ["0", "-5", "86400", "garbage"])
def test_odd_retry_after_values_mean_no_hint_or_are_capped_without_a_tight_loop(
    simulator, db_path, retry_after: str
) -> None:
    dataset = Dataset.generate(connections=10, seed=14)
    stuck = dataset.connection_pks()[2]
    sim = simulator(dataset, faults=Faults(always={stuck: "429"}, retry_after=retry_after))
    started = time.monotonic()
    result = run_sync(sim, db_path, max_attempts=4, policy=fast_policy(retry_after_cap=0.05))
    assert time.monotonic() - started < 20  # a day-long Retry-After was capped
    assert result.status == "partial" and result.failed == 1
    assert db_rows(db_path, "SELECT attempts, http_status FROM sync_errors") == [(4, 429)]
    retrieves_of_stuck = sim.stats["status"][429]
    assert retrieves_of_stuck == 4  # bounded by max_attempts: no tight loop


@pytest.mark.parametrize("kind", ["truncated", "invalid_json", "html200", "wrong_content_type", "plain_ok"])
def test_unreadable_bodies_are_retried_like_transient_failures(simulator, db_path, kind: str) -> None:
    dataset = Dataset.generate(connections=80, seed=15)
    sim = simulator(dataset, faults=Faults(rate=0.2, kinds=(kind,), seed=4))
    result = run_sync(sim, db_path, max_attempts=10)
    assert result.status == "succeeded" and result.retries > 0
    lands_exactly(dataset, db_path)


@pytest.mark.parametrize("kind", ["html200", "invalid_json", "truncated"])
def test_a_body_unreadable_on_every_attempt_is_recorded_for_its_id(simulator, db_path, kind: str) -> None:
    dataset = Dataset.generate(connections=20, seed=16)
    bad = dataset.connection_pks()[6]
    sim = simulator(dataset, faults=Faults(always={bad: kind}))
    result = run_sync(sim, db_path, max_attempts=3)
    assert result.status == "partial" and result.exit_code == 3
    [(pk, stage, attempts, error)] = db_rows(
        db_path, "SELECT connection_pk, stage, attempts, error FROM sync_errors"
    )
    assert (pk, stage, attempts) == (bad, "retrieve", 3)
    assert "unreadable body" in error or "connection failed" in error
    assert len(db_connections(db_path)) == 19


def test_unknown_fields_and_enum_values_are_kept(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=30, seed=17)
    dataset.update_source("etl-github", user_matching_mode="passkey_link", policy_engine_mode="majority")
    sim = simulator(dataset)
    assert run_sync(sim, db_path).status == "succeeded"
    assert db_rows(
        db_path, "SELECT user_matching_mode, policy_engine_mode FROM sources WHERE slug = 'etl-github'"
    ) == [("passkey_link", "majority")]
    modes = [r[0] for r in db_rows(db_path, "SELECT user_matching_mode FROM matching_mode_report")]
    assert "passkey_link" in modes
    lands_exactly(dataset, db_path)


@pytest.mark.parametrize("mode", ["retrieve", "list"])
def test_list_shifting_while_paging_misses_nothing_silently_and_deletes_nothing_falsely(
    simulator, db_path, mode: str
) -> None:
    dataset = Dataset.generate(connections=100, seed=18)
    sim = simulator(dataset)
    run_sync(sim, db_path, mode=mode)
    pks = dataset.connection_pks()
    removed = [pks[3], pks[5]]
    added: list[int] = []

    def shift(page: int) -> None:
        if page == 3 and not added:  # after pages 1-2 were read: items shift left by two...
            for pk in removed:
                dataset.delete_connection(pk)
            added.append(dataset.add_connection(user=dataset.max_user() + 1, source_slug="etl-github"))

    sim.faults = Faults(on_list_page=shift)
    result = run_sync(sim, db_path, mode=mode, page_size=10, concurrency=1)
    assert result.status == "succeeded"
    live = {pk for (pk, *_) in db_connections(db_path)}
    assert set(dataset.connection_pks()) <= live  # the items that shifted onto page 2 were not lost
    deleted = {
        pk
        for (pk,) in db_rows(db_path, "SELECT pk FROM user_source_connections WHERE deleted_at IS NOT NULL")
    }
    assert deleted <= set(removed)  # no false deletion
    if mode == "retrieve":  # retrieving them answers 404 at once
        assert result.deleted == 2 and deleted == set(removed)
    else:  # listed before they were deleted: a snapshot, corrected by the next run
        assert result.deleted == 0
        sim.faults = None
        assert run_sync(sim, db_path, mode=mode).deleted == 2
    lands_exactly(dataset, db_path)


def test_a_list_page_that_vanishes_mid_discovery_is_not_fatal(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=60, seed=19)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    pks = dataset.connection_pks()

    def shrink(page: int) -> None:
        if page == 2:
            for pk in pks[20:]:
                dataset.delete_connection(pk)

    sim.faults = Faults(on_list_page=shrink)
    # 40 of 60 is over the deletion guard's limit: a real mass removal needs the override.
    result = run_sync(sim, db_path, page_size=10, concurrency=1, allow_mass_delete=True)
    assert result.status == "succeeded"
    lands_exactly(dataset, db_path)
    assert result.deleted == 40


def test_token_revoked_mid_run_aborts_and_applies_nothing(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=150, seed=20)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    before = db_rows(db_path, "SELECT * FROM user_source_connections ORDER BY pk")
    dataset.update_source("etl-ldap", enabled=False)
    sim.faults = Faults(revoke_token_after=40)
    with pytest.raises(AuthError):
        run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT * FROM user_source_connections ORDER BY pk") == before
    assert db_rows(db_path, "SELECT enabled FROM sources WHERE slug = 'etl-ldap'") == [(True,)]
    [(status, error)] = db_rows(
        db_path, "SELECT status, error FROM sync_runs ORDER BY started_at DESC LIMIT 1"
    )
    assert status == "failed" and "refused the token" in error


def test_twenty_percent_transient_faults_over_5000_connections_load_exactly(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=5000, seed=21)
    kinds = ("429", "500", "502", "503", "504", "reset", "invalid_json", "html200", "truncated")
    sim = simulator(dataset, faults=Faults(rate=0.2, kinds=kinds, seed=5))
    result = run_sync(sim, db_path, max_attempts=12, concurrency=8)
    assert result.status == "succeeded", result.error
    assert result.retries >= 500
    lands_exactly(dataset, db_path)
    sources = db_rows(
        db_path, "SELECT pk::VARCHAR, name, enabled, user_matching_mode FROM sources ORDER BY 1"
    )
    assert sources == sorted(
        (s["pk"], s["name"], s["enabled"], s["user_matching_mode"]) for s in dataset.sources()
    )


def test_token_revoked_just_before_the_sources_listing_still_aborts(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=30, seed=22)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    before = db_rows(db_path, "SELECT * FROM sources ORDER BY pk")
    dataset.update_source("etl-ldap", enabled=False)
    # 1 list page + 30 retrieves succeed; the sources listing that follows meets a revoked token.
    sim.faults = Faults(revoke_token_after=sim.stats["requests"] + 31)
    with pytest.raises(AuthError, match="Token invalid/expired"):
        run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT * FROM sources ORDER BY pk") == before
