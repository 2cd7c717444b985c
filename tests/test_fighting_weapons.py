"""Weapons lying on the stage move as in the competition's game: compared frame by frame.

tests/fixtures/ai2/weapons.json holds what the competition's own game did (recorded by
tools/record_ai2_weapons.py): weapons placed at a point falling onto a ground, the platform, a
ledge or into the pit at each render resolution, and fighters dropping weapons, taking them back
and taking a spawner's. Both of arena's engines must agree with it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from arena.envs.fighting.camera import CameraResolution
from arena.envs.fighting.game import Game
from arena.envs.fighting.native import NativeGame, make_batch
from fighting_keys import action, quiet_signals

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "ai2" / "weapons.json").read_text())
TOLERANCE = 1e-3  # units: both solve the same contacts the same way
ENGINES = ("python", "native")


def new_game(engine: str, resolution: str, first_on_right: bool = True):
    """A match whose spawners show nothing unless told to."""
    pixels_per_unit = CameraResolution[resolution].pixels_per_unit
    signals = quiet_signals()
    if engine == "native":
        batch = make_batch(1, autoreset=False, pixels_per_unit=pixels_per_unit)
        game = NativeGame(batch, 0, signals, first_on_right=first_on_right)
    else:
        game = Game(random.Random(0), signals, first_on_right=first_on_right, pixels_per_unit=pixels_per_unit)
    for spawner in game.armory.spawners:
        spawner.cooldown = 10**9
    return game


def show(game, weapon: str, at: list[float]) -> None:
    """Have the right spawner show `weapon` at `at` from this frame on."""
    spawner = game.armory.spawners[0]
    spawner.weapon, spawner.position, spawner.spawned_at = weapon, tuple(at), game.steps


def lying(game) -> dict[str, list[float]]:
    return {name: [*item.body.position, *item.world_pos] for name, item in game.armory.lying().items()}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fall", FIXTURE["falls"], ids=lambda fall: fall["name"])
def test_a_weapon_falls_settles_and_rides_as_there(engine, fall):
    game = new_game(engine, fall["resolution"])
    show(game, fall["weapon"], fall["at"])
    for frame, expected in enumerate(fall["frames"]):
        game.step(action(""), action(""))
        [item] = game.armory.lying().values()
        got = [*item.body.position, *item.body.velocity, *item.world_pos]
        assert got == pytest.approx(expected, abs=TOLERANCE), f"{fall['name']}, frame {frame}"


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("play", FIXTURE["plays"], ids=lambda play: play["name"])
def test_fighters_drop_and_take_weapons_on_the_same_frames_as_there(engine, play):
    game = new_game(engine, "LOW", play["first_on_right"])
    for fighter, place in zip(game.players, play["place"]):
        fighter.body.position = place
    if "holding" in play:
        game.players[0].weapon = play["holding"]
    shown = play.get("show")
    for frame, expected in enumerate(play["frames"]):
        if shown and frame == shown["frame"]:
            show(game, shown["weapon"], [shown["x"], 0.7])
        game.step(action(play["p0"][frame]), action(""))
        where = f"{play['name']}, frame {frame}"
        assert [fighter.weapon for fighter in game.players] == expected["weapons"], where
        assert list(game.players[0].body.position) == pytest.approx(expected["p0"], abs=0.05), where
        got = lying(game)
        assert sorted(got) == sorted(expected["lying"]), where
        for name, values in expected["lying"].items():
            assert got[name] == pytest.approx(values, abs=TOLERANCE), f"{where}: {name}"


def test_the_fixture_covers_what_it_is_for():
    """Weapons that settle on each ground and at each resolution, ride the platform, fall into the pit; a
    dropped weapon taken back, a spawner's taken only once it has been shown long enough."""
    falls = {fall["name"]: fall["frames"] for fall in FIXTURE["falls"]}
    assert {fall["resolution"] for fall in FIXTURE["falls"]} == {"LOW", "MEDIUM", "HIGH"}
    assert falls["spear_on_right_ground_low"][-1][1] == pytest.approx(0.5333, abs=1e-4)  # pushed up out of the ground
    assert falls["into_the_pit"][-1][1] > 10
    assert abs(falls["onto_the_platform"][-1][0]) > 0.5  # carried sideways
    plays = {play["name"]: play["frames"] for play in FIXTURE["plays"]}
    taken_back = [frame["weapons"][0] for frame in plays["drop_then_take_back"]]
    assert taken_back[0] == "Spear" and "Punch" in taken_back and taken_back[-1] == "Spear"
    assert all(frame["weapons"][0] == "Punch" for frame in plays["take_from_the_spawner"])  # pressed too early
    assert plays["take_from_the_spawner_at_reach"][-1]["weapons"][0] == "Spear"


@pytest.mark.parametrize("engine", ENGINES)
def test_weapons_are_listed_in_the_order_they_appeared_and_where_they_appeared(engine):
    import arena.envs

    env = arena.envs.make("fighting", engine=engine).unwrapped
    env.reset(seed=0)
    game = env.game
    right, left = game.armory.spawners
    for spawner in (right, left):
        spawner.weapon, spawner.cooldown = None, 10**9
    left.weapon, left.position, left.spawned_at = "Spear", (-4.0, 2.7), game.steps  # the left one's comes first
    fighter = game.players[0]
    fighter.body.position, fighter.weapon = (0.0, 9.0), "Hammer"  # falling, far below the stage
    game.step(action(""), action(""))
    game.step(action("h"), action(""))  # drops it down there
    game.step(action(""), action(""))
    show(game, "Hammer", [5.0, 0.7])  # then the right one's
    game.step(action(""), action(""))
    assert list(game.armory.lying()) == ["Spear1", "DroppedHammer2", "Hammer0"]
    assert list(env.objects)[-4:] == ["Spear1", "DroppedVFX2", "DroppedHammer2", "Hammer0"]  # its effect first
    (first, first_at), (second, second_at), (dropped, dropped_at) = env.get_spawner_info()
    assert (first, first_at, second, second_at) == ("Random", [5.0, 0.7], "Random", [-4.0, 2.7])  # spawners first
    assert dropped == "Hammer" and dropped_at[1] > 9.0  # where it was dropped, not clamped as observations are
    assert game.armory.observation()[3 * 2 + 1] == 7.0  # its slot in the observation


@pytest.mark.parametrize("engine", ENGINES)
def test_a_weapon_dropped_is_not_there_to_take_until_the_next_frame(engine):
    # The competition's dropped weapon is a spawner that makes its weapon after the frame's pickups: a fighter
    # pressing h beside the other as it drops one takes nothing then, and takes it at its next press (as its
    # game did when both were played side by side on the same keys).
    game = new_game(engine, "LOW")
    taker, dropper = game.players
    taker.body.position, dropper.body.position = (3.6, 0.36), (3.2, 0.36)
    for _ in range(20):
        game.step(action(""), action(""))
    dropper.weapon = "Hammer"
    weapons = []
    for taker_keys, dropper_keys in (("h", "h"), ("", ""), ("h", "")):
        game.step(action(taker_keys), action(dropper_keys))
        weapons.append((taker.weapon, dropper.weapon, len(game.armory.lying())))
    assert weapons == [("Punch", "Punch", 1), ("Punch", "Punch", 1), ("Hammer", "Punch", 0)]
