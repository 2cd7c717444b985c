"""The fighting game's rules as a player meets them, pinned with scripted key presses on a real env.

Frame-exact agreement with the competition's game is tests/test_fighting_fidelity.py; these pin
what the env adds around it: signals, stocks, the end of a match, observations, weapons.
"""

import numpy as np
import pytest

import arena.envs
from arena.envs.fighting import (AttackState, DodgeState, InAirState, KOState, MoveType, StandingState, StunState,
                                  WarehouseBrawl)
from arena.envs.fighting import rules as R

IDLE = np.zeros(10, np.float32)
STANDING_Y = 0.85 - 0.5 + 0.01  # a fighter's centre on the right ground, just sunk in


def keys(env: WarehouseBrawl, *names: str) -> np.ndarray:
    return env.act_helper.press_keys(list(names))


def step(env: WarehouseBrawl, first=IDLE, second=IDLE, frames: int = 1):
    for _ in range(frames):
        result = env.step({"player_0": first, "player_1": second})
    return result


def stage(seed: int = 0, gap: float = 0.8, **options) -> WarehouseBrawl:
    """An env whose two fighters stand face to face on the right ground, player_0 on the left."""
    env = arena.envs.make("fighting", **options)
    env.reset(seed=seed)
    player, opponent = env.players
    for fighter, x in zip(env.players, (4.0, 4.0 + gap)):
        fighter.body.position = (x, STANDING_Y)
    player.facing, opponent.facing = R.Facing.RIGHT, R.Facing.LEFT
    step(env, frames=3)
    assert isinstance(player.state, StandingState) and isinstance(opponent.state, StandingState)
    return env


def launch_distance(percent: float) -> float:
    """How far a side heavy sends a fighter at `percent` damage in the second after it lands."""
    env = stage()
    player, opponent = env.players
    opponent.damage = percent
    start = opponent.body.x
    step(env, keys(env, "d", "k"))
    for _ in range(40):
        step(env)
        if opponent.damage > percent:
            break
    assert isinstance(opponent.state, StunState) and opponent.damage == percent + 18
    step(env, frames=30)
    return opponent.body.x - start


def test_a_heavy_hit_at_100_percent_sends_much_farther_than_at_0():
    near, far = launch_distance(0.0), launch_distance(100.0)
    assert near > 0
    assert far > 2 * near


def test_hits_add_up_damage_and_a_hit_during_stun_is_a_combo():
    env = stage()
    combos = []
    env.hit_during_stun.connect(lambda env, agent: combos.append(agent))
    player, opponent = env.players
    step(env, keys(env, "j"), frames=8)
    first_hit = opponent.damage
    assert first_hit > 0 and isinstance(opponent.state, StunState) and combos == []
    step(env, keys(env, "j"), frames=12)  # the jab's later hits land while it is still stunned
    assert opponent.damage > first_hit and combos
    assert opponent.damage_taken_total == player.damage_done == opponent.damage


def test_the_blast_zone_costs_a_stock_then_respawns_at_the_start():
    env = stage()
    knockouts = []
    env.knockout_signal.connect(lambda env, agent: knockouts.append(agent))
    opponent = env.players[1]
    opponent.damage = 50.0
    opponent.body.x = R.BLAST_X + 0.5
    step(env)
    assert isinstance(opponent.state, KOState) and opponent.stocks == R.STOCKS - 1
    assert knockouts == ["opponent"]
    frames = 0
    while isinstance(opponent.state, KOState):
        step(env)
        frames += 1
    assert abs(frames - R.KO_FRAMES) <= 1
    assert opponent.damage == 0.0 and opponent.damage_taken_this_stock == 0.0
    assert abs(opponent.body.x - opponent.spawn[0]) < 0.01 and opponent.body.y < 0.5
    obs, *_ = step(env)
    assert env.obs_helper.get_section(obs["player_0"], "opponent_stocks")[0] == R.STOCKS - 1
    assert env.obs_helper.get_section(obs["player_0"], "opponent_jumps_left")[0] == 0  # respawned with none


