"""--config FILE (TOML): every option, precedence flag > environment > file > default, one-line errors."""

from __future__ import annotations

import argparse

import pytest
from helpers import assert_one_line_error, cli

from authentik_etl.commands.cli import build_parser
from authentik_etl.commands.options import resolve
from authentik_etl.core import configfile
from authentik_etl.core.errors import ConfigError
from authentik_etl.core.options import OPTIONS, Option, for_command

AUTO_OR_INT = '"auto" or an integer,'
BAD_LEVEL = "key 'concurrency' in the config file {f} must be " + AUTO_OR_INT + " not "
# A value of each kind that is never the default, as TOML text and as the value read back.
SAMPLE = {
    "int": ("7", 7), "float": ("2.5", 2.5), "bool": ("true", True), "str": ('"x1"', "x1"), "level": ("7", 7),
}  # fmt: skip


def sample(option: Option) -> tuple[str, object]:
    if option.kind == "choice":
        value = next(c for c in option.choices if c != option.default)
        return f'"{value}"', value
    return SAMPLE[option.kind]


def parse(command: str, *flags: str, extra: tuple[str, ...] = ()) -> argparse.Namespace:
    return build_parser().parse_args([command, *extra, *flags])


def resolved(monkeypatch, command: str, *flags: str, env: dict[str, str] | None = None, extra=()):
    for option in OPTIONS:
        if option.env_name:
            monkeypatch.delenv(option.env_name, raising=False)
    monkeypatch.delenv(configfile.CONFIG_ENV, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    args = parse(command, *flags, extra=extra)
    resolve(args, command)
    return args


def first_command(option: Option) -> tuple[str, tuple[str, ...]]:
    command = option.commands[0]
    return command, (("SELECT 1",) if command == "query" else ())


@pytest.mark.parametrize("option", [o for o in OPTIONS if o.in_file], ids=lambda o: o.key)
def test_every_option_can_come_from_the_config_file(option, tmp_path, monkeypatch) -> None:
    text, value = sample(option)
    config = tmp_path / "etl.toml"
    config.write_text(f"{option.key} = {text}\n")
    command, extra = first_command(option)
    args = resolved(monkeypatch, command, "--config", str(config), extra=extra)
    assert getattr(args, option.key) == value
    assert args.origins[option.key] == "file"


@pytest.mark.parametrize("option", [o for o in OPTIONS if o.env_name], ids=lambda o: o.key)
def test_every_option_with_a_variable_can_come_from_the_environment(option, monkeypatch) -> None:
    text, value = sample(option)
    command, extra = first_command(option)
    env_text = text.strip('"') if option.kind != "bool" else "1"
    args = resolved(monkeypatch, command, env={option.env_name: env_text}, extra=extra)
    assert getattr(args, option.key) == value and args.origins[option.key] == "env"


def test_flag_beats_environment_beats_file_beats_default(tmp_path, monkeypatch) -> None:
    config = tmp_path / "etl.toml"
    config.write_text("concurrency = 3\ntimeout = 12.0\npage_size = 50\n")
    env = {"AUTHENTIK_ETL_CONFIG": str(config), "AUTHENTIK_ETL_CONCURRENCY": "6"}
    env["AUTHENTIK_ETL_TIMEOUT"] = "20"
    args = resolved(monkeypatch, "sync", "--concurrency", "9", env=env)
    assert (args.concurrency, args.origins["concurrency"]) == (9, "flag")
    assert (args.timeout, args.origins["timeout"]) == (20.0, "env")
    assert (args.page_size, args.origins["page_size"]) == (50, "file")
    assert (args.max_attempts, args.origins["max_attempts"]) == (5, "default")


def test_the_config_flag_beats_the_config_variable(tmp_path, monkeypatch) -> None:
    (tmp_path / "a.toml").write_text("concurrency = 2\n")
    (tmp_path / "b.toml").write_text("concurrency = 8\n")
    env = {"AUTHENTIK_ETL_CONFIG": str(tmp_path / "a.toml")}
    assert resolved(monkeypatch, "sync", "--config", str(tmp_path / "b.toml"), env=env).concurrency == 8


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("concurency = 4\n", "unknown key 'concurency' in the config file {f} (did you mean 'concurrency'?)"),
        ("colour = 4\n", "unknown key 'colour' in the config file {f}"),
        ('concurrency = "four"\n', BAD_LEVEL + "'four'"),
        ("concurrency = true\n", BAD_LEVEL + "True"),
        ("timeout = true\n", "key 'timeout' in the config file {f} must be a number, not True"),
        ('page_size = "10"\n', "key 'page_size' in the config file {f} must be an integer, not '10'"),
        ("strict = 1\n", "key 'strict' in the config file {f} must be true or false, not 1"),
        ('mode = "fast"\n', "key 'mode' in the config file {f} is 'fast': use retrieve or list"),
        ('token = "ak-123"\n', "the config file {f} holds an API token (key 'token')"),
        ("allow_mass_delete = true\n", "key 'allow_mass_delete' in the config file {f} is not allowed there"),
        ("concurrency = \n", "the config file {f} is not valid TOML"),
        ("[sync]\nconcurrency = 4\n", "unknown key 'sync' in the config file {f}"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_the_key_and_the_file(text, needle, tmp_path) -> None:
    config = tmp_path / "etl.toml"
    config.write_text(text)
    with pytest.raises(ConfigError) as info:
        configfile.load(str(config))
    assert needle.format(f=config) in str(info.value)
    assert "ak-123" not in str(info.value)


@pytest.mark.parametrize(
    ("where", "value"),
    [("flag", "auto"), ("flag", "5"), ("env", "AUTO"), ("env", "6"), ("file", '"auto"'), ("file", "3")],
)
def test_concurrency_is_auto_or_a_number_from_anywhere(where, value, tmp_path, monkeypatch) -> None:
    from authentik_etl.core.settings import sync_settings

    config = tmp_path / "etl.toml"
    config.write_text(f"concurrency = {value}\n" if where == "file" else "")
    env = {"AUTHENTIK_ETL_CONFIG": str(config), "AUTHENTIK_TOKEN": "t0k"}
    if where == "env":
        env["AUTHENTIK_ETL_CONCURRENCY"] = value
    flags = ("--concurrency", value) if where == "flag" else ()
    args = resolved(monkeypatch, "sync", "--url", "http://127.0.0.1:9", *flags, env=env)
    settings = sync_settings(vars(args), args.origins, env)
    auto = value.strip('"').lower() == "auto"
    assert (settings.auto_concurrency, settings.concurrency) == ((True, 8) if auto else (False, int(value)))


def test_concurrency_is_a_fixed_4_by_default(monkeypatch) -> None:
    from authentik_etl.core.settings import sync_settings

    env = {"AUTHENTIK_TOKEN": "t0k"}
    args = resolved(monkeypatch, "sync", "--url", "http://127.0.0.1:9", env=env)
    assert args.concurrency == 4 and args.origins["concurrency"] == "default"
    settings = sync_settings(vars(args), args.origins, env)
    assert (settings.concurrency, settings.auto_concurrency) == (4, False)


def test_a_concurrency_that_is_neither_is_one_line_exit_2(tmp_path) -> None:
    result = cli("sync", "--url", "http://127.0.0.1:9", "--db", str(tmp_path / "x.duckdb"),
                 "--concurrency", "lots")  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "authentik-etl sync: error: argument --concurrency: 'lots' is not auto or a number"
    )


def test_a_missing_config_file_says_so(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"cannot read the config file .*No such file"):
        configfile.load(str(tmp_path / "nope.toml"))


@pytest.mark.parametrize(
    ("variable", "text", "needle"),
    [
        ("AUTHENTIK_ETL_CONCURRENCY", "many", "AUTHENTIK_ETL_CONCURRENCY='many' is not " + AUTO_OR_INT[:-1]),
        ("AUTHENTIK_ETL_PAGE_SIZE", "many", "AUTHENTIK_ETL_PAGE_SIZE='many' is not an integer"),
        ("AUTHENTIK_ETL_STRICT", "maybe", "AUTHENTIK_ETL_STRICT='maybe' is not 1 or 0"),
        ("AUTHENTIK_ETL_MODE", "fast", "AUTHENTIK_ETL_MODE='fast' is not known: use retrieve or list"),
    ],
)
def test_a_bad_environment_value_is_one_line(variable, text, needle, monkeypatch) -> None:
    with pytest.raises(ConfigError, match=needle.replace("(", r"\(")):
        resolved(monkeypatch, "sync", env={variable: text})


def test_token_file_from_the_config_file_is_used_and_the_token_never_printed(tmp_path, simulator) -> None:
    from authentik_etl.simulator import Dataset

    sim = simulator(Dataset.generate(connections=5, seed=3))
    token_file = tmp_path / "token"
    token_file.write_text(sim.token + "\n")
    token_file.chmod(0o600)
    config = tmp_path / "etl.toml"
    config.write_text(
        f'url = "{sim.url}"\ntoken_file = "{token_file}"\ndb = "{tmp_path / "a.duckdb"}"\n'
        f'export_dir = "{tmp_path / "exports"}"\nmode = "list"\n'
    )
    proc = cli("sync", "--config", str(config))
    assert proc.returncode == 0, proc.stderr
    assert sim.token not in proc.stderr + proc.stdout
    assert (tmp_path / "exports" / "latest" / "manifest.json").exists()
    status = cli("status", "--config", str(config), "--format", "json")
    assert '"mode": "list"' in status.stdout


def test_the_cli_reports_a_token_in_the_config_file_with_exit_2(tmp_path) -> None:
    config = tmp_path / "etl.toml"
    config.write_text('url = "https://auth.example.com"\ntoken = "ak-S3CRET-value"\n')
    proc = cli("sync", "--config", str(config))
    assert_one_line_error(proc, 2, "holds an API token (key 'token')")
    assert "S3CRET" not in proc.stderr + proc.stdout


def test_every_command_takes_config_and_every_flag_is_an_option() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command, sub in subparsers.choices.items():
        dests = {a.dest for a in sub._actions if a.option_strings and a.dest not in ("help", "config")}
        assert "config" in {a.dest for a in sub._actions}, command
        assert dests == {o.key for o in for_command(command)}, command


def test_option_keys_are_unique_and_every_default_has_the_option_type() -> None:
    keys = [o.key for o in OPTIONS]
    assert len(keys) == len(set(keys))
    types = {"int": int, "float": float, "bool": bool, "str": str, "choice": str}
    for option in OPTIONS:
        if option.kind == "level":  # "auto" or an integer
            assert option.default == "auto" or type(option.default) is int, option.key
            continue
        assert option.default is None or type(option.default) is types[option.kind], option.key
        assert option.kind != "choice" or option.default in (None, *option.choices), option.key
