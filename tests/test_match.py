"""The match runner: deterministic games, per-agent statuses, forfeits, truncation, simultaneous moves."""

import os
import select
import threading
import time

import numpy as np
import pytest
from gymnasium import spaces

from arena.actions import checked_action
from arena.agents import Agent, GreedyOthelloAgent, RandomAgent
from arena.entrants import submission_handle
from arena.faults import AgentFault, Status, shown
from arena.handle import AgentHandle, LocalAgent
from arena.envs import entry, make_raw
from arena.match import MatchResult, play_match, rank
from arena.submission import load
from scripted import Scripted


def test_same_seed_same_game_and_other_seeds_differ():
    first = play_match("othello", [RandomAgent(), GreedyOthelloAgent()], seed=11)
    again = play_match("othello", [RandomAgent(), GreedyOthelloAgent()], seed=11)
    other = play_match("othello", [RandomAgent(), GreedyOthelloAgent()], seed=12)
    assert first.actions == again.actions and first.agents == again.agents
    assert first.actions != other.actions


def test_result_reports_scores_ranks_and_the_winner():
    result = play_match("othello", [RandomAgent(), GreedyOthelloAgent()], seed=0)
    black, white = result.agents
    assert (black.seat, white.seat) == ("player_0", "player_1")
    assert {black.score, white.score} <= {-1.0, 0.0, 1.0} and black.score == -white.score
    assert result.outcome.startswith("black ")
    discs = [int(word) for word in result.outcome.replace("-", " ").split() if word.isdigit()]
    assert (black.score > 0) == (discs[0] > discs[1])
    assert result.winner == (None if black.score == 0 else (black.name if black.score > 0 else white.name))
    assert black.moves == len(result.actions["player_0"]) and result.steps == black.moves + white.moves
    assert all(a.status == Status.OK for a in result.agents)


@pytest.mark.parametrize(
    "how, status, detail",
    [
        ("raise", Status.CRASH, "predict() failed: RuntimeError: something broke"),
        ("occupied", Status.ILLEGAL_ACTION, "played d4 (27), which is not legal here (legal: "),
        ("none", Status.ILLEGAL_ACTION, "returned None (NoneType); predict() must return an int in 0..64"),
        ("text", Status.ILLEGAL_ACTION, "returned 'd3' (str)"),
        ("float", Status.ILLEGAL_ACTION, "returned 19.5 (float)"),
        ("huge", Status.ILLEGAL_ACTION, "returned 1000000, outside the action space"),
        ("array", Status.ILLEGAL_ACTION, "returned array([1, 2]) (ndarray)"),
    ],
)
def test_a_faulting_agent_loses_with_its_status_and_the_match_goes_on(how, status, detail):
    result = play_match("othello", [RandomAgent(), Scripted(how)], seed=1)
    culprit, opponent = result.agent("player_1"), result.agent("player_0")
    assert culprit.status == status and detail in culprit.detail
    assert (culprit.score, culprit.rank, opponent.score, opponent.rank) == (-1.0, 2, 1.0, 1)
    assert opponent.status == Status.OK and result.winner == opponent.name
    assert culprit.moves == 2 and result.fault.phase == "move"


def test_a_discrete_action_in_a_batch_of_one_is_taken_as_an_array_or_a_list():
    space = spaces.Discrete(3)
    assert [checked_action(given, space) for given in (np.array([2]), [2], (np.int64(2),), np.array([[2]]))] == [2] * 4
    for refused in ([2, 1], [[2]], [True], []):
        with pytest.raises(AgentFault, match="predict\\(\\) must return an int in 0..2"):
            checked_action(refused, space)


@pytest.mark.parametrize("space", [spaces.MultiBinary(3), spaces.MultiDiscrete([3, 3, 3])], ids=str)
def test_an_array_action_too_large_for_the_spaces_integers_is_illegal(space):
    with pytest.raises(AgentFault, match=r"which is not an array of shape \(3,\) of int"):  # not numpy's OverflowError
        checked_action([2**70] * 3, space)


def test_float_actions_reach_the_env_as_given_and_out_of_bounds_ones_are_illegal():
    keys = spaces.Box(0, 1, (10,), np.float32)
    given = [0.5000000001] + [1.0] * 9
    checked = checked_action(given, keys)
    assert checked.tolist() == given  # float32 would read 0.5: the key would not be pressed
    with pytest.raises(AgentFault, match="outside the action space"):
        checked_action([1.0000001] + [0.0] * 9, keys)
    with pytest.raises(AgentFault, match="NaN or infinity"):
        checked_action([float("nan")] * 10, keys)


class Unreadable:
    """What an agent may return whose own code fails as it is read: as a number, and as text."""

    def __index__(self):
        raise RuntimeError("no number here")

    __float__ = __index__

    def __repr__(self):
        raise RuntimeError("no text either")


