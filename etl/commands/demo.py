"""`authentik-etl demo`: the whole nightly job against the built-in simulator."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from authentik_etl.job.demo import run_demo


def demo_cmd(args: argparse.Namespace) -> int:
    run_demo(Path(args.demo_dir), connections=args.demo_connections, shape=args.demo_shape, out=sys.stdout)
    return 0
