"""`--concurrency auto`: hold the number of requests in flight that gets the most answers
per second, found and re-checked while the sync runs.

A server's answers per second rise with the requests in flight until its cores are busy, then stay
flat or fall (its workers and its database compete for the cores). Where that peak lies depends on
the server and on what else runs beside it (measured on real servers: 4-8 in flight on one, 1-2 on
another, and 1 when it has a single core), so no fixed number suits every server. The seeker climbs a
ladder of levels (1, 2, 3, 4, 6, 8, ...): it measures answers per second for an epoch (enough answers
for a steady figure) at its home level, then at the next level up and down; it moves home where the
rate is higher (up only when clearly higher, down when not lower: fewer in flight for the same rate is
kinder to the server), keeps climbing in that direction, and after a few epochs at home tries the
neighbours again, since the server's load changes through the night. An epoch in which the fetch did
not keep the level busy (waiting for a page, the last few ids), or kept more in flight (a listing of
users walks its pages at the level in force when it started), measured something else than the
level, and is not compared. Two 429s, 503s or failed connections in one epoch move home down a rung
at once (one alone is a worker recycling, as gunicorn's do every ~1,000 requests).
"""

from __future__ import annotations

import bisect
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from authentik_etl.core.settings import AUTO_CONCURRENCY_MAXIMUM

log = logging.getLogger(__name__)
LADDER = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
START = 4  # the level it starts from: good on both real servers measured, never far from their best


@dataclass(frozen=True)
class SeekPolicy:
    """How long an epoch lasts and how sure a move must be (as data: tested branch by branch)."""

    min_answers: int = 16  # an epoch lasts at least this many answers ...
    answers_per_level: int = 4  # ... and this many per request in flight ...
    min_seconds: float = 1.0  # ... and this long
    gain: float = 0.05  # a level up must answer this much more per second to become home ...
    tie: float = 0.02  # ... a level down at most this much less
    hold_epochs: int = 4  # epochs at home before the neighbours are tried again ...
    hold_growth: int = 8  # ... twice as many after each round that moved nothing, up to this many times
    busy: float = 0.8  # an epoch counts only where requests in flight averaged this share of the level,
    over: float = 0.1  # and at most this share above it (a listing that keeps the pages it started with)


