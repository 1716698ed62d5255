"""The command line's actions: one short handler per command (arguments in, one core call, out).

Each entry: name -> (help, add_arguments(subparser), handler(args) -> exit code).
"""

from __future__ import annotations

from typing import Any

from authentik_etl.commands import demo, export, read, sync

COMMANDS: dict[str, tuple[str, Any, Any]] = {
    "sync": (
        "fetch every user-source connection and apply it to the database",
        sync.sync_args,
        sync.sync_cmd,
    ),
    "report": ("print the matching-mode and enabled-source reports", read.report_args, read.report_cmd),
    "query": ("run read-only SQL against the database", read.query_args, read.query_cmd),
    "export": (
        "write every table and view to Parquet (or CSV) in a dated folder",
        export.export_args,
        export.export_cmd,
    ),
    "status": ("show recent runs; --max-age for health checks", read.status_args, read.status_cmd),
    "views": (
        "(re)create the SQL views from the files shipped in sql/views",
        read.views_args,
        read.views_cmd,
    ),
    "demo": ("run the whole job against the built-in authentik simulator", demo.demo_args, demo.demo_cmd),
}
