"""A model server for the concurrency seeker: a fake clock, a throughput curve, every request kept in flight.

`serve(seeker, curve, answers)` answers `answers` requests, keeping `seeker.current` in flight; with n in
flight each request takes n / curve(n) seconds (Little's law), times a random factor when `jitter` is set.
It returns the answers per second over the whole run and the levels in flight, answer by answer.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable

from authentik_etl.extract.seeking import START, SeekPolicy, ThroughputSeeker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def server_curve(cores: float, contention: float, per_request: float = 0.05) -> Callable[[int], float]:
    """Answers per second with n in flight: rising to `cores`, then falling by `contention` per extra one
    (a real server's workers and database competing for its cores)."""

    def curve(n: int) -> float:
        if n <= cores:
            return n / per_request
        return cores / per_request / (1 + contention * (n - cores))

    return curve


def serve(
    curve: Callable[[int], float],
    answers: int,
    *,
    maximum: int = 8,
    start: int = START,
    jitter: float = 0.0,
    seed: int = 0,
    policy: SeekPolicy | None = None,
) -> tuple[ThroughputSeeker, float, list[int]]:
    clock, rng = Clock(), random.Random(seed)
    seeker = ThroughputSeeker(maximum, start=start, policy=policy, clock=clock)
    pending: list[tuple[float, float]] = []  # (answer time, start time)
    levels: list[int] = []
    for _ in range(answers):
        while len(pending) < seeker.current:
            n = seeker.current
            took = n / curve(n) * (rng.uniform(1 - jitter, 1 + jitter) if jitter else 1.0)
            seeker.started()
            heapq.heappush(pending, (clock.now + took, clock.now))
        done, began = heapq.heappop(pending)
        clock.now = done
        seeker.record(done - began)
        levels.append(seeker.current)
    return seeker, answers / clock.now, levels
