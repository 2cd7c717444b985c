"""The native fighting engine plays the Python engine's matches: same seeds and keys, same frames.

arena.envs.fighting's Python game is the reference; `arena._native.FightingBatch` must give the
same observations (within 1e-4) every frame, for random and held-down key sequences over whole
matches, for batches stepped on threads with automatic resets, and for the competition's
recorded key scripts (tests/fixtures/ai2/rules.json).
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from arena.envs.fighting.env import WarehouseBrawl
from arena.envs.fighting.native import EVENTS, make_batch
from arena.envs.fighting.rules import KEY_NAMES

pytest.importorskip("arena._native")

TOLERANCE = 1e-4
AGENTS = ("player_0", "player_1")
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "ai2" / "rules.json").read_text())


def held_keys(rng: np.random.Generator, frames: int, press: float, flip: float) -> np.ndarray:
    """(frames, 2, 10) keys that each stay down or up for a while: a key changes with probability `flip`
    a frame, to pressed with probability `press` (flip = 1: independent random keys)."""
    keys = np.zeros((frames, 2, len(KEY_NAMES)), np.float32)
    state = rng.random((2, len(KEY_NAMES))) < press
    for frame in range(frames):
        change = rng.random(state.shape) < flip
        state = np.where(change, rng.random(state.shape) < press, state)
        keys[frame] = state
    return keys


def python_match(seed: int, keys: np.ndarray) -> tuple[np.ndarray, list[tuple[dict, dict, dict, dict]]]:
    """The Python env's observations (frames + 1, 2, 64) and (rewards, terminations, truncations, weapons
    lying about) per frame."""
    env = WarehouseBrawl(engine="python")
    obs, _ = env.reset(seed=seed)
    seen = [np.stack([obs[a] for a in AGENTS])]
    outcomes = []
    for action in keys:
        obs, rewards, terminations, truncations, _ = env.step({AGENTS[0]: action[0], AGENTS[1]: action[1]})
        seen.append(np.stack([obs[a] for a in AGENTS]))
        lying = {name: (*item.body.position, *item.body.velocity, *item.world_pos, item.spawn_frame)
                 for name, item in env.game.armory.lying().items()}
        outcomes.append((rewards, terminations, truncations, lying))
        if not env.agents:
            break
    return np.array(seen), outcomes


def first_difference(native: np.ndarray, python: np.ndarray) -> str:
    frame, agent, index = np.argwhere(np.abs(native - python) > TOLERANCE)[0]
    return (f"frame {frame}, fighter {agent}'s observation[{index}]: native {native[frame, agent, index]}, "
            f"python {python[frame, agent, index]}")


# Walking, dashing into a sprint, back dashes, turns, dodges, taunts, jumps, attacks and reaching
# for weapons, (keys, frames) at a time.
SCRIPT = [("d", 12), ("d+l", 1), ("d", 20), ("", 4), ("a", 3), ("a+l", 1), ("", 12), ("l", 1), ("", 14), ("g", 1),
          ("", 32), ("space", 1), ("", 4), ("space", 1), ("", 8), ("l", 1), ("", 12), ("a", 8), ("j", 12), ("", 6),
          ("d+k", 20), ("s+j", 16), ("h", 20), ("d+h", 40), ("a+h", 40), ("space", 1), ("k", 24), ("s+k", 20),
          ("w+j", 12), ("a", 30), ("d", 60)]


def scripted_keys(rng: np.random.Generator, frames: int) -> np.ndarray:
    """(frames, 2, 10): fighter 0 plays SCRIPT over and over, fighter 1 it too from a random point."""
    script = [combo for combo, count in SCRIPT for _ in range(count)]
    start = int(rng.integers(len(script)))
    keys = np.zeros((frames, 2, len(KEY_NAMES)), np.float32)
    for frame in range(frames):
        for fighter, offset in ((0, 0), (1, start)):
            for key in filter(None, script[(frame + offset) % len(script)].split("+")):
                keys[frame, fighter, KEY_NAMES.index(key)] = 1.0
    return keys


def match_keys(seed: int, press: float | None, flip: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return scripted_keys(rng, 2700) if press is None else held_keys(rng, 2700, press, flip)


# (seed, press probability, flip probability): independent random keys, keys held for a while,
# and the script (press None).
CASES = [(0, 0.5, 1.0), (1, 0.2, 1.0), (2, 0.3, 0.2), (3, 0.25, 0.1), (4, 0.15, 0.05), (5, 0.4, 0.3),
         (6, None, 0.0), (7, None, 0.0)]


@pytest.mark.parametrize("seed,press,flip", CASES)
def test_a_match_plays_as_in_python(seed, press, flip):
    keys = match_keys(seed, press, flip)
    python, outcomes = python_match(seed, keys)
    batch = make_batch(1, [seed], autoreset=False)
    native = [batch.observations[0].copy()]
    for frame, (rewards, terminations, truncations, lying) in enumerate(outcomes):
        batch.step(keys[frame:frame + 1])
        native.append(batch.observations[0].copy())
        native_lying = {key: (*values, spawned_at)
                        for key, _, *values, _dropped, _shown_x, _shown_y, spawned_at, _, _ in batch.lying(0)}
        assert list(native_lying) == list(lying), f"frame {frame}"  # the same weapons in the same order
        for key, values in lying.items():
            assert native_lying[key] == pytest.approx(values, abs=TOLERANCE), f"frame {frame}: {key}"
        assert list(batch.rewards[0]) == [rewards[a] for a in AGENTS], f"frame {frame}"
        assert bool(batch.terminated[0]) == terminations[AGENTS[0]], f"frame {frame}"
        assert bool(batch.truncated[0]) == truncations[AGENTS[0]], f"frame {frame}"
    native = np.array(native)
    assert native.shape == python.shape
    assert np.allclose(native, python, atol=TOLERANCE, rtol=0), first_difference(native, python)


def test_the_matches_reach_every_state_and_weapon():
    """The side-by-side matches above go through all 13 states, pick up both weapons and knock out."""
    states, weapons, stocks = set(), set(), set()
    for seed, press, flip in CASES:
        python, _ = python_match(seed, match_keys(seed, press, flip))
        states |= set(python[:, :, 8].astype(int).ravel())
        weapons |= set(python[:, :, 15].astype(int).ravel())
        stocks |= set(python[:, :, 13].astype(int).ravel())
    assert states == set(range(13))
    assert weapons == {0, 1, 2}
    assert min(stocks) < 3


def test_a_batch_on_threads_resets_as_the_env_does():
    """Eight games on two threads, each restarting when it ends, as eight envs reset without a seed."""
    count, frames = 8, 1500
    rng = np.random.default_rng(7)
    keys = np.stack([held_keys(rng, frames, 0.4, 1.0) for _ in range(count)], axis=1)  # (frames, N, 2, 10)
    batch = make_batch(count, seeds=100, threads=2, max_frames=600)
    envs = [WarehouseBrawl(max_timesteps=600, engine="python") for _ in range(count)]
    for i, env in enumerate(envs):
        obs, _ = env.reset(seed=100 + i)
        assert np.allclose(batch.observations[i], np.stack([obs[a] for a in AGENTS]), atol=TOLERANCE)
    finished = 0
    for frame in range(frames):
        batch.step(keys[frame].astype(np.int8))  # int8 keys play as float32 ones
        for i, env in enumerate(envs):
            obs, rewards, terminations, truncations, _ = env.step({a: keys[frame, i, k] for k, a in enumerate(AGENTS)})
            python = np.stack([obs[a] for a in AGENTS])
            done = terminations[AGENTS[0]] or truncations[AGENTS[0]]
            assert bool(batch.terminated[i]) == terminations[AGENTS[0]]
            assert bool(batch.truncated[i]) == truncations[AGENTS[0]]
            assert list(batch.rewards[i]) == [rewards[a] for a in AGENTS]
            if done:
                finished += 1
                assert np.allclose(batch.terminal_observations[i], python, atol=TOLERANCE), f"game {i} frame {frame}"
                obs, _ = env.reset()
                python = np.stack([obs[a] for a in AGENTS])
            assert np.allclose(batch.observations[i], python, atol=TOLERANCE), f"game {i} frame {frame}"
    assert finished >= count


def fixture_action(combo: str) -> np.ndarray:
    keys = np.zeros(len(KEY_NAMES), np.float32)
    for key in filter(None, combo.split("+")):
        keys[KEY_NAMES.index(key)] = 1.0
    return keys


def native_rows(scenario: dict) -> np.ndarray:
    """The native engine's frames for a fixture's scripts, in the fixture's columns."""
    batch = make_batch(1, autoreset=False)
    batch.reset_game(0, 0, first_on_right=scenario["first_on_right"])
    for fighter, place in enumerate(scenario["place"] or ()):
        batch.set_position(0, fighter, *place)
    rows = []
    for frame in range(len(scenario["frames"])):
        keys = [script[frame] if frame < len(script) else "" for script in (scenario["p0"], scenario["p1"])]
        batch.step(np.stack([fixture_action(k) for k in keys])[None])
        state = batch.state(0)
        row = []
        for fighter, obs in zip(state["fighters"], batch.observations[0]):
            row += [fighter["x"], fighter["y"], fighter["vx"], fighter["vy"], obs[8], fighter["damage"],
                    fighter["facing"], obs[5], obs[7], obs[9], obs[10], obs[11], obs[14], fighter["stocks"]]
        rows.append(row + list(state["platform"]))
    return np.array(rows)


