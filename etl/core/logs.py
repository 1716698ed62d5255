"""Logging to stderr: text for people, JSON lines for collectors; secrets scrubbed from both."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from authentik_etl.core.results import SyncResult

_CONTEXT_KEYS = ("run_id", "stage", "counts", "seconds", "status")
_context: dict[str, Any] = {}


@contextlib.contextmanager
def context(**fields: Any) -> Iterator[None]:
    """Add these fields (e.g. run_id) to every JSON log line written inside the block."""
    saved = dict(_context)
    _context.update(fields)
    try:
        yield
    finally:
        _context.clear()
        _context.update(saved)


class RedactFilter(logging.Filter):
    """Replaces the token anywhere in a record (message, arguments, exception text)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        for secret in self.secrets:
            message = message.replace(secret, "[REDACTED]")
        record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(_context)
        for key in _CONTEXT_KEYS:
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{stamp} {record.levelname:<7} {record.getMessage()}"


_redactor = RedactFilter([])


def add_secret(secret: str) -> None:
    """Scrub this value from every log record from now on."""
    if secret and secret not in _redactor.secrets:
        _redactor.secrets.append(secret)


def setup(fmt: str = "text", level: str = "INFO", secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    for secret in secrets or []:
        add_secret(secret)
    handler.addFilter(_redactor)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("urllib3", "requests"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def stage_done(log: logging.Logger, stage: str, clock: float, stats: SyncResult | None, what: str) -> None:
    """One line on `log` when a stage of the sync ends: what it did and how long it took (the JSON
    log also carries the stage, its seconds and, given the run's stats, its counts)."""
    seconds = time.monotonic() - clock
    counts = None if stats is None else {"fetched": stats.fetched, "failed": stats.failed, "gone": stats.gone}
    log.info(
        "%s in %.1fs", what, seconds, extra={"stage": stage, "seconds": round(seconds, 3), "counts": counts}
    )
