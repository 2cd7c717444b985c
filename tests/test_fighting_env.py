"""The fighting env's interface: PettingZoo and Gymnasium contracts, helpers, rewards, rendering, harness."""

import copy
import json
import subprocess

import gymnasium
import imageio.v2 as imageio
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test

import arena.envs
import arena.envs.fighting as fighting
from arena import replay, video
from arena.envs.fighting import (
    BasedAgent, CameraResolution, ConstantAgent, MatchStats, RandomAgent, Result, RewardManager, RewTerm, rules,
    run_match,
)
from arena.match import play_match

COMPETITION_NAMES = {
    "Agent", "WarehouseBrawl", "CameraResolution", "RenderMode", "MoveType", "WalkingState", "StandingState",
    "TurnaroundState", "AirTurnaroundState", "SprintingState", "StunState", "InAirState", "DodgeState",
    "AttackState", "DashState", "BackDashState", "KOState", "TauntState", "Result", "PlayerStats", "MatchStats",
    "RewTerm", "RewardManager", "run_match", "ConstantAgent", "RandomAgent", "BasedAgent", "ClockworkAgent",
    "UserInputAgent", "SB3Agent", "RecurrentPPOAgent",
}
SECTIONS = ["pos", "vel", "facing", "grounded", "aerial", "jumps_left", "state", "recoveries_left", "dodge_timer",
            "stun_frames", "damage", "stocks", "move_type", "weapon_type", "spawner_1", "spawner_2", "spawner_3",
            "spawner_4", "moving_platform_pos", "moving_platform_vel"]


def test_star_import_gives_the_competition_names_and_the_state_bases_its_reward_code_names():
    namespace = {}
    exec("from arena.envs.fighting import *", namespace)
    bases = {"PlayerObjectState", "GroundState", "Player", "Facing"}
    assert set(namespace) - {"__builtins__"} == COMPETITION_NAMES | bases
    assert fighting.parallel_env.game is fighting.WarehouseBrawl and fighting.Agent is arena.agents.Agent
    assert [fighting.MoveType[n].value for n in ("NONE", "NLIGHT", "RECOVERY", "GROUNDPOUND")] == [1, 2, 11, 12]
    assert [s.number for s in (fighting.WalkingState, fighting.StunState, fighting.KOState, fighting.TauntState)] == [
        0, 5, 11, 12]


def test_spaces_and_observation_layout_are_the_competitions():
    env = arena.envs.make("fighting")
    assert env.action_space("player_0") == gymnasium.spaces.Box(0, 1, (10,), np.float32)
    assert env.observation_space("player_1").shape == (64,) and env.observation_space("player_1").dtype == np.float64
    sections = env.obs_helper.sections
    assert list(sections) == [f"{side}_{name}" for side in ("player", "opponent") for name in SECTIONS]
    assert sections["player_pos"] == (0, 2) and sections["player_weapon_type"] == (15, 16)
    assert sections["opponent_pos"] == (32, 34) and sections["opponent_moving_platform_vel"] == (62, 64)
    keys = ["w", "a", "s", "d", "space", "h", "l", "j", "k", "g"]
    assert env.act_helper.sections == {key: index for index, key in enumerate(keys)}
    observations, _ = env.reset(seed=4)
    mine, theirs = observations["player_0"], observations["player_1"]
    assert np.array_equal(mine[:32], theirs[32:]) and np.array_equal(mine[32:], theirs[:32])
    first = env.players[0]
    assert tuple(env.obs_helper.get_section(mine, "player_pos")) == pytest.approx((first.body.x, first.body.y))
    assert env.obs_helper.get_section(mine, "player_stocks")[0] == 3
    assert tuple(env.obs_helper.get_section(mine, "player_moving_platform_pos")) == pytest.approx((0.0, 1.0))


