"""Regenerate docs/report.png: the HTML report of a demo-like database (84 connections, two runs with a
source change in between) as headless Chromium renders it, 1280 x 1800.

    .venv/bin/python docs/make_screenshot.py

Needs Debian's `chromium` (apt-get install chromium). The data and the Chromium command line are the
ones tests/publish/test_report_html.py uses.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "publish")]

import duckdb  # noqa: E402
from test_report_html import build_demo_db, chromium  # noqa: E402

from authentik_etl.publish import report_html  # noqa: E402


def main() -> int:
    out = ROOT / "docs" / "report.png"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build_demo_db(work / "authentik.duckdb")
        with duckdb.connect(str(work / "authentik.duckdb"), read_only=True) as con:
            report_html.write(con, work / "report.html")
        proc = chromium(
            f"--screenshot={out}",
            "--window-size=1280,1800",
            "--hide-scrollbars",
            (work / "report.html").as_uri(),
            profile=work / "p",
        )
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return 1
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
