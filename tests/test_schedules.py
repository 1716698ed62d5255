"""The scheduling files in schedules/: they parse, their command lines use only flags the CLI accepts,
the systemd units pass `systemd-analyze verify`, the config files (the sample and the Kubernetes
ConfigMap) load and are checked against the settings model (core/options.py), and each schedule's
command line really syncs (against the simulator, with the production paths swapped for temporary ones)."""

from __future__ import annotations

import configparser
import fcntl
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import TOKEN, db_rows

from authentik_etl.commands.cli import build_parser
from authentik_etl.core import config, configfile
from authentik_etl.core.errors import ConfigError
from authentik_etl.core.options import BY_KEY
from authentik_etl.simulator import Dataset

ROOT = Path(__file__).resolve().parents[1]
SCHEDULES = ROOT / "schedules"
SAMPLE = SCHEDULES / "authentik-etl.toml"
CRON_FILE = SCHEDULES / "cron" / "authentik-etl"
SERVICE = SCHEDULES / "systemd" / "authentik-etl.service"
TIMER = SCHEDULES / "systemd" / "authentik-etl.timer"
CRONJOB = SCHEDULES / "kubernetes" / "cronjob.yaml"
SECRET = SCHEDULES / "kubernetes" / "secret.example.yaml"
EXE = str(Path(sys.executable).with_name("authentik-etl"))

INSTALLED_EXE = "/usr/local/bin/authentik-etl"
LOCK = "/run/lock/authentik-etl.lock"
ETC_CONFIG = "/etc/authentik-etl/authentik-etl.toml"
ETC_TOKEN = "/etc/authentik-etl/token"
STATE = "/var/lib/authentik-etl"
PLACEHOLDER_URL = "https://authentik.example.com"


def sync_args(argv: list[str]) -> Any:
    """Parse an `authentik-etl sync ...` argument list (without the program name) like the CLI does."""
    assert argv[:1] == ["sync"], argv
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse's way of refusing a flag
        pytest.fail(f"authentik-etl refuses {shlex.join(argv)} (exit {exc.code})")


def clean_env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AUTHENTIK", "REQUESTS_CA"))}
    return {**base, **extra}


def looks_like_a_token(text: str) -> list[str]:
    """Runs of 20+ letters/digits: authentik's generated API tokens are long alphanumeric strings."""
    return re.findall(r"[A-Za-z0-9]{20,}", text)


def swap(text: str, old: str, new: str) -> str:
    assert old in text, f"{old!r} is no longer in the file: update the test"
    return text.replace(old, new)


def effective(argv: list[str], env: dict[str, str], file: dict[str, Any]) -> tuple[dict[str, Any], dict]:
    """The sync's settings and where each came from (flag, env, file, default), as the CLI resolves them."""
    args = sync_args(argv)
    given = {key: value for key, value in vars(args).items() if value is not None}
    return configfile.resolve("sync", given, env, file)