@pytest.mark.parametrize("engine", ["native", "python"])
def test_agents_see_the_values_as_the_competitions_env_hands_them(engine):
    """The competition's env builds observations with np.array over Python floats (float64), so an
    agent there acting on `x > 5.0` at x = 4.99999999983 does not act; its float32 rounding is 5.0."""
    env = arena.envs.make("fighting", engine=engine)
    env.reset(seed=7)
    for _ in range(40):
        observations, *_ = env.step({"player_0": env.act_helper.press_keys("d"), "player_1": None})
    first = env.players[0].body
    exact = (first.x, first.y)
    assert [float(v) for v in np.float32(exact)] != list(exact)  # a position float32 cannot hold
    assert tuple(env.obs_helper.get_section(observations["player_0"], "player_pos")) == exact
    assert tuple(env.obs_helper.get_section(observations["player_1"], "opponent_pos")) == exact
    rounded = arena.envs.make("fighting", engine=engine, observation_dtype="float32")
    rounded.reset(seed=7)
    for _ in range(40):
        seen, *_ = rounded.step({"player_0": env.act_helper.press_keys("d"), "player_1": None})
    assert seen["player_0"].dtype == np.float32 and np.array_equal(seen["player_0"], observations["player_0"].astype(np.float32))
    assert gymnasium.make("arena/Fighting-v0").observation_space.dtype == np.float32  # what networks train on
    with pytest.raises(ValueError, match="observation_dtype must be one of"):
        arena.envs.make("fighting", observation_dtype="float16")


@pytest.mark.parametrize("engine", ["native", "python"])
def test_a_key_value_just_above_a_half_presses_it_as_there(engine):
    """The competition's game reads a key as `value > 0.5` on what the agent returned: a list's
    0.5000000001 presses (its float32 rounding, 0.5, would not)."""
    walked = []
    for right in (1.0, 0.5000000001, 0.5):
        env = arena.envs.make("fighting", engine=engine)
        env.reset(seed=2)
        for _ in range(20):
            env.step({"player_0": [0, 0, 0, right, 0, 0, 0, 0, 0, 0], "player_1": None})
        walked.append(env.players[0].body.x)
    assert walked[0] == walked[1] != walked[2]


def test_positions_and_speeds_are_clamped_in_observations():
    env = arena.envs.make("fighting")
    env.reset(seed=0)
    fighter = env.players[1]
    fighter.body.x, fighter.body.y, fighter.body.vx, fighter.body.vy = 0.0, -7.5, -30.0, -5.0
    observations, *_ = env.step({})
    _, y = env.obs_helper.get_section(observations["player_0"], "opponent_pos")
    vx, vy = env.obs_helper.get_section(observations["player_0"], "opponent_vel")
    assert (y, vx) == (-7.0, -10.0) and -5 < vy < 0
    assert env.observation_space("player_0").contains(observations["player_0"])


def test_obs_and_act_helpers_behave_as_participants_expect(capsys):
    env = arena.envs.make("fighting")
    action = env.act_helper.press_keys(["D", "j"])
    assert action.tolist() == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    assert env.act_helper.press_keys("space", action)[4] == 1 and action[4] == 1
    with pytest.raises(KeyError, match="no key 'q'; the keys are w, a, s, d, space"):
        env.act_helper.press_keys(["a", "q"])
    assert env.act_helper.zeros().shape == (10,) and env.obs_helper.zeros().shape == (64,)
    helper_box, space = env.obs_helper.get_as_box(), env.observation_space("player_0")
    assert helper_box.dtype == np.float32  # as the competition's helper declares it
    assert np.array_equal(helper_box.low, space.low) and np.array_equal(helper_box.high, space.high)
    assert env.act_helper.get_as_box() == env.action_space("player_0")
    with pytest.raises(KeyError, match="no observation section 'player_hp'"):
        env.obs_helper.get_section(np.zeros(64), "player_hp")
    env.obs_helper.print_all_sections()
    assert "player_spawner_4: 3\n" in capsys.readouterr().out  # each section's size, as the competition prints


def test_passes_pettingzoo_parallel_api_and_seed_tests():
    parallel_api_test(arena.envs.make("fighting", max_timesteps=200), num_cycles=300)
    parallel_seed_test(lambda: arena.envs.make("fighting", max_timesteps=150), num_cycles=200)


def test_gymnasium_view_passes_check_env_and_keeps_scores():
    env = gymnasium.make("arena/Fighting-v0", opponent=BasedAgent(), render_mode="rgb_array", max_timesteps=200)
    check_env(env.unwrapped, skip_render_check=False)
    observation, _ = env.reset(seed=0)
    assert observation.shape == (64,)
    total, done = 0.0, False
    while not done:
        observation, reward, terminated, truncated, _ = env.step(np.zeros(10, np.float32))
        total += reward
        done = terminated or truncated
    assert total in (-1.0, 0.0, 1.0)


