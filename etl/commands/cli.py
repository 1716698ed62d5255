"""The command line: parse arguments, call one core function, map errors to exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Sequence

from authentik_etl import __version__
from authentik_etl.commands.options import add_options, resolve
from authentik_etl.commands.registry import COMMANDS
from authentik_etl.core import logs
from authentik_etl.core.errors import EXIT_USAGE, ConfigError, EtlError

log = logging.getLogger("authentik_etl")

EPILOG = """environment: AUTHENTIK_URL, AUTHENTIK_TOKEN or AUTHENTIK_TOKEN_FILE, AUTHENTIK_ETL_DB,
AUTHENTIK_ETL_CONFIG (a TOML file of option keys), and AUTHENTIK_ETL_<KEY> for every other option.
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
    for name, (helptext, add_args, handler) in COMMANDS.items():
        sub = commands.add_parser(
            name,
            help=helptext,
            description=helptext,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if add_args is not None:
            add_args(sub)
        add_options(sub, name)
        sub.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code = run_handler(args)
    sys.stdout.flush()
    sys.stderr.flush()
    if threading.active_count() > 1:
        # Worker threads may still wait on a slow server after an interrupt: do not wait for them.
        os._exit(code)
    return code


def run_handler(args: argparse.Namespace) -> int:
    secrets = [os.environ.get("AUTHENTIK_TOKEN", "")]
    logs.setup("text", "INFO", secrets)
    try:
        resolve(args, args.command)
        logs.setup(args.log_format, args.log_level)
        return args.handler(args)
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


__all__ = ["EXIT_USAGE", "ConfigError", "build_parser", "main"]
