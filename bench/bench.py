"""`make bench`: throughput, CPU and memory of `authentik-etl sync` against the simulator.

Prints a table; it is never a timed test. For every latency and size it starts the simulator as a
separate process on 127.0.0.1, checks that the simulator is not the bottleneck (a cheap pipelined
load measures what it can serve, and its CPU is sampled during every run), then measures in the
same run:

  floor           the shipped HTTP client (AuthentikClient) in a minimal loop with the same
                  concurrency: nothing but fetch and parse (bench/floor.py)
  sync            `authentik-etl sync` into a fresh database (bench/run_sync.py, a fresh process)
  sync unchanged  the same command again on that database: must write no business row
  sync changed    (list mode) the same database synced against a simulator of another API shape
                  (2025.4), so that every row changes: the apply phase's worst case
  breakdown       the floor plus validation, plus row building, plus the retry policy (the
                  sync's per-object work without its scheduling and staging); a bare urllib3 client
  dlt             (when an interpreter with dlt is given) the same workloads through dlt's rest_api
                  (16 extract workers; its default loader, then again, then the parquet loader)

Each figure is the median of --repeat runs. Defaults: latencies 0 and 20 ms; per-id (retrieve)
at 10k and 100k connections, list at 10k, 100k and 1M; `--full` adds per-id at 1M (about 25 min
at 0 ms); runs whose latency alone would take longer than --max-run-seconds are skipped (listed).
`--quick` is a 2 minute smoke run at 2,000 connections. On the 2-core reference machine 10k and
100k at 0 and 20 ms took 29 min with --repeat 3 (dlt included); the 1M list runs add about 20.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchlib import machine, parse_result, process_cpu_seconds

BENCH = Path(__file__).resolve().parent
CHANGED_SHAPE = "2025.4"  # sources lose promoted/icon_url/...: every payload differs from 2025.12
NOTES = """
conn/s = connections / wall time of the measured process (start-up and imports excluded); CPU = user+sys
of all its threads (DuckDB's included) per connection; peak RSS = its VmHWM; fetch s = time before the
apply (open, migrate, fetch, sources, missing-id check), apply s = the one-transaction apply; vs floor =
conn/s divided by the floor's at the same size, latency and concurrency; ins/upd/unch/del from sync_runs;
sim busy = simulator CPU / wall (100% = one core: the simulator would be the bottleneck). Medians.
"""
LOG_COPY = Path(tempfile.gettempdir()) / "authentik-etl-bench.log"
TARGET_RATIO, TARGET_LIST_100K_S, TARGET_RSS_MB, TARGET_APPLY_1M_S = 0.90, 4.5, 400.0, 3.0
TARGET_DLT_RETRIEVE_X, TARGET_DLT_LIST_X = 2.0, 3.0  # per-id throughput; list-mode speed-up


def ints(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        part = part.strip().lower().replace("_", "")
        if part:
            mult = 1_000_000 if part.endswith("m") else 1000 if part.endswith("k") else 1
            out.append(int(float(part.rstrip("mk")) * mult))
    return out


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=ints, help="sizes for both modes, e.g. 10k,100k,1m")
    p.add_argument("--retrieve-sizes", type=ints, help="per-id sizes (default 10k,100k; --full adds 1m)")
    p.add_argument("--list-sizes", type=ints, help="list-mode sizes (default 10k,100k,1m)")
    p.add_argument("--modes", default="retrieve,list", help="retrieve,list")
    p.add_argument("--latencies", type=ints, default=[0, 20], help="simulator latency, ms (0,20)")
    p.add_argument("--concurrency", type=ints, default=[4], help="requests in flight, e.g. 4,16 (4)")
    p.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is shown (3)")
    p.add_argument("--quick", action="store_true", help="smoke run: 2,000 connections, 1 repeat")
    p.add_argument("--full", action="store_true", help="add per-id at 1m; no --max-run-seconds skip")
    p.add_argument(
        "--max-run-seconds",
        type=float,
        default=150.0,
        help="skip runs whose latency alone (requests x latency / concurrency) exceeds this (150)",
    )
    p.add_argument("--no-changed", action="store_true", help="skip the all-rows-changed list sync")
    p.add_argument("--no-breakdown", action="store_true", help="skip the per-stage cost breakdown")
    p.add_argument("--no-floor", action="store_true", help="skip the raw floor (no ratio then)")
    p.add_argument("--no-micro", action="store_true", help="skip the per-step costs (bench/micro_costs.py)")
    p.add_argument("--dlt-python", help="an interpreter with dlt[duckdb] installed (default: this one)")
    p.add_argument("--dlt-repeat", type=int, default=1, help="runs per dlt figure (1: it is slow)")
    p.add_argument(
        "--dlt-concurrency", type=int, default=16, help="dlt's extract workers (16, as the performance issue)"
    )
    p.add_argument("--dlt-max-size", type=int, default=100_000, help="largest dlt list run (100k)")
    p.add_argument("--dlt-retrieve-max-size", type=int, default=10_000, help="largest dlt per-id run")
    p.add_argument("--shape", default="2025.12")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--workdir", help="where databases go (default: a temporary folder, removed)")
    p.add_argument("--json", dest="json_out", help="also write every raw measurement to this file")
    return p


# -- processes --------------------------------------------------------------------------------
class SimulatorProcess:
    """`python -m authentik_etl.simulator` in its own process (its own GIL and core)."""

    def __init__(self, size: int, latency_ms: int, shape: str, seed: int, token_file: Path, log: Path):
        self.args = [
            sys.executable,
            "-m",
            "authentik_etl.simulator",
            "--connections",
            str(size),
            "--shape",
            shape,
            "--seed",
            str(seed),
            "--token-file",
            str(token_file),
            "--latency-ms",
            str(latency_ms),
            "--port",
            "0",
        ]
        self.log = log
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> SimulatorProcess:
        with open(self.log, "a", encoding="utf-8") as err:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=err, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.__exit__()
            raise SystemExit(f"the simulator did not start: see {self.log}")
        return self

    def cpu(self) -> float:
        assert self.proc is not None
        return process_cpu_seconds(self.proc.pid) or 0.0

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class WorkerFailed(Exception):
    """A measuring process exited non-zero or printed no result."""


def run_worker(cmd: list[str], env: dict[str, str], log: Path, sim: SimulatorProcess) -> dict[str, Any]:
    """Run one measuring process; its BENCH-RESULT plus the simulator's CPU share meanwhile."""
    sim_cpu0 = sim.cpu()
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    sim_cpu = sim.cpu() - sim_cpu0
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"$ {' '.join(cmd)}\n{proc.stdout}{proc.stderr}\n")
    result = parse_result(proc.stdout)
    if proc.returncode != 0 or result is None:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-6:])
        raise WorkerFailed(f"{Path(cmd[1]).name} failed (exit {proc.returncode}):\n{tail}\nsee {LOG_COPY}")
    result["sim_busy"] = sim_cpu / elapsed if elapsed > 0 else 0.0
    return result