def test_gymnasium_views_have_no_per_step_env_checker_unless_asked():
    def wrappers(env):
        names = []
        while isinstance(env, gymnasium.Wrapper):
            names.append(type(env).__name__)
            env = env.env
        return names

    for gym_id in ("arena/Fighting-v0", "arena/Othello-v0"):
        assert "PassiveEnvChecker" not in wrappers(gymnasium.make(gym_id)), gym_id
        assert "PassiveEnvChecker" in wrappers(gymnasium.make(gym_id, disable_env_checker=False)), gym_id


def test_the_views_default_opponent_presses_what_box_sample_would_from_the_same_seed():
    from arena.agents import RandomAgent
    from arena.agents.baselines import sample

    class BoxSampleOpponent(RandomAgent):
        def predict(self, obs):
            return self.action_space.sample()

    space, copy = (arena.envs.make_raw("fighting").action_space("player_0") for _ in range(2))
    space.seed(3)
    copy.seed(3)
    for _ in range(1000):
        drawn, expected = sample(space), copy.sample()
        assert drawn.dtype == expected.dtype and np.array_equal(drawn, expected)
    presses = (np.random.default_rng(0).random((300, 10)) < 0.5).astype(np.float32)
    default, reference = gymnasium.make("arena/Fighting-v0"), gymnasium.make("arena/Fighting-v0", opponent=BoxSampleOpponent)
    for seed in (0, 1):
        np.testing.assert_array_equal(default.reset(seed=seed)[0], reference.reset(seed=seed)[0])
        for keys in presses:
            got, expected = default.step(keys), reference.step(keys)
            np.testing.assert_array_equal(got[0], expected[0])
            assert got[1:] == expected[1:]
            if got[2] or got[3]:
                break


def test_reward_manager_rewards_each_seat_from_its_own_side():
    def damage_dealt(env):
        return env.objects["opponent"].damage_taken_this_frame

    def won(env, agent):
        return 1.0 if agent == "player" else -1.0

    manager = RewardManager({"damage": RewTerm(damage_dealt, 1.0), "off": RewTerm(damage_dealt, 0.0)},
                            {"win": ("win_signal", RewTerm(won, 10.0))})
    env = arena.envs.make("fighting", reward_manager=manager, stocks=1)
    env.reset(seed=0)
    first, second = env.players
    second.body.x, second.body.y = first.body.x + 0.7, first.body.y
    first.facing = fighting.rules.Facing(1 if second.body.x > first.body.x else -1)
    totals = {"player_0": 0.0, "player_1": 0.0}
    for _ in range(8):
        _, rewards, _, _, infos = env.step({"player_0": env.act_helper.press_keys("j")})
        for seat in totals:
            totals[seat] += rewards[seat]
    assert second.damage > 0 and totals == {"player_0": second.damage, "player_1": 0.0}
    assert infos["player_0"]["reward_terms"] == {"damage": second.damage, "off": 0.0, "win": 0.0}
    second.body.y = 20.0  # out past the bottom: player_0 wins, and the match ends on the next frame
    env.step({})
    _, rewards, terminations, _, infos = env.step({})
    assert all(terminations.values()) and rewards == {"player_0": 10.0, "player_1": -10.0}
    assert infos["player_1"]["reward_terms"]["win"] == -10.0 and manager.total_reward == second.damage + 10.0


def test_renders_headless_at_each_resolution_with_the_fighters_in_view():
    env = arena.envs.make("fighting", render_mode="rgb_array", resolution=CameraResolution.HIGH)
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (1080, 1920, 3) and frame.dtype == np.uint8
    for resolution, size in (("low", (480, 720)), ("medium", (720, 1280))):
        env = arena.envs.make("fighting", render_mode="rgb_array", resolution=resolution)
        env.reset(seed=0)
        for _ in range(30):
            env.step({a: env.action_space(a).sample() for a in env.agents})
        frame = env.render()
        assert frame.shape == (*size, 3) and frame.std() > 20
        camera = env._renderer.camera
        for fighter in env.players:
            x, y = camera.to_screen(fighter.body.x, fighter.body.y)
            assert 0 <= x < size[1] and 0 <= y < size[0]
    with pytest.raises(ValueError, match="resolution must be one of low, medium, high"):
        arena.envs.make("fighting", resolution="4k")