@pytest.mark.parametrize("scenario", FIXTURE["scenarios"], ids=[s["name"] for s in FIXTURE["scenarios"]])
def test_plays_the_competitions_recorded_scripts(scenario):
    from test_fighting_fidelity import mismatches, play

    native = native_rows(scenario)
    wrong = mismatches(native, np.array(scenario["frames"]))
    assert not wrong, f"{len(wrong)} values differ, first: " + "; ".join(wrong[:5])
    python = play(scenario)
    assert np.allclose(native, python, atol=TOLERANCE, rtol=0), "the native and Python engines differ"


def test_signals_are_reported_per_fighter():
    """A knock-out sets the knocked-out fighter's bit; the last one also the winner's."""
    batch = make_batch(1, [3], stocks=1, autoreset=False)
    batch.set_position(0, 0, 0.0, 20.0)  # past the blast zone
    batch.step(np.zeros((1, 2, 10), np.float32))
    assert batch.events[0, 0] & EVENTS["knockout_signal"]
    batch.step(np.zeros((1, 2, 10), np.float32))
    assert batch.events[0, 1] & EVENTS["win_signal"]
    assert batch.terminated[0] and list(batch.rewards[0]) == [-1.0, 1.0]


def test_keys_of_every_type_press_as_in_python():
    """A key is pressed above 0.5 whatever the action's type: float64 just above 0.5 too (not rounded to float32)."""
    keys = np.zeros((1, 2, 10), np.float64)
    keys[0, :, 3] = 0.5 + 1e-12  # d
    python = WarehouseBrawl(engine="python")
    python.reset(seed=4)
    for dtype in (np.float64, np.float32, np.int8, np.uint8, bool, np.int64):
        batch = make_batch(1, [4], autoreset=False)
        for _ in range(20):
            batch.step(keys.astype(dtype) if dtype is not np.float64 else keys)
        held = 0.5 + 1e-12 if dtype is np.float64 else float(np.asarray(0.5 + 1e-12).astype(dtype))
        assert (batch.state(0)["fighters"][0]["held"][3]) == (held > 0.5), dtype
    for _ in range(20):
        obs, *_ = python.step({a: keys[0, k] for k, a in enumerate(AGENTS)})
    native = WarehouseBrawl(engine="native")
    native.reset(seed=4)
    for _ in range(20):
        got, *_ = native.step({a: keys[0, k] for k, a in enumerate(AGENTS)})
    assert np.allclose(got["player_0"], obs["player_0"], atol=TOLERANCE)


