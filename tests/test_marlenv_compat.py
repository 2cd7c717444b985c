"""arena.compat.marlenv: marlenv's snake API (make_snake, Snake-v1, wrappers), its observation, rules and infos,
and a property test that it plays arena's snake game where the two sets of rules coincide."""

import io
import math
import os
import warnings

import gymnasium
import numpy as np
import pytest

import arena.envs
from arena.compat import marlenv
from arena.compat.marlenv import AsyncVectorMultiEnv, SingleAgent, SingleMultiAgent, SnakeEnv, UnknownOptionWarning
from arena.compat.marlenv.core.snake import Direction
from arena.compat.marlenv.envs import CoopSnakeEnv, GraphSnakeEnv
from arena.compat.marlenv.wrappers import make_snake
from arena.envs.snake.engine import DIRECTIONS
from arena.envs.snake.vision import MARLENV_PLANES

KEEP, LEFT, RIGHT = 0, 1, 2
FINAL_KEYS = {"rank", "episode_scores", "episode_steps", "episode_fruits", "episode_kills"}
REWARDS = {"fruit": 1.0, "kill": 0.5, "lose": -1.0, "win": 2.0, "time": 0.1}


def arrange(env, snakes, fruit=(), game=0):
    """Replace the board of game `game` of a reset env; `snakes` are cell lists (on the field inside the walls)
    from head to tail, one per snake, None for a snake already dead."""
    games = env.unwrapped.core.games if hasattr(env, "unwrapped") else env.core.games
    for array in (games.owner, games.life, games.fruit, games.alive):
        array[game] = 0
    for i, cells in enumerate(snakes):
        if cells is None:
            continue
        for life, (r, c) in zip(range(len(cells), 0, -1), cells):
            games.owner[game, r, c], games.life[game, r, c] = i + 1, life
        (hr, hc), (nr, nc) = cells[0], cells[1]
        games.head[game, i], games.length[game, i], games.alive[game, i] = cells[0], len(cells), True
        games.heading[game, i] = [tuple(d) for d in DIRECTIONS].index((hr - nr, hc - nc))
    for r, c in fruit:
        games.fruit[game, r, c] = True
    games.fruit_count[game] = len(fruit)


def planes(view):
    return {name: set(zip(*map(lambda a: a.tolist(), np.nonzero(view[..., k])))) for k, name in enumerate(MARLENV_PLANES)}


# --- make_snake and the shapes of what it makes ---------------------------------------------------------------


@pytest.mark.parametrize("n_env, num_snakes, kind", [(1, 1, SingleAgent), (1, 3, SingleMultiAgent),
                                                     (4, 1, AsyncVectorMultiEnv), (4, 3, AsyncVectorMultiEnv)])
def test_make_snake_returns_marlenvs_env_shapes_and_props(n_env, num_snakes, kind):
    env, obs_shape, ac_shape, props = make_snake(n_env=n_env, num_snakes=num_snakes, height=12, width=12,
                                                 vision_range=4, frame_stack=2)
    # n_env: code written for marlenv before 1.0, whose snakes take the screen's five directions
    assert isinstance(env, kind) and obs_shape == (9, 9, 16) and ac_shape == (5,)
    assert set(props) == {"high", "low", "n_env", "num_envs", "num_snakes", "reorder", "discrete", "action_info"}
    assert props.n_env == props["n_env"] == n_env and props.num_snakes == num_snakes and props.reorder is True
    assert props.discrete and props.action_info.action_n == 5 == len(SnakeEnv.default_action_dict)
    one = obs_shape if num_snakes == 1 else (num_snakes, *obs_shape)
    assert props.high.shape == props.low.shape == one and props.high.max() == 1 and props.low.max() == 0
    batch = one if n_env == 1 else (n_env, *one)
    obs = env.reset(seed=0)
    assert obs.shape == batch and obs.dtype == np.uint8
    actions = np.zeros(batch[:len(batch) - 3], int)
    obs, rews, dones, infos = env.step(actions if actions.ndim else 0)
    assert obs.shape == batch
    if n_env > 1:
        assert rews.shape == dones.shape == batch[:-3] and rews.dtype == np.float64 and dones.dtype == bool
        assert isinstance(infos, tuple) and len(infos) == n_env
        assert env.render("rgb_array").shape == (12, 12, 3)
    elif num_snakes > 1:
        assert len(rews) == len(dones) == num_snakes and isinstance(infos, dict)
    else:
        assert isinstance(rews, float) and isinstance(dones, bool) and isinstance(infos, dict)


def test_marlenv_1_0s_num_envs_turns_the_snakes_and_a_named_observer_is_kept():
    assert make_snake(num_envs=2, num_snakes=2)[2] == make_snake(num_snakes=2)[2] == (3,)  # keep going, left, right
    assert make_snake(n_env=2, num_snakes=2, observer="snake")[2] == (3,)
    env, _, ac_shape, _ = make_snake(n_env=1, num_snakes=1, height=8, width=8)
    assert ac_shape == (5,)
    env.reset(seed=0)
    env.step(4)  # up on the screen, which a snake of marlenv before 1.0 could be told


