"""Injected faults: what an ETL meets between it and authentik (proxies, outages, bad bodies).

Random choices come from ``random.Random(seed)`` under a lock, so a run is reproducible when
requests arrive in the same order.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import formatdate

from . import pages
from .reply import HTML, JSON, REASONS, RESET, TEXT, TRICKLE, TRUNCATED, Reply, detail

TRANSIENT = ("429", "500", "502", "503", "504", "reset")
# Faults that replace the answer, and faults that alter the normal answer.
REPLACING = (*TRANSIENT, "html200", "plain_ok")
ALTERING = ("slow", "trickle", "truncated", "invalid_json", "wrong_content_type")
KINDS = (*REPLACING, *ALTERING)
ALWAYS_ONLY = ("403", "404", "garbage_payload")  # per-pk faults, decided by the API layer
PATH_KINDS = ("retrieve", "list", "sources", "users", "groups", "group_connections", "source_type")
DEFAULT_APPLY_TO = ("retrieve", "list", "sources")  # the connection paths; users/groups when asked


@dataclass
class Faults:
    """What to inject; every field is optional.

    ``rate``: fraction of requests (of the path kinds in ``apply_to``) that get a fault drawn
    from ``kinds``.  ``always``: retrieve of that pk always gets that kind (any kind, plus
    "403", "404", "garbage_payload").  ``revoke_token_after``: after that many requests the
    token is refused (403 Token invalid/expired).  ``first_n_fail``: the first N retrieves of
    each pk fail with ``first_n_kind`` (whatever ``apply_to`` says).  ``on_list_page``: called
    with the page number before a connections list page is computed.  ``retry_after``: the 429
    ``Retry-After`` value (seconds, an HTTP-date string, "http-date" for now + 1 s, any garbage,
    or None for no header).  ``error_body``: "html", "json" or "mixed" for 5xx bodies.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = TRANSIENT
    seed: int = 0
    always: dict[int, str] = field(default_factory=dict)
    revoke_token_after: int | None = None
    first_n_fail: int = 0
    first_n_kind: str = "503"
    apply_to: tuple[str, ...] = DEFAULT_APPLY_TO
    on_list_page: Callable[[int], None] | None = None
    retry_after: int | float | str | None = 1
    slow_seconds: float = 2.0
    trickle_bytes: int = 64
    trickle_pause: float = 0.005
    error_body: str = "mixed"
    forbid: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.kinds = tuple(self.kinds)
        self.apply_to = tuple(self.apply_to)
        self.forbid = tuple(self.forbid)
        bad = [k for k in (*self.kinds, self.first_n_kind) if k not in KINDS]
        bad += [k for k in self.always.values() if k not in KINDS + ALWAYS_ONLY]
        bad += [k for k in (*self.apply_to, *self.forbid) if k not in PATH_KINDS]
        if bad or self.error_body not in ("html", "json", "mixed"):
            raise ValueError(f"unknown fault kind(s) or option: {bad or self.error_body}")
        if not 0.0 <= self.rate <= 1.0 or (self.rate and not self.kinds):
            raise ValueError("rate must be in [0, 1] with at least one kind")


class FaultPlan:
    """The running state of a ``Faults``: its random generator and per-pk attempt counts."""

    def __init__(self, faults: Faults | None) -> None:
        self.faults = faults or Faults()
        self._rng = random.Random(self.faults.seed)
        self._lock = threading.Lock()
        self._attempts: dict[int, int] = {}

    def transient(self, path_kind: str, pk: int | None) -> str | None:
        """The fault this request meets before reaching authentik, if any."""
        f = self.faults
        with self._lock:
            if pk is not None and path_kind == "retrieve" and f.first_n_fail:
                self._attempts[pk] = seen = self._attempts.get(pk, 0) + 1
                if seen <= f.first_n_fail:
                    return f.first_n_kind
            if f.rate and path_kind in f.apply_to and self._rng.random() < f.rate:
                return self._rng.choice(f.kinds)
        return None

    def always(self, pk: int) -> str | None:
        return self.faults.always.get(pk)

    def revoked(self, request_number: int) -> bool:
        limit = self.faults.revoke_token_after
        return limit is not None and request_number > limit

    def _html(self) -> bool:
        if self.faults.error_body != "mixed":
            return self.faults.error_body == "html"
        with self._lock:
            return self._rng.random() < 0.5

    def replace(self, kind: str, new_style: bool) -> Reply:
        """The answer of a replacing fault."""
        if kind == "reset":
            return Reply(0, b"", mode=RESET, fault=kind)
        if kind == "html200":
            return Reply(200, pages.authentik_page(new_style, "Log in"), HTML, fault=kind)
        if kind == "plain_ok":
            return Reply(200, b"OK", TEXT, fault=kind)
        status = int(kind)
        if status == 429:
            return self._throttled()
        if not self._html():
            message = "A server error occurred." if status == 500 else REASONS[status]
            reply = detail(status, message, None)
            reply.fault = kind
            return reply
        if status == 500:
            return Reply(500, pages.authentik_page(new_style, "Server Error"), HTML, fault=kind)
        return Reply(status, pages.nginx_page(status, REASONS[status]), HTML, fault=kind)

    def _throttled(self) -> Reply:
        value = self.faults.retry_after
        reply = Reply(429, b'{"detail":"Request was throttled."}', JSON, fault="429")
        if value == "http-date":
            value = formatdate(time.time() + 1, usegmt=True)
        if value is not None:
            reply.extra.append(("retry-after", str(value)))
        return reply

    def alter(self, kind: str, reply: Reply) -> Reply:
        """The normal answer, altered by a fault."""
        f = self.faults
        if kind == "slow":
            return replace(reply, delay=reply.delay + f.slow_seconds, fault=kind)
        if kind == "trickle":
            return replace(reply, mode=TRICKLE, fault=kind)
        if kind == "truncated":
            return replace(reply, mode=TRUNCATED, fault=kind)
        if kind == "invalid_json":
            cut = reply.body[: max(len(reply.body) // 2, 1)]
            return replace(reply, status=200, body=cut, ctype=JSON, fault=kind)
        return replace(reply, ctype=TEXT, fault=kind)  # wrong_content_type
