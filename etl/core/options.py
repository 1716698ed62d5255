"""Every option of every command, once: its key, type, default, flag, environment variable, help.

The argparse flags (commands/cli.py), the README's configuration table (docs/readme_outputs.py) and
the schedule samples (tests/test_schedules.py) are generated from or checked against OPTIONS. A value
comes from, in this order: the flag, the environment, the config file (--config, TOML), the default.
The API token itself has no key, no flag: only AUTHENTIK_TOKEN or a token file (see core/config.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

SYNC = ("sync",)
DATABASE = ("sync", "report", "query", "export", "status", "views", "findings")
SEVERITIES = ("critical", "high", "medium", "low", "info")
EVERY = (*DATABASE, "demo")
KINDS = ("str", "int", "float", "bool", "choice", "level")  # level: "auto" or an integer
AUTO = "auto"


def parse_level(text: str) -> int | str:
    """A "level" option's text: "auto", or an integer (ValueError otherwise)."""
    text = text.strip().lower()
    return AUTO if text == AUTO else int(text)


@dataclass(frozen=True)
class Option:
    key: str  # the config file's key, and the name the command reads
    help: str  # one line, for --help
    kind: str = "str"
    default: Any = None
    choices: tuple[str, ...] = ()
    env: str | None = ""  # "" means AUTHENTIK_ETL_<KEY>; None: no environment variable
    commands: tuple[str, ...] = SYNC
    flags: tuple[tuple[str, str], ...] = ()  # (command, flag) where a command names it otherwise
    metavar: str | None = None
    doc: str = ""  # the README's longer meaning (default: help)
    in_file: bool = True  # False: one run's decision, never a config file's (allow_mass_delete)

    @property
    def env_name(self) -> str | None:
        return f"AUTHENTIK_ETL_{self.key.upper()}" if self.env == "" else self.env

    def flag(self, command: str) -> str:
        return dict(self.flags).get(command, "--" + self.key.replace("_", "-"))

    @property
    def meaning(self) -> str:
        return self.doc or self.help


def _o(key: str, help: str, **kw: Any) -> Option:
    return Option(key, help, **kw)


