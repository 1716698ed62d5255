"""A small client for authentik's API, used by the suite to change the server (never by the tool).

Error messages carry the method, path, status and the start of an error body, never a header (the
token lives only in the session's Authorization header) and never a successful body (some hold keys).

authentik answers 405 to a POST, PATCH or DELETE whose view failed with an exception: its 500 error
page is a view that only allows GET, so the real status is hidden (the server log shows the 405 too).
"""

from __future__ import annotations

import re
from typing import Any

import requests

API_PREFIX = "/api/v3"
TIMEOUT = (10.0, 60.0)


class ApiCallFailed(AssertionError):
    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        self.status = status
        hint = (
            " (authentik's 405 on a write is often a hidden 500)" if status == 405 and method != "GET" else ""
        )
        super().__init__(f"{method} {API_PREFIX}{path} answered HTTP {status}{hint}: {body[:300]!r}")


class Api:
    def __init__(self, base_url: str, token: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = requests.Session()
        self._session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})

    def __repr__(self) -> str:
        return f"Api({self.base_url!r})"

    def close(self) -> None:
        self._session.close()

    def call(self, method: str, path: str, body: Any = None, *, expect: tuple[int, ...] = (200,)) -> Any:
        """Send one request to `/api/v3{path}` (path with its trailing slash); the parsed JSON body."""
        assert path.startswith("/") and path.split("?")[0].endswith("/"), path
        response = self._session.request(
            method, self.base_url + API_PREFIX + path, json=body, timeout=TIMEOUT
        )
        if response.status_code not in expect:
            text = response.text if response.status_code >= 400 else "(body not shown)"
            raise ApiCallFailed(method, path, response.status_code, text)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: Any) -> Any:
        return self.call("POST", path, body, expect=(200, 201))

    def patch(self, path: str, body: Any) -> Any:
        return self.call("PATCH", path, body)

    def delete(self, path: str) -> None:
        self.call("DELETE", path, expect=(204,))

    def release(self) -> str:
        """The server's version, e.g. "2025.12.4"."""
        version = self.get("/admin/version/")["version_current"]
        assert isinstance(version, str)
        return version


def release_at_least(release: str, year: int, month: int) -> bool:
    parts = [int(p) for p in re.findall(r"[0-9]+", release)[:2]]
    assert len(parts) == 2, f"cannot read the release {release!r}"
    return (parts[0], parts[1]) >= (year, month)


def writable_on_create(api: Api, path: str, *fields: str) -> bool:
    """True when the endpoint's create (POST) accepts every one of `fields` (OPTIONS metadata)."""
    actions = api.call("OPTIONS", path).get("actions", {})
    post = actions.get("POST", {})
    return all(name in post and not post[name].get("read_only", False) for name in fields)
