"""One measured `authentik-etl sync`, run by bench.py in a fresh process.

    AUTHENTIK_URL=... AUTHENTIK_TOKEN=... python bench/run_sync.py --db PATH [any `sync` flag]

Runs the CLI's own parser and `sync` handler in this process (exactly what the `authentik-etl`
script runs), times the apply phase by wrapping `apply.apply`, then prints one BENCH-RESULT line:
wall time and CPU (user + sys, all threads; imports excluded), peak RSS, seconds before and in
the apply, exit code and the run's counts read back from `sync_runs`.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from benchlib import Usage, emit


def main(argv: list[str]) -> int:
    # Imports are not timed (as in the floor): what is measured is the sync itself. The modules the
    # sync command imports lazily are imported here too, so that they are not counted either.
    from authentik_etl.commands import cli
    from authentik_etl.job import sync  # noqa: F401
    from authentik_etl.load import apply

    usage = Usage()

    phases: dict[str, float] = {}
    real_apply = apply.apply

    def timed_apply(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        phases["fetch_s"] = start - usage.wall0
        try:
            return real_apply(*args, **kwargs)
        finally:
            phases["apply_s"] = time.perf_counter() - start

    apply.apply = timed_apply  # sync.py calls it as apply.apply(...)
    args = cli.build_parser().parse_args(["sync", "--no-progress", *argv])
    code = cli.run_handler(args)
    report: dict[str, Any] = {"exit_code": code, **usage.stop(), **phases}
    report["counts"] = last_run_counts(args.db)
    emit(report)
    return 0


def last_run_counts(db_path: str) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(db_path, read_only=True)
    try:
        row = con.execute(
            "SELECT status, discovered, fetched, inserted, updated, unchanged, deleted, failed, retries "
            "FROM sync_runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    names = ("status", "discovered", "fetched", "inserted", "updated", "unchanged", "deleted", "failed")
    return dict(zip((*names, "retries"), row, strict=True)) if row else {}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
