"""The fighting game's rules, pinned with scripted key presses on a real env."""

import numpy as np
import pytest

import arena.envs
from arena.envs.fighting import (
    AttackState, DodgeState, KOState, MoveType, StandingState, StunState, WarehouseBrawl,
)
from arena.envs.fighting import rules as R
from arena.envs.fighting.rules import Facing
from arena.envs.fighting.weapons import WeaponItem

IDLE = np.zeros(10, np.float32)


def keys(env: WarehouseBrawl, *names: str) -> np.ndarray:
    return env.act_helper.press_keys(list(names))


def step(env: WarehouseBrawl, first=IDLE, second=IDLE, frames: int = 1):
    for _ in range(frames):
        result = env.step({"player_0": first, "player_1": second})
    return result


def stage(seed: int = 0, **options) -> WarehouseBrawl:
    """An env whose two fighters stand face to face on the right ground, player_0 on the left."""
    env = arena.envs.make("fighting", **options)
    env.reset(seed=seed)
    for fighter, x in zip(env.players, (4.0, 4.8)):
        fighter.body.x, fighter.body.y = x, 0.0
    step(env, frames=15)
    player, opponent = env.players
    player.facing, opponent.facing = Facing.RIGHT, Facing.LEFT
    assert isinstance(player.state, StandingState) and isinstance(opponent.state, StandingState)
    assert player.body.y == opponent.body.y == pytest.approx(R.GROUNDS[0][1] - R.HALF_HEIGHT)
    return env


def flight_after_heavy_hit(percent: float) -> float:
    """How far a side heavy sends a fighter at `percent` damage in the second after it lands."""
    env = stage()
    player, opponent = env.players
    opponent.damage = percent
    start = opponent.body.x
    for _ in range(30):
        step(env, keys(env, "d", "k"))
        if opponent.damage > percent:
            break
    assert isinstance(opponent.state, StunState) and opponent.damage == percent + 15
    step(env, frames=30)
    return opponent.body.x - start


def test_a_heavy_hit_at_100_percent_sends_much_farther_than_at_0():
    near, far = flight_after_heavy_hit(0.0), flight_after_heavy_hit(100.0)
    assert 0 < near < 3
    assert far > 2.5 * near


def test_hits_add_up_damage_and_a_hit_during_stun_is_a_combo():
    env = stage()
    combos = []
    env.hit_during_stun.connect(lambda env, agent: combos.append(agent))
    player, opponent = env.players
    step(env, keys(env, "j"), frames=6)
    assert opponent.damage == 4 and isinstance(opponent.state, StunState) and combos == []
    step(env, frames=20)
    opponent.body.x = player.body.x + 0.8
    opponent.set_state(StunState)
    opponent.timer = 60  # still stunned when the next jab lands
    step(env, keys(env, "j"), frames=6)
    assert opponent.damage == 8 and opponent.damage_taken_total == 8 and player.damage_done == 8
    assert combos == ["opponent"]


def test_the_blast_zone_costs_a_stock_then_respawns_invulnerable_at_the_start():
    env = stage()
    knockouts = []
    env.knockout_signal.connect(lambda env, agent: knockouts.append(agent))
    opponent = env.players[1]
    opponent.damage = 50.0
    opponent.body.x = R.BLAST_X + 0.5
    step(env)
    assert isinstance(opponent.state, KOState) and opponent.stocks == R.STOCKS - 1
    assert knockouts == ["opponent"]
    step(env, frames=R.KO_FRAMES - 1)
    assert isinstance(opponent.state, KOState)
    step(env)
    assert not isinstance(opponent.state, KOState)
    assert (opponent.body.x, opponent.damage) == (opponent.spawn[0], 0.0) and opponent.body.y < 0.5
    assert opponent.invincible_timer > 0 and not opponent.state.vulnerable()
    obs, *_ = step(env)
    assert env.obs_helper.get_section(obs["player_0"], "opponent_stocks")[0] == R.STOCKS - 1


def test_losing_the_last_stock_ends_the_match_and_signals_the_winner():
    env = stage(stocks=1)
    wins = []
    env.win_signal.connect(lambda env, agent: wins.append(agent))
    env.players[0].body.y = R.BLAST_Y + 1
    _, rewards, terminations, truncations, _ = step(env)
    assert all(terminations.values()) and not any(truncations.values()) and env.agents == []
    assert rewards == {"player_0": -1.0, "player_1": 1.0} and wins == ["opponent"]
    assert env.outcome_text() == "player_0 0 stocks 0% - player_1 1 stocks 0%"


def test_time_runs_out_after_max_timesteps_and_equal_stocks_is_a_draw():
    env = arena.envs.make("fighting", max_timesteps=40)
    env.reset(seed=1)
    _, rewards, terminations, truncations, _ = step(env, frames=40)
    assert all(truncations.values()) and not any(terminations.values())
    assert rewards == {"player_0": 0.0, "player_1": 0.0} and env.steps == 40


def test_dodge_frames_ignore_hits_that_land_without_the_dodge():
    def jab(dodge: bool) -> float:
        env = stage()
        step(env, keys(env, "j"), keys(env, "l") if dodge else IDLE)
        if dodge:
            assert isinstance(env.players[1].state, DodgeState)
        step(env, keys(env, "j"), frames=5)
        return env.players[1].damage

    assert jab(dodge=False) > 0
    assert jab(dodge=True) == 0


