"""Hyper-parameters of a fighting-game training run: one dataclass, loadable from YAML.

    config = TrainConfig(run="my_run", timesteps=4_000_000)
    config = load_config("recipe.yaml", timesteps=500_000)   # YAML keys are the field names

`opponents` maps a name to a weight and one source (see `arena.train.league`):

    opponents:
      based:     {weight: 1.5, agent: BrawlerAgent}        # a scripted agent of arena.envs.fighting
      rival:     {weight: 1.0, submission: submissions/x}  # a submission folder, run in-process
      self_play: {weight: 8.0, sampling: pfsp}             # snapshots: uniform, latest or pfsp

`timesteps`, `save_freq` and `eval_freq` count policy decisions (SB3's `num_timesteps`); each
decision is `repeat` frames of the game. `eval_freq: 0` turns evaluation off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from arena import settings
from arena.errors import ArenaError, SubmissionError
from arena.train.algorithms import ALGORITHMS
from arena.train.checkpoints import run_meant, saved_checkpoints


VEC_ENVS = ("batched", "subproc", "dummy")


def recipe_opponents() -> dict[str, dict[str, Any]]:
    """The recipe's pool: mostly the benchmark to beat, some random play, snapshots of the learner as they appear."""
    return {"based": {"weight": 4.0, "agent": "BrawlerAgent"},
            "random": {"weight": 3.0, "agent": "RandomAgent"},
            "self_play": {"weight": 1.0, "sampling": "pfsp"}}


@dataclass
class TrainConfig:
    """Everything that decides a run; saved as `config.yaml` in the run's folder."""

    # What a run's checkpoints are: the algorithm, its network, and the controls it decides through.
    NETWORK: ClassVar[tuple[str, ...]] = ("algo", "net_arch", "repeat", "combos")

    run: str = "fighting_ppo"
    algo: str = "ppo"
    timesteps: int = 2_457_600  # 600 rollouts
    seed: int = 0
    # Vectorized envs: "batched" steps the `n_envs` games together on the native engine in this process
    # (arena.train.batched; pools with Python-only opponents, such as submissions, fall back to "subproc"),
    # "subproc" in `workers` processes, "dummy" one after another in this process.
    n_envs: int = 256
    workers: int = 2
    vec_env: str = "batched"
    engine: str = "native"  # the fighting engine of "subproc" and "dummy" games ("python": the reference engine)
    # What the policy sees and does (arena.train.controls.Controls).
    repeat: int = 4
    combos: bool = True
    # Warm start (arena.train.imitation): the policy first imitates this scripted agent ("" for none).
    imitate: str = "BrawlerAgent"
    imitation_decisions: int = 60_000
    imitation_epochs: int = 10
    imitation_batch_size: int = 256
    # The optimizer: rollouts of n_steps x n_envs = 4,096 decisions, 3 epochs of minibatches of 1,024 (a small
    # network learns from big minibatches for less a decision than from small ones), a step size to match.
    learning_rate: float = 8e-4
    n_steps: int = 16
    batch_size: int = 1024
    n_epochs: int = 3
    gamma: float = 0.99
    gae_lambda: float = 0.95
    ent_coef: float = 0.01
    net_arch: list[int] = field(default_factory=lambda: [128, 128])
    # Reward shaping (arena.train.controls.recipe_rewards): the pull toward the opponent, the push back over the ground.
    approach: float = 0.002
    off_stage: float = 0.02
    opponents: dict[str, dict[str, Any]] = field(default_factory=recipe_opponents)
    # Checkpoints, evaluation, logs.
    save_path: str = "checkpoints"
    save_freq: int = 409_600  # 100 rollouts
    max_saved: int = 20
    eval_freq: int = 819_200
    eval_games: int = 10
    eval_opponents: list[str] = field(default_factory=lambda: ["BrawlerAgent", "RandomAgent"])
    plot: bool = False

    def __post_init__(self) -> None:
        if self.algo not in ALGORITHMS:
            raise ValueError(f"algo must be one of {', '.join(ALGORITHMS)}, got {self.algo!r}")
        if self.vec_env not in VEC_ENVS:
            raise ValueError(f"vec_env must be one of {', '.join(VEC_ENVS)}, got {self.vec_env!r}")
        from arena.envs.fighting.env import ENGINES

        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        at_least_one(self, "timesteps", "n_envs", "n_steps")
        if self.save_freq <= 0:
            raise ValueError(f"save_freq must be positive, got {self.save_freq}")
        if self.eval_freq < 0 or self.eval_freq % self.save_freq:
            raise ValueError(f"eval_freq ({self.eval_freq}) must be a multiple of save_freq ({self.save_freq}), "
                             "or 0 for no evaluation")
        for name, spec in self.opponents.items():
            _check_opponent(name, spec)