# -- results ----------------------------------------------------------------------------------
@dataclass
class Row:
    workload: str
    mode: str
    size: int
    latency: int
    concurrency: int
    runs: list[dict[str, Any]] = field(default_factory=list)
    floor: Row | None = None
    note: str = ""

    def median(self, key: str) -> float | None:
        values = [r[key] for r in self.runs if r.get(key) is not None]
        return statistics.median(values) if values else None

    @property
    def rate(self) -> float | None:
        wall = self.median("wall_s")
        return self.size / wall if wall else None

    @property
    def cpu_us(self) -> float | None:
        values = [(r["user_s"] + r["sys_s"]) / self.size * 1e6 for r in self.runs]
        return statistics.median(values) if values else None

    @property
    def ratio(self) -> float | None:
        if self.floor is None or not self.rate or not self.floor.rate:
            return None
        return self.rate / self.floor.rate

    def changes(self) -> str:
        counts = [r.get("counts") or {} for r in self.runs]
        if not counts or not counts[-1]:
            return ""
        c = counts[-1]
        text = f"{c['inserted']}/{c['updated']}/{c['unchanged']}/{c['deleted']}"
        if any(x.get("failed") for x in counts):
            text += f" FAILED={c['failed']}"
        if any(x != counts[-1] for x in counts):
            text += " (varies)"
        return text


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(rows: list[Row]) -> None:
    head = (
        "workload",
        "mode",
        "conns",
        "lat ms",
        "conc",
        "conn/s",
        "CPU us/conn",
        "peak RSS MB",
        "fetch s",
        "apply s",
        "wall s",
        "vs floor",
        "ins/upd/unch/del",
        "sim busy",
    )
    body = []
    for r in rows:
        sim = r.median("sim_busy")
        body.append(
            (
                r.workload + (f" [{r.note}]" if r.note else ""),
                r.mode,
                f"{r.size:,}",
                str(r.latency),
                str(r.concurrency),
                fmt(r.rate, ",.0f"),
                fmt(r.cpu_us, ",.0f"),
                fmt(r.median("peak_rss_mb"), ".0f"),
                fmt(r.median("fetch_s"), ".2f"),
                fmt(r.median("apply_s"), ".2f"),
                fmt(r.median("wall_s"), ".2f"),
                fmt(r.ratio, ".2f"),
                r.changes(),
                "-" if sim is None else f"{sim:.0%}",
            )
        )
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    left = {0, 1, 12}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    print(line(head))
    print("  ".join("-" * w for w in widths))
    for b in body:
        print(line(b))


