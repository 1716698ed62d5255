"""One short handler per command: arguments in, one core call, a message or a table out."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from authentik_etl import cli, config, db, export, logs, monitoring, report, status
from authentik_etl.errors import EXIT_FAILED, ConfigError, EtlError, InterruptedRun

log = logging.getLogger("authentik_etl")


# -- sync -------------------------------------------------------------------------------------
def sync_args(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--url", help="authentik address, e.g. https://auth.example.com (default: $AUTHENTIK_URL)"
    )
    sub.add_argument(
        "--token-file", help="file holding the API token (default: $AUTHENTIK_TOKEN, $AUTHENTIK_TOKEN_FILE)"
    )
    cli.add_db_arg(sub)
    sub.add_argument(
        "--mode",
        choices=("retrieve", "list"),
        default="retrieve",
        help="retrieve: one GET per connection (default); list: objects straight from list pages",
    )
    sub.add_argument("--ids", help="only these connection ids, e.g. 3,7,10-20 (no deletion marking)")
    sub.add_argument("--ids-file", help="file with one connection id per line, - for stdin")
    sub.add_argument("--concurrency", type=int, default=4, help="requests in flight (default 4)")
    sub.add_argument(
        "--timeout", type=float, default=30.0, help="read timeout per request, seconds (default 30)"
    )
    sub.add_argument("--max-attempts", type=int, default=5, help="attempts per request (default 5)")
    sub.add_argument("--page-size", type=int, default=100, help="list page size asked for (default 100)")
    sub.add_argument("--ca-bundle", help="CA bundle for a private CA (default: $REQUESTS_CA_BUNDLE)")
    sub.add_argument(
        "--allow-insecure-http", action="store_true", help="allow http:// to a non-loopback host"
    )
    sub.add_argument("--strict", action="store_true", help="refuse a token file readable by other users")
    sub.add_argument("--export", metavar="DIR", help="after a successful sync, export to DIR")
    add_export_options(sub, prefix="export-")
    sub.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    sub.add_argument(
        "--metrics-file", help="write Prometheus metrics here (node_exporter textfile collector)"
    )
    sub.add_argument("--ping-url", help="healthchecks.io-style URL: GET URL/start, then URL/<exit code>")
    cli.add_log_args(sub)


def settings_from(args: argparse.Namespace, env: dict[str, str]) -> config.SyncSettings:
    url = args.url or env.get("AUTHENTIK_URL")
    if not url:
        raise ConfigError("no authentik address: set AUTHENTIK_URL or pass --url https://auth.example.com")
    base_url = config.normalise_base_url(url, allow_insecure_http=args.allow_insecure_http)
    if args.ids and args.ids_file:
        raise ConfigError("give either --ids or --ids-file, not both")
    ids = config.parse_ids(args.ids) if args.ids else None
    if args.ids_file:
        ids = config.read_ids_file(args.ids_file, sys.stdin.read() if args.ids_file == "-" else None)
    if args.page_size < 1:
        raise ConfigError(f"--page-size {args.page_size} must be at least 1")
    return config.SyncSettings(
        base_url=base_url,
        token=config.resolve_token(args.token_file, env, strict=args.strict),
        db_path=config.resolve_db_path(args.db, env),
        mode=args.mode,
        ids=ids,
        concurrency=args.concurrency,
        timeout=args.timeout,
        max_attempts=args.max_attempts,
        page_size=args.page_size,
        ca_bundle=args.ca_bundle or env.get("REQUESTS_CA_BUNDLE"),
    )


def sync_cmd(args: argparse.Namespace) -> int:
    settings = settings_from(args, dict(os.environ))
    logs.add_secret(settings.token)
    if args.export:
        export.check_out_dir(Path(args.export), settings.db_path)
        export.check_options(args.export_format, args.export_keep, args.export_partition_by)
    if args.ping_url:
        monitoring.ping(args.ping_url, "start")
    started, code, result = time.monotonic(), EXIT_FAILED, None
    try:
        code, result = _run_sync(args, settings)
    except EtlError as exc:
        code = exc.exit_code
        raise
    finally:
        _after_sync(args, settings, code, time.monotonic() - started, result)
    return code


def _run_sync(args: argparse.Namespace, settings: config.SyncSettings) -> tuple[int, Any]:
    from authentik_etl.sync import sync

    interrupts = cli.Interrupts()
    interrupts.install()
    with _progress(args) as progress:
        try:
            result = sync(settings, cancel=interrupts.event, on_progress=progress)
        except InterruptedRun:
            log.error("sync interrupted: nothing applied, the run is recorded as failed")
            return interrupts.exit_code, None
    summary = " ".join(f"{k}={v}" for k, v in result.counts().items())
    log.info(
        "sync %s: run %s %s in %.1fs", result.status, result.run_id, summary, result.seconds,
        extra={"run_id": result.run_id, "stage": "summary", "counts": result.counts(),
               "seconds": round(result.seconds, 3), "status": result.status},
    )  # fmt: skip
    if args.export:
        _export(
            settings.db_path,
            Path(args.export),
            args.export_format,
            args.export_keep,
            args.export_partition_by,
        )
    return result.exit_code, result


def _after_sync(
    args: argparse.Namespace, settings: config.SyncSettings, code: int, seconds: float, result: Any
) -> None:
    """Metrics and the closing ping: reported, never allowed to change the run's outcome."""
    if args.metrics_file:
        try:
            monitoring.write_metrics(
                Path(args.metrics_file), settings.db_path, exit_code=code, seconds=seconds, result=result
            )
        except EtlError as exc:
            log.warning("%s", exc)
    if args.ping_url:
        monitoring.ping(args.ping_url, str(code))


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


