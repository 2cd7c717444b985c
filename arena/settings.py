"""Settings: a YAML file plus KEY=VALUE overrides, typed by the config dataclass they fill.

    config = load_config(TrainConfig, "recipe.yaml", timesteps=500_000)   # file, then overrides
    changes = parse_overrides(["channels=64", "device=cuda"], AlphaZeroConfig, flag="--setting")
    options = parse_overrides(["size=6", "rule=exact_five"], flag="--option")   # no dataclass

A value takes the type of its dataclass field (`int`, `float`, `bool`, `str`, `X | None`,
`list[...]`, `dict[...]`): "8e5" fills an int field with 800000, "none" an optional one with
None, "true"/"false" a bool. Without a dataclass a value is read as JSON when it is JSON (6,
1.5, true, [1, 2]) and kept as text otherwise. YAML values are checked and converted the same
way (so `learning_rate: 1e-3`, which YAML reads as text, is the float 0.001).

Every mistake is a `SettingsError` (an `ArenaError` and a `ValueError`) that names the file or
the flag, the key, and what to write instead.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from arena.errors import SettingsError, closest
from arena.outputs import write_whole

__all__ = ["convert", "field_types", "load_config", "parse_overrides", "parse_value", "read_settings", "save_config",
           "text_parser", "typed"]

Config = TypeVar("Config")

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_NONE = ("none", "null", "~")


def field_types(config_class: type) -> dict[str, Any]:
    """Field name -> its type (resolved from the annotations' text) of the dataclass `config_class`."""
    hints = typing.get_type_hints(config_class)
    return {f.name: hints.get(f.name, Any) for f in dataclasses.fields(config_class)}


def parse_value(text: str, kind: Any = None) -> Any:
    """`text` as a value of type `kind` (a type hint); with no type, JSON when it parses, else the text.
    ValueError saying what `kind` takes when `text` is not one."""
    if kind is None or kind is Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text
    return convert(text, kind)


def convert(value: Any, kind: Any) -> Any:
    """`value` (text, or what YAML read) as type `kind`; ValueError saying what `kind` takes."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if type(None) in args and (value is None or (isinstance(value, str) and value.lower() in _NONE)):
            return None
        problems = []
        for option in (a for a in args if a is not type(None)):
            try:
                return convert(value, option)
            except ValueError as exc:
                problems.append(str(exc))
        raise ValueError(" or ".join(problems) + (" or none" if type(None) in args else ""))
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
            return value.lower() in _TRUE
        raise ValueError(f"expected true or false, got {value!r}")
    if kind is int:
        number = _number(value, "a whole number, e.g. 800000 or 8e5")
        if isinstance(number, float) and not number.is_integer():
            raise ValueError(f"expected a whole number, got {value!r}")
        return int(number)
    if kind is float:
        return float(_number(value, "a number, e.g. 0.001 or 1e-3"))
    if kind is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise ValueError(f"expected text, got {value!r}")
    if origin in (list, tuple, dict) or kind in (list, tuple, dict):
        return _container(value, origin or kind, args)
    return value


def _number(value: Any, what: str) -> int | float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                pass
    raise ValueError(f"expected {what}, got {value!r}")


def _container(value: Any, origin: type, args: tuple) -> Any:
    if isinstance(value, str):  # from the command line: JSON, e.g. [64, 64] or {"fruit": 1.0}
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            example = '{"key": 1}' if origin is dict else "[64, 64]"
            raise ValueError(f"expected JSON, e.g. {example}; got {value!r}") from None
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"expected a mapping, got {value!r}")
        key_kind, value_kind = args or (Any, Any)
        return {convert(k, key_kind): convert(v, value_kind) for k, v in value.items()}
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"expected a list, got {value!r}")
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(convert(v, args[0]) for v in value)
        return tuple(value) if not args else tuple(convert(v, k) for v, k in zip(value, args))
    return [convert(v, args[0] if args else Any) for v in value]


def _unknown(key: str, known: Iterable[str], config_class: type) -> str:
    known = list(known)
    meant = closest(key, known)
    hint = f" (did you mean {meant!r}?)" if meant else ""
    return f"unknown setting {key!r} for {config_class.__name__}{hint}; the settings are {', '.join(known)}"


def parse_overrides(pairs: Iterable[str], config_class: type | None = None, flag: str = "--option",
                    example: str = "size=6") -> dict[str, Any]:
    """KEY=VALUE pairs (`flag`'s values on the command line) as a dict, each value typed by
    `config_class`'s field of that name when there is a dataclass, else by `parse_value`."""
    values = {}
    for pair in pairs:
        key, eq, text = pair.partition("=")
        if not eq or not key.isidentifier():
            raise SettingsError(f"{flag} {pair!r}: write it as KEY=VALUE, e.g. {flag} {example}")
        if config_class is None:
            values[key] = parse_value(text)
        else:
            values.update(typed({key: text}, config_class, f"{flag} {pair!r}", from_text=True))
    return values


def read_settings(path: str | Path, config_class: type) -> dict[str, Any]:
    """The settings of the YAML file `path` (keys: `config_class`'s field names), typed by its fields."""
    import yaml

    path = Path(path)
    try:
        loaded = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise SettingsError(f"settings file {path}: cannot read it ({exc.strerror or exc}); check the path") from None
    except yaml.YAMLError as exc:
        mark, problem = getattr(exc, "problem_mark", None), getattr(exc, "problem", None) or exc
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SettingsError(f"settings file {path}: not valid YAML{where} ({problem}); write one `key: value` "
                            "a line") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise SettingsError(f"settings file {path}: expected `key: value` lines ({config_class.__name__}'s fields), "
                            f"got a {type(loaded).__name__}")
    return typed(loaded, config_class, f"settings file {path}")


def typed(values: dict[str, Any], config_class: type, source: str, from_text: bool = False) -> dict[str, Any]:
    """`values` checked against `config_class`'s fields and converted to their types (`from_text`: each value is
    command-line text, read by `parse_value`); SettingsError naming `source` (a file, a flag, or where the values
    came from) and the key otherwise."""
    kinds = field_types(config_class)
    result = {}
    for key, value in values.items():
        if key not in kinds:
            raise SettingsError(f"{source}: {_unknown(str(key), kinds, config_class)}")
        try:
            result[key] = parse_value(value, kinds[key]) if from_text else convert(value, kinds[key])
        except ValueError as exc:
            raise SettingsError(f"{source}: {key}: {exc}") from None
    return result


def load_config(config_class: type[Config], path: str | Path | None = None, **overrides: Any) -> Config:
    """A `config_class` from the YAML file `path` (or the defaults), with `overrides` (None values ignored) on top."""
    values = read_settings(path, config_class) if path is not None else {}
    values.update(typed({k: v for k, v in overrides.items() if v is not None}, config_class, "settings"))
    try:
        return config_class(**values)
    except SettingsError:
        raise
    except ValueError as exc:  # the config's own checks of its values (see its __post_init__)
        raise SettingsError(f"settings file {path}: {exc}" if path is not None else str(exc)) from None


def save_config(config: Any, path: str | Path, what: str = "the settings") -> None:
    """Write a config dataclass as YAML (what `load_config` reads back), whole or not at all (`write_whole`)."""
    import yaml

    write_whole(Path(path), yaml.safe_dump(dataclasses.asdict(config), sort_keys=False).encode(), what)


def text_parser(config_class: type, name: str) -> Any:
    """An argparse `type` for field `name` of `config_class`: the text typed as that field."""
    kind = field_types(config_class)[name]

    def parse(text: str) -> Any:
        return parse_value(text, kind)

    base = [a for a in typing.get_args(kind) if a is not type(None)] or [kind]
    parse.__name__ = getattr(base[0], "__name__", name)  # argparse's "invalid int value: ..."
    return parse
