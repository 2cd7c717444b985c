"""Single-agent Gymnasium views of arena's multi-agent envs: one seat learns, agents play the others.

    env = gymnasium.make("arena/Othello-v0", opponent=GreedyOthelloAgent(), seat=0)

Every registered env with a `gym_id` gets one (`import arena.envs` registers them). Works over
turn-based (AEC) and simultaneous (Parallel) envs alike:

- `opponent`: the agent for every other seat (a fresh `RandomAgent` per seat by default); an
  `Agent`, a zero-argument factory making one per seat, or a dict seat -> Agent.
- `seat`: the learner's seat, by index or name (default 0, `player_0`).
- the reward of a step is everything the learner's seat earned until it must act again;
  an illegal action (one the action mask forbids) ends the episode with `illegal_reward`.
- `action_masks()` returns the learner's current mask, as sb3-contrib's MaskablePPO expects.

Opponents are seeded from the episode seed, so equal seeds give equal episodes.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import gymnasium
import numpy as np

from arena.envs.seat import seat_view


class SingleAgentEnv(gymnasium.Env):
    """One seat of a multi-agent arena env as a Gymnasium env; the other seats are played by agents."""

    def __init__(self, env_name: str = "othello", opponent: Any = None, seat: int | str = 0,
                 render_mode: str | None = None, illegal_reward: float = -1.0, **options: Any):
        from arena.envs import make_raw

        self.env = make_raw(env_name, render_mode=render_mode, **options) if render_mode else make_raw(env_name, **options)
        self.raw = self.env.unwrapped
        seats = list(self.raw.possible_agents)
        self.seat = seats[seat] if isinstance(seat, int) else seat
        if self.seat not in seats:
            raise ValueError(f"{env_name}: no seat {seat!r}; the seats are {', '.join(seats)}")
        self.opponents = _opponents_by_seat(opponent, [s for s in seats if s != self.seat])
        shape_rewards_of = getattr(self.raw, "shape_rewards_of", None)
        if shape_rewards_of is not None:  # only the learner's reward is read: the others' need no shaping
            shape_rewards_of(self.seat)
        self.turn_based = hasattr(self.env, "agent_iter")
        self.observation_space = self.raw.observation_space(self.seat)
        self.action_space = self.raw.action_space(self.seat)
        self.obs_helper = getattr(self.raw, "obs_helper", None)
        self.act_helper = getattr(self.raw, "act_helper", None)
        if hasattr(self.raw, "get_keys_to_action"):  # a game played from the keyboard: gymnasium.utils.play finds it
            self.get_keys_to_action = self.raw.get_keys_to_action
        self.metadata = dict(self.raw.metadata)
        self.render_mode = render_mode
        self.illegal_reward = illegal_reward
        self._observation: Any = None
        self._observations: dict[str, Any] = {}
        # A two-seat simultaneous game that steps both seats without per-seat dicts (the fighting game).
        self._step_both = getattr(self.raw, "step_both", None) if len(seats) == 2 and not self.turn_based else None
        self._stepper = self.env  # what `reset` resets, and `step` steps without `step_both` (`step_through`)
        if self._step_both is not None:
            self._index = seats.index(self.seat)
            self._opponent_seat = seats[1 - self._index]

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        episode_seed = int(self.np_random.integers(2**31 - 1)) if seed is None else seed
        for other, agent in self.opponents.items():
            agent.get_env_info(seat_view(self.env, other, episode_seed))
            agent.reset()
        if self.turn_based:
            self.env.reset(seed=episode_seed)
            self._play_opponents()
            return self._observation, {}
        observations, infos = self._stepper.reset(seed=episode_seed)
        self._store(observations)
        return self._observation, dict(infos.get(self.seat, {}))

    def step_through(self, stepper: Any) -> None:
        """Step and reset the game through `stepper` (an object whose `step` and `reset` are the game's,
        passed on to it: a wrapper a script put around the game), every seat's actions at once."""
        self._stepper, self._step_both = stepper, None

    def step(self, action: Any):
        if self.turn_based:
            return self._step_turns(action)
        if self._step_both is not None:
            return self._step_pair(action)
        seen, playing = self._observations, self.env.agents
        actions = {seat: agent.predict(seen[seat]) for seat, agent in self.opponents.items() if seat in playing}
        actions[self.seat] = action
        observations, rewards, terminations, truncations, infos = self._stepper.step(actions)
        self._store(observations)
        seat = self.seat
        return (self._observation, float(rewards.get(seat, 0.0)), bool(terminations.get(seat, True)),
                bool(truncations.get(seat, False)), dict(infos.get(seat, {})))

    def _step_pair(self, action: Any):
        """`step` through the game's `step_both`: what the per-seat path does, without its dicts (the
        game makes new infos each step: they are the caller's to keep)."""
        seat, i, seen_by = self._opponent_seat, self._index, self._observations
        other = self.opponents[seat].predict(seen_by[seat]) if self.raw.agents else None
        seen, rewards, infos, terminated, truncated = self._step_both(*((other, action) if i else (action, other)))
        seen_by[self.seat] = self._observation = seen[i]
        seen_by[seat] = seen[1 - i]
        return seen[i], float(rewards[i]), bool(terminated), bool(truncated), infos[i]

    def observation_of(self, seat: str) -> Any:
        """What `seat` observed last: the observation its agent is handed at the next `step`."""
        return self._observations[seat]

    def action_masks(self) -> np.ndarray:
        """The learner's legal actions (for sb3-contrib's MaskablePPO); all True without a mask.
        TypeError where actions are not choices (the fighting game's Box of key values)."""
        if isinstance(self._observation, dict) and "action_mask" in self._observation:
            return self._observation["action_mask"].astype(bool)
        return np.ones(_mask_length(self.action_space), bool)

    def render(self):
        return self.env.render()

    def close(self) -> None:
        self.env.close()

    def _step_turns(self, action: Any):
        mask = self._observation.get("action_mask") if isinstance(self._observation, dict) else None
        if mask is not None and not mask[int(action)]:
            unchanged = {key: value.copy() for key, value in self._observation.items()}
            return unchanged, self.illegal_reward, True, False, {"illegal_action": int(action)}
        self.env.step(action)
        reward, done = self._play_opponents()
        terminated = done and self.raw.terminations.get(self.seat, True)
        truncated = done and not terminated
        return self._observation, reward, bool(terminated), bool(truncated), {}

    def _play_opponents(self) -> tuple[float, bool]:
        """Let the other seats move until the learner must act or the game ends; the learner's reward."""
        env = self.env
        while True:
            seat = env.agent_selection
            observation, reward, terminated, truncated, _ = env.last()
            if seat == self.seat:
                self._observation = observation
                # The env clears the learner's accumulated reward when it next acts.
                return float(reward), bool(terminated or truncated)
            if terminated or truncated:
                env.step(None)
            else:
                env.step(self.opponents[seat].predict(observation))

    def _store(self, observations: dict[str, Any]) -> None:
        if self.seat in observations:
            self._observation = observations[self.seat]
        self._observations = observations  # the opponents read theirs from it


