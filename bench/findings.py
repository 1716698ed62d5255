"""`make bench-findings`: what users, groups and the security findings cost a list-mode sync.

    python bench/findings.py [--users 100000] [--connections 100000] [--repeat 3]

Starts the simulator as its own process (100k users, 100k connections by default), then runs
`authentik-etl sync --mode list` into a fresh database, alternately with `--no-directory` (users and
groups not read: the findings that need them are not evaluated) and without it (users, groups, group
connections, per-type source detail read, every rule evaluated), --repeat times each. Prints the
median wall time, peak RSS and CPU of both and their ratio; target: at most 1.20x. Never a timed test.

The CPU columns tell whether the machine had room for more: the sync's own CPU (every thread), the
simulator's meanwhile, and how many cores the two kept busy on average ((sync + simulator) / wall).
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
from pathlib import Path

from bench import BENCH, LOG_COPY, SimulatorProcess, run_worker

TARGET = 1.20


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=100_000)
    p.add_argument("--connections", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        token_file = Path(tmp) / "token"
        token = secrets.token_urlsafe(24)
        token_file.write_text(token)
        sim = SimulatorProcess(args.connections, 0, "2025.12", 1, token_file, LOG_COPY)
        sim.args += ["--users", str(args.users)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHENTIK")}
        env["AUTHENTIK_TOKEN"] = token
        env["PYTHONPATH"] = str(BENCH) + os.pathsep + env.get("PYTHONPATH", "")
        runs: dict[str, list[dict]] = {"off": [], "on": []}
        with sim:
            for i in range(args.repeat):
                for label, extra in (("off", ["--no-directory"]), ("on", [])):
                    db = Path(tmp) / f"{label}-{i}.duckdb"
                    cmd = [sys.executable, str(BENCH / "run_sync.py"), "--url", sim.url, "--db", str(db),
                           "--mode", "list", "--log-format", "json", *extra]  # fmt: skip
                    runs[label].append(run_worker(cmd, env, LOG_COPY, sim))
    report(args, runs)
    return 0


def report(args: argparse.Namespace, runs: dict[str, list[dict]]) -> None:
    def med(label: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[label])

    def cpu(label: str) -> str:
        sync = statistics.median(r["user_s"] + r["sys_s"] for r in runs[label])
        sim = statistics.median(r["sim_busy"] * r["wall_s"] for r in runs[label])
        return f"{sync:.2f} | {sim:.2f} | {(sync + sim) / med(label, 'wall_s'):.2f}"

    off, on = med("off", "wall_s"), med("on", "wall_s")
    print(f"list-mode sync, {args.connections:,} connections, {args.users:,} users, median of {args.repeat}")
    print("| layers | wall s | peak RSS MB | sync CPU s | simulator CPU s | cores busy |")
    print("|---|---|---|---|---|---|")
    rss_off, rss_on = med("off", "peak_rss_mb"), med("on", "peak_rss_mb")
    print(f"| connections and sources only (`--no-directory`) | {off:.2f} | {rss_off:.0f} | {cpu('off')} |")
    print(f"| + users, groups, group connections, source detail, findings | {on:.2f} | {rss_on:.0f} | "
          f"{cpu('on')} |")  # fmt: skip
    verdict = "met" if on / off <= TARGET else "NOT met"
    print(f"overhead: {on / off:.2f}x (target at most {TARGET:.2f}x: {verdict})")


if __name__ == "__main__":
    sys.exit(main())
