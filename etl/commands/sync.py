"""`authentik-etl sync`: settings from flags and environment, the run, metrics and pings."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any

from authentik_etl.commands import cli
from authentik_etl.commands.export import add_export_options, run_export
from authentik_etl.core import config, logs
from authentik_etl.core.errors import EXIT_FAILED, ConfigError, EtlError, InterruptedRun
from authentik_etl.load import guard
from authentik_etl.publish import export, metrics

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
        "--adaptive-concurrency",
        action="store_true",
        help="find the concurrency the server takes (AIMD on latency, 429, 503), up to --concurrency",
    )
    sub.add_argument(
        "--max-rps", type=float, help="cap on requests per second, retries included (default: none)"
    )
    sub.add_argument(
        "--timeout", type=float, default=30.0, help="read timeout per request, seconds (default 30)"
    )
    sub.add_argument("--max-attempts", type=int, default=5, help="attempts per request (default 5)")
    sub.add_argument("--page-size", type=int, default=100, help="list page size asked for (default 100)")
    sub.add_argument(
        "--max-delete",
        default=guard.DEFAULT_MAX_DELETE,
        help="most connections (or sources) one run may delete: N rows or P%% of the stored ones "
        f"(default {guard.DEFAULT_MAX_DELETE}, at least {guard.PERCENT_FLOOR_ROWS} rows); more is exit 6",
    )
    sub.add_argument(
        "--allow-mass-delete",
        action="store_true",
        help="let this run delete more than --max-delete (never when authentik refused a listing)",
    )
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
        max_rps=args.max_rps,
        adaptive=args.adaptive_concurrency,
        max_delete=guard.DeleteLimit.parse(args.max_delete),
        allow_mass_delete=args.allow_mass_delete,
    )


def sync_cmd(args: argparse.Namespace) -> int:
    settings = settings_from(args, dict(os.environ))
    logs.add_secret(settings.token)
    if args.export:
        export.check_out_dir(Path(args.export), settings.db_path)
        export.check_options(args.export_format, args.export_keep, args.export_partition_by)
    if args.ping_url:
        metrics.ping(args.ping_url, "start")
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
    from authentik_etl.job.sync import sync

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
        run_export(
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
            metrics.write_metrics(
                Path(args.metrics_file), settings.db_path, exit_code=code, seconds=seconds, result=result
            )
        except EtlError as exc:
            log.warning("%s", exc)
    if args.ping_url:
        metrics.ping(args.ping_url, str(code))


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