@pytest.mark.parametrize("env_id", ["Snake-v1", "SnakeCoop-v1", "SnakeGraph-v1"])
def test_an_unknown_keyword_warns_naming_the_env_it_was_given_to(env_id):
    import gymnasium

    with pytest.warns(UnknownOptionWarning, match=rf"^arena.compat.marlenv: {env_id} ignores bogus=1 "):
        gymnasium.make(env_id, num_snakes=2, bogus=1)
    with pytest.warns(UnknownOptionWarning, match=rf"^arena.compat.marlenv: {env_id} ignores bogus=1 "):
        make_snake(num_snakes=2, env_id=env_id, bogus=1)


def test_num_envs_is_n_env_and_an_unknown_keyword_warns_by_name():
    with pytest.warns(UnknownOptionWarning, match=r"vision_rang=5\b.*vision_range"):
        env, obs_shape, _, props = make_snake(num_envs=3, num_snakes=2, vision_rang=5)
    assert props.n_env == props.num_envs == 3 and env.num_envs == 3
    assert obs_shape == (20, 20, 8)  # ignored, as marlenv does: vision_range stays None, the whole map
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_snake(num_snakes=2, vision_range=5, num_fruits=2, max_episode_steps=10, observer="snake",
                   reward_dict=dict(REWARDS))
    with pytest.raises(ValueError, match="n_env"):
        make_snake(n_env=2, num_envs=3)


def test_defaults_are_marlenvs():
    env = SnakeEnv()
    assert (env.num_snakes, env.grid_shape, env.snake_length, env.vision_range, env.frame_stack) == (4, (20, 20), 3, None, 1)
    assert env.reward_dict == {"fruit": 1.0, "kill": 0.0, "lose": 0.0, "win": 0.0, "time": 0.0}
    assert env.max_episode_steps == 10_000 and env.observation_space.shape == (4, 20, 20, 8)
    assert [SnakeEnv(num_snakes=n).num_fruits for n in range(1, 9)] == [1, 2, 2, 3, 4, 5, 6, 6]
    assert SnakeEnv(vision_range=0).vision_range is None  # falsy: the whole map, as marlenv reads it


def test_reward_dict_must_name_the_five_events():
    with pytest.raises(KeyError, match="fruit, kill, lose, win, time"):
        SnakeEnv(reward_dict={"fruit": 1.0})
    with pytest.raises(ValueError, match="observer"):
        SnakeEnv(observer="bird")


def test_snake_v1_is_registered_with_gymnasium():
    env = gymnasium.make("Snake-v1", num_snakes=1, height=10, width=10)
    assert isinstance(env, SnakeEnv)
    single = marlenv.wrappers.SingleAgent(env)
    assert single.reset(seed=0).shape == (10, 10, 8) and single.action_space.n == 3
    assert env.step(np.int64(1))[0].shape == env.step(np.array(0))[0].shape == (1, 10, 10, 8)
    with pytest.raises(ValueError, match="one action per snake"):
        SnakeEnv(num_snakes=2).step([0])
    with pytest.raises(ValueError, match="one-snake"):
        SingleAgent(SnakeEnv(num_snakes=2))


@pytest.mark.parametrize("env_id", ["Snake-v1", "SnakeCoop-v1", "SnakeGraph-v1"])
def test_a_step_limit_given_to_gymnasium_make_fails_saying_where_it_goes(env_id):
    # gymnasium.make keeps max_episode_steps for its TimeLimit, whose reset passes `options` on.
    env = gymnasium.make(env_id, num_snakes=2, max_episode_steps=5)
    with pytest.raises(TypeError, match=r"TimeLimit, which needs a five-value step\(\); give the limit to the env "
                                        rf"itself: .*make_snake\(\.\.\., env_id='{env_id}', max_episode_steps=N\)"):
        env.reset(seed=0)
    limited, *_ = make_snake(num_snakes=2, env_id=env_id, max_episode_steps=5, height=12, width=12)
    limited.reset(seed=0)
    arrange(limited, [[(5, 1), (5, 0)], [(7, 1), (7, 0)]])  # two snakes heading east with room for five steps
    assert [all(limited.step([KEEP, KEEP])[2]) for _ in range(5)] == [False] * 4 + [True]


# --- the observation ------------------------------------------------------------------------------------------


def test_observation_is_an_unturned_crop_with_eight_planes():
    env = SnakeEnv(num_snakes=2, height=12, width=12, vision_range=2, num_fruits=0)
    env.reset(seed=0)
    # Snake 0 heads east along field row 5; snake 1 sits north-east of it, heading west; fruit two cells ahead.
    arrange(env, [[(5, 5), (5, 4), (5, 3)], [(3, 6), (3, 7), (3, 8)]], fruit=[(5, 7)])
    obs, *_ = env.step([KEEP, KEEP])
    view = planes(obs[0])  # head now at (5, 6): north stays up, east stays right
    assert obs.shape == (2, 5, 5, 8)
    assert view["own head"] == {(2, 2)} and view["own body"] == {(2, 1)} and view["own tail"] == {(2, 0)}
    assert view["fruit"] == {(2, 3)}
    assert view["other heads"] == {(0, 1)} and view["other bodies"] == {(0, 2)} and view["other tails"] == {(0, 3)}
    assert view["walls"] == set()
    # Near the wall: the ring of walls shows, and past it the window is empty.
    arrange(env, [[(0, 1), (1, 1), (2, 1)], [(8, 8), (8, 7), (8, 6)]])
    obs, *_ = env.step([KEEP, KEEP])  # snake 0 runs into the north wall and dies
    dead = planes(obs[0])
    assert dead["own head"] == dead["own body"] == set()
    # A dead snake's window is cut around the ring's top-left corner: ring cells right and below it, nothing beyond.
    assert dead["walls"] == {(2, 2), (2, 3), (2, 4), (3, 2), (4, 2)}
    # Snake 1's head at field (8, 9), in a corner of the 10 x 10 field: the ring one column right and one row
    # down, and past it nothing.
    assert planes(obs[1])["walls"] == {(r, 3) for r in range(5)} | {(4, c) for c in range(4)}


