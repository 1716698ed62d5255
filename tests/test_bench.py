"""`make bench` must keep working: its scripts run end to end at a tiny size (figures not checked)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def run(*args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=timeout, cwd=BENCH.parent
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def test_bench_prints_every_row_of_its_table(tmp_path) -> None:
    out = run(
        str(BENCH / "bench.py"), "--sizes", "300", "--latencies", "0", "--repeat", "1",
        "--no-micro", "--dlt-python", sys.executable, "--json", str(tmp_path / "raw.json"),
    )  # fmt: skip
    table = out[out.index("workload") :]
    for row in ("floor (client, fetch+parse)", "sync unchanged", "sync changed [shape 2025.4]"):
        assert row in table
    for mode in ("retrieve", "list"):
        assert any(line.startswith("sync ") and f" {mode} " in line for line in table.splitlines())
    assert "targets:" in out and "simulator capacity" in out
    assert (tmp_path / "raw.json").stat().st_size > 0


def test_micro_costs_measures_every_step() -> None:
    out = run(str(BENCH / "micro_costs.py"), "--connections", "300")
    assert "Fetcher._validate" in out and "Stager.add_connection" in out


def test_real_server_probe_prints_both_tables(simulator, tmp_path) -> None:
    """bench/real_server.py is meant for a real authentik; run here against the simulator so it cannot rot."""
    from conftest import TOKEN

    from authentik_etl.simulator import Dataset

    sim = simulator(Dataset.generate(connections=150, seed=2), latency=0.002)
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    token.chmod(0o600)
    out = run("bench/real_server.py", "--url", sim.url, "--token-file", str(token), "--levels", "1,2",
              "--retrieves", "40", "--repeat", "1", "--settings=--concurrency 2")  # fmt: skip
    lines = out.splitlines()
    assert [line.split("|")[1].strip() for line in lines if line.startswith(("| 1 ", "| 2 "))] == ["1", "2"]
    for mode in ("retrieve", "list"):
        for settings in ("` (defaults)", " --concurrency 2`"):
            [row] = [line for line in lines if line.startswith(f"| `--mode {mode}{settings}")]
            cells = [c.strip() for c in row.split("|")[1:-1]]
            # while fetching, of the best saturated rate, of the ceiling, the whole run (slower: users,
            # findings), failed, in flight at the end
            assert float(cells[1]) >= float(cells[4]) > 0 and cells[2].endswith("x") and cells[5] == "0"
            held = [int(n) for n in cells[6].split(", ")]  # where each run ended: auto 1-8, or the fixed 2
            assert (held == [2]) if "--concurrency 2" in settings else (1 <= held[0] <= 8)
            assert float(cells[3].removesuffix("x")) >= float(cells[2].removesuffix("x"))
    assert TOKEN not in out


def test_findings_bench_prints_both_rows_and_the_overhead() -> None:
    out = run(str(BENCH / "findings.py"), "--users", "300", "--connections", "300", "--repeat", "1")
    rows = [line for line in out.splitlines() if line.startswith("| ") and "layers" not in line]
    assert len(rows) == 2 and all(len(row.strip("|").split("|")) == 6 for row in rows)
    assert "overhead:" in out and "target at most 1.20x" in out
