"""The HTTP boundary: one urllib3 connection pool, and every response classified once.

`AuthentikClient.get_json(path)` returns the decoded JSON body of a 200 answer or raises one of
the `ApiError` classes; nothing above this module looks at status codes or headers.
The token is set once as a header; redirects are never followed, so it cannot leave the
configured origin; `.netrc` is never read.

Why urllib3 and not requests (which is built on it): measured by `make bench`, a request costs
about 310 us of CPU through a bare urllib3 pool against 650-900 us through requests.Session,
which halves the client's ceiling at 0 ms latency (the GIL makes that CPU the limit).
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies, proxy_bypass

import urllib3
from pydantic_core import from_json
from urllib3.exceptions import (
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    SSLError,
)
from urllib3.exceptions import (
    TimeoutError as Urllib3Timeout,
)

from authentik_etl import __version__
from authentik_etl.core.config import API_PREFIX
from authentik_etl.core.errors import (
    ApiError,
    AuthError,
    FatalApiError,
    NotFoundError,
    RetriableApiError,
)
from authentik_etl.extract.adaptive import Limit
from authentik_etl.extract.pacing import Pacer
from authentik_etl.extract.retry import parse_retry_after

RETRIABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REQUEST_ID_HEADER = "x-authentik-id"
MIN_REDACTED_TOKEN = 16
TOKEN_HINT = (
    "check AUTHENTIK_TOKEN (is it expired?) and that its user may view sources and user-source connections"
)
PERMISSION_HINT = "the token is valid, but its user lacks the permission to read this"  # 403, valid token


class AuthentikClient:
    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        pool_size: int = 4,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        ca_bundle: str | None = None,
        user_agent: str = f"authentik-etl/{__version__}",
        pacer: Pacer | None = None,
        limit: Limit | None = None,
    ) -> None:
        self.api_root = base_url.rstrip("/") + API_PREFIX
        self._token = token
        self._pacer = pacer
        self._limit = limit  # told of every request and answer (adaptive concurrency)
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "User-Agent": user_agent}
        self.pool = make_pool(
            self.api_root,
            headers=headers,
            pool_size=pool_size,
            timeout=urllib3.Timeout(connect=connect_timeout, read=timeout),
            ca_bundle=ca_bundle or _env_ca_bundle(),
        )
        self.status_counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def close(self) -> None:
        self.pool.clear()

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET api_root + path; the parsed JSON of a 200 answer, or an ApiError."""
        url = self.api_root + path
        target = f"{url}?{urlencode(params)}" if params else url
        if self._pacer is not None:
            self._pacer.wait()
        if self._limit is not None:
            self._limit.started()
        start = time.monotonic()
        try:
            response = self.pool.request("GET", target, redirect=False, retries=False)
        except MaxRetryError as exc:  # not raised with retries=False, but keep its reason if it is
            self._observe(start, overloaded=True)
            raise self._transport_error(exc.reason or exc, url) from None
        except HTTPError as exc:
            self._observe(start, overloaded=True)
            raise self._transport_error(exc, url) from None
        self._observe(start, overloaded=response.status in (429, 503))
        self._count(str(response.status))
        return self._classify(response.status, response.headers, response.data, url)

    def _transport_error(self, exc: BaseException, url: str) -> ApiError:
        if isinstance(exc, SSLError):
            self._count("tls")
            return FatalApiError(
                f"TLS verification failed: {_short(exc)}; use --ca-bundle for a private CA", path=url
            )
        if isinstance(exc, Urllib3Timeout) and not isinstance(exc, NewConnectionError):
            self._count("timeout")
            return RetriableApiError("authentik did not answer in time", path=url)
        self._count("connection")
        return RetriableApiError(f"connection failed: {_short(exc)}", path=url)

    def _observe(self, start: float, *, overloaded: bool) -> None:
        if self._limit is not None:
            self._limit.record(time.monotonic() - start, overloaded=overloaded)

    def _count(self, key: str) -> None:
        with self._lock:
            self.status_counts[key] += 1

    def _classify(self, status: int, headers: Mapping[str, str], body: bytes, path: str) -> Any:
        rid = headers.get(REQUEST_ID_HEADER)
        if status == 200:
            return self._decode(headers, body, path, rid)
        detail = self._redact(_detail(body))
        if status in RETRIABLE_STATUSES:
            hint = parse_retry_after(headers.get("Retry-After"))
            raise RetriableApiError(
                f"authentik is busy or failing{detail}",
                path=path,
                status=status,
                request_id=rid,
                retry_after=hint,
            )
        if status in (401, 403):
            raise AuthError(
                f"authentik denied the token's user{detail}: {PERMISSION_HINT}"
                if "permission" in detail.lower()
                else f"authentik refused the token{detail}: {TOKEN_HINT}",
                path=path,
                status=status,
                request_id=rid,
                detail=detail,
            )
        if status == 404:
            raise NotFoundError(f"not found{detail}", path=path, status=status, request_id=rid)
        if 300 <= status < 400:
            target = headers.get("Location", "?")
            raise FatalApiError(
                f"authentik answered a redirect to {target}: set AUTHENTIK_URL to the final address",
                path=path,
                status=status,
                request_id=rid,
            )
        raise FatalApiError(f"unexpected answer{detail}", path=path, status=status, request_id=rid)

    def _decode(self, headers: Mapping[str, str], body: bytes, path: str, rid: str | None) -> Any:
        ctype = headers.get("Content-Type", "")
        if "json" not in ctype:
            raise RetriableApiError(
                f"unreadable body: expected JSON, got {ctype or 'no content type'}",
                path=path,
                status=200,
                request_id=rid,
            )
        try:
            # pydantic-core's parser: half json.loads's CPU per body (bench/micro_costs.py)
            return from_json(self._redact(body.decode("utf-8")))
        except ValueError as exc:  # UnicodeDecodeError is one too
            kind = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "invalid JSON"
            raise RetriableApiError(
                f"unreadable body: {kind}",
                path=path,
                status=200,
                request_id=rid,
            ) from None

    def _redact(self, text: str) -> str:
        """A body that echoes the token (a broken proxy?) must not carry it into the database.

        Only tokens of a realistic length are scrubbed: replacing a very short one could cut
        through the JSON's own structure.
        """
        if len(self._token) >= MIN_REDACTED_TOKEN and self._token in text:
            return text.replace(self._token, "[REDACTED]")
        return text


