"""Routing, authentication, pagination and faults: one request in, one planned Reply out."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from typing import Any
from urllib.parse import parse_qsl

from . import pages, sourcetypes
from .data import Dataset
from .faults import REPLACING, FaultPlan, Faults
from .reply import ALLOW_DETAIL, ALLOW_LIST, HTML, Reply, detail
from .scopes import FULL, Scope

API = "/api/v3/"
LIST = "/api/v3/sources/user_connections/all/"
SOURCES = "/api/v3/sources/all/"
VERSION = "/api/v3/admin/version/"  # readable by any valid token (IsAuthenticated)
USERS = "/api/v3/core/users/"
GROUPS = "/api/v3/core/groups/"
GROUP_CONNECTIONS = "/api/v3/sources/group_connections/all/"  # 2025.4 on
PAGED_KINDS = {USERS: "users", GROUPS: "groups", GROUP_CONNECTIONS: "group_connections"}
TYPE_LISTS = {f"/api/v3/sources/{kind}/": kind for kind in sourcetypes.TYPES}
NOT_PROVIDED = "Authentication credentials were not provided."
NO_PERMISSION = "You do not have permission to perform this action."
INVALID_TOKEN = "Token invalid/expired"
BAD_USER = "Select a valid choice. That choice is not one of the available choices."
PAGINATION = (
    '{"pagination":{"next":%d,"previous":%d,"count":%d,"current":%d,"total_pages":%d,'
    '"start_index":%d,"end_index":%d},"results":['
)


class Stats:
    """Counters: requests, TCP connections, and by status, fault kind and path kind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.connections = 0
        self.status: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()
        self.arrivals: deque[float] = deque(maxlen=100_000)  # time.monotonic() of recent requests

    def count_request(self, kind: str) -> int:
        """Count a request; returns its 1-based number."""
        with self._lock:
            self.requests += 1
            self.arrivals.append(time.monotonic())
            known = ("list", "retrieve", "sources", "users", "groups", "group_connections", "source_type")
            self.paths[kind if kind in known else "other"] += 1
            return self.requests

    def count_reply(self, reply: Reply) -> None:
        with self._lock:
            if reply.fault:
                self.faults[reply.fault] += 1
            if reply.status:
                self.status[reply.status] += 1

    def count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "requests": self.requests,
                "connections": self.connections,
                "status": dict(self.status),
                "faults": dict(self.faults),
                "paths": dict(self.paths),
                "arrivals": list(self.arrivals),
            }


def classify(path: str) -> tuple[str, str]:
    """Path -> (kind, argument): list, retrieve (id), sources, html404 or notfound."""
    if path == LIST:
        return "list", ""
    if path == SOURCES:
        return "sources", ""
    if path == VERSION:
        return "version", ""
    if path in PAGED_KINDS:
        return PAGED_KINDS[path], ""
    if path in TYPE_LISTS:
        return "source_type", TYPE_LISTS[path]
    if not path.endswith("/"):
        return "html404", ""  # Django's URL resolver, before the API: an HTML page
    if path.startswith(LIST) and path.count("/") == LIST.count("/") + 1:
        return "retrieve", path[len(LIST) : -1]
    return "notfound", ""


