"""Whether an env option's value is of the type its game's constructor declares.

Options reach games from manifests and command lines as text, numbers and booleans; one of the wrong
type (a reward manager given as "x") would otherwise fail deep inside the game's first reset, as an
AttributeError no one can trace to the option. Checked against the constructor's annotations:
unions, Optional, Literal, plain classes and the class of a generic (`Mapping[str, float]` is any
Mapping); an int is a float, a bool is neither, numpy's numbers count as Python's; an annotation
that cannot be read accepts anything.
"""

from __future__ import annotations

import functools
import numbers
import types
import typing
from typing import Any

import numpy as np

_NUMBERS = {bool: (bool, np.bool_), int: (numbers.Integral,), float: (numbers.Real,)}  # numpy's count too


@functools.cache
def declared_types(game: type) -> dict[str, Any]:
    """The annotation of each of `game`'s constructor parameters that can be resolved."""
    init = game.__init__
    hints = {}
    for name, annotation in getattr(init, "__annotations__", {}).items():
        try:  # annotations are text in modules that postpone them: read as typing.get_type_hints reads them
            hints[name] = eval(annotation, init.__globals__) if isinstance(annotation, str) else annotation
        except Exception:  # noqa: BLE001, S112  (a name imported only for type checkers: not checked)
            continue
    return hints


def fits(value: Any, hint: Any) -> bool:
    """Whether `value` is of type `hint`."""
    if hint is Any or hint is object:
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(fits(value, option) for option in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is None or hint is type(None):
        return value is None
    kind = origin or hint
    if not isinstance(kind, type):
        return True  # a TypeVar, a Protocol's alias: nothing to check against
    if kind in _NUMBERS:
        return isinstance(value, _NUMBERS[kind]) and (kind is bool or not isinstance(value, (bool, np.bool_)))
    return isinstance(value, kind)


def described(hint: Any) -> str:
    """`hint` as a type named in an error: 'int or None', 'Mapping[str, float]'."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return " or ".join(described(option) for option in typing.get_args(hint))
    if hint is None or hint is type(None):
        return "None"
    if isinstance(hint, type) and origin is None:
        return hint.__name__
    return str(hint).replace("typing.", "").replace("collections.abc.", "")