def test_losing_the_last_stock_ends_the_match_the_next_frame_and_signals_the_winner():
    env = stage(stocks=1)
    wins = []
    env.win_signal.connect(lambda env, agent: wins.append(agent))
    env.players[0].body.y = R.BLAST_Y + 1
    _, _, terminations, _, _ = step(env)
    assert not any(terminations.values()) and env.players[0].stocks == 0
    _, rewards, terminations, truncations, _ = step(env)
    assert all(terminations.values()) and not any(truncations.values()) and env.agents == []
    assert rewards == {"player_0": -1.0, "player_1": 1.0} and wins == ["opponent"]
    assert env.outcome_text() == "player_0 0 stocks 0% - player_1 1 stocks 0%"


@pytest.mark.parametrize("engine", ["native", "python"])
def test_both_fighters_losing_their_last_stock_on_one_frame_is_a_draw_that_signals_both_wins(engine):
    """As in the competition's game: each fighter out of stocks signals the other's win (fighter 0's first), and
    its `run_match` scores equal stocks a draw."""
    env = stage(stocks=1, engine=engine)
    wins = []
    env.win_signal.connect(lambda env, agent: wins.append(agent))
    for fighter in env.players:
        fighter.body.y = R.BLAST_Y + 1
    step(env)
    assert [fighter.stocks for fighter in env.players] == [0, 0]
    _, rewards, terminations, _, _ = step(env)
    assert all(terminations.values()) and env.agents == []
    assert rewards == {"player_0": 0.0, "player_1": 0.0} and wins == ["opponent", "player"]


@pytest.mark.parametrize("engine", ["native", "python"])
def test_a_last_stock_lost_on_the_frame_the_other_fighters_loss_ends_the_match_is_a_draw(engine):
    """Fighter 0's last stock is lost; on the next frame, the one that ends the match and signals fighter 1's win,
    fighter 1 loses its last stock too: the competition's `run_match` scores the equal stocks a draw."""
    env = stage(stocks=1, engine=engine)
    wins = []
    env.win_signal.connect(lambda env, agent: wins.append(agent))
    player, opponent = env.players
    player.body.y = R.BLAST_Y + 1
    step(env)
    opponent.body.y = R.BLAST_Y + 1
    _, rewards, terminations, _, _ = step(env)
    assert all(terminations.values()) and [fighter.stocks for fighter in env.players] == [0, 0]
    assert rewards == {"player_0": 0.0, "player_1": 0.0} and wins == ["opponent"]


def test_time_runs_out_after_max_timesteps_and_equal_stocks_is_a_draw():
    env = arena.envs.make("fighting", max_timesteps=40)
    env.reset(seed=1)
    _, rewards, terminations, truncations, _ = step(env, frames=40)
    assert all(truncations.values()) and not any(terminations.values())
    assert rewards == {"player_0": 0.0, "player_1": 0.0} and env.steps == 40


@pytest.mark.parametrize("engine", ["native", "python"])
def test_max_timesteps_set_on_the_env_cuts_the_match_under_way_and_sets_the_next(engine):
    env = arena.envs.make("fighting", engine=engine)
    env.unwrapped.reset(seed=1)
    env.unwrapped.max_timesteps = 40
    _, _, _, truncations, _ = step(env, frames=39)
    assert not any(truncations.values())
    _, _, _, truncations, _ = step(env)
    assert all(truncations.values()) and env.agents == []
    env.reset(seed=2)
    _, _, _, truncations, _ = step(env, frames=40)
    assert all(truncations.values()) and env.steps == 40


def test_a_dodging_fighter_cannot_be_hit():
    def jab(dodge: bool) -> float:
        env = stage()
        step(env, keys(env, "j"), keys(env, "l") if dodge else IDLE)
        if dodge:
            assert isinstance(env.players[1].state, DodgeState)
        step(env, keys(env, "j"), frames=7)
        return env.players[1].damage

    assert jab(dodge=False) > 0
    assert jab(dodge=True) == 0


