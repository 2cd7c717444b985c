# Reward code from the technical guide notebook, the way a participant types it into their project.

from arena.compat.ai2.environment.agent import *


class RewardMode(Enum):
    ASYMMETRIC_OFFENSIVE = 0
    SYMMETRIC = 1
    ASYMMETRIC_DEFENSIVE = 2


def damage_interaction_reward(env: WarehouseBrawl, mode: RewardMode = RewardMode.SYMMETRIC) -> float:
    dealt = env.objects["opponent"].damage_taken_this_frame
    taken = env.objects["player"].damage_taken_this_frame
    if mode == RewardMode.ASYMMETRIC_OFFENSIVE:
        return dealt
    if mode == RewardMode.SYMMETRIC:
        return dealt - taken
    if mode == RewardMode.ASYMMETRIC_DEFENSIVE:
        return -taken
    raise ValueError(f"Invalid mode: {mode}")


def danger_zone_reward(env: WarehouseBrawl, zone_penalty: int = 1, zone_height: float = 4.2) -> float:
    return -zone_penalty if env.objects["player"].body.position.y >= zone_height else 0.0


def platform_drift_reward(env: WarehouseBrawl) -> float:
    # reads the platform's own velocity fields, as the guide lists them
    platform = env.objects["platform1"]
    return abs(platform.velocity_x) + abs(platform.velocity_y)


def in_state_reward(env: WarehouseBrawl, desired_state=AttackState) -> float:
    return env.dt if isinstance(env.objects["player"].state, desired_state) else 0.0


def holding_more_than_3_keys(env: WarehouseBrawl) -> float:
    return env.dt if (np.array(env.objects["player"].cur_action) > 0.5).sum() > 3 else 0


def knockout_reward(env: WarehouseBrawl, agent: str = "player", knockout_value_opponent: float = 50.0,
                    knockout_value_player: float = 50.0) -> float:
    return -knockout_value_player if agent == "player" else knockout_value_opponent


def win_reward(env: WarehouseBrawl, agent: str = "player", win_value: float = 300.0, lose_value: float = 200.0) -> float:
    return win_value if agent == "player" else -lose_value


def on_combo_reward(env: WarehouseBrawl, agent: str) -> float:
    return -1.0 if agent == "player" else 1.0


def on_equip_reward(env: WarehouseBrawl, agent: str) -> float:
    if agent == "player":
        return {"Hammer": 2.0, "Spear": 1.0}.get(env.objects["player"].weapon, 0.0)
    return 0.0


def on_drop_reward(env: WarehouseBrawl, agent: str) -> float:
    return -1.0 if agent == "player" and env.objects["player"].weapon == "Punch" else 0.0


def gen_reward_manager():
    reward_functions = {
        'danger_zone_reward': RewTerm(func=danger_zone_reward, weight=0.5),
        'damage_interaction_reward': RewTerm(func=damage_interaction_reward, weight=1.0),
        'platform_drift_reward': RewTerm(func=platform_drift_reward, weight=1.0),
        'penalize_attack_reward': RewTerm(func=in_state_reward, weight=-0.04, params={'desired_state': AttackState}),
        'holding_more_than_3_keys': RewTerm(func=holding_more_than_3_keys, weight=-0.01),
    }
    signal_subscriptions = {
        'on_win_reward': ('win_signal', RewTerm(func=win_reward, weight=1)),
        'on_knockout_reward': ('knockout_signal', RewTerm(func=knockout_reward, weight=1)),
        'on_combo_reward': ('hit_during_stun', RewTerm(func=on_combo_reward, weight=5)),
        'on_equip_reward': ('weapon_equip_signal', RewTerm(func=on_equip_reward, weight=10)),
        'on_drop_reward': ('weapon_drop_signal', RewTerm(func=on_drop_reward, weight=15)),
    }
    return RewardManager(reward_functions, signal_subscriptions)