def test_a_long_players_name_is_cut_short_before_its_stock_dots():
    # A server names its entrants "name@digest": the dots were drawn over the end of the name.
    def hud_right_ends(name: str) -> np.ndarray:
        env = arena.envs.make("fighting", render_mode="rgb_array")
        env.reset(seed=0)
        env.unwrapped.player_names = {"player_0": name, "player_1": "b"}
        frame = env.render()
        renderer, stocks = env._renderer, env.game.stocks
        ui, margin = renderer.ui, int(10 * renderer.ui)
        right = margin + renderer.panel.get_width()  # the first seat's panel, bottom left
        top = renderer.height - margin - renderer.panel.get_height()
        return frame[top:top + int(32 * ui), right - int((10 + 16 * stocks) * ui):right]

    assert np.array_equal(hud_right_ends("rickychen@5a6c49ad-and-more"), hud_right_ends("a"))


def test_a_hit_flashes_the_fighter_white():
    env = arena.envs.make("fighting", render_mode="rgb_array")
    env.reset(seed=0)
    env.step({})
    fighter = env.players[0]
    frame = env.render()
    x, y = env._renderer.camera.to_screen(fighter.body.x, fighter.body.y)
    before = frame[y - 3:y + 3, x - 3:x + 3]
    fighter.hit_frames = 0
    after = env.render()[y - 3:y + 3, x - 3:x + 3]
    assert after.mean() > before.mean() + 40


def test_play_match_runs_the_parallel_loop_and_replays_to_video(tmp_path):
    result = play_match("fighting", [BasedAgent(), RandomAgent()], seed=3, max_steps=240)
    assert result.steps == 240 and len(result.actions["player_0"]) == 240
    assert result.outcome.startswith("BasedAgent ") and " - RandomAgent " in result.outcome and result.fault is None
    again = replay.resimulate(replay.load(replay.save(result, tmp_path / "r.json")))
    assert again.outcome == result.outcome
    path = video.record(result, tmp_path / "match.mp4", hold_seconds=0)
    assert imageio.get_reader(path).count_frames() == 241


def test_cli_match_plays_the_example_submissions_with_video(tmp_path, submissions):
    completed = subprocess.run(
        ["arena", "match", submissions / "based_fighter", submissions / "random", "--env", "fighting",
         "--max-steps", "150", "--video", "match.mp4", "--json"],
        capture_output=True, text=True, timeout=180, cwd=tmp_path,
    )
    assert completed.returncode == 0, completed.stderr
    game = json.loads(completed.stdout)
    assert game["env"] == "fighting" and [a["status"] for a in game["agents"]] == ["ok", "ok"]
    assert imageio.get_reader(tmp_path / "match.mp4").count_frames() > 150


def test_run_match_returns_match_stats_and_writes_a_video(tmp_path):
    manager = RewardManager({"taken": RewTerm(lambda env: -env.objects["player"].damage_taken_this_frame, 1.0)})
    stats = run_match(ConstantAgent(), BasedAgent, max_timesteps=300, video_path=str(tmp_path / "m.mp4"),
                      agent_1_name="bag", agent_2_name="based", reward_manager=manager)
    assert isinstance(stats, MatchStats) and stats.match_time == pytest.approx(10.0)
    assert stats.player1.damage_taken > 0 and stats.player2.damage_done == stats.player1.damage_taken
    assert manager.total_reward == -stats.player1.damage_taken
    expected = Result.DRAW if stats.player1.lives_left == stats.player2.lives_left else Result.LOSS
    assert stats.player1_result is expected
    # a picture a frame, at the competition's writer's rates: in at 25 a second, out at 30
    assert imageio.get_reader(tmp_path / "m.mp4").count_frames() == 360


def test_stage_objects_have_the_competitions_classes_and_bounding_boxes():
    """Reward code finds the platform by class name and reads its box as the competition's does."""
    env = arena.envs.make("fighting")
    env.reset(seed=0)
    platforms = [obj for obj in env.objects.values() if obj.__class__.__name__ == "Stage"]
    assert platforms == [env.objects["platform1"]]
    box = platforms[0].shape.cache_bb()
    x, y = platforms[0].body.position
    assert (box.left, box.right) == pytest.approx((x - 1.0, x + 1.0))
    assert (box.bottom, box.top) == pytest.approx((y - 0.1, y + 0.1))  # bottom is the smaller y
    ground = env.objects["ground1"].shape.cache_bb()
    assert (ground.left, ground.bottom, ground.right) == pytest.approx((2.0, 0.85, 7.0))
    player = env.objects["player"].shape.cache_bb()  # at its spawn, x = 5 or -5
    assert player.right - player.left == pytest.approx(0.87) and player.top - player.bottom == pytest.approx(1.0)
    assert player.intersects(player) and not player.intersects(box)