def page_window(count: int, page: int, size: int) -> tuple[int, ...] | None:
    """authentik's pagination numbers (next, previous, count, current, total_pages,
    start_index, end_index), or None for an invalid page."""
    total = max(1, -(-count // size))
    if not 1 <= page <= total:
        return None
    start = (page - 1) * size + 1 if count else 0
    end = count if page == total else page * size
    return (page + 1 if page < total else 0, page - 1, count, page, total, start, end)


def envelope(window: tuple[int, ...], rows: list[str], autocomplete: bool) -> bytes:
    tail = '],"autocomplete":{}}' if autocomplete else "]}"
    return (PAGINATION % window + ",".join(rows) + tail).encode()


class App:
    """The simulated authentik API over a Dataset."""

    def __init__(self, dataset: Dataset, token: str, faults: Faults | None = None) -> None:
        self.ds = dataset
        self.feat = dataset.features
        self.token = token  # sees everything (a superuser's token)
        self.scopes: dict[str, Scope] = {}  # more tokens, each seeing what its user may see
        self.plan = FaultPlan(faults)
        self.stats = Stats()

    def handle(self, method: str, target: str, auth: str | None) -> Reply:
        path, _, query = target.partition("?")
        kind, arg = classify(path)
        number = self.stats.count_request(kind)
        reply = self._route(method, kind, arg, query, auth, number)
        self.stats.count_reply(reply)
        return reply

    def _route(self, method: str, kind: str, arg: str, query: str, auth: str | None, number: int) -> Reply:
        if self._absent(kind, arg):
            kind = "html404"  # this release has no such endpoint: Django's HTML 404 page
        if kind == "html404":
            return Reply(404, pages.authentik_page(self.feat.i18n_headers, "Not Found"), HTML)
        if kind == "notfound":
            return detail(404, "Not found.", None)
        pk = int(arg) if arg.isascii() and arg.isdigit() else None
        fault = self.plan.transient(kind, pk)
        if fault in REPLACING:
            return self.plan.replace(fault, self.feat.i18n_headers)
        reply = self._serve(method, kind, arg, query, auth, number)
        return self.plan.alter(fault, reply) if fault else reply

    def _serve(self, method: str, kind: str, arg: str, query: str, auth: str | None, number: int) -> Reply:
        allow = ALLOW_DETAIL if kind == "retrieve" else ALLOW_LIST
        scope = self._authenticate(kind, auth, number, allow)
        if isinstance(scope, Reply):
            return scope
        refused = (kind in ("sources", "source_type") and not scope.sources) or (
            kind in PAGED_KINDS.values() and not scope.directory
        )
        if kind in self.plan.faults.forbid or refused:
            return detail(403, NO_PERMISSION, allow)  # a token whose user lacks the permission
        if method not in ("GET", "HEAD"):
            return detail(405, f'Method "{method}" not allowed.', allow)
        if kind == "retrieve":
            return self._retrieve(arg, scope)
        if kind == "version":
            return self._version()
        params = dict(parse_qsl(query, keep_blank_values=True))
        if kind == "list":
            return self._list(params, scope)
        if kind == "users":
            return self._users(params)
        if kind == "groups":
            return self._paged(params, self.ds.directory.group_jsons(self.ds.max_user()))
        if kind == "group_connections":
            return self._paged(params, sourcetypes.group_connection_jsons(self.ds))
        if kind == "source_type":
            return self._paged(params, sourcetypes.detail_jsons(self.ds, arg))
        return self._sources(params)

    def _absent(self, kind: str, arg: str) -> bool:
        """Endpoints a release does not have: group connections before 2025.4, Telegram before 2025.12."""
        if kind == "group_connections":
            return not self.feat.identifier
        return kind == "source_type" and arg == "telegram" and not self.feat.telegram

    def _authenticate(self, kind: str, auth: str | None, number: int, allow: str) -> Reply | Scope:
        """authentik's token check: 403 for missing, malformed or wrong (never 401); the
        token's scope when it is valid."""
        new = self.feat.anon_retrieve_500
        if auth is None:
            if kind == "retrieve" and new:  # upstream bug: anonymous retrieve crashes
                return Reply(500, pages.authentik_page(self.feat.i18n_headers, "Server Error"), HTML)
            return detail(403, NOT_PROVIDED, allow)
        value = auth.strip()
        if " " not in value:
            return detail(403, NOT_PROVIDED, allow)
        scheme, _, credential = value.partition(" ")
        if scheme.lower() != "bearer":
            return detail(403, NOT_PROVIDED if new else "Unsupported authentication type", allow)
        scope = FULL if credential == self.token else self.scopes.get(credential)
        if scope is None or self.plan.revoked(number):
            return detail(403, INVALID_TOKEN, allow)
        return scope

    def _retrieve(self, arg: str, scope: Scope = FULL) -> Reply:
        digits = arg[1:] if arg.startswith("-") else arg
        if not (digits.isascii() and digits.isdigit()):
            return detail(404, "Not found.", ALLOW_DETAIL)
        pk = int(arg)
        special = self.plan.always(pk)
        if special in REPLACING:
            return self.plan.replace(special, self.feat.i18n_headers)
        reply = self._retrieve_special(pk, special) if special else None
        if reply is None:
            user = self.ds.connection_user(pk)
            text = self.ds.connection_json(pk) if user is not None and scope.sees_user(user) else None
            if text is None:
                return self._missing()
            reply = Reply(200, text.encode(), allow=ALLOW_DETAIL)
        return self.plan.alter(special, reply) if special and not reply.fault else reply

    def _version(self) -> Reply:
        release = f"{self.feat.name}.0"
        body = {
            "version_current": release, "version_latest": release, "version_latest_valid": True,
            "build_hash": "", "outdated": False, "outpost_outdated": False,
        }  # fmt: skip
        return Reply(200, json.dumps(body).encode(), allow="GET, HEAD, OPTIONS")

    def _missing(self) -> Reply:
        if self.feat.verbose_404:
            return detail(404, "No UserSourceConnection matches the given query.", ALLOW_DETAIL)
        return detail(404, "Not found.", ALLOW_DETAIL)

    def _retrieve_special(self, pk: int, special: str) -> Reply | None:
        """Per-pk faults decided by authentik itself: 403, 404, garbage payload."""
        if special == "403":
            reply = detail(403, NO_PERMISSION, ALLOW_DETAIL)
        elif special == "404":
            reply = self._missing()
        else:
            return self._garbage(pk) if special == "garbage_payload" else None
        reply.fault = special
        return reply

    def _garbage(self, pk: int) -> Reply:
        """A 200 whose object misses required fields and has wrong types."""
        text = self.ds.connection_json(pk) or '{"source":null}'
        obj = json.loads(text)
        obj.pop("created", None)
        obj.update(pk="abc", user=f"{obj.get('user')}x")
        body = json.dumps(obj, separators=(",", ":")).encode()
        return Reply(200, body, allow=ALLOW_DETAIL, fault="garbage_payload")

    def _page_size(self, params: dict[str, str]) -> int:
        """DRF: a positive int, capped on 2025.12+; anything else falls back to the default."""
        try:
            size = int(params.get("page_size", ""))
        except ValueError:
            return self.feat.default_page_size
        if size <= 0:
            return self.feat.default_page_size
        cap = self.feat.max_page_size
        return min(size, cap) if cap else size

    def _list(self, params: dict[str, str], scope: Scope = FULL) -> Reply:
        page = params.get("page") or "1"
        user = params.get("user") or None
        user_id = int(user) if user and user.isascii() and user.isdigit() else None
        if user is not None and (user_id is None or not 1 <= user_id <= self.ds.max_user()):
            return Reply(400, json.dumps({"user": [BAD_USER]}).encode(), allow=ALLOW_LIST)
        hook = self.plan.faults.on_list_page
        if hook is not None and page.isascii() and page.isdigit():
            hook(int(page))
        size = self._page_size(params)
        with self.ds.lock:
            sel = self.ds.select(
                params.get("ordering", ""), params.get("source__slug"), user_id,
                params.get("search", ""), None if scope.connections else scope.users,
            )  # fmt: skip
            window = self._window(sel.count, page, size)
            if window is None:
                return detail(404, "Invalid page.", ALLOW_LIST)
            start = (window[3] - 1) * size
            rows = [self.ds.connection_json(pk) or "null" for pk in sel.fetch(start, start + size)]
        return Reply(200, envelope(window, rows, self.feat.autocomplete), allow=ALLOW_LIST)

    def _window(self, count: int, page: str, size: int) -> tuple[int, ...] | None:
        if page == "last":
            return page_window(count, max(1, -(-count // size)), size)
        if not (page.isascii() and page.isdigit()):
            return None
        return page_window(count, int(page), size)

    def _users(self, params: dict[str, str]) -> Reply:
        """Users 1..max_user in pk order (the order asked for is not simulated); `last_updated__gt`
        filters from 2025.12 (users have last_updated there), and is ignored before, as DRF does."""
        every, size = self.ds.directory.user_pks(self.ds.max_user()), self._page_size(params)
        after = params.get("last_updated__gt")
        if after and self.feat.source_v2:
            found = self.ds.directory.updated_after(every, after)
            if found is None:
                return Reply(400, b'{"last_updated__gt":["Enter a valid date/time."]}', allow=ALLOW_LIST)
            every = found
        window = self._window(len(every), params.get("page") or "1", size)
        if window is None:
            return detail(404, "Invalid page.", ALLOW_LIST)
        rows = [self.ds.directory.user_json(pk) for pk in every[(window[3] - 1) * size : window[3] * size]]
        return Reply(200, envelope(window, rows, self.feat.autocomplete), allow=ALLOW_LIST)

    def _sources(self, params: dict[str, str]) -> Reply:
        filters = {k: params[k] for k in ("slug", "name", "managed") if params.get(k)}
        return self._paged(params, self.ds.source_jsons(filters, params.get("search", "")))

    def _paged(self, params: dict[str, str], rows: list[str]) -> Reply:
        size = self._page_size(params)
        window = self._window(len(rows), params.get("page") or "1", size)
        if window is None:
            return detail(404, "Invalid page.", ALLOW_LIST)
        start = (window[3] - 1) * size
        body = envelope(window, rows[start : start + size], self.feat.autocomplete)
        return Reply(200, body, allow=ALLOW_LIST)
