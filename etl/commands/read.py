"""Commands that read the database: report, query, status, views."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from pathlib import Path
from typing import Any

import duckdb

from authentik_etl.commands import common
from authentik_etl.core import config
from authentik_etl.core.errors import EXIT_FAILED, ConfigError, first_line
from authentik_etl.load import db
from authentik_etl.publish import report, status

log = logging.getLogger("authentik_etl")


# -- report, query, export, views ---------------------------------------------------------------
def report_cmd(args: argparse.Namespace) -> int:
    con = common.open_read_only(args)
    try:
        report.render(con, sys.stdout)
        if args.report_html:
            from authentik_etl.publish import report_html

            report_html.write(con, Path(args.report_html))
            log.info("HTML report written to %s", args.report_html)
    except duckdb.CatalogException:
        raise ConfigError("the database has no report views yet: run `authentik-etl sync` first") from None
    finally:
        con.close()
    return 0


def query_args(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("sql", help="a SQL query (the database is opened read-only)")


def query_cmd(args: argparse.Namespace) -> int:
    con = common.open_read_only(args)
    try:
        if args.query_format == "table":
            sys.stdout.write(report.table(con, args.sql))
            return 0
        cursor = con.execute(args.sql)
        columns = [d[0] for d in cursor.description or []]
        _write_rows(args.query_format, columns, cursor.fetchall())
    except duckdb.Error as exc:
        raise ConfigError(f"SQL error: {first_line(exc)}") from None
    finally:
        con.close()
    return 0


def _write_rows(fmt: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        for row in rows:
            sys.stdout.write(json.dumps(dict(zip(columns, row, strict=True)), default=str) + "\n")


def views_cmd(args: argparse.Namespace) -> int:
    con = db.connect(common.db_path(args, must_exist=True))
    try:
        db.migrate(con)
        names = db.create_views(con)
    finally:
        con.close()
    log.info("views (re)created: %s", ", ".join(names))
    return 0


def status_cmd(args: argparse.Namespace) -> int:
    max_age = config.parse_duration(args.max_age) if args.max_age else None
    con = common.open_read_only(args)
    try:
        runs = status.recent_runs(con, args.status_limit)
        age = status.seconds_since_last_applied(con)
    finally:
        con.close()
    stale = max_age is not None and (age is None or age > max_age)
    if args.status_format == "json":
        print(json.dumps({"runs": runs, "last_applied_age_seconds": age, "stale": stale}, default=str))
    else:
        sys.stdout.write(status.render(runs, age))
    if stale:
        when = "never" if age is None else f"{age / 3600:.1f} h ago"
        print(
            f"authentik-etl: stale: the last applied run ended {when} (--max-age {args.max_age})",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0
