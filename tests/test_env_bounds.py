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
