"""The competition's newcomer material on arena: its guide notebooks and starter scripts, after changing only
their imports, do and compute what they do in the competition's game.

Reference numbers come from the competition's game (UTMIST/UTMIST-AI2 at commit 89366c1), run with the
same code and the same `random.seed`, as each test's docstring says.
"""

import numpy as np
import pytest

NOTHING = np.zeros(10)


@pytest.mark.parametrize("engine", ["native", "python"])
def test_the_platforms_own_velocity_reads_0_as_the_technical_guide_finds_it(engine):
    """The technical guide reads `env.objects['platform1'].velocity_x` and `.velocity_y`: the competition's
    platform declares them 0 and never updates them. There, after `random.seed(0)`, a new env, a reset and 10
    frames without keys, they were the ints 0 and 0 while `body.velocity` was (-0.68835049, 0.68835049)."""
    import random

    from arena.compat.ai2.environment.environment import WarehouseBrawl

    random.seed(0)
    env = WarehouseBrawl()
    env.engine = engine
    env.reset()
    for _ in range(10):
        env.step({0: NOTHING, 1: NOTHING})
    platform = env.objects["platform1"]
    assert tuple(platform.body.velocity) == pytest.approx((-0.6883504921081633, 0.6883504921081633))
    assert (platform.velocity_x, platform.velocity_y) == (0, 0)
    assert type(platform.velocity_x) is int and type(platform.velocity_y) is int


# The observation's sections and sizes as the rl-tutorial notebook's `env.obs_helper.print_all_sections()`
# printed them there, for `player_` and then `opponent_`.
SECTION_SIZES = {"pos": 2, "vel": 2, "facing": 1, "grounded": 1, "aerial": 1, "jumps_left": 1, "state": 1,
                 "recoveries_left": 1, "dodge_timer": 1, "stun_frames": 1, "damage": 1, "stocks": 1, "move_type": 1,
                 "weapon_type": 1, "spawner_1": 3, "spawner_2": 3, "spawner_3": 3, "spawner_4": 3,
                 "moving_platform_pos": 2, "moving_platform_vel": 2}
# The observation's bounds there, per fighter (`obs_helper.get_as_np()`; the opponent's 32 repeat them).
LOW = [-1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + [-1, -1, 0] * 4 + [-1, -1, -1, -1]
HIGH = [1, 1, 1, 1, 1, 1, 1, 2, 12, 1, 1, 1, 1, 3, 11, 2] + [1, 1, 3] * 4 + [1, 1, 1, 1]


def test_the_helpers_print_and_give_their_bounds_as_the_rl_tutorial_shows(capsys):
    """The rl-tutorial notebook prints `env.obs_helper.print_all_sections()` (each section's size) and reads the
    helpers' bounds; there `get_as_np()` gave (low, high) as arrays for both helpers."""
    from arena.compat.ai2.environment.environment import WarehouseBrawl

    env = WarehouseBrawl()
    env.obs_helper.print_all_sections()
    printed = capsys.readouterr().out
    assert printed == "".join(f"{side}_{name}: {size}\n" for side in ("player", "opponent")
                              for name, size in SECTION_SIZES.items())
    low, high = env.obs_helper.get_as_np()
    assert low.tolist() == LOW * 2 and high.tolist() == HIGH * 2
    keys_low, keys_high = env.act_helper.get_as_np()
    assert keys_low.tolist() == [0] * 10 and keys_high.tolist() == [1] * 10


def test_a_submission_importing_ttnn_where_it_is_missing_is_told_how_to_get_it(monkeypatch):
    """The competition's TTNN guide has submissions `import ttnn`; arena keeps ttnn an optional extra, so
    without it the import fails saying which extra to install and what runs without a card (no device is
    faked). There, without ttnn, the same import ended in Python's bare "No module named 'ttnn'"."""
    import importlib
    import sys
    from pathlib import Path

    from arena.errors import missing_extra

    pytest.importorskip("torch", reason='the guide\'s agent imports torch first: pip install -e ".[train]"')
    try:
        importlib.import_module("ttnn")
        pytest.skip("ttnn is installed here")
    except ModuleNotFoundError:
        pass
    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent / "ai2_participants"))
    monkeypatch.delitem(sys.modules, "user.tt_agent", raising=False)
    with pytest.raises(ModuleNotFoundError, match=r"No module named 'ttnn': .*pip install -e '\.\[tt\]'.*"
                                                  r"Python 3\.10 and 3\.12.*Tenstorrent card.*port_policy") as raised:
        importlib.import_module("user.tt_agent")
    assert raised.value.name == "ttnn"
    assert missing_extra(raised.value) is None  # it says what to install already: the harness adds no second hint