def test_the_dodge_timer_counts_the_dodge_down_and_a_cooldown_follows():
    env = stage()
    obs, *_ = step(env, IDLE, keys(env, "l"))
    seen = env.obs_helper.get_section(obs["player_0"], "opponent_dodge_timer")[0]
    assert env.obs_helper.get_section(obs["player_1"], "player_state")[0] == DodgeState.number
    timers = [seen]
    for _ in range(R.DODGE_FRAMES):
        obs, *_ = step(env)
        timers.append(env.obs_helper.get_section(obs["player_0"], "opponent_dodge_timer")[0])
    assert timers[0] == R.DODGE_FRAMES and timers[-1] == 0 and timers == sorted(timers, reverse=True)
    assert isinstance(env.players[1].state, StandingState)
    step(env, IDLE, keys(env, "l"))  # still cooling down: no second dodge
    assert not isinstance(env.players[1].state, DodgeState)


@pytest.mark.parametrize("engine", ["native", "python"])
def test_an_air_dodge_that_ends_on_the_floor_lands_a_frame_later(engine):
    """As in the competition, whose DodgeState goes back to the air unless the dodge began on the
    ground, and only then lands."""
    env = stage(engine=engine)
    player = env.players[0]
    step(env, keys(env, "space"), frames=4)
    step(env, keys(env, "l"))
    assert isinstance(player.state, DodgeState) and not player.state.grounded
    player.body.position = (player.body.x, STANDING_Y)  # the floor reaches the hanging fighter
    while isinstance(player.state, DodgeState):
        step(env)
    assert isinstance(player.state, InAirState) and player.is_on_floor()
    step(env)
    assert isinstance(player.state, StandingState)


def test_jumps_left_reads_zero_on_the_ground_and_counts_air_jumps():
    env = stage()
    obs, *_ = step(env)
    jumps = lambda o: env.obs_helper.get_section(o["player_0"], "player_jumps_left")[0]  # noqa: E731
    assert jumps(obs) == 0
    obs, *_ = step(env, keys(env, "space"))
    assert jumps(obs) == 2
    obs, *_ = step(env, frames=7)
    obs, *_ = step(env, keys(env, "space"))
    assert jumps(obs) == 1


@pytest.mark.parametrize("engine", ["native", "python"])
def test_a_state_lacks_the_jump_counts_nothing_gave_it(engine):
    # As in the competition, where reward code guards with hasattr before adding them up.
    def low_on_jumps(player) -> float:
        state = player.state
        if hasattr(state, "jumps_left") and hasattr(state, "recoveries_left"):
            return -1.0 if state.jumps_left + state.recoveries_left <= 1 else 0.0
        return 0.0

    env = stage(engine=engine)
    player, opponent = env.players
    step(env, keys(env, "j"), frames=8)  # stunned from the ground, whose states never count jumps
    assert isinstance(opponent.state, StunState)
    assert not hasattr(opponent.state, "jumps_left") and not hasattr(opponent.state, "recoveries_left")
    assert low_on_jumps(opponent) == 0.0

    env = stage(engine=engine)  # hit in the air, whose state counts jumps: its stun takes the jumps only
    player, opponent = env.players
    opponent.body.position = (4.8, STANDING_Y - 0.3)
    obs, *_ = step(env, keys(env, "j"), frames=4)
    assert isinstance(opponent.state, StunState)
    assert hasattr(opponent.state, "jumps_left") and not hasattr(opponent.state, "recoveries_left")
    assert low_on_jumps(opponent) == 0.0
    assert env.obs_helper.get_section(obs["player_1"], "player_recoveries_left")[0] == 0


