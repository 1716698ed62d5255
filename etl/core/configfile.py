"""Where each option's value comes from: flag > environment > config file (TOML) > default.

`--config FILE` (or AUTHENTIK_ETL_CONFIG) names a TOML file of top-level `key = value` lines, the keys
of core/options.py. An unknown key, a wrong type or a token in the file is a one-line error naming the
key and the file (exit 2).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from authentik_etl.core.errors import ConfigError
from authentik_etl.core.options import AUTO, BY_KEY, Option, for_command, parse_level

CONFIG_ENV = "AUTHENTIK_ETL_CONFIG"
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")
_TYPE_NAMES = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string",
               "level": '"auto" or an integer'}  # fmt: skip


def load(path: str) -> dict[str, Any]:
    """The checked values of a config file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"the config file {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the config file {path} is not valid TOML: {exc}") from None
    return {key: _check_key(key, value, path) for key, value in data.items()}


def _check_key(key: str, value: Any, path: str) -> Any:
    if key in ("token", "api_token", "authentik_token"):
        raise ConfigError(
            f"the config file {path} holds an API token (key {key!r}): a token never goes in the config "
            "file; put it in a file of its own (chmod 600) and name that file with token_file"
        )
    option = BY_KEY.get(key)
    if option is None:
        close = difflib.get_close_matches(key, BY_KEY, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else " (the README's Configuration table lists them)"
        raise ConfigError(f"unknown key {key!r} in the config file {path}{hint}")
    if not option.in_file:
        raise ConfigError(
            f"key {key!r} in the config file {path} is not allowed there: it is one run's decision; "
            f"pass {option.flag('sync')} on the command line instead"
        )
    return _typed(option, value, f"key {key!r} in the config file {path}")


def _typed(option: Option, value: Any, where: str) -> Any:
    kind = option.kind
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "level": (type(value) is int) or value == AUTO,
    }.get(kind, isinstance(value, str) or (option.key == "max_delete" and type(value) is int))
    if not ok:
        want = _TYPE_NAMES.get(kind, "a string")
        raise ConfigError(f"{where} must be {want}, not {value!r}")
    if kind == "choice" and value not in option.choices:
        raise ConfigError(f"{where} is {value!r}: use {' or '.join(option.choices)}")
    return float(value) if kind == "float" else (str(value) if option.key == "max_delete" else value)


def from_env(option: Option, text: str) -> Any:
    """An environment variable's text as the option's type."""
    where = f"{option.env_name}={text!r}"
    try:
        if option.kind == "int":
            return int(text)
        if option.kind == "level":
            return parse_level(text)
        if option.kind == "float":
            return float(text)  # ranges (nan, inf, 0) are checked by the settings, as for flags
    except ValueError:
        _bad(where, _TYPE_NAMES[option.kind])
    if option.kind == "bool":
        if text.strip().lower() not in _TRUE + _FALSE:
            _bad(where, "1 or 0 (true or false)")
        return text.strip().lower() in _TRUE
    if option.kind == "choice" and text not in option.choices:
        raise ConfigError(f"{where} is not known: use {' or '.join(option.choices)}")
    return text


def _bad(where: str, want: str) -> Any:
    raise ConfigError(f"{where} is not {want}")


def resolve(
    command: str, given: Mapping[str, Any], env: Mapping[str, str], file: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every option of `command`: its value, and where it came from (flag, env, file, default)."""
    values, origins = {}, {}
    for option in for_command(command):
        name = option.env_name
        if given.get(option.key) is not None:
            values[option.key], origins[option.key] = given[option.key], "flag"
        elif name and env.get(name):
            values[option.key], origins[option.key] = from_env(option, env[name]), "env"
        elif option.key in file:
            values[option.key], origins[option.key] = file[option.key], "file"
        else:
            values[option.key], origins[option.key] = option.default, "default"
    return values, origins


def config_path(flag: str | None, env: Mapping[str, str]) -> str | None:
    return flag or env.get(CONFIG_ENV) or None
