"""`BatchedFightingVecEnv`: the league's training envs as one SB3 `VecEnv` on the native engine, in one process.

    venv = BatchedFightingVecEnv(64, pool.opponents, Controls(), approach=0.002, off_stage=0.02)

`n_envs` games run on one `arena._native.FightingBatch`. Game i is what `make_env` builds, played
the same way decision for decision:

- the learner plays seat 0 through `Controls`: a combination held for `repeat` frames (fewer when
  the match ends first), observations scaled, the reward summed over the frames;
- the reward is `recipe_rewards(approach, off_stage)` computed for all games at once in float64,
  term by term and in the order the `RewardManager` adds them, from the engine's numbers (positions
  and velocities, damage taken this frame, win and knock-out events): the same values;
- seat 1 is filled at every reset from the pool's table (`set_table`) by the game's own generator,
  as `LeagueEnv` does (same draws, same episode seeds for equal `seed()`s), and played by the
  entry's vectorised agent (`arena.train.vector_agents`): each frame, one call per opponent for all
  the games that meet it (a snapshot: one forward pass of its policy);
- a finished episode's step has `terminal_observation`, `TimeLimit.truncated`, `reward_terms` (each
  term's total over the episode) and `league` (whom the learner met and how it went) in its info, and
  the game restarts at once (auto-reset), as in SB3's vectorised envs.

Every opponent of the pool must have a vectorised form (`unbatchable` names those without):
`training_envs(config, ...)`, what `arena train fighting` trains on, gives this env for `vec_env:
batched` (the default) and falls back to `GroupedSubprocVecEnv` for a pool with Python-only
opponents (submissions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import gymnasium
import numpy as np
from stable_baselines3.common.vec_env import VecEnv
from stable_baselines3.common.vec_env.base_vec_env import VecEnvIndices

from arena.envs.fighting import rules as R
from arena.envs.fighting.native import EVENTS, make_batch
from arena.train.controls import Controls
from arena.train.league import Opponent, SelfPlay, make_vec_env
from arena.train.vec import NextReset
from arena.train.vector_agents import VectorAgent, ground_index, vector_agent

if TYPE_CHECKING:
    from arena.train.config import TrainConfig

# The recipe's reward terms (arena.train.controls.recipe_rewards) in the order its RewardManager reports them.
TERMS = ("damage_dealt", "damage_taken", "closing_in", "off_ground", "knockout", "win")


class BatchedFightingVecEnv(NextReset, VecEnv):
    """`n_envs` league games on the native engine, stepped together; the learner plays seat 0 of each."""

    render_mode = None  # the games are not drawn (VecEnv asks before anything else is set)

    def __init__(self, n_envs: int, opponents: dict[str, Opponent | SelfPlay], controls: Controls,
                 approach: float = 0.002, off_stage: float = 0.02, threads: int = 1):
        VecEnv.__init__(self, n_envs, controls.observation_space(), controls.action_space())
        NextReset.__init__(self, n_envs)
        self.opponents, self.controls = opponents, controls
        self.weights = {"damage_dealt": 0.05, "damage_taken": -0.05, "closing_in": approach, "off_ground": -off_stage,
                        "knockout": 2.0, "win": 3.0}
        self.batch = make_batch(n_envs, seeds=0, threads=threads, autoreset=False)
        self.keys = np.zeros((n_envs, 2, len(R.KEY_NAMES)), np.float32)
        self.table: list[tuple[str, str | None, float]] = [
            (name, None, o.weight) for name, o in opponents.items() if isinstance(o, Opponent)]
        self.rngs = [np.random.default_rng() for _ in range(n_envs)]
        self.current: list[tuple[str, str | None]] = [(next(iter(opponents)), None)] * n_envs  # until reset
        self.agents: dict[tuple[str, str | None], VectorAgent] = {}
        self.models: dict[str, Any] = {}  # snapshot path -> its policy, loaded once
        self.meeting = np.zeros(n_envs, np.int64)  # index into `self.met` of each game's opponent
        self.met: list[tuple[str, str | None]] = []
        self.term_totals = np.zeros((n_envs, len(TERMS)))
        self.actions: np.ndarray | None = None

    # The league's side, as LeagueEnv.
    def set_table(self, table: list[tuple[str, str | None, float]]) -> None:
        """The probabilities to draw opponents from (from `OpponentPool.table()`)."""
        self.table = list(table)
        # Snapshots the pool has let go of (and no game still meets) are dropped with their policies.
        wanted = {(name, snapshot) for name, snapshot, _ in self.table} | set(self.current)
        self.agents = {met: agent for met, agent in self.agents.items() if met in wanted}
        self.models = {path: model for path, model in self.models.items() if any(path == s for _, s in wanted)}

    def _new_episodes(self, games: Sequence[int], seeds: Sequence[int | None]) -> None:
        """Draw each game's opponent and episode seed from its generator; restart the games and their opponents."""
        probabilities = np.array([p for _, _, p in self.table])
        probabilities = probabilities / probabilities.sum()
        starting: dict[tuple[str, str | None], tuple[list[int], list[int]]] = {}
        for game, seed in zip(games, seeds):
            if seed is not None:
                self.rngs[game] = np.random.default_rng(seed)
            rng = self.rngs[game]
            name, snapshot, _ = self.table[int(rng.choice(len(self.table), p=probabilities))]
            episode_seed = int(rng.integers(2**31 - 1))
            self.current[game] = (name, snapshot)
            self.batch.reset(game, episode_seed)
            self.term_totals[game] = 0.0
            chosen = starting.setdefault((name, snapshot), ([], []))
            chosen[0].append(game)
            chosen[1].append(episode_seed)
        for (name, snapshot), (chosen, episode_seeds) in starting.items():
            self._agent(name, snapshot).reset(np.array(chosen), episode_seeds)
        self.met = sorted(set(self.current), key=lambda met: (met[0], met[1] or ""))
        index = {met: i for i, met in enumerate(self.met)}
        self.meeting = np.array([index[met] for met in self.current])

    def _agent(self, name: str, snapshot: str | None) -> VectorAgent:
        found = self.agents.get((name, snapshot))
        if found is None:
            found = vector_agent(self.opponents[name], self.num_envs, snapshot, self.models)
            if found is None:
                raise ValueError(f"opponent {name!r}{f' ({snapshot})' if snapshot else ''} cannot play in the batched "
                                 "training env; train with vec_env 'subproc' for it")
            self.agents[(name, snapshot)] = found
        return found

    # SB3's VecEnv.
    def reset(self) -> np.ndarray:
        self._new_episodes(range(self.num_envs), self.take_next_reset()[0])
        self.reset_infos = [{} for _ in range(self.num_envs)]
        return self.controls.observe(self.batch.observations[:, 0])

    def step_async(self, actions: np.ndarray) -> None:
        self.actions = actions

    def step_wait(self) -> Any:
        n, batch, keys = self.num_envs, self.batch, self.keys
        keys[:, 0] = self.controls.keys_of(self.actions)
        observations, events = batch.observations, batch.events
        total = np.zeros(n)
        alive = np.ones(n, bool)
        final = np.zeros((n, observations.shape[2]), np.float32)
        terminated, truncated = np.zeros(n, bool), np.zeros(n, bool)
        outcome = np.zeros(n, np.int64)
        meetings = [(self._agent(*met), np.flatnonzero(self.meeting == index)) for index, met in enumerate(self.met)]
        for _ in range(self.controls.repeat):
            seen = observations[:, 1]
            for agent, games in meetings:
                if len(games):
                    keys[games, 1] = agent.act(games, seen[games])
            batch.step(keys)
            reward, terms = self._rewards(events)
            total[alive] += reward[alive]
            self.term_totals[alive] += terms[alive]
            ended = alive & (batch.terminated | batch.truncated)
            if ended.any():
                final[ended] = observations[ended, 0]
                terminated[ended] = batch.terminated[ended]
                truncated[ended] = batch.truncated[ended] & ~batch.terminated[ended]
                outcome[ended] = np.sign(batch.rewards[ended, 0]).astype(np.int64)
                alive &= ~ended
                if not alive.any():
                    break
                meetings = [(agent, games[alive[games]]) for agent, games in meetings]
        dones = ~alive
        infos: list[dict] = [{} for _ in range(n)]
        done_games = np.flatnonzero(dones)
        for game in done_games:
            name, snapshot = self.current[game]
            infos[game] = {"reward_terms": dict(zip(TERMS, self.term_totals[game].tolist())),
                           "league": {"opponent": name, "snapshot": snapshot, "outcome": int(outcome[game])},
                           "TimeLimit.truncated": bool(truncated[game] and not terminated[game]),
                           "terminal_observation": self.controls.observe(final[game])}
        if len(done_games):
            self._new_episodes(done_games, [None] * len(done_games))
        return self.controls.observe(observations[:, 0]), total.astype(np.float32), dones, infos

    def _rewards(self, events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Seat 0's reward of the frame just played, and each term's part, as its RewardManager computes them."""
        weights = self.weights
        bodies = self.batch.positions()
        damage = self.batch.damage_this_frame()
        x, vx, ox = bodies[:, 0, 0], bodies[:, 0, 2], bodies[:, 1, 0]
        ground, opponent_ground = ground_index(x), ground_index(ox)
        win_bit, knockout_bit = EVENTS["win_signal"], EVENTS["knockout_signal"]
        if events.any():
            win = ((events[:, 0] & win_bit != 0) * 1.0 - (events[:, 1] & win_bit != 0)) * weights["win"]
            knockout = ((events[:, 1] & knockout_bit != 0) * 1.0
                        - (events[:, 0] & knockout_bit != 0)) * weights["knockout"]
        else:
            win = knockout = np.zeros(len(events))
        closing = np.where((ground >= 0) & (ground == opponent_ground), np.sign(ox - x) * vx, 0.0)
        terms = np.stack([damage[:, 1] * weights["damage_dealt"], damage[:, 0] * weights["damage_taken"],
                          closing * weights["closing_in"], (ground < 0) * weights["off_ground"], knockout, win], 1)
        reward = win + knockout  # signal terms first, then each weighted term in turn
        for column, name in enumerate(TERMS[:4]):
            if weights[name] != 0.0:
                reward = reward + terms[:, column]
        return reward, terms

    def close(self) -> None:
        self.batch = None

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        """`set_table` is the league's: the same table for every game."""
        result = getattr(self, method_name)(*method_args, **method_kwargs)
        return [result] * len(_indices(indices, self.num_envs))

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        return [getattr(self, attr_name)] * len(_indices(indices, self.num_envs))

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        setattr(self, attr_name, value)

    def env_is_wrapped(self, wrapper_class: type[gymnasium.Wrapper], indices: VecEnvIndices = None) -> list[bool]:
        return [False] * len(list(_indices(indices, self.num_envs)))


def _indices(indices: VecEnvIndices, n: int) -> list[int]:
    return list(range(n)) if indices is None else [indices] if isinstance(indices, int) else list(indices)


def unbatchable(config: TrainConfig, opponents: dict[str, Opponent | SelfPlay]) -> list[str]:
    """The opponents the batched env cannot play (`arena.train.vector_agents`): submissions, agents without a
    vectorised form, and the snapshots of a recurrent policy."""
    return [name for name, opponent in opponents.items()
            if vector_agent(opponent, 1) is None or (isinstance(opponent, SelfPlay) and config.algo == "recurrent_ppo")]


def training_envs(config: TrainConfig, opponents: dict[str, Opponent | SelfPlay], controls: Controls) -> VecEnv:
    """The config's `n_envs` training envs: batched on the native engine (`vec_env` "batched", when every opponent
    can be), else as `league.make_vec_env` makes them (in worker processes, or one after another for "dummy")."""
    if config.vec_env == "batched":
        unbatched = unbatchable(config, opponents)
        if not unbatched:
            return BatchedFightingVecEnv(config.n_envs, opponents, controls, config.approach, config.off_stage)
        print(f"opponents {', '.join(unbatched)} cannot play batched: training in {config.workers} worker processes")
    return make_vec_env(config, opponents, controls)
