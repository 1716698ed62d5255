"""`authentik-etl sync`: the settings, one call to the nightly job, its exit code."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from authentik_etl.commands import common
from authentik_etl.core import logs
from authentik_etl.core.settings import sync_settings
from authentik_etl.job.nightly import run_nightly


def sync_cmd(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    settings = sync_settings(vars(args), args.origins, env, read_stdin=sys.stdin.read)
    logs.add_secret(settings.token)
    interrupts = common.Interrupts()
    interrupts.install()
    with _progress(args) as progress:
        report = run_nightly(settings, cancel=interrupts.event, on_progress=progress)
    return report.exit_code


class _progress:
    """A tqdm bar on a terminal only; a no-op callback otherwise."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.enabled = sys.stderr.isatty() and not args.no_progress and args.log_format == "text"
        self.bar: Any = None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from tqdm import tqdm

        self.bar = tqdm(total=0, unit="conn", file=sys.stderr, leave=False, dynamic_ncols=True)
        return self.update

    def update(self, done: int, total: int) -> None:
        self.bar.total = max(total, done)
        self.bar.n = done
        self.bar.refresh()

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.close()
