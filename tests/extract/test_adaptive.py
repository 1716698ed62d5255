"""--adaptive-concurrency: AIMD branch by branch, then against a simulator with few workers."""

from __future__ import annotations

import pytest
from conftest import db_rows, run_sync

from authentik_etl.extract.adaptive import AimdLimit
from authentik_etl.simulator import Dataset


def test_answers_at_the_baseline_add_about_one_per_round_up_to_the_maximum() -> None:
    limit = AimdLimit(8)
    for _ in range(4):  # +1/limit per answer: 1 -> 2 -> 2.5 -> 2.9 -> 3.2
        limit.record(0.020)
    assert limit.current == 3
    for _ in range(200):
        limit.record(0.020)
    assert limit.current == 8 and limit.peak == 8


def test_429_503_or_a_reset_halves_it_once_per_round() -> None:
    limit = AimdLimit(16, start=16)
    limit.record(0.020)
    for _ in range(16):
        limit.record(0.020)
    limit.record(0.5, overloaded=True)
    assert limit.current == 8
    limit.record(0.5, overloaded=True)  # same round: the same crowded server, no second cut
    assert limit.current == 8
    for _ in range(8):
        limit.record(0.5, overloaded=True)
    assert limit.current == 4


def test_latency_rising_past_the_tolerance_eases_it_off() -> None:
    limit = AimdLimit(16, start=10)
    for _ in range(10):
        limit.record(0.020)
    before = limit.limit
    limit.record(0.020 * 1.5 + 0.004)  # within tolerance + noise: still growing
    grown = limit.limit
    assert grown > before
    limit.record(0.100)  # five times the fastest: the server queues
    assert limit.limit == pytest.approx(grown * 0.9)
    for _ in range(limit.current - 1):  # the rest of that round: no further cut
        limit.record(0.100)
    assert limit.limit == pytest.approx(grown * 0.9)
    limit.record(0.100)  # a new round, still slow
    assert limit.limit == pytest.approx(grown * 0.81)


def test_it_never_goes_below_one() -> None:
    limit = AimdLimit(4)
    for _ in range(50):
        limit.record(1.0, overloaded=True)
    assert limit.current == 1


def test_sync_finds_the_workers_of_a_small_server_and_records_it(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=300, seed=4)
    sim = simulator(dataset, latency=0.02, workers=2)
    result = run_sync(sim, db_path, concurrency=16, adaptive=True)
    assert result.status == "succeeded" and result.fetched == 300
    # 2 workers at 20 ms: past 2-3 in flight answers only queue, so the limit stays well under 16
    assert result.concurrency is not None and 1 <= result.concurrency <= 6
    assert db_rows(db_path, "SELECT concurrency FROM sync_runs") == [(result.concurrency,)]
    assert db_rows(db_path, "SELECT count(*) FROM user_source_connections") == [(300,)]


def test_without_it_the_run_records_the_configured_concurrency(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=20, seed=4))
    assert run_sync(sim, db_path, concurrency=3).concurrency == 3
    assert db_rows(db_path, "SELECT concurrency FROM sync_runs") == [(3,)]
