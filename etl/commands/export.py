"""`authentik-etl export`: Parquet or CSV snapshots."""

from __future__ import annotations

import argparse
from pathlib import Path

from authentik_etl.commands import common
from authentik_etl.core.errors import ConfigError
from authentik_etl.job.nightly import log_export
from authentik_etl.load import db
from authentik_etl.publish import export


def export_cmd(args: argparse.Namespace) -> int:
    path = common.db_path(args, must_exist=True)
    if not args.export_dir:
        raise ConfigError("no folder to export to: pass --out DIR (or set export_dir in the config file)")
    out = Path(args.export_dir).expanduser()
    export.check_out_dir(out, path)
    export.check_options(args.export_format, args.export_keep, args.export_partition_by)
    con = db.connect(path, read_only=True)
    try:
        result = export.export(
            con, out, fmt=args.export_format, keep=args.export_keep, partition_by=args.export_partition_by
        )
    finally:
        con.close()
    log_export(result)
    return 0
