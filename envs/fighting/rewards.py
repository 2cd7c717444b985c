"""Reward shaping for training: named, weighted reward terms and terms triggered by game signals.

    def damage_dealt(env):
        return env.objects["opponent"].damage_taken_this_frame / 140

    def on_win(env, agent):
        return 1.0 if agent == "player" else -1.0

    manager = RewardManager({"damage": RewTerm(damage_dealt, weight=5.0)},
                            {"win": ("win_signal", RewTerm(on_win, weight=100))})

Each frame `process(env, dt)` returns the weighted sum of every term plus the signal terms
collected since the last call; `term_totals` holds each term's weighted sum since `reset()`.
Terms read the fighter they reward as `env.objects["player"]`: when the second seat is rewarded,
`perspective(env, 1)` swaps the two fighters and the signals' `agent` labels, so the same terms
serve either seat.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any, Callable

SIGNAL_NAMES = ("win_signal", "knockout_signal", "hit_during_stun", "weapon_equip_signal", "weapon_drop_signal")


class Signal:
    """Something that happened in the game; handlers are called as `handler(env, agent=...)`."""

    def __init__(self, env: Any):
        self.env = env
        self._handlers: list[Callable[..., Any]] = []

    def connect(self, handler: Callable[..., Any]) -> None:
        """Call `handler` on every emit; the very same handler object connected again stays connected once
        (a reward manager subscribed twice), as a new one for the same function does not."""
        if not any(connected is handler for connected in self._handlers):
            self._handlers.append(handler)

    @property
    def listened(self) -> bool:
        """Whether any handler is connected."""
        return bool(self._handlers)

    def emit(self, *args: Any, **kwargs: Any) -> None:
        for handler in self._handlers:
            handler(self.env, *args, **kwargs)


@dataclass
class RewTerm:
    """A reward term: `func(env, **params)` (signal terms also get `agent=`) times `weight`."""

    func: Callable[..., float]
    weight: float
    params: dict[str, Any] = field(default_factory=dict)


class RewardManager:
    """Reward terms computed every frame, and signal terms added when their signal fires."""

    def __init__(self, reward_functions: dict[str, RewTerm] | None = None,
                 signal_subscriptions: dict[str, tuple[str, RewTerm]] | None = None):
        self.reward_functions = reward_functions or {}
        self.signal_subscriptions = signal_subscriptions or {}
        self.collected_signal_rewards = 0.0
        self.term_totals: dict[str, float] = {}
        self._signal_handlers: dict[str, Callable[..., Any]] = {}  # one per term: a signal takes it once
        self.reset()
        self.total_reward = 0.0  # a float when new, an int after a reset, as there

    def reset(self) -> None:
        """Start of an episode: totals back to zero (signal rewards not yet processed stay, as there)."""
        self.total_reward = 0  # an int until the first frame adds to it, as there: it prints as 0
        self.term_totals = dict.fromkeys([*self.reward_functions, *self.signal_subscriptions], 0.0)

    def subscribe_signals(self, env: Any) -> None:
        """Connect the signal terms to `env`'s signals. Once per signal: code that subscribes the
        manager to an env that already did (the competition's `train()` pattern) counts them once."""
        for name, (signal_name, term) in self.signal_subscriptions.items():
            signal = getattr(env, signal_name, None)
            if signal is None:  # AttributeError, as the competition's getattr raises: code may catch it
                raise AttributeError(f"signal term {name!r}: the env has no {signal_name!r}; "
                                 f"its signals are {', '.join(SIGNAL_NAMES)}")
            signal.connect(self._signal_handlers.setdefault(name, partial(self._on_signal, name, term)))

    def _on_signal(self, name: str, term: RewTerm, env: Any, *args: Any, **kwargs: Any) -> None:
        value = term.func(env, *args, **{**term.params, **kwargs}) * term.weight
        self.collected_signal_rewards += value
        self.term_totals[name] = self.term_totals.get(name, 0.0) + value

    def process(self, env: Any, dt: float) -> float:
        """This frame's reward: every term's weighted value, then the signal rewards collected since
        (added in this order, as there: floating-point sums depend on it)."""
        terms = 0.0
        totals = self.term_totals
        for name, term in self.reward_functions.items():
            if term.weight == 0.0:
                continue
            value = term.func(env, **term.params) * term.weight
            totals[name] = totals.get(name, 0.0) + value  # a term added since the manager was built counts too
            terms += value
        reward = terms + self.collected_signal_rewards
        self.collected_signal_rewards = 0.0
        self.total_reward += reward
        lines = getattr(env, "logger", None)
        if lines and isinstance(lines[0], dict):  # its fighter's line of the frame, as there: shown on the HUD
            lines[0]["reward"], lines[0]["total_reward"] = f"{terms:.3f}", f"{self.total_reward:.3f}"
        return float(reward)


class Perspective:
    """`env` as the second fighter sees it: "player" and "opponent" swapped, everywhere."""

    def __init__(self, env: Any):
        self._env = env
        self._source: dict[str, Any] | None = None
        self._swapped: dict[str, Any] = {}
        for name in SIGNAL_NAMES:
            setattr(self, name, _SwappedSignal(getattr(env, name), self))

    @property
    def objects(self) -> dict[str, Any]:
        source = self._env.objects
        if source is not self._source:  # a new match since last asked
            self._source = source
            self._swapped = {**source, "player": source["opponent"], "opponent": source["player"]}
        return self._swapped

    @property
    def cur_action(self) -> dict[int, Any]:
        both = self._env.cur_action
        return {0: both[1], 1: both[0]}

    def observe(self, agent: int) -> Any:
        return self._env.observe(1 - agent)

    @property
    def rewards(self) -> dict[int, float]:
        both = self._env.rewards
        return {0: both[1], 1: both[0]}

    @property
    def logger(self) -> list[Any]:
        both = self._env.logger
        return [both[1], both[0]]

    def add_reward(self, agent: int, reward: float) -> None:
        self._env.add_reward(1 - agent, reward)

    def __getattr__(self, name: str) -> Any:
        env = self.__dict__.get("_env")
        if env is None:  # a copy being made, before its attributes are restored
            raise AttributeError(name)
        return getattr(env, name)


class _SwappedSignal:
    """Connects handlers to a signal so they see the perspective env and swapped agent labels."""

    SWAP = {"player": "opponent", "opponent": "player"}

    def __init__(self, signal: Signal, view: Perspective):
        self._signal = signal
        self._view = view

    def connect(self, handler: Callable[..., Any]) -> None:
        def swapped(env: Any, *args: Any, agent: str | None = None, **kwargs: Any) -> Any:
            if agent is not None:
                kwargs["agent"] = self.SWAP[agent]
            return handler(self._view, *args, **kwargs)

        self._signal.connect(swapped)


def perspective(env: Any, seat: int) -> Any:
    """`env` as fighter `seat` (0 or 1) sees it in reward terms: itself as "player"."""
    return env if seat == 0 else Perspective(env)
