"""Running the tool under test: through the library (`sync()`) or as the `authentik-etl` process."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authentik_etl.core.settings import SyncSettings
from authentik_etl.job.sync import SyncResult, sync

CLI_TIMEOUT = 1800


@dataclass(frozen=True)
class Real:
    base_url: str
    token: str = field(repr=False)
    conninfo: str = field(repr=False)


def run_sync(
    real: Real, db_path: Path, *, mode: str = "list", token: str | None = None, **options: Any
) -> SyncResult:
    """One sync through the library, as `authentik-etl sync` runs it (options: SyncSettings fields)."""
    settings = SyncSettings(
        base_url=real.base_url, token=token or real.token, db_path=db_path, mode=mode, concurrency=4,
        **options,
    )  # fmt: skip
    return sync(settings)


def run_cli(
    real: Real, db_path: Path, *, mode: str = "list", token: str | None = None
) -> subprocess.CompletedProcess[str]:
    """One `authentik-etl sync` process (the installed console script), its output captured."""
    script = Path(sys.executable).with_name("authentik-etl")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "authentik_etl"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHENTIK_")}
    env.update(AUTHENTIK_URL=real.base_url, AUTHENTIK_TOKEN=token or real.token)
    return subprocess.run(
        [*command, "sync", "--db", str(db_path), "--mode", mode, "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def tail(process: subprocess.CompletedProcess[str], lines: int = 15) -> str:
    """The last lines of a CLI run's stderr (its log never holds the token), for assert messages."""
    return "\n".join(process.stderr.strip().splitlines()[-lines:])