class ThroughputSeeker:
    """The number of requests allowed in flight (`current`); told when each starts and ends. Thread-safe."""

    def __init__(
        self,
        maximum: int = AUTO_CONCURRENCY_MAXIMUM,
        *,
        start: int = START,
        policy: SeekPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.maximum = maximum
        self.rungs = [level for level in LADDER if level < maximum] + [maximum]
        self.policy = policy or SeekPolicy()
        self._clock = clock
        self._lock = threading.Lock()
        self.home = _rung_of(self.rungs, start)
        self.rates: dict[int, float] = {}  # answers per second last measured at each level
        self.phases: list[dict[int, float]] = []  # the rates of each earlier phase (see reset)
        self.moves = 0
        self.peak = self.rungs[self.home]
        self.baseline: float | None = None  # the fastest answer seen (for the log line)
        self._probe: int | None = None  # the rung being tried, None while measuring home
        self._tried: set[int] = set()  # neighbours tried in this round
        self._held = self._hold = 0  # epochs at home since the last round, and how many to hold
        self._moved = False  # in this round
        self._in_flight = 0
        self._begin_epoch(self._clock(), self.current)

    @property
    def current(self) -> int:
        return self.rungs[self._active]

    @property
    def _active(self) -> int:
        """The rung in use: the one being tried, or home."""
        return self.home if self._probe is None else self._probe

    @property
    def held(self) -> int:
        """The level it holds between tries (where it settled, at the end of a run)."""
        return self.rungs[self.home]

    def reset(self) -> None:
        """Other requests from now on (users after connections cost the server differently): forget
        the rates measured, keep the home level, and try its neighbours again after one epoch."""
        with self._lock:
            if self.rates:
                self.phases.append(dict(self.rates))
            self.rates.clear()
            self._probe, self._tried, self._moved = None, set(), False
            self._held = self._hold = 0
            self._begin_epoch(self._clock(), self.current)

    def started(self) -> None:
        with self._lock:
            self._advance(self._clock())
            self._in_flight += 1

    def record(self, seconds: float, *, overloaded: bool = False) -> None:
        """One answer (or failure) that took `seconds`; `overloaded` for 429, 503 and resets."""
        with self._lock:
            now = self._clock()
            self._advance(now)
            self._in_flight = max(0, self._in_flight - 1)
            self.baseline = seconds if self.baseline is None else min(self.baseline, seconds)
            if overloaded:
                self._overloads += 1
                if self._overloads >= 2:  # one reset is a worker recycling, not an overloaded server
                    self._back_off(now)
                return
            if self._skip > 0:  # answers to requests sent before this epoch's level took hold
                self._skip -= 1
                if self._skip == 0:
                    self._first = now
                    self._area = 0.0
                return
            self._answers += 1
            self._waited += seconds
            if self._epoch_done(now):
                self._conclude(now)

    # -- epochs -------------------------------------------------------------------------------------
    def _begin_epoch(self, now: float, previous: int) -> None:
        self._skip = max(previous, self.current)
        self._answers = self._overloads = 0
        self._waited = 0.0  # the counted answers' latencies, summed
        self._first = self._seen = now
        self._area = 0.0  # requests in flight integrated over time, from the first counted answer

    def _advance(self, now: float) -> None:
        self._area += self._in_flight * (now - self._seen)
        self._seen = now

    def _epoch_done(self, now: float) -> bool:
        p = self.policy
        need = max(p.min_answers, p.answers_per_level * self.current)
        return self._answers >= need and now - self._first >= p.min_seconds

    def _conclude(self, now: float) -> None:
        level, in_flight = self.current, self._area / (now - self._first)
        p = self.policy
        if p.busy * level <= in_flight <= (1 + p.over) * level and self._waited > 0:
            # Little's law: answers per second = requests in flight / seconds per answer. Steadier
            # than counting answers over a short epoch (answers come in bunches of `level`).
            self.rates[level] = in_flight * self._answers / self._waited
            self._decide()
            log.debug("concurrency auto: %d in flight answered %.1f/s; next %d (home %d)", level,
                      self.rates[level], self.current, self.held)  # fmt: skip
        self._begin_epoch(now, level)

    # -- moves --------------------------------------------------------------------------------------
    def _decide(self) -> None:
        if self._probe is None:
            self._held += 1
            if self._held >= self._hold:
                self._tried, self._moved = set(), False
                self._try_neighbour()
            return
        probe, home = self._probe, self.home
        here, there = self.rates[self.rungs[home]], self.rates[self.rungs[probe]]
        p = self.policy
        better = there > here * (1 + p.gain) if probe > home else there >= here * (1 - p.tie)
        self._probe = None
        self._tried.add(probe)
        if better:
            self._move(probe)
            self._tried = {home}  # the rung just left is worse: keep going the same way
        self._try_neighbour()

    def _try_neighbour(self) -> None:
        for rung in (self.home - 1, self.home + 1):  # down first: too many in flight costs the most
            if 0 <= rung < len(self.rungs) and rung not in self._tried:
                self._probe = rung
                return
        # Both neighbours tried (or none): hold home, then try again; twice as long each round that
        # moved nothing (a settled server), back to the start after a move.
        p = self.policy
        quiet = not self._moved and self._hold > 0
        self._hold = min(self._hold * 2, p.hold_epochs * p.hold_growth) if quiet else p.hold_epochs
        self._held = 0

    def _move(self, rung: int) -> None:
        self.home, self.moves, self._moved = rung, self.moves + 1, True
        self.peak = max(self.peak, self.rungs[rung])

    def _back_off(self, now: float) -> None:
        level = self.current
        self._move(max(0, self._active - 1))
        self._probe, self._held = None, 0
        self._begin_epoch(now, level)


def _rung_of(rungs: list[int], level: int) -> int:
    return max(0, bisect.bisect_right(rungs, level) - 1)
