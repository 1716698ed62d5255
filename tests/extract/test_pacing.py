"""--max-rps: evenly spaced request slots, shared by the fetch threads, and what the server sees."""

from __future__ import annotations

import threading

import pytest
from conftest import run_sync

from authentik_etl.core.errors import ConfigError
from authentik_etl.extract.pacing import Pacer
from authentik_etl.simulator import Dataset


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def test_an_idle_pacer_does_not_wait_and_a_busy_one_spaces_slots() -> None:
    clock = FakeClock()
    pacer = Pacer(10, clock=clock, sleep=clock.sleep)
    assert [pacer.wait() for _ in range(3)] == pytest.approx([0.0, 0.1, 0.2])
    assert clock.slept == pytest.approx([0.1, 0.2])


def test_time_spent_idle_is_not_saved_up_for_a_burst() -> None:
    clock = FakeClock()
    pacer = Pacer(2, clock=clock, sleep=clock.sleep)
    pacer.wait()
    clock.now += 60  # a minute without requests
    assert [pacer.wait() for _ in range(3)] == pytest.approx([0.0, 0.5, 1.0])


def test_threads_never_share_a_slot() -> None:
    clock = FakeClock()
    pacer = Pacer(1000, clock=clock, sleep=lambda _: None)
    delays: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            delay = pacer.wait()
            with lock:
                delays.append(delay)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slots = sorted(round(d * 1000) for d in delays)  # in units of the 1 ms interval
    assert slots == list(range(400))


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), 10_001])
def test_out_of_range_rates_are_refused(bad) -> None:
    with pytest.raises(ConfigError, match="--max-rps"):
        Pacer(bad)


def peak_in_window(arrivals: list[float], window: float) -> int:
    """The most requests the server saw start within any `window` seconds."""
    arrivals = sorted(arrivals)
    best, first = 0, 0
    for last, t in enumerate(arrivals):
        while t - arrivals[first] > window:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_sync_with_max_rps_never_exceeds_it_at_the_server(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=40, seed=2)
    sim = simulator(dataset)
    run_sync(sim, tmp_path / "unpaced.duckdb", concurrency=8)
    unpaced = sim.stats["arrivals"]
    assert peak_in_window(unpaced, 0.25) > 10  # without the cap the check below would fail

    sim = simulator(dataset)
    result = run_sync(sim, db_path, concurrency=8, max_rps=40)
    arrivals = sim.stats["arrivals"]
    assert result.status == "succeeded" and len(arrivals) >= 40
    # 40/s is one start every 25 ms: at most 10 (+1, +1 for network jitter) in any 250 ms
    assert peak_in_window(arrivals, 0.25) <= 12
    assert max(arrivals) - min(arrivals) >= (len(arrivals) - 1) / 40 * 0.9