def versions(dlt_version: str | None) -> str:
    names = (
        "authentik-etl",
        "requests",
        "urllib3",
        "pydantic",
        "pydantic-core",
        "duckdb",
        "pyarrow",
        "tenacity",
    )
    parts = []
    for name in names:
        try:
            parts.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{name} -")
    parts.append(f"dlt {dlt_version}" if dlt_version else "dlt -")
    return ", ".join(parts)


def find_dlt(python: str | None) -> tuple[str | None, str | None]:
    """(interpreter, dlt version) or (None, None)."""
    if python is None:
        if importlib.util.find_spec("dlt") is None:
            return None, None
        python = sys.executable
    probe = subprocess.run(
        [python, "-c", "import dlt, duckdb; print(dlt.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        print(f"note: {python} cannot import dlt and duckdb: dlt comparison skipped", file=sys.stderr)
        return None, None
    return python, probe.stdout.strip()


# -- the benchmark ----------------------------------------------------------------------------
class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args, self.work = args, work
        self.token = "bench-" + secrets.token_hex(16)
        self.token_file = work / "token"
        self.token_file.write_text(self.token)
        self.token_file.chmod(0o600)
        self.log = work / "bench.log"
        self.rows: list[Row] = []
        self.capacity: list[tuple[int, int, list[tuple[str, float, str]]]] = []
        self.skipped: list[str] = []
        self.unchanged_checks: list[tuple[str, bool, str]] = []
        self.dlt_python, self.dlt_version = find_dlt(args.dlt_python)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHENTIK_")}
        self.env["AUTHENTIK_TOKEN"] = self.token
        self.env["PYTHONPATH"] = str(BENCH) + os.pathsep + self.env.get("PYTHONPATH", "")
        self.counter = 0
        self.micro = ""

    def sizes(self, mode: str) -> list[int]:
        a = self.args
        if a.quick:
            return [2000]
        explicit = a.retrieve_sizes if mode == "retrieve" else a.list_sizes
        if explicit or a.sizes:
            return explicit or a.sizes
        if mode == "retrieve":
            return [10_000, 100_000, 1_000_000] if a.full else [10_000, 100_000]
        return [10_000, 100_000, 1_000_000]

    def fresh_db(self, tag: str) -> Path:
        self.counter += 1
        folder = self.work / f"{self.counter:03d}-{tag}"
        folder.mkdir()
        return folder / "authentik.duckdb"

    def run(self) -> None:
        a = self.args
        modes = [m.strip() for m in a.modes.split(",") if m.strip()]
        for latency in a.latencies:
            all_sizes = sorted({s for m in modes for s in self.sizes(m)})
            for size in all_sizes:
                here = []
                for mode in modes:
                    if size not in self.sizes(mode):
                        continue
                    requests = size if mode == "retrieve" else -(-size // 100)
                    bound = requests * latency / 1000 / min(a.concurrency)
                    if not a.full and bound > a.max_run_seconds:
                        self.skipped.append(
                            f"{mode} {size:,} at {latency} ms: latency alone is {bound:.0f} s per run "
                            f"(> --max-run-seconds {a.max_run_seconds:.0f}; --full runs it)"
                        )
                        continue
                    here.append(mode)
                if here:
                    self.one_simulator(size, latency, here)

    def one_simulator(self, size: int, latency: int, modes: list[str]) -> None:
        a = self.args
        print(f"... {size:,} connections at {latency} ms: {', '.join(modes)}", file=sys.stderr, flush=True)
        with contextlib.ExitStack() as stack:
            sim = stack.enter_context(
                SimulatorProcess(size, latency, a.shape, a.seed, self.token_file, self.work / "simulator.log")
            )
            changed = None
            if "list" in modes and not a.no_changed:
                changed = stack.enter_context(
                    SimulatorProcess(
                        size, latency, CHANGED_SHAPE, a.seed, self.token_file, self.work / "simulator.log"
                    )
                )
            self.measure_capacity(sim, size, latency, modes)
            for conc in a.concurrency:
                for mode in modes:
                    self.one_mode(
                        sim, changed if conc == a.concurrency[0] else None, size, latency, conc, mode
                    )
            if not a.no_breakdown and latency == 0 and size == self.breakdown_size(modes):
                self.breakdown(sim, size, modes)
            if self.dlt_python:
                for mode in modes:
                    limit = a.dlt_max_size if mode == "list" else a.dlt_retrieve_max_size
                    if size <= limit:
                        self.dlt(sim, size, latency, a.concurrency[0], mode)

    def breakdown_size(self, modes: list[str]) -> int:
        sizes = sorted({s for m in modes for s in self.sizes(m)})
        fitting = [s for s in sizes if s <= 10_000]
        return fitting[-1] if fitting else sizes[0]

    def measure_capacity(self, sim: SimulatorProcess, size: int, latency: int, modes: list[str]) -> None:
        parts = []
        for kind in modes:
            # With latency the simulator answers one request per socket at a time: many sockets.
            sockets, depth = (8, 16) if latency == 0 else (256, 2)
            if kind == "list":
                sockets, depth = (4, 2) if latency == 0 else (128, 1)
            cmd = [
                sys.executable,
                str(BENCH / "load.py"),
                "--url",
                sim.url,
                "--token",
                self.token,
                "--connections",
                str(size),
                "--kind",
                kind,
                "--sockets",
                str(sockets),
                "--depth",
                str(depth),
                "--seconds",
                "2",
            ]
            result = run_worker(cmd, self.env, self.log, sim)
            unit = "req/s" if kind == "retrieve" else "conn/s"
            value = result["requests_per_s"] if kind == "retrieve" else result["connections_per_s"]
            parts.append((kind, value, unit))
        self.capacity.append((size, latency, parts))

    def sync_cmd(self, sim: SimulatorProcess, db: Path, mode: str, conc: int) -> list[str]:
        return [
            sys.executable,
            str(BENCH / "run_sync.py"),
            "--url",
            sim.url,
            "--db",
            str(db),
            "--mode",
            mode,
            "--concurrency",
            str(conc),
            "--log-format",
            "json",
        ]

    def one_mode(
        self,
        sim: SimulatorProcess,
        changed: SimulatorProcess | None,
        size: int,
        latency: int,
        conc: int,
        mode: str,
    ) -> None:
        a = self.args
        repeat = 1 if a.quick else a.repeat
        floor = None
        if not a.no_floor:
            floor = Row("floor (client, fetch+parse)", mode, size, latency, conc)
            cmd = self.floor_cmd(sim, size, mode, conc)
            floor.runs = [run_worker(cmd, self.env, self.log, sim) for _ in range(repeat)]
            self.rows.append(floor)
        first = Row("sync", mode, size, latency, conc, floor=floor)
        second = Row("sync unchanged", mode, size, latency, conc, floor=floor)
        third = Row("sync changed", mode, size, latency, conc, floor=floor, note=f"shape {CHANGED_SHAPE}")
        for _ in range(repeat):
            db = self.fresh_db(f"{mode}-{size}-{latency}-{conc}")
            first.runs.append(run_worker(self.sync_cmd(sim, db, mode, conc), self.env, self.log, sim))
            before = business_digest(db)
            second.runs.append(run_worker(self.sync_cmd(sim, db, mode, conc), self.env, self.log, sim))
            after = business_digest(db)
            counts = second.runs[-1]["counts"]
            wrote = counts["inserted"] + counts["updated"] + counts["deleted"]
            label = f"{mode} {size:,} at {latency} ms, concurrency {conc}"
            ok = wrote == 0 and before == after and counts["status"] == "succeeded"
            detail = f"counts ins/upd/del = {counts['inserted']}/{counts['updated']}/{counts['deleted']}, "
            detail += "business columns identical" if before == after else "BUSINESS COLUMNS CHANGED"
            self.unchanged_checks.append((label, ok, detail))
            if changed is not None and mode == "list":
                third.runs.append(
                    run_worker(self.sync_cmd(changed, db, mode, conc), self.env, self.log, changed)
                )
            shutil.rmtree(db.parent, ignore_errors=True)
        self.rows.extend([first, second])
        if third.runs:
            self.rows.append(third)

    def floor_cmd(self, sim: SimulatorProcess, size: int, mode: str, conc: int, *extra: str) -> list[str]:
        a = self.args
        return [
            sys.executable,
            str(BENCH / "floor.py"),
            "--url",
            sim.url,
            "--token",
            self.token,
            "--connections",
            str(size),
            "--shape",
            a.shape,
            "--seed",
            str(a.seed),
            "--mode",
            mode,
            "--concurrency",
            str(conc),
            *extra,
        ]

    def breakdown(self, sim: SimulatorProcess, size: int, modes: list[str]) -> None:
        repeat = 1 if self.args.quick else self.args.repeat
        conc = self.args.concurrency[0]
        variants = [
            ("floor + pydantic validation", ("--work", "validate")),
            ("floor + validation + row/payload", ("--work", "row")),
            ("floor + validation + row + retry", ("--work", "row", "--retry")),
            ("floor, bare urllib3 client", ("--client", "urllib3")),
        ]
        for mode in modes:
            base = next(
                (
                    r
                    for r in self.rows
                    if r.workload.startswith("floor")
                    and r.mode == mode
                    and r.size == size
                    and r.latency == 0
                    and r.concurrency == conc
                ),
                None,
            )
            for name, extra in variants:
                row = Row(name, mode, size, 0, conc, floor=base)
                cmd = self.floor_cmd(sim, size, mode, conc, *extra)
                row.runs = [run_worker(cmd, self.env, self.log, sim) for _ in range(repeat)]
                self.rows.append(row)

    def dlt(self, sim: SimulatorProcess, size: int, latency: int, conc: int, mode: str) -> None:
        assert self.dlt_python is not None
        repeat = 1 if self.args.quick else self.args.dlt_repeat
        floor = next(
            (
                r
                for r in self.rows
                if r.workload.startswith("floor (")
                and r.mode == mode
                and r.size == size
                and r.latency == latency
                and r.concurrency == conc
            ),
            None,
        )
        workers = self.args.dlt_concurrency
        first = Row(f"dlt {self.dlt_version}", mode, size, latency, workers, floor=floor)
        second = Row(f"dlt {self.dlt_version} again", mode, size, latency, workers, floor=floor)
        parquet = Row(f"dlt {self.dlt_version}, parquet loader", mode, size, latency, workers, floor=floor)
        for _ in range(repeat):
            db = self.fresh_db(f"dlt-{mode}-{size}-{latency}")
            cmd = [
                self.dlt_python,
                str(BENCH / "dlt_pipeline.py"),
                "--url",
                sim.url,
                "--token",
                self.token,
                "--db",
                str(db),
                "--mode",
                mode,
                "--concurrency",
                str(workers),
            ]
            other = self.fresh_db(f"dlt-parquet-{mode}-{size}-{latency}")
            try:
                first.runs.append(run_worker(cmd, self.env, self.log, sim))
                second.runs.append(run_worker(cmd, self.env, self.log, sim))
                parquet_cmd = [*cmd, "--loader-file-format", "parquet"]
                parquet_cmd[parquet_cmd.index(str(db))] = str(other)
                parquet.runs.append(run_worker(parquet_cmd, self.env, self.log, sim))
            except WorkerFailed as exc:
                print(f"dlt {mode} {size:,} at {latency} ms: {exc}", file=sys.stderr)
                first.note = second.note = parquet.note = "failed, see log"
                break
            finally:
                shutil.rmtree(db.parent, ignore_errors=True)
                shutil.rmtree(other.parent, ignore_errors=True)
        for row in (first, second, parquet):
            loaded = {r.get("rows") for r in row.runs}
            if row.runs and loaded != {size}:
                row.note = f"rows loaded {sorted(loaded)}"
        self.rows.extend([first, second, parquet])

    # -- report -------------------------------------------------------------------------------
    def report(self, started: float) -> None:
        print()
        print(self.header())
        print()
        for size, latency, parts in self.capacity:
            print(f"simulator capacity, {size:,} connections at {latency} ms:")
            for kind, value, unit in parts:
                same = [r for r in self.rows if r.mode == kind and r.size == size and r.latency == latency]
                for label, prefix in (("sync", "sync"), ("floor", "floor (")):
                    rate = max((r.rate or 0 for r in same if r.workload.startswith(prefix)), default=0)
                    if not rate:
                        continue
                    factor = value / rate
                    flag = "" if factor >= 3 else "  <-- under 3x: the simulator may limit it"
                    what = f"{factor:5.1f}x the {label} ({rate:,.0f} conn/s)"
                    print(f"  {kind:8} {value:9,.0f} {unit} = {what}{flag}")
        print()
        print_table(self.rows)
        print()
        print(NOTES.strip())
        for note in self.skipped:
            print(f"skipped: {note}")
        if self.micro:
            print()
            print("per-step costs (bench/micro_costs.py): " + self.micro.strip())
        print()
        self.print_targets()
        print(
            f"\ntotal bench time {time.monotonic() - started:.0f} s; every command and its output: {LOG_COPY}"
        )

    def header(self) -> str:
        m = machine()
        lines = [
            f"machine: {m['cpus']} CPUs ({m['usable_cpus']} usable), {m['cpu']}, {m['ram']} RAM, {m['os']}",
            f"python:  {m['python']} ({sys.executable})",
            f"versions: {versions(self.dlt_version)}",
            f"simulator: shape {self.args.shape}, seed {self.args.seed}, separate process on 127.0.0.1",
        ]
        if not self.dlt_python:
            lines.append("dlt not installed: pip install 'dlt[duckdb]' to compare (or --dlt-python PATH)")
        return "\n".join(lines)

    def print_targets(self) -> None:
        print("targets:")
        syncs = [r for r in self.rows if r.workload == "sync"]
        for r in syncs:
            if r.mode == "retrieve" and r.ratio is not None:
                verdict = "PASS" if r.ratio >= TARGET_RATIO else "FAIL"
                print(
                    f"  {verdict}  per-id {r.size:,} at {r.latency} ms, c={r.concurrency}: "
                    f"{r.ratio:.0%} of the raw floor (target >= {TARGET_RATIO:.0%})"
                )
        for r in syncs:
            for d in self.rows:
                same = (d.mode, d.size, d.latency) == (r.mode, r.size, r.latency)
                if same and d.workload.startswith("dlt") and "again" not in d.workload and d.rate and r.rate:
                    need = TARGET_DLT_RETRIEVE_X if r.mode == "retrieve" else TARGET_DLT_LIST_X
                    times = r.rate / d.rate
                    print(
                        f"  {'PASS' if times >= need else 'FAIL'}  {r.mode} {r.size:,} at {r.latency} ms vs "
                        f"{d.workload}: {r.rate:,.0f} vs {d.rate:,.0f} conn/s = {times:.1f}x "
                        f"(target >= {need:g}x)"
                    )
        for r in syncs:
            if r.mode == "list" and r.size == 100_000 and r.latency == 0:
                wall = r.median("wall_s") or 0
                verdict = "PASS" if wall < TARGET_LIST_100K_S else "FAIL"
                print(
                    f"  {verdict}  list 100,000 at 0 ms, c={r.concurrency}: {wall:.2f} s "
                    f"(target < {TARGET_LIST_100K_S} s)"
                )
        for r in self.rows:
            if r.size == 1_000_000 and r.workload.startswith("sync"):
                rss = r.median("peak_rss_mb") or 0
                verdict = "PASS" if rss <= TARGET_RSS_MB else "FAIL"
                print(
                    f"  {verdict}  peak RSS, {r.workload} {r.mode} 1,000,000 at {r.latency} ms: {rss:.0f} MB "
                    f"(target <= {TARGET_RSS_MB:.0f} MB)"
                )
        for mode in ("retrieve", "list"):
            for latency in self.args.latencies:
                same = sorted(
                    (r for r in syncs if r.mode == mode and r.latency == latency), key=lambda r: r.size
                )
                if len(same) >= 2 and same[0].cpu_us and same[-1].cpu_us:
                    growth = same[-1].cpu_us / same[0].cpu_us
                    verdict = "PASS" if growth <= 1.25 else "FAIL"
                    print(
                        f"  {verdict}  CPU per connection, {mode} at {latency} ms: "
                        f"{same[0].cpu_us:,.0f} us at {same[0].size:,} -> "
                        f"{same[-1].cpu_us:,.0f} us at {same[-1].size:,} "
                        f"({growth:.2f}x; flat = within 1.25x)"
                    )
        for r in self.rows:
            if r.workload == "sync changed" and r.size == 1_000_000:
                apply_s = r.median("apply_s") or 0
                verdict = "PASS" if apply_s < TARGET_APPLY_1M_S else "FAIL"
                print(
                    f"  {verdict}  apply of 1,000,000 changed rows at {r.latency} ms: {apply_s:.2f} s "
                    f"(target < {TARGET_APPLY_1M_S} s; {r.changes()})"
                )
        checks: dict[str, list[tuple[bool, str]]] = {}
        for label, ok, detail in self.unchanged_checks:  # one per repeat: one line per workload
            checks.setdefault(label, []).append((ok, detail))
        for label, results in checks.items():
            failed = [detail for ok, detail in results if not ok]
            detail = failed[0] if failed else f"{results[0][1]} ({len(results)} of {len(results)} runs)"
            verdict = "FAIL" if failed else "PASS"
            print(f"  {verdict}  unchanged re-sync writes no business row, {label}: {detail}")

    def dump(self, path: str) -> None:
        data = [
            {
                "workload": r.workload,
                "mode": r.mode,
                "size": r.size,
                "latency_ms": r.latency,
                "concurrency": r.concurrency,
                "runs": r.runs,
            }
            for r in self.rows
        ]
        Path(path).write_text(json.dumps({"machine": machine(), "rows": data}, indent=1, default=str))


def business_digest(db: Path) -> tuple[Any, ...]:
    """A digest of every business column (everything but last_seen_at and the run bookkeeping)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        conns = con.execute(
            "SELECT count(*), sum(hash(pk, user_pk, source_pk, identifier, created, last_updated, "
            "first_seen_at, deleted_at, payload::VARCHAR)) FROM user_source_connections"
        ).fetchone()
        sources = con.execute(
            "SELECT count(*), sum(hash(pk, name, slug, enabled, payload::VARCHAR, first_seen_at, "
            "deleted_at)) FROM sources"
        ).fetchone()
        mappings = con.execute(
            "SELECT count(*), sum(hash(source_pk, kind, mapping_pk, position)) FROM source_property_mappings"
        ).fetchone()
    finally:
        con.close()
    return (conns, sources, mappings)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.repeat = 1
    started = time.monotonic()
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="authentik-etl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    bench = Bench(args, work)
    print(bench.header(), file=sys.stderr, flush=True)
    failure = None
    try:
        bench.run()
        if not args.no_micro:
            micro = subprocess.run(
                [
                    sys.executable,
                    str(BENCH / "micro_costs.py"),
                    "--connections",
                    "20000",
                    "--shape",
                    args.shape,
                ],
                capture_output=True,
                text=True,
                check=False,
                env=bench.env,
            )
            bench.micro = micro.stdout if micro.returncode == 0 else f"failed: {micro.stderr[-500:]}"
    except WorkerFailed as exc:
        failure = exc
    finally:
        if args.json_out:
            bench.dump(args.json_out)
        if bench.log.exists():
            shutil.copy(bench.log, LOG_COPY)
    bench.report(started)
    if bench.log.exists():
        shutil.copy(bench.log, LOG_COPY)
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    if failure is not None:
        print(f"\nbench stopped early: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