class HeldKeys:
    """What `pygame.key.get_pressed()` returns while the keys in `held` are down."""

    def __init__(self, held: set[int]):
        self.held = held

    def __getitem__(self, key: int) -> bool:
        return key in self.held


def test_a_real_time_match_is_the_competitions_match_and_plays_the_frame_the_window_closed_on(monkeypatch):
    """A participant's pvp script calls `run_real_time_match(UserInputAgent(), opponent, ...)`. There, after
    `random.seed(7)`, with D held and the window closed as the opponent (a ConstantAgent) made its 30th move,
    31 frames were played (match_time 31/30, a draw): the opponent started at (5, 0) and the player at
    (-5, 0), and on the last frame the opponent saw itself at (5.0, 0.415520001497652) and the player at
    (-0.40262746667948723, 2.671199999913056), moving at (6.75, 3.5615999991787413)."""
    import random

    import pygame

    from arena.compat.ai2.environment.agent import ConstantAgent, UserInputAgent, run_real_time_match

    monkeypatch.setattr(pygame.key, "get_pressed", lambda: HeldKeys({pygame.K_d}))
    seen = []

    class Watching(ConstantAgent):
        def predict(self, obs):
            seen.append(obs.copy())
            if len(seen) == 30:
                pygame.event.post(pygame.event.Event(pygame.QUIT))
            return super().predict(obs)

    random.seed(7)
    stats = run_real_time_match(UserInputAgent(), Watching(), max_timesteps=30 * 999990000)
    assert len(seen) == 31 and stats.match_time == pytest.approx(31 / 30)
    assert seen[0][:2].tolist() == [5.0, 0.0] and seen[0][32:34].tolist() == [-5.0, 0.0]
    assert seen[-1][:2].tolist() == [5.0, 0.415520001497652]
    assert seen[-1][32:36].tolist() == [-0.40262746667948723, 2.671199999913056, 6.75, 3.5615999991787413]


@pytest.mark.parametrize("seed, total, match_time, damage, lives", [
    (1, 657.3706666666701, 29.566666666666666, 208, (3, 0)),
    (2, 388.93333333333294, 36.93333333333333, 159, (1, 0)),
])
def test_the_technical_guides_reward_manager_totals_a_match_as_there(seed, total, match_time, damage, lives):
    """The technical guide's reward functions and manager (tests/ai2_participants/user/guide_rewards.py) fed by
    `run_match(BasedAgent(), ConstantAgent(), max_timesteps=30 * 90, reward_manager=..., train_mode=True)` after
    `random.seed(seed)`: there the manager's total_reward and the match's stats were these, to the last bit."""
    import random
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent / "ai2_participants"))
    from user.guide_rewards import gen_reward_manager

    from arena.compat.ai2.environment.agent import BasedAgent, ConstantAgent, Result, run_match

    random.seed(seed)
    manager = gen_reward_manager()
    stats = run_match(BasedAgent(), ConstantAgent(), max_timesteps=30 * 90, reward_manager=manager, train_mode=True)
    assert manager.total_reward == total
    assert stats.match_time == match_time and stats.player1_result is Result.WIN
    assert (stats.player1.damage_done, stats.player2.damage_taken, stats.player1.damage_taken) == (damage, damage, 0)
    assert (stats.player1.lives_left, stats.player2.lives_left) == lives


