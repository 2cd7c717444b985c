"""The AI² competition's modules on arena: participants' files run after changing only their imports.

`tests/ai2_participants/user/` holds files in the shape participants write, with `environment.`
replaced by `arena.compat.ai2.environment.`; these tests import and run them.
"""

import configparser
import importlib
import inspect
import json
import os
import pickle
import random
import runpy
import subprocess
import sys
import warnings
from pathlib import Path

import gymnasium
import numpy as np
import pytest

import arena.envs
from arena.envs import seat_view
from arena.envs.fighting import AttackState, ConstantAgent
from arena.envs.fighting import rules as R
from arena.envs.fighting.move_data import MOVES
from arena.envs.fighting.moves import MoveType, knockback_growth
from arena.envs.fighting.observation import competition_observation_space
from arena.match import play_match

REPO = Path(__file__).resolve().parents[1]
PARTICIPANTS = REPO / "tests" / "ai2_participants"
sys.path.insert(0, str(PARTICIPANTS))  # participants import their own files as `user.*`

pytest.importorskip("stable_baselines3")
train_agent = pytest.importorskip("user.train_agent")
my_agent = importlib.import_module("user.my_agent")
rule_agent = importlib.import_module("user.rule_agent")
collect_demos = importlib.import_module("user.collect_demos")
video_match = importlib.import_module("user.video_match")
overlay = importlib.import_module("user.overlay")
attack_probe = importlib.import_module("user.attack_probe")
wrapped_training = importlib.import_module("user.wrapped_training")

# The names the competition's star imports give, recorded from its source by tools/record_ai2_names.py.
STAR_NAMES = json.loads((Path(__file__).resolve().parent / "fixtures" / "ai2" / "star_names.json").read_text())


