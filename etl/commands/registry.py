"""The commands: name -> (help, extra arguments or None, handler(args) -> exit code).

Their options (flags, environment, config file) come from core/options.py; only positional
arguments are added here.
"""

from __future__ import annotations

from typing import Any

from authentik_etl.commands import demo, export, findings, read, sync

COMMANDS: dict[str, tuple[str, Any, Any]] = {
    "sync": ("fetch every user-source connection and apply it to the database", None, sync.sync_cmd),
    "report": ("print the matching-mode and enabled-source reports", None, read.report_cmd),
    "query": ("run read-only SQL against the database", read.query_args, read.query_cmd),
    "export": ("write every table and view to Parquet (or CSV) in a dated folder", None, export.export_cmd),
    "findings": ("print the security findings (most severe, newest first)", None, findings.findings_cmd),
    "status": ("show recent runs; --max-age for health checks", None, read.status_cmd),
    "views": ("(re)create the SQL views from the files shipped in sql/views", None, read.views_cmd),
    "demo": ("run the whole job against the built-in authentik simulator", None, demo.demo_cmd),
}
