"""The HTML report: one self-contained page (tables and inline SVG charts), no script, nothing fetched.

It reads only the report views and `sync_runs`; every value goes through html.escape.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from authentik_etl.load import db
from authentik_etl.publish import report_findings
from authentik_etl.publish.charts import (
    Bar,
    colour,
    column_chart,
    esc,
    hbar_chart,
    mode_order,
    trend_chart,
)

Row = dict[str, Any]
Data = dict[str, list[Row]]
RISKY_MODES = ("email_link", "username_link")
RISKY_TITLE = "Sources that link accounts by email or username"
STATUS_BADGES = {"succeeded": "green", "partial": "amber", "failed": "red"}
QUERIES = {
    "modes": "SELECT * FROM matching_mode_report",
    "enabled": "SELECT * FROM enabled_sources_report",
    "per_source": "SELECT slug, enabled, mode, sum(n)::BIGINT AS connections FROM ("
    "SELECT coalesce(source_slug, '(unknown source)') AS slug, coalesce(source_enabled, false) AS enabled, "
    "source_user_matching_mode AS mode, 1 AS n FROM connections_flat UNION ALL "
    "SELECT slug, true, user_matching_mode, 0 FROM enabled_sources_report) GROUP BY ALL "
    "ORDER BY connections DESC, slug",
    "totals": "SELECT count(*) AS connections, count(DISTINCT user_pk) AS users FROM connections_flat",
    "history": "WITH last AS (SELECT DISTINCT run_id, finished_at FROM matching_mode_history "
    "ORDER BY finished_at DESC LIMIT 30) SELECT h.run_id, h.finished_at, h.user_matching_mode, h.connections "
    "FROM matching_mode_history AS h JOIN last USING (run_id) ORDER BY h.finished_at, h.user_matching_mode",
    "runs": "SELECT * FROM sync_runs ORDER BY started_at DESC LIMIT 10",
    "applied": db.LAST_APPLIED_RUN,
    "changes": "SELECT changed_at, slug, attribute, before, after, run_id FROM source_changes "
    "ORDER BY changed_at DESC, slug, attribute LIMIT 20",
}
# Table columns: "key" or "key:kind" (see cell()); the heading is the key with spaces.
MODE_TABLE = "user_matching_mode:mode sources enabled_sources connections distinct_users description"
SOURCE_TABLE = "slug:code name type user_matching_mode:mode policy_engine_mode connections distinct_users"
RISKY_TABLE = "slug:code name type policy_engine_mode connections distinct_users newest_connection"
CHANGE_TABLE = "changed_at slug:code attribute before after:bold run_id:code"
RUN_TABLE = (
    "run_id:code started_at status:status mode fetched inserted updated unchanged deleted failed error"
)
FONT = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif'
CSS = f"""*{{box-sizing:border-box}}body{{margin:0;background:#f1f4f8;color:#1e293b;font:14px/1.45 {FONT}}}
main{{max-width:1240px;margin:0 auto;padding:24px 20px 32px}}h1{{margin:0 0 4px;font-size:26px}}
h2{{margin:0 0 12px;font-size:17px}}h3{{margin:14px 0 6px;font-size:15px}}.meta{{margin:0;color:#475569}}
code{{font:12.5px ui-monospace,Menlo,Consolas,monospace;background:#eef2f7;padding:1px 5px;border-radius:4px}}
.card,.stat{{background:#fff;border:1px solid #dfe5ee;border-radius:10px;box-shadow:0 1px 2px #0f172a0d}}
.card{{padding:16px 18px;margin:0 0 16px}}.grid{{display:grid;grid-template-columns:1fr 1fr;gap:0 16px}}
.stats{{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin:16px 0}}.stat{{padding:12px 16px}}
.stat b{{display:block;font-size:26px;line-height:1.2}}.stat span{{color:#64748b;font-size:12.5px}}
.stat.bad b{{color:#b91c1c}}.warning{{background:#fff7ed;border-color:#fdba74;border-left:6px solid #dc2626}}
.warning h2{{color:#9a3412}}.risk-text{{margin:4px 0;padding:8px 12px;background:#fee2e2;border-radius:6px;
color:#7f1d1d;font-weight:600}}.desc{{margin:4px 0 8px;color:#475569}}.ok{{color:#166534;margin:0}}
.notice{{margin:6px 0 0;color:#9a3412}}table{{border-collapse:collapse;width:100%;font-size:13px}}
th,td{{padding:5px 8px;text-align:left;border-bottom:1px solid #e8edf3;vertical-align:top}}
th{{background:#f6f8fb;color:#475569;font-weight:600;white-space:nowrap}}.num{{text-align:right;
font-variant-numeric:tabular-nums}}tr.risk td{{background:#fff1f0}}.nowrap{{white-space:nowrap}}
.badge{{padding:0 7px;border-radius:9px;font-size:12px;font-weight:600;background:#e2e8f0;color:#334155}}
.green{{background:#dcfce7;color:#166534}}.amber{{background:#fef3c7;color:#92400e}}.red{{background:#fee2e2;
color:#b91c1c}}.swatch{{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}}
.legend{{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12.5px}}
.empty{{color:#64748b;font-style:italic;margin:0}}svg{{display:block;max-width:100%;height:auto}}
svg text{{font:12px {FONT};fill:#334155}}svg .axis{{fill:#64748b;font-size:11px}}svg .value{{font-weight:600}}
footer{{color:#94a3b8;font-size:12px;text-align:center}}"""
HEAD = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" '
    "content=\"default-src 'none'; style-src 'unsafe-inline'\"><meta name=\"viewport\" "
    f'content="width=device-width, initial-scale=1"><title>authentik-etl report</title><style>{CSS}</style>'
)


def write(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Render the report and put it at `path` atomically (a temporary file in the same folder, renamed)."""
    page, tmp = render(con), ""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(page)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write the HTML report: {exc.strerror}", str(path)) from exc
    finally:
        if tmp and os.path.exists(tmp):
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def render(con: duckdb.DuckDBPyConnection, *, generated_at: datetime | None = None) -> str:
    """The whole page, as a string."""
    data = {name: fetch(con, sql) for name, sql in QUERIES.items()}
    trend = trend_chart(data["history"]) if data["history"] else '<p class="empty">No applied runs yet.</p>'
    parts = [
        header(data, generated_at or datetime.now(UTC)),
        summary(data),
        report_findings.section(con),
        risky_section(data),
        f'<div class="grid">{sources_chart(data)}{modes_chart(data)}</div>',
        section("chart-trend", "Trend across runs: connections per matching mode", trend),
        section("matching-mode-report", "User matching modes", table(data["modes"], MODE_TABLE)),
        section("enabled-sources-report", "Enabled sources", table(data["enabled"], SOURCE_TABLE)),
        section("source-changes", "Recent source changes (latest 20)", table(data["changes"], CHANGE_TABLE)),
        section("recent-runs", "Recent runs (latest 10)", table(data["runs"], RUN_TABLE)),
        "<footer>authentik-etl: from the report views of the DuckDB file, opened read-only</footer>",
    ]
    return f"{HEAD}</head>\n<body><main>\n" + "\n".join(parts) + "\n</main></body></html>\n"


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    """Every row of a query as a dict, the result fully consumed (DuckDB 2 wants that)."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# -- HTML -----------------------------------------------------------------------------------------
def swatch(mode: Any, flag: bool = False) -> str:
    """The mode's colour and name; with `flag`, a red "links" badge on the modes that link accounts."""
    box = f'<span class="swatch" style="background:{colour(mode)}"></span>'
    link = ' <span class="badge red">links</span>' if flag and mode in RISKY_MODES else ""
    return f'<span class="nowrap">{box}{esc(mode)}{link}</span>'


def cell(kind: str, value: Any) -> str:
    if kind == "code":
        return f"<code>{esc(value)}</code>"
    if kind == "mode":
        return swatch(value, flag=True)
    if kind == "status":
        return f'<span class="badge {STATUS_BADGES.get(value, "")}">{esc(value)}</span>'
    return f"<b>{esc(value)}</b>" if kind == "bold" else esc(value)


def table(rows: Sequence[Row], spec: str, testid: str = "") -> str:
    """Rows as a table (see MODE_TABLE for `spec`); numbers right-aligned, risky rows highlighted."""
    if not rows:
        return '<p class="empty">None yet.</p>'
    columns = [(*c.split(":"), "")[:2] for c in spec.split()]
    num = {k: "num" if all(isinstance(r[k], int) for r in rows) else "" for k, _ in columns}
    head = "".join(f'<th class="{num[k]}">{esc(k.replace("_", " "))}</th>' for k, _ in columns)
    body = []
    for row in rows:
        attrs = f' data-testid="{testid}"' if testid else ""
        attrs += f' data-slug="{esc(row["slug"])}"' if "slug" in row else ""
        attrs += ' class="risk"' if row.get("user_matching_mode") in RISKY_MODES else ""
        cells = "".join(f'<td class="{num[k]}">{cell(kind, row[k])}</td>' for k, kind in columns)
        body.append(f"<tr{attrs}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def section(testid: str, title: str, body: str, cls: str = "card") -> str:
    head = f'<section id="{testid}" data-testid="{testid}" class="{cls}">'
    return f"{head}<h2>{esc(title)}</h2>{body}</section>"


# -- SVG ------------------------------------------------------------------------------------------
def header(data: Data, generated: datetime) -> str:
    applied, runs = data["applied"], data["runs"]
    source = "No sync has applied data yet: run <code>authentik-etl sync</code> first."
    if applied:
        run = applied[0]
        source = f"Data from run <code>{esc(run['run_id'])}</code> ({esc(run['status'])}, finished "
        source += f"{esc(run['finished_at'])})"
    notice = ""
    if runs and (not applied or runs[0]["run_id"] != applied[0]["run_id"]):
        latest = runs[0]
        notice = f'<p class="notice">The latest run, <code>{esc(latest["run_id"])}</code>, '
        notice += f"is {esc(latest['status'])}.</p>"
    return (
        '<header id="header" data-testid="header"><h1>authentik-etl report</h1><p class="meta">Generated '
        f'{esc(generated)} &middot; <span data-testid="data-from-run">{source}</span></p>{notice}</header>'
    )


def summary(data: Data) -> str:
    totals = data["totals"][0]
    risky = sum(1 for s in data["enabled"] if s["user_matching_mode"] in RISKY_MODES)
    applied = sum(r["status"] in ("succeeded", "partial") for r in data["runs"])
    stats = [
        (totals["connections"], "live connections", ""),
        (totals["users"], "distinct users", ""),
        (len(data["enabled"]), "enabled sources", ""),
        (risky, "enabled sources that link accounts", "bad" if risky else ""),
        (applied, "applied runs (of the last 10)", ""),
    ]
    tiles = "".join(f'<div class="stat {c}"><b>{esc(v)}</b><span>{esc(t)}</span></div>' for v, t, c in stats)
    return f'<div class="stats" id="summary" data-testid="summary">{tiles}</div>'


def risky_section(data: Data) -> str:
    modes = {m["user_matching_mode"]: m for m in data["modes"]}
    risky = [s for s in data["enabled"] if s["user_matching_mode"] in RISKY_MODES]
    if not risky:
        return section("risky-sources", RISKY_TITLE, '<p class="ok">No enabled source links accounts.</p>')
    body = (
        "<p>These enabled sources link a login to an <em>existing</em> authentik user with the same email "
        "address or username. authentik's own warning and description of the mode:</p>"
    )
    for mode in RISKY_MODES:
        info, sources = modes.get(mode, {}), [s for s in risky if s["user_matching_mode"] == mode]
        if sources:
            body += (
                f'<div data-testid="risk-mode" data-mode="{esc(mode)}"><h3>{swatch(mode)}</h3>'
                f'<p class="risk-text" data-testid="risk-text">&#9888; {esc(info.get("risk"))}</p>'
                f'<p class="desc">{esc(info.get("description"))}</p>'
                f"{table(sources, RISKY_TABLE, 'risky-source')}</div>"
            )
    return section("risky-sources", RISKY_TITLE, body, "card warning")


def sources_chart(data: Data) -> str:
    rows = data["per_source"]
    if not rows:
        return section("chart-sources", "Connections per source", '<p class="empty">No connections yet.</p>')
    bars = [
        Bar(str(r["slug"]) + ("" if r["enabled"] else " (disabled)"), r["connections"], colour(r["mode"]),
            f'data-slug="{esc(r["slug"])}" data-value="{r["connections"]}"', not r["enabled"])
        for r in rows
    ]  # fmt: skip
    title = "Live connections per source, coloured by matching mode"
    chart = hbar_chart(title, "sources-svg", bars, "live connections")
    legend = "".join(f"<li>{swatch(m)}</li>" for m in sorted({r["mode"] for r in rows}, key=mode_order))
    return section("chart-sources", "Connections per source", f'{chart}<ul class="legend">{legend}</ul>')


def modes_chart(data: Data) -> str:
    bars = [
        Bar(str(m["user_matching_mode"]), m["connections"], colour(m["user_matching_mode"]),
            f'data-mode="{esc(m["user_matching_mode"])}" data-value="{m["connections"]}"')
        for m in data["modes"]
    ]  # fmt: skip
    chart = column_chart("Live connections per user matching mode", "modes-svg", bars, "live connections")
    note = '<p class="desc">Red and orange: the modes that link existing accounts by email or username.</p>'
    return section("chart-modes", "Connections per matching mode", chart + note)
