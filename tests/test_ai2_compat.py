"""The AI² competition's modules on arena: participants' files run after changing only their imports.

`tests/ai2_participants/user/` holds files in the shape participants write, with `environment.`
replaced by `arena.compat.ai2.environment.`; these tests import and run them.
"""

import importlib.util
import pickle
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
from arena.envs.fighting.moves import MOVES, MoveType, knockback_growth
from arena.envs.fighting.observation import competition_observation_space
from arena.match import play_match

PARTICIPANTS = Path(__file__).resolve().parent / "ai2_participants"
sys.path.insert(0, str(PARTICIPANTS))  # participants import their own files as `user.*`

pytest.importorskip("stable_baselines3")
train_agent = pytest.importorskip("user.train_agent")
my_agent = importlib.import_module("user.my_agent")
rule_agent = importlib.import_module("user.rule_agent")

# The public names of the competition's modules (environment/environment.py, environment/agent.py).
COMPETITION_ENVIRONMENT_NAMES = {
    "ABC", "ALL_CATS", "ActHelper", "ActType", "AgentID", "AirTurnaroundState", "Animation", "AnimationSprite2D",
    "Any", "AttackState", "BackDashState", "Callable", "Camera", "CameraResolution", "Capsule", "CapsuleCollider",
    "Cast", "CastFrameChangeHolder", "CasterPositionChange", "CasterVelocityAddXY", "CasterVelocityDampXY",
    "CasterVelocitySet", "CasterVelocitySetXY", "CompactMoveState", "DashState", "DealtPositionTarget", "Dict",
    "DodgeState", "DrawOptions", "DroppedWeaponSpawner", "Enum", "Facing", "GROUND", "GROUND_CAT", "GameMode",
    "GameObject", "Generic", "Ground", "GroundState", "HitPosSetXY", "HitVelocityAddXY", "HitVelocitySetXY",
    "HorizontalState", "HurtboxPositionChange", "Image", "ImageSequence", "InAirState", "KOState", "KeyIconPanel",
    "KeyStatus", "List", "MISSING", "MalachiteEnv", "MatchStats", "MoveManager", "MoveType", "ObsHelper", "ObsType",
    "Optional", "PLATFORM", "PLAYER", "PLAYER_CAT", "Particle", "Player", "PlayerInputHandler", "PlayerObjectState",
    "PlayerStats", "Power", "RenderMode", "Result", "Signal", "SpaceDebugColor", "SpawnerVFX", "SprintingState",
    "Stage", "StandingState", "StunState", "SupportsFloat", "TYPE_CHECKING", "Target", "TauntState", "Tuple",
    "TurnaroundState", "Type", "TypeVar", "UIHandler", "Vec2d", "Video", "WEAPON_CAT", "WalkingState",
    "WarehouseBrawl", "WeaponGO", "WeaponPool", "WeaponSpawnController", "WeaponSpawner", "abstractmethod", "auto",
    "cv2", "dataclass", "defaultdict", "field", "gdown", "gymnasium", "hex_to_rgb", "json", "m_state_to_move", "math",
    "nn", "np", "os", "partial", "plt", "pygame", "pymunk", "random", "shutil", "skvideo", "spaces", "st", "torch",
    "tqdm", "warnings",
}
COMPETITION_AGENT_NAMES = (COMPETITION_ENVIRONMENT_NAMES - {
    "ALL_CATS", "ActType", "AgentID", "CasterVelocityAddXY", "DrawOptions", "DroppedWeaponSpawner", "GROUND",
    "GROUND_CAT", "GameMode", "HitPosSetXY", "HitVelocityAddXY", "HitVelocitySetXY", "HorizontalState", "ObsType",
    "PLATFORM", "PLAYER", "PLAYER_CAT", "SpawnerVFX", "WEAPON_CAT", "WeaponGO", "WeaponPool", "WeaponSpawnController",
    "WeaponSpawner", "m_state_to_move",
}) | {
    "A2C", "Agent", "BaseAlgorithm", "BasedAgent", "ClockworkAgent", "ConstantAgent", "DummyVecEnv", "Monitor",
    "OpponentsCfg", "PPO", "QUIT", "RandomAgent", "RecurrentPPO", "RecurrentPPOAgent", "RewTerm", "RewardManager",
    "SB3Agent", "SaveHandler", "SaveHandlerMode", "SelfAgent", "SelfPlayHandler", "SelfPlayLatest", "SelfPlayRandom",
    "SelfPlayWarehouseBrawl", "TrainLogging", "UserInputAgent", "load_results", "plot_results", "run_match",
    "run_real_time_match", "train", "ts2xy", "uuid",
}
# The competition's renderer, physics-engine and move-script internals: arena's game has no counterpart.
NOT_OFFERED = {
    "Animation", "AnimationSprite2D", "DroppedWeaponSpawner", "KeyIconPanel", "MoveManager", "Particle", "SpawnerVFX",
    "Target", "UIHandler", "WeaponPool",
}
# Library names offered only where their package is installed (name -> module that provides it).
OPTIONAL_LIBRARIES = {
    "cv2": "cv2", "st": "skimage", "skvideo": "skvideo", "pymunk": "pymunk", "Vec2d": "pymunk",
    "SpaceDebugColor": "pymunk", "DrawOptions": "pymunk", "Video": "IPython", "torch": "torch", "nn": "torch",
    "PPO": "stable_baselines3", "A2C": "stable_baselines3", "BaseAlgorithm": "stable_baselines3",
    "Monitor": "stable_baselines3", "DummyVecEnv": "stable_baselines3", "RecurrentPPO": "sb3_contrib",
    "load_results": "pandas", "ts2xy": "pandas",
}

