"""`authentik-etl export`: Parquet or CSV snapshots."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from authentik_etl.commands import cli
from authentik_etl.load import db
from authentik_etl.publish import export

log = logging.getLogger("authentik_etl")


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
    run_export(path, Path(args.out), args.format, args.keep, args.partition_by)
    return 0


def run_export(
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
