"""One sync at a time per database: an advisory lock file beside it, naming its holder."""

from __future__ import annotations

import contextlib
import fcntl
import os
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from authentik_etl.core.errors import DatabaseError, DatabaseLockedError


class RunLock:
    def __init__(self, db_path: Path) -> None:
        self.path = db_path.with_name(f".{db_path.name}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise DatabaseError(
                f"cannot create the lock file {self.path}: {exc.strerror} (nothing was applied)"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise DatabaseLockedError(
                f"another sync is running on {self.path.parent / self.path.name[1:-5]} ({holder}): "
                "this run stops here; the other one is unaffected"
            ) from None
        self._fd = fd
        with contextlib.suppress(OSError):  # naming the holder is a courtesy (the disk may be full)
            os.ftruncate(fd, 0)
            os.write(fd, f"PID {os.getpid()}, started {datetime.now(UTC):%Y-%m-%d %H:%M:%SZ}\n".encode())

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None

    def __enter__(self) -> RunLock:
        self.acquire()
        return self

    def __exit__(self, *exc: tuple[type[BaseException], BaseException, TracebackType] | None) -> None:
        self.release()