def test_bad_arguments_say_what_was_wrong():
    batch = make_batch(2)
    with pytest.raises(ValueError, match=r"shape \(2, 2, 10\)"):
        batch.step(np.zeros((3, 2, 10), np.float32))
    with pytest.raises(IndexError, match="game 5"):
        batch.state(5)
    with pytest.raises(ValueError, match="3 seeds, got 2"):
        make_batch(3, [1, 2])


# --- the env on the native engine ---------------------------------------------------------------


def shaped_rewards():
    from arena.envs.fighting.rewards import RewardManager, RewTerm

    def dealt(env):
        return env.objects["opponent"].damage_taken_this_frame / 140

    def airborne(env):
        return 0.0 if env.objects["player"].is_on_floor() else 0.01

    def attacking(env):
        from arena.envs.fighting.states import AttackState

        return 0.1 if isinstance(env.objects["player"].state, AttackState) else 0.0

    def signal(env, agent):
        # What a handler sees of the match: the Python game emits within the frame (a knock-out before
        # the stock is taken), and the native engine's env must show it the same.
        facts = 1 + env.objects[agent].stocks + env.steps / 10_000
        return facts if agent == "player" else -facts

    return RewardManager({"dealt": RewTerm(dealt, 1.0), "airborne": RewTerm(airborne, 1.0),
                          "attacking": RewTerm(attacking, 1.0)},
                         {name: (name, RewTerm(signal, 1.0)) for name in EVENTS})


