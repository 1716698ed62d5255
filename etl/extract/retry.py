"""The one retry policy, declared as data, executed by tenacity.

What is retried is decided by the error classes of `errors.py` (the client classifies every
response once): only `RetriableApiError` is retried. How long to wait: the server's
`Retry-After` when it gives a usable one (capped), otherwise jittered exponential backoff.
How long in all: at most `max_attempts` attempts and `deadline` seconds per request.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import TypeVar

import tenacity

from authentik_etl.core.errors import ApiError, RetriableApiError

T = TypeVar("T")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header; None when there is no usable hint.

    "0", negative numbers, garbage and dates in the past all mean "no hint".
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until_http_date(value, time.time() if now is None else now)
    if seconds is None or seconds != seconds or seconds <= 0:  # NaN, zero, negative
        return None
    return seconds


def _seconds_until_http_date(value: str, now: float) -> float | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return when.timestamp() - now


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    initial_wait: float = 0.5
    max_wait: float = 30.0
    exp_base: float = 2.0
    jitter: float = 0.5
    retry_after_cap: float = 60.0
    deadline: float = 300.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def wait_seconds(self, attempt: int, error: BaseException | None) -> float:
        """Wait before attempt `attempt + 1`, after `attempt` failed with `error`."""
        hint = getattr(error, "retry_after", None)
        if hint is not None and hint > 0:
            return min(hint, self.retry_after_cap)
        backoff = self.initial_wait * self.exp_base ** (attempt - 1)
        return min(backoff, self.max_wait) + self.rng.uniform(0, self.jitter)

    def retrying(
        self,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[BaseException, int, float], None] | None = None,
    ) -> tenacity.Retrying:
        def before_sleep(state: tenacity.RetryCallState) -> None:
            if on_retry is not None and state.outcome is not None and state.next_action:
                on_retry(state.outcome.exception(), state.attempt_number, state.next_action.sleep)

        return tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(RetriableApiError),
            stop=tenacity.stop_after_attempt(self.max_attempts) | tenacity.stop_after_delay(self.deadline),
            wait=lambda state: self.wait_seconds(
                state.attempt_number, state.outcome.exception() if state.outcome else None
            ),
            sleep=sleep,
            before_sleep=before_sleep,
            reraise=True,
        )

    def call(
        self,
        fn: Callable[[], T],
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[BaseException, int, float], None] | None = None,
    ) -> tuple[T, int]:
        """Run fn under the policy; return its result and the number of attempts it took.

        The first attempt runs bare (building a tenacity.Retrying costs ~18 µs, paid on every
        request otherwise); after a retriable failure, tenacity takes over with that failure
        as attempt 1, so the policy's waits, stops and callbacks are exactly the same.
        """
        try:
            return fn(), 1
        except RetriableApiError as error:
            first: RetriableApiError | None = error

        def attempt() -> T:
            nonlocal first
            if first is not None:
                error, first = first, None
                raise error
            return fn()

        retrying = self.retrying(sleep=sleep, on_retry=on_retry)
        try:
            result = retrying(attempt)
        except ApiError as exc:
            exc.attempts = retrying.statistics.get("attempt_number", 1)
            raise
        return result, retrying.statistics.get("attempt_number", 1)
