"""The findings as people read them: current ones, or what the last run changed; table, CSV or JSON."""

from __future__ import annotations

import csv
import json
import textwrap
from dataclasses import dataclass, field
from typing import Any, TextIO

import duckdb

from authentik_etl.findings import rules
from authentik_etl.load import db

_ORDER = (
    "CASE {0} WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 END"
)
_CURRENT = (
    "SELECT severity, rule, source_slug, user_pk, username, detail, first_seen_run, last_seen_run, "
    "finding_id FROM security_findings WHERE list_contains(?, severity) "
    f"ORDER BY {_ORDER.format('severity')}, first_seen_at DESC, rule, source_slug, user_pk"
)
_CHANGES = (
    "SELECT e.event AS change, e.severity, e.rule, h.source_slug, h.user_pk, h.username, h.detail, "
    "e.previous_severity, e.finding_id FROM security_finding_events AS e "
    "JOIN security_findings_history AS h ON h.finding_id = e.finding_id "
    "AND h.first_seen_run <= e.run_id AND (h.resolved_run IS NULL OR h.resolved_run >= e.run_id) "
    "WHERE e.run_id = ? AND list_contains(?, e.severity) "
    "ORDER BY CASE e.event WHEN 'new' THEN 0 WHEN 'severity' THEN 1 ELSE 2 END, "
    f"{_ORDER.format('e.severity')}, e.rule, h.source_slug, h.user_pk"
)
_LAST_RUN = (
    "SELECT run_id, skipped_parts, findings_skipped FROM sync_runs "
    f"WHERE run_id = (SELECT run_id FROM ({db.LAST_APPLIED_RUN}))"
)


@dataclass
class Findings:
    columns: list[str]
    rows: list[tuple[Any, ...]]
    run_id: str | None  # the last run that applied its data (and evaluated the findings)
    notes: list[str] = field(default_factory=list)  # what the run could not see or evaluate


def read(
    con: duckdb.DuckDBPyConnection, *, min_severity: str = "info", since_last_run: bool = False
) -> Findings:
    """Current findings (most severe, newest first), or the last run's new, changed and resolved ones."""
    severities = list(rules.at_least(min_severity))
    last = con.execute(_LAST_RUN).fetchall()
    run_id, skipped, not_evaluated = last[0] if last else (None, None, None)
    if since_last_run:
        cursor = con.execute(_CHANGES, [run_id, severities])
    else:
        cursor = con.execute(_CURRENT, [severities])
    columns = [d[0] for d in cursor.description or []]
    return Findings(columns, cursor.fetchall(), run_id, _notes(skipped or [], not_evaluated or []))


def _notes(skipped: list[str], not_evaluated: list[str]) -> list[str]:
    notes = [part for part in skipped if "not in this release" not in part]
    if not_evaluated:
        notes.append(
            f"not evaluated by the last run (its data was not read in full): {', '.join(not_evaluated)}"
        )
    return notes


def new_at_least(con: duckdb.DuckDBPyConnection, run_id: str | None, severity: str) -> int:
    """Findings at or above `severity` that are new in that run (for --fail-on)."""
    rows = con.execute(
        "SELECT count(*) FROM security_finding_events WHERE run_id = ? AND event = 'new' "
        "AND list_contains(?, severity)",
        [run_id, list(rules.at_least(severity))],
    ).fetchall()
    return int(rows[0][0])


def write(found: Findings, fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(found.columns)
        writer.writerows(found.rows)
    elif fmt == "json":
        for row in found.rows:
            out.write(json.dumps(dict(zip(found.columns, row, strict=True)), default=str) + "\n")
    else:
        out.write(table(found))


def table(found: Findings, width: int = 110) -> str:
    """A plain text table: severity, rule, where, detail (wrapped to `width`)."""
    if not found.rows:
        return "no findings\n" + "".join(f"note: {n}\n" for n in found.notes)
    change = found.columns[0] == "change"
    lines = []
    for row in found.rows:
        r = dict(zip(found.columns, row, strict=True))
        head = f"{r['change']:<8} " if change else ""
        where = r["source_slug"] or ""
        if r["username"] or r["user_pk"]:
            where += (" " if where else "") + f"user {r['username'] or r['user_pk']}"
        lines.append(f"{head}{r['severity']:<8} {r['rule']:<34} {where}")
        indent = " " * (len(head) + 9)
        lines.append(textwrap.fill(r["detail"], width, initial_indent=indent, subsequent_indent=indent))
    counts = {sev: sum(1 for row in found.rows if row[found.columns.index("severity")] == sev)
              for sev in rules.SEVERITIES}  # fmt: skip
    summary = ", ".join(f"{n} {sev}" for sev, n in counts.items() if n)
    lines.append(f"{len(found.rows)} finding(s): {summary}")
    lines.extend(f"note: {n}" for n in found.notes)
    return "\n".join(lines) + "\n"
