"""An HTTP reply as the simulator plans it, and its head as authentik (uvicorn) writes it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

JSON = "application/json; charset=utf-8"
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
ALLOW_LIST = "GET, HEAD, OPTIONS"
ALLOW_DETAIL = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"

REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}

# Delivery modes: how the bytes go out (see http.py).
NORMAL, RESET, TRUNCATED, TRICKLE = "normal", "reset", "truncated", "trickle"
HEAD_ONLY = ("HEAD",)  # methods answered without a body


@dataclass(slots=True)
class Reply:
    """Status, body and delivery of one response."""

    status: int
    body: bytes
    ctype: str = JSON
    allow: str | None = None
    extra: list[tuple[str, str]] = field(default_factory=list)
    mode: str = NORMAL
    delay: float = 0.0
    fault: str | None = None


def detail(status: int, message: str, allow: str | None) -> Reply:
    """DRF's error body: ``{"detail":"..."}``."""
    body = json.dumps({"detail": message}, separators=(",", ":"), ensure_ascii=False)
    return Reply(status, body.encode(), allow=allow)


def render_head(reply: Reply, length: int, request_id: str, date: str, i18n: bool, close: bool) -> bytes:
    """Status line and headers, in the order and spelling of the captured responses."""
    lines = [
        f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Unknown')}",
        f"date: {date}",
        "server: uvicorn",
        f"content-type: {reply.ctype}",
    ]
    if reply.allow:
        lines.append(f"allow: {reply.allow}")
    lines += [
        "x-frame-options: DENY",
        f"content-length: {length}",
        "x-content-type-options: nosniff",
        "referrer-policy: same-origin",
        f"x-authentik-id: {request_id}",
        "vary: Accept-Language, Cookie" if i18n else "vary: Cookie",
    ]
    if i18n:
        lines.append("content-language: en")
    lines += [f"{name}: {value}" for name, value in reply.extra]
    if close:
        lines.append("connection: close")
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")