# What reward code reads of a fighter's state objects, the current one's and the others' (a participant's
# knock-out reward reads player.states["in_air"].recoveries_left while the current state is KO).
STATE_COUNTERS = ("jumps_left", "recoveries_left", "jump_timer", "invincible_timer", "dodge_cooldown", "dodge_timer",
                  "stun_frames")


def fighter_facts(env, index: int) -> tuple:
    f = env.players[index]
    keys = f.input.key_status
    states = tuple((name, tuple(getattr(state, counter, None) for counter in STATE_COUNTERS))
                   for name, state in f.states.items())
    return ((f.body.x, f.body.y, f.body.vx, f.body.vy), type(f.state).__name__, int(f.facing), f.damage,
            f.damage_taken_total, f.damage_done, f.stocks, f.weapon, f.jumps_left, f.recoveries_left,
            f.move_type, f.is_on_floor(), tuple((s.held, s.just_pressed, s.just_released) for s in keys.values()),
            f.input.horizontal_state, f.input.raw_horizontal, f.hit_frames, f.hitbox_live, states,
            getattr(f.state, "jump_timer", None))


@pytest.mark.parametrize("seed", [11, 12])
def test_the_env_on_the_native_engine_plays_as_on_the_python_one(seed):
    """Observations, shaped rewards with signals, terms, ends, fighters' objects and spawner info agree."""
    python, native = (WarehouseBrawl(max_timesteps=1200, reward_manager=shaped_rewards(), engine=engine)
                      for engine in ("python", "native"))
    keys = match_keys(seed, None if seed % 2 else 0.3, 0.2)
    for env in (python, native):
        env.reset(seed=seed)
    for frame in range(1200):
        actions = {a: keys[frame, k] for k, a in enumerate(AGENTS)}
        expected, got = python.step(actions), native.step(actions)
        for agent in AGENTS:
            assert np.allclose(got[0][agent], expected[0][agent], atol=TOLERANCE), f"frame {frame}"
            assert got[1][agent] == pytest.approx(expected[1][agent], abs=1e-9), f"frame {frame}: {agent}'s reward"
            assert got[2][agent] == expected[2][agent] and got[3][agent] == expected[3][agent]
            assert got[4][agent]["reward_terms"] == pytest.approx(expected[4][agent]["reward_terms"])
        for index in (0, 1):
            assert fighter_facts(native, index) == fighter_facts(python, index), f"frame {frame}, fighter {index}"
        spawners = [(name, pytest.approx(place, abs=1e-5)) for name, place in python.get_spawner_info()]
        assert [(name, place) for name, place in native.get_spawner_info()] == spawners, f"frame {frame}"
        assert native.steps == python.steps
        assert native.game.winner == python.game.winner
        if not python.agents:
            break


def test_the_native_env_draws_the_same_pictures():
    python, native = (WarehouseBrawl(render_mode="rgb_array", engine=engine) for engine in ("python", "native"))
    keys = match_keys(13, None, 0.0)
    for env in (python, native):
        env.reset(seed=13)
    for frame in range(600):
        for env in (python, native):
            env.step({a: keys[frame, k] for k, a in enumerate(AGENTS)})
        if frame % 60 == 0 or not python.agents:
            assert np.array_equal(native.render(), python.render()), f"frame {frame}"
        if not python.agents:
            break


COPIES = {"deepcopy": copy.deepcopy, "pickle": lambda env: pickle.loads(pickle.dumps(env))}


@pytest.mark.parametrize("copied_by", sorted(COPIES))
def test_a_copied_native_env_plays_on_from_where_it_was(copied_by):
    """A copy of an env on the native engine (deepcopy, or pickled as vector envs send envs to their
    processes): both go on as the Python engine's copy would, apart."""
    keys = match_keys(17, 0.3, 0.2)
    envs = {engine: WarehouseBrawl(engine=engine) for engine in ("python", "native")}
    for env in envs.values():
        env.reset(seed=17)
        for frame in range(300):
            env.step({a: keys[frame, k] for k, a in enumerate(AGENTS)})
        env.players[0].damage = 40.0  # written, then copied: the copy starts from it too
    copies = {engine: COPIES[copied_by](env) for engine, env in envs.items()}
    assert copies["native"].game.batch is not envs["native"].game.batch
    for frame in range(300, 900):
        results = {}
        for engine in ("python", "native"):
            original = envs[engine].step({a: keys[frame, k] for k, a in enumerate(AGENTS)})
            swapped = {a: keys[frame, (k + 1) % 2] for k, a in enumerate(AGENTS)}  # the seats' keys exchanged
            again = copies[engine].step(swapped)
            results[engine] = original, again
        for which in (0, 1):
            for agent in AGENTS:
                native, python = results["native"][which], results["python"][which]
                assert np.allclose(native[0][agent], python[0][agent], atol=TOLERANCE), f"frame {frame}"
                assert native[1][agent] == pytest.approx(python[1][agent], abs=1e-9)
        if not envs["python"].agents or not copies["python"].agents:
            break