@pytest.mark.parametrize("env, action", [("othello", Unreadable()), ("fighting", [Unreadable()] * 10)])
def test_an_action_whose_own_code_fails_as_it_is_checked_is_illegal_in_any_match(env, action):
    class Returning(Agent):
        def predict(self, obs):
            return action

    with pytest.raises(AgentFault, match="returned an action that cannot be read \\(RuntimeError: no"):
        checked_action(action, make_raw(env).action_space("player_0"))
    result = play_match(env, [Returning(), RandomAgent()], seed=1, max_steps=3)  # in-process: no tournament's guard
    culprit, opponent = result.agents
    assert (culprit.status, opponent.status) == (Status.ILLEGAL_ACTION, Status.OK)
    assert "returned an action that cannot be read (RuntimeError: no" in culprit.detail


class Items(list):
    """A list of an agent's own kind, with nothing of its own to show."""


def _holding(item):
    held = np.empty(2, object)
    held[0] = item
    return held


@pytest.mark.parametrize("action, said", [
    # Not "cannot be read (ValueError: Exceeds the limit (4300 digits)...)", nor its millions of digits where
    # the limit is off: its size.
    (10**10000, "returned int of 33220 bits, outside the action space (an int in 0..2)"),
    (Items(range(10**6)), "returned [0, 1, 2, 3, 4, 5, ...] (Items); predict() must return an int in 0..2"),
    # Arrays whose elements are not numbers, however few: each one may be as large as the harness's memory.
    (_holding(list(range(10**6))), "returned object array of shape (2,) (ndarray); predict() must return"),
    (np.array(["x" * 10**6, ""]), "returned <U1000000 array of shape (2,) (ndarray); predict() must return"),
], ids=["huge int", "list subclass", "object array", "str array"])
def test_an_in_process_action_is_described_by_a_few_of_its_items_whatever_it_holds(action, said):
    # In-process (--no-sandbox) an agent may return what no sandbox's pipe carries: the harness says why it is
    # illegal from a bounded look at it, not from its whole repr().
    with pytest.raises(AgentFault) as fault:
        checked_action(action, spaces.Discrete(3))
    assert fault.value.detail.startswith(said)


def test_megabytes_of_bytes_are_shown_by_their_start():
    assert shown(b"x" * 10**7) == repr(b"x" * 80) + "..."


def test_a_large_dict_or_set_is_shown_by_its_first_items_without_sorting_them_all():
    descending = list(range(10**5, 0, -1))
    assert shown(dict.fromkeys(descending, 0)) == "{100000: 0, 99999: 0, 99998: 0, 99997: 0, ...}"
    assert shown(set(descending)).startswith("{") and shown(set(descending)).endswith(", ...}")
    assert shown(frozenset(descending)).startswith("frozenset({") and len(shown(frozenset(descending))) < 80
    assert shown({3: 1, 1: 2}) == "{1: 2, 3: 1}"  # a small one as repr() would, sorted


def test_a_move_over_the_time_limit_is_a_timeout():
    slow = LocalAgent(Scripted("sleep"), name="slow", time_per_move=0.01)
    result = play_match("othello", [slow, RandomAgent()], seed=0)
    assert result.agent("slow").status == Status.TIMEOUT
    assert "the limit is 0.01 s" in result.agent("slow").detail


def test_an_in_process_move_over_its_budget_is_taken_from_the_bank_as_sandboxed():
    # In-process, one move over the per-move budget lost the game that a sandbox plays on from its bank.
    banked = LocalAgent(Scripted("sleep"), name="banked", time_per_move=0.01, time_bank=1.0)
    assert play_match("othello", [banked, RandomAgent()], seed=0).agent("banked").status == Status.OK
    spent = LocalAgent(Scripted("sleep"), name="spent", time_per_move=0.01, time_bank=0.02)
    result = play_match("othello", [spent, RandomAgent()], seed=0)
    assert result.agent("spent").status == Status.TIMEOUT
    assert "the limit is 0.01 s a move plus 0.02 s left of a 0.02 s bank" in result.agent("spent").detail


class SlowToReset(Scripted):
    def reset(self):
        time.sleep(0.05)


def test_an_in_process_reset_is_on_the_games_clock_as_sandboxed():
    # A sandbox charges reset() as a move (work for the game, on its time); in-process it went untimed.
    banked = LocalAgent(SlowToReset(), name="banked", time_per_move=0.01, time_bank=1.0)
    assert play_match("othello", [banked, RandomAgent()], seed=0).agent("banked").status == Status.OK
    spent = LocalAgent(SlowToReset(), name="spent", time_per_move=0.01, time_bank=0.02)
    result = play_match("othello", [spent, RandomAgent()], seed=0)
    assert result.agent("spent").status == Status.TIMEOUT and result.agent("spent").detail.startswith("took 0.")
    assert " s in reset(); the limit is 0.01 s a move plus 0.02 s left of a 0.02 s bank" in result.agent("spent").detail


