"""Checking what an agent returned against its action space and the rules, before the env sees it."""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from arena.faults import AgentFault, Status, describe_exception, shown

MAX_REASON = 200  # characters of what went wrong reading an action


def checked_action(action: Any, space: spaces.Space, mask: np.ndarray | None = None, namer=None) -> Any:
    """`action` in the plain form the env and the action log take, or AgentFault(illegal_action).

    Discrete actions come back as a Python int; array actions as a numpy array of the space's
    dtype, float64 for a float space (the env reads the values the agent gave: 0.5000000001 is
    above 0.5, its float32 rounding is not). `mask` (1 = legal) and `namer` (action -> human
    name) come from the env when it has them. Whatever else checking it raises (an object whose
    conversion fails in its own code) is an illegal action too: the agent returned it.
    """
    try:
        if isinstance(space, spaces.Discrete):
            return _checked_discrete(action, space, mask, namer or str)
        return _checked_array(action, space)
    except AgentFault:
        raise
    except Exception as exc:
        reason = " ".join(describe_exception(exc).split())[:MAX_REASON]
        raise _illegal(f"returned an action that cannot be read ({reason})") from None


def _checked_array(action: Any, space: spaces.Space) -> np.ndarray:
    floats = isinstance(space, spaces.Box) and space.dtype.kind == "f"
    try:
        value = np.asarray(action, dtype=np.float64 if floats else space.dtype).reshape(space.shape)
    except (TypeError, ValueError, OverflowError):
        raise _illegal(f"returned {_show(action)}, which is not an array of shape {space.shape} "
                       f"of {space.dtype}") from None
    # The arrays' own reductions: np.all's dispatch costs about as much as the check itself on a fighter's ten keys.
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise _illegal(f"returned {_show(action)}, which contains NaN or infinity")
    inside = bool((value >= space.low).all() and (value <= space.high).all()) if floats else space.contains(value)
    if not inside:
        raise _illegal(f"returned {_show(action)}, which is outside the action space {space}")
    return value


def _checked_discrete(action: Any, space: spaces.Discrete, mask: np.ndarray | None, namer) -> int:
    # One action in a batch of one (what a vectorised model's predict() gives), as an array or a list.
    if isinstance(action, np.ndarray) and action.size == 1:
        action = action.reshape(())[()]
    elif isinstance(action, (list, tuple)) and len(action) == 1:
        action = action[0]
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
        raise _illegal(f"returned {_show(action)}; predict() must return {_expected(space)}")
    value = int(action)
    if not space.start <= value < space.start + space.n:  # Space.contains, without its conversions
        raise _illegal(f"returned {shown(value)}, outside the action space ({_expected(space)})")
    if mask is not None and not mask[value - space.start]:
        legal = ", ".join(namer(int(a) + space.start) for a in np.flatnonzero(mask)[:12])
        raise _illegal(f"played {namer(value)}, which is not legal here (legal: {legal})")
    return value


def _expected(space: spaces.Discrete) -> str:
    return f"an int in {space.start}..{space.start + space.n - 1}"


def loggable(action: Any) -> Any:
    """The action as plain JSON data (int, float or nested lists)."""
    return action.tolist() if isinstance(action, np.ndarray) else action


def _illegal(detail: str) -> AgentFault:
    return AgentFault(Status.ILLEGAL_ACTION, detail)


def _show(value: Any) -> str:
    text = shown(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"{text} ({type(value).__name__})"
