"""--concurrency auto: the throughput seeker branch by branch (a fake clock), then on model servers."""

from __future__ import annotations

from conftest import db_rows, run_sync
from hypothesis import given, settings
from hypothesis import strategies as st
from seekmodel import Clock, serve, server_curve

from authentik_etl.extract.seeking import SeekPolicy, ThroughputSeeker
from authentik_etl.simulator import Dataset

LEVELS = (1, 2, 3, 4, 6, 8)


def table(rates: dict[int, float]):
    """A server that answers `rates[n]` per second with n in flight (no noise)."""
    return lambda n: rates[n]


def epochs_at(levels: list[int]) -> list[int]:
    """The levels in the order they were held (runs of equal levels collapsed)."""
    return [run[0] for run in _runs(levels)]


def test_climbs_while_the_level_above_answers_clearly_more() -> None:
    seeker, _, levels = serve(server_curve(cores=8, contention=0.1), 2000)
    assert epochs_at(levels)[:4] == [4, 3, 6, 8]  # down first: too many in flight costs the most
    assert seeker.held == 8 and seeker.rates[8] > seeker.rates[6] > seeker.rates[4]


def test_stays_when_the_level_above_is_faster_by_less_than_the_gain() -> None:
    rates = {1: 40.0, 2: 60.0, 3: 80.0, 4: 100.0, 6: 103.0, 8: 103.0}  # 6 is 3% faster: not worth it
    seeker, _, levels = serve(table(rates), 1500)
    assert seeker.held == 4 and seeker.moves == 0
    assert 6 in levels and 3 in levels  # both neighbours were tried


def test_moves_down_where_fewer_in_flight_answer_as_many() -> None:
    seeker, _, levels = serve(table(dict.fromkeys(LEVELS, 50.0)), 1500)
    assert seeker.held == 1  # the same rate with one request in flight: kinder to the server
    assert epochs_at(levels)[:3] == [4, 3, 2]


def test_a_server_past_its_cores_is_brought_back_to_them() -> None:
    seeker, _, _ = serve(server_curve(cores=2, contention=0.3), 1500)
    assert seeker.held == 2 and seeker.moves == 2  # 4 -> 3 -> 2


def test_holds_longer_after_each_round_that_moved_nothing() -> None:
    policy = SeekPolicy(hold_epochs=2, hold_growth=4)
    rates = {1: 2.0, 2: 4.0, 3: 6.0, 4: 10.0, 6: 7.0, 8: 6.0}  # slow enough for epochs of 16 answers
    _, _, levels = serve(table(rates), 4000, policy=policy)
    held = [len(run) for run in _runs(levels) if run[0] == 4][1:-1]
    # epochs at home between rounds (16 answers each, after 4 answers to requests sent before it):
    # 2, 4, then 8, then no longer
    assert [round(n / 20) for n in held[:4]] == [2, 4, 8, 8]


def _runs(levels: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for level in levels:
        if runs and runs[-1][0] == level:
            runs[-1].append(level)
        else:
            runs.append([level])
    return runs


def test_an_epoch_that_did_not_keep_the_level_busy_is_not_compared() -> None:
    clock = Clock()
    seeker = ThroughputSeeker(8, clock=clock)
    for _ in range(200):  # one request at a time, though 4 are allowed: the fetch, not the server
        seeker.started()
        clock.now += 0.05
        seeker.record(0.05)
    assert seeker.rates == {} and seeker.current == 4 and seeker.moves == 0


def test_an_epoch_with_more_in_flight_than_the_level_is_not_compared() -> None:
    clock = Clock()
    seeker = ThroughputSeeker(8, clock=clock)
    for _ in range(6):  # a listing walking 6 pages at a time, whatever the level says
        seeker.started()
    for _ in range(300):
        clock.now += 0.01
        seeker.record(0.06)
        seeker.started()
    assert seeker.rates == {} and seeker.current == 4 and seeker.moves == 0


def test_other_requests_start_afresh_at_the_level_held() -> None:
    seeker, _, _ = serve(server_curve(cores=2, contention=0.3), 1500)
    assert seeker.held == 2 and seeker.rates
    before = dict(seeker.rates)
    seeker.reset()  # e.g. the users' listing after the connections
    assert seeker.rates == {} and seeker.current == 2 and seeker.held == 2
    assert seeker.phases == [before]  # kept for the log line


def test_one_failed_connection_is_not_overload_two_in_an_epoch_are() -> None:
    clock = Clock()
    seeker = ThroughputSeeker(8, clock=clock)
    seeker.started()
    seeker.record(0.1, overloaded=True)  # a worker recycling resets one connection
    assert seeker.current == 4
    seeker.started()
    seeker.record(0.1, overloaded=True)
    assert seeker.current == 3 and seeker.held == 3


def test_never_goes_past_its_maximum_or_below_one() -> None:
    seeker, _, levels = serve(server_curve(cores=64, contention=0.0), 1500, maximum=6)
    assert max(levels) == 6 and seeker.held == 6
    clock = Clock()
    seeker = ThroughputSeeker(8, start=1, clock=clock)
    for _ in range(10):
        seeker.started()
        seeker.record(0.1, overloaded=True)
    assert seeker.current == 1


@settings(max_examples=60, deadline=None)
@given(
    cores=st.integers(1, 8),
    contention=st.floats(0.0, 0.5),
    jitter=st.floats(0.0, 0.5),
    seed=st.integers(0, 1000),
)
def test_on_any_server_it_settles_where_the_server_is_fastest(
    cores: int, contention: float, jitter: float, seed: int
) -> None:
    # Answers per second rise to `cores` in flight and fall past it; each answer takes 0.1-0.8 s
    # times a random factor, as a real server's do. Over 3,000 answers (a night's per-id sync of the
    # real test servers) the seeker holds a level within 10% of the best and loses at most 15% to the
    # climb and the tries of neighbours.
    curve = server_curve(cores, contention, per_request=0.3)
    seeker, rate, _ = serve(curve, 3000, jitter=jitter, seed=seed)
    best = max(curve(level) for level in LEVELS)
    assert curve(seeker.held) >= 0.9 * best
    assert rate >= 0.85 * best


def test_a_sync_brings_a_busy_server_back_to_its_cores_and_records_it(simulator, db_path) -> None:
    # 15 ms a request on 2 cores, 30% slower per request past them: fastest with 2 in flight
    sim = simulator(Dataset.generate(connections=600, seed=4), latency=0.015, cores=2, contention=0.3)
    result = run_sync(sim, db_path, concurrency=8, auto_concurrency=True)
    assert result.status == "succeeded" and result.fetched == 600
    assert result.concurrency in (2, 3)  # started at 4
    assert db_rows(db_path, "SELECT concurrency FROM sync_runs") == [(result.concurrency,)]


def test_a_sync_climbs_on_a_server_with_cores_to_spare(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=1200, seed=4), latency=0.03, cores=8, contention=0.1)
    result = run_sync(sim, db_path, concurrency=8, auto_concurrency=True)
    assert result.status == "succeeded" and result.fetched == 1200
    assert result.concurrency is not None and result.concurrency >= 6
