"""`--adaptive-concurrency`: find how many requests in flight the server takes, without overloading it.

Additive increase, multiplicative decrease (AIMD, as TCP's congestion control): each answered request
adds 1/limit to the limit (about +1 per round of `limit` requests); a 429, a 503 or a connection
failure halves it, and a latency above `tolerance` times the lowest seen (the server queueing
requests rather than working on them) takes a tenth off it, each at most once per round. The limit
stays between 1 and `--concurrency`; the run record keeps where it ended (`sync_runs.concurrency`).
"""

from __future__ import annotations

import threading
from typing import Protocol

BACKOFF = 0.5  # on 429, 503 or a failed connection
EASE = 0.9  # on a latency rising above tolerance x the baseline
TOLERANCE = 1.5
NOISE_SECONDS = 0.005  # latencies this close to the baseline are never "rising" (loopback jitter)


class Limit(Protocol):
    """What the client and the fetch need of an adaptive limit (AimdLimit, seeking.ThroughputSeeker)."""

    maximum: int
    peak: float | int
    baseline: float | None

    @property
    def current(self) -> int: ...  # requests allowed in flight now

    @property
    def held(self) -> int: ...  # where it settled

    def started(self) -> None: ...

    def reset(self) -> None: ...  # other requests from now on (another listing)

    def record(self, seconds: float, *, overloaded: bool = False) -> None: ...


class AimdLimit:
    """The current number of requests allowed in flight; fed every answer's latency, thread-safe."""

    def __init__(self, maximum: int, *, start: int = 1, tolerance: float = TOLERANCE) -> None:
        self.maximum = maximum
        self.limit = float(max(1, min(start, maximum)))
        self.tolerance = tolerance
        self.baseline: float | None = None
        self.peak = self.limit
        self._lock = threading.Lock()
        self._since_decrease = 0

    @property
    def current(self) -> int:
        return int(self.limit)

    @property
    def held(self) -> int:
        return self.current

    def started(self) -> None:
        """A request starts (the AIMD needs only the answers)."""

    def reset(self) -> None:
        """Other requests from now on: the AIMD keeps its limit and its fastest answer."""

    def record(self, seconds: float, *, overloaded: bool = False) -> None:
        """One answer (or failure) that took `seconds`; `overloaded` for 429, 503 and resets."""
        with self._lock:
            self._since_decrease += 1
            if overloaded:
                self._decrease(BACKOFF)
                return
            self.baseline = seconds if self.baseline is None else min(self.baseline, seconds)
            if seconds > self.baseline * self.tolerance + NOISE_SECONDS:
                self._decrease(EASE)
            else:
                self.limit = min(float(self.maximum), self.limit + 1.0 / self.limit)
                self.peak = max(self.peak, self.limit)

    def _decrease(self, factor: float) -> None:
        # At most once per round: the answers of one round all saw the same crowded server.
        if self._since_decrease >= self.current:
            self.limit = max(1.0, self.limit * factor)
            self._since_decrease = 0
