"""`authentik-etl demo`: the whole nightly job against the built-in authentik simulator."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import TextIO

from authentik_etl.core import logs
from authentik_etl.core.config import SyncSettings
from authentik_etl.job.sync import sync
from authentik_etl.load import db
from authentik_etl.publish import export, report
from authentik_etl.simulator import Dataset, Simulator

log = logging.getLogger(__name__)


def run_demo(folder: Path, *, connections: int = 84, shape: str = "2025.12", out: TextIO) -> Path:
    """Start the simulator, sync into folder/authentik.duckdb, print the report, export Parquet."""
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    logs.add_secret(token)
    dataset = Dataset.generate(connections=connections, shape=shape, seed=1)
    db_path = folder / "authentik.duckdb"
    with Simulator(dataset, token=token) as sim:
        log.info("authentik simulator (API shape %s, %d connections) at %s", shape, connections, sim.url)
        settings = SyncSettings(base_url=sim.url, token=token, db_path=db_path)
        result = sync(settings)
    counts = " ".join(f"{k}={v}" for k, v in result.counts().items())
    log.info("sync %s: run %s %s in %.1fs", result.status, result.run_id, counts, result.seconds)
    con = db.connect(db_path, read_only=True)
    try:
        report.render(con, out)
        exported = export.export(con, folder / "exports")
    finally:
        con.close()
    out.write(f"\nDatabase: {db_path}\nParquet export: {exported.folder}\n")
    out.write(f'Try: authentik-etl query --db {db_path} "SELECT * FROM connections_flat LIMIT 5"\n')
    return db_path