def test_actions_come_in_the_competitions_number_types():
    """Agents build actions with `act_helper` (the rl-tutorial and the starter's agents do). There, after a
    reset, `act_helper.zeros()`, `obs_helper.zeros()` and `act_helper.press_keys(['d'])` were float64, and so
    was a BasedAgent's action; a ConstantAgent's was float32 (a zero of the action space's type)."""
    from arena.compat.ai2.environment.agent import BasedAgent, ConstantAgent, WarehouseBrawl

    env = WarehouseBrawl()
    observations, _ = env.reset()
    assert env.act_helper.zeros().dtype == np.float64 and env.obs_helper.zeros().dtype == np.float64
    assert env.act_helper.press_keys(["d"]).dtype == np.float64
    based, constant = BasedAgent(), ConstantAgent()
    based.get_env_info(env)
    constant.get_env_info(env)
    assert based.predict(observations[0]).dtype == np.float64
    assert constant.predict(observations[1]).dtype == np.float32 and not constant.predict(observations[1]).any()


def test_a_checkpoint_asked_for_but_missing_is_the_download_copied_where_it_was_asked_for(tmp_path, monkeypatch):
    """The technical guide's last cell builds `SubmittedAgent(file_path="checkpoints/experiment_6/rl_model_78576_steps")`.
    There, with no such file but the starter's rl-model.zip (what `_gdown()` returns) in the folder, seating the
    agent copied rl-model.zip to that path (folders made) and left `file_path` the copy's absolute path."""
    import sys
    from pathlib import Path

    import gymnasium

    PPO = pytest.importorskip("stable_baselines3", reason='the guide trains with it: pip install -e ".[train]"').PPO
    from arena.compat.ai2.environment.agent import WarehouseBrawl
    from arena.envs.fighting.observation import competition_observation_space

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent / "ai2_participants"))
    monkeypatch.delitem(sys.modules, "user.my_agent", raising=False)
    from user.my_agent import SubmittedAgent

    monkeypatch.chdir(tmp_path)
    spaces = gymnasium.Env()
    spaces.observation_space = competition_observation_space()
    spaces.action_space = gymnasium.spaces.Box(0, 1, (10,), np.float32)
    PPO("MlpPolicy", spaces, n_steps=64, batch_size=32).save("rl-model.zip")
    asked = "checkpoints/experiment_6/rl_model_78576_steps"
    agent = SubmittedAgent(file_path=asked)
    agent.get_env_info(WarehouseBrawl())
    assert agent.file_path == str(tmp_path / asked)
    assert (tmp_path / asked).read_bytes() == (tmp_path / "rl-model.zip").read_bytes()
    assert isinstance(agent.model, PPO)


def test_run_match_hands_both_agents_the_env_before_either_moves_as_there():
    """battle.py loads two submissions and calls run_match; an SB3 agent's get_env_info loads its model, which
    reseeds torch, numpy and random (SB3's set_random_seed with the model's saved seed), so when it happens
    decides both agents' moves. There, run_match(A, B, max_timesteps=2) called A.get_env_info,
    B.get_env_info, then A.predict, B.predict each frame, and never reset."""
    from arena.compat.ai2.environment.agent import ConstantAgent, run_match

    calls = []

    class Recording(ConstantAgent):
        def __init__(self, name):
            super().__init__()
            self.name = name

        def get_env_info(self, env):
            calls.append(f"{self.name}.get_env_info")
            super().get_env_info(env)

        def predict(self, obs):
            calls.append(f"{self.name}.predict")
            return super().predict(obs)

        def reset(self):
            calls.append(f"{self.name}.reset")

    run_match(Recording("A"), Recording("B"), max_timesteps=2)
    assert calls == ["A.get_env_info", "B.get_env_info", "A.predict", "B.predict", "A.predict", "B.predict"]