# The competition's declared observation bounds, per fighter (the opponent's 32 repeat them).
COMPETITION_LOW = [-1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] + [-1, -1, 0] * 4 + [-1, -1, -1, -1]
COMPETITION_HIGH = [1, 1, 1, 1, 1, 1, 1, 2, 12, 1, 1, 1, 1, 3, 11, 2] + [1, 1, 3] * 4 + [1, 1, 1, 1]


def star(module: str) -> set[str]:
    namespace: dict = {}
    exec(f"from {module} import *", namespace)
    return set(namespace) - {"__builtins__"}


def expected(names: set[str]) -> set[str]:
    installed = {name for name, module in OPTIONAL_LIBRARIES.items() if importlib.util.find_spec(module) is not None}
    return {n for n in names - NOT_OFFERED if n not in OPTIONAL_LIBRARIES or n in installed}


def test_star_imports_give_the_competitions_names_and_libraries():
    environment = star("arena.compat.ai2.environment.environment")
    agent = star("arena.compat.ai2.environment.agent")
    assert expected(COMPETITION_ENVIRONMENT_NAMES) <= environment
    assert expected(COMPETITION_AGENT_NAMES) <= agent
    assert star("arena.compat.ai2") == agent
    assert star("arena.compat.ai2.environment.constants") == {"PLAYER_CAT", "GROUND_CAT", "WEAPON_CAT", "ALL_CATS"}
    namespace: dict = {}
    exec("from arena.compat.ai2 import *", namespace)
    assert namespace["np"] is np and namespace["spaces"] is gymnasium.spaces
    assert namespace["partial"].__name__ == "partial" and namespace["Optional"].__module__ == "typing"
    assert namespace["Agent"].__mro__[1] is arena.agents.Agent
    assert namespace["Stage"] is type(arena.envs.make("fighting").objects["platform1"])


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
    code = ("import sys, arena.envs.fighting, arena.envs.fighting.realtime, arena.envs.fighting.checkpoints; "
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
    env.step({"player_0": keys("j")})
    assert train_agent.jab_press_reward(env) == 1.0  # just pressed
    rewards = []
    for _ in range(30):
        env.step({"player_0": keys("j")})
        rewards.append(train_agent.damage_interaction_reward(env))
        if opponent.damage_taken_this_frame:
            break
    assert rewards[-1] == pytest.approx(jab.damage / 140) and rewards[:-1] == [0.0] * (len(rewards) - 1)
    assert train_agent.jab_press_reward(env) == 0.0  # held, not pressed again
    assert opponent.damage_taken_this_stock == jab.damage
    assert train_agent.risky_stock_reward(env) == pytest.approx(jab.damage * 0.001 / 30)
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
    stats = run_match(rule_agent.SubmittedAgent(), ConstantAgent(), max_timesteps=600)
    assert stats.match_time == 20.0 and stats.player1.damage_done > 0


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
    assert stats.match_time == pytest.approx(45 / 30)


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
    data = agent.spear_attacks[MoveType.SSIG]
    power = Power.get_power(data["powers"][data["move"]["initialPowerIndex"]])
    (cast,) = power.casts
    move = MOVES["Spear"][MoveType.SSIG]
    assert (cast.startup_frames, cast.attack_frames, power.recovery_frames, power.stun_time) == (
        move.startup, move.active, move.recovery, move.stun)
    (hitbox,) = cast.hitboxes
    assert Capsule.get_hitbox_offset(hitbox["xOffset"], hitbox["yOffset"]) == pytest.approx(move.hitbox[:2])
    assert Capsule.get_hitbox_size(hitbox["width"], hitbox["height"]) == pytest.approx(
        (2 * move.hitbox[2], 2 * move.hitbox[3]))
    assert cast.get_frame_data(move.startup).caster_velocity_set_xy.magnitudeX == move.lunge
    victim = type("Victim", (), {"damage": 40.0})()
    launch = move.knockback + move.growth * knockback_growth(40.0 + move.damage)
    assert power.get_force_magnitude(cast, victim, cast.base_damage) == pytest.approx(launch)


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
