"""Before anything is written: is it authentik that answers at the base URL, and which release?

`GET /api/v3/admin/version/` is readable by any valid token (authentik's `IsAuthenticated`), so one
call tells apart a wrong address (404, an HTML page, some other JSON), a refused token (403) and a
server that is down or restarting (retried under the one policy, said on the way, named at the end).
"""

from __future__ import annotations

import logging
import threading
import time

from authentik_etl.core.errors import ApiError, AuthError, ConfigError, InterruptedRun, RetriableApiError
from authentik_etl.extract.client import AuthentikClient
from authentik_etl.extract.retry import RetryPolicy

log = logging.getLogger(__name__)
VERSION_PATH = "/admin/version/"
URL_HINT = (
    "--url (AUTHENTIK_URL) is authentik's base address, such as https://auth.example.com, "
    "without /api/v3 or /if/admin/"
)


class NotAuthentik(ConfigError):
    """The base URL answers, but not as authentik's API does (exit 2)."""


def probe(client: AuthentikClient, policy: RetryPolicy, cancel: threading.Event | None = None) -> str:
    """authentik's release at the client's base URL; raises NotAuthentik, AuthError, or a
    RetriableApiError naming how long and how often an unreachable server was tried."""
    stop = cancel or threading.Event()
    url = client.api_root + VERSION_PATH
    started = time.monotonic()

    def sleep(seconds: float) -> None:
        if stop.wait(seconds):
            raise InterruptedRun("interrupted: nothing applied")

    def on_retry(error: BaseException, attempt: int, wait_s: float) -> None:
        log.warning(
            "no answer from authentik yet (%s): retrying in %.1f s (attempt %d of %d)",
            getattr(error, "reason", error), wait_s, attempt + 1, policy.max_attempts,
        )  # fmt: skip

    try:
        body, _ = policy.call(lambda: client.get_json(VERSION_PATH), sleep=sleep, on_retry=on_retry)
    except AuthError:
        raise
    except RetriableApiError as exc:
        if exc.status == 200:  # an answer, but not JSON: a web page
            raise NotAuthentik(_not_authentik(url, "an answer that is not JSON (a web page?)")) from None
        seconds = time.monotonic() - started
        raise RetriableApiError(
            f"{exc.reason}; tried {exc.attempts} times over {seconds:.0f} s: authentik may be down or "
            f"restarting, or {URL_HINT}",
            path=exc.path,
            status=exc.status,
            request_id=exc.request_id,
        ) from None
    except ApiError as exc:
        if exc.status is not None and 300 <= exc.status < 400:
            raise  # a redirect names its own fix: the final address

        got = f"HTTP {exc.status}" if exc.status else exc.reason
        raise NotAuthentik(_not_authentik(url, got)) from None
    version = body.get("version_current") if isinstance(body, dict) else None
    if not isinstance(version, str):
        raise NotAuthentik(_not_authentik(url, "JSON without authentik's version fields"))
    return version[:40]


def _not_authentik(url: str, got: str) -> str:
    return f"no authentik API answers there: GET {url} gave {got}. {URL_HINT}"
