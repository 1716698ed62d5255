"""A small, fast HTTP/1.1 server (asyncio.Protocol, keep-alive, Content-Length bodies) running
the simulated API on its own event loop in a background thread."""

from __future__ import annotations

import asyncio
import socket
import struct
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from email.utils import formatdate
from typing import Protocol

from .api import App
from .reply import HEAD_ONLY, RESET, TRICKLE, TRUNCATED, Reply, detail, render_head

MAX_HEAD = 64 * 1024


@dataclass(slots=True)
class Request:
    method: str
    target: str
    auth: str | None
    close: bool


class Clock:
    """The ``date`` header, formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._text = ""

    def now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second, self._text = second, formatdate(second, usegmt=True)
        return self._text


def parse_head(head: bytes) -> tuple[Request, int] | None:
    """Request line and headers -> (Request, body length), or None when malformed."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        return None
    auth, length, connection = None, 0, ""
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "authorization":
            auth = value.strip()
        elif name == "content-length":
            length = int(value) if value.strip().isdigit() else 0
        elif name == "connection":
            connection = value.strip().lower()
    close = connection == "close" or (parts[2] == "HTTP/1.0" and connection != "keep-alive")
    return Request(parts[0].upper(), parts[1], auth, close), length


class Host(Protocol):
    """What a connection needs of the server that accepted it (the Simulator)."""

    app: App
    latency: float
    workers: int | None
    busy_workers: asyncio.Semaphore | None
    cores: int | None
    contention: float
    serving: int
    clock: Clock
    conns: set[Connection]


class Connection(asyncio.Protocol):
    """One client connection: parses requests in order, answers them one at a time."""

    def __init__(self, server: Host) -> None:
        self.server = server
        self.buf = bytearray()
        self.busy = False
        self.closed = False
        self.transport: asyncio.Transport | None = None
        self.task: asyncio.Task[None] | None = None  # the deferred reply in flight, if any

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.server.conns.add(self)
        self.server.app.stats.count_connection()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.conns.discard(self)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.busy:
            self._drain()

    def _next(self) -> Request | None:
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > MAX_HEAD:
                self._send(Request("GET", "", None, True), detail(431, "Headers too large", None))
            return None
        parsed = parse_head(bytes(self.buf[:end]))
        if parsed is None:
            self._send(Request("GET", "", None, True), detail(400, "Bad request", None))
            return None
        request, length = parsed
        if len(self.buf) < end + 4 + length:
            return None
        del self.buf[: end + 4 + length]
        return request

    def _drain(self) -> None:
        while not self.busy and not self.closed:
            request = self._next()
            if request is None:
                return
            self._dispatch(request)

    def _dispatch(self, request: Request) -> None:
        try:
            reply = self.server.app.handle(request.method, request.target, request.auth)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            reply = detail(500, "A server error occurred.", None)
        delay = self.server.latency + reply.delay
        if delay > 0 or reply.mode == TRICKLE:
            self.busy = True
            self.task = asyncio.get_running_loop().create_task(self._later(request, reply, delay))
        else:
            self._send(request, reply)

    async def _later(self, request: Request, reply: Reply, delay: float) -> None:
        if delay > 0:
            await self._work(delay)
        if not self.closed:
            if reply.mode == TRICKLE:
                await self._trickle(request, reply)
            else:
                self._send(request, reply)
        self.busy = False
        if not self.closed:
            self._drain()

    async def _work(self, delay: float) -> None:
        server = self.server
        if server.workers is None:
            await self._serve(delay)
            return
        if server.busy_workers is None:  # created on the server's own event loop
            server.busy_workers = asyncio.Semaphore(server.workers)
        async with server.busy_workers:
            await self._serve(delay)

    async def _serve(self, delay: float) -> None:
        """`delay` of work; on a server with `cores`, stretched by the requests served beside it."""
        server = self.server
        server.serving += 1
        try:
            if server.cores is not None:
                n, cores = server.serving, server.cores
                delay *= max(1.0, n / cores) * (1 + server.contention * max(0, n - cores))
            await asyncio.sleep(delay)
        finally:
            server.serving -= 1

    def _head(self, reply: Reply, close: bool) -> bytes:
        return render_head(
            reply,
            len(reply.body),
            uuid.uuid4().hex,
            self.server.clock.now(),
            self.server.app.feat.i18n_headers,
            close,
        )

    def _send(self, request: Request, reply: Reply) -> None:
        transport = self.transport
        if transport is None or self.closed:
            return
        if reply.mode == RESET:
            self._reset()
            return
        close = request.close or reply.mode == TRUNCATED
        body = b"" if request.method in HEAD_ONLY else reply.body
        if reply.mode == TRUNCATED:
            body = body[: len(body) // 2]
        transport.write(self._head(reply, close) + body)
        if close:
            self.closed = True
            transport.close()

    async def _trickle(self, request: Request, reply: Reply) -> None:
        transport, plan = self.transport, self.server.app.plan.faults
        assert transport is not None
        transport.write(self._head(reply, request.close))
        body = b"" if request.method in HEAD_ONLY else reply.body
        step = max(plan.trickle_bytes, -(-len(body) // 50), 1)
        for i in range(0, len(body), step):
            await asyncio.sleep(plan.trickle_pause)
            if self.closed:
                return
            transport.write(body[i : i + step])
        if request.close:
            self.closed = True
            transport.close()

    def _reset(self) -> None:
        """Drop the connection with a TCP RST, without answering."""
        assert self.transport is not None
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.closed = True
        self.transport.abort()