def write_config(text: str, path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- the config files ---------------------------------------------------------------------------------
# Set in the sample: what every nightly sync needs. Commented out: what an operator commonly tunes.
SAMPLE_VALUES = {
    "url": PLACEHOLDER_URL,
    "token_file": ETC_TOKEN,
    "db": f"{STATE}/authentik.duckdb",
    "export_dir": f"{STATE}/exports",
    "strict": True,
}
COMMONLY_TUNED = (
    "ca_bundle", "concurrency", "mode", "max_delete", "metrics_file", "ping_url", "log_format", "export_keep"
)  # fmt: skip
# A comment line that reads like a `key = value` line (a commented-out option, or a stale one).
COMMENTED_OPTION = re.compile(r"#\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*=(?!=)\s*(.*)")


def commented_option_problems(text: str, folder: Path, *, sample: bool = True) -> list[str]:
    """What is wrong with the commented-out `# key = value` lines of a config file: each must be a key of
    `sync` that a config file may hold, with a value of the option's type (checked by configfile.load).
    In the sample, where they show what can be tuned, each is also there once, not also set for real,
    under a line explaining it, and shows the option's default from OPTIONS where it has one."""
    active = tomllib.loads(text)
    lines = text.splitlines()
    problems: list[str] = []
    seen: set[str] = set()
    for lineno, line in enumerate(lines, 1):
        match = COMMENTED_OPTION.fullmatch(line.strip())
        if not match:
            continue
        key, value = match[1], match[2]
        where = f"line {lineno} ({line.strip()!r})"
        try:
            loaded = configfile.load(write_config(f"{key} = {value}\n", folder / "commented.toml"))
        except ConfigError as exc:
            problems.append(f"{where}: {exc}")
            continue
        option = BY_KEY[key]
        if "sync" not in option.commands:
            problems.append(f"{where}: {key} is no option of sync")
        if not sample:
            continue
        if key in seen or key in active:
            problems.append(f"{where}: {key} is set more than once")
        seen.add(key)
        above = lines[lineno - 2].strip() if lineno > 1 else ""
        if not above.startswith("# ") or COMMENTED_OPTION.fullmatch(above):
            problems.append(f"{where}: no line above explains it")
        if option.default is not None and loaded[key] != option.default:
            problems.append(f"{where}: the default of {key} is {option.default!r}, not {loaded[key]!r}")
    return problems


def commented_keys(text: str) -> list[str]:
    return [m[1] for line in text.splitlines() if (m := COMMENTED_OPTION.fullmatch(line.strip()))]


def test_the_sample_config_file_loads_and_holds_no_token() -> None:
    values = configfile.load(str(SAMPLE))  # every key a real option, of the right type; no token key
    assert values == SAMPLE_VALUES
    config.normalise_base_url(values["url"])
    text = SAMPLE.read_text(encoding="utf-8")
    assert not looks_like_a_token(text)
    # what the top of the file must explain
    for needed in ("-m 640 -o root -g authentik-etl", "-m 600", "AUTHENTIK_TOKEN_FILE", "%d/token"):
        assert needed in text, needed
    assert "environment beats this file" in text.replace("\n# ", " ")


def test_the_samples_commented_options_are_real_and_show_the_defaults(tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert commented_option_problems(text, tmp_path) == []
    assert set(COMMONLY_TUNED) <= set(commented_keys(text))
    # each of them uncommented at once is still a valid config file
    uncommented = re.sub(r"(?m)^# (?=[a-z_]+ = )", "", text)
    values = configfile.load(write_config(uncommented, tmp_path / "all.toml"))
    assert set(values) == set(SAMPLE_VALUES) | set(commented_keys(text))


CONCURRENCY = "# concurrency = 4\n"


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (CONCURRENCY, "# concurrency = 8\n", "the default of concurrency is 4, not 8"),
        ('# mode = "retrieve"\n', '# mode = "fast"\n', "use retrieve or list"),
        (CONCURRENCY, '# concurrency = "4"\n', 'must be "auto" or an integer'),
        (CONCURRENCY, "# concurency = 4\n", "unknown key 'concurency'"),
        (CONCURRENCY, CONCURRENCY + "# status_limit = 10\n", "status_limit is no option of sync"),
        (CONCURRENCY, CONCURRENCY + "\n# Flag.\n# allow_mass_delete = false\n", "not allowed there"),
        (CONCURRENCY, CONCURRENCY + "\n# Twice.\n# strict = false\n", "set more than once"),
        ("\n" + CONCURRENCY, "\n\n" + CONCURRENCY, "no line above explains it"),
    ],
)
def test_a_stale_commented_option_is_caught(tmp_path: Path, old: str, new: str, problem: str) -> None:
    text = swap(SAMPLE.read_text(encoding="utf-8"), old, new)
    problems = commented_option_problems(text, tmp_path)
    assert any(problem in p for p in problems), problems


