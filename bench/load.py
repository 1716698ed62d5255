"""Simulator capacity probe: a load much cheaper per request than any real client.

    python bench/load.py --url URL --token T --connections N [--kind retrieve|list]
        [--sockets 8] [--depth 16] [--seconds 3]

Raw keep-alive sockets with HTTP/1.1 pipelining (`depth` requests outstanding on each socket),
a selector loop, and only the status line and content-length parsed: a few microseconds of
client CPU per response, so what it measures is what the simulator can serve. With an added
latency the simulator answers one request per socket at a time, so use many sockets.
Prints one BENCH-RESULT line: responses/s (and connections/s for list pages).
"""

from __future__ import annotations

import argparse
import selectors
import socket
import sys
import time
from urllib.parse import urlsplit

from benchlib import CONNECTIONS_PATH, emit


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--connections", type=int, required=True, help="the simulator's --connections")
    p.add_argument("--kind", choices=("retrieve", "list"), default="retrieve")
    p.add_argument("--sockets", type=int, default=8)
    p.add_argument("--depth", type=int, default=16)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--warmup", type=float, default=0.5)
    p.add_argument("--page-size", type=int, default=100)
    return p


class Probe:
    def __init__(self, args: argparse.Namespace) -> None:
        parts = urlsplit(args.url)
        self.addr = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.args = args
        head = (
            f"Host: {parts.netloc}\r\nAuthorization: Bearer {args.token}\r\nAccept: application/json\r\n\r\n"
        )
        api = "/api/v3" + CONNECTIONS_PATH
        # ~97% of ids 1..N exist (the simulator leaves 3% gaps): close enough to a sync's mix.
        step = max(args.connections // 997, 1)
        if args.kind == "retrieve":
            targets = [f"{api}{pk}/" for pk in range(1, args.connections + 1, step)]
        else:
            pages = max(-(-args.connections // args.page_size), 1)
            targets = [
                f"{api}?ordering=pk&page={p}&page_size={args.page_size}"
                for p in range(1, pages + 1, max(pages // 97, 1))
            ]
        self.requests = [f"GET {t} HTTP/1.1\r\n{head}".encode() for t in targets]
        self.next = 0
        self.ok = 0
        self.other = 0

    def batch(self, n: int) -> bytes:
        out = []
        for _ in range(n):
            out.append(self.requests[self.next])
            self.next = (self.next + 1) % len(self.requests)
        return b"".join(out)

    def run(self) -> dict[str, float]:
        args = self.args
        sel = selectors.DefaultSelector()
        state: dict[socket.socket, list] = {}
        for _ in range(args.sockets):
            sock = socket.create_connection(self.addr)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.sendall(self.batch(args.depth))
            sock.setblocking(False)
            state[sock] = [bytearray(), args.depth]
            sel.register(sock, selectors.EVENT_READ)
        start = time.perf_counter()
        measure_from, stop_at = start + args.warmup, start + args.warmup + args.seconds
        counted_ok = counted_from = None
        while True:
            now = time.perf_counter()
            if counted_ok is None and now >= measure_from:
                counted_ok, counted_from = self.ok, now
            if now >= stop_at:
                break
            for key, _ in sel.select(timeout=0.1):
                sock = key.fileobj
                chunk = sock.recv(1 << 20)
                if not chunk:
                    raise SystemExit("the simulator closed a connection")
                st = state[sock]
                st[0] += chunk
                done = self._consume(st)
                if done:
                    st[1] -= done
                    sock.setblocking(True)
                    sock.sendall(self.batch(args.depth - st[1]))
                    sock.setblocking(False)
                    st[1] = args.depth
        elapsed = time.perf_counter() - (counted_from or start)
        for sock in state:
            sock.close()
        rate = (self.ok - (counted_ok or 0)) / elapsed
        per = args.page_size if args.kind == "list" else 1
        return {"requests_per_s": rate, "connections_per_s": rate * per, "non_200": self.other}

    def _consume(self, st: list) -> int:
        buf: bytearray = st[0]
        done = 0
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return done
            at = buf.find(b"content-length: ", 0, end)
            if at < 0:
                raise SystemExit("a response without content-length")
            length = int(buf[at + 16 : buf.find(b"\r\n", at, end + 2)])
            if len(buf) < end + 4 + length:
                return done
            if buf.startswith(b"HTTP/1.1 200"):
                self.ok += 1
            elif buf.startswith(b"HTTP/1.1 404"):
                self.ok += 1  # a gap in the ids: served all the same
            else:
                self.other += 1
            del buf[: end + 4 + length]
            done += 1


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    emit(Probe(args).run())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
