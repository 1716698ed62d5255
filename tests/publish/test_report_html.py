"""The HTML report (`report --html`): its content against a real synced database, the command line, and
what headless Chromium makes of it."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from conftest import TOKEN, run_sync

from authentik_etl.load import db
from authentik_etl.publish import report_html
from authentik_etl.simulator import Dataset, Simulator

EXE = str(Path(sys.executable).with_name("authentik-etl"))
SECTIONS = (
    "header",
    "summary",
    "security-findings",
    "risky-sources",
    "chart-sources",
    "chart-modes",
    "chart-trend",
    "matching-mode-report",
    "enabled-sources-report",
    "source-changes",
    "recent-runs",
)
LINKING = ("email_link", "username_link")
AUTHENTIK_WARNINGS = {
    "email_link": "Can have security implications when a source doesn't validate email addresses.",
    "username_link": "Can have security implications when a username is used with another source.",
}
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


# -- helpers (docs/make_screenshot.py uses build_demo_db and chromium too) ---------------------------
def build_demo_db(path: Path, connections: int = 84, **source_fields: str) -> list[str]:
    """Two syncs of the simulator's data, etl-github switched from identifier to email_link in between;
    `source_fields` change etl-ldap before the first. Returns the run ids."""
    dataset = Dataset.generate(connections=connections, seed=1)
    if source_fields:
        dataset.update_source("etl-ldap", **source_fields)
    sim = Simulator(dataset, token=TOKEN).start()
    try:
        first = run_sync(sim, path)
        dataset.update_source("etl-github", user_matching_mode="email_link")
        second = run_sync(sim, path)
    finally:
        sim.close()
    assert (first.status, second.status) == ("succeeded", "succeeded")
    return [first.run_id, second.run_id]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium (Debian's `chromium`); fails, never skips, when it is missing."""
    exe = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(exe):
        pytest.fail(
            "chromium is not installed: `apt-get update && apt-get install -y chromium` (Debian package)"
        )
    command = [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHENTIK")}
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def render(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return report_html.render(con)


class Node:
    def __init__(self, tag: str, attrs: list[tuple[str, str | None]], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def walk(self):
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        attrs = {k.replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag) and all(n.attrs.get(k) == v for k, v in attrs.items())
        ]

    def one(self, tag: str | None = None, **attrs: str) -> Node:
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, len(found))
        return found[0]


class Tree(HTMLParser):
    """A strict tree: every element closed, in order (void elements excepted)."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr"})

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", [], None)
        self.feed(page)
        self.close()
        assert self.current is self.root, f"<{self.current.tag}> never closed"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag: str) -> None:
        assert self.current.tag == tag, f"</{tag}> closes <{self.current.tag}>"
        self.current = self.current.parent or self.root

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


# -- fixtures -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("demo") / "authentik.duckdb"
    return path, build_demo_db(path)


@pytest.fixture(scope="module")
def page(demo: tuple[Path, list[str]]) -> str:
    return render(demo[0])


@pytest.fixture(scope="module")
def tree(page: str) -> Node:
    return Tree(page).root


# -- content ------------------------------------------------------------------------------------------
def test_page_has_its_title_header_and_every_section(tree: Node, demo: tuple[Path, list[str]]) -> None:
    assert tree.one("head").one("title").text() == "authentik-etl report"
    assert tree.one("h1").text() == "authentik-etl report"
    for testid in SECTIONS:
        assert tree.one(data_testid=testid).attrs["id"] == testid
    header = tree.one(data_testid="header").text()
    assert "Generated 20" in header and " UTC" in header
    latest = demo[1][-1]
    assert (
        tree.one(data_testid="data-from-run")
        .text()
        .startswith(f"Data from run {latest} (succeeded, finished")
    )


def test_every_enabled_source_appears(tree: Node, demo: tuple[Path, list[str]]) -> None:
    enabled = {r[0] for r in query(demo[0], "SELECT slug FROM enabled_sources_report")}
    assert len(enabled) == 7
    table = tree.one(data_testid="enabled-sources-report")
    assert {n.attrs["data-slug"] for n in table.all("tr") if "data-slug" in n.attrs} == enabled
    chart = tree.one(data_testid="sources-svg")
    assert enabled <= {n.attrs["data-slug"] for n in chart.all("rect") if "data-slug" in n.attrs}


def test_warning_lists_exactly_the_enabled_linking_sources_with_authentiks_text(
    tree: Node, demo: tuple[Path, list[str]]
) -> None:
    expected = query(
        demo[0],
        "SELECT slug, user_matching_mode FROM sources WHERE enabled AND deleted_at IS NULL "
        "AND user_matching_mode IN ('email_link', 'username_link')",
    )
    assert {s for s, _ in expected} == {"etl-github", "etl-telegram", "etl-saml", "etl-empty-discord"}
    section = tree.one(data_testid="risky-sources")
    assert "warning" in section.attrs["class"].split()
    listed = {(row.attrs["data-slug"], box.attrs["data-mode"]) for box in section.all(data_testid="risk-mode")
              for row in box.all(data_testid="risky-source")}  # fmt: skip
    assert listed == set(expected)
    assert "etl-oidc" not in section.text()  # email_link, but disabled
    risks = dict(
        query(demo[0], "SELECT user_matching_mode, risk || '|' || description FROM matching_mode_report")
    )
    for mode in LINKING:
        box = section.one(data_testid="risk-mode", data_mode=mode)
        risk, description = risks[mode].split("|")
        assert risk == AUTHENTIK_WARNINGS[mode]
        assert box.one(data_testid="risk-text").text().endswith(risk)
        assert description in box.text()


def test_bar_charts_show_the_database_counts(tree: Node, demo: tuple[Path, list[str]]) -> None:
    per_source = dict(query(demo[0], "SELECT source_slug, count(*) FROM connections_flat GROUP BY 1"))
    per_source |= {
        s: 0 for (s,) in query(demo[0], "SELECT slug FROM enabled_sources_report WHERE connections = 0")
    }
    chart = tree.one(data_testid="sources-svg")
    bars = {
        n.attrs["data-slug"]: int(n.attrs["data-value"]) for n in chart.all("rect") if "data-slug" in n.attrs
    }
    assert bars == per_source and sum(bars.values()) == 84
    labels = [n.text() for n in chart.all("text")]
    assert "live connections" in labels and "23" in labels and "etl-oidc (disabled)" in labels
    assert chart.children[0].tag == "title" and chart.attrs["role"] == "img"
    modes = dict(query(demo[0], "SELECT user_matching_mode, connections FROM matching_mode_report"))
    column = tree.one(data_testid="modes-svg")
    bars = {
        n.attrs["data-mode"]: int(n.attrs["data-value"]) for n in column.all("rect") if "data-mode" in n.attrs
    }
    assert bars == modes and bars["email_link"] == 40
    assert column.children[0].tag == "title" and {str(v) for v in modes.values()} <= {
        n.text() for n in column.all("text")
    }


def test_trend_has_a_point_per_run_and_mode(tree: Node, demo: tuple[Path, list[str]]) -> None:
    history = query(demo[0], "SELECT run_id, user_matching_mode, connections FROM matching_mode_history")
    trend = tree.one(data_testid="trend-svg")
    points = {
        (n.attrs["data-run"], n.attrs["data-mode"], int(n.attrs["data-value"])) for n in trend.all("circle")
    }
    assert points == set(history)
    first, second = demo[1]
    assert {(first, "identifier", 22), (second, "identifier", 3), (second, "email_link", 40)} <= points
    assert len(trend.all("polyline")) == 5 and trend.children[0].tag == "title"
    assert {"run 1", "run 2", "connections"} <= {n.text() for n in trend.all("text")}


def test_source_changes_and_recent_runs(tree: Node, demo: tuple[Path, list[str]]) -> None:
    cells = [td.text() for td in tree.one(data_testid="source-changes").all("td")]
    assert cells[1:6] == ["etl-github", "user_matching_mode", "identifier", "email_link", demo[1][1]]
    runs = [tr.all("td")[0].text() for tr in tree.one(data_testid="recent-runs").all("tr")[1:]]
    assert runs == demo[1][::-1]


def test_page_is_self_contained(page: str, tree: Node) -> None:
    assert "<script" not in page.lower() and "http://" not in page and "https://" not in page
    assert "url(" not in page and "@import" not in page
    for node in tree.walk():
        assert not {"src", "href", "srcset", "action", "xlink:href"} & set(node.attrs), node.tag
        assert not any(k.startswith("on") for k in node.attrs), node.tag
    assert "default-src 'none'" in tree.one("meta", http_equiv="Content-Security-Policy").attrs["content"]


def test_values_are_escaped_and_one_run_gives_points(tmp_path: Path) -> None:
    path = tmp_path / "hostile.duckdb"
    name = '<script>alert("x")</script> & <b>bold</b>'
    dataset = Dataset.generate(connections=12, seed=3)
    dataset.update_source("etl-ldap", name=name)
    sim = Simulator(dataset, token=TOKEN).start()
    try:
        assert run_sync(sim, path).status == "succeeded"
    finally:
        sim.close()
    page = render(path)
    assert "<script" not in page and "<b>bold" not in page and "&lt;script&gt;" in page
    tree = Tree(page).root
    assert (
        tree.one(data_testid="enabled-sources-report").one("tr", data_slug="etl-ldap").all("td")[1].text()
        == name
    )
    trend = tree.one(data_testid="trend-svg")
    assert trend.all("polyline") == [] and len(trend.all("circle")) == 5


def test_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    with duckdb.connect(str(path)) as con:
        db.migrate(con)
        db.create_views(con)
    tree = Tree(render(path)).root
    assert all(tree.all(data_testid=s) for s in SECTIONS)
    assert "No sync has applied data yet" in tree.one(data_testid="data-from-run").text()
    assert "No connections yet." in tree.one(data_testid="chart-sources").text()
    assert "No applied runs yet." in tree.one(data_testid="chart-trend").text()
    assert "No enabled source" in tree.one(data_testid="risky-sources").text()
    zeros = {n.attrs["data-value"] for n in tree.one(data_testid="modes-svg").all("rect")}
    assert zeros == {"0"}
    assert "None yet." in tree.one(data_testid="recent-runs").text()


def test_write_replaces_the_file_atomically(
    tmp_path: Path, demo: tuple[Path, list[str]], monkeypatch
) -> None:
    out = tmp_path / "report.html"
    out.write_text("old", encoding="utf-8")
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        report_html.write(con, out)
        assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
        assert os.listdir(tmp_path) == ["report.html"] and out.stat().st_mode & 0o777 == 0o644
        out.write_text("old", encoding="utf-8")
        monkeypatch.setattr(report_html.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "full")))
        with pytest.raises(OSError, match="cannot write the HTML report"):
            report_html.write(con, out)
    assert out.read_text(encoding="utf-8") == "old" and os.listdir(tmp_path) == ["report.html"]


# -- the command line -----------------------------------------------------------------------------------
def test_report_command_writes_the_html(tmp_path: Path, demo: tuple[Path, list[str]]) -> None:
    out = tmp_path / "report.html"
    proc = cli("report", "--db", str(demo[0]), "--html", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "User matching modes" in proc.stdout and "HTML report written to" in proc.stderr
    tree = Tree(out.read_text(encoding="utf-8")).root
    assert all(tree.all(data_testid=s) for s in SECTIONS)
    missing = cli("report", "--db", str(demo[0]), "--html", str(tmp_path / "no" / "such" / "report.html"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "cannot write the HTML report" in missing.stderr and "report.html" in missing.stderr


# -- Chromium -------------------------------------------------------------------------------------------
def test_chromium_renders_the_report(tmp_path: Path, page: str) -> None:
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    dom = chromium("--dump-dom", html.as_uri(), profile=tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    for testid in SECTIONS:
        assert f'data-testid="{testid}"' in dom.stdout
    assert dom.stdout.count("<rect") >= 14 and "<title>authentik-etl report</title>" in dom.stdout
    shot = tmp_path / "shot.png"
    proc = chromium(
        f"--screenshot={shot}", "--window-size=1280,2000", html.as_uri(), profile=tmp_path / "profile"
    )
    assert proc.returncode == 0 and shot.exists(), proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (1280, 2000)
    assert len(data) > 30_000, "the screenshot looks blank"
    assert len(set(png_pixels(data))) > 100, "the screenshot looks blank"


def png_pixels(data: bytes) -> bytes:
    """The PNG's decompressed image data (filtered scanlines): enough to tell a blank page from a report."""
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return zlib.decompress(b"".join(chunks))


def test_the_findings_section_counts_per_severity_and_puts_new_ones_first_with_their_fix(
    tree: Node, demo: tuple[Path, list[str]]
) -> None:
    counts = dict(query(demo[0], "SELECT severity, count(*) FROM security_findings GROUP BY ALL"))
    section = tree.one(data_testid="security-findings")
    for severity in ("critical", "high", "medium", "low", "info"):
        tile = section.one(data_testid=f"findings-{severity}").one("b").text()
        assert int(tile) == counts.get(severity, 0), severity
    new = {r[0] for r in query(demo[0], "SELECT rule FROM security_finding_events WHERE run_id = ? "
                                        "AND event = 'new'", [demo[1][-1]])}  # fmt: skip
    assert new == {"user_linkable", "privileged_user_linkable"}  # etl-github switched to email_link
    rows = section.one(data_testid="findings-table").all("tr")[1:]
    flags = ["new" in row.text() for row in rows]
    assert flags == sorted(flags, reverse=True) and any(flags)  # the new ones first
    fixes = section.one(data_testid="findings-fixes").text()
    for (rule,) in query(demo[0], "SELECT DISTINCT rule FROM security_findings"):
        assert rule in fixes
    assert fixes.count("Fix:") == len(query(demo[0], "SELECT DISTINCT rule FROM security_findings"))
