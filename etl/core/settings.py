"""The settings of a run, validated once, with one-line errors (exit 2)."""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authentik_etl.core import config
from authentik_etl.core.errors import ConfigError
from authentik_etl.core.options import AUTO

DEFAULT_MAX_DELETE = "10%"
PERCENT_FLOOR_ROWS = 10
_LIMIT = re.compile(r"([0-9]{1,12})(%?)")

MAX_RPS_LIMIT = 10_000.0
AUTO_CONCURRENCY_MAXIMUM = 8  # the most in flight `--concurrency auto` tries: kind to a shared server


def check_max_rps(value: float | None) -> None:
    if value is not None and not 0 < value <= MAX_RPS_LIMIT:
        raise ConfigError(
            f"--max-rps {value:g} is out of range: use requests per second above 0, up to {MAX_RPS_LIMIT:g}"
        )


@dataclass(frozen=True)
class DeleteLimit:
    """`--max-delete`: an absolute number of rows, or a percentage of the stored live rows."""

    value: int
    percent: bool

    @classmethod
    def parse(cls, text: str) -> DeleteLimit:
        match = _LIMIT.fullmatch(text.strip())
        if not match or (match[2] and int(match[1]) > 100):
            raise ConfigError(
                f"--max-delete {text!r} is not a row count or a percentage: write it like 50 or 10%"
            )
        return cls(int(match[1]), bool(match[2]))

    def rows(self, stored: int) -> int:
        """How many of `stored` live rows one run may delete."""
        if not self.percent:
            return self.value
        return max(PERCENT_FLOOR_ROWS, math.floor(stored * self.value / 100))

    def __str__(self) -> str:
        return f"{self.value}%" if self.percent else str(self.value)


DEFAULT_LIMIT = DeleteLimit.parse(DEFAULT_MAX_DELETE)


@dataclass(frozen=True)
class SyncSettings:
    base_url: str
    token: str = field(repr=False)
    db_path: Path
    mode: str = "retrieve"
    ids: list[int] | None = None
    concurrency: int = 4  # requests in flight; with auto_concurrency, the most it may try
    auto_concurrency: bool = False  # --concurrency auto: seek the fastest level, up to `concurrency`
    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_attempts: int = 5
    page_size: int = 100
    ca_bundle: str | None = None
    max_rps: float | None = None
    adaptive: bool = False  # adaptive concurrency, at most `concurrency` in flight
    max_delete: DeleteLimit = DEFAULT_LIMIT  # the deletion guard's limit (--max-delete)
    allow_mass_delete: bool = False  # this run may delete more than max_delete
    directory: bool = True  # read users and groups (for the findings); --no-directory turns it off
    fail_on: str | None = None  # exit 5 when a finding at or above this severity is new in the run
    incremental: bool = False  # list only what changed since the last successful run's watermark
    full_every: float = 7 * 86400.0  # seconds: with incremental, a full run when the last is older
    safety_margin: float = 300.0  # seconds: list back to the watermark minus this
    # the rest of the night (job/nightly.py): export, metrics, pings
    export_dir: Path | None = None
    export_format: str = "parquet"
    export_keep: int | None = None
    export_partition_by: str | None = None
    metrics_file: Path | None = None
    ping_url: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in ("retrieve", "list"):
            raise ConfigError(f"--mode {self.mode!r} is not known: use retrieve or list")
        if not 1 <= self.concurrency <= 64:
            raise ConfigError(f"--concurrency {self.concurrency} is out of range: use 1 to 64")
        if not 0 < self.timeout <= 600:
            raise ConfigError(f"--timeout {self.timeout} is out of range: use seconds between 0 and 600")
        if not 1 <= self.max_attempts <= 20:
            raise ConfigError(f"--max-attempts {self.max_attempts} is out of range: use 1 to 20")
        check_max_rps(self.max_rps)
        if self.full_every < 0 or self.safety_margin < 0:
            raise ConfigError("--full-every and --safety-margin must not be negative")
        if self.ca_bundle and not os.path.isfile(self.ca_bundle):
            raise ConfigError(f"--ca-bundle {self.ca_bundle} is not a readable file")


def sync_settings(
    values: Mapping[str, Any],
    origins: Mapping[str, str],
    env: Mapping[str, str],
    read_stdin: Callable[[], str] = lambda: "",
) -> SyncSettings:
    """SyncSettings from the resolved options of `sync` (core/configfile.resolve)."""
    if not values["url"]:
        raise ConfigError(
            "no authentik address: set AUTHENTIK_URL, url in the config file, or pass --url "
            "https://auth.example.com"
        )
    if values["ids"] and values["ids_file"]:
        raise ConfigError("give either --ids or --ids-file, not both")
    ids = config.parse_ids(values["ids"]) if values["ids"] else None
    if values["ids_file"]:
        stdin = read_stdin() if values["ids_file"] == "-" else None
        ids = config.read_ids_file(values["ids_file"], stdin)
    if values["page_size"] < 1:
        raise ConfigError(f"--page-size {values['page_size']} must be at least 1")
    token_file, origin = values["token_file"], origins["token_file"]
    return SyncSettings(
        base_url=config.normalise_base_url(values["url"], allow_insecure_http=values["allow_insecure_http"]),
        token=config.resolve_token(
            token_file if origin == "flag" else None,
            env,
            strict=values["strict"],
            file_token_file=token_file if origin == "file" else None,
        ),
        db_path=config.resolve_db_path(values["db"], {}),
        ids=ids,
        adaptive=values["adaptive_concurrency"],
        **parse_concurrency(values["concurrency"]),
        directory=not values["no_directory"],
        max_delete=DeleteLimit.parse(str(values["max_delete"])),
        full_every=_duration("--full-every", values["full_every"]),
        safety_margin=_duration("--safety-margin", values["safety_margin"]),
        ca_bundle=values["ca_bundle"],
        export_dir=_path(values["export_dir"]),
        metrics_file=_path(values["metrics_file"]),
        **{key: values[key] for key in _SAME_NAME},
    )


_SAME_NAME = ("mode", "timeout", "max_attempts", "page_size", "max_rps", "allow_mass_delete",
              "export_format", "export_keep", "export_partition_by", "ping_url", "fail_on",
              "incremental")  # fmt: skip


def parse_concurrency(value: int | str) -> dict[str, Any]:
    """`--concurrency`: "auto" (seek the fastest level, up to AUTO_CONCURRENCY_MAXIMUM) or a number
    (checked in range by SyncSettings)."""
    if value == AUTO:
        return {"concurrency": AUTO_CONCURRENCY_MAXIMUM, "auto_concurrency": True}
    return {"concurrency": int(value), "auto_concurrency": False}


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser() if value else None


def _duration(flag: str, value: Any) -> float:
    try:
        return config.parse_duration(str(value))
    except ConfigError:
        raise ConfigError(f"{flag} {value!r} is not a duration: write it like 7d, 36h, 90m or 300s") from None