def test_a_dodge_has_a_cooldown_shown_in_the_observation():
    env = stage()
    obs, *_ = step(env, IDLE, keys(env, "l"))
    assert env.obs_helper.get_section(obs["player_1"], "player_state")[0] == DodgeState.number
    assert env.obs_helper.get_section(obs["player_0"], "opponent_dodge_timer")[0] == R.GROUND_DODGE_COOLDOWN - 0
    obs, *_ = step(env, frames=R.DODGE_FRAMES + 1)
    assert isinstance(env.players[1].state, StandingState)
    obs, *_ = step(env, IDLE, keys(env, "l"))  # still cooling down: no second dodge
    assert not isinstance(env.players[1].state, DodgeState)


def test_picking_up_a_weapon_changes_weapon_type_and_h_drops_it_again():
    env = stage()
    player = env.players[0]
    equips, drops = [], []
    env.weapon_equip_signal.connect(lambda env, agent: equips.append(agent))
    env.weapon_drop_signal.connect(lambda env, agent: drops.append(agent))
    env.game.armory.spawners[0].item = WeaponItem("Hammer", player.body.x, player.body.y - 0.2, 10_000, dropped=False)
    obs, *_ = step(env, keys(env, "h"))
    assert player.weapon == "Hammer" and equips == ["player"]
    assert env.obs_helper.get_section(obs["player_0"], "player_weapon_type")[0] == 2
    assert env.obs_helper.get_section(obs["player_1"], "opponent_weapon_type")[0] == 2
    step(env)
    obs, *_ = step(env, keys(env, "h"))
    assert player.weapon == "Punch" and drops == ["player"]
    dropped = env.obs_helper.get_section(obs["player_0"], "player_spawner_3")
    assert dropped[2] == 3 and abs(dropped[0] - player.body.x) < 1


def test_a_weapon_makes_the_same_attack_hit_harder():
    def jab_damage(weapon: str) -> float:
        env = stage()
        env.players[0].weapon = weapon
        step(env, keys(env, "j"), frames=12)
        return env.players[1].damage

    assert jab_damage("Punch") < jab_damage("Spear") < jab_damage("Hammer")


def test_spawners_show_weapons_over_the_grounds_and_they_vanish_untaken():
    env = arena.envs.make("fighting")
    env.reset(seed=3)
    seen = {}
    for frame in range(R.FIRST_SPAWN_MAX + R.WEAPON_LIFETIME + 2):
        obs, *_ = step(env)
        for slot in (1, 2):
            x, y, kind = env.obs_helper.get_section(obs["player_0"], f"player_spawner_{slot}")
            if kind:
                seen.setdefault(slot, (frame, x, y, kind))
                (ground_x, top) = R.GROUNDS[slot - 1]
                assert abs(x - ground_x) <= R.GROUND_HALF_WIDTH and y == pytest.approx(top - R.SPAWNER_HEIGHT)
                assert R.SPAWNER_X_RANGE[0] <= abs(x) <= R.SPAWNER_X_RANGE[1] and kind == 1
    assert set(seen) == {1, 2}
    assert all(first <= R.FIRST_SPAWN_MAX for first, *_ in seen.values())
    assert not env.game.armory.spawners[0].item or env.game.armory.spawners[0].item.expires > env.steps


def test_the_platform_carries_a_fighter_and_s_drops_through_it():
    env = arena.envs.make("fighting")
    env.reset(seed=0)
    player = env.players[0]
    platform = env.objects["platform1"]
    player.body.x, player.body.y = platform.body.x, platform.body.y - 1.5
    step(env, frames=20)
    assert player.grounded and player.on_platform
    assert player.body.y == pytest.approx(platform.body.y - R.HALF_HEIGHT)
    start = platform.body.position
    step(env, frames=20)
    assert platform.body.position != start and player.body.x == pytest.approx(platform.body.x, abs=0.05)
    step(env, keys(env, "s"), frames=10)
    assert not player.on_platform and player.body.y > platform.body.y


def test_ground_pound_plunges_and_recovery_rises_once_per_airtime():
    env = stage()
    player = env.players[0]
    step(env, keys(env, "space"))
    step(env, frames=6)
    obs, *_ = step(env, keys(env, "k"))  # neutral heavy in the air
    assert player.state.move_type is MoveType.RECOVERY and player.recoveries_left == 0
    assert env.obs_helper.get_section(obs["player_0"], "player_move_type")[0] == MoveType.RECOVERY.value
    step(env, frames=player.move.startup + 1)
    assert player.body.vy < 0
    step(env, frames=40)
    step(env, keys(env, "space"))
    step(env, frames=4)
    step(env, keys(env, "s", "k"))
    assert player.state.move_type is MoveType.GROUNDPOUND
    step(env, keys(env, "s", "k"), frames=player.move.startup + 1)
    assert player.body.vy > 10
    assert isinstance(player.state, AttackState)


def test_same_seed_and_actions_give_identical_trajectories_and_other_seeds_differ():
    def trajectory(seed: int) -> list:
        env = arena.envs.make("fighting", max_timesteps=600)
        observations, _ = env.reset(seed=seed)
        rng = np.random.default_rng(11)
        log = [observations["player_0"]]
        while env.agents:
            actions = {a: (rng.random(10) < 0.4).astype(np.float32) for a in env.agents}
            observations, rewards, *_ = env.step(actions)
            log += [observations["player_0"], observations["player_1"], np.array(list(rewards.values()))]
        return log

    first, again, other = trajectory(5), trajectory(5), trajectory(6)
    assert len(first) == len(again) and all(np.array_equal(a, b) for a, b in zip(first, again))
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))


def test_many_envs_in_one_process_do_not_share_state():
    one, two = arena.envs.make("fighting"), arena.envs.make("fighting")
    one.reset(seed=2)
    two.reset(seed=2)
    step(one, keys(one, "d"), frames=10)
    assert one.players[0].body.x != two.players[0].body.x
    assert two.players[0].body.x == pytest.approx(two.players[0].spawn[0])
