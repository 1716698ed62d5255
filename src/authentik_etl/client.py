"""The HTTP boundary: one pooled session, and every response classified once.

`AuthentikClient.get_json(path)` returns the decoded JSON body of a 200 answer or raises one of
the `ApiError` classes; nothing above this module looks at status codes or headers.
The token is set once as a header; redirects are never followed, so it cannot leave the
configured origin; `.netrc` and environment credentials are ignored.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from authentik_etl import __version__
from authentik_etl.errors import (
    ApiError,
    AuthError,
    FatalApiError,
    NotFoundError,
    RetriableApiError,
)
from authentik_etl.retry import parse_retry_after

API_PREFIX = "/api/v3"
RETRIABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REQUEST_ID_HEADER = "x-authentik-id"
MIN_REDACTED_TOKEN = 16
TOKEN_HINT = (
    "check AUTHENTIK_TOKEN (is it expired?) and that its user may view sources and user-source connections"
)


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
    ) -> None:
        self.api_root = base_url.rstrip("/") + API_PREFIX
        self.timeout = (connect_timeout, timeout)
        self._token = token
        self.session = requests.Session()
        # trust_env=False: no .netrc (it must never replace our token), no per-request environment
        # look-ups (a measurable cost); proxies and the CA bundle are read once, here.
        self.session.trust_env = False
        self.session.proxies = requests.utils.get_environ_proxies(self.api_root)
        self.session.verify = ca_bundle or _env_ca_bundle() or True
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=max(pool_size, 1), max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "User-Agent": user_agent,
            }
        )
        self.status_counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET api_root + path; the parsed JSON of a 200 answer, or an ApiError."""
        url = self.api_root + path
        try:
            response = self.session.get(url, params=params, timeout=self.timeout, allow_redirects=False)
            body = response.content
        except requests.Timeout:
            self._count("timeout")
            raise RetriableApiError("authentik did not answer in time", path=url) from None
        except requests.exceptions.SSLError as exc:
            self._count("tls")
            raise FatalApiError(
                f"TLS verification failed: {_short(exc)}; use --ca-bundle for a private CA", path=url
            ) from None
        except requests.RequestException as exc:
            self._count("connection")
            raise RetriableApiError(f"connection failed: {_short(exc)}", path=url) from None
        self._count(str(response.status_code))
        return self._classify(response, body, url)

    def _count(self, key: str) -> None:
        with self._lock:
            self.status_counts[key] += 1

    def _classify(self, response: requests.Response, body: bytes, path: str) -> Any:
        status = response.status_code
        rid = response.headers.get(REQUEST_ID_HEADER)
        if status == 200:
            return self._decode(response, body, path, rid)
        detail = self._redact(_detail(body))
        if status in RETRIABLE_STATUSES:
            hint = parse_retry_after(response.headers.get("Retry-After"))
            raise RetriableApiError(
                f"authentik is busy or failing{detail}",
                path=path,
                status=status,
                request_id=rid,
                retry_after=hint,
            )
        if status in (401, 403):
            raise AuthError(
                f"authentik refused the token{detail}: {TOKEN_HINT}",
                path=path,
                status=status,
                request_id=rid,
                detail=detail,
            )
        if status == 404:
            raise NotFoundError(f"not found{detail}", path=path, status=status, request_id=rid)
        if 300 <= status < 400:
            target = response.headers.get("Location", "?")
            raise FatalApiError(
                f"authentik answered a redirect to {target}: set AUTHENTIK_URL to the final address",
                path=path,
                status=status,
                request_id=rid,
            )
        raise FatalApiError(f"unexpected answer{detail}", path=path, status=status, request_id=rid)

    def _decode(self, response: requests.Response, body: bytes, path: str, rid: str | None) -> Any:
        ctype = response.headers.get("Content-Type", "")
        if "json" not in ctype:
            raise RetriableApiError(
                f"unreadable body: expected JSON, got {ctype or 'no content type'}",
                path=path,
                status=200,
                request_id=rid,
            )
        try:
            return json.loads(self._redact(body.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RetriableApiError(
                f"unreadable body: invalid JSON ({exc.__class__.__name__})",
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
