"""Helpers shared by the benchmark scripts (run as `python bench/<script>.py`; stdlib only)."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import time
from typing import Any

CONNECTIONS_PATH = "/sources/user_connections/all/"


class Usage:
    """Wall clock and this process's CPU (every thread) between start() and stop()."""

    def __init__(self) -> None:
        self.wall0 = time.perf_counter()
        self.ru0 = resource.getrusage(resource.RUSAGE_SELF)
        self.result: dict[str, float] = {}

    def stop(self) -> dict[str, float]:
        wall = time.perf_counter() - self.wall0
        ru = resource.getrusage(resource.RUSAGE_SELF)
        self.result = {
            "wall_s": wall,
            "user_s": ru.ru_utime - self.ru0.ru_utime,
            "sys_s": ru.ru_stime - self.ru0.ru_stime,
            "peak_rss_mb": peak_rss_mb(ru.ru_maxrss),
        }
        return self.result


def peak_rss_mb(ru_maxrss_kib: int) -> float:
    """This process's peak RSS (imports included): VmHWM, the high-water mark of its own memory map.

    Not ru_maxrss alone: Linux carries it over from the parent across fork and exec, so a small child
    of a big parent would report the parent's size.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError):
        pass
    return ru_maxrss_kib / 1024.0


def emit(report: dict[str, Any]) -> None:
    """The one machine-readable line a worker prints on stdout (the parent reads the last one)."""
    sys.stdout.write("BENCH-RESULT " + json.dumps(report, default=str) + "\n")
    sys.stdout.flush()


def parse_result(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        if line.startswith("BENCH-RESULT "):
            return json.loads(line[len("BENCH-RESULT ") :])
    return None


def process_cpu_seconds(pid: int) -> float | None:
    """utime + stime of another process, from /proc (None when it is gone or not Linux)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def machine() -> dict[str, str]:
    cpu, mem = "?", "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return {
        "cpus": str(os.cpu_count()),
        "usable_cpus": str(len(os.sched_getaffinity(0))) if hasattr(os, "sched_getaffinity") else "?",
        "cpu": cpu,
        "ram": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
    }