def test_an_in_process_move_is_not_charged_the_time_it_waited_for_a_cpu(monkeypatch):
    # On a busy machine the wall time of an in-process move counted the other work's time on its CPU.
    waits = iter(range(0, 10**12, 10**8))  # each read: 0.1 s more waited by the calling thread
    monkeypatch.setattr("arena.handle.harness_waits", lambda: next(waits))
    slow = LocalAgent(Scripted("sleep"), name="slow", time_per_move=0.01)
    assert play_match("othello", [slow, RandomAgent()], seed=0).agent("slow").status == Status.OK


def test_a_submission_played_in_process_gets_the_games_bank(write_submission):
    spec = load(write_submission("plays", "from arena.agents import RandomAgent as SubmittedAgent\n"))
    assert submission_handle(spec, "othello", sandbox=False).clock.bank == entry("othello").time_bank
    assert submission_handle(spec, "othello", time_bank=0.5, sandbox=False).clock.bank == 0.5


class Broken(Agent):
    """Fails as it starts, as an agent missing a library does."""

    def _initialize(self):
        raise ImportError("no module named torch")

    def predict(self, obs):
        return 0


def test_an_agent_that_cannot_start_forfeits_before_any_move():
    result = play_match("othello", [Broken(), RandomAgent()], seed=0)
    broken = result.agents[0]
    assert broken.status == Status.CRASH and "failed to start: ImportError: no module named torch" in broken.detail
    assert result.fault.phase == "start" and result.steps == 0 and result.winner == "RandomAgent"


def test_a_submission_that_cannot_be_loaded_loses_whatever_its_seat_and_so_does_one_that_fails_to_start():
    from arena.handle import ForfeitingAgent
    from arena.tournament.blocks import GuardedHandle

    # Seat order would judge the first seat's crash first and hand the unloadable entrant a win; judged first,
    # the unloadable one handed the win to one that failed to start, never asked. A tournament's entrants
    # come wrapped in a GuardedHandle.
    for unloadable in (ForfeitingAgent("unloadable", "no agent.py"), GuardedHandle(ForfeitingAgent("unloadable", "?"))):
        result = play_match("othello", [Broken(), unloadable], seed=0)
        assert [(a.name, a.status) for a in result.agents] == [("Broken", Status.CRASH), ("unloadable", Status.FORFEIT)]
        assert result.winner is None and result.fault.seat == "player_1"
        result = play_match("othello", [RandomAgent(), unloadable], seed=0)
        assert [(a.name, a.status) for a in result.agents] == [("RandomAgent", Status.OK), ("unloadable", Status.FORFEIT)]
        assert result.winner == "RandomAgent"


@pytest.mark.parametrize("sandbox", [True, False], ids=["sandboxed", "in-process"])
def test_two_submissions_that_both_fail_to_start_both_lose(write_submission, sandbox):
    # Only the first seat's fault was recorded: the second seat, as broken, was "ok" and won.
    from arena.entrants import submission_handle
    from arena.submission import load

    broken = [load(write_submission("syntax", "def broken(:\n    pass\n")),
              load(write_submission("misnamed", "from arena.agents import RandomAgent\n\nclass MyAgent(RandomAgent):\n    pass\n"))]
    handles = [submission_handle(spec, "othello", sandbox=sandbox) for spec in broken]
    try:
        for seats in (handles, handles[::-1]):
            result = play_match("othello", seats, seed=0)
            assert [(a.status, a.score) for a in result.agents] == [(Status.CRASH, -1.0)] * 2, result.agents
            assert result.winner is None and [fault.seat for fault in result.faults] == ["player_0", "player_1"]
            assert "SyntaxError" in result.outcome and "no class SubmittedAgent" in result.outcome
            assert MatchResult.from_dict(result.to_dict()) == result
    finally:
        for handle in handles:
            handle.close()


def test_max_steps_cuts_the_game_and_scores_it_as_it_stands():
    result = play_match("othello", [RandomAgent(), RandomAgent()], seed=0, max_steps=10)
    assert result.steps == 10 and [a.score for a in result.agents] == [0.0, 0.0]
    assert result.winner is None and [a.rank for a in result.agents] == [1, 1]


def test_two_agents_with_one_name_are_told_apart():
    result = play_match("othello", [RandomAgent(), RandomAgent()], seed=0)
    assert [a.name for a in result.agents] == ["RandomAgent", "RandomAgent-2"]