def test_whole_map_observation_and_frame_stack():
    env = SnakeEnv(num_snakes=2, height=9, width=11, frame_stack=3)
    first = env.reset(seed=3)
    assert first.shape == (2, 9, 11, 24)
    np.testing.assert_array_equal(first[..., :8], first[..., 16:])  # the start repeated
    walls = first[0, ..., 0]
    assert walls[[0, -1]].all() and walls[:, [0, -1]].all() and walls[1:-1, 1:-1].sum() == 0
    second, *_ = env.step([KEEP, KEEP])
    np.testing.assert_array_equal(second[..., 8:16], first[..., 16:])  # oldest first
    np.testing.assert_array_equal(second[0, ..., 16 + 5], second[1, ..., 16 + 2])  # 0's own head is 1's other head


def test_encoding_the_grid_gives_the_engines_view():
    from arena.compat.marlenv.envs.snake_env import encode_grid

    for vision_range in (None, 3):
        env = SnakeEnv(num_snakes=3, height=10, width=11, vision_range=vision_range)
        obs = env.reset(seed=2)
        for _ in range(12):
            np.testing.assert_array_equal(np.array(encode_grid(env.grid, 3, vision_range)), obs)
            obs, *_ = env.step([KEEP, LEFT, KEEP])


class FruitBlind(SnakeEnv):
    """A user's subclass through marlenv's hooks: frames without the fruit plane, and a game over at the first death."""

    def _encode(self, obs, vision_range=None):
        frames = super()._encode(obs, vision_range)
        return [frame[..., [0, 2, 3, 4, 5, 6, 7]] for frame in frames]

    def _done_fn(self, dones):
        return any(dones)


def test_a_subclass_overriding_encode_and_done_fn_changes_what_reset_and_step_return():
    blind, plain = (kind(num_snakes=2, height=9, width=9, frame_stack=2, vision_range=2) for kind in (FruitBlind, SnakeEnv))
    kept = [k for k in range(16) if k % 8 != 1]  # every plane but each frame's fruit
    obs, seen = blind.reset(seed=0), plain.reset(seed=0)
    assert obs.shape == (2, 5, 5, 14) and obs.dtype == np.uint8
    for env in (blind, plain):
        arrange(env, [[(3, 3), (3, 2), (3, 1)], [(5, 6), (5, 5), (5, 4)]], fruit=[(3, 4)])
    for actions in ([KEEP, RIGHT], [KEEP, KEEP]):  # snake 0 eats; snake 1 turns south, then into the wall
        obs, _, dones, info = blind.step(actions)
        seen, _, plain_dones, plain_info = plain.step(actions)
        np.testing.assert_array_equal(obs, seen[..., kept])
    # Over at the first death by the subclass's rule: the final info, the dones as they are.
    assert dones == plain_dones == [False, True] and set(info) == FINAL_KEYS and plain_info == {}


class Mirrored(SnakeEnv):
    """A subclass overriding the observation hooks themselves."""

    def _init_obs(self):
        return [view[:, ::-1] for view in super()._init_obs()]

    def _get_obs(self):
        return [view[:, ::-1] for view in super()._get_obs()]


def test_a_subclass_overriding_init_obs_and_get_obs_changes_the_observations():
    plain, mirrored = SnakeEnv(num_snakes=2, height=9, width=10), Mirrored(num_snakes=2, height=9, width=10)
    np.testing.assert_array_equal(mirrored.reset(seed=1), plain.reset(seed=1)[:, :, ::-1])
    np.testing.assert_array_equal(mirrored.step([KEEP, LEFT])[0], plain.step([KEEP, LEFT])[0][:, :, ::-1])


class MarlenvsGraphEnv(SnakeEnv):
    """marlenv 1.0.1's GraphSnakeEnv rays as a user's subclass writes them: from `snakes` and the turn angles
    of `action_dict` (its image branches left out)."""

    def _init_obs(self):
        return self._process_obs(super()._init_obs())

    def _get_obs(self):
        return self._process_obs(super()._get_obs())

    def _process_obs(self, obs):
        reach = self.vision_range or 5
        proc_obs = []
        snake_idx = 0
        for snake in self.snakes:
            if not snake.alive:
                continue
            angle = math.atan2(snake.direction.value[1], snake.direction.value[0])
            head = (self.vision_range, self.vision_range) if self.vision_range else snake.head_coord
            ways = [(int(math.cos(angle + self.action_dict[l])), int(math.sin(angle + self.action_dict[l])))
                    for l in range(3)]
            ways += [np.add(ways[0], ways[1]), np.add(ways[0], ways[2])]  # the diagonals ahead-left, ahead-right
            proc_ob = []
            for k, (dr, dc) in enumerate(ways):
                proc_ob.append(np.zeros((self.obs_ch,)))
                for i in range(reach):
                    temp_ob = obs[snake_idx][head[0] + dr * (i + 1)][head[1] + dc * (i + 1)]
                    proc_ob[-1] += temp_ob / ((i + 1) * (math.sqrt(2) if k > 2 else 1))
                    if temp_ob[0] == 1:
                        break
            proc_obs.append(np.array(proc_ob))
            snake_idx += 1
        return np.array(proc_obs)


@pytest.mark.parametrize("vision_range", [None, 4])
def test_a_subclass_reading_snakes_and_turn_angles_sees_the_rays_of_snake_graph_v1(vision_range):
    user, graph = (kind(num_snakes=3, height=12, width=12, vision_range=vision_range)
                   for kind in (MarlenvsGraphEnv, GraphSnakeEnv))
    np.testing.assert_array_equal(user.reset(seed=3), graph.reset(seed=3))
    rng = np.random.default_rng(0)
    for _ in range(40):
        actions = rng.integers(0, 3, 3).tolist()
        obs, rewards, dones, _ = user.step(actions)
        expected, *others = graph.step(actions)
        np.testing.assert_array_equal(obs, expected)
        if all(dones):
            break
    assert user.action_dict == {0: 0.0, 1: math.pi / 2, 2: -math.pi / 2}
    assert SnakeEnv(observer="human").action_dict == SnakeEnv.default_action_dict  # marlenv's names


def test_snakes_and_episode_figures_read_the_game_in_grid_coordinates():
    env = SingleMultiAgent(SnakeEnv(num_snakes=3, height=10, width=10, num_fruits=0, reward_dict=dict(REWARDS)))
    env.reset(seed=0)
    # Snake 0 heads east and eats; snake 1 heads north into the wall; snake 2 heads west.
    arrange(env, [[(2, 4), (2, 3), (2, 2)], [(0, 1), (1, 1), (2, 1)], [(6, 5), (6, 6), (6, 7)]], fruit=[(2, 5)])
    _, rewards, _, _ = env.step([KEEP, KEEP, LEFT])
    first, second, third = env.snakes
    assert [s.idx for s in env.snakes] == [0, 1, 2] and [s.alive for s in env.snakes] == [True, False, True]
    # The grid's coordinates count the ring of walls: field cell (r, c) is grid cell (r + 1, c + 1).
    assert first.coords == [(3, 6), (3, 5), (3, 4), (3, 3)] and len(first) == 4
    assert (first.head_coord, first.tail_coord, first.direction) == ((3, 6), (3, 3), Direction.RIGHT)
    assert third.coords == [(8, 6), (7, 6), (7, 7)] and third.direction == Direction.DOWN
    assert third.head_coord - third.direction == third.coords[1]  # marlenv's coordinate arithmetic
    for snake in (first, third):
        assert env.grid[snake.head_coord] == 10 * snake.idx + 3 and env.grid[snake.tail_coord] == 10 * snake.idx + 5
    assert second.coords == [] and len(second) == 0 and second.head_coord == (1, 2)  # off the board
    assert env.alive_snakes == 2 and env.episode_length == 1
    np.testing.assert_allclose(env.epi_scores, [1.1, 0.0, 0.1])
    np.testing.assert_array_equal(env.epi_steps, [1, 0, 1])
    np.testing.assert_array_equal(env.epi_fruits, [1, 0, 0])
    np.testing.assert_array_equal(env.epi_kills, [0, 0, 0])
    with pytest.raises(AttributeError):
        env.unwrapped.alive_snakes = 3  # views of the game, not state of their own


# --- the rules: dead snakes stay, the game goes on, marlenv's kill credit, the final info ---------------------


def test_dead_snakes_stay_and_the_survivor_wins_every_step_until_it_dies():
    env = SnakeEnv(num_snakes=3, height=12, width=12, num_fruits=0, reward_dict=dict(REWARDS))
    env.reset(seed=0)
    # Snake 0 runs into snake 1's body (a kill for 1); snake 2 reaches the north wall one step later.
    arrange(env, [[(4, 4), (4, 3), (4, 2)], [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5), (6, 5)],
                  [(1, 8), (2, 8), (3, 8)]])
    obs, rews, dones, info = env.step([KEEP, KEEP, KEEP])
    assert dones == [True, False, False] and rews == [-1.0, 0.1 + 0.5, 0.1] and info == {}
    obs, rews, dones, info = env.step([KEEP, RIGHT, KEEP])  # snake 2 into the wall: snake 1 alone
    assert dones == [True, False, True] and rews == [0.0, 0.1 + 2.0, -1.0] and info == {}
    assert obs.shape == (3, 12, 12, 8) and obs[0, ..., 5].sum() == 0  # the dead still observe
    for _ in range(3):  # snake 1 goes on east along the top row, winning each step
        obs, rews, dones, info = env.step([KEEP, KEEP, KEEP])
        assert dones == [True, False, True] and rews == [0.0, 2.1, 0.0] and info == {}
    obs, rews, dones, info = env.step([KEEP, KEEP, KEEP])  # and into the east wall
    assert dones == [True, True, True] and rews == [0.0, -1.0, 0.0] and set(info) == FINAL_KEYS
    # The figures count the steps a snake ends alive: the step it dies in is not in them.
    np.testing.assert_array_equal(info["episode_steps"], [0, 5, 1])
    np.testing.assert_allclose(info["episode_scores"], [0.0, 0.6 + 4 * 2.1, 0.1])
    np.testing.assert_array_equal(info["episode_kills"], [0, 1, 0])
    assert info["rank"] == [3, 1, 2]
    _, rews, dones, info = env.step([KEEP, KEEP, KEEP])  # stepped on regardless: nothing more happens
    assert rews == [0.0] * 3 and dones == [True] * 3 and info["rank"] == [1, 1, 1]


def test_kills_are_credited_as_marlenv_credits_them():
    env = SnakeEnv(num_snakes=4, height=14, width=14, num_fruits=0, reward_dict=dict(REWARDS, time=0.0))
    env.reset(seed=0)
    # 0 and 1 swap heads (each credited), 2 runs into its own body (credited), 3 goes on.
    arrange(env, [[(2, 2), (2, 1), (2, 0)], [(2, 3), (2, 4), (2, 5)],
                  [(6, 6), (6, 5), (7, 5), (7, 6), (7, 7)], [(11, 1), (11, 2), (11, 3)]])
    _, rews, dones, _ = env.step([KEEP, KEEP, RIGHT, KEEP])
    assert dones == [True, True, True, False]
    assert rews == [-0.5, -0.5, -0.5, 2.0]


def test_ties_share_a_rank_and_max_episode_steps_ends_every_snake():
    env = SnakeEnv(num_snakes=3, height=12, width=14, num_fruits=0, max_episode_steps=3)
    env.reset(seed=0)
    arrange(env, [[(1, 1), (2, 1), (3, 1)], [(1, 5), (2, 5), (3, 5)], [(1, 9), (2, 9), (3, 9)]], fruit=[(0, 5)])
    env.step([KEEP, KEEP, KEEP])
    _, rews, dones, info = env.step([RIGHT, RIGHT, RIGHT])
    assert dones == [False] * 3 and info == {}
    _, rews, dones, info = env.step([KEEP, KEEP, KEEP])
    assert dones == [True] * 3 and info["rank"] == [2, 1, 2]
    np.testing.assert_array_equal(info["episode_scores"], [0, 1, 0])
    np.testing.assert_array_equal(info["episode_steps"], [3, 3, 3])


def test_human_observer_turns_to_screen_directions_across_its_way_only():
    env = SnakeEnv(num_snakes=1, height=12, width=12, num_fruits=0, observer="human")
    assert env.action_space.nvec.tolist() == [5]
    env.reset(seed=0)
    arrange(env, [[(5, 5), (6, 5), (7, 5)]])  # heading up
    games = env.core.games
    for action, heading in [(3, 0), (4, 0), (2, 1), (2, 1), (1, 1), (3, 2), (0, 2), (1, 3), (4, 0)]:
        env.step([action])
        assert games.heading[0, 0] == heading, (action, heading)
    with pytest.raises(ValueError, match="0..4"):
        env.step([5])


def test_vector_env_restarts_finished_games_and_is_seeded():
    def run(seed):
        env, *_ = make_snake(n_env=3, num_snakes=2, height=8, width=8, vision_range=2, frame_stack=2)
        first = env.reset(seed=seed)
        rng = np.random.default_rng(0)
        frames, finals = [first], []
        for _ in range(150):
            obs, rews, dones, infos = env.step(rng.integers(0, 3, (3, 2)))
            frames.append(obs)
            for g in np.flatnonzero(dones.all(1)):
                assert set(infos[g]) == FINAL_KEYS
                # The row is the new game's first observation: its stacked frames repeat one frame.
                np.testing.assert_array_equal(obs[g, ..., :8], obs[g, ..., 8:])
                finals.append(infos[g])
            assert all(infos[g] == {} for g in np.flatnonzero(~dones.all(1)))
        return np.stack(frames), finals

    frames, finals = run(5)
    again, _ = run(5)
    other, _ = run(6)
    assert len(finals) > 3
    np.testing.assert_array_equal(frames, again)
    assert not np.array_equal(frames, other)


def test_a_vector_of_several_snake_games_reads_one_snakes_spaces_as_marlenvs_did():
    # marlenv's vector env is gym's over its one-snake wrappers: single_action_space is one snake's
    # Discrete, as SingleMultiAgent's own action_space is. Code sizes its policy heads from it.
    env, observation_shape, action_shape, props = make_snake(num_envs=4, num_snakes=3, vision_range=3)
    one, _, _, _ = make_snake(num_envs=1, num_snakes=3, vision_range=3)
    n_actions = env.single_action_space.n
    assert n_actions == one.action_space.n == action_shape[0]
    assert env.single_observation_space.shape == one.observation_space.shape == (3, *observation_shape)
    env.reset(seed=0)
    actions = np.random.default_rng(0).integers(n_actions, size=(props.num_envs, props.num_snakes))
    assert env.action_space.contains(actions)  # one action per snake per game, as step takes them
    obs, rewards, dones, infos = env.step(actions)
    assert rewards.shape == dones.shape == (4, 3)


@pytest.mark.parametrize("num_snakes", [1, 3])
def test_make_snake_makes_a_snake_graph_game_as_marlenvs_does(num_snakes):
    # marlenv's make_snake hands env_id to gym.make, SnakeGraph-v1 included: five rays per live snake.
    env, observation_shape, action_shape, props = make_snake(num_envs=1, num_snakes=num_snakes, env_id="SnakeGraph-v1",
                                                             vision_range=4, frame_stack=2)
    assert observation_shape == (5, 16) and action_shape == (3,) and props.high.shape[-2:] == (5, 16)
    obs = env.reset(seed=0)
    assert np.shape(obs) == ((5, 16) if num_snakes == 1 else (num_snakes, 5, 16))
    assert env.observation_space.contains(np.asarray(obs, np.uint8))
    obs, rewards, dones, info = env.step(0 if num_snakes == 1 else [0] * num_snakes)
    assert np.shape(obs)[-2:] == (5, 16)
    with pytest.raises(ValueError, match="one game"):
        make_snake(num_envs=2, num_snakes=num_snakes, env_id="SnakeGraph-v1")


@pytest.mark.parametrize("old_id, env_class", [("CoopSnake-v1", CoopSnakeEnv), ("GraphSnake-v1", GraphSnakeEnv)])
def test_the_ids_marlenv_gave_its_coop_and_graph_games_before_1_0_make_them_too(old_id, env_class):
    # marlenv registered CoopSnake-v1 and GraphSnake-v1 until 1.0 renamed them; its own tests of the time make them,
    # and its make_snake of the time took the id as `id=`.
    env = gymnasium.make(old_id, num_snakes=2, height=10, width=10)
    assert isinstance(env, env_class)
    env.reset(seed=0)
    env.step([KEEP, KEEP])
    made, observation_shape, *_ = make_snake(num_envs=1, num_snakes=2, id=old_id, vision_range=4)
    assert isinstance(made.unwrapped, env_class)
    assert observation_shape == ((5, 8) if env_class is GraphSnakeEnv else (9, 9, 8))


def test_step_takes_each_snakes_action_as_an_int_or_a_one_element_array_mixed():
    # Agents of a multi-agent loop answer each in its own way: a network's batch of one (shape (1,)),
    # a 0-d array, a plain int. marlenv reads each snake's action on its own (`.item()` of an array).
    env, *_ = make_snake(num_envs=1, num_snakes=3, height=10, width=10)
    twin, *_ = make_snake(num_envs=1, num_snakes=3, height=10, width=10)
    env.reset(seed=4)
    twin.reset(seed=4)
    for turn in range(6):
        mixed = [np.array([turn % 3]), np.int64(LEFT), np.array(KEEP)]
        obs, rewards, dones, info = env.step(mixed)
        expected = twin.step([turn % 3, LEFT, KEEP])
        np.testing.assert_array_equal(obs, expected[0])
        assert (rewards, dones) == expected[1:3]
    vector, *_ = make_snake(num_envs=2, num_snakes=2, height=10, width=10)
    vector.reset(seed=0)
    _, rewards, _, _ = vector.step([[np.array([KEEP]), RIGHT], [np.int64(LEFT), np.array(KEEP)]])
    assert rewards.shape == (2, 2)


def test_the_vector_env_takes_actions_shaped_one_per_snake_per_game_only():
    def stepped(actions):
        env, *_ = make_snake(num_envs=2, num_snakes=3, height=10, width=10)
        env.reset(seed=0)
        return env.step(actions)[0]

    per_game = [[KEEP, LEFT, RIGHT], [RIGHT, KEEP, LEFT]]
    expected = stepped(np.array(per_game))
    # As marlenv's takes them: per-game lists, a snake axis of one-element arrays, ints mixed with such arrays.
    for same in (per_game, np.array(per_game)[..., None], [[KEEP, np.array([LEFT]), RIGHT], [RIGHT, KEEP, LEFT]]):
        np.testing.assert_array_equal(stepped(same), expected)
    # A transposed (num_snakes, n_env) array would hand the actions to the wrong snakes; so would a flat one.
    for wrong in (np.array(per_game).T, np.ravel(per_game), np.ravel(per_game)[:, None]):
        with pytest.raises(ValueError, match=r"expected actions of shape \(2, 3\).*got shape \((3, 2|6,|6, 1)\)$"):
            stepped(wrong)


def test_async_vector_multi_env_takes_env_functions():
    env = AsyncVectorMultiEnv([lambda: SingleMultiAgent(SnakeEnv(num_snakes=2, height=9, width=9))] * 2)
    assert env.reset(seed=0).shape == (2, 2, 9, 9, 8) and env.num_envs == 2
    with pytest.raises(ValueError, match="share"):
        AsyncVectorMultiEnv([lambda: SnakeEnv(height=9, width=9), lambda: SnakeEnv(height=10, width=10)])


def test_render_draws_the_grid_one_pixel_a_cell(capsys, tmp_path):
    env = SnakeEnv(num_snakes=2, height=9, width=10)
    env.reset(seed=0)
    image = env.render("rgb_array")
    assert image.shape == (9, 10, 3) and image.dtype == np.uint8
    assert len({tuple(p) for p in image.reshape(-1, 3)}) >= 5  # walls, floor, fruit, two snakes (heads lighter)
    env.render("ascii")
    assert capsys.readouterr().out.count("\n") == 9
    env.render("gif")
    env.step([KEEP, KEEP])
    env.render("gif")
    path = env.save_gif(str(tmp_path / "game.gif"))
    assert (tmp_path / "game.gif").stat().st_size > 0 and path.endswith("game.gif")
    in_memory = io.BytesIO()
    env.save_gif(in_memory)  # as marlenv's tests save it: a file object, or a name without .gif
    env.save_gif(str(tmp_path / "episode"))
    assert in_memory.getvalue()[:6] == (tmp_path / "episode").read_bytes()[:6] == b"GIF89a"
    assert in_memory.getvalue() == (tmp_path / "game.gif").read_bytes()


def test_ascii_render_and_grid_use_marlenvs_cell_codes_and_characters(capsys):
    env = SnakeEnv(num_snakes=3, height=7, width=8, num_fruits=0)
    env.reset(seed=0)
    # Snake 0 eats at (1, 3) and keeps its tail; snake 1 runs into the wall and leaves the board.
    arrange(env, [[(1, 2), (1, 1), (1, 0)], [(4, 0), (4, 1), (4, 2)], [(3, 5), (2, 5)]], fruit=[(1, 3), (3, 3)])
    env.step([KEEP, KEEP, RIGHT])
    env.render("ascii")
    # Every snake in the same characters: H head, b body, t tail; o fruit, # wall, . empty.
    assert capsys.readouterr().out == "\n".join(["########", "#......#", "#tbbH..#", "#......#", "#...oHt#",
                                                  "#......#", "########"]) + "\n"
    assert env.grid[2, 1] == 5 and env.grid[2, 4] == 3 and env.grid[4, 5] == 23 and env.grid[4, 6] == 25
    assert env.grid[0, 0] == 1 and env.grid[4, 4] == 2 and env.grid[5, 1] == 0
    vector, *_ = make_snake(n_env=2, num_snakes=2, height=7, width=7)
    vector.reset(seed=0)
    assert set(vector.text()) <= set(".#oHbt\n")


def test_the_coop_env_ends_for_every_snake_once_one_dies():
    coop = gymnasium.make("SnakeCoop-v1", num_snakes=3, height=8, width=8)
    plain = SnakeEnv(num_snakes=3, height=8, width=8)
    coop.reset(seed=4)
    plain.reset(seed=4)
    for steps in range(1, 100):
        _, coop_rewards, coop_dones, coop_info = coop.step([KEEP] * 3)  # straight ahead: into a wall before long
        _, rewards, dones, info = plain.step([KEEP] * 3)
        assert coop_rewards == rewards
        if any(dones):
            break
    assert any(dones) and not all(dones) and coop_dones == [True] * 3
    # That step ends the episode there, as marlenv's does: its ranks and figures, counted up to it.
    assert info == {} and set(coop_info) == {"rank", "episode_scores", "episode_steps", "episode_fruits",
                                              "episode_kills"}
    assert coop_info["episode_steps"].tolist() == [steps - 1 if done else steps for done in dones]


def test_snake_graph_v1_sees_five_rays_per_live_snake():
    env = gymnasium.make("SnakeGraph-v1", num_snakes=2, height=10, width=10, num_fruits=0)
    assert isinstance(env, GraphSnakeEnv) and env.reset(seed=0).shape == env.observation_space.shape == (2, 5, 8)
    # Snake 0 heads east along field row 2: fruit one cell ahead, the east wall three; snake 1 heads north
    # two cells to its right (south), its head, body and tail in line.
    arrange(env, [[(2, 5), (2, 4), (2, 3)], [(4, 5), (5, 5), (6, 5)]], fruit=[(2, 6)])
    ahead, left, right, ahead_left, ahead_right = env._process_obs(env._encode(env.grid))[0]
    third, diagonal_third = 1 / 3, 1 / (3 * np.sqrt(2))  # a cell three steps away, straight or diagonal
    np.testing.assert_allclose(ahead, [third, 1, 0, 0, 0, 0, 0, 0])  # each cell over its distance
    np.testing.assert_allclose(left, [third, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(right, [0, 0, 1 / 2, 1 / 3, 1 / 4, 0, 0, 0])  # five cells: the wall is past reach
    np.testing.assert_allclose(ahead_left, [diagonal_third, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(ahead_right, ahead_left)
    obs, *_ = env.step([KEEP, KEEP])  # snake 0 eats; cast to uint8 as marlenv casts it
    assert obs.dtype == np.uint8 and obs.shape == (2, 5, 8) and obs.max() <= env.observation_space.high.max()
    obs, _, dones, _ = env.step([KEEP, KEEP])  # snake 1 into snake 0's body: only live snakes are seen
    assert dones == [False, True] and obs.shape == (1, 5, 8)
    with pytest.raises(ValueError, match="observer='snake'"):
        GraphSnakeEnv(observer="human")


def test_make_snake_makes_coop_games_too_and_their_vector_restarts_a_game_once_a_snake_is_done():
    env, _, ac_shape, _ = make_snake(num_envs=4, num_snakes=2, env_id="SnakeCoop-v1", height=8, width=8)
    env.reset(seed=0)
    ended = 0
    for _ in range(40):
        obs, _, dones, infos = env.step(np.zeros((4, 2), int))
        for done, info in zip(dones, infos):
            assert done.all() == bool(info) and (done.all() or not done.any())  # all done together, with the info
            ended += bool(info)
    assert ended >= 4
    single, *_ = make_snake(num_envs=1, num_snakes=2, env_id="SnakeCoop-v1")
    assert isinstance(single.unwrapped, CoopSnakeEnv)


def test_until_seeded_a_game_comes_from_numpys_global_generator_as_in_marlenv():
    def game(global_seed):
        np.random.seed(global_seed)
        env = SnakeEnv(num_snakes=2, height=10, width=10)
        return [env.reset()] + [env.step([KEEP, KEEP])[0] for _ in range(5)]

    assert all(np.array_equal(a, b) for a, b in zip(game(123), game(123)))
    assert not all(np.array_equal(a, b) for a, b in zip(game(123), game(124)))


def test_until_seeded_a_batch_of_games_comes_from_numpys_global_generator_too():
    def games(global_seed):
        np.random.seed(global_seed)
        env, *_ = make_snake(n_env=4, num_snakes=3, vision_range=5)
        return [env.reset()] + [env.step(np.zeros((4, 3), int))[0] for _ in range(20)]

    assert all(np.array_equal(a, b) for a, b in zip(games(0), games(0)))
    assert not all(np.array_equal(a, b) for a, b in zip(games(0), games(1)))


def test_make_snake_takes_gym_makes_own_keywords_without_a_word(recwarn):
    # marlenv 1.0's own tests pass disable_env_checker=True, which its make_snake hands to gym.make.
    env, *_ = make_snake(num_envs=1, num_snakes=2, disable_env_checker=True, order_enforce=False)
    env.reset(seed=0)
    assert not [w for w in recwarn if issubclass(w.category, UnknownOptionWarning)]
    with pytest.warns(UnknownOptionWarning, match="disable_checks=True"):
        make_snake(num_envs=1, num_snakes=2, disable_checks=True)


@pytest.mark.parametrize("version, actions", [("0.17.3", 5), ("0.21.0", 5), ("0.24.1", 3), ("0.26.2", 3)])
def test_through_a_gym_of_marlenvs_first_era_snakes_take_the_five_screen_directions(monkeypatch, version, actions):
    # rl2's examples pin an old gym and gym.make("Snake-v1"); a model trained through make_snake(n_env=...)
    # (five actions, as marlenv before 1.0 gave both ways) must load on that env.
    import sys
    import types

    import gymnasium

    from arena.compat.marlenv.envs import old_gym

    monkeypatch.setitem(sys.modules, "gym", types.SimpleNamespace(__version__=version, spaces=gymnasium.spaces))
    env = old_gym.snake_env(num_snakes=2, height=10, width=10)
    assert per_snake_actions(env.action_space) == [actions] * 2
    assert per_snake_actions(old_gym.snake_env(num_snakes=2, observer="snake").action_space) == [3, 3]  # as it names


def per_snake_actions(space):
    """Each snake's action count: listed in `n` by marlenv before 1.0, in `nvec` by arena's own spaces."""
    return list(space.n) if isinstance(getattr(space, "n", None), list) else space.nvec.tolist()


def test_through_a_gym_of_marlenvs_first_era_the_raw_envs_spaces_list_each_snakes(monkeypatch):
    # rl2's multi-agent examples pair them up: zip(env.observation_space.shape, env.action_space.n).
    import sys
    import types

    from arena.compat.marlenv.envs import old_gym

    monkeypatch.setitem(sys.modules, "gym", types.SimpleNamespace(__version__="0.17.3", spaces=gymnasium.spaces))
    env = old_gym.snake_env(num_snakes=3, height=12, width=12, vision_range=4, frame_stack=2)
    assert env.observation_space.shape == [(9, 9, 16)] * 3 and env.action_space.n == [5] * 3
    assert sum(env.action_space.n) == 15 and len(env.action_space.sample()) == 3  # an action for each snake
    obs = env.reset(seed=0)
    assert [view.shape for view in obs] == env.observation_space.shape
    env.step(env.action_space.sample())
    several = SingleMultiAgent(env)  # marlenv's wrappers gave one snake's spaces, as they still do
    assert several.observation_space.shape == (3, 9, 9, 16) and several.action_space.n == 5
    one = SingleAgent(old_gym.snake_env(num_snakes=1, height=10, width=10))
    assert one.observation_space.shape == (10, 10, 8) and one.action_space.n == 5


def test_the_snake_game_does_not_import_the_compat_layer():
    import subprocess
    import sys

    code = "import sys, arena.envs.snake; print(sorted(m for m in sys.modules if m.startswith('arena.compat')))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "[]\n"


OLD_GYM_README = """
import gym
import arena.compat.marlenv as marlenv

env = gym.make("Snake-v1", height=20, width=20, num_snakes=4, snake_length=3, vision_range=5, frame_stack=1)
obs = env.reset()
print(obs.shape, type(env.observation_space).__module__.split(".")[0], env.action_space.nvec.tolist())
# rl2's examples wrap such envs one snake each and batch them with gym's vector envs, which take gym's spaces only
one = marlenv.wrappers.SingleAgent(gym.make("Snake-v1", num_snakes=1))
print(*(type(space).__module__.split(".")[0] for space in (one.observation_space, one.action_space)))
"""


@pytest.mark.slow
def test_marlenvs_readme_makes_snake_with_the_old_gym_it_pins(tmp_path):
    """marlenv 1.0.1 pins gym 0.24.1, whose make() checks that the spaces are its own classes."""
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(tmp_path / "old"),
                    "gym==0.24.1", "gym-notices==0.0.8", "cloudpickle"], check=True, timeout=300)
    ran = subprocess.run([sys.executable, "-c", OLD_GYM_README], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(tmp_path / "old")})
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert ran.stdout.split("\n")[-3:-1] == ["(4, 11, 11, 8) gym [3, 3, 3, 3]", "gym gym"]