_EXPORT_FORMAT = "parquet (zstd, default) or csv for spreadsheets"
OPTIONS: tuple[Option, ...] = (
    _o("url", "authentik address, e.g. https://auth.example.com", env="AUTHENTIK_URL",
       doc="authentik's address, e.g. `https://auth.example.com`; a trailing `/api/v3` is "
       "accepted and dropped (required)"),
    _o("token_file", "file holding the API token (or the token itself in $AUTHENTIK_TOKEN)",
       env="AUTHENTIK_TOKEN_FILE",
       doc="a file holding the API token (one trailing newline is stripped); `AUTHENTIK_TOKEN` (the token "
       "itself, environment only) is read before a token file from the environment or the config file. "
       "There is deliberately no `--token` flag (command lines are visible in `ps`) and no `token` key"),
    _o("db", "DuckDB file", default="authentik.duckdb", env="AUTHENTIK_ETL_DB", commands=DATABASE,
       doc="the DuckDB file (its folder must exist)"),
    _o("mode", "retrieve: one GET per connection; list: objects straight from list pages", kind="choice",
       default="retrieve", choices=("retrieve", "list"),
       doc="`retrieve`: one `GET .../all/{id}/` per connection; `list`: objects straight from the "
       "list pages"),
    _o("ids", "only these connection ids, e.g. 3,7,10-20 (no deletion marking)",
       doc="only these connection ids (`3,7,10-20`). Nothing is marked deleted except ids that answer 404"),
    _o("ids_file", "file with one connection id per line, - for stdin"),
    _o("concurrency", "requests in flight, 1-64, or auto (find the fastest, 1-8)", kind="level", default=4,
       metavar="N|auto",
       doc="requests in flight (1-64). `auto` holds the number, from 1 to 8, at which the server answers "
       "the most per second: it measures answers per second at its level and the next ones down and up, "
       "moves where it is faster, and checks again as the night goes on (`etl/extract/seeking.py`); where "
       "it settled is logged and kept in `sync_runs.concurrency`. 4 stays the default: on the two real "
       "test servers `auto` did not beat it (README, \"Against a real server\")"),
    _o("adaptive_concurrency", "find the concurrency the server takes (AIMD), up to --concurrency",
       kind="bool", default=False,
       doc="let the sync find how many requests in flight the server takes, from 1 up to `--concurrency`: "
       "additive increase while answers stay fast, a cut on 429, 503, failed connections or latency rising "
       "past 1.5x the fastest answer. The value it ended at is logged and kept in `sync_runs.concurrency`"),
    _o("max_rps", "cap on requests per second, retries included", kind="float",
       doc="a hard ceiling on requests per second, retries included: requests start evenly spaced (one "
       "every 1/N s, no bursts), whatever `--concurrency` allows"),
    _o("timeout", "read timeout per request, seconds", kind="float", default=30.0,
       doc="read timeout per request, seconds (connect timeout: 10 s)"),
    _o("max_attempts", "attempts per request", kind="int", default=5,
       doc="attempts per request before it counts as failed"),
    _o("page_size", "list page size asked for", kind="int", default=100,
       doc="page size asked for when listing (servers may cap it; the tool follows `next` "
       "and checks `count`)"),
    _o("max_delete", "most connections (or sources) one run may delete: N rows or P% (more is exit 6)",
       default="10%",
       doc="the most connections (and, separately, sources) one run may delete: `N` rows or `P%` of the "
       "live stored rows of that kind (a percentage allows at least 10 rows). A run that would delete "
       "more applies nothing and exits 6"),
    _o("allow_mass_delete", "let this run delete more than --max-delete (never over a refusal)", kind="bool",
       default=False, env=None, in_file=False,
       doc="let this one run delete more than `--max-delete`. Never overrides a refusal (exit 4). A flag "
       "only: no environment variable, no config key, so a schedule cannot keep it on"),
    _o("no_directory", "do not read users and groups (the findings need them)", kind="bool", default=False,
       doc="do not read users and groups (`/core/users/`, `/core/groups/`). They are read by default (the "
       "security findings need them); a token that may not read them is not an error (the run records "
       "what it skipped)"),
    _o("incremental", "list only the connections changed since the last successful run (2025.4+)",
       kind="bool", default=False,
       doc="list only the connections changed since the last successful run: `ordering=-last_updated`, "
       "stopping at its watermark minus `--safety-margin` (authentik 2025.4 and later). Sources, users and "
       "groups are still read in full, and the connections of a changed source are listed again. Falls back "
       "to a full sync, with one log line saying why, where it cannot be trusted (no watermark yet, an API "
       "shape without `last_updated`, a server that does not honour the ordering). Never marks anything "
       "deleted: that is the full runs' job (`--full-every`)"),
    _o("full_every", "with --incremental: a full sync when the last one is older than this", default="7d",
       metavar="AGE",
       doc="with `--incremental`: make the run a full one (every connection listed, deletions reconciled) "
       "when the last full sync that applied its data is older than this (`7d`, `36h`; `0` makes every run "
       "full)"),
    _o("safety_margin", "with --incremental: re-read this much before the watermark", default="5m",
       metavar="AGE",
       doc="with `--incremental`: list back to the watermark minus this margin (`5m`), so a row committed "
       "late with an older `last_updated` is still read"),
    _o("fail_on", "exit 5 when a finding at or above this severity is new", kind="choice", choices=SEVERITIES,
       commands=("sync", "findings"), metavar="SEVERITY",
       doc="exit 5 when a security finding at or above this severity (`critical`, `high`, `medium`, `low`, "
       "`info`) is new in this run (for `findings`: in the last run), so cron, systemd and Kubernetes alert "
       "on it. The data is still applied; 5 beats 3 (partial), and the summary line says both"),
    _o("ca_bundle", "CA bundle for a private CA", env="REQUESTS_CA_BUNDLE",
       doc="CA bundle (PEM) for a private CA; default: the system's CAs. TLS verification is always on"),
    _o("allow_insecure_http", "allow http:// to a non-loopback host", kind="bool", default=False),
    _o("strict", "refuse a token file readable by other users", kind="bool", default=False,
       doc="refuse a token file readable by other users (otherwise: a warning)"),
    _o("export_dir", "after a successful sync, export to DIR", metavar="DIR",
       commands=("sync", "export"), flags=(("sync", "--export"), ("export", "--out")),
       doc="where `export` writes its dated snapshot folders; for `sync`, export there after a successful "
       "(or partial) sync"),
    _o("export_format", _EXPORT_FORMAT, kind="choice", default="parquet", choices=("parquet", "csv"),
       commands=("sync", "export"), flags=(("export", "--format"),)),
    _o("export_keep", "keep only the newest N snapshots", kind="int", metavar="N",
       commands=("sync", "export"), flags=(("export", "--keep"),)),
    _o("export_partition_by", "write connections_flat as one folder per source (hive partitioning)",
       kind="choice", choices=("source_slug",), commands=("sync", "export"),
       flags=(("export", "--partition-by"),)),
    _o("no_progress", "no progress bar even on a terminal", kind="bool", default=False),
    _o("metrics_file", "write Prometheus metrics here (node_exporter textfile collector)",
       doc="write Prometheus metrics there after the run, atomically (node_exporter's textfile collector)"),
    _o("ping_url", "healthchecks.io-style URL: GET URL/start, then URL/<exit code>",
       doc="healthchecks.io-style monitoring: `GET <url>/start` before, `GET <url>/<exit code>` after; a "
       "failed ping is only a warning"),
    _o("log_format", "stderr log format", kind="choice", default="text", choices=("text", "json"),
       commands=EVERY,
       doc="`text` or `json` (one object per line, with `run_id`, `stage`, `counts`, `seconds`, `status`)"),
    _o("log_level", "stderr log level", kind="choice", default="INFO",
       choices=("DEBUG", "INFO", "WARNING", "ERROR"), commands=EVERY, doc="`DEBUG` shows every retry"),
    _o("report_html", "also write a self-contained HTML report (charts) to FILE", metavar="FILE",
       commands=("report",), flags=(("report", "--html"),)),
    _o("query_format", "output format", kind="choice", default="table", choices=("table", "csv", "json"),
       commands=("query",), flags=(("query", "--format"),)),
    _o("findings_format", "output format", kind="choice", default="table", choices=("table", "csv", "json"),
       commands=("findings",), flags=(("findings", "--format"),)),
    _o("since_last_run", "only what the last run found new or resolved", kind="bool", default=False,
       commands=("findings",), in_file=False, env=None),
    _o("min_severity", "only findings at or above this severity", kind="choice", default="info",
       choices=SEVERITIES, commands=("findings",), metavar="SEVERITY"),
    _o("status_limit", "how many recent runs to show", kind="int", default=10, commands=("status",),
       flags=(("status", "--limit"),)),
    _o("max_age", "exit 1 if the last applied run is older than this, e.g. 26h, 90m, 2d",
       commands=("status",)),
    _o("status_format", "output format", kind="choice", default="table", choices=("table", "json"),
       commands=("status",), flags=(("status", "--format"),)),
    _o("demo_dir", "folder for the demo database and export", default="demo", commands=("demo",),
       flags=(("demo", "--dir"),)),
    _o("demo_connections", "connections in the simulator", kind="int", default=84, commands=("demo",),
       flags=(("demo", "--connections"),)),
    _o("demo_shape", "authentik API shape to simulate", default="2025.12", commands=("demo",),
       flags=(("demo", "--shape"),)),
)  # fmt: skip
BY_KEY = {option.key: option for option in OPTIONS}
COMMAND_NAMES = tuple(dict.fromkeys(c for option in OPTIONS for c in option.commands))


def for_command(command: str) -> Iterator[Option]:
    return (option for option in OPTIONS if command in option.commands)