def test_simultaneous_move_games_use_the_parallel_loop():
    from pettingzoo.classic.rps import rps

    from arena.envs import EnvSpec

    class AlwaysRock(Agent):
        def predict(self, obs):
            return 0

    class AlwaysPaper(Agent):
        def predict(self, obs):
            return 1

    env = rps.parallel_env(num_actions=3, max_cycles=15)
    env.unwrapped.env_spec = EnvSpec("rps")
    result = play_match(env, [AlwaysRock(), AlwaysPaper()], seed=0)
    assert result.actions == {"player_0": [0] * 15, "player_1": [1] * 15}
    assert [a.score for a in result.agents] == [-15.0, 15.0] and result.winner == "AlwaysPaper"


class BackgroundAgent(AgentHandle):
    """Answers in the background, `delay` seconds after each request, through a pipe: as a
    sandboxed agent does. `taken` lists the order the harness took answers in."""

    def __init__(self, name: str, action: int, delay: float, taken: list[str]):
        self.name, self.time_per_move = name, None
        self.action, self.delay, self.taken = action, delay, taken
        self.read_fd, self.write_fd = os.pipe()
        self.due = 0.0

    def start(self, seat):
        pass

    def reset(self):
        pass

    def request_action(self, observation):
        self.due = time.monotonic() + 60
        threading.Timer(self.delay, os.write, (self.write_fd, b"x")).start()

    def pending_answer(self):
        answered = select.select([self.read_fd], [], [], 0)[0]
        return None if answered else (self.read_fd, self.due)

    def await_action(self):
        os.read(self.read_fd, 1)
        self.taken.append(self.name)
        return self.action

    def close(self):
        os.close(self.read_fd)
        os.close(self.write_fd)


def test_where_all_move_at_once_the_seats_are_asked_one_after_another_and_a_fault_ends_it_at_once():
    from pettingzoo.classic.rps import rps

    from arena.envs import EnvSpec

    env = rps.parallel_env(num_actions=3, max_cycles=2)
    env.unwrapped.env_spec = EnvSpec("rps")
    results, taken = [], []
    for seats in (("slow", "illegal"), ("illegal", "slow")):
        agents = [BackgroundAgent(name, 1, 0.05, taken) if name == "slow" else BackgroundAgent(name, 9, 0.0, taken)
                  for name in seats]
        try:
            results.append(play_match(env, agents, seed=0))
        finally:
            for agent in agents:
                agent.close()
    # The first seat's slower answer is awaited before the second seat is asked; the second's
    # illegal answer ends the match.
    assert taken[:2] == ["slow", "illegal"] and results[0].fault.seat == "player_1"
    # The first seat's illegal answer ends it at once: the second seat is never asked.
    assert taken[2:] == ["illegal"] and results[1].fault.seat == "player_0"
    assert [a.status for a in results[1].agents] == [Status.ILLEGAL_ACTION, Status.OK]


def test_ranks_are_competition_ranks():
    assert rank([3, 5, 3]) == [2, 1, 2]
    assert rank([1.0, 0.0, -1.0, 0.0]) == [1, 2, 4, 2]


def test_run_match_takes_agents_or_submissions_and_writes_what_it_is_asked(submissions, tmp_path):
    import arena
    from arena import replay

    result = arena.run_match(RandomAgent(), submissions / "greedy", agent_1_name="me", seed=2,
                             replay_path=tmp_path / "r.json", video_path=tmp_path / "v.gif")
    assert [a.name for a in result.agents] == ["me", "greedy"] and result.env == "othello"
    assert replay.load(tmp_path / "r.json") == result and (tmp_path / "v.gif").stat().st_size > 0
    short = arena.run_match(RandomAgent(), RandomAgent(), max_timesteps=4, env="othello", size=6)
    assert short.steps == 4 and short.env_options == {"size": 6}
    # No seed: one drawn at random, too large for an agent to find by trying seeds, and kept.
    again = arena.run_match(RandomAgent(), RandomAgent(), max_timesteps=4, env="othello", size=6)
    assert min(short.seed, again.seed) >= 2**32 and short.seed != again.seed
    assert arena.run_match(RandomAgent(), RandomAgent(), max_timesteps=4, env="othello", size=6,
                           seed=short.seed).actions == short.actions
    with pytest.raises(arena.errors.ArenaError, match="name one"):
        arena.run_match(RandomAgent(), RandomAgent())


def test_a_fault_no_seats_call_recorded_never_ends_a_game_as_if_nothing_happened(monkeypatch):
    # Raised where no seat's phase catches it (a handle's bookkeeping between calls, say): the game is the
    # harness's failure, to be played again, never a result with every seat ok.
    from arena import match
    from arena.errors import HarnessError

    def lost(game):
        raise AgentFault(Status.CRASH, "lost")

    monkeypatch.setattr(match._Game, "play", lost)
    with pytest.raises(HarnessError, match=r"before any seat's call recorded it \(lost\)"):
        play_match("othello", [RandomAgent(), RandomAgent()], seed=0)
