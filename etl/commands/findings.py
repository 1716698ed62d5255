"""The findings command: current security findings, or what the last run changed."""

from __future__ import annotations

import argparse
import logging
import sys

import duckdb

from authentik_etl.commands import common
from authentik_etl.core.errors import EXIT_FINDINGS, ConfigError
from authentik_etl.publish import findings

log = logging.getLogger("authentik_etl")


def findings_cmd(args: argparse.Namespace) -> int:
    con = common.open_read_only(args)
    try:
        found = findings.read(con, min_severity=args.min_severity, since_last_run=args.since_last_run)
        hits = findings.new_at_least(con, found.run_id, args.fail_on) if args.fail_on else 0
    except duckdb.CatalogException:
        raise ConfigError("the database has no findings yet: run `authentik-etl sync` first") from None
    finally:
        con.close()
    findings.write(found, args.findings_format, sys.stdout)
    if hits:
        print(f"authentik-etl: {hits} finding(s) at or above {args.fail_on} new in the last run "
              f"(--fail-on {args.fail_on}): exit {EXIT_FINDINGS}", file=sys.stderr)  # fmt: skip
        return EXIT_FINDINGS
    return 0
