"""`--max-rps`: a hard ceiling on requests per second, shared by every fetch thread.

Requests get evenly spaced slots (one every 1/max_rps seconds, no bursts), so in any window of
W seconds at most W * max_rps + 1 requests start, retries included: the client asks for a slot
before every attempt. Meant for a shared authentik where the sync must never take more than its
share; without it the sync is bounded only by `--concurrency`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from authentik_etl.core.settings import check_max_rps


class Pacer:
    """Hands out request start times `interval` apart; thread-safe."""

    def __init__(
        self,
        max_rps: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        check_max_rps(max_rps)
        self.max_rps = max_rps
        self.interval = 1.0 / max_rps
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = float("-inf")

    def wait(self) -> float:
        """Block until this caller's slot comes; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next)
            self._next = slot + self.interval
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay
