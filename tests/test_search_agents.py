"""MCTS agents: strength against the baselines, reproducible matches, the example submission, `arena analyse`."""

import time

import pytest
from conftest import OTHELLO_ENDGAMES, OTHELLO_START, SUBMISSIONS, move_values

import arena.envs
from arena.agents import GreedyOthelloAgent, RandomAgent
from arena.agents.mcts import MCTSAgent
from arena.envs import seat_view
from arena.envs.othello import SolveResult
from arena.handle import LocalAgent
from arena.match import play_match
from arena.search import MOVE_SHARE


def score(opponent_class, games: int, simulations: int) -> int:
    """Games MCTSAgent wins against fresh `opponent_class` agents, changing seats every game."""
    wins = 0
    for game in range(games):
        mcts, opponent = MCTSAgent("othello", simulations=simulations), opponent_class()
        result = play_match("othello", [mcts, opponent] if game % 2 == 0 else [opponent, mcts], seed=game)
        wins += result.winner == result.agents[game % 2].name
    return wins


@pytest.mark.slow
@pytest.mark.parametrize("opponent, at_least", [(RandomAgent, 20), (GreedyOthelloAgent, 19)])
def test_mcts_with_2000_simulations_beats_the_othello_baselines(opponent, at_least):
    # bench/search_strength.py plays 100 games each for the recorded result.
    assert score(opponent, games=20, simulations=2000) >= at_least


def test_a_match_with_mcts_replays_exactly():
    def play(seed):
        return play_match("othello", [MCTSAgent(simulations=300), RandomAgent()], seed=seed).actions

    assert play(5) == play(5)
    assert play(5) != play(6)


def test_the_agent_learns_its_game_and_rule_from_the_seat():
    agent = MCTSAgent(simulations=300)
    result = play_match("gomoku", [RandomAgent(), agent], seed=0, max_steps=6)
    assert agent.game == "gomoku" and agent.rule == "freestyle" and result.agents[1].moves == 3


def test_the_agent_reuses_its_tree_between_moves():
    agent = MCTSAgent(simulations=1000)
    play_match("othello", [agent, RandomAgent()], seed=0, max_steps=6)
    assert agent.search.root_visits > agent.last_stats.simulations  # the tree came from the last move


def test_time_per_move_bounds_each_search():
    agent = MCTSAgent("gomoku", simulations=None, time_per_move=0.05)
    play_match("gomoku", [agent, RandomAgent()], seed=0, max_steps=4)
    # The search has what is left of the move after the work before it; the margin above the budget is for a
    # busy machine, where the search may wait for a CPU.
    assert 0 < agent.last_stats.seconds < 1.0 and agent.last_stats.simulations > 10


def test_a_timed_search_keeps_within_the_time_a_move_of_the_game_it_is_seated_in():
    # Its own budget is 5 s a move; the organiser's clock gives 0.05 s (and a bank it would otherwise run down).
    agent = MCTSAgent("othello", simulations=None, time_per_move=5.0, solve_empties=0, seed=0)
    play_match("othello", [LocalAgent(agent, time_per_move=0.05, time_bank=30.0), RandomAgent()], seed=0, max_steps=2)
    assert 0 < agent.search.config.time_limit <= 0.05 * MOVE_SHARE
    untimed = MCTSAgent("othello", simulations=50, seed=0)  # a simulation budget plays alike under any clock
    play_match("othello", [LocalAgent(untimed, time_per_move=0.05, time_bank=30.0), RandomAgent()], seed=0,
               max_steps=2)
    assert untimed.last_stats.simulations == 50 and untimed.search.config.time_limit == 0


def timed_mcts(seconds: float) -> MCTSAgent:
    return MCTSAgent("othello", simulations=None, time_per_move=seconds, solve_empties=64, seed=0)


def timed_alphazero(seconds: float):
    pytest.importorskip("torch", reason='AlphaZero needs torch: pip install -e ".[train]"')
    from arena.agents.alphazero import AlphaZeroAgent

    return AlphaZeroAgent(SUBMISSIONS / "alphazero_othello" / "network.pt", simulations=100_000,
                          time_limit=seconds, solve_empties=64)


@pytest.mark.parametrize("make_agent", [timed_mcts, timed_alphazero])
def test_a_solve_that_runs_out_of_time_leaves_the_search_only_the_rest_of_the_move(make_agent, monkeypatch):
    # Where the solver does not finish, the move's time limit bounds the solve and the search
    # together: the solver's time is not granted a second time to the search after it.
    given = []

    def unfinished_solve(board, *, time_limit=None, **_):
        given.append(time_limit)
        time.sleep(time_limit)
        return SolveResult(None, "none", None, [], 0, time_limit, complete=False)

    monkeypatch.setattr(arena.envs.othello, "solve", unfinished_solve)
    env = arena.envs.make("othello")
    env.reset(seed=0)
    agent = make_agent(0.2)
    agent.get_env_info(seat_view(env, "player_0"))
    agent.reset()
    move = agent.predict(env.observe("player_0"))
    assert env.unwrapped.board.is_legal(move)
    assert len(given) == 1 and 0 < given[0] < 0.2
    assert 0 < agent.search.config.time_limit <= 0.2 - given[0]


@pytest.mark.parametrize("make_agent", [timed_mcts, timed_alphazero])
def test_the_solvers_evaluation_loads_at_the_start_not_on_a_moves_clock(make_agent):
    arena.envs.othello.load_evaluation.cache_clear()
    env = arena.envs.make("othello")
    env.reset(seed=0)
    make_agent(0.2).get_env_info(seat_view(env, "player_0"))
    assert arena.envs.othello.load_evaluation.cache_info().currsize == 1


def test_the_networks_first_call_is_made_at_the_start_not_on_a_moves_clock(monkeypatch):
    pytest.importorskip("torch", reason='AlphaZero needs torch: pip install -e ".[train]"')
    from arena.search.network import Evaluator

    calls = []
    call = Evaluator.__call__
    monkeypatch.setattr(Evaluator, "__call__", lambda self, inputs: calls.append(inputs.shape) or call(self, inputs))
    env = arena.envs.make("othello")
    env.reset(seed=0)
    timed_alphazero(0.2).get_env_info(seat_view(env, "player_0"))
    assert len(calls) == 1 and calls[0][1:] == (2, 8, 8)


def test_bad_agent_settings_are_clear_errors():
    with pytest.raises(ValueError, match="needs a budget"):
        MCTSAgent("othello", simulations=None)
    with pytest.raises(ValueError, match="MCTS plays othello, gomoku"):
        MCTSAgent("chess")


def test_the_example_submission_validates_in_both_games(cli, submissions):
    for env in ("othello", "gomoku"):
        code, out, err = cli("validate", submissions / "mcts", "--env", env, "--max-steps", "12")
        assert code == 0 and out.startswith("ok: mcts (") and f"plays {env}" in out, err


def table(out: str) -> list[list[str]]:
    """The rows of the move table `arena analyse` printed, its header first."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("move "))
    return [line.split() for line in lines[start:] if line.strip()]


def test_analyse_prints_the_top_moves_with_visits_values_and_lines(cli):
    code, out, _ = cli("analyse", OTHELLO_START, "--simulations", "4000", "--top", "3")
    assert code == 0
    rows = table(out)
    assert rows[0] == ["move", "visits", "share", "value", "line"]
    names = [row[0] for row in rows[1:4]]
    assert set(names) <= {"d3", "c4", "f5", "e6"} and len(set(names)) == 3
    assert "4000 simulations" in out


def test_analyse_reads_a_position_given_unquoted_as_one(cli):
    board, side = OTHELLO_START.split()  # the board starts with '-', as options do
    code, out, _ = cli("analyse", board, side, "--simulations", "200", "--top", "1")
    assert code == 0 and table(out)[1][0] in {"d3", "c4", "f5", "e6"}


def test_analyse_says_a_board_given_without_its_side_to_move_needs_one(cli):
    board, _ = OTHELLO_START.split()  # it starts with '-', as options do: not taken for one
    code, _, err = cli("analyse", board, "--simulations", "200")
    assert code == 1 and "expected 16, 36 or 64 squares ('-', 'X', 'O') then the side to move" in err


def test_analyse_puts_the_only_winning_endgame_move_first(cli):
    from arena.envs.othello import OthelloBoard

    board = OthelloBoard.from_string(OTHELLO_ENDGAMES[1])
    winning = next(move for move, value in move_values(board).items() if value == 1)
    code, out, _ = cli("analyse", OTHELLO_ENDGAMES[1], "--simulations", "20000")
    first = table(out)[1]
    assert code == 0 and first[0] == board.move_name(winning) and float(first[3]) > 0.5


@pytest.mark.parametrize(
    "argv, message",
    [
        (["not a position"], "expected 16, 36 or 64 squares"),
        (["X" * 64 + " O"], "the game is over"),
        ([OTHELLO_START, "--env", "fighting"], "analyse plays othello, gomoku"),
    ],
)
def test_analyse_errors_are_one_clear_line(cli, argv, message):
    code, _, err = cli("analyse", *argv)
    assert code == 1 and len(err.strip().splitlines()) == 1 and message in err


def test_analyse_reads_gomoku_positions(cli):
    four = ["-"] * 81
    for col in range(4):
        four[col] = "X"
        four[45 + col] = "O"
    code, out, _ = cli("analyse", "".join(four) + " X", "--env", "gomoku", "--simulations", "500")
    assert code == 0 and table(out)[1][0] == "e1"