# -- cron ---------------------------------------------------------------------------------------------
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 7, DAYS),
)
CRON_SPECIALS = ("@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
ENV_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$")


def check_cron_field(text: str, low: int, high: int, names: tuple[str, ...]) -> None:
    """One of the five time fields, as Debian's cron reads it: *, n, a-b, */s, a-b/s, lists of those, or a
    single name (jan, mon; names only alone, as crontab(5) says). Raises ValueError."""
    if text.lower() in names:
        return
    for item in text.split(","):
        base, slash, step = item.partition("/")
        if slash and not (step.isdigit() and 1 <= int(step) <= high):
            raise ValueError(f"bad step in {item!r}")
        if base == "*":
            continue
        first, dash, last = base.partition("-")
        if slash and not dash:
            raise ValueError(f"a step needs * or a range: {item!r}")
        for number in (first, last) if dash else (first,):
            if not number.isdigit() or not low <= int(number) <= high:
                raise ValueError(f"{number!r} is not in {low}-{high} (in {item!r})")
        if dash and int(first) > int(last):
            raise ValueError(f"backward range {item!r}")


def check_cron_schedule(fields: list[str]) -> None:
    if len(fields) == 1 and fields[0] in CRON_SPECIALS:
        return
    if len(fields) != 5:
        raise ValueError(f"{len(fields)} time fields, not 5")
    for text, (name, low, high, names) in zip(fields, CRON_FIELDS, strict=True):
        try:
            check_cron_field(text, low, high, names)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None


@dataclass(frozen=True)
class CronEntry:
    lineno: int
    schedule: list[str]
    user: str
    command: str


def parse_cron_d(text: str) -> tuple[dict[str, str], list[CronEntry]]:
    """An /etc/cron.d file: comments, VAR=value lines and entries (5 time fields, user, command)."""
    assert text.endswith("\n"), "cron ignores a last line without a newline"
    env: dict[str, str] = {}
    entries: list[CronEntry] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if match := ENV_ASSIGNMENT.match(line):
            env[match[1]] = match[2].strip()
            continue
        if line.startswith("@"):
            special, user, command = line.split(None, 2)
            schedule = [special]
        else:
            parts = line.split(None, 6)
            assert len(parts) == 7, f"line {lineno}: not 5 time fields, a user and a command: {line!r}"
            schedule, user, command = parts[:5], parts[5], parts[6]
        try:
            check_cron_schedule(schedule)
        except ValueError as exc:
            pytest.fail(f"line {lineno}: {exc}")
        entries.append(CronEntry(lineno, schedule, user, command))
    return env, entries


@pytest.mark.parametrize(
    "schedule", ["30 2 * * *", "*/15 0-6/2 1,15 jan mon", "0 0 * * 7", "0-59/5 * 1-31 1-12 0-7", "@daily"]
)
def test_the_cron_validator_accepts_good_schedules(schedule: str) -> None:
    check_cron_schedule(schedule.split())


@pytest.mark.parametrize(
    "schedule",
    [
        "60 2 * * *",
        "30 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "* * * * 8",
        "*/0 * * * *",
        "5-1 * * * *",
        "5/10 * * * *",
        "1,,2 * * * *",
        "mon * * * *",
        "* * * jan-mar *",
        "30 2 * *",
        "30 2 * * * *",
        "@nightly",
    ],
)
def test_the_cron_validator_refuses_bad_schedules(schedule: str) -> None:
    with pytest.raises(ValueError):
        check_cron_schedule(schedule.split())


def cron_job() -> tuple[dict[str, str], CronEntry]:
    env, entries = parse_cron_d(CRON_FILE.read_text(encoding="utf-8"))
    assert len(entries) == 1, entries
    return env, entries[0]


def shell_words(command: str) -> list[str]:
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def cron_sync_argv(command: str) -> tuple[list[str], list[str]]:
    """(flock's options and lock file, the sync's argument list) from the job's shell command."""
    words = shell_words(command)
    start = words.index("flock")
    end = next(
        i for i in range(start, len(words)) if words[i] in (";", "&&", "||", "|", "}") or words[i][0] in "<>"
    )
    if words[end][0] in "<>" and words[end - 1].isdigit() and words[end - 1] + words[end] in command:
        end -= 1  # the 2 of 2>&1 is the redirection's, not an argument
    simple = words[start + 1 : end]
    program = simple.index("authentik-etl")
    return simple[:program], simple[program + 1 :]


def test_the_cron_file_is_a_valid_cron_d_file() -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", CRON_FILE.name), "run-parts ignores names with dots"
    env, job = cron_job()
    assert job.schedule == ["30", "2", "*", "*", "*"]
    assert job.user == "authentik-etl"
    assert env["SHELL"] == "/bin/bash", "set -o pipefail needs bash"
    assert Path(env["SHELL"]).is_file()
    assert "/usr/local/bin" in env["PATH"].split(":")
    assert "MAILTO" in env
    # cron turns an unescaped % into a line break
    assert not re.search(r"(?<!\\)%", job.command)
    assert len(job.command) < 1000, "Debian's cron cuts commands at 1000 characters (MAX_COMMAND)"


def test_the_cron_job_takes_a_non_blocking_flock_and_accepted_sync_flags() -> None:
    _env, job = cron_job()
    flock_args, argv = cron_sync_argv(job.command)
    assert flock_args[-1] == LOCK
    assert "-n" in flock_args[:-1] or "--nonblock" in flock_args[:-1]
    assert flock_args[flock_args.index("-E") + 1] == "75", "a held lock should exit like the tool's own lock"
    assert sync_args(argv).config == ETC_CONFIG
    words = shell_words(job.command)
    assert words[:3] == ["set", "-o", "pipefail"]
    assert "2>&1 | logger -t authentik-etl ||" in job.command, "the log (stderr) goes to syslog"
    assert words[words.index("logger") : words.index("logger") + 3] == ["logger", "-t", "authentik-etl"]
    assert words[words.index("||") + 1] == "echo"


def test_the_cron_job_gets_every_setting_from_the_config_file() -> None:
    env, job = cron_job()
    # a variable set in the cron file would beat the config file
    assert not [name for name in env if name.startswith(("AUTHENTIK", "REQUESTS_CA"))]
    _flock, argv = cron_sync_argv(job.command)
    values, origins = effective(argv, env, configfile.load(str(SAMPLE)))
    assert {key: values[key] for key in SAMPLE_VALUES} == SAMPLE_VALUES
    assert {origins[key] for key in SAMPLE_VALUES} == {"file"}


# -- systemd ------------------------------------------------------------------------------------------
class _MultiDict(dict):
    """A configparser dict_type keeping every value of a repeated key (Environment=, SystemCallFilter=)."""

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, list) and isinstance(self.get(key), list):
            self[key].extend(value)
        else:
            super().__setitem__(key, value)


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as {section: {key: [values]}}: backslash continuations joined the way systemd does."""
    lines: list[str] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if pending and line.lstrip().startswith(("#", ";")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    assert not pending, f"{path.name} ends inside a continued line"
    parser = configparser.ConfigParser(
        strict=False,
        interpolation=None,
        dict_type=_MultiDict,
        delimiters=("=",),
        default_section="\0",
        empty_lines_in_values=False,
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string("\n".join(lines) + "\n", source=str(path))
    return {s: {k: v.split("\n") for k, v in parser.items(s, raw=True)} for s in parser.sections()}


def one(unit: dict[str, dict[str, list[str]]], section: str, key: str) -> str:
    values = unit[section].get(key)
    assert values is not None, f"[{section}] has no {key}="
    assert len(values) == 1, f"[{section}] {key}= is set {len(values)} times"
    return values[0]


def exec_start() -> list[str]:
    return shlex.split(one(read_unit(SERVICE), "Service", "ExecStart"))


def unit_environment(unit: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    """The service's Environment= assignments (a later one wins, as in systemd)."""
    assignments = shlex.split(" ".join(unit["Service"].get("Environment", [])))
    return dict(assignment.partition("=")[::2] for assignment in assignments)


HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "CapabilityBoundingSet": "",
    "UMask": "0077",
    "DynamicUser": "yes",
    "IOSchedulingClass": "idle",
}


def test_the_service_is_a_hardened_oneshot_with_the_token_as_a_credential() -> None:
    unit = read_unit(SERVICE)
    assert set(unit) == {"Unit", "Service"}
    for key in ("Wants", "After"):
        assert "network-online.target" in one(unit, "Unit", key).split()
    assert one(unit, "Service", "Type") == "oneshot"
    for key, value in HARDENING.items():
        assert one(unit, "Service", key) == value, key
    assert one(unit, "Service", "StateDirectory") == "authentik-etl"
    assert one(unit, "Service", "LoadCredential") == f"token:{ETC_TOKEN}"
    assert unit_environment(unit)["AUTHENTIK_TOKEN_FILE"] == "%d/token"
    # exit 3 (partial) stays a failure, so OnFailure= alerting fires
    assert "SuccessExitStatus" not in unit["Service"]
    assert re.fullmatch(r"\d+(h|min|s)", one(unit, "Service", "TimeoutStartSec"))
    assert int(one(unit, "Service", "Nice")) > 0


def test_the_service_command_line_is_one_the_cli_accepts() -> None:
    unit = read_unit(SERVICE)
    argv = exec_start()
    assert argv[0] == INSTALLED_EXE
    assert sync_args(argv[1:]).config == ETC_CONFIG
    values, origins = effective(argv[1:], unit_environment(unit), configfile.load(str(SAMPLE)))
    state = f"/var/lib/{one(unit, 'Service', 'StateDirectory')}/"
    assert values["db"] == f"{state}authentik.duckdb"
    writable = [state, *(unit["Service"].get("ReadWritePaths") or [])]
    export = values["export_dir"]
    assert export and any(export.startswith(p) for p in writable), "the export folder is read-only"
    assert values["strict"] is True
    assert (values["url"], origins["url"]) == (PLACEHOLDER_URL, "file")