# The competition's declared observation bounds, per fighter (the opponent's 32 repeat them).
COMPETITION_LOW = [-1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + [-1, -1, 0] * 4 + [-1, -1, -1, -1]
COMPETITION_HIGH = [1, 1, 1, 1, 1, 1, 1, 2, 12, 1, 1, 1, 1, 3, 11, 2] + [1, 1, 3] * 4 + [1, 1, 1, 1]


def star(module: str) -> set[str]:
    namespace: dict = {}
    exec(f"from {module} import *", namespace)
    return set(namespace) - {"__builtins__"}


def importable(package: str) -> bool:
    try:
        importlib.import_module(package)
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("competition, ours", [("environment.environment", "arena.compat.ai2.environment.environment"),
                                               ("environment.agent", "arena.compat.ai2.environment.agent"),
                                               ("environment.agent", "arena.compat.ai2")])
def test_star_imports_give_every_name_the_competitions_give(competition, ours):
    recorded = STAR_NAMES[competition]
    namespace: dict = {}
    exec(f"from {ours} import *", namespace)
    # A library's names are offered where it is installed (load_results and ts2xy need pandas too).
    missing = {package for package in {info["origin"] for info in recorded.values()} - {"game"}
               if not importable(package)}
    expected = {name for name, info in recorded.items() if info["origin"] not in missing}
    if not importable("pandas"):
        expected -= {"load_results", "ts2xy"}
    assert expected - set(namespace) == set()
    kinds = {"class": inspect.isclass, "module": inspect.ismodule, "function": callable}
    # A name the recording took from a library is that library's own object here (typing.Any is a
    # class from Python 3.11 on, a special form on 3.10): compare it by identity, not by kind.
    def same_as_origin(name):
        origin = recorded[name]["origin"]
        return origin != "game" and getattr(importlib.import_module(origin), name, None) is namespace[name]
    assert {name for name in expected if recorded[name]["kind"] in kinds and not same_as_origin(name)
            and not kinds[recorded[name]["kind"]](namespace[name])} == set()
    assert len(expected) > 100


def test_star_imports_hand_out_the_libraries_and_the_games_classes():
    assert star("arena.compat.ai2") == star("arena.compat.ai2.environment.agent")
    assert star("arena.compat.ai2.environment.constants") == {"PLAYER_CAT", "GROUND_CAT", "WEAPON_CAT", "ALL_CATS"}
    namespace: dict = {}
    exec("from arena.compat.ai2 import *", namespace)
    assert namespace["np"] is np and namespace["spaces"] is gymnasium.spaces
    assert namespace["partial"].__name__ == "partial" and namespace["Optional"].__module__ == "typing"
    assert namespace["Agent"].__mro__[1] is arena.agents.Agent
    assert namespace["Stage"] is type(arena.envs.make("fighting").objects["platform1"])
    assert namespace["pymunk"].Vec2d(3, 4).length == 5  # reward code reads positions through it (the train extra)
    position = arena.envs.make("fighting").objects["player"].body.position
    assert isinstance(position, namespace["Vec2d"]) and namespace["Vec2d"](3, 4).length == 5  # without pymunk too
    assert namespace["cv2"].resize(np.ones((8, 6), np.uint8), (3, 4)).shape == (4, 3)  # training scripts shrink frames


def test_one_name_from_the_compat_package_imports_no_training_library():
    code = ("import sys; from arena.compat.ai2 import WarehouseBrawl, BasedAgent, Power; "
            "print(sorted(m for m in ('torch', 'stable_baselines3', 'matplotlib') if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_star_import_skips_the_libraries_that_are_not_installed():
    code = """
import importlib.abc, sys
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {"torch", "stable_baselines3", "sb3_contrib", "matplotlib", "tqdm"}:
            raise ImportError(name)
sys.meta_path.insert(0, Missing())
names = {}
exec("from arena.compat.ai2 import *", names)
print(sorted({"np", "partial", "WarehouseBrawl", "SelfPlayWarehouseBrawl", "PPO", "torch", "plt"} & set(names)))
"""
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.splitlines()[-1] == "['SelfPlayWarehouseBrawl', 'WarehouseBrawl', 'np', 'partial']"


def test_star_import_of_the_fighting_game_is_unchanged_by_the_compat_package():
    names = star("arena.envs.fighting")
    assert "np" not in names and "Power" not in names and "Agent" in names


def test_the_game_does_not_import_the_compat_layer():
    code = ("import sys, arena.envs.fighting; "
            "print(sorted(m for m in sys.modules if m.startswith('arena.compat')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


def test_facing_has_the_competitions_helpers():
    from arena.compat.ai2 import Facing

    assert Facing.flip(Facing.RIGHT) is Facing.LEFT and Facing.get_opposite_key(Facing.RIGHT) == "A"
    assert Facing.turn_check(Facing.LEFT, 0.5) and not Facing.turn_check(Facing.LEFT, -0.5)
    assert Facing.from_direction(-2) is Facing.LEFT and Facing.RIGHT.value == 1


def scripted_env(reward_manager=None):
    env = arena.envs.make("fighting", reward_manager=reward_manager)
    env.reset(seed=0)
    player, opponent = env.players
    player.body.x, opponent.body.x = 4.0, 4.8  # both on the right ground, facing each other
    for _ in range(30):  # they start in the air
        env.step({})
    assert player.is_on_floor() and opponent.is_on_floor()
    player.facing, opponent.facing = R.Facing.RIGHT, R.Facing.LEFT
    return env, player, opponent


def keys(*names: str) -> np.ndarray:
    return arena.envs.make("fighting").act_helper.press_keys(list(names))


def test_reward_functions_read_the_game_as_in_the_competition():
    env, player, opponent = scripted_env()
    jab = MOVES["Punch"][MoveType.NLIGHT]
    jab_damage = jab.powers[jab.initial].casts[0].base_damage
    env.step({"player_0": keys("j")})
    assert train_agent.jab_press_reward(env) == 1.0  # just pressed
    rewards = []
    for _ in range(30):
        env.step({"player_0": keys("j")})
        rewards.append(train_agent.damage_interaction_reward(env))
        if opponent.damage_taken_this_frame:
            break
    assert rewards[-1] == pytest.approx(jab_damage / 140) and rewards[:-1] == [0.0] * (len(rewards) - 1)
    assert train_agent.jab_press_reward(env) == 0.0  # held, not pressed again
    assert opponent.damage_taken_this_stock == jab_damage
    assert train_agent.risky_stock_reward(env) == pytest.approx(jab_damage * 0.001 / 30)
    assert train_agent.in_state_reward(env, AttackState) == pytest.approx(1 / 30)
    player.body.x = 12.0
    assert train_agent.edge_guard_reward(env) == pytest.approx(-1 / 30)  # stage_width_tiles // 2 - 3 = 11
    platform = env.objects["platform1"]
    player.body.x, player.body.y = platform.body.x + 0.9, platform.body.y - 0.5
    assert (platform.width, platform.height) == (2.0, 1.0)
    assert train_agent.on_platform_reward(env) == pytest.approx(1 / 30)
    player.body.y = 5.0
    assert train_agent.danger_zone_reward(env) == pytest.approx(-1 / 30)


def test_signals_reward_a_knockout_through_the_reward_manager():
    env, player, opponent = scripted_env(reward_manager=train_agent.gen_reward_manager())
    opponent.body.x = R.BLAST_X + 1
    _, rewards, *_, infos = env.step({})
    assert infos["player_0"]["reward_terms"]["on_knockout_reward"] == 8.0
    assert infos["player_1"]["reward_terms"]["on_knockout_reward"] == -8.0


def test_damage_this_stock_starts_again_after_a_knockout_and_key_status_follows_the_keys():
    env, player, opponent = scripted_env()
    for _ in range(30):
        env.step({"player_0": keys("j")})
    assert opponent.damage_taken_this_stock > 0
    opponent.body.x = R.BLAST_X + 1
    for _ in range(R.KO_FRAMES + 2):
        env.step({})
    assert opponent.stocks == 2 and opponent.damage_taken_this_stock == 0
    env.step({"player_0": keys("j")})
    env.step({"player_0": keys("h", "d")})
    status = player.input.key_status
    assert status["h"].just_pressed and status["D"].held and not status["j"].held and status["j"].just_released
    assert player.input.raw_horizontal == 1.0
    env.step({"player_0": keys("h")})
    assert player.input.key_status["h"].held and not player.input.key_status["h"].just_pressed
    assert player.state.jumps_left == player.jumps_left and player.state.recoveries_left == player.recoveries_left


def test_the_env_offers_the_competitions_stage_attributes():
    from arena.compat.ai2 import GameObject, MalachiteEnv

    env = arena.envs.make("fighting")
    env.reset(seed=3)
    assert (env.stage_width_tiles, env.stage_height_tiles) == (29.8, 16.8)
    assert all(isinstance(obj, GameObject) for obj in env.objects.values()) and isinstance(env, MalachiteEnv)
    while not env.get_spawner_info():
        env.step({})
    (name, (x, y)), *_ = env.get_spawner_info()
    assert name == "Random" and 2.5 < abs(x) < 7
    stats = env.get_stats(1)
    assert (stats.lives_left, stats.damage_taken) == (3, 0)


def test_rule_agent_reads_its_env_and_plays_matches_to_the_end():
    from arena.compat.ai2 import ConstantAgent, run_match

    agent = rule_agent.SubmittedAgent()
    result = play_match("fighting", [agent, ConstantAgent()], seed=1, max_steps=900)
    assert [a.status for a in result.agents] == ["ok", "ok"]
    assert agent.spawners_seen >= 1  # self.env.get_spawner_info() reached the game through its seat
    assert agent.frames_env_agrees > 600  # self.env.objects["player"] is the live fighter (off stage, obs clamp)
    stats = run_match(rule_agent.SubmittedAgent(), ConstantAgent(), max_timesteps=600)
    assert stats.match_time == 20.0 and stats.player1.damage_done > 0


def test_a_reward_managers_total_is_a_float_when_new_an_int_after_a_reset_as_there():
    from arena.compat.ai2 import RewardManager, RewTerm, WarehouseBrawl

    manager = RewardManager({"still": RewTerm(func=lambda env: 0.0, weight=1.0)}, {})
    shown = [repr(manager.total_reward)]
    manager.reset()
    shown.append(repr(manager.total_reward))  # a log line printing it shows 0 there
    env = WarehouseBrawl()
    env.reset()
    manager.process(env, 1 / 30)
    assert [*shown, repr(manager.total_reward)] == ["0.0", "0", "0.0"]


def test_match_agents_see_the_spaces_and_helper_bounds_the_competitions_env_declares(monkeypatch):
    # There, run_match and run_real_time_match hand each agent the env itself: an agent normalising by
    # `self.observation_space` or `self.obs_helper` bounds reads the same numbers as in training.
    import pygame

    from arena.compat.ai2 import ConstantAgent, WarehouseBrawl, run_match, run_real_time_match

    declared = WarehouseBrawl().observation_space
    seen = []

    class Normalising(ConstantAgent):
        def _initialize(self):
            seen.append((self.observation_space, self.obs_helper.get_as_box(), self.obs_helper.sections))

    run_match(Normalising(), Normalising(), max_timesteps=2)
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: _Pressed(set()))
    run_real_time_match(Normalising(), Normalising(), max_timesteps=2)
    assert declared == competition_observation_space() and len(seen) == 4
    assert declared.low.tolist() == COMPETITION_LOW * 2 and declared.high.tolist() == COMPETITION_HIGH * 2
    for space, helper_box, sections in seen:
        assert space == declared and helper_box == declared
        assert sections["opponent_pos"] == (32, 34) and sections["player_weapon_type"] == (15, 16)


def test_run_matchs_reward_terms_read_the_action_each_agent_returned_as_it_returned_it():
    # The competition's fighters keep the agent's own object: its template term `(cur_action > 0.5).sum()`
    # fails on an agent returning a list, in run_match as in training.
    from arena.compat.ai2 import ConstantAgent, RewardManager, RewTerm, run_match

    class ListAgent(ConstantAgent):
        def predict(self, obs):
            return [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]

    seen = []

    def keys_held(env) -> float:
        seen.append((env.objects["player"].cur_action, env.cur_action[1]))
        return float((env.objects["player"].cur_action > 0.5).sum())

    manager = RewardManager({"keys": RewTerm(func=keys_held, weight=1.0)}, {})
    stats = run_match(ConstantAgent(), ListAgent(), max_timesteps=30, reward_manager=manager)
    assert stats.match_time == 1.0 and manager.total_reward == 0
    assert all(isinstance(theirs, list) for _, theirs in seen) and len(seen) == 30
    with pytest.raises(TypeError):
        run_match(ListAgent(), ConstantAgent(), max_timesteps=30, reward_manager=RewardManager(
            {"keys": RewTerm(func=keys_held, weight=1.0)}, {}))
    # In training, an opponent's list too.
    from arena.compat.ai2 import OpponentsCfg, SelfPlayWarehouseBrawl

    seen.clear()
    training = SelfPlayWarehouseBrawl(reward_manager=RewardManager({"keys": RewTerm(func=keys_held, weight=1.0)}, {}),
                                      opponent_cfg=OpponentsCfg(opponents={"lists": (1.0, ListAgent)}))
    training.reset(seed=0)
    training.step(np.zeros(10, np.float32))
    assert isinstance(seen[-1][1], list) and training.raw_env.objects["opponent"].cur_action is seen[-1][1]


def test_reward_terms_in_training_read_the_weapon_spawners_of_the_match_being_played():
    from arena.compat.ai2 import OpponentsCfg, RewardManager, RewTerm, SelfPlayWarehouseBrawl

    frames = []

    def weapons_shown(env) -> float:
        lying = {id(weapon) for weapon in env.objects.values() if type(weapon).__name__ == "WeaponGO"}
        spawners = env.weapon_controller.spawners
        shown = [s for s in spawners if s.active_weapon is not None]
        assert spawners[:2] == env.weapon_spawners and {id(s.active_weapon) for s in shown} == lying
        assert [[s.active_weapon.name if type(s).__name__ == "DroppedWeaponSpawner" else "Random", s.world_pos]
                for s in shown] == env.get_spawner_info()
        frames.append([(s.id, s.flag, s.active_weapon.frames_alive(env.steps)) for s in shown])
        return 0.0

    training = SelfPlayWarehouseBrawl(reward_manager=RewardManager({"w": RewTerm(func=weapons_shown, weight=1.0)}, {}),
                                      opponent_cfg=OpponentsCfg(opponents={"idle": (1.0, ConstantAgent)}))
    training.reset(seed=3)
    for _ in range(400):
        training.step(np.zeros(10, np.float32))
    shown = [frame for frame in frames if frame]
    assert len(frames) == 400 and shown  # a weapon shows within 350 frames of the start
    first = shown[0][0]
    assert first[1:] == (False, 0)  # just shown: not yet to be taken
    assert (first[0], True, R.SPAWN_SHOW_FRAMES) in {entry for frame in shown for entry in frame}


def test_a_checkpoint_saved_with_the_competitions_space_loads_and_resumes_training(tmp_path):
    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import DummyVecEnv

    from arena.compat.ai2 import SelfPlayWarehouseBrawl

    space = competition_observation_space()
    assert space.low.tolist() == COMPETITION_LOW * 2 and space.high.tolist() == COMPETITION_HIGH * 2
    path = tmp_path / "rl_model_64_steps.zip"
    PPO("MlpPolicy", _CompetitionSpaces(space), n_steps=64, batch_size=32).save(path)
    # The competition's training env declares its space: SB3 loads the model straight onto it.
    env = SelfPlayWarehouseBrawl(reward_manager=train_agent.gen_reward_manager())
    assert env.observation_space == space
    PPO.load(path, env=env).learn(total_timesteps=64)
    # arena's own envs declare the values' real ranges: a bare SB3 load refuses them ...
    arena_env = gymnasium.make("arena/Fighting-v0", opponent=ConstantAgent())
    with pytest.raises(ValueError, match="Observation spaces do not match"):
        PPO.load(path).set_env(DummyVecEnv([lambda: arena_env]))
    # ... while a competition agent adopts the env's space when it loads, and trains on.
    agent = my_agent.SubmittedAgent(file_path=str(path))
    agent.get_env_info(arena_env)
    assert agent.model.observation_space == arena_env.observation_space
    agent.learn(arena_env, total_timesteps=64, log_interval=1)
    assert agent.model.num_timesteps >= 64
    observation, _ = arena_env.reset(seed=0)
    assert arena_env.action_space.contains(np.asarray(agent.predict(observation), np.float32))


QRDQN_BY_POSITION = """
import sys
import gymnasium, sb3_contrib, stable_baselines3
from arena.envs.fighting import ConstantAgent
from arena.match import play_match
from user import qrdqn_agent

env = gymnasium.make("arena/Fighting-v0", opponent=ConstantAgent())
agent = qrdqn_agent.SubmittedAgent()
agent.get_env_info(env)
agent.learn(env, total_timesteps=64, log_interval=1)
agent.save(sys.argv[1])
loaded = qrdqn_agent.SubmittedAgent(file_path=sys.argv[1] + ".zip")
loaded.get_env_info(env)
mine = play_match("fighting", [loaded, ConstantAgent()], seed=0, max_steps=60).agents[0]
print(stable_baselines3.__version__, sb3_contrib.__version__, gymnasium.__version__, loaded.model.num_timesteps,
      mine.status, mine.moves)
"""


# What pip says where no package index answers (offline), rather than of the pins themselves.
UNREACHABLE_INDEX = ("(from versions: none)", "NewConnectionError", "Failed to establish a new connection")


def _ai2_extra_pins() -> list[str]:
    """The exact versions setup.cfg's ai2 extra names (the competition's), other than arena's own extras."""
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    lines = config["options.extras_require"]["ai2"].split()
    return [line for line in lines if "==" in line]


@pytest.mark.slow
def test_an_agent_subclassing_qrdqn_with_arguments_by_position_trains_on_the_competitions_versions(tmp_path):
    """From 2.7 on, sb3-contrib's QRDQN takes n_steps where such an agent passes target_update_interval; with the
    ai2 extra's versions (installed beside this arena for the test) it trains, saves, loads and plays."""
    pins = _ai2_extra_pins()
    pinned = tmp_path / "pinned"
    installed = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(pinned),
                                *pins], capture_output=True, text=True, timeout=600)
    if installed.returncode != 0 and any(sign in installed.stderr for sign in UNREACHABLE_INDEX):
        pytest.skip(f"the competition's versions cannot be installed here, no package index being in reach: "
                    f"{installed.stderr.strip().splitlines()[-1]}")
    assert installed.returncode == 0, installed.stderr
    path = os.pathsep.join([str(pinned), str(PARTICIPANTS), os.environ.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", QRDQN_BY_POSITION, str(tmp_path / "qrdqn")], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "PYTHONPATH": path}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    versions = dict(pin.split("==") for pin in pins)
    expected = [versions["stable-baselines3"], versions["sb3-contrib"], versions["gymnasium"], "64", "ok", "60"]
    assert done.stdout.split() == expected


class _CompetitionSpaces(gymnasium.Env):
    """The spaces the competition's training env declares, to make a model as it saves them."""

    def __init__(self, observation_space):
        self.observation_space = observation_space
        self.action_space = gymnasium.spaces.Box(0, 1, (10,), np.float32)


def test_a_missing_checkpoint_starts_a_fresh_model_and_near_misses_are_found(tmp_path, monkeypatch):
    from stable_baselines3 import PPO

    monkeypatch.chdir(tmp_path)
    env = arena.envs.make("fighting")
    observations, _ = env.reset(seed=0)
    agent = my_agent.SubmittedAgent(file_path="checkpoints/never_saved.zip")
    with pytest.warns(UserWarning, match="starting from a fresh model"):
        agent.get_env_info(seat_view(env, "player_0", 0))
    assert agent.file_path is None and isinstance(agent.model, PPO)
    assert env.action_space("player_0").contains(np.asarray(agent.predict(observations["player_0"]), np.float32))
    (tmp_path / "checkpoints").mkdir()
    agent.save(str(tmp_path / "checkpoints" / "best"))  # SB3 adds .zip
    found = my_agent.SubmittedAgent(file_path="best")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        found.get_env_info(seat_view(env, "player_1", 0))
    assert found.file_path == str(tmp_path / "checkpoints" / "best.zip")
    offline = _Offline(file_path="gone.zip")
    with pytest.warns(UserWarning) as caught:
        offline.get_env_info(seat_view(env, "player_0", 0))
    messages = [str(w.message) for w in caught]
    assert messages[0].startswith("_gdown() failed: ConnectionError") and "fresh model" in messages[1]
    assert offline.file_path is None and isinstance(offline.model, PPO)


class _Offline(my_agent.SubmittedAgent):
    """A submission whose download cannot reach the network, as in a match."""

    def _gdown(self) -> str:
        raise ConnectionError("drive.google.com: name resolution failed")


def test_training_script_trains_against_its_opponents_and_saves_checkpoints(tmp_path):
    agent, save_handler = train_agent.main(train_timesteps=128, save_path=str(tmp_path))
    assert agent.model.num_timesteps >= 128
    assert sorted(p.name for p in (tmp_path / "experiment_9").glob("*.zip"))


def test_a_training_loop_reaches_the_training_env_through_unwrapped_under_its_wrappers(tmp_path):
    agent, base_env = wrapped_training.main(train_timesteps=128, save_path=str(tmp_path))
    assert isinstance(base_env, wrapped_training.SelfPlayWarehouseBrawl)  # a gymnasium.Env of its own there
    assert base_env.unwrapped is base_env and base_env.raw_env.objects["player"] is not None
    assert agent.model.num_timesteps >= 128
    assert agent.model.observation_space.shape == (68,)  # the wrapper's observation
    assert (tmp_path / "moves" / "monitor.csv").is_file()
    assert list((tmp_path / "moves").glob("*.zip"))  # on_training_end saved the agent


def test_a_training_script_shortens_the_training_envs_matches_through_raw_env(tmp_path):
    wrapped_training.main(train_timesteps=300, save_path=str(tmp_path), fast_mode=True)
    lengths = [int(line.split(",")[1]) for line in (tmp_path / "moves" / "monitor.csv").read_text().splitlines()[2:]]
    assert lengths == [90, 90, 90]  # as there: `raw_env.max_timesteps` set after the env is made and reset


def test_pvp_match_plays_the_keyboard_against_an_agent_until_the_window_closes(monkeypatch, tmp_path):
    import pygame

    monkeypatch.chdir(tmp_path)  # no rl-model.zip here: the opponent is a fresh model
    frames = []

    def pressed():
        frames.append(len(frames))
        if len(frames) == 45:
            pygame.event.post(pygame.event.Event(pygame.QUIT))
        return _Pressed({pygame.K_d})

    monkeypatch.setattr(pygame.key, "get_pressed", pressed)
    stats = runpy.run_path(str(PARTICIPANTS / "user" / "pvp_match.py"))["stats"]
    assert stats.match_time == pytest.approx(46 / 30)  # as there, the frame the window closed on is played


class _Pressed:
    def __init__(self, held):
        self.held = held

    def __getitem__(self, key):
        return key in self.held


def test_seat_view_reads_the_game_but_cannot_drive_it():
    env = arena.envs.make("fighting")
    env.reset(seed=0)
    view = seat_view(env, "player_0", 0)
    assert isinstance(view, gymnasium.Env) and view.objects["player"] is env.players[0]
    assert view.get_spawner_info() == env.get_spawner_info() and view.fps == 30
    with pytest.raises(RuntimeError, match="cannot be stepped"):
        view.step(np.zeros(10))
    with pytest.raises(AttributeError):
        view.no_such_attribute  # noqa: B018

    sent = pickle.loads(pickle.dumps(view))  # to another process: the spaces go, the match stays
    assert sent.observation_space == view.observation_space and sent.game is None


def test_power_cast_and_capsules_read_the_competitions_move_data():
    from arena.compat.ai2 import Capsule, CapsuleCollider, Power, m_state_to_move
    from arena.compat.ai2.moves import CompactMoveState

    data = {"powerID": 3, "recovery": 20, "fixedRecovery": 6, "stunTime": 12, "onHitNextPowerIndex": -1,
            "casts": [{"startupFrames": 8, "attackFrames": 6, "baseDamage": 7, "fixedForce": 4.0,
                       "variableForce": 2.0, "hitboxes": [[10, 0, 40, 20]]}]}
    power = Power.get_power(data)
    (cast,) = power.casts
    assert (cast.startup_frames, cast.attack_frames, power.stun_time, power.recovery_frames) == (4, 3, 6, 3 + 7)
    assert power.last_power
    hit = type("Hit", (), {"damage": 63.0})()
    assert power.get_force_magnitude(cast, hit, 7) == pytest.approx(4.0 + 2.0 * (70 / 70 + 70**2 / 12000))
    assert Capsule.get_hitbox_size(320, 160) == pytest.approx((2.048, 1.024))
    box = Capsule.collider([0, 0, 320, 160], (1.0, 0.0))
    assert box.intersects(CapsuleCollider((2.4, 0.0), 1, 1)) and not box.intersects(CapsuleCollider((2.6, 0.0), 1, 1))
    assert CapsuleCollider((0, 0), 1, 3).intersects(CapsuleCollider((0, 1.9), 1, 1))
    assert not CapsuleCollider((0, 0), 1, 3).intersects(CapsuleCollider((0.55, 1.45), 0.4, 0.4))  # by the rounded end
    assert m_state_to_move[CompactMoveState(False, True, 1)] is MoveType.GROUNDPOUND


def test_load_attacks_gives_the_games_own_moves_in_the_competitions_data_format():
    from arena.compat.ai2 import Capsule, Power, WarehouseBrawl

    class Simulator:  # a participant's agent that predicts attacks from the move data
        pass

    agent = Simulator()
    WarehouseBrawl.load_attacks(agent)
    assert agent.keys["Groundpound"] is MoveType.GROUNDPOUND
    for weapon, documents in (("Punch", agent.attacks), ("Spear", agent.spear_attacks),
                              ("Hammer", agent.hammer_attacks)):
        for move_type, data in documents.items():
            played = MOVES[weapon][move_type]  # what the game plays
            assert data["move"]["initialPowerIndex"] == played.initial
            for power_data, game_power in zip(data["powers"], played.powers, strict=True):
                power = Power.get_power(power_data)
                assert (power.recovery_frames, power.stun_time) == (game_power.recovery_frames, game_power.stun_time)
                for cast, game_cast in zip(power.casts, game_power.casts, strict=True):
                    assert (cast.startup_frames, cast.attack_frames, cast.base_damage, cast.fixed_force) == (
                        game_cast.startup_frames, game_cast.attack_frames, game_cast.base_damage,
                        game_cast.fixed_force)
                    boxes = [(*Capsule.get_hitbox_offset(h["xOffset"], h["yOffset"]),
                              *Capsule.get_hitbox_size(h["width"], h["height"])) for h in cast.hitboxes]
                    assert boxes == game_cast.hitboxes
    spear = Power.get_power(agent.spear_attacks[MoveType.SSIG]["powers"][2])
    strike = spear.casts[0]
    victim = type("Victim", (), {"damage": 40.0})()
    growth = knockback_growth(40.0 + strike.base_damage)
    assert spear.get_force_magnitude(strike, victim, strike.base_damage) == pytest.approx(
        strike.fixed_force + strike.variable_force * growth)


def test_a_cast_reads_its_frame_changes_with_the_games_vertical_direction():
    from arena.compat.ai2 import Cast, CasterVelocitySetXY

    cast = Cast({"frameChanges": [{"frame": 6, "casterVelocitySetXY": {"magnitudeX": 3.0, "magnitudeY": 2.0,
                                                                       "activeY": True}}]})
    change = cast.get_frame_data(3)
    assert change.caster_velocity_set_xy == CasterVelocitySetXY(3.0, 2.0, False, True)
    assert change.caster_velocity_set_xy.magnitudeY == -2.0  # up in the data is -y in the game
    assert change.hit_pos_set_xy is None and not change.caster_position_change.active
    assert cast.get_frame_data(2) is None


def test_horizontal_state_remembers_which_of_a_and_d_went_down_last():
    from arena.compat.ai2 import HorizontalState, PlayerInputHandler

    handler = PlayerInputHandler()
    a, d, both = ([float(k in held) for k in range(10)] for held in ((1,), (3,), (1, 3)))  # A is key 1, D key 3
    handler.update(a)
    handler.update(both)
    assert handler.horizontal_state is HorizontalState.LEFT_RIGHT and handler.horizontal_state.get_last_int() == 1
    handler.update(d)
    assert handler.horizontal_state is HorizontalState.RIGHT and handler.raw_horizontal == 1.0


def test_a_reset_with_a_seed_draws_from_random_as_the_competitions_env_does():
    """The competition's `reset(seed=...)` keeps the seed and draws from Python's `random` all the same: a
    script seeding `random` before each reset with a fixed seed plays the competition's match for each
    (fighter 0's side, and the next draw after the reset, recorded from the competition's env)."""
    from arena.compat.ai2 import WarehouseBrawl

    env = WarehouseBrawl(train_mode=True)
    seen = []
    for seed in (1, 2):
        random.seed(seed)
        observations, _ = env.reset(seed=42)
        seen.append((float(observations[0][0]), round(random.random(), 6)))
    assert env.seed == 42
    assert seen == [(-5.0, 0.472245), (5.0, 0.853834)]


def test_the_competitions_env_class_keys_fighters_0_and_1_and_declares_its_spaces():
    from arena.compat.ai2 import CameraResolution, RenderMode, WarehouseBrawl

    env = WarehouseBrawl(mode=RenderMode.RGB_ARRAY, resolution=CameraResolution.LOW, train_mode=True)
    assert env.agents == [0, 1] and env.max_timesteps == 30 * 300 and env.steps == 0  # already reset
    assert env.observation_space == competition_observation_space() == env.observation_spaces[1]
    assert env.action_space == gymnasium.spaces.Box(0, 1, (10,), np.float32) == env.action_spaces[0]
    assert env.obs_helper.sections == arena.envs.make("fighting").obs_helper.sections
    assert env.obs_helper.get_as_box() == env.observation_space and env.act_helper.sections["space"] == 4
    observations, info = env.reset(seed=7)
    assert sorted(observations) == [0, 1] and info == {}
    assert np.array_equal(observations[0][:32], observations[1][32:])
    env.max_timesteps = 40  # takes effect in the match under way
    jab = env.act_helper.press_keys(["j"])
    for _ in range(40):
        observations, rewards, terminated, truncated, info = env.step({0: jab, 1: env.act_helper.zeros()})
    assert (terminated, truncated, info) == (False, True, {}) and rewards is env.rewards
    assert abs(rewards[0]) < 1e-6 and rewards[1] == 0  # the fighters' own reward for moving: standing, next to none
    assert env.players[0].cur_action[7] == 1 and env.cur_action[0] is jab
    keys = [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]  # an agent's list: its fighter keeps it, so reward code reads what it gave
    env.step({0: jab, 1: keys})
    assert env.objects["player"].cur_action is jab and env.objects["opponent"].cur_action is keys
    with pytest.raises(TypeError):  # as the competition's template term fails on such an agent
        (env.objects["opponent"].cur_action > 0.5).sum()
    before = dict(env.rewards)
    env.add_reward(1, 0.5)
    assert env.rewards == {0: before[0], 1: before[1] + 0.5}
    again = WarehouseBrawl()
    random.seed(7)
    replayed = again.reset()[0][0]
    random.seed(7)
    assert np.array_equal(replayed, env.reset()[0][0])  # seeding random replays the match
    picture = env.render()  # as the competition's camera: turned and mirrored
    assert picture.shape == (720, 480, 3)
    assert np.array_equal(np.fliplr(np.rot90(picture, k=-1)), env.rgb_frame())
    env.agent_1_name = "mine"
    assert (env.agent_1_name, env.agent_2_name) == ("mine", "Team 2")
    env.close()


def test_fighters_offer_the_competitions_state_tables_and_their_half_of_the_observation():
    from arena.compat.ai2 import DodgeState, KOState, WarehouseBrawl

    env = WarehouseBrawl(train_mode=True)
    observations, _ = env.reset(seed=3)
    keys = np.random.default_rng(3)
    for _ in range(90):
        observations, *_ = env.step({0: keys.integers(0, 2, 10).astype(np.float32), 1: env.act_helper.zeros()})
    player, opponent = env.objects["player"], env.objects["opponent"]
    assert np.array_equal(player.get_obs(), observations[0][:32])  # float64, as there
    assert np.array_equal(opponent.get_obs(), observations[1][:32])
    assert player.states_types["dodge"] is DodgeState and player.states_types["KO"] is KOState
    assert len(player.states_types) == 13 and isinstance(player.state, tuple(player.states_types.values()))
    assert player.state != player.states_types.get(player.state.name)  # a state is not its class, as there
    assert player.state_mapping["KOState"] == 11 and player.state_mapping[type(player.state).__name__] == observations[0][8]
    assert player.weapon_mapping == {"Punch": 0, "Spear": 1, "Hammer": 2}


def test_fighters_and_the_env_offer_the_competitions_parameters_and_end_flag():
    from arena.compat.ai2 import WarehouseBrawl

    env = WarehouseBrawl(train_mode=True)
    env.reset(seed=1)
    player = env.objects["player"]
    # The values the competition's Player sets, under its names: reward code normalises by them.
    assert (player.move_speed, player.run_speed, player.dash_speed, player.backdash_speed) == (6.75, 8, 10, 4)
    assert (player.jump_speed, player.max_fall_speed, player.bounce_coef) == (8.9, 12, 0.7)
    assert (player.dodge_time, player.grounded_dodge_cooldown, player.air_dodge_cooldown) == (10, 30, 82)
    assert (player.invincible_time, player.dash_time, player.backdash_time, player.taunt_time) == (90, 9, 7, 30)
    assert player.fast_fall_ease == pytest.approx(14.25 / 30) and player.on_platform is None
    assert player.delta == env.dt and player.mass == 1
    assert env.terminated is False
    # Knocked out three times by stepping off the stage: terminated as the step returns it.
    keys = env.act_helper.press_keys(["d"]) if player.body.position.x > 0 else env.act_helper.press_keys(["a"])
    ended = []
    while not ended:
        *_, terminated, truncated, _ = env.step({0: keys, 1: env.act_helper.zeros()})
        assert env.terminated is terminated
        ended = [env.steps] if terminated or truncated else []
    assert env.terminated and player.stocks == 0


def test_positions_and_velocities_answer_every_vector_method_as_pymunks_vec2d_does():
    pymunk = pytest.importorskip("pymunk")
    from arena.compat.ai2 import WarehouseBrawl

    env = WarehouseBrawl(train_mode=True)
    env.reset(seed=5)
    player, opponent = env.objects["player"], env.objects["opponent"]
    vectors = []
    for step in range(90):  # positions and velocities of fighters falling, landing and running
        env.step({0: env.act_helper.press_keys(["d", "space"] if step % 30 < 5 else ["d"]),
                  1: env.act_helper.press_keys(["a"])})
        vectors += [player.body.position, player.body.velocity, opponent.body.position, opponent.body.velocity]
    assert type(vectors[0]).__name__ == "Vec2d" and repr(vectors[0]).startswith("Vec2d(")
    rng = random.Random(0)
    vectors += [type(vectors[0])(rng.uniform(-9, 9), rng.uniform(-9, 9)) for _ in range(200)]
    vectors.append(type(vectors[0])(0.0, 0.0))
    names = ["length", "angle", "angle_degrees", "int_tuple", "get_length_sqrd", "normalized", "normalized_and_length",
             "perpendicular", "perpendicular_normal"]
    with_other = ["get_distance", "get_dist_sqrd", "dot", "cross", "projection", "get_angle_between",
                  "get_angle_degrees_between", "cpvrotate", "cpvunrotate"]
    warnings.filterwarnings("ignore", "Vec2d.get_length_sqrd|get_dist_sqrd", DeprecationWarning)  # pymunk 7's renames
    for ours, other in zip(vectors, vectors[1:] + vectors[:1]):
        theirs, angle = pymunk.Vec2d(*ours), rng.uniform(-7, 7)
        for name in names:  # the same floats, to the last bit
            assert _called(getattr(ours, name)) == _called(getattr(theirs, name)), name
        for name in with_other:
            assert getattr(ours, name)(other) == getattr(theirs, name)(pymunk.Vec2d(*other)), name
        assert ours.rotated(angle) == theirs.rotated(angle) and ours.rotated_degrees(angle) == theirs.rotated_degrees(angle)
        assert ours.interpolate_to(other, 0.3) == theirs.interpolate_to(other, 0.3)
        if ours.length:
            assert ours.scale_to_length(2.5) == theirs.scale_to_length(2.5)
            assert other.convert_to_basis(ours, ours.perpendicular()) == \
                pymunk.Vec2d(*other).convert_to_basis(theirs, theirs.perpendicular())
    zero = vectors[-1]
    assert (zero.zero(), zero.unit(), zero.ones()) == (pymunk.Vec2d.zero(), pymunk.Vec2d.unit(), pymunk.Vec2d.ones())


def _called(attribute):
    """A method's value, called without arguments, or a property's."""
    return attribute() if callable(attribute) else attribute


def test_reward_code_reads_positions_weapons_and_facing_as_the_competitions_engine_gives_them():
    from arena.compat.ai2 import Facing, WarehouseBrawl

    env = WarehouseBrawl(train_mode=True)
    env.reset(seed=2)
    player, opponent = env.objects["player"], env.objects["opponent"]
    # Positions and velocities are vectors, as pymunk's are; bodies never turn.
    gap = player.body.position - opponent.body.position
    assert gap.length == pytest.approx(10.0) == player.body.position.get_distance(opponent.body.position)
    assert abs(2 * player.body.velocity) == 0.0 and (gap / 2).x == pytest.approx(gap.x / 2)
    assert player.body.angular_velocity == 0.0 and player.body.angle == 0.0
    # A plain enum there: a facing never equals a number.
    assert player.facing != 1 and player.facing != -1 and int(player.facing) in (1, -1)
    assert str(Facing.RIGHT) == "Facing.RIGHT" and Facing.get_int(Facing.LEFT) == -1
    # A weapon shown over a spawner is also an object named for its weapon and spawner.
    while not env.get_spawner_info():
        env.step({0: env.act_helper.zeros(), 1: env.act_helper.zeros()})
    [(_, (x, y))] = env.get_spawner_info()
    [(key, weapon)] = [(k, o) for k, o in env.objects.items() if getattr(o, "name", None) in ("Spear", "Hammer")]
    assert key == f"{weapon.name}{0 if x > 0 else 1}"
    assert tuple(weapon.body.position) == pytest.approx((x, y)) and weapon.world_pos == pytest.approx([x, y])
    from arena.compat.ai2.environment.environment import GameObject, WeaponGO

    assert isinstance(weapon, WeaponGO) and isinstance(weapon, GameObject)
    box = weapon.shape.cache_bb()  # 40 x 16 pixels at LOW's 48 a unit, 0.5 taller
    assert (box.right - box.left, box.top - box.bottom) == pytest.approx((40 / 48, 16 / 48 + 0.5))
    # It settles on the ground below it, pushed up out of it; the observation keeps where it appeared.
    for _ in range(40):
        env.step({0: env.act_helper.zeros(), 1: env.act_helper.zeros()})
    assert env.objects[key] is weapon and weapon.body.position.y == pytest.approx(y - 0.1667, abs=1e-3)
    assert env.get_spawner_info() == [["Random", [x, y]]]


def weapon_category_objects(env) -> list[str]:
    """Reward code's way to find weapons: objects whose shape's collision filter has the weapon bit."""
    from pymunk import ShapeFilter

    from arena.compat.ai2.environment.constants import WEAPON_CAT

    found = []
    for name, obj in env.objects.items():
        shape_filter = getattr(getattr(obj, "shape", None), "filter", None)
        if isinstance(shape_filter, ShapeFilter) and shape_filter.categories & WEAPON_CAT:
            found.append(name)
    return found


def test_shapes_carry_the_competitions_collision_filters_and_types():
    pytest.importorskip("pymunk")
    from arena.compat.ai2 import WarehouseBrawl

    env = WarehouseBrawl(train_mode=True)
    env.reset(seed=3)
    # (collision type, filter categories, filter mask, elasticity, friction), read from the competition's shapes
    everything, not_weapons = 0xFFFFFFFF, 0xFFFFFFFF & ~4
    expected = {"ground1": (1, 2, everything, 0.0, 0.7), "ground2": (1, 2, everything, 0.0, 0.7),
                "platform1": (6, everything, everything, 0.0, 0.9),  # its filter left at pymunk's default
                "player": (3, 1, not_weapons, 0.0, 0.7), "opponent": (4, 1, not_weapons, 0.0, 0.7)}
    for name, (kind, categories, mask, elasticity, friction) in expected.items():
        obj = env.objects[name]
        shape = obj.shape
        assert (shape.collision_type, shape.filter.group, shape.filter.categories, shape.filter.mask) == (
            kind, 0, categories, mask), name
        assert (shape.elasticity, shape.friction, shape.sensor) == (elasticity, friction, False), name
        assert shape.owner is obj and shape.body is obj.body and shape.bb == shape.cache_bb()
    # The platform's default filter passes a weapon test, as it does there: it is what such code finds
    # until a weapon shows.
    assert weapon_category_objects(env) == ["platform1"]
    while not env.get_spawner_info():
        env.step({0: env.act_helper.zeros(), 1: env.act_helper.zeros()})
    [weapon_key] = [key for key in weapon_category_objects(env) if key != "platform1"]
    weapon = env.objects[weapon_key]
    assert weapon.name in ("Spear", "Hammer") and weapon.shape.owner is weapon
    assert (weapon.shape.collision_type, weapon.shape.filter.categories, weapon.shape.filter.mask) == (5, 4, 2)
    assert (weapon.shape.elasticity, weapon.shape.friction) == (1.0, 1e11)


@pytest.mark.parametrize("logging", ["NONE", "PLOT"])
def test_train_hands_the_learner_and_its_opponents_the_training_env_as_there(logging, tmp_path):
    """The competition's train() hands `get_env_info` its SelfPlayWarehouseBrawl itself, unwrapped, and so
    does its opponents config: agents whose `get_env_info` is written as the competition's (it reads
    `obs_helper` off the env) train there, as one reading `self.env.raw_env` in `_initialize` does."""
    from functools import partial

    from arena.compat.ai2.environment.agent import (
        PPO, Agent, CameraResolution, Monitor, OpponentsCfg, RewardManager, SaveHandler, SaveHandlerMode,
        SelfPlayWarehouseBrawl, TrainLogging, train,
    )

    handed = []

    class ReadsTheEnvsHelpers(Agent):
        def get_env_info(self, env):  # the shape of the competition's own Agent.get_env_info
            self_env = env.env if isinstance(env, Monitor) else env
            self.observation_space, self.obs_helper = self_env.observation_space, self_env.obs_helper
            self.action_space, self.act_helper = self_env.action_space, self_env.act_helper
            self.env = env
            handed.append(env)
            self._initialize()
            self.initialized = True

        def _initialize(self):
            self.stage = self.env.raw_env.objects["platform1"]

        def predict(self, obs):
            return self.act_helper.press_keys(["d"])

    class Learner(ReadsTheEnvsHelpers):
        def _initialize(self):
            super()._initialize()
            self.model = PPO("MlpPolicy", self.env, n_steps=64, batch_size=64, verbose=0)

        def learn(self, env, total_timesteps, log_interval=1, verbose=0):
            self.model.set_env(env)
            self.model.learn(total_timesteps=total_timesteps)

        def save(self, file_path):
            self.model.save(file_path)

    learner = Learner()
    saves = SaveHandler(agent=learner, save_path=str(tmp_path), run_name="run", mode=SaveHandlerMode.FORCE)
    opponents = OpponentsCfg(opponents={"reader": (1.0, partial(ReadsTheEnvsHelpers))})
    train(learner, RewardManager({}, {}), saves, opponents, CameraResolution.LOW, train_timesteps=64,
          train_logging=getattr(TrainLogging, logging))
    assert learner.model.num_timesteps >= 64
    training_env, opponents_env, *_ = handed
    assert isinstance(training_env, SelfPlayWarehouseBrawl) and opponents_env is training_env
    assert learner.obs_helper is training_env.obs_helper and learner.stage is not None


def test_the_opponents_config_draws_opponents_as_the_competitions_does(capsys, tmp_path):
    import random
    from functools import partial

    from arena.compat.ai2 import BasedAgent, ConstantAgent, OpponentsCfg, SelfPlayRandom, SelfPlayWarehouseBrawl

    self_play = SelfPlayRandom(partial(ConstantAgent))
    config = OpponentsCfg(opponents={"constant_agent": (2.0, partial(ConstantAgent)),
                                     "based_agent": (1.0, partial(BasedAgent)), "self_play": (1.0, self_play)})
    env = SelfPlayWarehouseBrawl(opponent_cfg=config)
    # The env hands the config itself and scales the weights, saying so, as there.
    assert config.env is env and self_play.env is env
    assert [weight for weight, _ in config.opponents.values()] == [0.5, 0.25, 0.25]
    assert "Probabilities do not sum to 1 (current sum = 4.0). Normalizing" in capsys.readouterr().out
    config.process()
    random.seed(0)
    with pytest.raises(RuntimeError, match="self-play needs a SaveHandler"):
        while True:  # until self-play comes up, which has nothing to draw from without a SaveHandler
            drawn = config.on_env_reset()
            assert type(drawn) in (ConstantAgent, BasedAgent) and drawn.initialized
    # Training against self-play alone meets a ConstantAgent until the first checkpoint, as there.
    from arena.compat.ai2 import SaveHandler, SaveHandlerMode

    saves = SaveHandler(agent=_Saved(), save_path=str(tmp_path), run_name="run", mode=SaveHandlerMode.FORCE)
    alone = SelfPlayWarehouseBrawl(opponent_cfg=OpponentsCfg(opponents={"self_play": (1.0, self_play)}),
                                   save_handler=saves)
    alone.reset(seed=0)
    alone.step(alone.action_space.sample())
    assert "No self-play model saved. Defaulting to constant agent." in capsys.readouterr().out


def test_an_opponent_given_as_a_bare_weight_weighs_in_and_fails_only_once_drawn_as_there(capsys):
    import random
    from functools import partial

    from arena.compat.ai2 import BasedAgent, ConstantAgent, OpponentsCfg, SelfPlayWarehouseBrawl

    # A weight of 0.0 with no agent switches an opponent off: never drawn, training goes on.
    config = OpponentsCfg(opponents={"based_agent": (1.5, partial(BasedAgent)), "off": 0.0,
                                     "constant_agent": (0.5, partial(ConstantAgent))})
    env = SelfPlayWarehouseBrawl(opponent_cfg=config)
    assert config.opponents["off"] == 0.0 and [config.opponents[n][0] for n in ("based_agent", "constant_agent")] == [0.75, 0.25]
    random.seed(1)
    for _ in range(20):
        assert type(config.on_env_reset()) in (BasedAgent, ConstantAgent)
    env.reset()
    env.step(env.action_space.sample())
    assert set(config.pool().opponents) == {"based_agent", "constant_agent"}
    # One that can be drawn fails when it is, as the competition's config does (it indexes the float).
    config = OpponentsCfg(opponents={"weight_only": 1.0})
    with pytest.raises(TypeError, match=r"opponents\['weight_only'\] is the weight 1 with no agent"):
        config.on_env_reset()


def test_training_episodes_last_the_competitions_match_and_reward_terms_run_once_a_frame():
    from arena.compat.ai2 import ConstantAgent, OpponentsCfg, RewardManager, RewTerm, SelfPlayWarehouseBrawl

    calls = []
    rewards = RewardManager({"count": RewTerm(func=lambda env: calls.append(env.steps) or 0.0, weight=1.0)})
    env = SelfPlayWarehouseBrawl(reward_manager=rewards,
                                 opponent_cfg=OpponentsCfg(opponents={"still": (1.0, ConstantAgent)}))
    env.reset(seed=0)
    frames, done = 0, False
    while not done:
        *_, terminated, truncated, _ = env.step(np.zeros(10, np.float32))
        frames, done = frames + 1, terminated or truncated
    assert (frames, truncated) == (9000, True)  # nobody moved: the 5 minutes ran out
    assert calls == list(range(1, 9001))  # once a frame, for the learner only


@pytest.mark.parametrize("seat", [0, 1])
def test_reward_code_in_training_reads_the_frames_keys_and_observations_as_there(seat):
    from arena.compat.ai2 import RewardManager, RewTerm
    from arena.envs.single_agent import SingleAgentEnv

    seen = []

    def keys_and_view(env) -> float:  # the learner is "player" in its reward terms, whichever seat it has
        seen.append((np.asarray(env.cur_action[0]).copy(), np.asarray(env.cur_action[1]).copy(), env.observe(0)))
        env.logger[0]["read"] = True  # its own fighter's line, whichever seat it has
        env.add_reward(0, 0.5)  # to its own fighter, whichever seat it has
        return 0.0

    learner = SingleAgentEnv("fighting", seat=f"player_{seat}", reward_manager=RewardManager(
        {"keys": RewTerm(func=keys_and_view, weight=1.0)}))
    learner.reset(seed=0)
    pressed = np.zeros(10, np.float32)
    pressed[[1, 7]] = 1.0  # a + j
    observation, *_ = learner.step(pressed)
    mine, theirs, observed = seen[-1]
    assert np.array_equal(mine, pressed) and not np.array_equal(theirs, pressed)
    assert np.array_equal(observed, observation)  # its own observation
    lines = learner.raw.logger  # what each fighter's frame logged, and what reward code added
    assert lines[seat]["read"] and "read" not in lines[1 - seat] and lines[seat]["reward"] == "0.000"
    assert learner.raw.rewards == {seat: 0.5, 1 - seat: 0.0}


def test_reward_code_in_self_play_reads_the_competitions_env():
    """A participant's reward term and knock-out handler read the training env as the competition's
    `WarehouseBrawl`: fighters 0 and 1, spaces as attributes, its modes and names, and `rewards` holding
    what its fighters add themselves each frame. The values pinned are the competition's game's, in
    the same training steps (`random.seed(3)`, a clockwork opponent)."""
    from functools import partial

    from arena.compat.ai2.environment.agent import (ClockworkAgent, GameMode, OpponentsCfg, RenderMode,
                                                    RewardManager, RewTerm, SelfPlayWarehouseBrawl)

    seen, tally, knockouts = [], {0: 0.0, 1: 0.0}, []

    def env_as_there(env) -> float:
        seen.append((env.agents, env.train_mode, env.mode, env.game_mode, env.number_of_platforms,
                     env.agent_1_name, env.agent_2_name, env.seed, env.BRAWL_TO_UNITS))
        for agent in env.agents:
            tally[agent] += env.rewards[agent]
        return 0.0

    def on_knockout(env, agent: str) -> float:
        knockouts.append((env.steps, agent, env.agents, env.rewards[0]))
        return 0.0

    random.seed(3)
    rewards = RewardManager({"as_there": RewTerm(func=env_as_there, weight=1.0)},
                            {"knockout": ("knockout_signal", RewTerm(func=on_knockout, weight=1.0))})
    env = SelfPlayWarehouseBrawl(reward_manager=rewards,
                                 opponent_cfg=OpponentsCfg(opponents={"clockwork": (1.0, partial(ClockworkAgent))}))
    rewards.subscribe_signals(env.raw_env)
    env.reset()
    for frame in range(200):
        action = np.zeros(10, np.float32)
        action[3 if frame < 60 or frame >= 120 else 1] = 1  # d, a, then d off the stage
        env.step(action)
    as_there = ([0, 1], True, RenderMode.RGB_ARRAY, GameMode.STANDARD, 2, "Team 1", "Team 2", None, 1.024 / 320)
    assert len(seen) == 200 and all(frame == as_there for frame in seen)
    raw = env.raw_env
    assert isinstance(raw.observation_space, gymnasium.spaces.Box) and raw.observation_space.dtype == np.float32
    assert raw.observation_space.low.tolist() == COMPETITION_LOW * 2
    assert raw.observation_space.high.tolist() == COMPETITION_HIGH * 2
    assert raw.action_space == gymnasium.spaces.Box(0, 1, (10,), np.float32)
    assert raw.observation_spaces == {0: raw.observation_space, 1: raw.observation_space}
    assert raw.action_spaces == {0: raw.action_space, 1: raw.action_space}
    assert tally == {0: pytest.approx(-18.083152355537266), 1: pytest.approx(-2.386618573381387)}
    assert knockouts == [(47, "player", [0, 1], pytest.approx(-0.225)), (75, "opponent", [0, 1], 0.0),
                         (184, "player", [0, 1], pytest.approx(-0.225))]
    own = arena.envs.make("fighting")  # arena's own env keeps its seats and per-seat spaces
    assert own.possible_agents == ["player_0", "player_1"] and own.observation_space("player_0").shape == (64,)


def test_scripts_that_drive_the_env_themselves_run_unchanged():
    observations, actions, following, dones, games, stats = collect_demos.collect_transitions(
        num_steps=400, max_timesteps=150, frame_stack=2)
    assert observations.shape == following.shape == (400, 128) and actions.shape == (400, 10)
    assert games == dones.sum() == 2 and np.isin(actions, (0, 1)).all() and actions[:, 7].any()
    assert stats[0].lives_left <= 3 and stats[1].damage_taken >= 0


def test_the_envs_own_rewards_for_moving_to_the_middle_are_the_competitions():
    """The competition's fighters add to `rewards` themselves as each frame starts: the last physics step's
    move along x, positive towards the middle. A script stepping the env in a participant's style, keeping
    its own tally of what `step` returns, got these totals from the competition's game."""
    from arena.compat.ai2.environment.environment import CameraResolution, WarehouseBrawl

    random.seed(3)
    env = WarehouseBrawl(resolution=CameraResolution.LOW, train_mode=True)
    observations, _ = env.reset()
    tally, xs = {0: 0.0, 1: 0.0}, []
    for frame in range(120):
        mine, theirs = np.zeros(10), np.zeros(10)
        mine[3 if frame < 60 else 1] = 1  # d, then a
        theirs[1] = frame % 40 < 20  # a, on and off
        xs.append(env.objects["player"].body.position.x)
        observations, rewards, terminated, truncated, _ = env.step({0: mine, 1: theirs})
        for agent in tally:
            tally[agent] += rewards[agent]
        if 2 <= frame and abs(xs[-1] - xs[-2]) > 1e-6:  # each frame rewards the step before it
            assert rewards[0] == pytest.approx((1 if xs[-1] < 0 else -1) * (xs[-1] - xs[-2]))
    assert tally == {0: pytest.approx(-9.041576178), 1: pytest.approx(-7.733788178)}
    env.close()


def test_a_match_video_may_be_any_container_the_competition_s_ffmpeg_writer_took(tmp_path):
    """A demo script saves its match as an .avi (the competition handed any name to ffmpeg)."""
    import imageio

    stats = video_match.benchmark(rule_agent.SubmittedAgent, video_match.Opponent.CLOCKWORK, max_timesteps=30,
                                  video_path=str(tmp_path / "tt_agent.avi"))
    assert stats.match_time == 1.0
    assert sum(1 for _ in imageio.get_reader(tmp_path / "tt_agent.avi", format="FFMPEG")) > 30


def test_a_benchmark_script_plays_every_stock_opponent_and_saves_video_and_frames(tmp_path):
    import inspect

    from arena.compat.ai2 import run_match

    assert inspect.signature(run_match).parameters["max_timesteps"].default == 60 * 90  # the competition's
    stats = video_match.benchmark(rule_agent.SubmittedAgent, video_match.Opponent.CLOCKWORK, max_timesteps=60,
                                  video_path=str(tmp_path / "clockwork.mp4"))
    assert stats.match_time == 2.0 and (tmp_path / "clockwork.mp4").stat().st_size > 0
    for opponent in (video_match.Opponent.BASED, video_match.Opponent.RANDOM):
        assert video_match.benchmark(rule_agent.SubmittedAgent, opponent, max_timesteps=30).match_time == 1.0
    paths = video_match.record_frames(str(tmp_path / "frames"), frames=3)
    from PIL import Image

    assert [Image.open(p).size for p in paths] == [(720, 480)] * 3  # upright, as the competition's video


def test_drawing_helpers_build_and_draw_as_participants_use_them():
    from arena.compat.ai2 import WarehouseBrawl

    env = WarehouseBrawl()
    pressed = env.act_helper.press_keys(["a", "j"])
    marker = overlay.GhostMarker(env)
    picture = overlay.draw_overlay(env, {0: pressed, 1: env.act_helper.zeros()}, [marker])
    assert picture.shape == (480, 720, 3) and marker.trail
    red = (picture[..., 0] == 255) & (picture[..., 1] == 0) & (picture[..., 2] == 0)
    assert red[:, : 720 // 2].any()  # the left panel shows the pressed keys in red
    white = (picture == 255).all(axis=2)
    # The env's text overlay: the frame count and each fighter's state at the top middle, the rewards at the bottom.
    assert white[20:80, 720 // 2 - 60: 720 // 2 + 60].any() and white[480 - 50:, :200].any()
    frame_index, vfx_state, finished = overlay.sprite_and_effects(env, steps=5)
    assert frame_index == 2 and vfx_state == "hidden" and not finished


def test_move_data_and_weapon_helpers_walk_the_games_moves():
    probe = attack_probe.AttackProbe()
    jab = probe.frames_of(MoveType.NLIGHT)
    assert 5 < jab < 60 and probe.frames_of(MoveType.NLIGHT, "Hammer") > 0
    assert attack_probe.weapon_bookkeeping() == (4, 1)  # spawned on frame 0, gone after its 3 frames


def test_a_frames_reward_adds_the_signal_rewards_after_the_terms_as_there():
    """The competition's manager sums the frame's terms from 0.0, then adds the signal rewards: the
    last bits of the reward depend on that order (frame 79 of a recorded match: a knockout)."""
    from arena.compat.ai2.environment.agent import RewardManager, RewTerm

    values = [-0.03333333333333333 / 0.3, -0.006666666666666667 / 5.0, -0.006666666666666667 / 0.5,
              -0.0033333333333333335 / 0.2, 0.0]
    weights = [0.3, 5.0, 0.5, 0.2, 6.0]
    terms = {f"term_{i}": RewTerm(func=lambda env, value=value: value, weight=weight)
             for i, (value, weight) in enumerate(zip(values, weights))}
    manager = RewardManager(terms, {"on_knockout": ("knockout_signal", RewTerm(func=lambda env, agent: -1.0, weight=3))})
    env = arena.envs.make_raw("fighting")
    manager.subscribe_signals(env)
    env.knockout_signal.emit(agent="player")
    assert manager.process(env, 1 / 30) == -3.05  # the competition's value; signals first gave -3.0500000000000003
    dodged = RewardManager({}, {"on_dodge": ("dodged_signal", RewTerm(func=lambda env, agent: 1.0, weight=1.0))})
    with pytest.raises(AttributeError, match="the env has no 'dodged_signal'"):  # a fork's engine had it; code catches
        dodged.subscribe_signals(env)


def test_a_term_added_to_a_built_manager_is_counted_as_there():
    """The competition's manager reads its terms anew each frame: one added to `reward_functions` once it is
    built (a curriculum adding a term at a stage) counts from the next frame."""
    from arena.compat.ai2.environment.agent import RewardManager, RewTerm

    manager = RewardManager({"alive": RewTerm(func=lambda env: 1.0, weight=0.5)})
    env = arena.envs.make_raw("fighting")
    assert manager.process(env, 1 / 30) == 0.5
    manager.reward_functions["stage_two"] = RewTerm(func=lambda env: 1.0, weight=2.0)
    assert manager.process(env, 1 / 30) == 2.5
    assert manager.term_totals == {"alive": 1.0, "stage_two": 2.0}


def test_signal_terms_count_once_however_often_the_manager_is_subscribed():
    """The competition's self-play env leaves the signals to its training code, whose train()
    subscribes the manager to `env.raw_env`; code copied from it does so too."""
    from functools import partial

    from arena.compat.ai2.environment.agent import (
        BasedAgent, OpponentsCfg, RewardManager, RewTerm, SelfPlayWarehouseBrawl,
    )

    def on_knockout(env, agent):
        return -1.0 if agent == "player" else 1.0

    manager = RewardManager({}, {"on_knockout": ("knockout_signal", RewTerm(func=on_knockout, weight=8))})
    env = SelfPlayWarehouseBrawl(reward_manager=manager,
                                 opponent_cfg=OpponentsCfg(opponents={"based": (1.0, partial(BasedAgent))}))
    env.reset(seed=1)
    env.raw_env.knockout_signal.emit(agent="player")
    assert manager.collected_signal_rewards == 0.0  # not subscribed: no signal reward, as there
    manager.subscribe_signals(env.raw_env)
    manager.subscribe_signals(env.raw_env)
    env.reset(seed=1)
    env.raw_env.knockout_signal.emit(agent="player")
    assert manager.collected_signal_rewards == -8.0


def _a_spear_lying_at_0_7_1_3(engine: str):
    """A fighting game on `engine` one frame after a spear was put in its first spawner's slot at (0.7, 1.3)."""
    env = arena.envs.make_raw("fighting", engine=engine)
    env.reset(seed=3)
    game = env.game
    if engine == "native":
        game.batch.set_spawner(0, 0, "Spear", 0.7, 1.3, spawned_at=0)
    else:
        spawner = game.armory.spawners[0]
        spawner.weapon, spawner.position, spawner.spawned_at = "Spear", (0.7, 1.3), 0
    env.step({})
    return env


def test_the_native_engines_weapon_slots_read_as_the_python_games():
    """Reward code reads the weapon slots of `get_obs()`: float64 positions, as the competition's."""
    for engine in ("native", "python"):
        slots = _a_spear_lying_at_0_7_1_3(engine).objects["player"].get_obs()[16:28]
        assert slots[:3] == [0.7, 1.3, 1.0], engine  # float32 would read 0.699999988079071


def test_get_obs_lists_its_values_with_the_types_the_competitions_gives():
    """There `get_obs()` lists floats, but for ints where its code writes them: the held weapon's number, a
    weapon slot's type, an empty slot's three zeros, and a position clamped to its bound (`max(-18, min(18, x))`)."""
    for engine in ("native", "python"):
        player = _a_spear_lying_at_0_7_1_3(engine).objects["player"]
        values = player.get_obs()
        assert [type(v) for v in values[:16]] == [float] * 15 + [int], engine
        slots = values[16:22]
        assert slots == [0.7, 1.3, 1, 0, 0, 0] and [type(v) for v in slots] == [float, float] + [int] * 4
        assert [type(v) for v in values[28:]] == [float] * 4
        player.body.position = (20.0, 1.0)
        assert values[:2] != (edge := player.get_obs()[:2]) and edge == [18, 1.0] and type(edge[0]) is int, engine


class _Saved:
    def save(self, path):
        Path(path).write_text("weights")


def test_the_save_handler_offers_what_the_competitions_train_calls(tmp_path):
    from arena.compat.ai2.environment.agent import SaveHandler

    handler = SaveHandler(agent=_Saved(), save_freq=3, save_path=str(tmp_path / "checkpoints"), run_name="run")
    assert handler._experiment_path() == str(tmp_path / "checkpoints" / "run")
    countdown = []
    for _ in range(8):
        saved = handler.process()
        countdown.append((handler.steps_until_save, saved))
    # The competition's handler counts down from save_freq and saves on the step after reaching 0.
    assert countdown == [(2, False), (1, False), (0, False), (3, True), (2, False), (1, False), (0, False), (3, True)]
    assert handler._checkpoint_path("zip").endswith("run/rl_model_8_steps.zip")
    handler.save_freq = 1  # counted from the next save on, as there: the countdown under way goes on
    assert [handler.process() for _ in range(6)] == [False, False, False, True, False, True]
    # A frequency of 0 (a script's `train_timesteps // 40` for a short run) saves at every step, as there.
    every_step = SaveHandler(agent=_Saved(), save_freq=0, max_saved=2, save_path=str(tmp_path), run_name="often")
    assert [every_step.process() for _ in range(3)] == [True, True, True]
    # The two newest models are kept, and nothing else is named as they are: scripts take the newest `rl_model*`
    # file of the run's folder for the newest model (the competition's handler writes nothing else of that name).
    models = sorted(p.name for p in (tmp_path / "often").glob("rl_model*"))
    assert models == ["rl_model_2_steps.zip", "rl_model_3_steps.zip"]
    newest = max((entry for entry in (tmp_path / "often").iterdir() if entry.name.startswith("rl_model")),
                 key=lambda entry: entry.stat().st_mtime_ns)
    assert newest.name == "rl_model_3_steps.zip"


@pytest.mark.parametrize("answers, outcome", [(["y"], None), (["maybe", "n"], ValueError), ([], EOFError)])
def test_force_asks_before_it_clears_an_earlier_run_as_the_competitions_handler_does(tmp_path, monkeypatch,
                                                                                      answers, outcome):
    from arena.compat.ai2.environment.agent import SaveHandler, SaveHandlerMode

    earlier = tmp_path / "run" / "rl_model_100_steps.zip"
    earlier.parent.mkdir()
    earlier.write_text("hours of training")
    questions = []

    def answer(question: str) -> str:  # no answer left: stdin closed, as in a job with no terminal
        questions.append(question)
        if not answers:
            raise EOFError
        return answers.pop(0)

    monkeypatch.setattr("builtins.input", answer)
    def make():
        return SaveHandler(agent=_Saved(), save_path=str(tmp_path), run_name="run", mode=SaveHandlerMode.FORCE)

    if outcome is None:
        make()
        assert not earlier.exists() and (tmp_path / "run").is_dir()
    else:
        with pytest.raises(outcome):
            make()
        assert earlier.read_text() == "hours of training"
    assert str(tmp_path / "run") in questions[0]
    SaveHandler(agent=_Saved(), save_path=str(tmp_path), run_name="new", mode=SaveHandlerMode.FORCE)  # nothing to ask


def test_resume_from_a_folder_with_no_checkpoint_stops_as_the_competitions_handler_does(tmp_path):
    from arena.compat.ai2.environment.agent import SaveHandler, SaveHandlerMode

    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no checkpoint to resume from"):
        SaveHandler(agent=_Saved(), save_path=str(tmp_path), run_name="empty", mode=SaveHandlerMode.RESUME)
    fresh = SaveHandler(agent=_Saved(), save_path=str(tmp_path), run_name="new", mode=SaveHandlerMode.RESUME)
    assert fresh.history == [] and fresh.get_latest_model_path() is None  # no folder yet: it starts, as there
    assert not (tmp_path / "new").exists()  # nor makes one: a script that stops now starts again the same way
    again = SaveHandler(agent=_Saved(), save_path=str(tmp_path), run_name="new", mode=SaveHandlerMode.RESUME)
    again.save_agent()
    assert again.history == [str(tmp_path / "new" / "rl_model_0_steps.zip")]
    resumed = SaveHandler(agent=_Saved(), save_path=str(tmp_path), run_name="new", mode=SaveHandlerMode.RESUME)
    assert resumed.get_latest_model_path() == again.history[0]


def test_random_seed_repeats_the_games_of_envs_reset_without_a_seed():
    """The competition's game draws from Python's `random` module: a training script that calls
    `random.seed(n)` gets the same games again, here too."""
    import random
    from functools import partial

    from arena.compat.ai2.environment.agent import BasedAgent, OpponentsCfg, SelfPlayWarehouseBrawl, WarehouseBrawl

    def self_play_game() -> tuple:
        env = SelfPlayWarehouseBrawl(opponent_cfg=OpponentsCfg(opponents={"based": (1.0, partial(BasedAgent))}))
        env.reset()
        for _ in range(720):  # past the first weapons shown
            env.step(np.zeros(10, np.float32))
        return tuple(f.body.x for f in env.raw_env.game.players), str(env.raw_env.get_spawner_info())

    def two_player_game() -> tuple:
        env = WarehouseBrawl(train_mode=True)
        observations, _ = env.reset()
        return tuple(observations[0])

    for game in (self_play_game, two_player_game):
        random.seed(3)
        first = game()
        random.seed(3)
        assert game() == first, game.__name__
        assert game() != first, game.__name__  # the next draws, another game



def test_a_seeded_start_is_the_competitions_however_late_the_training_library_is_first_used():
    """The competition's `environment.agent` imports stable-baselines3, and so `rich`, whose import draws once
    from `random`; a script that seeds `random` after importing it and only then builds its first model
    starts the game the competition starts (user/seeded_start.py, recorded there for seed 0)."""
    code = ("import contextlib, io, json, sys; sys.path.insert(0, sys.argv[1]); "
            "from user.seeded_start import first_game\n"
            "with contextlib.redirect_stdout(io.StringIO()): game = first_game(0)\n"
            "print(json.dumps(game))")
    run = subprocess.run([sys.executable, "-c", code, str(PARTICIPANTS)], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout.splitlines()[-1]) == {"x": -5.0, "next_random": 0.1397457849666789}

class _PreviousPosition:
    """A wrapper of the game in a participant's style (aeroperea's): it notes where the player stood before
    each step, and passes everything else on to the game."""

    def __init__(self, env):
        self.__dict__.update(_env=env, prev_pos=None, steps_seen=0)

    def __getattr__(self, name):
        return getattr(self._env, name)

    def __setattr__(self, name, value):
        setattr(self._env, name, value)

    def step(self, action):
        self.__dict__["prev_pos"] = tuple(self._env.objects["player"].body.position)
        self.__dict__["steps_seen"] += 1
        return self._env.step(action)


def test_a_wrapper_put_in_raw_env_is_stepped_and_handed_to_the_reward_terms_as_in_the_competition():
    from functools import partial

    from arena.compat.ai2.environment.agent import OpponentsCfg, RewardManager, RewTerm, SelfPlayWarehouseBrawl

    def moved(env):
        return abs(env.objects["player"].body.position[0] - env.prev_pos[0])  # the wrapper's, a step ago

    rewards = RewardManager({"moved": RewTerm(func=moved, weight=1.0)}, {})
    env = SelfPlayWarehouseBrawl(reward_manager=rewards,
                                 opponent_cfg=OpponentsCfg(opponents={"c": (1.0, partial(ConstantAgent))}))
    env.raw_env = _PreviousPosition(env.raw_env)
    rewards.subscribe_signals(env.raw_env)
    env.reset(seed=0)
    right = np.array([0, 0, 0, 1, 0, 0, 0, 0, 0, 0], np.float32)
    player = env.raw_env.objects["player"].body
    xs, total = [player.position[0]], 0.0
    for _ in range(60):
        total += env.step(right)[1]
        xs.append(player.position[0])
    assert env.raw_env.steps_seen == 60
    assert total == pytest.approx(sum(abs(b - a) for a, b in zip(xs, xs[1:]))) and total > 1


@pytest.mark.parametrize("engine", ["native", "python"])
def test_damage_counts_in_whole_percent_as_there(engine):
    """The competition's moves deal whole damage, and its fighters and `PlayerStats` count it in ints:
    there, after fighter 0's side light hit fighter 1 here, fighter 1's damage, damage_taken_this_stock,
    damage_taken_total and fighter 0's damage_done were each the int 13, and get_stats(1) gave
    PlayerStats(damage_taken=13, damage_done=0, lives_left=3)."""
    from arena.compat.ai2 import WarehouseBrawl

    env = WarehouseBrawl(train_mode=True)
    env.engine = engine
    env.reset(seed=0)
    player, opponent = env.objects["player"], env.objects["opponent"]
    player.body.position, opponent.body.position = (3.6, 0.36), (2.6, 0.36)
    nothing, side_light = np.zeros(10), np.zeros(10)
    side_light[[1, 7]] = 1  # a + j
    for frame in range(60):
        env.step({0: side_light if frame % 20 == 5 else nothing, 1: nothing})
    opponent = env.objects["opponent"]
    counts = [opponent.damage, opponent.damage_taken_this_stock, opponent.damage_taken_total,
              opponent.damage_taken_this_frame, env.objects["player"].damage_done]
    assert counts == [13, 13, 13, 0, 13] and all(type(count) is int for count in counts)
    stats = env.get_stats(1)
    assert (stats.damage_taken, stats.damage_done, stats.lives_left) == (13, 0, 3)
    assert type(stats.damage_taken) is int and type(stats.damage_done) is int


@pytest.mark.parametrize("engine", ["native", "python"])
def test_knockout_handlers_see_the_fighters_where_they_stood_before_the_frames_physics_step(engine):
    """A knockout term reading where the other fighter is (`opponent.body.position` when the player is knocked
    out) reads it mid-frame there, before the physics step. There, after `random.seed(3)`, with fighter 1
    walking off the nearer edge and fighter 0 walking left and right by turns of 40 frames, the handler saw
    fighter 1 at (13.8166, 7.7707) as fighter 0 was knocked out at step 46, where that frame then moved it to
    (14.0416, 8.1707), and fighter 0 at (-1.7063, 7.0509) as fighter 1 was knocked out at step 184."""
    import random

    from arena.compat.ai2.environment.agent import RewardManager, RewTerm, WarehouseBrawl

    seen = []

    def where_both_are(env, agent):
        player, opponent = env.objects["player"], env.objects["opponent"]
        seen.append((agent, env.steps, *player.body.position, *opponent.body.position))
        return 0.0

    manager = RewardManager({}, {"ko": ("knockout_signal", RewTerm(func=where_both_are, weight=1.0))})
    random.seed(3)
    env = WarehouseBrawl(train_mode=True)
    env.engine = engine
    random.seed(3)
    env.reset()
    manager.subscribe_signals(env)
    left, right = np.zeros(10), np.zeros(10)
    left[1], right[3] = 1, 1
    after = {}
    for frame in range(190):
        walk_off = right if env.objects["opponent"].body.position.x > 0 else left
        env.step({0: right if (frame // 40) % 2 else left, 1: walk_off})
        after[env.steps - 1] = tuple(env.objects["opponent"].body.position)
    (who, steps, *first), _, (who_later, later, *third), *_ = seen
    assert (who, steps, who_later, later) == ("player", 46, "opponent", 184)
    assert first[2:] == pytest.approx([13.8166, 7.7707], abs=1e-4)
    assert after[46] == pytest.approx((14.0416, 8.1707), abs=1e-4)
    assert third[:2] == pytest.approx([-1.7063, 7.0509], abs=1e-4)


@pytest.mark.parametrize("engine", ["native", "python"])
def test_fighters_out_of_stocks_on_one_frame_each_signal_the_others_win_as_there(engine):
    """There, after `random.seed(301)`, with each fighter walking off the nearer edge of its ground from frame 1
    (fighter 0) and frame 4 (fighter 1) on, both lose their last stock at step 321; on the next frame each fighter
    out of stocks signals the other's win, fighter 0's loss first."""
    import random

    from arena.compat.ai2.environment.agent import RewardManager, RewTerm, WarehouseBrawl

    seen = []
    manager = RewardManager({}, {name: (name, RewTerm(func=lambda env, agent, name=name: seen.append(
        (env.steps, name, agent)) or 0.0, weight=1.0)) for name in ("win_signal", "knockout_signal")})
    random.seed(301)
    env = WarehouseBrawl(train_mode=True)
    env.engine = engine
    observations, _ = env.reset()
    manager.subscribe_signals(env)
    for frame in range(400):
        actions = {i: np.zeros(10) for i in (0, 1)}
        for i, wait in enumerate((1, 4)):
            if frame >= wait:
                actions[i][3 if observations[i][0] > 0 else 1] = 1
        observations, _, terminated, _, _ = env.step(actions)
        if terminated:
            break
    assert env.steps == 323 and [env.get_stats(i).lives_left for i in (0, 1)] == [0, 0]
    assert seen[-4:] == [(321, "knockout_signal", "player"), (321, "knockout_signal", "opponent"),
                         (322, "win_signal", "opponent"), (322, "win_signal", "player")]
    env.step({0: np.zeros(10), 1: np.zeros(10)})  # stepped on past its end, it signals both wins again
    assert seen[-2:] == [(323, "win_signal", "opponent"), (323, "win_signal", "player")]


@pytest.mark.parametrize("engine", ["native", "python"])
def test_a_fighters_env_declares_the_stage_size_as_there(engine):
    """A reward term may reach the stage through a fighter: `player.env.stage_width_tiles / 2` for the side
    edges. There a fighter's `env` was the env, declaring 29.8 by 16.8, the blast lines at half of each
    rounded down (`abs(x) > env.stage_width_tiles // 2`)."""
    from arena.compat.ai2 import WarehouseBrawl

    env = WarehouseBrawl(train_mode=True)
    env.engine = engine
    env.reset(seed=0)
    env.step({0: np.zeros(10), 1: np.zeros(10)})
    for fighter in (env.objects["player"], env.objects["opponent"]):
        assert (fighter.env.stage_width_tiles, fighter.env.stage_height_tiles) == (29.8, 16.8)
        assert fighter.env.steps == env.steps == 1 and fighter.env.objects["player"] is env.objects["player"]
    assert (env.stage_width_tiles // 2, env.stage_height_tiles // 2) == (R.BLAST_X, R.BLAST_Y)


@pytest.mark.parametrize("engine", ["native", "python"])
def test_the_platform_says_which_waypoint_it_heads_for_as_there(engine):
    """Reward code predicting the platform reads `platform.waypoint2 if platform.moving_to_w2 else
    platform.waypoint1`. There, after a reset, `moving_to_w2` was True, turned False on the 72nd frame (the
    platform stopping at its second waypoint) and changed again every 145 frames after, whatever the fighters did."""
    from arena.compat.ai2 import WarehouseBrawl

    env = WarehouseBrawl(train_mode=True)
    env.engine = engine
    env.reset(seed=0)
    platform = env.objects["platform1"]
    headings = [platform.moving_to_w2]
    nothing = np.zeros(10)
    for _ in range(800):
        env.step({0: nothing, 1: nothing})
        headings.append(env.objects["platform1"].moving_to_w2)
    turns = [frame for frame in range(1, len(headings)) if headings[frame] != headings[frame - 1]]
    assert headings[0] is True and turns == [72, 217, 362, 507, 652, 797]
    assert headings[72] is False and headings[217] is True
    assert tuple(env.objects["platform1"].body.velocity) != (0.0, 0.0)


@pytest.mark.parametrize("engine", ["native", "python"])
def test_objects_are_named_as_there(engine):
    """There, after `random.seed(3)` and a reset, `list(env.objects)` was ['ground1', 'ground2', 'platform1',
    'player', 'opponent', 'SpawnerVFX0', 'SpawnerVFX1'], the fighters' class was named Player, and each
    spawner effect's world_pos was where its spawner first stood (x 3.6114805879 over the left ground,
    drawn at that reset) until its first weapon showed, then where that weapon showed."""
    import random

    from arena.compat.ai2 import Player, SpawnerVFX, WarehouseBrawl

    random.seed(3)
    env = WarehouseBrawl(train_mode=True)
    env.engine = engine
    random.seed(3)
    env.reset()
    env.reset()
    assert list(env.objects) == ["ground1", "ground2", "platform1", "player", "opponent", "SpawnerVFX0", "SpawnerVFX1"]
    assert type(env.objects["player"]).__name__ == "Player" and isinstance(env.objects["opponent"], Player)
    assert isinstance(env.objects["SpawnerVFX0"], SpawnerVFX)
    assert list(env.objects["SpawnerVFX1"].world_pos) == pytest.approx([-3.61148065587923, 2.7])
    nothing = np.zeros(10)
    while env.get_spawner_info() == []:
        env.step({0: nothing, 1: nothing})
    (_, shown_at), = env.get_spawner_info()
    vfx = env.objects["SpawnerVFX0" if shown_at[0] > 0 else "SpawnerVFX1"]
    assert list(vfx.world_pos) == pytest.approx(list(shown_at))


@pytest.mark.parametrize("frames, encoded", [(7, 8), (45, 54), (100, 120)])
def test_run_match_writes_the_competitions_video(tmp_path, frames, encoded):
    """The competition's run_match hands its writer a picture after each frame (none of the reset), at
    the writer's default input rate (25 a second), and has it write 30: its videos of 7, 45 and 100
    frames of ConstantAgent against ConstantAgent held 8, 54 and 120 frames at 30 fps."""
    import imageio

    from arena.compat.ai2 import run_match

    run_match(ConstantAgent(), ConstantAgent(), max_timesteps=frames, video_path=str(tmp_path / "m.mp4"))
    reader = imageio.get_reader(tmp_path / "m.mp4")
    assert (reader.count_frames(), reader.get_meta_data()["fps"]) == (encoded, 30.0)


def test_training_says_each_episodes_opponent_and_the_model_it_resumes_from(tmp_path, capsys):
    """The competition's training prints "Selected <name>" when it draws an episode's opponent, and its
    SaveHandler "Best model is <path>" when it resumes a run that saved models."""
    from functools import partial

    from arena.compat.ai2 import OpponentsCfg, SaveHandler, SaveHandlerMode, SelfPlayWarehouseBrawl

    env = SelfPlayWarehouseBrawl(opponent_cfg=OpponentsCfg(opponents={"still": (1.0, partial(ConstantAgent))}))
    env.reset()
    env.reset()
    assert capsys.readouterr().out.count("Selected still\n") == 2
    OpponentsCfg(opponents={"still": (1.0, partial(ConstantAgent))}).on_env_reset()
    assert capsys.readouterr().out == "Selected still\n"
    (tmp_path / "run").mkdir()
    for steps in (100, 200):
        (tmp_path / "run" / f"rl_model_{steps}_steps.zip").write_bytes(b"")
    SaveHandler(agent=_Saved(), save_path=str(tmp_path), run_name="run", mode=SaveHandlerMode.RESUME)
    assert capsys.readouterr().out == f"Best model is {tmp_path / 'run' / 'rl_model_200_steps.zip'}\n"


@pytest.mark.parametrize("engine", ["native", "python"])
def test_a_weapon_swapped_on_one_frame_is_dropped_before_the_new_one_is_taken(engine):
    """There, h pressed over a shown weapon while holding another drops the held one, setting the weapon to
    "Punch" and emitting the drop, before it takes the new one: a drop term that checks for "Punch" pays
    (a fork's on_drop_reward), and the equip term sees the new weapon."""
    from arena.compat.ai2.environment.agent import RewardManager, RewTerm, WarehouseBrawl

    def on_drop_reward(env, agent):
        return -1.0 if agent == "player" and env.objects["player"].weapon == "Punch" else 0.0

    def on_equip_reward(env, agent):
        return {"Hammer": 2.0, "Spear": 1.0}.get(env.objects["player"].weapon, 0.0) if agent == "player" else 0.0

    manager = RewardManager({}, {"on_drop_reward": ("weapon_drop_signal", RewTerm(func=on_drop_reward, weight=10)),
                                 "on_equip_reward": ("weapon_equip_signal", RewTerm(func=on_equip_reward, weight=3))})
    env = WarehouseBrawl(train_mode=True)
    env.engine = engine
    env.reset(seed=0)
    manager.subscribe_signals(env)
    player = env.objects["player"]
    player.body.position, player.weapon = (4.0, 0.36), "Hammer"
    spawner = env.game.armory.spawners[0]
    spawner.weapon, spawner.position, spawner.spawned_at = "Spear", (4.2, 0.7), env.steps
    nothing, take = np.zeros(10), np.zeros(10)
    take[5] = 1  # h
    for _ in range(R.SPAWN_SHOW_FRAMES + 1):  # until the spear can be taken
        env.step({0: nothing, 1: nothing})
        assert manager.process(env, 1 / 30) == 0.0
    env.step({0: take, 1: nothing})
    assert manager.process(env, 1 / 30) == -10.0 + 3.0
    assert env.objects["player"].weapon == "Spear"
    assert [name for name in env.objects if name.startswith("Dropped")] == ["DroppedVFX2", "DroppedHammer2"]


@pytest.mark.parametrize("engine", ["native", "python"])
def test_a_drop_comes_before_the_other_fighters_pickup_on_the_same_frame(engine):
    """There, a frame's drops all come before its pickups: while fighter 0's drop is handled, fighter 1, taking a
    spawner's weapon on that frame, still holds none; the pickup's handlers then see it armed."""
    from arena.compat.ai2.environment.agent import RewardManager, RewTerm, WarehouseBrawl

    def on_drop_reward(env, agent):  # dropping is bad, and worse when the opponent is armed
        return -2.0 if env.objects["opponent"].weapon != "Punch" else -1.0

    def on_equip_reward(env, agent):
        return 1.0 if agent == "opponent" and env.objects["opponent"].weapon == "Spear" else 0.0

    manager = RewardManager({}, {"on_drop_reward": ("weapon_drop_signal", RewTerm(func=on_drop_reward, weight=1)),
                                 "on_equip_reward": ("weapon_equip_signal", RewTerm(func=on_equip_reward, weight=-5))})
    env = WarehouseBrawl(train_mode=True)
    env.engine = engine
    env.reset(seed=0)
    manager.subscribe_signals(env)
    player, opponent = env.objects["player"], env.objects["opponent"]
    player.body.position, player.weapon = (4.0, 0.36), "Hammer"
    opponent.body.position = (-4.0, 2.36)
    left = env.game.armory.spawners[1]
    left.weapon, left.position, left.spawned_at = "Spear", (-3.8, 2.7), env.steps
    nothing, take = np.zeros(10), np.zeros(10)
    take[5] = 1  # h
    for _ in range(R.SPAWN_SHOW_FRAMES + 1):
        env.step({0: nothing, 1: nothing})
    env.step({0: take, 1: take})
    assert manager.process(env, 1 / 30) == -1.0 - 5.0
    assert (env.objects["player"].weapon, env.objects["opponent"].weapon) == ("Punch", "Spear")


@pytest.mark.parametrize("engine", ["native", "python"])
def test_pickups_on_one_frame_are_signalled_spawner_by_spawner_as_there(engine):
    """There, a frame's pickups go spawner by spawner (the right ground's first), each fighter taking the weapon
    and emitting its equip before the next: after `random.seed(0)` both spawners show hammers by step 248;
    with fighter 0 put over the left one's and fighter 1 over the right one's, both holding h 41 frames later,
    fighter 1's equip comes first, its handlers seeing fighter 0 still unarmed."""
    import random

    from arena.compat.ai2.environment.agent import WarehouseBrawl

    seen = []
    random.seed(0)
    env = WarehouseBrawl(train_mode=True)
    env.engine = engine
    random.seed(0)
    env.reset()
    env.weapon_equip_signal.connect(lambda env, agent: seen.append(
        (env.steps, agent, env.objects["player"].weapon, env.objects["opponent"].weapon)))
    nothing, take = np.zeros(10), np.zeros(10)
    take[5] = 1  # h
    while not (env.observe(0)[18] and env.observe(0)[21]):
        env.step({0: nothing, 1: nothing})
    assert env.steps == 248
    right, left = env.observe(0)[16:18], env.observe(0)[19:21]
    env.objects["player"].body.position = (left[0], left[1] - 0.34)
    env.objects["opponent"].body.position = (right[0], right[1] - 0.34)
    for _ in range(40):
        env.step({0: nothing, 1: nothing})
    env.step({0: take, 1: take})
    assert seen == [(289, "opponent", "Punch", "Hammer"), (289, "player", "Hammer", "Hammer")]


def test_the_training_env_shows_its_opponent_and_what_it_sees_as_there():
    """Callbacks and evaluation code read `env.opponent_agent` (the episode's opponent) and `env.opponent_obs`
    (the observation it acts on next: its own fighter first), and seat an opponent of their own there."""
    from functools import partial

    from arena.compat.ai2.environment.agent import (
        BasedAgent, ConstantAgent, OpponentsCfg, RewardManager, SelfPlayWarehouseBrawl,
    )

    class Watcher(ConstantAgent):
        def __init__(self):
            super().__init__()
            self.seen = []

        def predict(self, obs):
            self.seen.append(obs)
            return super().predict(obs)

    env = SelfPlayWarehouseBrawl(reward_manager=RewardManager({}, {}),
                                 opponent_cfg=OpponentsCfg(opponents={"based": (1.0, partial(BasedAgent))}))
    obs, _ = env.reset(seed=2)
    assert isinstance(env.opponent_agent, BasedAgent)
    assert env.opponent_obs.dtype == np.float64
    assert np.array_equal(env.opponent_obs[:32], obs[32:]) and np.array_equal(env.opponent_obs[32:], obs[:32])
    watcher = Watcher()
    watcher.get_env_info(env)
    env.opponent_agent = watcher
    for _ in range(5):
        shown = env.opponent_obs
        obs, *_ = env.step(np.zeros(10))
        assert watcher.seen[-1] is shown
    assert len(watcher.seen) == 5 and np.array_equal(env.opponent_obs[:32], obs[32:])
    env.reset(seed=3)
    assert isinstance(env.opponent_agent, BasedAgent)  # each reset draws the episode's opponent again


def test_run_match_plays_actions_outside_0_to_1_as_the_keys_they_hold():
    """The competition's fighters hold a key for any value above 0.5 and read nothing else of an action, so its
    run_match plays an agent that adds its key presses together or returns a network's raw outputs."""
    import random

    from arena.compat.ai2.environment.agent import Agent, BasedAgent, run_match
    from arena.errors import ArenaError

    class Chaser(Agent):
        def __init__(self, *args, loud=False, **kwargs):
            super().__init__(*args, **kwargs)
            self.loud = loud

        def predict(self, obs):
            pos = self.obs_helper.get_section(obs, "player_pos")
            opp = self.obs_helper.get_section(obs, "opponent_pos")
            toward = "d" if opp[0] > pos[0] else "a"
            if not self.loud:
                return self.act_helper.press_keys([toward, "j"])
            both = self.act_helper.press_keys([toward]) + self.act_helper.press_keys([toward, "j"])  # 2s
            return (both - 0.5) * 3.0  # -1.5 for the keys it leaves alone

    played = []
    for loud in (False, True):
        random.seed(5)
        stats = run_match(Chaser(loud=loud), BasedAgent(), max_timesteps=900)
        played.append((stats.match_time, stats.player1, stats.player2, stats.player1_result))
    assert played[0] == played[1]

    class NineKeys(Agent):
        def predict(self, obs):
            return np.zeros(9)

    with pytest.raises(ArenaError, match="illegal_action"):  # not an action of 10 keys: an error there too
        run_match(BasedAgent(), NineKeys(), max_timesteps=30)


@pytest.mark.parametrize("action", [7, np.int64(41), np.array(3.0), True])
def test_one_number_is_no_action_as_the_competitions_game_fails_on_it(action):
    """A discrete policy's index handed on unconverted would otherwise hold all 10 keys, silently."""
    from arena.compat.ai2.environment.environment import WarehouseBrawl

    env = WarehouseBrawl()
    with pytest.raises(ValueError, match="an action is the 10 keys' values .* not one number"):
        env.step({0: action, 1: np.zeros(10)})
    game = arena.envs.make_raw("fighting")
    game.reset(seed=0)
    with pytest.raises(ValueError, match="not one number"):
        game.step({"player_0": np.zeros(10), "player_1": action})
    assert game.step({"player_0": [0.0] * 10, "player_1": np.zeros(10)})[2] == {"player_0": False, "player_1": False}


def test_what_an_agents_own_code_raises_is_raised_from_run_match_as_there(tmp_path):
    """Scripts that benchmark agents catch what one raises (`except ValueError:`) and go on to the next."""
    from functools import partial

    from arena.compat.ai2.environment.agent import Agent, BasedAgent, run_match

    class Stumbles(Agent):
        def predict(self, obs):
            self.frames = getattr(self, "frames", 0) + 1
            if self.frames > 20:
                raise ValueError("no plan for this frame")
            return self.act_helper.zeros()

    class Unbuilt(Agent):
        def __init__(self, *args, **kwargs):
            raise KeyError("model_path")

        def predict(self, obs):
            return self.act_helper.zeros()

    video = tmp_path / "match.mp4"
    with pytest.raises(ValueError, match="no plan for this frame") as raised:
        run_match(BasedAgent(), Stumbles(), max_timesteps=90, video_path=str(video))
    assert raised.traceback[-1].name == "predict"  # its own line, where it raised
    assert video.stat().st_size > 0  # the frames played before it, written and closed
    with pytest.raises(KeyError, match="model_path") as raised:
        run_match(partial(Unbuilt), BasedAgent(), max_timesteps=30)
    assert raised.value.__context__ is None and raised.traceback[-1].name == "__init__"


def test_a_self_play_handler_of_ones_own_loads_checkpoints_through_get_model_from_path(tmp_path, capsys):
    """Participants write self-play handlers that pick checkpoints themselves (the newest zip of a folder) and
    load them with `get_model_from_path`, as the competition's handlers do: `agent_partial(file_path=path)`
    told the env's spaces, or a `ConstantAgent` with a warning while there is none."""
    import os
    from functools import partial

    from arena.compat.ai2.environment.agent import (
        Agent, ConstantAgent, OpponentsCfg, RewardManager, SaveHandler, SelfPlayHandler, SelfPlayWarehouseBrawl,
    )

    class Loaded(Agent):
        def _initialize(self):
            self.loaded_from = self.file_path

        def predict(self, obs):
            return self.act_helper.zeros()

    class FolderLatest(SelfPlayHandler):
        def __init__(self, agent_partial, ckpt_dir):
            super().__init__(agent_partial)
            self.ckpt_dir = ckpt_dir

        def get_opponent(self):
            files = sorted((f for f in os.listdir(self.ckpt_dir) if f.endswith(".zip")),
                           key=lambda f: int(f.split("_")[-2]))
            return self.get_model_from_path(os.path.join(self.ckpt_dir, files[-1]) if files else None)

    folder = tmp_path / "pool"
    folder.mkdir()
    self_play = FolderLatest(partial(Loaded), str(folder))
    env = SelfPlayWarehouseBrawl(reward_manager=RewardManager({}, {}),
                                 opponent_cfg=OpponentsCfg(opponents={"self_play": (1.0, self_play)}),
                                 save_handler=SaveHandler(agent=Loaded(), save_path=str(tmp_path / "checkpoints")))
    env.reset(seed=1)
    assert type(env.opponent_agent) is ConstantAgent
    assert "Warning: No self-play model saved. Defaulting to constant agent." in capsys.readouterr().out
    for steps in (10, 200):
        (folder / f"rl_model_{steps}_steps.zip").write_bytes(b"weights")
    env.reset(seed=2)
    assert isinstance(env.opponent_agent, Loaded) and env.opponent_agent.initialized
    assert env.opponent_agent.loaded_from.endswith("rl_model_200_steps.zip")


class _FrameTagged:
    """A wrapper of the game in a participant's style: it reads both fighters' actions and observations by
    fighter number, as the competition's env hands them, keeps the keys fighter 1 pressed, and adds the frame
    number to each observation, at a reset as at a step."""

    def __init__(self, env):
        self.env, self.opponent_keys, self.resets = env, [], 0

    def __getattr__(self, name):
        return getattr(self.env, name)

    def reset(self, seed=None, options=None):
        observations, info = self.env.reset()
        self.resets += 1
        return {fighter: self._tagged(observations[fighter]) for fighter in (0, 1)}, info

    def step(self, action):
        self.opponent_keys.append(np.array(action[1]))
        observations, rewards, terminated, truncated, info = self.env.step({0: action[0], 1: action[1]})
        assert isinstance(terminated, bool) and isinstance(truncated, bool) and set(rewards) == {0, 1}
        return ({fighter: self._tagged(observations[fighter]) for fighter in (0, 1)}, rewards, terminated,
                truncated, {**info, "tagged": True})

    def _tagged(self, observation):
        return np.append(observation, np.float32(self.env.steps))


def test_a_wrapper_put_in_raw_env_is_handed_fighters_0_and_1_and_its_observations_are_the_learners():
    from functools import partial

    from arena.compat.ai2.environment.agent import OpponentsCfg, RewardManager, RewTerm, SelfPlayWarehouseBrawl

    def x_position(env):
        return float(env.objects["player"].body.position[0])

    def play(wrapped):
        random.seed(5)  # the competition's games draw from `random`
        rewards = RewardManager({"x": RewTerm(func=x_position, weight=0.01)}, {})
        env = SelfPlayWarehouseBrawl(reward_manager=rewards,
                                     opponent_cfg=OpponentsCfg(opponents={"c": (1.0, partial(ConstantAgent))}))
        if wrapped:
            env.raw_env = _FrameTagged(env.raw_env)
        observation, _ = env.reset()
        steps = [(observation, 0.0, False, {})]
        keys = np.array([0, 0, 0, 1, 0, 0, 0, 0, 0, 1], np.float32)  # right and light attack
        for _ in range(90):
            observation, reward, terminated, _, info = env.step(keys)
            steps.append((observation, reward, terminated, info))
        return env, steps

    env, tagged = play(wrapped=True)
    _, plain = play(wrapped=False)
    wrapper = env.raw_env
    assert wrapper.resets == 1 and len(wrapper.opponent_keys) == 90
    assert all(keys.shape == (10,) for keys in wrapper.opponent_keys)  # the opponent's keys, fighter 1's
    assert [o[-1] for o, *_ in tagged] == list(range(91))  # the wrapper's observations, from the reset on
    assert env.opponent_obs.shape == (65,) and env.opponent_obs[-1] == 90  # the opponent is handed its fighter's
    assert all(info["tagged"] and "reward_terms" in info for *_, info in tagged[1:])
    for (seen, reward, terminated, _), (seen_plain, reward_plain, terminated_plain, _) in zip(tagged, plain):
        assert np.array_equal(seen[:-1], seen_plain)  # the same game, wrapped or not
        assert (reward, terminated) == (reward_plain, terminated_plain)
    assert sum(reward for _, reward, *_ in tagged) != 0


def test_the_training_env_draws_its_picture_as_the_competitions_camera_does():
    """The competition's SelfPlayWarehouseBrawl.render() returns its game's picture, turned and mirrored as
    the game's own (width x height x 3): a callback saving demo frames turns it upright as run_match does.
    As there, it declares no rgb_array mode, so video recorders expecting height x width refuse it."""
    from functools import partial

    from arena.compat.ai2.environment.agent import (
        ConstantAgent, OpponentsCfg, RewardManager, SelfPlayWarehouseBrawl,
    )

    env = SelfPlayWarehouseBrawl(reward_manager=RewardManager({}, {}),
                                 opponent_cfg=OpponentsCfg(opponents={"still": (1.0, partial(ConstantAgent))}))
    env.reset(seed=1)
    env.step(env.act_helper.zeros())
    picture = env.render()
    assert picture.shape == (720, 480, 3)
    assert np.array_equal(picture, env.raw_env.render())
    assert np.fliplr(np.rot90(picture, k=-1)).shape == (480, 720, 3)
    assert env.render_mode is None and env.metadata["render_modes"] == ["human"]


def test_plot_results_plots_every_monitor_log_of_the_folder_as_there(tmp_path):
    """The competition's plot_results reads the folder as SB3's load_results does: every `*monitor.csv` in it
    (a VecMonitor's `monitor.monitor.csv`, one per worker's Monitor), not only `monitor.csv`."""
    from arena.compat.ai2.environment.agent import plot_results

    for name, start in (("0.monitor.csv", 10.0), ("1.monitor.csv", 12.0)):
        rows = "".join(f"{k * 0.5},{100 + k},{k + 1.0}\n" for k in range(60))
        (tmp_path / name).write_text(f'#{{"t_start": {start}, "env_id": "None"}}\nr,l,t\n{rows}')
    (tmp_path / "notes.csv").write_text("not,a,log\n")
    assert plot_results(f"{tmp_path}/") == tmp_path / "Learning Curve.png"
    assert (tmp_path / "Learning Curve.png").stat().st_size > 0
    with pytest.raises(FileNotFoundError, match="monitor.csv"):
        plot_results(f"{tmp_path}/empty/")


def test_the_save_handler_says_where_it_saves_the_agent_as_the_competitions_does(tmp_path, capsys):
    """The competition's SaveHandler prints "Saving agent to <checkpoint path, no extension>." at every save:
    at its cadence in training, and when a script saves the agent itself (at the end, on Ctrl-C)."""
    from arena.compat.ai2.environment.agent import SaveHandler

    handler = SaveHandler(agent=_Saved(), save_freq=1, save_path=str(tmp_path), run_name="run")
    capsys.readouterr()
    assert [handler.process() for _ in range(2)] == [False, True]
    handler.num_timesteps = 5
    handler.save_agent()
    run = tmp_path / "run"
    assert capsys.readouterr().out == f"Saving agent to {run / 'rl_model_2_steps.'}\nSaving agent to {run / 'rl_model_5_steps.'}\n"
    handler.save_agent({"num_timesteps": 5})  # arena's own training records its league state and says nothing
    assert capsys.readouterr().out == ""


def test_train_leaves_the_checkpoints_the_competitions_train_leaves(tmp_path, capsys):
    """The competition's train() saves the agent twice when training ends (its env's on_training_end, then
    train itself): the newest checkpoint is named twice in the handler's history, which counts against
    max_saved, so the run's folder keeps one model fewer, and a RESUME run started from it meets the self-play
    snapshots it met there. A model the history still names is never deleted (there, max_saved=1 deletes
    the newest model, and training on with the same handler fails deleting a model a second time)."""
    from functools import partial

    from arena.compat.ai2.environment.agent import (
        Agent, ConstantAgent, OpponentsCfg, SaveHandler, SaveHandlerMode, TrainLogging, train,
    )

    class Stepper(Agent):
        def predict(self, obs):
            return self.act_helper.zeros()

        def save(self, file_path):
            Path(file_path).write_text("weights")

        def learn(self, env, total_timesteps, log_interval=1, verbose=0):
            env.reset()
            for _ in range(total_timesteps):
                env.step(self.act_helper.zeros())

    def run(max_saved: int, run_name: str, trainings: int = 1) -> SaveHandler:
        agent = Stepper()
        handler = SaveHandler(agent=agent, save_freq=2, max_saved=max_saved, save_path=str(tmp_path),
                              run_name=run_name, mode=SaveHandlerMode.FORCE)
        for _ in range(trainings):
            train(agent, None, handler, OpponentsCfg(opponents={"still": (1.0, partial(ConstantAgent))}),
                  train_timesteps=10, train_logging=TrainLogging.NONE)
        return handler

    def models(run_name: str) -> list[str]:
        return sorted((path.name for path in (tmp_path / run_name).glob("rl_model*")), key=len)

    handler = run(max_saved=3, run_name="run")
    # saved at steps 3, 6 and 9 in training, then at 10 twice
    assert [Path(path).name for path in handler.history] == ["rl_model_9_steps.zip", *["rl_model_10_steps.zip"] * 2]
    assert models("run") == ["rl_model_9_steps.zip", "rl_model_10_steps.zip"]
    assert capsys.readouterr().out.count(f"Saving agent to {tmp_path / 'run' / 'rl_model_10_steps.'}\n") == 2
    resumed = SaveHandler(agent=Stepper(), max_saved=3, save_path=str(tmp_path), run_name="run",
                          mode=SaveHandlerMode.RESUME)
    assert [Path(path).name for path in resumed.history] == ["rl_model_9_steps.zip", "rl_model_10_steps.zip"]
    assert models("alone") == [] and run(max_saved=1, run_name="alone").history == [
        str(tmp_path / "alone" / "rl_model_10_steps.zip")]
    assert models("alone") == ["rl_model_10_steps.zip"]
    run(max_saved=2, run_name="twice", trainings=2)  # counts start over (its agent has no model): 3, ..., 10 again
    assert models("twice") == ["rl_model_10_steps.zip"]