# -- report, query, export, views ---------------------------------------------------------------
def report_args(sub: argparse.ArgumentParser) -> None:
    cli.add_db_arg(sub)
    sub.add_argument(
        "--html", metavar="FILE", help="also write a self-contained HTML report (charts) to FILE"
    )


def report_cmd(args: argparse.Namespace) -> int:
    con = cli.open_read_only(args)
    try:
        report.render(con, sys.stdout)
        if args.html:
            from authentik_etl import report_html

            report_html.write(con, Path(args.html))
            log.info("HTML report written to %s", args.html)
    except duckdb.CatalogException:
        raise ConfigError("the database has no report views yet: run `authentik-etl sync` first") from None
    finally:
        con.close()
    return 0


def query_args(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("sql", help="a SQL query (the database is opened read-only)")
    cli.add_db_arg(sub)
    sub.add_argument("--format", choices=("table", "csv", "json"), default="table")


def query_cmd(args: argparse.Namespace) -> int:
    con = cli.open_read_only(args)
    try:
        if args.format == "table":
            sys.stdout.write(report.table(con, args.sql))
            return 0
        cursor = con.execute(args.sql)
        columns = [d[0] for d in cursor.description or []]
        _write_rows(args.format, columns, cursor.fetchall())
    except duckdb.Error as exc:
        raise ConfigError(f"SQL error: {str(exc).strip().splitlines()[0]}") from None
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


def export_args(sub: argparse.ArgumentParser) -> None:
    cli.add_db_arg(sub)
    sub.add_argument("--out", required=True, help="folder for the dated snapshot folders")
    add_export_options(sub)


def add_export_options(sub: argparse.ArgumentParser, prefix: str = "") -> None:
    sub.add_argument(
        f"--{prefix}format",
        choices=("parquet", "csv"),
        default="parquet",
        help="parquet (zstd, default) or csv for spreadsheets",
    )
    sub.add_argument(f"--{prefix}keep", type=int, metavar="N", help="keep only the newest N snapshots")
    sub.add_argument(
        f"--{prefix}partition-by",
        choices=("source_slug",),
        help="write connections_flat as one folder per source (hive partitioning)",
    )


def export_cmd(args: argparse.Namespace) -> int:
    path = cli.db_path(args, must_exist=True)
    export.check_out_dir(Path(args.out), path)
    export.check_options(args.format, args.keep, args.partition_by)
    _export(path, Path(args.out), args.format, args.keep, args.partition_by)
    return 0


def _export(
    path: Path, out: Path, fmt: str, keep: int | None = None, partition_by: str | None = None
) -> None:
    con = db.connect(path, read_only=True)
    try:
        result = export.export(con, out, fmt=fmt, keep=keep, partition_by=partition_by)
    finally:
        con.close()
    total = sum(result.rows.values())
    log.info("exported %d tables and views (%d rows) to %s", len(result.rows), total, result.folder)
    if result.pruned:
        log.info(
            "pruned %d old snapshot(s): %s", len(result.pruned), ", ".join(p.name for p in result.pruned)
        )


def views_args(sub: argparse.ArgumentParser) -> None:
    cli.add_db_arg(sub)


def views_cmd(args: argparse.Namespace) -> int:
    con = db.connect(cli.db_path(args, must_exist=True))
    try:
        db.migrate(con)
        names = db.create_views(con)
    finally:
        con.close()
    log.info("views (re)created: %s", ", ".join(names))
    return 0


def status_args(sub: argparse.ArgumentParser) -> None:
    cli.add_db_arg(sub)
    sub.add_argument("--limit", type=int, default=10, help="how many recent runs to show (default 10)")
    sub.add_argument("--max-age", help="exit 1 if the last applied run is older than this, e.g. 26h, 90m, 2d")
    sub.add_argument("--format", choices=("table", "json"), default="table")


def status_cmd(args: argparse.Namespace) -> int:
    max_age = config.parse_duration(args.max_age) if args.max_age else None
    con = cli.open_read_only(args)
    try:
        runs = status.recent_runs(con, args.limit)
        age = status.seconds_since_last_applied(con)
    finally:
        con.close()
    stale = max_age is not None and (age is None or age > max_age)
    if args.format == "json":
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


def demo_args(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--dir", default="demo", help="folder for the demo database and export (default ./demo)")
    sub.add_argument("--connections", type=int, default=84, help="connections in the simulator (default 84)")
    sub.add_argument("--shape", default="2025.12", help="authentik API shape to simulate (default 2025.12)")
    cli.add_log_args(sub)


def demo_cmd(args: argparse.Namespace) -> int:
    from authentik_etl.demo import run_demo

    run_demo(Path(args.dir), connections=args.connections, shape=args.shape, out=sys.stdout)
    return 0


COMMANDS: dict[str, tuple[str, Any, Any]] = {
    "sync": ("fetch every user-source connection and apply it to the database", sync_args, sync_cmd),
    "report": ("print the matching-mode and enabled-source reports", report_args, report_cmd),
    "query": ("run read-only SQL against the database", query_args, query_cmd),
    "export": ("write every table and view to Parquet (or CSV) in a dated folder", export_args, export_cmd),
    "status": ("show recent runs; --max-age for health checks", status_args, status_cmd),
    "views": ("(re)create the SQL views from the files shipped in sql/views", views_args, views_cmd),
    "demo": ("run the whole job against the built-in authentik simulator", demo_args, demo_cmd),
}
