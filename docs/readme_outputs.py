"""The command outputs shown in README.md, generated from real runs against the simulator.

    python docs/readme_outputs.py           rewrite the generated blocks of README.md
    python docs/readme_outputs.py --check   exit 1 (naming the block and the first differing line) when a
                                            block no longer matches what the commands print today

A generated block is the fenced block right after a `<!-- output: NAME -->` line; a generated table
sits between `<!-- table: NAME -->` and `<!-- /table -->` (the configuration table, from
core/options.py, compared exactly). Block comparison normalises what changes from run to run (times,
durations, ports, run ids, request ids, sizes of column padding), so a changed log line, message or
table is caught, a new timestamp is not. `make test` runs the check (tests/test_readme_outputs.py);
the benchmark and real-server tables are outside it.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from authentik_etl.core.options import EVERY, OPTIONS, Option
from authentik_etl.findings import rules
from authentik_etl.simulator import Dataset, Simulator

README = Path(__file__).resolve().parents[1] / "README.md"
BIN = Path(sys.executable).parent
MARKER = re.compile(r"^<!-- output: ([a-z-]+) -->\n```\n(.*?)^```$", re.M | re.S)
TABLE = re.compile(r"^<!-- table: ([a-z-]+) -->\n(.*?)^<!-- /table -->$", re.M | re.S)

# One session in a fresh folder, against the simulator started as a server (README: "Real output").
SESSION = [
    "authentik-etl sync --db authentik.duckdb",
    "authentik-etl sync --db authentik.duckdb --mode list",
    "authentik-etl sync --db authentik.duckdb --mode list --incremental",
    'authentik-etl query --db authentik.duckdb "SELECT pk, user_pk, source_slug, source_user_matching_mode, '
    'identifier FROM connections_flat ORDER BY pk LIMIT 5"',
    'authentik-etl query --db authentik.duckdb --format csv "SELECT run_id, status, mode, inserted, updated, '
    'unchanged, deleted, kind FROM sync_runs ORDER BY started_at"',
    "authentik-etl status --db authentik.duckdb --max-age 26h",
    "authentik-etl export --db authentik.duckdb --out exports",
    "ls exports/latest/",
    'AUTHENTIK_TOKEN=nope authentik-etl sync --db authentik.duckdb; echo "exit=$?"',
]
NORMALISE = [
    (re.compile(r"\d{8}T\d{6}Z(-[0-9a-f]{6})?"), "<run>"),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?Z?( UTC)?"), "<time>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r"request id [0-9a-f]{32}"), "request id <id>"),
    (re.compile(r"\d+\.\d+"), "<n>"),
    (re.compile(r"[ ─┬┼┴]+"), " "),  # column padding follows the widths of the values above
]


def run_shell(line: str, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        ["bash", "-c", line], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return proc.stdout


def generate_session(folder: Path) -> str:
    token = secrets.token_urlsafe(24)
    (folder / "token").write_text(token + "\n")
    (folder / "token").chmod(0o600)
    with Simulator(Dataset.generate(connections=84, seed=1), token=token) as sim:
        env = _env(AUTHENTIK_URL=sim.url, AUTHENTIK_TOKEN_FILE="token")
        parts = [f"$ {line}\n{run_shell(line, folder, env)}" for line in SESSION]
    return "\n".join(part if part.endswith("\n") else part + "\n" for part in parts)


def generate_demo(folder: Path) -> str:
    return run_shell("authentik-etl demo --dir demo", folder, _env())


def generate_findings(folder: Path) -> str:
    """The findings of the demo's data, then a night on which a source switched to email_link."""
    token = secrets.token_urlsafe(24)
    dataset = Dataset.for_findings(connections=84, seed=1)
    with Simulator(dataset, token=token) as sim:
        env = _env(AUTHENTIK_URL=sim.url, AUTHENTIK_TOKEN=token)
        lines = ['authentik-etl sync --db authentik.duckdb --log-level WARNING; echo "exit=$?"',
                 "authentik-etl findings --db authentik.duckdb --min-severity high"]  # fmt: skip
        parts = [f"$ {line}\n{run_shell(line, folder, env)}" for line in lines]
        dataset.update_source("etl-github", user_matching_mode="email_link")
        parts.append("# the next night: etl-github was switched to email_link in authentik\n")
        for line in ("authentik-etl sync --db authentik.duckdb --fail-on critical; echo \"exit=$?\"",
                     "authentik-etl findings --db authentik.duckdb --since-last-run"):  # fmt: skip
            parts.append(f"$ {line}\n{run_shell(line, folder, env)}")
    return "\n".join(part if part.endswith("\n") else part + "\n" for part in parts)


