"""The competition's training API: `train(agent, reward_manager, save_handler, opponent_cfg, ...)` and its helpers.

    selfplay = SelfPlayRandom(partial(type(my_agent)))
    save_handler = SaveHandler(agent=my_agent, save_freq=100_000, max_saved=40, save_path="checkpoints",
                               run_name="my_run", mode=SaveHandlerMode.FORCE)
    opponents = OpponentsCfg(opponents={"self_play": (8, selfplay), "constant_agent": (0.5, partial(ConstantAgent)),
                                        "based_agent": (1.5, partial(BasedAgent))})
    train(my_agent, reward_manager, save_handler, opponents, CameraResolution.LOW, train_timesteps=100_000,
          train_logging=TrainLogging.PLOT)

`train` runs the agent's own `learn` on one in-process fighting env whose opponent is drawn
every episode from `opponent_cfg` (weights need not sum to 1): the competition's
`SelfPlayWarehouseBrawl`, which the agent and its opponents are handed in `get_env_info`, as there.
The save handler checkpoints the
agent every `save_freq` steps; those checkpoints are the self-play snapshots: `SelfPlayRandom`
meets them uniformly, `SelfPlayLatest` the newest, `SelfPlayPFSP` those the agent loses to most
(see `arena.train.league`). Until the first checkpoint, self-play's share goes to the other
opponents. `SaveHandlerMode.RESUME` loads the newest checkpoint into the agent first.
`TrainLogging.TO_FILE` writes `monitor.csv` in the run's folder; `PLOT` also `Learning Curve.png`.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import tempfile
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import gymnasium

from arena.envs.fighting import (
    CameraResolution,
    ConstantAgent,
    RandomAgent,
    RewardManager,
)
from arena.envs.fighting import rules as R
from arena.train.checkpoints import SaveHandler
from arena.train.league import LeagueEnv, Opponent, OpponentPool, SelfPlay


class TrainLogging(Enum):
    NONE = 0
    TO_FILE = 1
    PLOT = 2


class SelfPlayHandler:
    """Self-play opponents: the agent's saved checkpoints, loaded as `agent_partial(file_path=path)`.

    Training draws them itself; `get_opponent()` draws one as the competition's handlers do, from
    the checkpoints of `save_handler` (given by the env it trains in, with `env`).
    """

    sampling = "uniform"

    def __init__(self, agent_partial: Callable[..., Any]):
        self.agent_partial = agent_partial
        self.save_handler: SaveHandler | None = None
        self.env: Any = None

    def load(self, path: str) -> Any:
        return self.agent_partial(file_path=path)

    def get_opponent(self) -> Any:
        """A checkpoint's agent (the newest for `SelfPlayLatest`, else any), told the env's spaces; a
        `ConstantAgent`, with a warning, while none is saved."""
        if self.save_handler is None:
            raise RuntimeError("self-play needs a SaveHandler: give one to the env or train() this handler "
                               "is used with")
        saved = self.save_handler
        path = saved.get_latest_model_path() if self.sampling == "latest" else saved.get_random_model_path()
        return self.get_model_from_path(path)

    def get_model_from_path(self, path: str | None) -> Any:
        """The agent of the checkpoint at `path`, told the env's spaces, as the competition's handlers load
        theirs (a handler of one's own calls it with the checkpoint it chose); a `ConstantAgent`, with a
        warning, when there is no path or building the agent finds no file there."""
        if not path:
            opponent = _no_snapshot_yet()
        else:
            try:
                opponent = self.load(path)
            except FileNotFoundError:
                print(f"Warning: Self-play file {path} not found. Defaulting to constant agent.")
                opponent = ConstantAgent()
        if self.env is not None:
            opponent.get_env_info(self.env)
        return opponent


class SelfPlayRandom(SelfPlayHandler):
    """Any saved checkpoint, uniformly."""

    sampling = "uniform"


class SelfPlayLatest(SelfPlayHandler):
    """The newest checkpoint."""

    sampling = "latest"


class SelfPlayPFSP(SelfPlayHandler):
    """Checkpoints weighted by how often the agent loses to them (prioritized fictitious self-play)."""

    sampling = "pfsp"


@dataclass
class OpponentsCfg:
    """Opponents by name: `(weight, factory)` pairs, or `(weight, SelfPlayHandler)` for self-play. A bare
    float weighs in with no agent, as the competition's config takes it (one of weight 0.0 switches an
    opponent off); drawn, it is a TypeError there and here."""

    swap_steps: int = 10_000  # kept for compatibility: opponents change every episode
    opponents: dict[str, Any] = field(default_factory=lambda: {"random_agent": (0.8, partial(RandomAgent)),
                                                               "constant_agent": (0.2, partial(ConstantAgent))})
    env: Any = field(default=None, repr=False, compare=False)  # the env it serves, as the competition's has

    def attach(self, env: Any, save_handler: SaveHandler | None) -> None:
        """Serve `env`, as the competition's training env makes its opponents config do: weights scaled
        to sum to 1, and self-play handlers given the env and the checkpoints to draw from."""
        self.env = env
        self.validate_probabilities()
        for entry in self.opponents.values():
            if not isinstance(entry, float) and isinstance(entry[1], SelfPlayHandler):
                entry[1].save_handler, entry[1].env = save_handler, env

    def validate_probabilities(self) -> None:
        """Scale the weights to sum to 1, saying so when they did not (as the competition's does)."""
        total = sum(map(_weight, self.opponents.values()))
        if abs(total - 1.0) > 1e-5:
            print(f"Warning: Probabilities do not sum to 1 (current sum = {total}). Normalizing...")
            self.opponents = {name: entry / total if isinstance(entry, float) else (entry[0] / total, entry[1])
                              for name, entry in self.opponents.items()}

    def process(self) -> None:
        """Nothing to do between episodes: kept for code that calls it."""

    def on_env_reset(self) -> Any:
        """An opponent drawn by weight with Python's `random`, as the competition's config draws one: a
        new agent from its factory told `env`'s spaces, or a self-play handler's checkpoint."""
        return self.draw()[1]

    def draw(self) -> tuple[str, Any]:
        """`on_env_reset`'s opponent, with its name."""
        name = random.choices(list(self.opponents), weights=list(map(_weight, self.opponents.values())))[0]
        print(f"Selected {name}")  # as the competition's config says, every episode
        source = _source(name, self.opponents[name])
        if isinstance(source, SelfPlayHandler):
            return name, source.get_opponent()
        opponent = source()
        if self.env is not None:
            opponent.get_env_info(self.env)
        return name, opponent

    def pool(self) -> OpponentPool:
        """These opponents as an `OpponentPool`."""
        entries: dict[str, Opponent | SelfPlay] = {}
        for name, entry in self.opponents.items():
            if isinstance(entry, float) and entry == 0.0:  # a bare weight switching an opponent off
                continue
            weight, source = _weight(entry), _source(name, entry)
            if isinstance(source, SelfPlayHandler):
                entries[name] = SelfPlay(float(weight), source.sampling, source.load, before_snapshots=_no_snapshot_yet)
            else:
                entries[name] = Opponent(float(weight), source)
        return OpponentPool(entries)


def _weight(entry: Any) -> float:
    """An opponent entry's weight: the entry itself where it is a bare float, else its first item."""
    return entry if isinstance(entry, float) else entry[0]


def _source(name: str, entry: Any) -> Any:
    """The factory or self-play handler of the opponent entry `name`; TypeError for a bare weight, which
    the competition's config also fails on once drawn."""
    if isinstance(entry, float):
        raise TypeError(f"opponents[{name!r}] is the weight {entry:g} with no agent; give (weight, "
                        f"partial(AgentClass)) to play it, or leave it out")
    return entry[1]


def _no_snapshot_yet() -> Any:
    """Self-play's opponent before the first checkpoint, as in the competition's training."""
    print("Warning: No self-play model saved. Defaulting to constant agent.")
    return ConstantAgent()


class SelfPlayTraining(gymnasium.Wrapper):
    """The league env in one process: counts steps for the save handler, records episodes, adds snapshots."""

    def __init__(self, env: LeagueEnv, pool: OpponentPool, save_handler: SaveHandler | None):
        super().__init__(env)
        self.pool = pool
        self.save_handler = save_handler
        if save_handler is not None:
            save_handler.league_state = lambda: {"num_timesteps": save_handler.num_timesteps, "pool": pool.state()}
            latest = save_handler.latest()
            if latest is not None and "pool" in latest[1]:
                pool.load_state(latest[1]["pool"])
            else:
                for path in save_handler.history:
                    pool.add_snapshot(path)
        env.set_table(pool.table())

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        league = info.get("league")
        if league is not None:
            self.pool.record(league["opponent"], league["snapshot"], league["outcome"])
        if self.save_handler is not None and self.save_handler.process():
            self.pool.add_snapshot(self.save_handler.history[-1], keep=self.save_handler.max_saved)
            self.env.set_table(self.pool.table())
        return obs, reward, terminated, truncated, info


def competition_game(reward_manager: RewardManager | None, resolution: CameraResolution, **options: Any) -> Any:
    """The fighting game as the competition's training env plays it, for player_0 (a `SingleAgentEnv`):
    matches of its length, drawing from Python's `random` as its game does, its constructor's reset included."""
    from arena.envs.single_agent import SingleAgentEnv

    single = SingleAgentEnv("fighting", opponent=ConstantAgent(), reward_manager=reward_manager,
                            resolution=CameraResolution.of(resolution).name.lower(), draws_from="random",
                            max_timesteps=R.COMPETITION_FRAMES, **options)
    single.raw.reset()  # the draws of the reset in the competition's env's constructor
    return single


def train(agent: Any, reward_manager: RewardManager | None = None, save_handler: SaveHandler | None = None,
          opponent_cfg: OpponentsCfg | None = None, resolution: CameraResolution = CameraResolution.LOW,
          train_timesteps: int = 400_000, train_logging: TrainLogging = TrainLogging.PLOT) -> None:
    """Train `agent` (an Agent with `learn`, e.g. SB3Agent) against the opponents of `opponent_cfg`."""
    from stable_baselines3.common.monitor import Monitor

    # The competition's training env, built on this module: the learner and its opponents are handed it
    # in `get_env_info`, as there, so that code reading its `obs_helper` or `raw_env` there runs here.
    from arena.compat.ai2.selfplay import SelfPlayWarehouseBrawl

    if save_handler is not None and save_handler.agent is None:
        save_handler.agent = agent
    base_env = SelfPlayWarehouseBrawl(reward_manager, opponent_cfg, save_handler, resolution=resolution)
    if reward_manager is not None:
        reward_manager.subscribe_signals(base_env.raw_env)
    env: gymnasium.Env = base_env
    # Where the competition logs a run: its save handler's folder, else /tmp/gym/ (where its guides plot from).
    log_dir = save_handler.run_dir if save_handler is not None else Path(tempfile.gettempdir()) / "gym"
    if train_logging is not TrainLogging.NONE:
        log_dir.mkdir(parents=True, exist_ok=True)  # a resumed run's, before its first save
        env = Monitor(env, str(log_dir / "monitor.csv"))
    # The agent starts from what it loads itself (its file_path), as in the competition: a RESUME handler's
    # checkpoints are its self-play opponents and the run's history, never weights put over the agent's. As
    # there, it is initialized again on every call: an agent trained by an earlier train() starts over.
    agent.get_env_info(base_env)
    base_env.on_training_start()
    try:
        with _sb3_logs_in(log_dir):
            agent.learn(env, total_timesteps=train_timesteps, verbose=1)
    except KeyboardInterrupt:
        pass
    finally:
        env.close()
    base_env.on_training_end()
    if save_handler is not None:
        save_handler.save_agent()  # a second time, as the competition's train() does (see SaveHandler.save_agent)
    if train_logging is TrainLogging.PLOT:
        # Named as the competition's train() names it (its plot_results' default title), where its scripts look.
        plot_monitor(log_dir / "monitor.csv", log_dir / "Learning Curve.png")


@contextlib.contextmanager
def _sb3_logs_in(folder: Path) -> Iterator[None]:
    """SB3 models given no logger log into `folder` (SB3_LOGDIR) while the body runs: each learn() of theirs
    otherwise makes a new SB3-<date> folder in the temporary folder. A SB3_LOGDIR of one's own is kept."""
    if "SB3_LOGDIR" in os.environ:
        yield
        return
    os.environ["SB3_LOGDIR"] = str(folder)
    try:
        yield
    finally:
        os.environ.pop("SB3_LOGDIR", None)


def plot_monitor(monitor_csv: Path | Sequence[Path], out: Path, window: int = 50) -> Path:
    """Episode rewards from SB3 monitor logs (one, or several merged in the order their episodes ended, as
    SB3's `load_results` merges a folder's), raw and as a moving average, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    logs = [monitor_csv] if isinstance(monitor_csv, Path) else monitor_csv
    episodes = sorted(episode for log in logs for episode in _monitor_episodes(log))
    rewards = np.array([reward for _, reward, _ in episodes])
    steps = np.cumsum([length for _, _, length in episodes])
    figure, axes = plt.subplots(figsize=(7, 4))
    axes.plot(steps, rewards, alpha=0.3, label="episode reward")
    if len(rewards) >= window:
        axes.plot(steps[window - 1:], np.convolve(rewards, np.ones(window) / window, "valid"),
                  label=f"mean of {window}")
    axes.set(title="Learning curve", xlabel="steps", ylabel="reward")
    axes.legend()
    figure.tight_layout()
    figure.savefig(out, dpi=100)
    plt.close(figure)
    return out


def _monitor_episodes(monitor_csv: Path) -> list[tuple[float, float, int]]:
    """An SB3 monitor log's episodes: (when each ended, in seconds since the epoch; its reward; its length)."""
    with monitor_csv.open(newline="") as handle:
        start = float(json.loads(handle.readline().lstrip("#"))["t_start"])  # its header: #{"t_start": ..., ...}
        return [(start + float(row["t"]), float(row["r"]), int(row["l"])) for row in csv.DictReader(handle)]
