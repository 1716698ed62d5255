"""argparse flags generated from core/options.py, and the values resolved after parsing."""

from __future__ import annotations

import argparse
import os
from typing import Any

from authentik_etl.core import configfile
from authentik_etl.core.options import Option, for_command, parse_level


def add_options(sub: argparse.ArgumentParser, command: str) -> None:
    """Every option of `command` as a flag (default None: "not given", so the others can fill it)."""
    sub.add_argument(
        "--config",
        metavar="FILE",
        help=f"TOML file of option keys (default: ${configfile.CONFIG_ENV}); flags and environment win",
    )
    for option in for_command(command):
        sub.add_argument(option.flag(command), dest=option.key, default=None, **_kwargs(option))


def _kwargs(option: Option) -> dict[str, Any]:
    where = f" (default {option.default})" if option.default not in (None, False) else ""
    env = f" [${option.env_name}]" if option.env_name else ""
    text = (option.help + where + env).replace("%", "%%")
    if option.kind == "bool":
        return {"action": "store_true", "help": text}
    kwargs: dict[str, Any] = {"help": text, "metavar": option.metavar}
    if option.kind in ("int", "float", "level"):
        kwargs["type"] = {"int": int, "float": float, "level": _level}[option.kind]
    if option.choices:
        kwargs["choices"] = option.choices
        kwargs.pop("metavar")
    return kwargs


def _level(text: str) -> int | str:
    try:
        return parse_level(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not auto or a number") from None


def resolve(args: argparse.Namespace, command: str) -> None:
    """Fill every option of `command` on `args`: flag, then environment, then config file, then default."""
    env = dict(os.environ)
    path = configfile.config_path(args.config, env)
    file = configfile.load(path) if path else {}
    given = {key: value for key, value in vars(args).items() if value is not None}
    values, origins = configfile.resolve(command, given, env, file)
    for key, value in values.items():
        setattr(args, key, value)
    args.origins = origins