def at_least_one(config: Any, *names: str) -> None:
    """ValueError naming the first of the fields `names` (counts of steps or games) that is below 1."""
    for name in names:
        if getattr(config, name) < 1:
            raise ValueError(f"{name} must be at least 1, got {getattr(config, name)}")


def _check_opponent(name: str, spec: Any) -> None:
    """ValueError if a pool entry has a field no opponent takes, or names a submission of another game."""
    if not isinstance(spec, dict):
        raise ValueError(f"opponents: {name} must be a table such as {{weight: 1.0, agent: BrawlerAgent}}, "
                         f"got {spec!r}")
    kinds = [kind for kind in ("agent", "submission", "sampling") if kind in spec]
    allowed = {"weight", *kinds, *(("power",) if kinds == ["sampling"] else ())}  # as league._opponent reads them
    unknown = sorted(set(spec) - allowed)
    if unknown or len(kinds) > 1:
        raise ValueError(f"opponents: {name} has {', '.join(unknown) or ' and '.join(kinds)}; an opponent has a "
                         "weight and one of agent, submission or sampling (self-play, with its power)")
    if "agent" in spec:
        scripted_agent(spec["agent"])  # ValueError naming the scripted agents there are
    if "submission" in spec:
        from arena.submission import load

        try:
            manifest = load(spec["submission"]).manifest
        except SubmissionError as exc:  # its message starts with the path
            raise ValueError(f"opponents: {name}'s submission {exc}") from None
        if not manifest.plays("fighting"):
            raise ValueError(f"opponents: {name}'s submission {spec['submission']} plays "
                             f"{', '.join(manifest.env)}, not the fighting game")


Config = TypeVar("Config")


def load_config(path: str | Path | None = None, config_class: type[Config] = TrainConfig, **overrides: Any) -> Config:
    """A config (`TrainConfig` by default) from a YAML file or the defaults, with `overrides` (None values ignored)
    on top; `arena.settings.SettingsError` (a ValueError) names the file and the key of a wrong setting."""
    return settings.load_config(config_class, path, **overrides)


def resumed_config(config: Config, path: str | Path | None, overrides: dict[str, Any]) -> Config:
    """The config the run `config` names resumes with: the one it saved, with the settings file `path` and
    `overrides` (None values ignored) on top, as `load_config` puts them on the defaults; `config` for a run
    that saved none. Any game's config (`TrainConfig`, `SnakeConfig`, `RelayConfig`)."""
    saved = Path(config.save_path) / config.run / "config.yaml"
    if not saved.is_file():
        return config
    given = settings.read_settings(path, type(config)) if path is not None else {}
    given.update({key: value for key, value in overrides.items() if value is not None})
    return load_config(saved, type(config), **{**given, "run": config.run, "save_path": config.save_path})


def changed_network(config: Any, run_dir: Path) -> list[str]:
    """The settings of the config's NETWORK (what its checkpoints hold) in which `config` differs from the run in
    `run_dir` (none for a run that saved no config), each as the run trained with it: "net_arch [128, 128]"."""
    saved = run_dir / "config.yaml"
    trained = settings.read_settings(saved, type(config)) if saved.is_file() else {}
    return [f"{name} {trained[name]}" for name in config.NETWORK
            if name in trained and trained[name] != getattr(config, name)]


def check_resumable(config: Any, run_dir: Path) -> None:
    """ArenaError, before anything of the run is written, where `config` cannot go on with the run in `run_dir`:
    no such run (naming a close one), no checkpoint yet, or another network than its checkpoints hold."""
    meant = run_meant(run_dir)
    if meant is not None:
        raise ArenaError(f"{run_dir}: no such run to resume; did you mean --run {meant}?")
    if not saved_checkpoints(run_dir):
        raise ArenaError(f"{run_dir}: no checkpoint of this run to resume from; drop --resume to start it "
                         "(a run stopped before its first checkpoint starts afresh)")
    changed = changed_network(config, run_dir)
    if changed:
        raise ArenaError(f"{run_dir} trained with {', '.join(changed)}; its checkpoints hold that network: resume "
                         "with it, or give --run NAME to train a new run")


def save_config(config: Any, path: Path) -> None:
    """Write a config dataclass as YAML (what `load_config` reads back), whole or not at all: a resumed run
    writes its settings again, and one left half written would resume on the defaults."""
    settings.save_config(config, path, "the run's settings")


def scripted_agent(name: str) -> type:
    """A scripted agent class of `arena.envs.fighting` by name, e.g. "BrawlerAgent"."""
    from arena.envs import fighting

    found = getattr(fighting, name, None)
    if not isinstance(found, type):
        raise ValueError(f"no agent {name!r} in arena.envs.fighting; try BrawlerAgent, BasedAgent, ConstantAgent, "
                         "RandomAgent, ClockworkAgent")
    return found