def test_an_env_with_a_reward_manager_deep_copies_and_the_copy_plays_on_alike():
    manager = RewardManager({"damage": RewTerm(lambda env: env.objects["opponent"].damage_taken_this_frame, 1.0)})
    env = arena.envs.make("fighting", reward_manager=manager, stocks=1)
    env.reset(seed=3)
    for _ in range(5):
        env.step({"player_0": env.act_helper.press_keys("d")})
    twin = copy.deepcopy(env)
    steps = [{"player_0": env.act_helper.press_keys(keys)} for keys in ("j", "d", "j", "k", "a")]
    for actions in steps:
        original, copied = env.step(actions), twin.step(actions)
        assert repr(original) == repr(copied)


def test_actions_keyed_by_anything_but_the_seats_are_refused_not_played_as_no_keys():
    env = arena.envs.make("fighting")
    env.reset(seed=0)
    with pytest.raises(ValueError, match=r"keyed by seat, 'player_0' and 'player_1'; got \['0', '1'\]"):
        env.step({0: np.ones(10), 1: np.ones(10)})  # the competition's fighter numbers
    assert env.steps == 0


def test_an_env_copy_following_each_observation_shows_exactly_what_it_says():
    """What a sandboxed agent reads through `self.env` (its worker's copy, never stepped): each value as
    the observation's own section gives it, the fighters' states by the number observed, for both seats
    over frames of attacks, knockouts and weapons."""
    env, copy_of = fighting.WarehouseBrawl(), fighting.WarehouseBrawl()
    env.reset(seed=3)
    copy_of.reset(seed=9)
    sections = copy_of.obs_helper
    keys = np.random.default_rng(0)
    seen_states, seen_weapons = set(), 0
    for frame in range(1500):
        for index, seat in enumerate(copy_of.possible_agents):
            observation = env.observe(index)
            copy_of.follow_observation(seat, observation, frame)
            game = copy_of.game
            assert game.steps == frame
            for side, fighter in (("player", game.players[index]), ("opponent", game.players[1 - index])):
                def read(name, side=side):
                    return sections.get_section(observation, f"{side}_{name}")

                assert list(fighter.body.position) == read("pos").tolist()
                assert list(fighter.body.velocity) == read("vel").tolist()
                assert fighter.facing == (rules.Facing.RIGHT if read("facing")[0] > 0.5 else rules.Facing.LEFT)
                assert fighter.damage == float(read("damage")[0]) * rules.MAX_DAMAGE and type(fighter.damage) is float
                assert fighter.stocks == int(read("stocks")[0])
                assert fighter.weapon == rules.WEAPON_NAMES[int(read("weapon_type")[0])]
                assert type(fighter.state).number == int(read("state")[0])
                seen_states.add(fighter.state.name)
            for name in ("pos", "vel"):
                assert (list(getattr(game.platform.body, {"pos": "position", "vel": "velocity"}[name]))
                        == sections.get_section(observation, f"player_moving_platform_{name}").tolist())
            slots = [sections.get_section(observation, f"player_spawner_{slot}").tolist() for slot in range(1, 5)]
            shown = copy_of.get_spawner_info()
            assert [xy for _, xy in shown] == [[x, y] for x, y, kind in slots if kind]
            seen_weapons += len(shown)
        if not env.agents:
            env.reset(seed=frame)
        env.step({seat: (keys.random(10) > 0.6).astype(np.float32) for seat in env.agents})
    assert len(seen_states) >= 5 and seen_weapons, seen_states


def test_gymnasiums_play_plays_a_fighter_from_the_keyboard():
    import pygame
    from gymnasium.utils.play import play

    actions = []

    def press_d_and_j_then_quit(previous, observation, action, reward, terminated, truncated, info):
        actions.append(action)
        if len(actions) == 1:
            for key in (pygame.K_d, pygame.K_j):
                pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key))
        elif len(actions) == 3:
            pygame.event.post(pygame.event.Event(pygame.QUIT))

    env = gymnasium.make("arena/Fighting-v0", render_mode="rgb_array")
    play(env, fps=1000, noop=np.zeros(10, np.float32), callback=press_d_and_j_then_quit, seed=0)
    pressed = [[name for name, value in zip(rules.KEY_NAMES, action) if value] for action in actions]
    assert pressed == [[], ["d", "j"], ["d", "j"]]