def test_nothing_in_the_service_overrides_the_credential() -> None:
    unit = read_unit(SERVICE)
    # The environment beats the config file: the credential's AUTHENTIK_TOKEN_FILE wins over its
    # token_file. An EnvironmentFile= (or PassEnvironment=) could set AUTHENTIK_TOKEN(_FILE) and win over
    # the credential in turn; the unit has none, and its Environment= sets nothing else.
    assert "EnvironmentFile" not in unit["Service"] and "PassEnvironment" not in unit["Service"]
    assert unit_environment(unit) == {"AUTHENTIK_TOKEN_FILE": "%d/token"}
    values, origins = effective(exec_start()[1:], unit_environment(unit), configfile.load(str(SAMPLE)))
    assert (values["token_file"], origins["token_file"]) == ("%d/token", "env")
    # the sample's token_file is the file the credential is loaded from (cron reads it directly)
    assert one(unit, "Service", "LoadCredential") == f"token:{SAMPLE_VALUES['token_file']}"


def test_the_timer_runs_the_service_nightly() -> None:
    unit = read_unit(TIMER)
    assert set(unit) == {"Unit", "Timer", "Install"}
    assert one(unit, "Timer", "OnCalendar") == "*-*-* 02:30:00"
    assert one(unit, "Timer", "Persistent") == "true"
    assert one(unit, "Timer", "RandomizedDelaySec") == "15min"
    assert "AccuracySec" in unit["Timer"]
    target = unit["Timer"].get("Unit", [TIMER.with_suffix(".service").name])[0]
    assert (TIMER.parent / target) == SERVICE
    assert one(unit, "Install", "WantedBy") == "timers.target"


UNITS_LOAD_MARKER = Path("/run/systemd/systemd-units-load")


@pytest.fixture
def verify(tmp_path: Path):
    """Run `systemd-analyze verify` on copies of the units, ExecStart pointing at the real command.

    verify refuses an ExecStart binary that does not exist, so the copies run this venv's authentik-etl
    instead of /usr/local/bin/authentik-etl. Run as root, verify (its test manager) touches the empty marker
    /run/systemd/systemd-units-load; it is removed again if it was not there before (no systemd running)."""
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze is missing: on Debian, apt-get install -y systemd"
    existed = UNITS_LOAD_MARKER.exists()

    def run(service_text: str) -> tuple[int, str]:
        folder = tmp_path / "units"
        folder.mkdir(exist_ok=True)
        service_text = swap(service_text, f"ExecStart={INSTALLED_EXE} ", f"ExecStart={EXE} ")
        (folder / SERVICE.name).write_text(service_text)
        shutil.copy(TIMER, folder / TIMER.name)
        proc = subprocess.run(
            [tool, "verify", "--man=no", str(folder / SERVICE.name), str(folder / TIMER.name)],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""},
        )
        return proc.returncode, proc.stdout + proc.stderr

    yield run
    if not existed and UNITS_LOAD_MARKER.exists():
        UNITS_LOAD_MARKER.unlink()


def test_the_units_pass_systemd_analyze_verify(verify) -> None:
    code, output = verify(SERVICE.read_text(encoding="utf-8"))
    # verify exits 0 even for unknown keys or unparsable values: it only warns, so read its output too
    ours = [line for line in output.splitlines() if "authentik-etl" in line]
    assert code == 0 and not ours, output


def test_systemd_analyze_verify_does_catch_a_mistake(verify) -> None:
    text = swap(SERVICE.read_text(encoding="utf-8"), "\nNice=10\n", "\nNice=ten\nFrobnicate=yes\n")
    _code, output = verify(text)
    assert "Frobnicate" in output and "ten" in output, output


