"""`authentik-etl demo`: the whole job against the built-in simulator."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from authentik_etl.commands import cli

log = logging.getLogger("authentik_etl")


def demo_args(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--dir", default="demo", help="folder for the demo database and export (default ./demo)")
    sub.add_argument("--connections", type=int, default=84, help="connections in the simulator (default 84)")
    sub.add_argument("--shape", default="2025.12", help="authentik API shape to simulate (default 2025.12)")
    cli.add_log_args(sub)


def demo_cmd(args: argparse.Namespace) -> int:
    from authentik_etl.job.demo import run_demo

    run_demo(Path(args.dir), connections=args.connections, shape=args.shape, out=sys.stdout)
    return 0
