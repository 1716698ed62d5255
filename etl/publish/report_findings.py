"""The HTML report's findings section: counts per severity, new ones first, each rule's why and fix."""

from __future__ import annotations

from typing import Any

import duckdb

from authentik_etl.findings import rules
from authentik_etl.load import db
from authentik_etl.publish.charts import esc

BADGES = {"critical": "red", "high": "red", "medium": "amber", "low": "", "info": ""}
QUERY = (
    f"SELECT f.*, f.first_seen_run = (SELECT run_id FROM ({db.LAST_APPLIED_RUN})) AS is_new "
    "FROM security_findings AS f"
)


def section(con: duckdb.DuckDBPyConnection) -> str:
    """The whole section; new findings first, then by severity (the view's order)."""
    cursor = con.execute(QUERY)
    names = [d[0] for d in cursor.description or []]
    rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    rows.sort(key=lambda r: (not r["is_new"], rules.rank(r["severity"])))
    body = _counts(rows) + (_table(rows) + _fixes(rows) if rows else '<p class="ok">No findings.</p>')
    return (
        '<section id="security-findings" data-testid="security-findings" class="card">'
        f"<h2>Security findings</h2>{body}</section>"
    )


def _counts(rows: list[dict[str, Any]]) -> str:
    tiles = []
    for severity in rules.SEVERITIES:
        n = sum(1 for r in rows if r["severity"] == severity)
        new = sum(1 for r in rows if r["severity"] == severity and r["is_new"])
        extra = f" ({new} new)" if new else ""
        bad = " bad" if n and rules.rank(severity) < 2 else ""
        tiles.append(f'<div class="stat{bad}" data-testid="findings-{severity}"><b>{n}</b>'
                     f"<span>{severity}{extra}</span></div>")  # fmt: skip
    return f'<div class="stats">{"".join(tiles)}</div>'


def _table(rows: list[dict[str, Any]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in ("severity", "rule", "source", "user", "detail", "first seen"))
    body = []
    for r in rows:
        badge = f'<span class="badge {BADGES.get(r["severity"], "")}">{esc(r["severity"])}</span>'
        new = ' <span class="badge amber">new</span>' if r["is_new"] else ""
        user = r["username"] or (r["user_pk"] if r["user_pk"] is not None else "")
        body.append(
            f'<tr class="{"risk" if r["is_new"] else ""}"><td class="nowrap">{badge}{new}</td>'
            f"<td><code>{esc(r['rule'])}</code></td><td>{esc(r['source_slug'] or '')}</td>"
            f"<td>{esc(user)}</td>"
            f"<td>{esc(r['detail'])}</td><td><code>{esc(r['first_seen_run'])}</code></td></tr>"
        )

    return f'<table data-testid="findings-table"><tr>{head}</tr>{"".join(body)}</table>'


def _fixes(rows: list[dict[str, Any]]) -> str:
    present = {r["rule"] for r in rows}
    items = [
        f'<h3><code>{esc(rule.name)}</code> ({esc(rule.severity)})</h3><p class="desc">{esc(rule.why)}</p>'
        f"<p><b>Fix:</b> {esc(rule.fix)}</p>"
        for rule in rules.load()
        if rule.name in present
    ]
    return '<div data-testid="findings-fixes">' + "".join(items) + "</div>"
