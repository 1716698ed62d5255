"""Evaluating the rules after a run's data is applied, inside the same transaction.

A rule is evaluated only when every part it needs was read in full by the run; otherwise its
current findings stay exactly as they were (a run resolves nothing it could not evaluate, and
raises nothing from stale data). The comparison with the stored findings (sql/findings_history/)
records what is new, what is resolved and which severities changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from authentik_etl.findings import rules
from authentik_etl.load import sqlfiles

_PARAM = re.compile(r"\$([a-z_]+)")
_NOW_TABLE = (
    "CREATE OR REPLACE TEMP TABLE findings_now (finding_id VARCHAR, rule VARCHAR, severity VARCHAR, "
    "source_pk UUID, source_slug VARCHAR, user_pk BIGINT, username VARCHAR, detail VARCHAR)"
)
_INSERT = (
    "INSERT INTO findings_now SELECT md5(? || '|' || key), ?, severity, source_pk, source_slug, user_pk, "
    "username, detail FROM ({sql}) QUALIFY row_number() OVER (PARTITION BY key ORDER BY severity) = 1"
)


@dataclass
class Evaluation:
    not_evaluated: list[str] = field(default_factory=list)  # rules whose data the run did not read in full
    new: dict[str, int] = field(default_factory=dict)  # severity -> findings new in this run
    resolved: int = 0
    current: dict[str, int] = field(default_factory=dict)  # severity -> current findings


def evaluate(
    con: duckdb.DuckDBPyConnection, run_id: str, now: datetime, complete: Iterable[str]
) -> Evaluation:
    """Evaluate every rule the run can, and record what changed; returns the counts."""
    read, result = set(complete), Evaluation()
    con.execute(_NOW_TABLE)
    for rule in rules.load():
        if set(rule.needs) <= read:
            con.execute(_INSERT.format(sql=rule.sql), [rule.name, rule.name])
        else:
            result.not_evaluated.append(rule.name)
    params = {"run_id": run_id, "now": now, "not_evaluated": result.not_evaluated}
    for _name, text in sqlfiles.listing("findings_history"):
        con.execute(text, {key: params[key] for key in _PARAM.findall(text)})
    result.new = _by_severity(con, "SELECT severity, count(*) FROM security_finding_events "
                                   "WHERE run_id = ? AND event = 'new' GROUP BY ALL", [run_id])  # fmt: skip
    result.current = _by_severity(con, "SELECT severity, count(*) FROM security_findings_history "
                                       "WHERE resolved_run IS NULL GROUP BY ALL", [])  # fmt: skip
    [(result.resolved,)] = con.execute(
        "SELECT count(*) FROM security_finding_events WHERE run_id = ? AND event = 'resolved'", [run_id]
    ).fetchall()
    con.execute("DROP TABLE findings_now")
    return result


def _by_severity(con: duckdb.DuckDBPyConnection, sql: str, params: list[str]) -> dict[str, int]:
    return {severity: int(n) for severity, n in con.execute(sql, params).fetchall()}
