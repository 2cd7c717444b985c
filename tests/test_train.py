"""Training with stable-baselines3: the league's sampling, resume, export, and the competition's train() API.

Every run here is a few thousand policy steps on the real games: seconds, not a trained agent.
"""

import io
import json
import os
import re
import signal
import zipfile
import textwrap
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("stable_baselines3")

import torch  # noqa: E402

from arena.cli import main  # noqa: E402
from arena.envs.fighting import ConstantAgent  # noqa: E402
from arena.errors import ArenaError  # noqa: E402
from arena.train import OpponentPool, SelfPlay, TrainConfig, export_run, pfsp_weights, train_fighter  # noqa: E402
from arena.train.algorithms import algorithm_class  # noqa: E402
from arena.train.config import load_config  # noqa: E402
from arena.train.league import Opponent, build_pool  # noqa: E402

SUBMISSIONS = Path(__file__).resolve().parent.parent / "submissions"


def test_pfsp_weights_follow_the_win_rates():
    weights = pfsp_weights([0.9, 0.5, 0.1])
    assert weights == pytest.approx([0.01 / 1.07, 0.25 / 1.07, 0.81 / 1.07])
    assert pfsp_weights([0.3, 0.3]) == [0.5, 0.5]
    assert pfsp_weights([1.0, 1.0]) == [0.5, 0.5]  # beaten everything: uniform


def test_pool_splits_self_play_over_snapshots_by_the_learners_results():
    pool = OpponentPool({"constant": Opponent(1.0, ConstantAgent), "self_play": SelfPlay(3.0, "pfsp")})
    assert pool.table() == [("constant", None, 1.0)]  # no snapshot yet: self-play's share goes to the others
    pool.add_snapshot("old.zip")
    pool.add_snapshot("new.zip")
    for _ in range(8):
        pool.record("self_play", "old.zip", +1)
        pool.record("self_play", "new.zip", -1)
    assert pool.win_rate("self_play", "old.zip") == pytest.approx(0.9)  # a prior of one win and one loss
    table = {snapshot: p for _, snapshot, p in pool.table()}
    assert table[None] == pytest.approx(0.25)
    assert table["old.zip"] == pytest.approx(0.75 * 0.01 / 0.82)
    assert table["new.zip"] == pytest.approx(0.75 * 0.81 / 0.82)

    pool.opponents["self_play"] = SelfPlay(3.0, "latest")
    assert {s: p for _, s, p in pool.table()} == {None: 0.25, "new.zip": 0.75}
    pool.opponents["self_play"] = SelfPlay(3.0, "uniform")
    assert {s: p for _, s, p in pool.table()} == {None: 0.25, "old.zip": 0.375, "new.zip": 0.375}


def test_train_help_shows_the_defaults_of_each_games_config(capsys):
    from arena.alphazero.config import AlphaZeroConfig
    from arena.train.relay import PRESETS, RelayConfig
    from arena.train.snake import SnakeConfig

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert (f"(default: {TrainConfig.run}, {SnakeConfig.run}, {RelayConfig.run}, alphazero_othello or "
            "alphazero_gomoku)") in shown
    assert RelayConfig.algo == "a2c" and (
        f"(default: fighting {TrainConfig.timesteps}, snake {SnakeConfig.timesteps} a learner, relay "
        f"{PRESETS['a2c']['timesteps']} with a2c and {PRESETS['ppo']['timesteps']} with ppo)") in shown
    assert f"default: fighting {TrainConfig.n_envs}, snake {SnakeConfig.n_envs}, relay {RelayConfig.n_envs})" in shown
    defaults = AlphaZeroConfig()
    for flag, value in [("--generations", defaults.generations), ("--simulations", defaults.simulations),
                        ("--games-per-generation", defaults.games_per_generation), ("--gate-games", defaults.gate_games),
                        ("--bootstrap-games", defaults.bootstrap_games)]:
        assert re.search(rf"{flag} [A-Z_]+ .*?\(default: (\S+?)\)", shown).group(1) == str(value), flag
    assert f"(default: othello {AlphaZeroConfig(game='othello').size}, gomoku {AlphaZeroConfig(game='gomoku').size})" in shown


