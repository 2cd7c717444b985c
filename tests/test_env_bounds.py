"""The bounds of each env's numeric options: what `make` accepts is what the games take and what the
registry's table in `help(arena.envs)` says."""

import re

import pytest

import arena.envs

BOUNDED = [(name, key) for name in arena.envs.names() for key in arena.envs.entry(name).bounds]


def documented_bounds() -> dict[str, dict[str, tuple[int, int]]]:
    """The table in arena.envs' docstring: env -> option -> (lowest, highest)."""
    table = {}
    for name, options in re.findall(r"^\| (\w+) \|.*\| (.*) \|$", arena.envs.__doc__, re.MULTILINE):
        for names, low, high in re.findall(r"([a-z_ ]+?) (\d+)\.\.(\d+)", options):
            for key in names.strip(" ,").split(" and "):
                table.setdefault(name, {})[key] = (int(low), int(high))
    return table


@pytest.mark.parametrize(("name", "key"), BOUNDED)
def test_each_bounds_lowest_value_makes_a_game(name, key):
    allowed = arena.envs.entry(name).bounds[key]
    env = arena.envs.make(name, **{key: allowed[0]})
    env.reset(seed=0)


def test_the_documented_bounds_are_those_make_applies():
    applied = {name: {key: (allowed[0], allowed[-1]) for key, allowed in arena.envs.entry(name).bounds.items()}
               for name in arena.envs.names() if arena.envs.entry(name).bounds}
    assert documented_bounds() == applied


@pytest.mark.parametrize(("name", "options", "message"), [
    ("snake", {"num_snakes": 2.5}, "num_snakes must be 1 to 8"),  # bounds: whole numbers
    ("snake", {"reward_dict": [1, 2]}, "reward_dict must be Mapping[str, float] or None, got [1, 2]"),
    ("fighting", {"subscribe_reward_signals": 1}, "subscribe_reward_signals must be bool, got 1"),
    ("fighting", {"resolution": 3}, "resolution must be CameraResolution or str, got 3"),
    ("cartpole_relay", {"mode": None}, "mode must be str, got None"),
])
def test_an_option_of_another_type_than_its_game_declares_is_refused_by_name(name, options, message):
    with pytest.raises(arena.envs.OptionError, match=re.escape(message)):
        arena.envs.make(name, **options)
    with pytest.raises(arena.envs.OptionError, match=re.escape(message)):
        arena.envs.check_options(name, options)


def test_options_of_the_declared_types_pass_ints_as_floats_and_numpy_numbers_included():
    import numpy as np

    from arena.envs.fighting.rewards import RewardManager

    arena.envs.make("snake", num_snakes=np.int64(2), reward_dict={"fruit": 2, "kill": 0.5}).reset(seed=0)
    arena.envs.make("fighting", reward_manager=RewardManager(), subscribe_reward_signals=np.bool_(False)).reset(seed=0)
