from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from authentik_etl.core.errors import AuthError, FatalApiError, NotFoundError, RetriableApiError
from authentik_etl.extract.retry import RetryPolicy, parse_retry_after

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Flaky:
    """Fails with the given errors, in order, then returns 'ok'."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def policy(**kw) -> RetryPolicy:
    return RetryPolicy(rng=random.Random(7), **kw)


def test_retriable_errors_are_retried_until_success_with_backoff() -> None:
    sleeps: list[float] = []
    fn = Flaky(RetriableApiError("503", status=503), RetriableApiError("reset"))
    result, attempts = policy(jitter=0).call(fn, sleep=sleeps.append)
    assert (result, attempts, fn.calls) == ("ok", 3, 3)
    assert sleeps == [0.5, 1.0]


def test_backoff_grows_exponentially_is_capped_and_jittered() -> None:
    p = policy(initial_wait=1, max_wait=5, jitter=0.5)
    waits = [p.wait_seconds(n, RetriableApiError("x")) for n in range(1, 6)]
    bases = [1, 2, 4, 5, 5]
    for wait, base in zip(waits, bases, strict=True):
        assert base <= wait <= base + 0.5
    assert len({round(w - b, 6) for w, b in zip(waits, bases, strict=True)}) > 1  # jitter varies


@pytest.mark.parametrize("error", [AuthError("403"), NotFoundError("404"), FatalApiError("400")])
def test_fatal_errors_are_never_retried(error: Exception) -> None:
    sleeps: list[float] = []
    fn = Flaky(error)
    with pytest.raises(type(error)):
        policy().call(fn, sleep=sleeps.append)
    assert fn.calls == 1 and sleeps == []


def test_gives_up_after_max_attempts_and_reports_them() -> None:
    sleeps: list[float] = []
    fn = Flaky(*[RetriableApiError("503", status=503) for _ in range(10)])
    with pytest.raises(RetriableApiError) as info:
        policy(max_attempts=3).call(fn, sleep=sleeps.append)
    assert fn.calls == 3 and len(sleeps) == 2 and info.value.attempts == 3


def test_gives_up_at_the_deadline() -> None:
    fn = Flaky(*[RetriableApiError("503") for _ in range(10)])
    with pytest.raises(RetriableApiError):
        policy(max_attempts=10, deadline=0.0).call(fn, sleep=lambda s: None)
    assert fn.calls == 1


def test_retry_after_hint_wins_over_backoff_and_is_capped() -> None:
    sleeps: list[float] = []
    fn = Flaky(RetriableApiError("429", retry_after=7.0), RetriableApiError("429", retry_after=86400.0))
    policy(retry_after_cap=60).call(fn, sleep=sleeps.append)
    assert sleeps == [7.0, 60.0]


def test_on_retry_is_told_error_attempt_and_wait() -> None:
    seen = []
    err = RetriableApiError("503")
    policy(jitter=0).call(Flaky(err), sleep=lambda s: None, on_retry=lambda e, n, w: seen.append((e, n, w)))
    assert seen == [(err, 1, 0.5)]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        ("1.5", 1.5),
        ("0", None),
        ("-3", None),
        ("garbage", None),
        ("", None),
        (None, None),
        ("nan", None),
        ("86400", 86400.0),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), None),
        ("Sun, 99 Foo 2026 00:00:00 GMT", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    got = parse_retry_after(header, now=NOW.timestamp())
    assert got == pytest.approx(expected) if expected is not None else got is None
