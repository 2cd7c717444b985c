"""Snake: PettingZoo conformance, the rules (collisions, kill credit, growth), vision, the batch env, matches and video."""

import gymnasium
import imageio.v2 as imageio
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test, parallel_seed_test

import arena.envs
from arena import replay, video
from arena.agents import RandomAgent
from arena.envs.snake import SnakeVecEnv, make_snake
from arena.envs.snake.engine import DIRECTIONS
from arena.match import play_match, rank
from arena.submission import instantiate, load

KEEP, LEFT, RIGHT = 0, 1, 2


def arrange(env, snakes, fruit=()):
    """Replace the board of a reset env: `snakes` are cell lists from head to tail, one per seat."""
    game = env.unwrapped.game
    for array in (game.owner, game.life, game.fruit, game.alive):
        array[0] = 0
    for i, cells in enumerate(snakes):
        for life, (r, c) in zip(range(len(cells), 0, -1), cells):
            game.owner[0, r, c], game.life[0, r, c] = i + 1, life
        (hr, hc), (nr, nc) = cells[0], cells[1]
        game.head[0, i], game.length[0, i], game.alive[0, i] = cells[0], len(cells), True
        game.heading[0, i] = [tuple(d) for d in DIRECTIONS].index((hr - nr, hc - nc))
    for r, c in fruit:
        game.fruit[0, r, c] = True
    game.fruit_count[0] = len(fruit)


def quiet(**options):
    """A reset snake env whose only fruit are the ones a test puts down."""
    env = arena.envs.make("snake", num_fruits=0, **options)
    env.reset(seed=0)
    return env


@pytest.mark.parametrize("options", [{}, {"num_snakes": 8, "frame_stack": 3}, {"num_snakes": 2, "vision_range": None}])
def test_passes_pettingzoo_parallel_api_and_seed_tests(options):
    parallel_api_test(arena.envs.make("snake", **options), num_cycles=300)
    parallel_seed_test(lambda: arena.envs.make("snake", **options), num_cycles=300)


def test_observation_is_a_window_turned_so_the_snake_faces_up():
    env = quiet(num_snakes=2, vision_range=2)
    # player_0 heads east along row 5; player_1 sits to its north-east; fruit two cells ahead.
    arrange(env, [[(5, 5), (5, 4), (5, 3)], [(3, 6), (3, 7), (3, 8)]], fruit=[(5, 7)])
    observations, *_ = env.step({"player_0": KEEP, "player_1": KEEP})
    view = observations["player_0"]  # head now at (5, 6), facing east
    assert view.shape == (5, 5, 6)
    planes = {name: set(zip(*np.nonzero(view[..., k]))) for k, name in enumerate(arena.envs.snake.PLANES)}
    assert planes["own head"] == {(2, 2)}
    assert planes["own body"] == {(3, 2), (4, 2)}  # behind the head is down the window
    assert planes["fruit"] == {(1, 2)}  # one cell ahead
    # player_1's head moved to (3, 5): two rows north of (5, 6) and one column back, i.e. on the left.
    assert planes["other heads"] == {(3, 0)}
    assert planes["other bodies"] == {(2, 0), (1, 0)}
    assert planes["walls"] == set()
    env.unwrapped.game.head[0, 0] = (0, 6)  # at the top edge, facing east: the north wall is on its left
    walls = env.unwrapped.vision.push()[0, 0][..., 0]
    assert walls[:, :2].all() and not walls[:, 2:].any()


def test_head_on_kills_both_and_credits_no_one():
    env = quiet(num_snakes=3)
    arrange(env, [[(5, 4), (5, 3), (5, 2)], [(5, 6), (5, 7), (5, 8)], [(15, 5), (15, 4), (15, 3)]])
    _, rewards, terminations, _, infos = env.step({"player_0": KEEP, "player_1": KEEP, "player_2": KEEP})
    assert terminations == {"player_0": True, "player_1": True, "player_2": True}  # one left: game over
    assert rewards == {"player_0": -1.0, "player_1": -1.0, "player_2": 0.0}
    assert all(info["kills"] == 0 for info in infos.values())


def test_heads_swapping_cells_is_head_on_too():
    env = quiet(num_snakes=3)
    arrange(env, [[(5, 4), (5, 3), (5, 2)], [(5, 5), (5, 6), (5, 7)], [(15, 5), (15, 4), (15, 3)]])
    _, rewards, _, _, infos = env.step({"player_0": KEEP, "player_1": KEEP, "player_2": KEEP})
    assert rewards["player_0"] == rewards["player_1"] == -1.0
    assert infos["player_0"]["kills"] == infos["player_1"]["kills"] == 0