def test_a_pickled_batch_goes_on_as_the_original_and_another_builds_pickle_is_refused():
    rng = np.random.default_rng(3)
    batch = make_batch(3, seeds=[5, 6, 7], stocks=2, max_frames=400, first_on_right=True, pixels_per_unit=40.0)
    for frame in range(750):  # past each game's end: the copy restarts them with the same draws
        if frame == 150:
            again = pickle.loads(pickle.dumps(batch))
            assert (again.size, again.pixels_per_unit, again.autoreset) == (3, 40.0, True)
        actions = rng.integers(0, 2, (3, 2, len(KEY_NAMES))).astype(np.int8)
        batch.step(actions)
        if frame >= 150:
            again.step(actions)
            assert np.array_equal(again.observations, batch.observations), f"frame {frame}"
            assert np.array_equal(again.rewards, batch.rewards) and np.array_equal(again.truncated, batch.truncated)
    assert batch.state(1) == again.state(1)
    layout = batch.__getstate__()[0]
    with pytest.raises(ValueError, match="another build of arena's native engine"):
        pickle.loads(pickle.dumps(batch).replace(layout.encode(), layout.replace("/1 ", "/0 ").encode()))


def test_the_native_env_passes_pettingzoo_checks():
    import arena.envs
    from pettingzoo.test import parallel_api_test, parallel_seed_test

    parallel_api_test(arena.envs.make("fighting", max_timesteps=200, engine="native"), num_cycles=300)
    parallel_seed_test(lambda: arena.envs.make("fighting", max_timesteps=150, engine="native"), num_cycles=200)
    with pytest.raises(ValueError, match="engine must be one of"):
        WarehouseBrawl(engine="fast")


def test_replays_of_python_engine_matches_play_again_on_the_native_engine(tmp_path):
    """A match played and saved on the Python engine re-simulates to the same result and frames natively."""
    from arena import replay
    from arena.agents.fighting import BasedAgent, BrawlerAgent
    from arena.envs import EnvSpec
    from arena.match import play_match

    result = play_match(EnvSpec("fighting", {"engine": "python"}), [BrawlerAgent(), BasedAgent()], seed=21,
                        max_steps=900)
    recorded = replay.load(replay.save(result, tmp_path / "fight.json"))
    frames = {}
    for engine in ("python", "native"):
        recorded.env_options = {**recorded.env_options, "engine": engine}
        seen = frames[engine] = []
        again = replay.resimulate(recorded, on_step=lambda env: seen.append(env._observations()["player_0"]))
        assert again.agents == result.agents and again.outcome == result.outcome
    assert len(frames["native"]) == len(frames["python"]) > 100
    assert np.allclose(frames["native"], frames["python"], atol=TOLERANCE)


def python_suite_tests() -> list:
    """The rules, env and competition-compatibility tests that take no arguments, as (module, name)."""
    import inspect

    import test_ai2_compat
    import test_fighting_env
    import test_fighting_rules

    return [(module, name) for module in (test_fighting_rules, test_fighting_env, test_ai2_compat)
            for name, test in vars(module).items()
            if name.startswith("test_") and inspect.isfunction(test) and not inspect.signature(test).parameters]


@pytest.mark.parametrize("module,name", python_suite_tests(), ids=lambda value: getattr(value, "__name__", value))
def test_the_env_tests_pass_on_the_python_engine(module, name, monkeypatch):
    """The env's own tests (they step it, read its objects, write positions, damage, weapons, spawners,
    listen to signals), which run on the native engine, the default, pass with the Python engine too."""
    import inspect

    parameters = list(inspect.signature(WarehouseBrawl.__init__).parameters)[1:]  # all have defaults
    defaults = list(WarehouseBrawl.__init__.__defaults__)
    defaults[parameters.index("engine")] = "python"
    monkeypatch.setattr(WarehouseBrawl.__init__, "__defaults__", tuple(defaults))
    assert WarehouseBrawl().engine == "python"
    getattr(module, name)()