VIEW_PREFIX = "SingleAgent_"


@functools.cache
def view_class(env_name: str) -> type[SingleAgentEnv]:
    """The SingleAgentEnv subclass for `env_name`, carrying the env's metadata (render modes, fps)."""
    from arena.envs import env_class

    return type(f"{VIEW_PREFIX}{env_name}", (SingleAgentEnv,), {"metadata": dict(env_class(env_name).metadata)})


def __getattr__(name: str) -> type[SingleAgentEnv]:
    # Gymnasium entry points name "arena.envs.single_agent:SingleAgent_<env>"; build them on first use.
    if name.startswith(VIEW_PREFIX):
        return view_class(name[len(VIEW_PREFIX):])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _opponents_by_seat(opponent: Any, seats: list[str]) -> dict[str, Any]:
    from arena.agents import RandomAgent

    if isinstance(opponent, dict):
        missing = [s for s in seats if s not in opponent]
        if missing:
            raise ValueError(f"opponent dict has no agent for seat(s) {', '.join(missing)}")
        return {s: opponent[s] for s in seats}
    if opponent is None:
        return {s: RandomAgent() for s in seats}
    factory: Callable[[], Any] | None = opponent if (isinstance(opponent, type) or not hasattr(opponent, "predict")) else None
    if factory is None and len(seats) > 1:
        raise ValueError("one opponent agent cannot fill several seats; pass a factory (e.g. the class) or a dict")
    return {s: (factory() if factory else opponent) for s in seats}


def _mask_length(space: gymnasium.Space) -> int:
    """The entries of an action mask for `space`, as sb3-contrib counts them."""
    if isinstance(space, gymnasium.spaces.Discrete):
        return int(space.n)
    if isinstance(space, gymnasium.spaces.MultiDiscrete):
        return int(space.nvec.sum())
    if isinstance(space, gymnasium.spaces.MultiBinary):
        return 2 * int(np.prod(space.shape))
    raise TypeError(f"action masks are for actions chosen from a set (Discrete, MultiDiscrete, MultiBinary); "
                    f"this env's actions are {space}")