def test_picking_up_a_weapon_changes_weapon_type_and_h_drops_it_again():
    env = stage()
    player = env.players[0]
    equips, drops = [], []
    env.weapon_equip_signal.connect(lambda env, agent: equips.append(agent))
    env.weapon_drop_signal.connect(lambda env, agent: drops.append(agent))
    spawner = env.game.armory.spawners[0]
    spawner.weapon, spawner.position = "Hammer", (player.body.x, 0.7)
    spawner.spawned_at = env.steps - R.SPAWN_SHOW_FRAMES  # shown long enough ago to be taken
    step(env)
    obs, *_ = step(env, keys(env, "h"))
    assert player.weapon == "Hammer" and equips == ["player"]
    assert env.obs_helper.get_section(obs["player_0"], "player_weapon_type")[0] == 2
    assert env.obs_helper.get_section(obs["player_1"], "opponent_weapon_type")[0] == 2
    step(env)
    obs, *_ = step(env, keys(env, "h"))
    assert player.weapon == "Punch" and drops == ["player"]
    dropped = env.obs_helper.get_section(obs["player_0"], "player_spawner_3")
    assert dropped[2] == 3 and abs(dropped[0] - player.body.x) < 0.2


def test_a_weapon_makes_the_same_attack_hit_harder():
    def jab_damage(weapon: str) -> float:
        env = stage()
        env.players[0].weapon = weapon
        step(env, keys(env, "j"), frames=20)
        return env.players[1].damage

    assert jab_damage("Punch") < min(jab_damage("Spear"), jab_damage("Hammer"))


def test_spawners_show_weapons_over_the_grounds_and_they_vanish_untaken():
    env = arena.envs.make("fighting")
    env.reset(seed=3)
    seen = {}
    gone = set()
    for frame in range(R.FIRST_SPAWN_MAX + R.WEAPON_LIFETIME + 5):
        obs, *_ = step(env)
        for slot, height in zip((1, 2), R.SPAWNER_Y):
            x, y, kind = env.obs_helper.get_section(obs["player_0"], f"player_spawner_{slot}")
            if kind:
                seen.setdefault(slot, frame)
                assert y == pytest.approx(height) and kind == 1
                assert R.SPAWNER_X_RANGE[0] <= abs(x) <= R.SPAWNER_X_RANGE[1] and np.sign(x) == (1 if slot == 1 else -1)
            elif slot in seen:
                gone.add(slot)
    assert set(seen) == {1, 2} and all(first <= R.FIRST_SPAWN_MAX + 1 for first in seen.values())
    assert gone == {1, 2}


def test_the_platform_carries_a_fighter_standing_on_it():
    env = arena.envs.make("fighting")
    env.reset(seed=0)
    player = env.players[0]
    platform = env.objects["platform1"]
    player.body.position = (platform.body.x, platform.body.y - 1.5)
    step(env, frames=20)
    assert player.is_on_floor() and isinstance(player.state, StandingState)
    start, rider = platform.body.position, player.body.position
    step(env, frames=20)
    assert platform.body.position != start
    for axis in (0, 1):
        assert abs((player.body.position[axis] - rider[axis]) - (platform.body.position[axis] - start[axis])) < 0.1
    assert 0 <= player.body.y - (platform.top - R.HALF_HEIGHT) < 0.15  # resting at most 0.1 sunk in


def test_recovery_is_once_per_airtime_and_its_move_type_is_observed():
    env = stage()
    player = env.players[0]
    step(env, keys(env, "space"))
    step(env, frames=3)
    obs, *_ = step(env, keys(env, "k"))  # neutral heavy in the air
    assert isinstance(player.state, AttackState) and player.state.move_type is MoveType.RECOVERY
    assert env.obs_helper.get_section(obs["player_0"], "player_move_type")[0] == MoveType.RECOVERY.value
    while isinstance(player.state, AttackState):
        step(env)
    assert not player.is_on_floor() and player.recoveries_left == 0
    step(env, keys(env, "k"))
    assert not isinstance(player.state, AttackState)


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
    step(one, keys(one, "d"), frames=30)
    assert one.players[0].body.x != two.players[0].body.x
    assert two.players[0].body.x == pytest.approx(two.players[0].spawn[0])
