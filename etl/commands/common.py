"""What several commands share: the --db and log flags, opening the database, interrupts."""

from __future__ import annotations

import argparse
import logging
import os
import signal
from pathlib import Path
from typing import Any

from authentik_etl.core import config
from authentik_etl.core.errors import ConfigError
from authentik_etl.job.nightly import Cancel
from authentik_etl.load import db

log = logging.getLogger("authentik_etl")


def db_path(args: argparse.Namespace, *, must_exist: bool = False) -> Path:
    path = config.resolve_db_path(args.db, {})  # args.db: flag, environment, config file or default
    if must_exist and not path.exists():
        raise ConfigError(f"no database at {path}: run `authentik-etl sync` first, or pass --db")
    return path


def open_read_only(args: argparse.Namespace) -> Any:
    return db.connect(db_path(args, must_exist=True), read_only=True)


class Interrupts:
    """First SIGINT/SIGTERM asks the run to stop (it rolls back); a second one kills it."""

    def __init__(self) -> None:
        self.event = Cancel()  # its exit_code becomes 128 + the signal's number
        self.signum = 0

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.event.is_set():
            os._exit(128 + signum)
        self.signum = signum
        self.event.exit_code = 128 + signum
        self.event.set()
        log.warning("stopping: %s received, rolling back", signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)