def test_running_into_a_body_kills_and_credits_its_owner():
    env = quiet(num_snakes=3, reward_dict={"kill": 5.0, "death": -2.0})
    # player_0 turns right (south) into player_1's body, which runs west to east along row 6.
    arrange(env, [[(5, 5), (5, 4), (5, 3)], [(6, 7), (6, 6), (6, 5), (6, 4)], [(15, 5), (15, 4), (15, 3)]])
    _, rewards, terminations, _, infos = env.step({"player_0": RIGHT, "player_1": KEEP, "player_2": KEEP})
    assert terminations["player_0"] and not terminations["player_1"]
    assert rewards == {"player_0": -2.0, "player_1": 5.0, "player_2": 0.0}
    assert infos["player_1"]["kills"] == 1 and env.agents == ["player_1", "player_2"]
    assert not (env.unwrapped.game.owner[0] == 1).any()  # the dead snake is gone from the grid


def test_a_tail_moves_away_in_time_unless_its_snake_grows():
    # player_0 chases player_1's tail: the tail cell frees as player_1 moves on.
    chase = [[(5, 2), (5, 1), (5, 0)], [(5, 6), (5, 5), (5, 4), (5, 3)]]
    env = quiet(num_snakes=2)
    arrange(env, chase)
    _, rewards, terminations, _, _ = env.step({"player_0": KEEP, "player_1": KEEP})
    assert not any(terminations.values()) and rewards == {"player_0": 0.0, "player_1": 0.0}
    # Same chase, but player_1 eats: its tail stays, and player_0 dies on it.
    env = quiet(num_snakes=2)
    arrange(env, chase, fruit=[(5, 7)])
    _, rewards, terminations, _, infos = env.step({"player_0": KEEP, "player_1": KEEP})
    assert terminations["player_0"] and rewards == {"player_0": -1.0, "player_1": 2.0}  # fruit + kill
    assert infos["player_1"] == {"length": 5, "kills": 1}


def test_walls_and_own_body_kill_and_fruit_grows_and_comes_back():
    env = arena.envs.make("snake", num_snakes=2, num_fruits=1)
    env.reset(seed=0)
    arrange(env, [[(0, 5), (1, 5), (2, 5)], [(5, 5), (5, 4), (5, 3), (6, 3), (6, 4)]], fruit=[(9, 9)])
    _, _, terminations, _, _ = env.step({"player_0": KEEP, "player_1": KEEP})
    assert terminations["player_0"]  # off the top edge
    env = arena.envs.make("snake", num_snakes=2, num_fruits=1)
    env.reset(seed=0)
    arrange(env, [[(8, 8), (8, 7), (8, 6)], [(5, 5), (5, 4), (6, 4), (6, 5), (6, 6)]], fruit=[(8, 9)])
    _, rewards, terminations, _, infos = env.step({"player_0": KEEP, "player_1": RIGHT})
    assert terminations["player_1"]  # turned south into its own body
    assert infos["player_0"]["length"] == 4 and rewards["player_0"] == 1.0
    assert env.unwrapped.game.fruit[0].sum() == 1 and not env.unwrapped.game.fruit[0, 8, 9]


def test_the_last_snake_standing_wins_and_max_steps_truncates():
    env = quiet(num_snakes=2, reward_dict={"win": 3.0, "survival": 0.5})
    arrange(env, [[(0, 5), (1, 5), (2, 5)], [(5, 5), (5, 4), (5, 3)]])
    _, rewards, terminations, truncations, _ = env.step({"player_0": KEEP, "player_1": KEEP})
    assert rewards == {"player_0": -1.0, "player_1": 3.5}
    assert terminations == {"player_0": True, "player_1": True} and not any(truncations.values())
    assert env.agents == []
    env = quiet(num_snakes=2, max_steps=3)
    arrange(env, [[(5, 5), (5, 4), (5, 3)], [(10, 5), (10, 4), (10, 3)]])
    for _ in range(3):
        _, _, terminations, truncations, _ = env.step({"player_0": KEEP, "player_1": KEEP})
    assert truncations == {"player_0": True, "player_1": True} and not any(terminations.values())


def test_reward_dict_takes_marlenv_keys_and_refuses_unknown_ones():
    env = arena.envs.make("snake", reward_dict={"fruit": 2.0, "lose": -3.0, "time": 0.1})
    assert env.unwrapped.rules.rewards == {"fruit": 2.0, "kill": 1.0, "lose": -3.0, "win": 0.0, "time": 0.1}
    with pytest.raises(ValueError, match="unknown reward 'bonus'"):
        arena.envs.make("snake", reward_dict={"bonus": 1.0})
    with pytest.raises(ValueError, match="do not fit"):
        arena.envs.make("snake", num_snakes=8, height=6, width=6)