GENERATORS: dict[str, Callable[[Path], str]] = {
    "demo": generate_demo, "session": generate_session, "findings": generate_findings,
}  # fmt: skip


def configuration_table() -> str:
    """The README's configuration table: every option of core/options.py, one row each."""
    rows = ["| key (config file) | flag | environment | default | commands | meaning |", "|---" * 6 + "|"]
    for option in OPTIONS:
        flags = ", ".join(sorted({f"`{option.flag(c)}`" for c in option.commands}))
        env = f"`{option.env_name}`" if option.env_name else ""
        key = f"`{option.key}`" if option.in_file else f"(flag only) `{option.key}`"
        commands = "all" if set(option.commands) == set(EVERY) else ", ".join(option.commands)
        rows.append(f"| {key} | {flags} | {env} | {_default(option)} | {commands} | {option.meaning} |")
    return "\n".join(rows) + "\n"


def _default(option: Option) -> str:
    if option.default is None or option.default is False:
        return ""
    return f"`{option.default}`"


def rules_table() -> str:
    """The README's finding rules: every file of sql/findings/, from its header."""
    rows = []
    for rule in rules.load():
        rows.append(f"#### `{rule.name}` ({rule.severity})\n\n{rule.why}\n\n**Fix:** {rule.fix}\n\n"
                    f"Evaluated when the run read in full: {', '.join(rule.needs)}.\n")  # fmt: skip
    return "\n".join(rows)


TABLES: dict[str, Callable[[], str]] = {"configuration": configuration_table, "rules": rules_table}


def table_differences(readme: str) -> list[str]:
    found = {m[1]: m[2] for m in TABLE.finditer(readme)}
    problems = [f"README has no table {name!r}" for name in TABLES if name not in found]
    for name, shown in found.items():
        if name not in TABLES:
            problems.append(f"README table {name!r} has no generator in docs/readme_outputs.py")
        elif shown != TABLES[name]():
            problems.append(f"README table {name!r} is stale (run python docs/readme_outputs.py)")
    return problems


def rewrite_tables(readme: str) -> str:
    return TABLE.sub(lambda m: f"<!-- table: {m[1]} -->\n{TABLES[m[1]]()}<!-- /table -->", readme)


def _env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AUTHENTIK")}
    return {**base, "PATH": f"{BIN}{os.pathsep}{base.get('PATH', '')}", "PYTHONUNBUFFERED": "1", **extra}


def normalise(text: str) -> list[str]:
    lines = []
    for line in text.strip("\n").splitlines():
        for pattern, replacement in NORMALISE:
            line = pattern.sub(replacement, line)
        lines.append(line.rstrip())
    return lines


def generated() -> dict[str, str]:
    """Every block's text, from real runs now (each in a fresh folder)."""
    fresh = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in GENERATORS.items():
            folder = Path(tmp) / name
            folder.mkdir()
            fresh[name] = make(folder)
    return fresh


def differences(readme: str, fresh: dict[str, str]) -> list[str]:
    """One line per block of `readme` that does not match `fresh` (after normalising both)."""
    found, problems = set(), []
    for match in MARKER.finditer(readme):
        name, shown = match[1], match[2]
        found.add(name)
        if name not in fresh:
            problems.append(f"README block {name!r} has no generator in docs/readme_outputs.py")
            continue
        want, got = normalise(fresh[name]), normalise(shown)
        if want != got:
            at = next((i for i, pair in enumerate(zip(want, got, strict=False)) if pair[0] != pair[1]), None)
            at = min(len(want), len(got)) if at is None else at
            problems.append(
                f"README block {name!r} is stale at its line {at + 1}: it shows {_line(got, at)!r}, "
                f"the command prints {_line(want, at)!r} (run python docs/readme_outputs.py)"
            )
    problems += [f"README has no block {name!r}" for name in fresh if name not in found]
    return problems


def _line(lines: list[str], at: int) -> str:
    return lines[at] if at < len(lines) else "<end>"


def rewrite(readme: str, fresh: dict[str, str]) -> str:
    def block(match: re.Match[str]) -> str:
        body = fresh.get(match[1], match[2]).rstrip("\n") + "\n"
        return f"<!-- output: {match[1]} -->\n```\n{body}```"

    return MARKER.sub(block, readme)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of rewriting")
    args = parser.parse_args(argv)
    text, fresh = README.read_text(encoding="utf-8"), generated()
    if args.check:
        problems = differences(text, fresh) + table_differences(text)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    README.write_text(rewrite_tables(rewrite(text, fresh)), encoding="utf-8")
    print(f"rewrote the blocks {', '.join(fresh)} of {README.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
