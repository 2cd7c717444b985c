"""The fighting game's agents, and a participant's competition code run after changing only its import."""

import textwrap
import types
from pathlib import Path

import gymnasium
import numpy as np
import pytest

import arena.envs
from arena.envs import seat_view
from arena.envs.fighting import (
    BasedAgent, BrawlerAgent, ClockworkAgent, ConstantAgent, RandomAgent, UserInputAgent,
)
from arena.match import play_match

# What the competition's BasedAgent (and its opponents) pressed, observation by observation, in
# matches of the competition's game; recorded by tools/record_ai2_agents.py.
RECORDED = np.load(Path(__file__).resolve().parent / "fixtures" / "ai2" / "based_agent.npz")


def win_rate(opponent: type, seeds: range) -> float:
    wins = 0
    for seed in seeds:
        result = play_match("fighting", [BrawlerAgent(), opponent()], seed=seed)
        wins += result.winner == "BrawlerAgent"
    return wins / len(seeds)


@pytest.mark.slow
def test_brawler_agent_beats_constant_and_random_agents_in_at_least_95_percent_of_matches():
    assert win_rate(ConstantAgent, range(20)) >= 0.95
    assert win_rate(RandomAgent, range(100)) >= 0.95  # enough games that a few unlucky seeds do not decide it


def replay(agent, match: int, actions: str = "actions") -> tuple[np.ndarray, np.ndarray]:
    """The keys `agent` presses for the recorded observations of `match`, and the keys recorded."""
    frames = RECORDED["match"] == match
    seated(agent)
    pressed = np.array([agent.predict(obs) > 0.5 for obs in RECORDED["observations"][frames]], np.uint8)
    return pressed, RECORDED[actions][frames]


@pytest.mark.parametrize("match", range(len(RECORDED["opponents"])))
def test_based_agent_presses_what_the_competitions_pressed_frame_by_frame(match):
    pressed, recorded = replay(BasedAgent(), match)
    assert len(recorded) > 500
    mismatches = np.flatnonzero((pressed != recorded).any(axis=1))
    assert mismatches.size == 0, f"{RECORDED['opponents'][match]}: first differs at frame {mismatches[:1]}"


def test_clockwork_and_constant_agents_press_what_the_competitions_pressed():
    opponents = list(RECORDED["opponents"])
    clockwork = opponents.index("ClockworkAgent seat=1")
    pressed, recorded = replay(ClockworkAgent(), clockwork, "opponent_actions")
    assert np.array_equal(pressed, recorded) and recorded.any()
    constant = opponents.index("ConstantAgent seat=0")
    pressed, recorded = replay(ConstantAgent(), constant, "opponent_actions")
    assert np.array_equal(pressed, recorded) and not recorded.any()


def seated(agent, seat: str = "player_0"):
    env = arena.envs.make("fighting")
    observations, _ = env.reset(seed=0)
    agent.get_env_info(seat_view(env, seat, 0))
    agent.reset()
    return env, observations[seat]


def test_constant_agent_presses_nothing_and_clockwork_agent_follows_its_sheet():
    constant = ConstantAgent()
    assert not constant.initialized
    _, observation = seated(constant)
    assert constant.initialized and not constant.predict(observation).any()
    clockwork = ClockworkAgent([(2, ["a"]), (1, ["d", "j"])])
    seated(clockwork)
    pressed = ["".join(k for k, v in zip("wasd_hljkg", clockwork.predict(observation)) if v) for _ in range(5)]
    assert pressed == ["a", "a", "dj", "dj", "dj"]  # the last entry stays held
    clockwork.reset()
    assert clockwork.predict(observation)[1] == 1


def test_user_input_agent_reads_the_keyboard(monkeypatch):
    import pygame

    held = {pygame.K_a, pygame.K_SPACE, pygame.K_k}
    monkeypatch.setattr(pygame.key, "get_pressed", lambda: _Pressed(held))
    agent = UserInputAgent()
    _, observation = seated(agent)
    assert agent.predict(observation).tolist() == [0, 1, 0, 0, 1, 0, 0, 0, 1, 0]


class _Pressed:
    def __init__(self, held):
        self.held = held

    def __getitem__(self, key):
        return key in self.held


# A participant's file from the competition, with only its import line changed.
PARTICIPANT_CODE = textwrap.dedent('''
    from arena.envs.fighting import *

    class SubmittedAgent(Agent):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.time = 0

        def predict(self, obs):
            self.time += 1
            pos = self.obs_helper.get_section(obs, 'player_pos')
            opp_pos = self.obs_helper.get_section(obs, 'opponent_pos')
            opp_KO = self.obs_helper.get_section(obs, 'opponent_state') in [5, 11]
            action = self.act_helper.zeros()
            if pos[0] > 10.67 / 2:
                action = self.act_helper.press_keys(['a'])
            elif pos[0] < -10.67 / 2:
                action = self.act_helper.press_keys(['d'])
            elif not opp_KO:
                action = self.act_helper.press_keys(['d'] if opp_pos[0] > pos[0] else ['a'])
            if (pos[1] > 1.6 or pos[1] > opp_pos[1]) and self.time % 2 == 0:
                action = self.act_helper.press_keys(['space'], action)
            if (pos[0] - opp_pos[0]) ** 2 + (pos[1] - opp_pos[1]) ** 2 < 4.0:
                action = self.act_helper.press_keys(['j'], action)
            return action

    def damage_interaction_reward(env: WarehouseBrawl) -> float:
        player = env.objects["player"]
        opponent = env.objects["opponent"]
        return (opponent.damage_taken_this_frame - player.damage_taken_this_frame) / 140

    def danger_zone_reward(env: WarehouseBrawl, zone_penalty: int = 1, zone_height: float = 4.2) -> float:
        player = env.objects["player"]
        return (-zone_penalty if player.body.position.y >= zone_height else 0.0) * env.dt

    def in_state_reward(env: WarehouseBrawl, desired_state: type = BackDashState) -> float:
        player = env.objects["player"]
        return (1 if isinstance(player.state, desired_state) else 0.0) * env.dt

    def head_to_opponent(env: WarehouseBrawl) -> float:
        player = env.objects["player"]
        opponent = env.objects["opponent"]
        multiplier = -1 if player.body.position.x > opponent.body.position.x else 1
        return multiplier * (player.body.position.x - player.prev_x)

    def holding_more_than_3_keys(env: WarehouseBrawl) -> float:
        a = env.objects["player"].cur_action
        return env.dt if (a > 0.5).sum() > 3 else 0

    def on_win_reward(env: WarehouseBrawl, agent: str) -> float:
        return 1.0 if agent == 'player' else -1.0

    def on_knockout_reward(env: WarehouseBrawl, agent: str) -> float:
        return -1.0 if agent == 'player' else 1.0

    def on_equip_reward(env: WarehouseBrawl, agent: str) -> float:
        if agent == "player":
            return {"Hammer": 2.0, "Spear": 1.0}.get(env.objects["player"].weapon, 0.0)
        return 0.0

    def on_drop_reward(env: WarehouseBrawl, agent: str) -> float:
        return -1.0 if agent == "player" and env.objects["player"].weapon == "Punch" else 0.0

    def on_combo_reward(env: WarehouseBrawl, agent: str) -> float:
        return -1.0 if agent == 'player' else 1.0

    def gen_reward_manager():
        reward_functions = {
            'danger_zone_reward': RewTerm(func=danger_zone_reward, weight=0.5),
            'damage_interaction_reward': RewTerm(func=damage_interaction_reward, weight=5.0),
            'fly': RewTerm(func=in_state_reward, weight=2, params={'desired_state': InAirState}),
            'head_to_opponent': RewTerm(func=head_to_opponent, weight=0.5),
            'penalize_attack_reward': RewTerm(func=in_state_reward, weight=-1, params={'desired_state': AttackState}),
            'holding_more_than_3_keys': RewTerm(func=holding_more_than_3_keys, weight=-4),
        }
        signal_subscriptions = {
            'on_win_reward': ('win_signal', RewTerm(func=on_win_reward, weight=200)),
            'on_knockout_reward': ('knockout_signal', RewTerm(func=on_knockout_reward, weight=20)),
            'on_combo_reward': ('hit_during_stun', RewTerm(func=on_combo_reward, weight=5)),
            'on_equip_reward': ('weapon_equip_signal', RewTerm(func=on_equip_reward, weight=10)),
            'on_drop_reward': ('weapon_drop_signal', RewTerm(func=on_drop_reward, weight=15)),
        }
        return RewardManager(reward_functions, signal_subscriptions)
''')


@pytest.fixture
def participant():
    module = types.ModuleType("participant")
    exec(PARTICIPANT_CODE, module.__dict__)
    return module


