"""Where a sync's time goes: one in-process sync per mode under cProfile, every thread included.

    .venv/bin/python bench/profile_sync.py [--connections 20000] [--modes retrieve,list]
        [--latency-ms 0] [--concurrency 4] [--top 25] [--save DIR]

The simulator runs as a separate process (so it does not share this GIL). cProfile only sees the
thread that enabled it, so every thread started during the sync (the fetch pool) gets its own
profiler and the statistics are merged. Prints the top functions by cumulative time and by own
(total) time. Cumulative times of thread entry points include time spent waiting; own time is
where the CPU goes. cProfile roughly doubles the cost of Python calls: compare proportions,
not absolute seconds, with bench.py's figures. `--save DIR` writes .pstats files (snakeviz etc.).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--connections", type=int, default=20_000)
    p.add_argument("--modes", default="retrieve,list")
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--shape", default="2025.12")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--save", type=Path, help="write <mode>.pstats files into this folder")
    return p


class ThreadProfiles:
    """Give every thread started while active its own profiler (cProfile is per thread)."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._real_run = threading.Thread.run

    def __enter__(self) -> ThreadProfiles:
        profiles, real_run = self.profiles, self._real_run

        def run(thread: threading.Thread) -> None:
            prof = cProfile.Profile()
            profiles.append(prof)
            prof.enable()
            try:
                real_run(thread)
            finally:
                prof.disable()

        threading.Thread.run = run  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        threading.Thread.run = self._real_run  # type: ignore[method-assign]


def profile_mode(url: str, token: str, mode: str, args: argparse.Namespace, work: Path) -> pstats.Stats:
    from authentik_etl.core.settings import SyncSettings
    from authentik_etl.job.sync import sync

    settings = SyncSettings(
        base_url=url, token=token, db_path=work / f"{mode}.duckdb", mode=mode, concurrency=args.concurrency
    )
    main = cProfile.Profile()
    with ThreadProfiles() as threads:
        start = time.perf_counter()
        main.enable()
        result = sync(settings)
        main.disable()
        wall = time.perf_counter() - start
    print(
        f"\n=== {mode}: {args.connections:,} connections, concurrency {args.concurrency}, "
        f"latency {args.latency_ms:g} ms: {wall:.2f} s under the profiler "
        f"({result.status}, inserted {result.inserted:,}, {len(threads.profiles)} threads profiled)"
    )
    stats = pstats.Stats(main)
    for prof in threads.profiles:
        stats.add(prof)
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
        stats.dump_stats(str(args.save / f"{mode}.pstats"))
    return stats


def show(stats: pstats.Stats, key: str, top: int) -> None:
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats(key).print_stats(top)
    text = out.getvalue()
    # Drop pstats' preamble (file names, totals are repeated per table); keep the table itself.
    start = text.find("   ncalls")
    print(f"--- top {top} by {'cumulative' if key == 'cumulative' else 'own (total)'} time ---")
    print(text[start:].rstrip() if start >= 0 else text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    token = "profile-" + secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="authentik-etl-profile-") as tmp:
        work = Path(tmp)
        (work / "token").write_text(token)
        sim = subprocess.Popen(
            [
                sys.executable, "-m", "authentik_etl.simulator", "--connections", str(args.connections),
                "--shape", args.shape, "--token-file", str(work / "token"),
                "--latency-ms", str(args.latency_ms), "--port", "0",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        try:
            assert sim.stdout is not None
            url = sim.stdout.readline().strip()
            if not url.startswith("http"):
                print("the simulator did not start", file=sys.stderr)
                return 1
            for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
                stats = profile_mode(url, token, mode, args, work)
                show(stats, "cumulative", args.top)
                show(stats, "tottime", args.top)
        finally:
            sim.terminate()
            sim.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