# -- Kubernetes ---------------------------------------------------------------------------------------
def manifests(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc is not None]


def cronjob() -> tuple[dict[str, Any], dict[str, Any]]:
    docs = {doc["kind"]: doc for doc in manifests(CRONJOB)}
    assert sorted(docs) == ["ConfigMap", "CronJob", "PersistentVolumeClaim"]
    return docs["CronJob"], docs["PersistentVolumeClaim"]


def config_map() -> dict[str, Any]:
    (doc,) = (doc for doc in manifests(CRONJOB) if doc["kind"] == "ConfigMap")
    return doc


CONFIG_MAP_VALUES = {
    "url": PLACEHOLDER_URL,
    "db": "/data/authentik.duckdb",
    "export_dir": "/data/exports",
    "log_format": "json",
    "strict": True,
}


def config_map_toml() -> str:
    """The config file the pod reads: the ConfigMap's key named by the command's --config."""
    _pod, container = pod_and_container()
    folder, key = os.path.split(sync_args(container["command"][1:]).config)
    assert folder == os.path.dirname(ETC_CONFIG)
    return config_map()["data"][key]


def test_the_cronjob_has_the_scheduling_fields() -> None:
    job, pvc = cronjob()
    assert job["apiVersion"] == "batch/v1"
    spec = job["spec"]
    check_cron_schedule(spec["schedule"].split())
    assert spec["timeZone"] == "Etc/UTC"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] > 0
    assert spec["successfulJobsHistoryLimit"] >= 1 and spec["failedJobsHistoryLimit"] >= 1
    job_spec = spec["jobTemplate"]["spec"]
    assert job_spec["backoffLimit"] >= 0 and job_spec["activeDeadlineSeconds"] > 0
    for rule in job_spec.get("podFailurePolicy", {}).get("rules", []):
        assert rule["onExitCodes"]["containerName"] == "sync"
        assert set(rule["onExitCodes"]["values"]) <= {1, 2, 3, 4, 75, 130, 143}
    assert job_spec["template"]["spec"]["restartPolicy"] == "Never"
    assert pvc["apiVersion"] == "v1" and pvc["spec"]["resources"]["requests"]["storage"]
    assert job["metadata"]["namespace"] == pvc["metadata"]["namespace"] == "authentik"
    assert config_map()["metadata"]["namespace"] == "authentik"


def pod_and_container() -> tuple[dict[str, Any], dict[str, Any]]:
    job, _pvc = cronjob()
    pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    return pod, container


def test_the_cronjob_pod_is_locked_down() -> None:
    pod, container = pod_and_container()
    effective = {**pod["securityContext"], **container["securityContext"]}
    assert effective["runAsNonRoot"] is True and effective["runAsUser"] == 65532
    assert isinstance(pod["securityContext"]["fsGroup"], int)
    assert effective["readOnlyRootFilesystem"] is True
    assert effective["allowPrivilegeEscalation"] is False
    assert effective["capabilities"]["drop"] == ["ALL"]
    assert effective["seccompProfile"]["type"] == "RuntimeDefault"
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "512Mi"}
    assert container["image"] == "ghcr.io/example/authentik-etl:0.1.0"


def test_the_cronjob_mounts_the_database_the_config_the_token_and_tmp() -> None:
    pod, container = pod_and_container()
    _job, pvc = cronjob()
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    env = {e["name"]: e["value"] for e in container["env"]}

    assert volumes[mounts["/tmp"]["name"]]["emptyDir"] is not None
    assert volumes[mounts["/data"]["name"]]["persistentVolumeClaim"]["claimName"] == pvc["metadata"]["name"]

    token_dir, token_key = os.path.split(env["AUTHENTIK_TOKEN_FILE"])
    assert mounts[token_dir]["readOnly"] is True
    secret = volumes[mounts[token_dir]["name"]]["secret"]
    assert secret["defaultMode"] == 0o400
    (example,) = manifests(SECRET)
    assert example["kind"] == "Secret" and example["metadata"]["name"] == secret["secretName"]
    assert example["metadata"]["namespace"] == "authentik"
    assert set(example["stringData"]) == {token_key}

    config_dir, config_key = os.path.split(sync_args(container["command"][1:]).config)
    assert mounts[config_dir]["readOnly"] is True
    config_volume = volumes[mounts[config_dir]["name"]]["configMap"]
    assert config_volume["name"] == config_map()["metadata"]["name"] == "authentik-etl-config"
    assert config_key in config_map()["data"]
    assert set(config_volume) <= {"name", "defaultMode"}, "with items:, a file need not be named as its key"