def test_a_competition_agent_and_reward_set_run_unchanged(participant):
    manager = participant.gen_reward_manager()
    stats = participant.run_match(participant.SubmittedAgent(), participant.ConstantAgent(), max_timesteps=900,
                                  reward_manager=manager)
    assert stats.player2.damage_taken > 0 and stats.player2.damage_taken == stats.player1.damage_done
    assert set(manager.term_totals) == {
        "danger_zone_reward", "damage_interaction_reward", "fly", "head_to_opponent", "penalize_attack_reward",
        "holding_more_than_3_keys", "on_win_reward", "on_knockout_reward", "on_combo_reward", "on_equip_reward",
        "on_drop_reward"}
    assert manager.term_totals["damage_interaction_reward"] == pytest.approx(5 * stats.player2.damage_taken / 140)
    assert manager.term_totals["penalize_attack_reward"] < 0 < manager.term_totals["fly"]
    assert manager.total_reward == pytest.approx(sum(manager.term_totals.values()))
    knockouts = 3 - stats.player2.lives_left
    assert manager.term_totals["on_knockout_reward"] == pytest.approx(20 * (knockouts - (3 - stats.player1.lives_left)))


def test_a_competition_reward_set_trains_both_seats_from_their_own_side(participant):
    env = arena.envs.make("fighting", reward_manager=participant.gen_reward_manager(), max_timesteps=400)
    agents = {"player_0": participant.SubmittedAgent(), "player_1": participant.ConstantAgent()}
    observations, _ = env.reset(seed=1)
    for seat, agent in agents.items():
        agent.get_env_info(seat_view(env, seat, 1))
    totals = dict.fromkeys(agents, 0.0)
    while env.agents:
        observations, rewards, _, _, infos = env.step({s: a.predict(observations[s]) for s, a in agents.items()})
        for seat in totals:
            totals[seat] += rewards[seat]
    damage = infos["player_0"]["reward_terms"]["damage_interaction_reward"]
    assert damage > 0 and infos["player_1"]["reward_terms"]["damage_interaction_reward"] == pytest.approx(-damage)
    assert infos["player_1"]["reward_terms"]["penalize_attack_reward"] == 0  # the constant agent never attacks


def test_sb3_ppo_trains_on_the_gymnasium_view_and_sb3_agent_plays_the_result(tmp_path, participant):
    pytest.importorskip("stable_baselines3")
    from stable_baselines3 import PPO

    from arena.envs.fighting import SB3Agent

    env = gymnasium.make("arena/Fighting-v0", opponent=ConstantAgent(),
                         reward_manager=participant.gen_reward_manager(), max_timesteps=256)
    model = PPO("MlpPolicy", env, n_steps=256, batch_size=64, n_epochs=2, verbose=0)
    model.learn(total_timesteps=256)
    model.save(tmp_path / "ppo")
    agent = SB3Agent(file_path=str(tmp_path / "ppo.zip"))
    result = play_match("fighting", [agent, ConstantAgent()], seed=0, max_steps=60)
    assert result.fault is None and agent.get_num_timesteps() == 256


@pytest.mark.parametrize("seat", [0, 1])
def test_the_gymnasium_view_plays_as_through_the_per_seat_api(participant, seat):
    # The view steps the game through step_both; with it switched off, through the per-seat dicts.
    traces = []
    for per_seat in (False, True):
        env = gymnasium.make("arena/Fighting-v0", seat=seat, opponent=BasedAgent(), max_timesteps=400,
                             reward_manager=participant.gen_reward_manager())
        if per_seat:
            env.unwrapped._step_both = None
        presses = np.random.default_rng(9).random((900, 10)).astype(np.float32)
        observation, _ = env.reset(seed=4)
        trace = [observation.tolist()]
        for keys in presses:
            observation, reward, terminated, truncated, info = env.step(keys)
            trace.append((observation.tolist(), reward, terminated, truncated, info))
            if terminated or truncated:
                trace.append(env.reset()[0].tolist())
        traces.append(trace)
    assert traces[0] == traces[1]
    assert sum(isinstance(step, list) for step in traces[0]) == 3  # two games ended on the way


def test_random_agent_draws_ahead_the_keys_box_sample_would_draw_a_move():
    env = arena.envs.make_raw("fighting")
    agent = RandomAgent()
    for seed in (7, 8):  # a new game reseeds the seat's space: the agent starts a new batch from it
        agent.get_env_info(seat_view(env, "player_1", seed))
        reference = seat_view(env, "player_1", seed).action_space
        for _ in range(RandomAgent.AHEAD * 2 + 5):
            keys, expected = agent.predict(None), reference.sample()
            assert keys.dtype == expected.dtype and np.array_equal(keys, expected)