def make_pool(
    url: str,
    *,
    headers: Mapping[str, str],
    pool_size: int,
    timeout: urllib3.Timeout,
    ca_bundle: str | None = None,
) -> urllib3.PoolManager:
    """A pool for `url`'s origin: TLS verified always, the environment's proxy read once."""
    options: dict[str, Any] = {
        "num_pools": 2,
        "maxsize": max(pool_size, 1),
        "headers": dict(headers),
        "timeout": timeout,
        "retries": False,
        "cert_reqs": "CERT_REQUIRED",
    }
    if ca_bundle:
        options["ca_certs"] = ca_bundle
    proxy = _proxy_for(url)
    return urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)


def _proxy_for(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.hostname is None or proxy_bypass(parts.hostname):
        return None
    return getproxies().get(parts.scheme)


def _env_ca_bundle() -> str | None:
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or None


def _detail(body: bytes) -> str:
    """authentik's `{"detail": ...}` message, if the body has one, as ': <detail>'."""
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(parsed, dict) and isinstance(parsed.get("detail"), str):
        return f": {parsed['detail'][:200]}"
    return ""


def _short(exc: BaseException) -> str:
    """The root cause of a transport error, e.g. '[Errno 111] Connection refused'."""
    reason: object = exc
    while True:
        inner = getattr(reason, "reason", None) or (reason.args[0] if getattr(reason, "args", None) else None)
        if not isinstance(inner, BaseException) or inner is reason:
            break
        reason = inner
    text = str(reason).splitlines()[0] if str(reason) else type(reason).__name__
    if "Failed to establish a new connection: " in text:
        text = text.split("Failed to establish a new connection: ", 1)[1]
    return text.rstrip("')\"")[:200]


__all__ = ["ApiError", "AuthentikClient"]
