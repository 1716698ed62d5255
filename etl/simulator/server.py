"""The simulator's public face: start the server thread, expose its URL, stats and knobs."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from .api import App
from .data import Dataset
from .faults import FaultPlan, Faults
from .http import Clock, Connection
from .scopes import Scope


class Simulator:
    """The simulated authentik API on 127.0.0.1, served from a background thread.

    ``with Simulator(Dataset.generate()) as sim: requests.get(sim.url + "/api/v3/...")``
    """

    def __init__(
        self,
        dataset: Dataset,
        token: str = "sim-token",
        latency: float = 0.0,
        faults: Faults | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        workers: int | None = None,
        cores: int | None = None,
        contention: float = 0.2,
    ) -> None:
        self.dataset = dataset
        self.app = App(dataset, token, faults)
        self.latency = latency
        # Like a real server's worker processes: at most `workers` requests are worked on (their
        # latency) at once; the others wait their turn, so latency grows past that concurrency.
        self.workers = workers
        self.busy_workers: asyncio.Semaphore | None = None
        # Like a real server on a few cores: past `cores` requests at once each is served more
        # slowly (shared cores) and, by `contention` per extra request (its workers and database
        # competing), answers per second fall: the peak is at `cores` in flight.
        self.cores, self.contention, self.serving = cores, contention, 0
        self.host, self._port = host, port
        self.clock = Clock()
        self.conns: set[Connection] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None

    # ----- configuration -----------------------------------------------------------------

    @property
    def token(self) -> str:
        return self.app.token

    @token.setter
    def token(self, value: str) -> None:
        self.app.token = value

    def add_token(self, token: str, scope: Scope) -> None:
        """Accept another token, which sees what `scope` says (a real server's permissions)."""
        self.app.scopes[token] = scope

    @property
    def faults(self) -> Faults:
        return self.app.plan.faults

    @faults.setter
    def faults(self, value: Faults | None) -> None:
        self.app.plan = FaultPlan(value)

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (without ``/api/v3``)."""
        if not self._ready.is_set() or self._error is not None:
            raise RuntimeError("simulator is not running (use start() or a with block)")
        return f"http://{self.host}:{self._port}"

    @property
    def port(self) -> int:
        return self._port

    @property
    def stats(self) -> dict[str, Any]:
        """Counters: requests, connections, status {code: n}, faults {kind: n}, paths {kind: n}."""
        return self.app.stats.snapshot()

    # ----- lifecycle ---------------------------------------------------------------------

    def start(self) -> Simulator:
        if self._thread is not None:
            return self
        self.dataset.prepare()
        self._thread = threading.Thread(target=self._run, name="authentik-simulator", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise RuntimeError(f"simulator failed to start: {self._error}") from self._error
        return self

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            server = loop.run_until_complete(
                loop.create_server(lambda: Connection(self), self.host, self._port, backlog=1024)
            )
        except OSError as exc:
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for conn in list(self.conns):
                if conn.transport is not None:
                    conn.transport.abort()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            if tasks:
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.run_until_complete(server.wait_closed())
            loop.close()

    def close(self) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None or not thread.is_alive():
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
