"""The competition's move objects (`arena.compat.ai2.moves`) read every move of the game's move table
as the competition's own classes read its JSON: same attribute names, values and types.

The expected values come from the documents by the competition's rules (UTMIST-AI2,
environment/environment.py): frames halved with `//`, absent keys given the competition's defaults,
frame changes looked up by their halved frame (the first listed wins), vertical speeds negated.
"""

import copy
import math

import pytest

from arena.compat.ai2.moves import Cast, MoveManager, Power
from arena.envs.fighting.move_data import MOVE_NAMES, weapon_move_data
from arena.envs.fighting.powers import RECOVERY_DIVISOR

DOCUMENTS = [(f"{weapon} {name}", weapon_move_data(weapon)[move])
             for weapon in ("Punch", "Spear", "Hammer") for name, move in MOVE_NAMES.items()]

# attribute -> (data key, default, whether its frames are halved)
CAST_FIELDS = {
    "startup_frames": ("startupFrames", 0, True), "attack_frames": ("attackFrames", 0, True),
    "base_damage": ("baseDamage", 0, False), "variable_force": ("variableForce", 0.0, False),
    "fixed_force": ("fixedForce", 0.0, False), "hit_angle_deg": ("hitAngleDeg", 0.0, False),
    "must_be_held": ("mustBeHeld", False, False), "collision_check_points": ("collisionCheckPoints", [], False),
    "hitboxes": ("hitboxes", [], False),
}
POWER_FIELDS = {
    "power_id": ("powerID", -1, False), "fixed_recovery": ("fixedRecovery", 0, True),
    "recovery": ("recovery", 0, True), "cooldown": ("cooldown", 0, True), "min_charge": ("minCharge", 0, True),
    "stun_time": ("stunTime", 0, True), "hit_angle_deg": ("hitAngleDeg", 0.0, False),
    "is_charge": ("isCharge", False, False), "damage_over_life_of_hitbox": ("damageOverLifeOfHitbox", False, False),
    "disable_caster_gravity": ("disableCasterGravity", False, False),
    "disable_hit_gravity": ("disableHitGravity", False, False),
    "target_all_hit_agents": ("targetAllHitAgents", False, False),
    "transition_on_instant_hit": ("transitionOnInstantHit", False, False),
    "on_hit_velocity_set_active": ("onHitVelocitySetActive", False, False),
    "allow_left_right_mobility": ("allowLeftRightMobility", False, False),
    "on_hit_velocity_set_magnitude": ("onHitVelocitySetMagnitude", 0.0, False),
    "on_hit_velocity_set_direction_deg": ("onHitVelocitySetDirectionDeg", 0.0, False),
    "hit_all_hit_agents": ("hitAllHitAgents", False, False), "enable_floor_drag": ("enableFloorDrag", False, False),
    "on_hit_next_power_index": ("onHitNextPowerIndex", -1, False),
    "on_miss_next_power_index": ("onMissNextPowerIndex", -1, False),
    "on_ground_next_power_index": ("onGroundNextPowerIndex", -1, False),
}
POWER_STATE = {"cast_idx": 0, "total_frame_count": 0, "frames_into_recovery": 0, "hit_anyone": False,
               "dealt_position_target_exists": False, "current_dealt_position_target": (0.0, 0.0),
               "agents_hit_this_power": [], "is_switching_casts": True, "past_point_positions": [],
               "in_recovery": False}
XY = {"magnitudeX": 0.0, "magnitudeY": 0.0, "activeX": False, "activeY": False}
# holder attribute -> (data key, record class name, record fields and defaults, whether absent gives a record)
CHANGES = {
    "caster_position_change": ("casterPositionChange", "CasterPositionChange",
                               {"x": 0, "y": 0, "active": False}, True),
    "dealt_position_target": ("dealtPositionTarget", "DealtPositionTarget",
                              {"xOffset": 0, "yOffset": 0, "mult": 2.0, "active": False}, True),
    "caster_velocity_set": ("casterVelocitySet", "CasterVelocitySet",
                            {"magnitude": 0.0, "directionDeg": 0.0, "active": False}, False),
    "caster_velocity_set_xy": ("casterVelocitySetXY", "CasterVelocitySetXY", XY, False),
    "caster_velocity_add_xy": ("casterVelocityAddXY", "CasterVelocityAddXY", XY, False),
    "hit_velocity_add_xy": ("hitVelocityAddXY", "HitVelocityAddXY", XY, False),
    "hit_velocity_set_xy": ("hitVelocitySetXY", "HitVelocitySetXY", XY, False),
    "hit_pos_set_xy": ("hitPosSetXY", "HitPosSetXY",
                       {"positionX": 0.0, "positionY": 0.0, "activeX": False, "activeY": False}, False),
    "caster_velocity_damp_xy": ("casterVelocityDampXY", "CasterVelocityDampXY",
                                {"dampX": 1.0, "dampY": 1.0, "activeX": False, "activeY": False}, False),
    "hurtbox_position_change": ("hurtboxPositionChange", "HurtboxPositionChange",
                                {"xOffset": 0, "yOffset": 0, "width": 0, "height": 0, "active": False}, True),
}


def expected(data, fields):
    values = {}
    for attribute, (key, default, halved) in fields.items():
        value = data.get(key, default)
        values[attribute] = value // 2 if halved else value
    return values


def assert_same(obj, values, where):
    for attribute, value in values.items():
        got = getattr(obj, attribute)
        assert (got, type(got)) == (value, type(value)), f"{where}: {attribute}"


def assert_frame_changes(cast, data, where):
    changes = data.get("frameChanges", [])
    last = max((change["frame"] // 2 for change in changes), default=0)
    for idx in range(-1, last + 3):
        found = next((change for change in changes if change["frame"] // 2 == idx), None)
        holder = cast.get_frame_data(idx)
        if found is None:
            assert holder is None, f"{where} frame {idx}"
            continue
        assert holder.frame == found["frame"]
        for attribute, (key, name, defaults, always) in CHANGES.items():
            record = getattr(holder, attribute)
            if key not in found:
                assert (vars(record) == defaults) if always else record is None, f"{where} {idx} {attribute}"
                continue
            values = {field: found[key].get(field, default) for field, default in defaults.items()}
            if "magnitudeY" in values:
                values["magnitudeY"] = -values["magnitudeY"]  # up in the data, down in the game
            assert type(record).__name__ == name and vars(record) == values, f"{where} {idx} {attribute}"
        assert cast.get_frame_data(idx) is not holder  # a fresh holder each call, as the competition's


@pytest.mark.parametrize(("name", "document"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
def test_powers_and_casts_read_every_move_as_the_competition_does(name, document):
    for index, power_data in enumerate(document["powers"]):
        where = f"{name} power {index}"
        power = Power.get_power(power_data)
        assert power.power_data is power_data
        assert_same(power, expected(power_data, POWER_FIELDS), where)
        assert_same(power, POWER_STATE, where)
        assert power.last_power == (power.on_hit_next_power_index == -1 and power.on_miss_next_power_index == -1)
        recovery = power.fixed_recovery + math.floor(power.recovery / RECOVERY_DIVISOR)
        assert_same(power, {"recovery_frames": recovery if power_data["casts"] else 0}, where)
        assert len(power.casts) == len(power_data["casts"])
        for cast, cast_data in zip(power.casts, power_data["casts"], strict=True):
            assert type(cast) is Cast and cast.cast_data is cast_data and cast.frame_idx == 0
            assert_same(cast, expected(cast_data, CAST_FIELDS), where)
            assert cast.hitboxes is cast_data.get("hitboxes", cast.hitboxes)  # the data's own dicts
            assert_frame_changes(cast, cast_data, where)


def test_a_power_built_from_its_casts_reads_the_power_data_alone():
    data = {"powerID": 5, "fixedRecovery": 9, "recovery": 30, "onMissNextPowerIndex": 2}
    casts = [Cast({"startupFrames": 7, "attackFrames": 3}), Cast.get_cast({"attackFrames": 5})]
    power = Power(data, casts)
    assert power.casts is casts and power.power_data is data
    recovery = 4 + math.floor(15 / RECOVERY_DIVISOR)
    assert (power.power_id, power.recovery_frames, power.last_power) == (5, recovery, False)
    assert [(c.startup_frames, c.attack_frames) for c in casts] == [(3, 1), (0, 2)]
    assert Power(data, []).recovery_frames == 0  # no casts, no recovery
    power.cast_idx, casts[0].frame_idx, casts[0].startup_frames = 1, 4, 2  # participants' code moves these on
    assert (power.cast_idx, casts[0].frame_idx, casts[0].startup_frames) == (1, 4, 2)


class Player:
    facing = -1


def power_frames(data):
    """Frames a power lasts in `MoveManager.do_move`: its casts' startup and attack, then its recovery."""
    casts = data["casts"]
    length = sum(c.get("startupFrames", 0) // 2 + c.get("attackFrames", 0) // 2 for c in casts)
    if casts:
        length += data.get("fixedRecovery", 0) // 2 + math.floor(data.get("recovery", 0) // 2 / RECOVERY_DIVISOR)
    return max(length, 1)


@pytest.mark.parametrize(("name", "document"), DOCUMENTS, ids=[name for name, _ in DOCUMENTS])
@pytest.mark.parametrize("hit", [False, True])
def test_move_manager_plays_every_move_by_the_datas_timing(name, document, hit):
    player = Player()
    untouched = copy.deepcopy(document)
    manager = MoveManager(player, document)
    initial = document["powers"][document["move"]["initialPowerIndex"]]
    assert manager.move_data is document and manager.p is player and manager.frame == 0
    assert (manager.all_hit_agents, manager.hit_agent, manager.move_facing_direction) == ([], None, -1)
    assert manager.keys == {"LIGHT": "j", "HEAVY": "k", "THROW": "l"} and manager.keys is not MoveManager.KEYS
    assert manager.current_power.power_data is initial and manager.current_power.p is player
    assert manager.cooldown == initial.get("cooldown", 0) // 2
    if hit:
        manager.hit_agent = object()
    want, index = [], document["move"]["initialPowerIndex"]
    while index != -1 and len(want) < 500:
        data = document["powers"][index]
        want += [data] * power_frames(data)
        following = data.get("onHitNextPowerIndex", -1) if hit else -1
        index = following if following != -1 else data.get("onMissNextPowerIndex", -1)
    played, done = [], False
    while not done and len(played) < 500:
        played.append(manager.current_power.power_data)
        done = manager.do_move(False, 0.0)
    assert [id(d) for d in played] == [id(d) for d in want] and manager.frame == len(played)
    assert document == untouched  # playing never changes the data
