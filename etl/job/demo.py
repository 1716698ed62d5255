"""`authentik-etl demo`: the whole nightly job against the built-in authentik simulator."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import TextIO

from authentik_etl.core import logs
from authentik_etl.core.settings import SyncSettings
from authentik_etl.job.nightly import run_nightly
from authentik_etl.load import db
from authentik_etl.publish import findings, report
from authentik_etl.simulator import Dataset, Simulator

log = logging.getLogger(__name__)


def run_demo(folder: Path, *, connections: int = 84, shape: str = "2025.12", out: TextIO) -> Path:
    """Start the simulator, run the night into folder/ (database and export), print the report."""
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    logs.add_secret(token)
    dataset = Dataset.for_findings(connections=connections, shape=shape, seed=1)
    db_path = folder / "authentik.duckdb"
    with Simulator(dataset, token=token) as sim:
        log.info("authentik simulator (API shape %s, %d connections) at %s", shape, connections, sim.url)
        settings = SyncSettings(base_url=sim.url, token=token, db_path=db_path, export_dir=folder / "exports")
        night = run_nightly(settings)
    assert night.export is not None
    con = db.connect(db_path, read_only=True)
    try:
        report.render(con, out)
        out.write("\nSecurity findings (authentik-etl findings)\n")
        findings.write(findings.read(con), "table", out)
    finally:
        con.close()
    out.write(f"\nDatabase: {db_path}\nParquet export: {night.export.folder}\n")
    out.write(f'Try: authentik-etl query --db {db_path} "SELECT * FROM connections_flat LIMIT 5"\n')
    out.write(f"     authentik-etl findings --db {db_path} --min-severity high\n")
    return db_path