def test_a_yaml_config_names_scripted_agents_submissions_and_self_play(tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(textwrap.dedent(f"""\
        timesteps: 5000
        opponents:
          based: {{weight: 2, agent: BrawlerAgent}}
          rival: {{weight: 1, submission: {SUBMISSIONS / "based_fighter"}}}
          self_play: {{weight: 1, sampling: latest}}
        """))
    config = load_config(recipe, timesteps=7000)
    assert config.timesteps == 7000
    pool = build_pool(config.opponents, snapshot_agent=lambda path: None)
    assert pool.opponents["self_play"].sampling == "latest"
    assert type(pool.opponents["rival"].factory()).__name__ == "SubmittedAgent"
    with pytest.raises(ValueError, match="unknown setting"):
        load_config(None, learning_rat=0.1)


def test_what_a_submission_in_the_pool_prints_goes_to_its_log_not_over_the_progress(tmp_path, capsys):
    chatty = tmp_path / "chatty"
    chatty.mkdir()
    (chatty / "agent.py").write_text(
        "import sys\nfrom arena.agents import Agent\n\nprint('loading chatty')\n\n"
        "class SubmittedAgent(Agent):\n"
        "    def predict(self, obs):\n"
        "        print('thinking about', len(obs))\n"
        "        print('a warning', file=sys.stderr)\n"
        "        return [0.0] * 10\n")
    (chatty / "arena.toml").write_text('env = "fighting"\n')
    pool = build_pool({"chatty": {"submission": str(chatty)}}, lambda path: None, output_dir=tmp_path / "printed")
    agent = pool.opponents["chatty"].factory()
    action = agent.predict(np.zeros(10, np.float32))
    assert capsys.readouterr() == ("", "")
    assert action == [0.0] * 10 and type(agent._agent).__name__ == "SubmittedAgent"
    [log] = (tmp_path / "printed").iterdir()
    assert log.name.startswith("chatty-")
    assert log.read_text() == "loading chatty\nthinking about 10\na warning\n"


@pytest.mark.parametrize("printed", [None, "printed"])
def test_a_submission_in_the_pool_keeps_its_weights_until_it_loads_them(tmp_path, printed):
    import gc

    output_dir = tmp_path / printed if printed else None
    pool = build_pool({"rival": {"submission": str(SUBMISSIONS / "ppo_fighter")}}, lambda path: None, output_dir)
    agent = pool.opponents["rival"].factory()
    gc.collect()  # the private copy the agent's file_path names lives as long as the agent, not the loading call
    assert Path(agent.file_path).is_file(), agent.file_path


def test_imitation_maps_the_teachers_keys_to_combinations_and_the_policy_learns_them():
    from arena.envs.fighting.observation import make_act_helper

    from arena.train.controls import COMBOS, Controls
    from arena.train.fighting import build_model
    from arena.train.imitation import demonstrations, pretrain

    controls, keys = Controls(), make_act_helper()
    assert [controls.combo(keys.press_keys(list(combo))) for combo in COMBOS] == list(range(len(COMBOS)))
    assert COMBOS[controls.combo(keys.press_keys(["d", "j", "w"]))] == ("d", "j")  # the closest one

    config = TrainConfig(n_envs=1, vec_env="dummy", net_arch=[64, 64], batch_size=64, seed=3)
    observations, actions, returns = demonstrations(config, "BrawlerAgent", 400, seed=1)
    assert observations.shape == (400, 64) and actions.shape == returns.shape == (400,)
    assert len(set(actions.tolist())) > 3  # it moves and attacks
    model = build_model(config, controls_env(controls))
    before = agreement(model, observations, actions)
    pretrain(model, observations, actions, returns, epochs=20, batch_size=64)
    assert agreement(model, observations, actions) > before + 0.15


def controls_env(controls):
    """A vectorized env with only the controls' spaces: enough for SB3 to build a model."""
    import gymnasium
    from stable_baselines3.common.vec_env import DummyVecEnv

    class Spaces(gymnasium.Env):
        observation_space = controls.observation_space()
        action_space = controls.action_space()

    return DummyVecEnv([Spaces])


def agreement(model, observations, actions) -> float:
    """How often the policy's most likely combination is the teacher's."""
    chosen, _ = model.predict(observations, deterministic=True)
    return float((chosen == actions).mean())


def tiny_config(save_path: Path, **overrides) -> TrainConfig:
    """Two segments of 512 policy steps on two games, a snapshot and an evaluation game after each."""
    settings = dict(run="tiny", save_path=str(save_path), timesteps=1024, n_envs=2, n_steps=256, batch_size=256,
                    n_epochs=2, net_arch=[32, 32], save_freq=512, eval_freq=512, eval_games=1,
                    eval_opponents=["ConstantAgent"], vec_env="dummy", imitate="",
                    opponents={"constant": {"weight": 1.0, "agent": "ConstantAgent"},
                               "random": {"weight": 1.0, "agent": "RandomAgent"},
                               "self_play": {"weight": 2.0, "sampling": "pfsp"}})
    return TrainConfig(**{**settings, **overrides})


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same run trained straight through (in worker processes), and stopped after one segment then resumed."""
    root = tmp_path_factory.mktemp("runs")
    straight = train_fighter(tiny_config(root / "straight", vec_env="subproc", workers=2))
    train_fighter(tiny_config(root / "resumed", timesteps=512))
    resumed = train_fighter(tiny_config(root / "resumed"), resume=True)
    return straight, resumed


def test_a_run_saved_before_keeps_its_league_state_beside_its_checkpoints_under_their_names(tmp_path):
    from arena.train import SaveHandler, SaveHandlerMode

    run = tmp_path / "run"
    run.mkdir()
    (run / "rl_model_64_steps.zip").write_bytes(b"model")
    (run / "rl_model_64_steps.json").write_text('{"num_timesteps": 64, "pool": {"snapshots": []}}')
    resumed = SaveHandler(save_path=str(tmp_path), run_name="run", mode=SaveHandlerMode.RESUME, max_saved=1)
    assert resumed.latest() == (str(run / "rl_model_64_steps.zip"), {"num_timesteps": 64, "pool": {"snapshots": []}})
    resumed.agent = type("Saved", (), {"save": lambda self, path: Path(path).write_bytes(b"model")})()
    resumed.num_timesteps = 128
    resumed.save_agent({"num_timesteps": 128})
    # The next checkpoint's state is kept under the new name, and the one it replaced went with its model.
    assert sorted(p.name for p in run.iterdir()) == ["league-rl_model_128_steps.json", "rl_model_128_steps.zip"]
    assert resumed.latest()[1] == {"num_timesteps": 128}


@pytest.mark.parametrize("stopped_by", ["a full disk", "a kill"])
def test_a_checkpoint_is_in_place_whole_or_not_at_all(tmp_path, stopped_by):
    """A run killed (or out of disk) while it saves leaves its newest whole checkpoint newest: a half-written
    zip under a checkpoint's name made --resume and arena export fail until someone deleted it."""
    from arena.errors import HarnessError
    from arena.train.checkpoints import SaveHandler, SaveHandlerMode

    run = tmp_path / "run"
    handler = SaveHandler(save_path=str(tmp_path), run_name="run", mode=SaveHandlerMode.FORCE)

    def with_statistics_beside(path):  # as an agent that keeps its normaliser's statistics next to its model
        Path(path).write_bytes(b"model")
        Path(path).with_suffix(".stats").write_bytes(b"statistics")

    handler.agent = type("Saved", (), {"save": lambda self, path: with_statistics_beside(path)})()
    handler.num_timesteps = 64
    handler.save_agent({"num_timesteps": 64})
    assert (run / "rl_model_64_steps.stats").read_bytes() == b"statistics"

    class KilledWhileSaving(BaseException):
        pass

    def half_written(path):
        Path(path).write_bytes(b"mod")
        assert not (run / "rl_model_128_steps.zip").exists()  # nothing under its name before it is whole
        raise OSError(28, "No space left on device") if stopped_by == "a full disk" else KilledWhileSaving()

    handler.agent = type("Stopped", (), {"save": lambda self, path: half_written(path)})()
    handler.num_timesteps = 128
    with pytest.raises(HarnessError if stopped_by == "a full disk" else KilledWhileSaving) as stopped:
        handler.save_agent({"num_timesteps": 128})
    if stopped_by == "a full disk":
        assert "could not write the checkpoint" in str(stopped.value) and "No space left on device" in str(stopped.value)
    assert sorted(p.name for p in run.iterdir()) == ["league-rl_model_64_steps.json", "rl_model_64_steps.stats",
                                                     "rl_model_64_steps.zip"]
    resumed = SaveHandler(save_path=str(tmp_path), run_name="run", mode=SaveHandlerMode.RESUME)
    assert resumed.latest() == (str(run / "rl_model_64_steps.zip"), {"num_timesteps": 64})


def test_resuming_a_run_that_has_no_checkpoint_is_refused_before_anything_is_made(tmp_path):
    with pytest.raises(ArenaError, match=r"tiny: no checkpoint of this run to resume from; drop --resume to start it"):
        train_fighter(tiny_config(tmp_path / "runs"), resume=True)
    assert not (tmp_path / "runs").exists()


def test_resuming_a_run_already_past_the_steps_asked_is_refused_saying_so(runs):
    _, resumed = runs  # at step 1,024
    before = sorted(resumed.iterdir())
    with pytest.raises(ArenaError, match=r"tiny is at step 1,024 already, past the 512 asked: give a larger --timesteps"):
        train_fighter(tiny_config(resumed.parent, timesteps=512), resume=True)
    assert sorted(resumed.iterdir()) == before
    # At the steps asked it is done: a run retried until it succeeds (a job queue's) ends there.
    assert train_fighter(tiny_config(resumed.parent, timesteps=1024), resume=True) == resumed
    assert sorted(resumed.iterdir()) == before


def test_exporting_a_run_without_checkpoints_of_that_name_says_which_there_are(tmp_path):
    run = tmp_path / "checkpoints" / "snakes"
    run.mkdir(parents=True)
    for name in ("snake_0_512_steps.zip", "snake_1_512_steps.zip"):
        (run / name).write_bytes(b"")
    with pytest.raises(ArenaError, match=r"holds those of snake_0, snake_1: name one with --prefix \(e.g. --prefix snake_0\)"):
        export_run("snakes", tmp_path / "out", save_path=str(tmp_path / "checkpoints"))
    with pytest.raises(ArenaError, match=r"no checkpoints to export; train first \(arena train ... --run nosuch\)"):
        export_run("nosuch", tmp_path / "out", save_path=str(tmp_path / "checkpoints"))
    with pytest.raises(ArenaError, match=r"checkpoints/snaeks: no such run; did you mean snakes\?"):
        export_run("snaeks", tmp_path / "out", save_path=str(tmp_path / "checkpoints"))
    with pytest.raises(ArenaError, match=r"checkpoints/snaek: no such run to resume; did you mean --run snakes\?"):
        train_fighter(tiny_config(tmp_path / "checkpoints", run="snaek"), resume=True)
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == ["snakes"] and not (tmp_path / "out").exists()


def league_state(run_dir: Path, steps: int) -> dict:
    """A checkpoint's league state with the run's own folder taken out of the snapshot paths."""
    text = (run_dir / f"league-rl_model_{steps}_steps.json").read_text()
    return json.loads(text.replace(str(run_dir), "RUN"))


@pytest.mark.slow
def test_a_resumed_run_saves_the_same_next_checkpoint_as_an_uninterrupted_one(runs):
    straight, resumed = runs
    load = algorithm_class("ppo").load
    a, b = (load(run / "rl_model_1024_steps.zip", device="cpu").policy.state_dict() for run in (straight, resumed))
    assert all(torch.equal(a[name], b[name]) for name in a)
    state = league_state(straight, 1024)
    assert state == league_state(resumed, 1024)
    assert state["pool"]["snapshots"] == ["RUN/rl_model_512_steps.zip", "RUN/rl_model_1024_steps.zip"]
    assert sum(sum(record) for record in state["pool"]["records"].values()) > 0  # episodes were recorded
    assert [entry["steps"] for entry in state["evaluation"]["history"]] == [512, 1024]
    assert (resumed / "logs" / "progress.csv").is_file() and (resumed / "logs" / "progress_512.csv").is_file()


@pytest.mark.slow
def test_an_exported_run_is_a_submission_that_validates(runs, tmp_path, capsys):
    out = export_run("tiny", tmp_path / "tiny_fighter", save_path=str(runs[1].parent))
    assert sorted(p.name for p in out.iterdir()) == ["agent.py", "arena.toml", "model.zip", "policy.json"]
    capsys.readouterr()
    assert main(["validate", str(out)]) == 0  # in the sandbox, as tournaments run it
    assert "ok: tiny_fighter" in capsys.readouterr().out


# A participant's training script in the competition's style, with only its imports pointing at arena.
PARTICIPANT_TRAINING = textwrap.dedent('''
    from functools import partial
    from typing import Optional, Type

    import gymnasium as gym
    import torch
    from torch import nn
    from stable_baselines3 import PPO
    from stable_baselines3.common.base_class import BaseAlgorithm
    from stable_baselines3.common.torch_layers import BaseFeaturesExtractor

    from arena.envs.fighting import *
    from arena.train import *


    class TwoLayers(nn.Module):
        def __init__(self, obs_dim: int, hidden_dim: int):
            super().__init__()
            self.net = nn.Sequential(nn.Linear(obs_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, hidden_dim))

        def forward(self, obs):
            return self.net(obs)


    class Extractor(BaseFeaturesExtractor):
        def __init__(self, observation_space: gym.Space, features_dim: int = 32):
            super().__init__(observation_space, features_dim)
            self.model = TwoLayers(observation_space.shape[0], features_dim)

        def forward(self, obs):
            return self.model(obs)

        @classmethod
        def get_policy_kwargs(cls) -> dict:
            return dict(features_extractor_class=cls, features_extractor_kwargs=dict(features_dim=32))


    class MyAgent(Agent):
        def __init__(self, sb3_class: Optional[Type[BaseAlgorithm]] = PPO, file_path: str = None,
                     extractor: BaseFeaturesExtractor = Extractor):
            self.sb3_class = sb3_class
            self.extractor = extractor
            super().__init__(file_path)

        def _initialize(self) -> None:
            if self.file_path is None:
                self.model = self.sb3_class("MlpPolicy", self.env, policy_kwargs=self.extractor.get_policy_kwargs(),
                                            verbose=0, n_steps=64, batch_size=64)
                del self.env
            else:
                self.model = self.sb3_class.load(self.file_path)

        def _gdown(self) -> str:
            return

        def predict(self, obs):
            action, _ = self.model.predict(obs)
            return action

        def save(self, file_path: str) -> None:
            self.model.save(file_path, include=["num_timesteps"])

        def learn(self, env, total_timesteps, log_interval: int = 1, verbose=0):
            self.model.set_env(env)
            self.model.verbose = verbose
            self.model.learn(total_timesteps=total_timesteps, log_interval=log_interval)


    def damage_done(env) -> float:
        return env.objects["opponent"].damage_taken_this_frame / 100


    def on_win(env, agent: str) -> float:
        return 1.0 if agent == "player" else -1.0


    def gen_reward_manager():
        return RewardManager({"damage_done": RewTerm(func=damage_done, weight=1.0)},
                             {"on_win": ("win_signal", RewTerm(func=on_win, weight=10))})


    def main(save_path: str, mode) -> None:
        my_agent = MyAgent(sb3_class=PPO, extractor=Extractor)
        reward_manager = gen_reward_manager()
        selfplay_handler = SelfPlayRandom(partial(type(my_agent)))
        save_handler = SaveHandler(agent=my_agent, save_freq=128, max_saved=3, save_path=save_path,
                                   run_name="my_run", mode=mode)
        opponent_specification = {
            "self_play": (8, selfplay_handler),
            "constant_agent": (0.5, partial(ConstantAgent)),
            "based_agent": (1.5, partial(BasedAgent)),
        }
        opponent_cfg = OpponentsCfg(opponents=opponent_specification)
        train(my_agent, reward_manager, save_handler, opponent_cfg, CameraResolution.LOW,
              train_timesteps=320, train_logging=TrainLogging.PLOT)
''')


def test_the_competitions_training_script_runs_with_only_its_imports_changed(tmp_path):
    participant = types.ModuleType("participant")
    exec(PARTICIPANT_TRAINING, participant.__dict__)
    participant.main(str(tmp_path), participant.SaveHandlerMode.FORCE)
    run = tmp_path / "my_run"
    saved = sorted(run.glob("rl_model_*_steps.zip"))
    # Saved on the step after each 128 (the competition's cadence) and twice at the end, each save counting
    # towards max_saved=3 as there: the first is gone.
    assert {p.name for p in saved} == {"rl_model_258_steps.zip", "rl_model_320_steps.zip"}
    assert (run / "monitor.csv").is_file() and (run / "Learning Curve.png").is_file()  # the competition's names
    state = json.loads((run / "league-rl_model_320_steps.json").read_text())
    assert state["pool"]["snapshots"] == [str(run / "rl_model_129_steps.zip"), str(run / "rl_model_258_steps.zip")]

    # A participant's callback rendering demo matches draws its opponent as the competition's config
    # hands one out: here this run's newest checkpoint, ready to play.
    from arena.compat.ai2 import SelfPlayWarehouseBrawl

    saved = participant.SaveHandler(agent=participant.MyAgent(), save_path=str(tmp_path), run_name="my_run",
                                    mode=participant.SaveHandlerMode.RESUME)
    latest = participant.SelfPlayLatest(participant.partial(participant.MyAgent))
    opponents = participant.OpponentsCfg(opponents={"self_play": (1.0, latest)})
    demo_env = SelfPlayWarehouseBrawl(opponent_cfg=opponents, save_handler=saved)
    opponent = opponents.on_env_reset()
    assert isinstance(opponent, participant.MyAgent) and opponent.file_path == str(run / "rl_model_320_steps.zip")
    observation, _ = demo_env.reset(seed=0)
    assert opponent.predict(observation).shape == (10,)

    # A new agent under RESUME trains from its own start, as there: the run's checkpoints are its self-play
    # opponents, never weights put over the agent the script built (no step count past 320).
    participant.main(str(tmp_path), participant.SaveHandlerMode.RESUME)
    assert max(int(p.name.split("_")[2]) for p in run.glob("rl_model_*_steps.zip")) == 320

    # Its checkpoints load onto the competition's env, whose observation space they declare (float32).
    from stable_baselines3 import PPO

    PPO.load(run / "rl_model_320_steps.zip", env=SelfPlayWarehouseBrawl())


def test_a_curriculum_loading_each_stages_last_checkpoint_names_its_checkpoints_on_from_it(tmp_path, capsys):
    # A curriculum in a participant's style: each stage trains the last checkpoint of the one before
    # into a run of its own, and finds it by the step count it expects the run to have reached.
    participant = types.ModuleType("participant")
    exec(PARTICIPANT_TRAINING, participant.__dict__)

    def stage(run_name: str, file_path: str | None) -> set[str]:
        agent = participant.MyAgent(file_path=file_path)
        mode = participant.SaveHandlerMode.RESUME if file_path else participant.SaveHandlerMode.FORCE
        save_handler = participant.SaveHandler(agent=agent, save_freq=128, save_path=str(tmp_path), run_name=run_name,
                                               mode=mode)
        opponents = participant.OpponentsCfg(opponents={"constant_agent": (1.0, participant.partial(participant.ConstantAgent))})
        participant.train(agent, participant.gen_reward_manager(), save_handler, opponents, participant.CameraResolution.LOW,
                          train_timesteps=192, train_logging=participant.TrainLogging.NONE)
        return {p.name for p in (tmp_path / run_name).glob("*.zip")}

    assert stage("stage_0", None) == {"rl_model_129_steps.zip", "rl_model_192_steps.zip"}
    assert stage("stage_1", str(tmp_path / "stage_0" / "rl_model_192_steps.zip")) == {
        "rl_model_321_steps.zip", "rl_model_384_steps.zip"}
    assert "rl_model_576_steps.zip" in stage("stage_2", str(tmp_path / "stage_1" / "rl_model_384_steps.zip"))
    assert "total_timesteps" in capsys.readouterr().out  # train() asks learn() for SB3's progress tables, as the competition's did


def participant_with_its_temporary_folder(tmp_path, monkeypatch) -> types.ModuleType:
    """The participant's training script, run as a module, with `tmp_path` as the temporary folder."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    participant = types.ModuleType("participant")
    exec(PARTICIPANT_TRAINING, participant.__dict__)
    return participant


def train_without_a_save_handler(participant: types.ModuleType, agent, logging) -> None:
    """64 steps of the competition's train() against its ConstantAgent, saving nothing."""
    opponents = participant.OpponentsCfg(opponents={"constant_agent": (1.0, participant.partial(participant.ConstantAgent))})
    participant.train(agent, participant.gen_reward_manager(), None, opponents, participant.CameraResolution.LOW,
                      train_timesteps=64, train_logging=logging)


def test_training_without_a_save_handler_logs_where_the_competitions_does(tmp_path, monkeypatch):
    # The competition's train() logs a run given no save handler in /tmp/gym/, where its guides plot from.
    participant = participant_with_its_temporary_folder(tmp_path, monkeypatch)
    train_without_a_save_handler(participant, participant.MyAgent(), participant.TrainLogging.PLOT)
    assert sorted(p.name for p in (tmp_path / "gym").iterdir()) == ["Learning Curve.png", "monitor.csv"]
    assert not list(tmp_path.glob("arena-*"))  # no folder of its own beside it


def test_train_leaves_no_sb3_log_folder_of_its_own_per_call(tmp_path, monkeypatch):
    """Each learn() of an agent given no logger made an empty SB3-<date> folder in /tmp: one per train() call, a
    curriculum's stages each, piling up there; they log in the run's folder (here /tmp/gym/) instead."""
    participant = participant_with_its_temporary_folder(tmp_path, monkeypatch)
    monkeypatch.delenv("SB3_LOGDIR", raising=False)
    for _ in range(2):
        train_without_a_save_handler(participant, participant.MyAgent(), participant.TrainLogging.PLOT)
    assert not list(tmp_path.glob("SB3-*"))
    assert sorted(p.name for p in (tmp_path / "gym").iterdir()) == ["Learning Curve.png", "monitor.csv"]


def test_each_train_call_initializes_the_agent_again_as_the_competitions_does(tmp_path, monkeypatch):
    # A participant's loop training one agent object in stages (a reward focus each): the competition's train()
    # hands it the new env every call, and its agent builds a fresh model from its file_path (None: from scratch).
    participant = participant_with_its_temporary_folder(tmp_path, monkeypatch)
    agent = participant.MyAgent()
    models = []
    for _ in range(2):
        train_without_a_save_handler(participant, agent, participant.TrainLogging.NONE)
        models.append(agent.model)
    assert models[0] is not models[1] and models[1].num_timesteps == 64


def test_a_script_driving_the_competitions_env_itself_counts_and_saves_through_its_hooks(tmp_path):
    # Training code of its own calls the env's on_training_start/on_training_end around learn(), as the
    # competition's train() does: the handler counts on from the model's steps and saves the whole count.
    participant = types.ModuleType("participant")
    exec(PARTICIPANT_TRAINING, participant.__dict__)
    from arena.compat.ai2 import SelfPlayWarehouseBrawl

    first = participant.MyAgent()
    handler = participant.SaveHandler(agent=first, save_freq=10_000, save_path=str(tmp_path), run_name="own",
                                      mode=participant.SaveHandlerMode.FORCE)
    env = SelfPlayWarehouseBrawl(participant.gen_reward_manager(), save_handler=handler)
    first.get_env_info(env)
    env.on_training_start()
    first.learn(env, total_timesteps=64)
    env.on_training_end()
    saved = [p.name for p in (tmp_path / "own").glob("rl_model_*_steps.zip")]
    assert len(saved) == 1
    steps = int(saved[0].split("_")[2])
    assert steps >= 64

    second = participant.MyAgent(file_path=str(tmp_path / "own" / saved[0]))
    handler = participant.SaveHandler(agent=second, save_freq=10_000, save_path=str(tmp_path), run_name="on",
                                      mode=participant.SaveHandlerMode.FORCE)
    env = SelfPlayWarehouseBrawl(participant.gen_reward_manager(), save_handler=handler)
    second.get_env_info(env)
    env.on_training_start()
    assert handler.num_timesteps == steps  # counted on from the loaded model


def test_snake_and_relay_runs_save_their_learners_and_evaluations(tmp_path):
    from arena.train.relay import RelayConfig, train_relay
    from arena.train.snake import SnakeConfig, train_snakes

    snakes = train_snakes(SnakeConfig(run="snakes", save_path=str(tmp_path), timesteps=256, n_envs=4, n_steps=32,
                                      batch_size=64, eval_games=1))
    assert sorted(p.name for p in snakes.glob("*.zip")) == [f"snake_{i}_256_steps.zip" for i in range(4)]
    evaluation = json.loads((snakes / "evaluation.json").read_text())
    assert set(evaluation) == {"learners", "greedy", "wins", "scores"} and sum(evaluation["wins"].values()) == 1
    best = max(evaluation["scores"], key=lambda side: max(evaluation["scores"][side]))  # the best-ranked snake's
    assert evaluation["wins"][best] == 1 or evaluation["wins"]["draws"] == 1

    runs = [train_relay(RelayConfig(run=f"relay_{i}", save_path=str(tmp_path), timesteps=512, check_freq=256,
                                    eval_games=1)) for i in range(2)]
    # The saved model is the best of the checks at 256 and 512 steps, the same one for the same seed.
    saved = [sorted(p.name for p in relay.glob("*.zip")) for relay in runs]
    assert saved[0] in (["rl_model_256_steps.zip"], ["rl_model_512_steps.zip"]) and saved[0] == saved[1]
    weights = [zipfile.ZipFile(relay / saved[0][0]).read("policy.pth") for relay in runs]
    assert weights[0] == weights[1]
    evaluations = [json.loads((relay / "evaluation.json").read_text()) for relay in runs]
    assert evaluations[0] == evaluations[1] and evaluations[0]["mean"] > 0


def test_an_evaluation_line_says_what_its_rating_is_measured_against(tmp_path, capsys):
    from arena.train.logs import RunLog

    log = RunLog(tmp_path / "run", total=1024, formats=("csv",))
    log.evaluation({"ConstantAgent": 0.75, "step_512": 0.5}, {"step_1024": 1183.4}, 1024)
    log.close()
    shown = capsys.readouterr().out.splitlines()  # one line, however narrow the terminal (a log's is 80)
    assert "step 1,024: scores ConstantAgent 75%, step_512 50%; Elo rating 1183 (ConstantAgent = 1000)" in shown


def test_an_evaluations_row_in_the_csv_log_says_its_step(tmp_path):
    """The evaluation's row (which also holds the train/* scalars of the segment's last update) had no
    time/total_timesteps: read_progress, the curves and anyone's pandas dropped it or could not place it."""
    from arena.train.logs import RunLog, read_progress

    log = RunLog(tmp_path / "run", total=1024, formats=("csv",))
    log.sb3_logger.record("train/n_updates", 6)
    log.evaluation({"ConstantAgent": 0.75}, {"step_1024": 1000.0}, 1024)
    log.close()
    (row,) = read_progress(tmp_path / "run")
    assert row["time/total_timesteps"] == "1024" and row["train/n_updates"] == "6" and row["eval/rating"] == "1000.0"


def test_curves_of_a_run_no_episode_of_which_finished_say_so(tmp_path):
    from arena.train.logs import LOG_DIR, plot_run

    logs = tmp_path / "run" / LOG_DIR
    logs.mkdir(parents=True)
    (logs / "progress.csv").write_text("time/total_timesteps,train/loss\n512,0.5\n1024,0.4\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warned of a legend with nothing in it
        assert plot_run(tmp_path / "run").stat().st_size > 0


def test_a_relay_run_stopped_after_an_evaluation_starts_again_with_the_same_command(tmp_path, monkeypatch, capsys):
    """Ctrl-C after the relay's first evaluation left its best model beside the run's settings, and the same
    command then refused to start, calling that an earlier run with 0 checkpoints."""
    from arena.train.logs import ProgressCallback

    settings = tmp_path / "relay.yaml"
    settings.write_text("check_freq: 64\neval_games: 1\nnet_arch: [8]\n")
    command = ["train", "relay", "--run", "relay", "--save-path", str(tmp_path), "--timesteps", "512",
               "--config", str(settings)]

    def interrupted(callback):
        if callback.num_timesteps >= 256:
            raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(ProgressCallback, "_on_rollout_end", interrupted)
        assert main(command) == 130
    assert "relay: no checkpoint yet (the same command starts the run again)" in capsys.readouterr().err
    assert not list((tmp_path / "relay").glob("*.zip"))
    assert main(command) == 0
    assert "held a run stopped before its first checkpoint: started afresh" in capsys.readouterr().out
    assert [re.sub(r"\d+", "N", p.name) for p in (tmp_path / "relay").glob("*.zip")] == ["rl_model_N_steps.zip"]


@pytest.mark.parametrize(("game", "where"), [("fighting", "--save-path"), ("relay", "--save-path"),
                                             ("othello", "--save-path"), ("othello", "--store")])
def test_a_folder_of_runs_that_cannot_be_made_is_named_before_training_starts(tmp_path, capsys, game, where):
    blocking = tmp_path / "a_file"
    blocking.write_text("")
    given = str(blocking / "alphazero.sqlite") if where == "--store" else str(blocking)
    assert main(["train", game, where, given]) == 1
    error = capsys.readouterr().err
    assert f"{where} {given}: cannot make" in error and "is a file, not a folder" in error
    assert f"give {where} another" in " ".join(error.split())


@pytest.mark.parametrize(("flags", "said"), [
    (["--timesteps", "0"], "argument --timesteps: a number of policy steps is a whole number of at least 1, "
                           "e.g. 4e6, got '0'"),
    (["--timesteps", "-100"], "got '-100'"),
    (["--timesteps", "nan"], "got 'nan'"),
    (["--timesteps", "1e400"], "got '1e400'"),
    (["--timesteps", "2.5"], "got '2.5'"),
    (["--n-envs", "0"], "argument --n-envs: must be at least 1, got '0'"),
])
def test_a_budget_or_game_count_that_cannot_train_is_a_usage_error(tmp_path, capsys, flags, said):
    """`--timesteps 0` (or below) trained nothing and said "run saved" (the fighting game after a whole warm
    start); nan, inf and --n-envs 0 ended in tracebacks."""
    with pytest.raises(SystemExit) as stopped:
        main(["train", "relay", "--save-path", str(tmp_path), *flags])
    assert stopped.value.code == 2 and said in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_budgets_in_scientific_notation_are_whole_numbers_of_steps():
    from arena.arguments import steps

    assert steps("4e6") == 4_000_000 and steps("2457600") == 2_457_600 and steps("1.5e3") == 1500
    assert steps(str(2**63 + 1)) == 2**63 + 1  # exactly, not through a float


@pytest.mark.parametrize("game", ["fighting", "snake", "relay"])
@pytest.mark.parametrize("setting", ["timesteps: 0", "n_envs: 0", "timesteps: -4096"])
def test_a_settings_file_whose_budget_or_game_count_cannot_train_is_refused(tmp_path, game, setting):
    from arena.train.relay import RelayConfig
    from arena.train.snake import SnakeConfig

    settings = tmp_path / "settings.yaml"
    settings.write_text(setting + "\n")
    config_class = {"fighting": TrainConfig, "snake": SnakeConfig, "relay": RelayConfig}[game]
    name = setting.split(":")[0]
    with pytest.raises(ValueError, match=rf"settings file .*settings.yaml: {name} must be at least 1, got -?\d+"):
        load_config(settings, config_class)


@pytest.mark.parametrize("game", ["fighting", "relay"])
@pytest.mark.parametrize(("library", "flags"), [("tensorboard", []), ("matplotlib", ["--plot"])])
def test_a_library_the_runs_logs_need_is_asked_for_before_training(tmp_path, monkeypatch, capsys, game, library, flags):
    """Without tensorboard a run ended in SB3's AssertionError traceback once its logs were made (for the fighting
    game after its warm start); without matplotlib, --plot failed only after the whole run had trained."""
    import sys

    monkeypatch.setitem(sys.modules, library, None)
    settings = tmp_path / "settings.yaml"
    settings.write_text("imitate: ''\n" if game == "fighting" else "")
    assert main(["train", game, "--run", "run", "--save-path", str(tmp_path), "--timesteps", "64",
                 "--config", str(settings), *flags]) == 1
    assert f"{library} is not installed: pip install -e '.[train]'" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_ctrl_c_stops_the_learner_not_its_env_workers(capfd, signum):
    """Ctrl-C reaches every process of the terminal's group: each worker of a run that plays its games in
    worker processes died with a KeyboardInterrupt traceback over the run's own message of how to go on. SIGTERM
    reaches them all too where a service manager or a batch system stops the run's group: the workers died, and the
    learner, stopping at the end of its rollout, died of the broken pipe to them without a word or a checkpoint."""
    import os
    import signal
    import time
    from functools import partial

    import gymnasium

    from arena.train.vec import GroupedSubprocVecEnv

    venv = GroupedSubprocVecEnv([partial(gymnasium.make, "CartPole-v1")] * 2, workers=2)
    venv.seed(0)
    venv.reset()
    for process in venv.processes:
        os.kill(process.pid, getattr(signal, signum))
    time.sleep(0.5)  # for a worker that would die of it to have done so
    assert all(process.is_alive() for process in venv.processes)
    venv.step(np.zeros(2, int))
    venv.close()
    assert [process.exitcode for process in venv.processes] == [0, 0]
    assert "KeyboardInterrupt" not in capfd.readouterr().err


WORKER_BUSY_WHEN_ITS_LEARNER_DIES = textwrap.dedent("""
    import sys, time
    import gymnasium
    import numpy as np
    from arena.train.vec import GroupedSubprocVecEnv

    class Busy(gymnasium.Wrapper):  # a step that computes for a minute
        def step(self, action):
            end = time.monotonic() + 60
            while time.monotonic() < end:
                pass
            return self.env.step(action)

    if __name__ == "__main__":
        venv = GroupedSubprocVecEnv([lambda: Busy(gymnasium.make("CartPole-v1"))], workers=1)
        venv.reset()
        venv.step_async(np.zeros(1, int))
        print(venv.processes[0].pid, flush=True)
        time.sleep(600)
""")


def test_an_env_worker_ends_with_its_learner_even_while_it_computes(tmp_path):
    """Workers ignore SIGTERM (the learner stops them, saved): one busy in a long step when its learner was
    killed went on computing until it looked at its pipe again."""
    import signal
    import subprocess
    import sys
    import time

    from arena.processes import running

    script = tmp_path / "learner.py"
    script.write_text(WORKER_BUSY_WHEN_ITS_LEARNER_DIES)
    learner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    worker = int(learner.stdout.readline())
    learner.send_signal(signal.SIGKILL)
    learner.wait()
    deadline = time.monotonic() + 30  # it would compute for 60 s
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not running(worker)


def test_resuming_with_only_resume_goes_on_with_the_runs_own_settings(tmp_path):
    """`--resume` took its settings from the flags given again and the defaults: a run started with --seed 3 (or a
    settings file) and resumed without repeating them went on with seed 0 (or another network, a traceback)."""
    import yaml

    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({key: value for key, value in vars(tiny_config(tmp_path)).items()
                                        if key not in ("run", "save_path", "timesteps")}))
    base = ["train", "fighting", "--save-path", str(tmp_path)]
    assert main([*base, "--run", "straight", "--config", str(settings), "--seed", "3", "--timesteps", "1024"]) == 0
    assert main([*base, "--run", "resumed", "--config", str(settings), "--seed", "3", "--timesteps", "512"]) == 0
    assert main([*base, "--run", "resumed", "--resume", "--timesteps", "1024"]) == 0
    straight, resumed = (yaml.safe_load((tmp_path / run / "config.yaml").read_text()) for run in ("straight", "resumed"))
    assert {**straight, "run": "resumed"} == resumed and resumed["seed"] == 3
    weights = [zipfile.ZipFile(tmp_path / run / "rl_model_1024_steps.zip").read("policy.pth")
               for run in ("straight", "resumed")]
    assert weights[0] == weights[1]


@pytest.mark.parametrize("change", [{"net_arch": [8]}, {"algo": "a2c"}, {"repeat": 2}])
def test_resuming_with_another_network_is_refused_before_anything_is_written(tmp_path, change):
    train_fighter(tiny_config(tmp_path, timesteps=512))
    run = tmp_path / "tiny"
    before = {path.name: path.read_bytes() for path in run.iterdir() if path.is_file()}
    name, value = next(iter(change.items()))
    with pytest.raises(ArenaError, match=rf"{run} trained with {name} {re.escape(str(getattr(tiny_config(run), name)))}"
                                         rf"; its checkpoints hold that network: resume with it, or give --run NAME"):
        train_fighter(tiny_config(tmp_path, **change), resume=True)
    assert {path.name: path.read_bytes() for path in run.iterdir() if path.is_file()} == before


def test_a_league_run_calls_ones_own_sb3_callbacks_and_stops_when_one_says_so(tmp_path):
    from stable_baselines3.common.callbacks import BaseCallback, CheckpointCallback

    class StopAfter(BaseCallback):
        """Reads what SB3 hands a callback, and stops training after 300 policy steps."""

        def _on_training_start(self) -> None:
            self.envs = self.training_env.num_envs

        def _on_step(self) -> bool:
            self.seen = sorted({"infos", "rewards", "dones"} & set(self.locals))
            return self.num_timesteps < 300

    stop = StopAfter()
    run = train_fighter(tiny_config(tmp_path, timesteps=2048, save_freq=512, eval_freq=0),
                        callback=[stop, CheckpointCallback(128, str(tmp_path / "mine"))])
    assert stop.envs == 2 and stop.seen == ["dones", "infos", "rewards"]
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["rl_model_256_steps.zip"]
    # It stopped within the first rollout of 512 steps, and that is saved as the run's newest checkpoint.
    assert sorted(p.name for p in run.glob("*.zip")) == ["rl_model_300_steps.zip"]


def test_ones_own_callbacks_see_one_training_start_and_end_over_a_run_saved_in_segments(tmp_path):
    """The run learns a segment at a time, between its checkpoints; SB3 starts and ends a training at each, where
    a callback (a progress bar, say) expects one of each for the run."""
    from stable_baselines3.common.callbacks import BaseCallback

    class Counts(BaseCallback):
        starts = ends = steps = 0

        def _on_training_start(self) -> None:
            self.starts += 1

        def _on_step(self) -> bool:
            self.steps += 1
            return True

        def _on_training_end(self) -> None:
            self.ends += 1

    counts = Counts()
    train_fighter(tiny_config(tmp_path, timesteps=1024, save_freq=512, eval_freq=0), callback=counts)
    assert (counts.starts, counts.ends) == (1, 1) and counts.steps == 1024 // 2  # two games stepped together


def test_the_warm_start_says_what_it_does_before_it_starts(tmp_path, monkeypatch, capsys):
    """The recipe's imitation warm start played for a minute or more on two cores before the run printed anything."""
    import arena.train.fighting

    class Collecting(Exception):
        pass

    def collect(*args):
        raise Collecting(capsys.readouterr().out)

    monkeypatch.setattr(arena.train.fighting, "collect", collect)
    with pytest.raises(Collecting) as collecting:
        train_fighter(tiny_config(tmp_path, imitate="BrawlerAgent", imitation_decisions=60_000))
    assert "warm start: imitating BrawlerAgent for 60,000 decisions first" in str(collecting.value)


def test_an_exported_relay_team_plays_as_its_run_evaluated_it(tmp_path, capsys):
    """The relay's (and snake's) runs evaluate, and keep the best of, their policies played by their most likely
    actions, but arena export made them sample by default: a team the run reported keeping the pole up for all
    500 steps kept it up for 464 on average once exported."""
    from arena.train.relay import RelayConfig, evaluate_team, train_relay

    config = RelayConfig(run="relay", save_path=str(tmp_path), timesteps=1024, check_freq=512, eval_games=3)
    run = train_relay(config)
    exported = export_run("relay", tmp_path / "team", save_path=str(tmp_path))
    assert json.loads((exported / "policy.json").read_text())["sample"] is False
    played = evaluate_team(str(exported / "model.zip"), config.num_players, config.leg_length, 3, config.seed)
    assert played == json.loads((run / "evaluation.json").read_text())["steps_up"]
    assert main(["export", "relay", "--save-path", str(tmp_path), "--out", str(tmp_path / "sampled"), "--sample"]) == 0
    assert json.loads((tmp_path / "sampled" / "policy.json").read_text())["sample"] is True


@pytest.mark.parametrize(("command", "said"), [
    (["othello", "--timesteps", "1000", "--n-envs", "4"],
     "arena train othello: --timesteps and --n-envs are for the stable-baselines3 games (fighting, snake, relay); "
     "an AlphaZero run's budget is --generations, --games-per-generation and --simulations"),
    (["gomoku", "--plot"], "arena train gomoku: --plot is for the stable-baselines3 games"),
    (["snake", "--store", "az.sqlite", "--generations", "3"],
     "arena train snake: --store and --generations are AlphaZero's (othello, gomoku); drop them"),
    (["relay", "--setting", "channels=8"], "arena train relay: --setting is AlphaZero's"),
])
def test_options_of_the_other_kind_of_training_are_refused_not_dropped(tmp_path, capsys, command, said):
    """`arena train othello --timesteps 1000` trained AlphaZero's default 20 generations, and `arena train snake
    --generations 3` snake's default budget: the options were dropped without a word."""
    assert main(["train", *command, "--save-path", str(tmp_path)]) == 1
    assert said in " ".join(capsys.readouterr().err.split())
    assert not any(tmp_path.iterdir())


def test_a_relay_run_trained_before_runs_said_how_they_play_exports_as_it_was_evaluated_too(tmp_path):
    """A run's policy.json says how its evaluations played it only since arena export followed it: a snake or relay
    run trained before then, whose policy.json does not say, still plays its most likely actions once exported."""
    from arena.train.relay import RelayConfig, train_relay

    run = train_relay(RelayConfig(run="relay", save_path=str(tmp_path), timesteps=1024, check_freq=512, eval_games=1))
    sidecar = json.loads((run / "policy.json").read_text())
    del sidecar["sample"]  # as such a run wrote it
    (run / "policy.json").write_text(json.dumps(sidecar))
    exported = export_run("relay", tmp_path / "team", save_path=str(tmp_path))
    assert json.loads((exported / "policy.json").read_text())["sample"] is False


def tiny_snakes(root: Path, **changes):
    from arena.train.snake import SnakeConfig

    settings = dict(run="snakes", save_path=str(root), timesteps=512, n_envs=4, n_steps=32, batch_size=64,
                    eval_games=1, net_arch=[8], save_freq=256)
    return SnakeConfig(**{**settings, **changes})


def stop_at(steps: int, signum: int, times: int = 1):
    """A RunLog.rollout that sends this process `signum` (`times` times: Ctrl-C pressed twice) once the run has
    trained `steps` steps."""
    import os

    from arena.train.logs import RunLog

    rollout = RunLog.rollout

    def stopping(self, done, status):
        if done == steps:
            for _ in range(times):
                os.kill(os.getpid(), signum)
        rollout(self, done, status)

    return stopping


def weights(checkpoint: Path) -> tuple[bytes, bytes]:
    """A checkpoint's parameters and optimizer state, as SB3 wrote them."""
    with zipfile.ZipFile(checkpoint) as saved:
        return saved.read("policy.pth"), saved.read("policy.optimizer.pth")


def test_a_snake_run_stopped_by_ctrl_c_goes_on_with_resume_as_if_never_stopped(tmp_path, monkeypatch):
    """A snake run kept nothing before its end: Ctrl-C after hours lost it all, and --resume was refused."""
    import signal

    from arena.train.logs import RunLog
    from arena.train.snake import train_snakes

    straight = train_snakes(tiny_snakes(tmp_path / "straight"))
    assert sorted(p.name for p in straight.glob("snake_0_*.zip")) == ["snake_0_256_steps.zip", "snake_0_512_steps.zip"]
    with monkeypatch.context() as patched:
        patched.setattr(RunLog, "rollout", stop_at(128, signal.SIGINT))
        with pytest.raises(KeyboardInterrupt):  # at the end of the rollout it came in, saved there
            train_snakes(tiny_snakes(tmp_path / "resumed"))
    run = tmp_path / "resumed" / "snakes"
    assert sorted(p.name for p in [*run.glob("*.zip"), *run.glob("*.pkl")]) == [
        "resume-snake_128_steps.pkl", *[f"snake_{i}_128_steps.zip" for i in range(4)]]
    assert not (run / "evaluation.json").exists()
    assert train_snakes(tiny_snakes(tmp_path / "resumed"), resume=True) == run
    for i in range(4):
        for steps in (256, 512):
            assert weights(run / f"snake_{i}_{steps}_steps.zip") == weights(straight / f"snake_{i}_{steps}_steps.zip")
    assert (run / "evaluation.json").read_text() == (straight / "evaluation.json").read_text()
    assert (run / "logs" / "progress_128.csv").is_file() and (run / "logs" / "snake_0" / "progress_128.csv").is_file()
    # Finished: the same command again has nothing more to do; a larger budget trains on from the end.
    assert train_snakes(tiny_snakes(tmp_path / "resumed"), resume=True) == run
    assert not (run / "snake_0_768_steps.zip").exists()
    train_snakes(tiny_snakes(tmp_path / "resumed", timesteps=768), resume=True)
    assert (run / "snake_0_768_steps.zip").is_file()


def test_a_relay_run_stopped_by_sigterm_goes_on_with_resume_as_if_never_stopped(tmp_path, monkeypatch, capsys):
    """A relay run kept nothing before its end (its best model lived in a hidden folder, deleted when it stopped)."""
    import signal

    from arena.train.logs import ProgressCallback

    settings = tmp_path / "relay.yaml"
    settings.write_text("check_freq: 128\neval_games: 2\nnet_arch: [8]\nsave_freq: 256\n")
    base = ["train", "relay", "--save-path", str(tmp_path), "--seed", "3", "--timesteps", "1024"]
    assert main([*base, "--run", "straight", "--config", str(settings)]) == 0

    def stopped(callback):  # after the first checkpoint (256), before the update of the rollout ending at 320
        if callback.num_timesteps == 320:
            import os

            os.kill(os.getpid(), signal.SIGTERM)

    with monkeypatch.context() as patched:
        patched.setattr(ProgressCallback, "_on_rollout_end", stopped)
        assert main([*base, "--run", "resumed", "--config", str(settings)]) == 128 + signal.SIGTERM
    run = tmp_path / "resumed"
    assert "resumed keeps 1 checkpoint, the newest rl_model_320_steps.zip: --resume goes on from it" in " ".join(
        capsys.readouterr().err.split())
    assert sorted(p.name for p in [*run.glob("*.zip"), *run.glob("*.pkl")]) == ["resume-rl_model_320_steps.pkl",
                                                                                "rl_model_320_steps.zip"]
    exported = export_run("resumed", tmp_path / "exported", save_path=str(tmp_path))  # a stopped run exports
    assert (exported / "model.zip").is_file()
    assert main(["train", "relay", "--save-path", str(tmp_path), "--run", "resumed", "--resume"]) == 0
    # The best model of the evaluations is kept in the end, the same one, and no state to go on from it.
    kept = [sorted(p.name for p in [*(tmp_path / name).glob("*.zip"), *(tmp_path / name).glob("*.pkl")])
            for name in ("straight", "resumed")]
    assert kept[0] == kept[1] and len(kept[0]) == 1 and kept[0][0].startswith("rl_model_")
    assert weights(run / kept[0][0]) == weights(tmp_path / "straight" / kept[0][0])
    assert (run / "evaluation.json").read_text() == (tmp_path / "straight" / "evaluation.json").read_text()
    # A finished relay run trains no further: its learning rate fell to 0 over its steps.
    assert main(["train", "relay", "--save-path", str(tmp_path), "--run", "resumed", "--resume"]) == 0
    assert "has trained its 1,024 steps already: nothing more to do" in capsys.readouterr().out
    assert main([*base[:-1], "2048", "--run", "resumed", "--resume"]) == 1
    assert "resumed finished its 1,024 steps, keeping the best model" in " ".join(capsys.readouterr().err.split())


def test_export_of_a_relay_run_still_going_takes_the_checkpoint_it_chose_though_the_run_replaces_it(tmp_path,
                                                                                                  monkeypatch):
    """The relay keeps its newest checkpoint only, a new one every few seconds: the one export chose could be
    deleted by the time export had loaded torch to read it, and export failed with FileNotFoundError."""
    import arena.train.algorithms
    from arena.train.relay import RelayConfig, train_relay

    run = train_relay(RelayConfig(run="relay", save_path=str(tmp_path), timesteps=256, check_freq=128, eval_games=1,
                                  net_arch=[8]))
    (kept,) = run.glob("*.zip")
    chosen = kept.read_bytes()
    algorithm_class = arena.train.algorithms.algorithm_class

    def replaced_meanwhile(name):  # the run's next checkpoint, saved while export imports the algorithm
        if kept.exists():
            kept.rename(run / "rl_model_512_steps.zip")
        return algorithm_class(name)

    monkeypatch.setattr(arena.train.algorithms, "algorithm_class", replaced_meanwhile)
    exported = export_run("relay", tmp_path / "team", save_path=str(tmp_path))
    with zipfile.ZipFile(exported / "model.zip") as saved, zipfile.ZipFile(io.BytesIO(chosen)) as original:
        assert saved.read("policy.pth") == original.read("policy.pth")


@pytest.mark.parametrize("state", ["league", "training"])
def test_a_checkpoints_state_that_cannot_be_written_keeps_the_one_before_and_says_which(tmp_path, monkeypatch,
                                                                                       state):
    import errno
    import os

    import arena.train.checkpoints
    from arena.train.checkpoints import league_state_of, save_training_state, training_state_of, update_league_state

    checkpoint = tmp_path / "rl_model_64_steps.zip"
    write, read = ((update_league_state, league_state_of) if state == "league"
                   else (save_training_state, training_state_of))
    write(checkpoint, {"num_timesteps": 64})

    def disk_full(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patched:
        patched.setattr(arena.train.checkpoints.os, "replace", disk_full)
        with pytest.raises(ArenaError, match=f"could not write the {state} state .*free some space"):
            write(checkpoint, {"num_timesteps": 128})
    assert read(checkpoint) == {"num_timesteps": 64}
    assert not list(tmp_path.glob(".*.part"))


def test_a_relay_run_stopped_in_its_last_evaluation_evaluates_its_kept_model_with_resume(tmp_path, monkeypatch,
                                                                                         capsys):
    """Ctrl-C while the finished run played its kept model: --resume said there was nothing more to do, and the
    run never had its evaluation."""
    import arena.train.relay

    settings = tmp_path / "relay.yaml"
    settings.write_text("check_freq: 128\neval_games: 2\nnet_arch: [8]\n")
    command = ["train", "relay", "--save-path", str(tmp_path), "--run", "relay", "--timesteps", "512"]

    def interrupted(*args):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(arena.train.relay, "evaluate_team", interrupted)
        assert main([*command, "--config", str(settings)]) == 130
    assert not (tmp_path / "relay" / "evaluation.json").exists()
    capsys.readouterr()
    assert main([*command, "--resume"]) == 0
    assert "nothing more to do" not in capsys.readouterr().out
    assert len(json.loads((tmp_path / "relay" / "evaluation.json").read_text())["steps_up"]) == 2


@pytest.mark.parametrize(("game", "change", "said"), [("snake", ["--config", "NET"], "net_arch [8]"),
                                                      ("relay", ["--algo", "ppo"], "algo a2c")])
def test_resuming_a_snake_or_relay_run_with_another_network_is_refused(tmp_path, capsys, game, change, said):
    settings = tmp_path / "tiny.yaml"
    settings.write_text("n_envs: 4\nn_steps: 32\nbatch_size: 64\neval_games: 1\nnet_arch: [8]\ncheck_freq: 128\n"
                        if game == "snake" else "eval_games: 1\nnet_arch: [8]\ncheck_freq: 128\n")
    if game == "snake":
        settings.write_text(settings.read_text().replace("check_freq: 128\n", ""))
    (tmp_path / "net.yaml").write_text("net_arch: [16]\n")
    base = ["train", game, "--run", "run", "--save-path", str(tmp_path), "--timesteps", "128"]
    assert main([*base, "--config", str(settings)]) == 0
    before = {path.name: path.read_bytes() for path in (tmp_path / "run").iterdir() if path.is_file()}
    change = [str(tmp_path / "net.yaml") if flag == "NET" else flag for flag in change]
    assert main([*base, "--resume", *change]) == 1
    assert f"trained with {said}; its checkpoints hold that network" in " ".join(capsys.readouterr().err.split())
    assert {path.name: path.read_bytes() for path in (tmp_path / "run").iterdir() if path.is_file()} == before


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_a_fighting_run_stopped_by_ctrl_c_or_sigterm_saves_where_it_stopped_and_goes_on_with_resume(
        tmp_path, monkeypatch, capsys, signum):
    """A fighting run kept only the checkpoints of its segments: Ctrl-C or SIGTERM lost every step since the last,
    hours of them with the recipe's 409,600-step segments, and said nothing until it died."""
    import signal

    import yaml

    from arena.train.logs import RunLog

    signum = getattr(signal, signum)
    settings = tmp_path / "tiny.yaml"
    settings.write_text(yaml.safe_dump({**{key: value for key, value in vars(tiny_config(tmp_path)).items()
                                           if key not in ("run", "save_path", "timesteps")},
                                        "save_freq": 1024, "eval_freq": 1024}))
    command = ["train", "fighting", "--run", "tiny", "--save-path", str(tmp_path), "--timesteps", "2048"]
    with monkeypatch.context() as patched:  # at the end of the first rollout's steps, before it is learned from
        patched.setattr(RunLog, "rollout", stop_at(512, signum))
        assert main([*command, "--config", str(settings)]) == 128 + signum
    said = " ".join(capsys.readouterr().err.split())
    assert "stopping at the end of the rollout or evaluation under way, where the run is saved" in said
    assert "tiny keeps 1 checkpoint, the newest rl_model_512_steps.zip: --resume goes on from it" in said
    run = tmp_path / "tiny"
    assert sorted(p.name for p in run.glob("*.zip")) == ["rl_model_512_steps.zip"]
    assert not (run / ".saving").exists()
    stopped = json.loads((run / "league-rl_model_512_steps.json").read_text())
    assert stopped["num_timesteps"] == 512 and stopped["evaluation"]["history"] == []  # evaluations keep their steps
    assert main([*command, "--resume"]) == 0
    out = capsys.readouterr().out
    assert "resuming from step 512" in out and "Best model is" not in out
    assert sorted(p.name for p in run.glob("*.zip")) == [f"rl_model_{steps}_steps.zip" for steps in (1024, 2048, 512)]
    finished = json.loads((run / "league-rl_model_2048_steps.json").read_text())
    assert [entry["steps"] for entry in finished["evaluation"]["history"]] == [1024, 2048]


@pytest.mark.parametrize("game", ["snake", "relay", "fighting"])
def test_ctrl_c_pressed_twice_stops_at_once_keeping_the_last_checkpoint_whole(tmp_path, monkeypatch, capsys, game):
    """The second Ctrl-C was held as the first: a user who wanted out now waited for the rollout under way."""
    import signal

    import yaml

    from arena.train.logs import RunLog

    settings = tmp_path / "tiny.yaml"
    config = {"snake": {"n_envs": 4, "n_steps": 32, "batch_size": 64, "eval_games": 1, "net_arch": [8],
                        "save_freq": 256},
              "relay": {"check_freq": 128, "eval_games": 1, "net_arch": [8], "save_freq": 128},
              "fighting": {**{key: value for key, value in vars(tiny_config(tmp_path)).items()
                              if key not in ("run", "save_path", "timesteps")}, "eval_freq": 0}}[game]
    settings.write_text(yaml.safe_dump(config))
    kept, stopped_at = {"snake": (256, 384), "relay": (128, 192), "fighting": (512, 1024)}[game]
    command = ["train", game, "--run", "run", "--save-path", str(tmp_path), "--timesteps", str(4 * kept)]
    with monkeypatch.context() as patched:
        patched.setattr(RunLog, "rollout", stop_at(stopped_at, signal.SIGINT, times=2))
        assert main([*command, "--config", str(settings)]) == 130
    said = " ".join(capsys.readouterr().err.split())
    assert "(Ctrl-C again: at once)" in said and "stopping now, without the steps since the last checkpoint" in said
    if game == "snake":  # a checkpoint is every learner's
        assert (f"run keeps 1 checkpoint of its 4 learners, snake_0 to snake_3, the newest at step {kept}: --resume "
                "goes on from it, arena export --prefix snake_0 makes a submission of snake_0's policy") in said
    else:
        assert f"run keeps 1 checkpoint, the newest rl_model_{kept}_steps.zip: --resume goes on from it" in said
    run = tmp_path / "run"
    assert max(int(p.name.split("_")[-2]) for p in run.glob("*_steps.zip")) == kept
    assert not (run / ".saving").exists() and not list(run.glob(".*.part"))
    assert main([*command, "--resume"]) == 0
    assert f"resuming from step {kept:,}" in capsys.readouterr().out


def n_updates(log: Path) -> list[int]:
    """The train/n_updates values a session's CSV log recorded, in order."""
    import csv

    with log.open(newline="") as handle:
        return [int(float(row["train/n_updates"])) for row in csv.DictReader(handle) if row.get("train/n_updates")]


@pytest.mark.parametrize("game", ["fighting", "snake", "relay"])
def test_a_resumed_run_counts_its_updates_on_from_where_it_stopped(tmp_path, monkeypatch, game):
    """train/n_updates started again from 0 after --resume, so the run's curves of it fell back to the axis."""
    import signal

    import yaml

    from arena.train.logs import RunLog

    settings = tmp_path / "tiny.yaml"
    config = {"snake": {"n_envs": 4, "n_steps": 32, "batch_size": 64, "eval_games": 1, "net_arch": [8],
                        "save_freq": 256},
              "relay": {"check_freq": 64, "eval_games": 1, "net_arch": [8], "save_freq": 1024},
              "fighting": {key: value for key, value in vars(tiny_config(tmp_path)).items()
                           if key not in ("run", "save_path", "timesteps")}}[game]
    settings.write_text(yaml.safe_dump(config))
    stopped_at = {"snake": 128, "relay": 192, "fighting": 512}[game]
    command = ["train", game, "--run", "run", "--save-path", str(tmp_path), "--timesteps", str(2 * stopped_at)]
    with monkeypatch.context() as patched:
        patched.setattr(RunLog, "rollout", stop_at(stopped_at, signal.SIGINT))
        assert main([*command, "--config", str(settings)]) == 130
    assert main([*command, "--resume"]) == 0
    logs = tmp_path / "run" / "logs" / ("snake_0" if game == "snake" else "")
    before, after = n_updates(logs / "progress.csv"), n_updates(logs / f"progress_{stopped_at}.csv")
    assert before and after and after[0] > before[-1]


def test_a_resumed_relay_run_says_what_it_goes_on_from_and_where_it_finished(tmp_path, monkeypatch, capsys):
    """--resume printed the competition's "Best model is" line naming the model being trained, and a finished run
    from before runs kept their last step said it had finished at the step of its best evaluation."""
    import signal

    from arena.train.logs import RunLog

    settings = tmp_path / "relay.yaml"
    settings.write_text("check_freq: 64\neval_games: 1\nnet_arch: [8]\nsave_freq: 1024\n")
    command = ["train", "relay", "--run", "relay", "--save-path", str(tmp_path), "--timesteps", "384"]
    with monkeypatch.context() as patched:
        patched.setattr(RunLog, "rollout", stop_at(192, signal.SIGINT))
        assert main([*command, "--config", str(settings)]) == 130
    capsys.readouterr()
    assert main([*command, "--resume"]) == 0
    out = capsys.readouterr().out
    assert "resuming from step 192" in out and "Best model is" not in out
    # As a run from before saved its end: its best model only, at that model's step, without the run's last.
    run = tmp_path / "relay"
    (kept,) = run.glob("rl_model_*_steps.zip")
    kept.rename(run / "rl_model_128_steps.zip")
    (run / f"league-{kept.stem}.json").unlink()
    (run / "league-rl_model_128_steps.json").write_text('{"num_timesteps": 128}')
    assert main([*command, "--resume"]) == 0
    assert "has trained its 384 steps already: nothing more to do" in capsys.readouterr().out
    assert main([*command[:-1], "768", "--resume"]) == 1
    said = " ".join(capsys.readouterr().err.split())
    assert "relay finished its 384 steps, keeping the best model its evaluations saw (rl_model_128_steps.zip)" in said


def test_an_export_stopped_midway_leaves_no_half_submission_and_runs_again(tmp_path, monkeypatch):
    """Ctrl-C while arena export loaded the model (seconds of torch) left model.zip and policy.json without
    agent.py or arena.toml, and the same command then refused the folder as holding files of someone else's."""
    import arena.train.export
    from arena.train.relay import RelayConfig, train_relay

    train_relay(RelayConfig(run="relay", save_path=str(tmp_path), timesteps=128, check_freq=64, eval_games=1,
                            net_arch=[8]))

    def interrupted(model_zip):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(arena.train.export, "_save_for_play", interrupted)
        with pytest.raises(KeyboardInterrupt):
            export_run("relay", tmp_path / "team", save_path=str(tmp_path))
    assert not (tmp_path / "team").exists() or not any((tmp_path / "team").iterdir())
    exported = export_run("relay", tmp_path / "team", save_path=str(tmp_path))
    assert sorted(p.name for p in exported.iterdir()) == ["agent.py", "arena.toml", "model.zip", "policy.json"]

    # Ctrl-C as the files go in (model.zip copied from another file system, say): held until all are in.
    real_replace = os.replace
    moved = []

    def slow_replace(source, target):
        moved.append(Path(target).name)
        if len(moved) == 1:
            os.kill(os.getpid(), signal.SIGINT)
        real_replace(source, target)

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", slow_replace)
        with pytest.raises(KeyboardInterrupt):
            export_run("relay", tmp_path / "again", save_path=str(tmp_path))
    assert moved[-1] == "agent.py"
    assert sorted(p.name for p in (tmp_path / "again").iterdir()) == ["agent.py", "arena.toml", "model.zip",
                                                                       "policy.json"]

    # Killed while it made the files ready: what it left is its own, cleared by the next export.
    (tmp_path / "killed").mkdir()
    (tmp_path / "killed" / ".export-x1y2z3").mkdir()
    (tmp_path / "killed" / ".export-x1y2z3" / "model.zip").write_bytes(b"half")
    exported = export_run("relay", tmp_path / "killed", save_path=str(tmp_path))
    assert sorted(p.name for p in exported.iterdir()) == ["agent.py", "arena.toml", "model.zip", "policy.json"]


@pytest.mark.parametrize("game", ["fighting", "snake", "relay"])
def test_a_resume_that_runs_out_of_disk_keeps_the_runs_settings(tmp_path, monkeypatch, game):
    """--resume writes the run's config.yaml and policy.json again: on a full disk they were left empty, and the run
    then resumed on the defaults (another network, a traceback) and exported as no known game."""
    import errno
    import os

    from arena.errors import HarnessError
    from arena.train.relay import RelayConfig, train_relay
    from arena.train.snake import train_snakes

    train, config = {"fighting": (train_fighter, tiny_config(tmp_path, timesteps=512)),
                     "snake": (train_snakes, tiny_snakes(tmp_path, timesteps=128)),
                     "relay": (train_relay, RelayConfig(run="relay", save_path=str(tmp_path), timesteps=128,
                                                        check_freq=64, eval_games=1, net_arch=[8]))}[game]
    run = train(config)
    if game == "relay":  # a finished relay run trains no further: its checkpoint made one stopped midway's
        from arena.train.checkpoints import save_training_state

        (kept,) = run.glob("rl_model_*_steps.zip")
        save_training_state(kept, {})
    before = {name: (run / name).read_bytes() for name in ("config.yaml", "policy.json")}

    def disk_full(self, data, *args, **kwargs):
        with open(self, "wb" if isinstance(data, bytes) else "w") as partial:
            partial.write(data[:len(data) // 2])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with monkeypatch.context() as patched:
        patched.setattr(Path, "write_text", disk_full)
        patched.setattr(Path, "write_bytes", disk_full)
        with pytest.raises(HarnessError, match="No space left on device"):
            train(type(config)(**{**vars(config), "timesteps": 4 * config.timesteps}), resume=True)
    assert {name: (run / name).read_bytes() for name in before} == before
    assert not list(run.glob(".*.part"))