def test_the_configmap_config_file_loads_and_holds_no_token(tmp_path: Path) -> None:
    text = config_map_toml()
    values = configfile.load(write_config(text, tmp_path / "authentik-etl.toml"))
    assert values == CONFIG_MAP_VALUES
    assert not looks_like_a_token(text)
    # its commented-out alternative (the in-cluster http URL) is made of real options of the right type
    assert commented_option_problems(text, tmp_path, sample=False) == []
    assert set(commented_keys(text)) == {"url", "allow_insecure_http"}


def test_the_cronjob_command_is_one_the_cli_accepts() -> None:
    _pod, container = pod_and_container()
    command = container["command"]
    assert command[:2] == ["authentik-etl", "sync"]
    assert sync_args(command[1:]).config == ETC_CONFIG
    env = {e["name"]: e["value"] for e in container["env"]}
    # the environment beats the config file: no AUTHENTIK_* setting besides the Secret's token file
    assert set(env) == {"AUTHENTIK_TOKEN_FILE", "HOME"}
    file = tomllib.loads(config_map_toml())
    values, origins = effective(command[1:], env, file)
    assert {key: values[key] for key in CONFIG_MAP_VALUES} == CONFIG_MAP_VALUES
    assert (values["token_file"], origins["token_file"]) == (env["AUTHENTIK_TOKEN_FILE"], "env")
    # an http:// in-cluster URL is only accepted together with allow_insecure_http = true
    config.normalise_base_url(values["url"], allow_insecure_http=values["allow_insecure_http"])


def test_the_secret_example_holds_a_placeholder_the_tool_refuses() -> None:
    (secret,) = manifests(SECRET)
    (value,) = secret["stringData"].values()
    assert not looks_like_a_token(SECRET.read_text(encoding="utf-8"))
    with pytest.raises(ConfigError):
        config.check_token(value, "the example Secret")


# -- all three ---------------------------------------------------------------------------------------
def schedule_argv(name: str) -> list[str]:
    """A schedule's `authentik-etl` argument list, without the program."""
    if name == "cron":
        return cron_sync_argv(cron_job()[1].command)[1]
    if name == "systemd":
        return exec_start()[1:]
    return pod_and_container()[1]["command"][1:]


@pytest.mark.parametrize("name", ["cron", "systemd", "kubernetes"])
def test_every_schedule_syncs_with_the_config_file_and_no_other_flag(name: str) -> None:
    argv = schedule_argv(name)
    args = sync_args(argv)  # only flags the CLI accepts
    assert args.config == ETC_CONFIG
    flags = {key: value for key, value in vars(args).items() if key in BY_KEY and value is not None}
    assert flags == {}, "a flag beats the config file: keep every setting in the file, in one place"
    assert argv == ["sync", "--config", ETC_CONFIG]


# -- each schedule's command line, run for real against the simulator ---------------------------------
@pytest.fixture
def sim(simulator):
    return simulator(Dataset.generate(connections=12, seed=3))


def assert_synced(db: Path, exports: Path) -> None:
    assert db_rows(db, "SELECT count(*) FROM user_source_connections") == [(12,)]
    assert db_rows(db, "SELECT status FROM sync_runs") == [("succeeded",)]
    assert (exports / "latest" / "manifest.json").is_file()


def write_token(path: Path, mode: int, token: str = TOKEN) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n", encoding="utf-8")
    path.chmod(mode)
    return str(path)


