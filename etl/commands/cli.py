"""The command line: parse arguments, call one core function, map errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from authentik_etl import __version__
from authentik_etl.core import config, logs
from authentik_etl.core.errors import EXIT_USAGE, ConfigError, EtlError
from authentik_etl.load import db

log = logging.getLogger("authentik_etl")

EPILOG = """environment: AUTHENTIK_URL, AUTHENTIK_TOKEN or AUTHENTIK_TOKEN_FILE, AUTHENTIK_ETL_DB.
exit codes: 0 ok; 1 run failed, nothing applied; 2 usage or configuration error; 3 partial
(some connections failed, the rest applied); 4 token refused, or it sees too little (nothing
applied); 6 more deletions than --max-delete (nothing applied); 75 database busy (another sync);
130/143 interrupted (SIGINT/SIGTERM), nothing applied."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="authentik-etl",
        description="Sync authentik user-source connections into DuckDB; report, query, export.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from authentik_etl import commands as cmd

    for name, (helptext, add_args, handler) in cmd.COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=helptext,
            description=helptext,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add_args(sub)
        sub.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code = run_handler(args.handler, args)
    sys.stdout.flush()
    sys.stderr.flush()
    if threading.active_count() > 1:
        # Worker threads may still wait on a slow server after an interrupt: do not wait for them.
        os._exit(code)
    return code


def run_handler(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    secrets = [os.environ.get("AUTHENTIK_TOKEN", "")]
    logs.setup(getattr(args, "log_format", "text"), getattr(args, "log_level", "INFO"), secrets)
    try:
        return handler(args)
    except EtlError as exc:
        print(f"authentik-etl: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("authentik-etl: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # the environment, not a bug: say what and where, without a traceback
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"authentik-etl: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1


def add_db_arg(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--db", help="DuckDB file (default: $AUTHENTIK_ETL_DB or ./authentik.duckdb)")


def add_log_args(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--log-format", choices=("text", "json"), default="text", help="stderr log format")
    sub.add_argument("--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default="INFO")


def db_path(args: argparse.Namespace, *, must_exist: bool = False) -> Path:
    path = config.resolve_db_path(args.db, dict(os.environ))
    if must_exist and not path.exists():
        raise ConfigError(f"no database at {path}: run `authentik-etl sync` first, or pass --db")
    return path


def open_read_only(args: argparse.Namespace) -> Any:
    return db.connect(db_path(args, must_exist=True), read_only=True)


class Interrupts:
    """First SIGINT/SIGTERM asks the run to stop (it rolls back); a second one kills it."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum = 0

    def install(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: Any) -> None:
        if self.event.is_set():
            os._exit(128 + signum)
        self.signum = signum
        self.event.set()
        log.warning("stopping: %s received, rolling back", signal.Signals(signum).name)

    @property
    def exit_code(self) -> int:
        return 128 + (self.signum or signal.SIGINT)


__all__ = ["EXIT_USAGE", "build_parser", "main"]