def test_frames_stack_oldest_first():
    env = arena.envs.make("snake", num_snakes=2, frame_stack=2)
    observations, _ = env.reset(seed=1)
    first = observations["player_0"]
    assert first.shape == (11, 11, 12)
    np.testing.assert_array_equal(first[..., :6], first[..., 6:])
    observations, *_ = env.step({"player_0": KEEP, "player_1": KEEP})
    np.testing.assert_array_equal(observations["player_0"][..., :6], first[..., 6:])


def test_vec_env_plays_like_the_single_env_across_auto_resets():
    n_envs, seed = 3, 7
    vec = SnakeVecEnv(n_envs=n_envs, num_snakes=3, height=10, width=10, frame_stack=2)
    singles = [arena.envs.make("snake", num_snakes=3, height=10, width=10, frame_stack=2) for _ in range(n_envs)]
    vec_obs, _ = vec.reset(seed=seed)
    single_obs = [env.reset(seed=seed + i)[0] for i, env in enumerate(singles)]
    rng = np.random.default_rng(0)
    restarts = 0
    for _ in range(150):
        for i, env in enumerate(singles):
            for seat, agent in enumerate(env.possible_agents):
                if agent in env.agents:
                    np.testing.assert_array_equal(vec_obs[i, seat], single_obs[i][agent])
        actions = rng.integers(0, 3, (n_envs, 3))
        vec_obs, vec_rewards, vec_terms, vec_truncs, infos = vec.step(actions)
        for i, env in enumerate(singles):
            live = list(env.agents)
            obs, rewards, terms, truncs, _ = env.step({a: int(actions[i, env.possible_agents.index(a)]) for a in live})
            for agent in live:
                seat = env.possible_agents.index(agent)
                assert infos["active"][i, seat]
                assert (vec_rewards[i, seat], vec_terms[i, seat], vec_truncs[i, seat]) == (rewards[agent], terms[agent], truncs[agent])
            single_obs[i] = obs
            if not env.agents:
                assert infos["done"][i]
                single_obs[i], _ = env.reset()
                restarts += 1
    assert restarts >= n_envs  # the comparison went through auto-resets


@pytest.mark.parametrize("options", [
    {},
    {"num_snakes": 8, "height": 12, "width": 12, "num_fruits": 20},
    {"num_snakes": 2, "vision_range": None, "frame_stack": 3},
    {"num_snakes": 3, "height": 6, "width": 6, "snake_length": 1, "num_fruits": 10,
     "reward_dict": {"fruit": 0.3, "time": 0.01, "win": 2.5, "kill": 1.5}},
    {"num_snakes": 1, "max_steps": 30},
])
def test_the_one_game_engine_plays_exactly_like_the_batch_engine(options):
    # The env plays on SnakeGame; one that was handed to the batch engine (SnakeGames, one game)
    # before its first reset is the reference, and a third is handed over in the middle of each game.
    fast, reference, switching = (arena.envs.make_raw("snake", **options) for _ in range(3))
    reference.unwrapped.game
    assert fast.unwrapped._single is not None and reference.unwrapped._single is None
    rng = np.random.default_rng(1)
    events = {"fruit": 0, "kills": 0, "deaths": 0, "steps": 0}

    def same(got, expected):
        assert got[0].keys() == expected[0].keys()
        for agent in expected[0]:
            assert got[0][agent].dtype == expected[0][agent].dtype
            np.testing.assert_array_equal(got[0][agent], expected[0][agent])
        assert got[1:] == expected[1:]

    for game in range(60):
        if switching.unwrapped._single is None:
            switching = arena.envs.make_raw("snake", **options)
        handover = int(rng.integers(1, 30))
        first = reference.reset(seed=game)
        same(fast.reset(seed=game), first)
        same(switching.reset(seed=game), first)
        while reference.agents:
            actions = {agent: int(rng.integers(3)) for agent in reference.agents}
            if events["steps"] % 100 == handover:
                switching.unwrapped.game  # noqa: B018  (the handover happens on access)
            expected = reference.step(actions)
            same(fast.step(actions), expected)
            same(switching.step(actions), expected)
            assert fast.agents == switching.agents == reference.agents
            events["steps"] += 1
            events["deaths"] += sum(expected[2].values())
            events["fruit"] += sum(r > 0 for r in expected[1].values())
            events["kills"] += sum(info["kills"] for info in expected[4].values())
        assert fast.final_scores() == switching.final_scores() == reference.final_scores()
        assert fast.outcome_text() == reference.outcome_text()
    assert events["steps"] > 200 and events["deaths"] and events["fruit"]
    assert events["kills"] or options.get("num_snakes") == 1