def cron_run(tmp_path: Path, sim: Any, token: str = TOKEN) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The cron job line run as cron would (`$SHELL -c line` with the file's variables), its paths
    moved under tmp_path; logger is a stub writing to tmp_path/syslog."""
    env, job = cron_job()
    state = tmp_path / "state"
    state.mkdir()
    write_token(tmp_path / "token", 0o600, token)
    text = swap(SAMPLE.read_text(encoding="utf-8"), PLACEHOLDER_URL, sim.url)
    text = swap(swap(text, ETC_TOKEN, str(tmp_path / "token")), STATE, str(state))
    config_file = write_config(text, tmp_path / "etc" / "authentik-etl.toml")
    command = swap(swap(job.command, ETC_CONFIG, config_file), LOCK, str(tmp_path / "lock"))

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "authentik-etl").symlink_to(EXE)
    logger = bin_dir / "logger"
    logger.write_text('#!/bin/sh\n[ "$*" = "-t authentik-etl" ] || exit 64\nexec cat >> "$SYSLOG"\n')
    logger.chmod(0o755)
    cron_env = {
        **{k: v for k, v in env.items() if k != "PATH"},
        "PATH": f"{bin_dir}:{env['PATH']}",
        "HOME": str(tmp_path),
        "LOGNAME": "authentik-etl",
        "SYSLOG": str(tmp_path / "syslog"),
    }
    proc = subprocess.run(
        [env["SHELL"], "-c", command], env=cron_env, capture_output=True, text=True, timeout=60
    )
    return proc, state


def test_the_cron_job_line_syncs_exports_and_logs_to_syslog_silently(tmp_path: Path, sim) -> None:
    proc, state = cron_run(tmp_path, sim)
    # cron mails whatever the job prints: on success, nothing
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert_synced(state / "authentik.duckdb", state / "exports")
    assert "sync succeeded" in (tmp_path / "syslog").read_text()


def test_a_cron_run_finding_the_lock_held_mails_exit_75_and_does_nothing(tmp_path: Path, sim) -> None:
    with open(tmp_path / "lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        proc, state = cron_run(tmp_path, sim)
    assert "failed with exit code 75" in proc.stdout and proc.stderr == ""
    assert not (state / "authentik.duckdb").exists()


def test_a_failed_cron_run_mails_the_tools_exit_code_not_loggers(tmp_path: Path, sim) -> None:
    proc, _state = cron_run(tmp_path, sim, token="wrong-token")
    assert "failed with exit code 4 " in proc.stdout, proc.stdout
    assert "refused the token" in (tmp_path / "syslog").read_text()


def test_the_service_command_line_syncs_with_the_credential(tmp_path: Path, sim) -> None:
    unit = read_unit(SERVICE)
    state, creds = tmp_path / "state", tmp_path / "credentials"
    state.mkdir()
    # systemd hands the credential over as a 0400 file owned by the service's user
    write_token(creds / "token", 0o400)
    env = {name: value.replace("%d", str(creds)) for name, value in unit_environment(unit).items()}
    # The config file's token_file names a file with a token the simulator refuses: the run succeeds
    # only if the credential (the environment) wins over the file, as the unit's comments say.
    text = swap(SAMPLE.read_text(encoding="utf-8"), PLACEHOLDER_URL, sim.url)
    text = swap(text, ETC_TOKEN, write_token(tmp_path / "etc" / "token", 0o600, "not-the-credential"))
    config_file = write_config(swap(text, STATE, str(state)), tmp_path / "etc" / "authentik-etl.toml")
    argv = [EXE, *(config_file if arg == ETC_CONFIG else arg for arg in exec_start()[1:])]
    proc = subprocess.run(argv, env=clean_env(**env), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert_synced(state / "authentik.duckdb", state / "exports")


def test_the_cronjob_command_syncs_with_the_mounted_config_and_secret(tmp_path: Path, sim) -> None:
    _pod, container = pod_and_container()
    data = tmp_path / "data"
    data.mkdir()
    env = {e["name"]: e["value"] for e in container["env"]}
    # what the kubelet makes of defaultMode 0400 with fsGroup: 0440, group-readable
    env["AUTHENTIK_TOKEN_FILE"] = write_token(tmp_path / "secret" / "token", 0o440)
    env["HOME"] = str(tmp_path)
    # the ConfigMap's file as mounted, its URL and volume path moved
    text = swap(swap(config_map_toml(), PLACEHOLDER_URL, sim.url), '"/data/', f'"{data}/')
    config_file = write_config(text, tmp_path / "etc" / "authentik-etl.toml")
    argv = [EXE, *(config_file if arg == ETC_CONFIG else arg for arg in container["command"][1:])]
    proc = subprocess.run(argv, env=clean_env(**env), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert '"status": "succeeded"' in proc.stderr  # --log-format json
    assert_synced(data / "authentik.duckdb", data / "exports")
    assert stat.S_IMODE((tmp_path / "secret" / "token").stat().st_mode) == 0o440