@pytest.mark.parametrize("options", [{"num_snakes": 4}, {"num_snakes": 3, "frame_stack": 2, "vision_range": None}])
def test_a_snake_taken_out_leaves_the_board_alike_in_both_engines(options):
    fast, reference = (arena.envs.make_raw("snake", **options) for _ in range(2))
    reference.unwrapped.game  # noqa: B018  (plays on the batch engine from here on)
    rng = np.random.default_rng(3)
    taken_out = ended_by_it = 0
    for game in range(40):
        expected = reference.reset(seed=game)
        assert all(np.array_equal(fast.reset(seed=game)[0][a], expected[0][a]) for a in expected[0])
        while reference.agents:
            if len(reference.agents) > 1 and rng.random() < 0.05:
                out = reference.agents[int(rng.integers(len(reference.agents)))]
                for env in (fast, reference):
                    env.eliminate(out)
                assert out not in reference.agents and not (reference.unwrapped.game.owner[0] == int(out[-1]) + 1).any()
                taken_out += 1
                ended_by_it += len(reference.agents) == 1
            actions = {agent: int(rng.integers(3)) for agent in reference.agents}
            expected = reference.step(actions)
            got = fast.step(actions)
            assert got[1:] == expected[1:]
            assert all(np.array_equal(got[0][a], expected[0][a]) for a in expected[0])
        assert fast.final_scores() == reference.final_scores()
        assert fast.outcome_text() == reference.outcome_text()
    # Taking out the last but one ends the game at the next step, the one left winning.
    assert taken_out > 10 and ended_by_it > 2


def test_the_last_snake_left_by_a_seat_taken_out_wins_the_next_step():
    env = quiet(num_snakes=3, reward_dict={"win": 5.0})
    arrange(env, [[(5, 5), (5, 4), (5, 3)], [(9, 5), (9, 4), (9, 3)], [(0, 10), (1, 10), (2, 10)]])
    env.step({a: KEEP for a in env.agents})  # player_2 runs north off the grid
    env.unwrapped.eliminate("player_1")
    assert env.agents == ["player_0"] and not (env.unwrapped.game.owner[0] == 2).any()
    _, rewards, terminations, _, _ = env.step({"player_0": KEEP})
    assert rewards == {"player_0": 5.0} and terminations == {"player_0": True} and env.agents == []
    assert env.unwrapped.outcome_text() == ("player_0 survived 2 steps (length 3, kills 0), player_1 taken out after 1 "
                                            "steps (length 3, kills 0), player_2 died at step 1 (length 3, kills 0)")


def test_make_snake_returns_marlenv_shapes():
    env, observation_shape, action_shape, properties = make_snake(n_env=4, num_snakes=3, height=12, width=12,
                                                                  frame_stack=2, vision_range=5)
    assert observation_shape == (11, 11, 12) and action_shape == (3,) and type(action_shape[0]) is int
    assert properties["n_env"] == 4 and properties["num_snakes"] == 3 and properties["reorder"]
    # rl2's workers read the properties by attribute
    assert (properties.n_env, properties.num_envs, properties.reorder, properties.discrete) == (4, 4, True, True)
    assert properties.high.shape == observation_shape and properties.action_info.action_n == 3
    observations, _ = env.reset(seed=0)
    assert observations.shape == (4, 3, 11, 11, 12)
    with pytest.raises(ValueError, match="shape"):
        env.step(np.zeros((4, 2), int))


def test_make_snake_takes_the_number_of_games_by_marlenv_1s_name_too():
    env, _, _, properties = make_snake(num_envs=4, num_snakes=2)
    assert env.n_envs == env.num_envs == properties.num_envs == 4 and env.reset(seed=0)[0].shape[:2] == (4, 2)
    assert make_snake(num_snakes=2)[0].num_envs == 1
    with pytest.raises(ValueError, match="n_env=2 and num_envs=3; give one"):
        make_snake(n_env=2, num_envs=3)


def test_single_agent_view_passes_gymnasium_checks():
    check_env(gymnasium.make("arena/Snake-v0").unwrapped)
    check_env(gymnasium.make("arena/Snake-v0", num_snakes=3, vision_range=None).unwrapped)


def greedy():
    from conftest import SUBMISSIONS

    return instantiate(load(SUBMISSIONS / "snake_greedy"))


def play(agents, seed, **options):
    """A match of snake; its result and the env as the match left it."""
    ends = []
    result = play_match(arena.envs.make_raw("snake", **options), agents, seed=seed, on_step=ends.append)
    return result, ends[-1].unwrapped


def test_greedy_example_outlives_and_outgrows_random_snakes():
    for seed in range(2):
        _, env = play([greedy(), RandomAgent(), RandomAgent(), RandomAgent()], seed)
        scores = env.final_scores()
        assert max(scores, key=scores.get) == "player_0"
        assert env.game.length[0, 0] == env.game.length[0].max() > 3


def test_final_scores_rank_survival_then_length():
    env = quiet(num_snakes=4)
    arrange(env, [[(0, 5), (1, 5), (2, 5)], [(5, 5), (5, 4), (5, 3)],
                  [(0, 10), (1, 10), (2, 10), (3, 10)], [(10, 15), (10, 14), (10, 13), (10, 12)]])
    env.step({a: KEEP for a in env.agents})  # player_0 and player_2 run north off the grid
    env.step({a: KEEP for a in env.agents})
    # player_1 and player_3 survived both steps (3 is longer); 0 and 2 died in the first (2 is longer).
    assert rank(list(env.unwrapped.final_scores().values())) == [4, 2, 3, 1]
    assert env.unwrapped.outcome_text().startswith("player_3 survived 2 steps (length 4, kills 0), player_1")


def test_match_ranks_four_snakes_by_survival_then_length():
    result, env = play([greedy(), RandomAgent(), RandomAgent(), RandomAgent()], seed=0)
    assert [a.rank for a in result.agents] == rank(list(env.final_scores().values()))


def test_video_of_a_four_snake_match(tmp_path):
    result = play_match("snake", [greedy(), greedy(), RandomAgent(), RandomAgent()], seed=2, max_steps=40)
    path = video.record(replay.load(replay.save(result, tmp_path / "snake.json")), tmp_path / "snake.mp4", hold_seconds=0)
    frames = imageio.mimread(path, memtest=False)
    assert len(frames) == result.steps + 1
    height, width, _ = frames[0].shape
    assert height % 16 == 0 and width % 16 == 0
    assert not np.array_equal(frames[0], frames[-1])


def test_text_and_picture_rendering():
    env = arena.envs.make("snake", num_snakes=2, render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert text.count("A") == 1 and text.count("B") == 1 and text.count("*") == 4
    assert text.splitlines()[0] == "#" * 22
    env = arena.envs.make("snake", render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    assert frame.dtype == np.uint8 and frame.shape[2] == 3 and frame.std() > 10


@pytest.mark.parametrize("end_rule, kill_credit", [("all_dead", "marlenv"), ("all_dead", "arena"), ("last_standing", "marlenv")])
def test_both_engines_play_marlenvs_rules_alike(end_rule, kill_credit):
    from arena.envs.snake.engine import SnakeGames
    from arena.envs.snake.rules import SnakeRules
    from arena.envs.snake.single import SnakeGame
    from arena.envs.snake.vision import Vision

    rules = SnakeRules(num_snakes=4, height=8, width=8, num_fruits=6, max_steps=80, end_rule=end_rule,
                       kill_credit=kill_credit, rewards={"fruit": 1.0, "kill": 0.5, "lose": -1.0, "time": 0.1, "win": 2.0})
    single, batch = SnakeGame(rules, 3, 1), SnakeGames(1, rules)
    vision = Vision(batch, 3, 1)
    rng = np.random.default_rng(0)
    seen = {"kills": 0, "won": 0, "steps_alone": 0}
    for game in range(40):
        stack = single.reset(np.random.default_rng(game))
        batch.rngs[0] = np.random.default_rng(game)
        batch.reset_games([0])
        np.testing.assert_array_equal(stack, vision.push(np.ones(1, bool))[0])
        for _ in range(80):
            actions = rng.integers(0, 3, 4)
            stack, rewards, died, ended, truncated = single.step(actions.tolist())
            outcome = batch.step(actions[None])
            np.testing.assert_array_equal(stack, vision.push()[0])
            assert rewards == outcome.rewards[0].tolist() and died == outcome.died[0].tolist()
            assert (ended, truncated) == (outcome.ended[0], outcome.truncated[0])
            assert single.kills == batch.kills[0].tolist()
            seen["won"] += int(outcome.won.any())
            seen["steps_alone"] += int(outcome.moved.sum() == 1)
            if ended or truncated:
                break
        seen["kills"] += sum(single.kills)
    assert seen["kills"] and seen["won"]
    if end_rule == "all_dead":  # the last snake plays on alone, winning each step
        assert seen["won"] == seen["steps_alone"] > 40
