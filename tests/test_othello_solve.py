"""The exact endgame solver (arena.envs.othello.solve) on the FFO test suite and small endgames."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from arena._native import othello_solve_moves
from arena.envs.othello import (OthelloBoard, format_move_scores, parse_obf, read_obf, solve, solve_moves,
                                square_name)

FFO_FILE = Path(__file__).parent / "fixtures" / "ffo.obf"
FFO = read_obf(FFO_FILE)
# The quickest positions of the suite (well under a second each; from #23, 18 empties and more,
# selective searches come before the exact one); the rest are marked slow.
QUICK = list(range(1, 26))
SLOWER = list(range(26, 36))


def test_the_fixture_holds_ffo_1_to_59():
    assert len(FFO) == 59
    assert FFO[0].position.startswith("--XXXXX--OOOXX-O") and FFO[0].scores["G8"] == 18
    assert FFO[39].scores == {"A2": 38}  # FFO #40


@pytest.mark.parametrize("number", QUICK)
def test_ffo_exact_score_and_a_best_move(number):
    problem = FFO[number - 1]
    result = solve(problem.board)
    assert result.complete and result.bound == "exact"
    assert result.score == problem.best_score
    assert problem.scores.get(result.best_move_name) == problem.best_score
    assert result.nodes > 0


@pytest.mark.slow
@pytest.mark.parametrize("number", SLOWER)
def test_ffo_exact_score_slower_positions(number):
    problem = FFO[number - 1]
    result = solve(problem.board)
    assert result.score == problem.best_score
    assert problem.scores.get(result.best_move_name) == problem.best_score


@pytest.mark.parametrize("number", [1, 2, 5, 20, 21, 24])
def test_every_move_scored_as_published(number):
    problem = FFO[number - 1]
    scored = dict((square_name(move), score) for move, score in solve_moves(problem.board))
    assert scored == problem.scores


def test_win_loss_draw_windows_give_bounds():
    win = FFO[0].board  # +18
    result = solve(win, alpha=-1, beta=1)
    assert result.bound == "lower" and result.score >= 1
    loss = FFO[8].board  # -8
    result = solve(loss, alpha=-1, beta=1)
    assert result.bound == "upper" and result.score <= -1
    draw = FFO[3].board  # 0
    result = solve(draw, alpha=-1, beta=1)
    assert result.bound == "exact" and result.score == 0
    # A window holding the score gives it exactly.
    assert solve(win, alpha=10, beta=20).score == 18


@pytest.mark.parametrize("number", [1, 3, 8, 12, 19, 21, 24])
def test_windows_agree_with_the_exact_score(number):
    problem = FFO[number - 1]
    exact = problem.best_score
    # Around zero: the sign, as a bound unless the game is a draw.
    result = solve(problem.board, alpha=-1, beta=1)
    if exact > 0:
        assert result.bound == "lower" and 1 <= result.score <= exact
    elif exact < 0:
        assert result.bound == "upper" and exact <= result.score <= -1
    else:
        assert result.bound == "exact" and result.score == 0
    # Windows above and below the score fail to the right side; one holding it gives it.
    above = solve(problem.board, alpha=exact + 1, beta=exact + 5)
    assert above.bound == "upper" and above.score >= exact
    below = solve(problem.board, alpha=exact - 5, beta=exact - 1)
    assert below.bound == "lower" and below.score <= exact
    inside = solve(problem.board, alpha=exact - 3, beta=exact + 3)
    assert inside.bound == "exact" and inside.score == exact


@pytest.mark.parametrize("number", [1, 2, 8, 15, 19, 21, 23, 25])
def test_threads_give_the_same_scores(number):
    problem = FFO[number - 1]
    for threads in (2, 3):
        result = solve(problem.board, threads=threads)
        assert result.complete and result.bound == "exact"
        assert result.score == problem.best_score
        assert problem.scores.get(result.best_move_name) == problem.best_score
        bounded = solve(problem.board, alpha=-1, beta=1, threads=threads)
        assert (bounded.score > 0) == (problem.best_score > 0) and (bounded.score < 0) == (problem.best_score < 0)


def solved_in_a_fresh_process(numbers: list[int], simd: str | None) -> dict:
    """The solver's build, and (score, best move, nodes) of FFO positions, with ARENA_OTHELLO_SIMD=`simd`."""
    code = ("import json, sys; from arena._native import othello_solver_build; "
            "from arena.envs.othello import read_obf, solve; ffo = read_obf(sys.argv[2]); "
            "results = [solve(ffo[n - 1].board) for n in json.loads(sys.argv[1])]; "
            "print(json.dumps([othello_solver_build(), [[r.score, r.best_move, r.nodes] for r in results]]))")
    env = {key: value for key, value in os.environ.items() if key != "ARENA_OTHELLO_SIMD"}
    if simd:
        env["ARENA_OTHELLO_SIMD"] = simd
    out = subprocess.run([sys.executable, "-c", code, json.dumps(numbers), str(FFO_FILE)], env=env,
                         capture_output=True, text=True, check=True)
    build, results = json.loads(out.stdout)
    return {"build": build, "results": results}


def test_every_build_of_the_solver_searches_the_same_tree():
    # The solver is compiled twice (native/target.h): the AVX2 build, where the CPU has it, must
    # search node for node what the baseline one does.
    numbers = [1, 13, 20, 24, 26, 40]
    default, baseline = solved_in_a_fresh_process(numbers, None), solved_in_a_fresh_process(numbers, "none")
    assert baseline["build"] == "baseline"
    assert default["build"] in ("avx2", "baseline")
    assert default["results"] == baseline["results"]
    assert [score for score, _, _ in baseline["results"]] == [FFO[n - 1].best_score for n in numbers]
    if default["build"] == "baseline":
        pytest.skip("this CPU (or compiler) has no AVX2 build: only the baseline one was run")


def test_threads_stop_at_the_time_limit():
    result = solve(FFO[39].board, time_limit=0.05, threads=2)  # FFO #40
    assert not result.complete and result.score is None


@pytest.mark.parametrize("threads, all_best", [(1, False), (2, False), (1, True)])
def test_a_signal_stops_a_search_that_would_not_end(threads, all_best):
    """Ctrl-C (or a SIGTERM handler that raises) reaches Python during a solve of the opening, which
    would run for ages: the search stops at its next check and the handler's exception comes out."""
    import signal
    import threading
    import time

    def interrupt_soon():
        time.sleep(0.3)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    interrupter = threading.Thread(target=interrupt_soon)
    started = time.monotonic()
    interrupter.start()
    with pytest.raises(KeyboardInterrupt):
        solve(OthelloBoard(), threads=threads, all_best=all_best, time_limit=120)
    interrupter.join()
    # Uninterruptible, it would have raised only once its time limit returned control to Python.
    assert time.monotonic() - started < 60


def test_threads_must_be_positive():
    with pytest.raises(ValueError, match="threads"):
        solve(FFO[0].board, threads=0)


def test_all_best_lists_ties():
    problem = FFO[24]  # FFO #25: G1 and A5 both draw
    result = solve(problem.board, all_best=True)
    assert result.score == 0
    assert sorted(square_name(m) for m in result.best_moves) == ["A5", "G1"]


def test_time_limit_stops_a_long_search():
    result = solve(FFO[39].board, time_limit=0.05)  # FFO #40: far more than 0.05 s
    assert not result.complete and result.score is None and result.best_move is None


@pytest.mark.parametrize("number", [30, 40, 45, 50, 59])
def test_a_solve_out_of_time_stops_within_a_thousand_nodes_or_so(number):
    """The solver looks at its clock every thousand nodes or so, in each of the many searches a solve
    runs (windows, selective levels, each move): with 20 to 34 empties the first touches of its large
    table can cost milliseconds every few nodes, and a solve that looked every 16,384 nodes of each
    search overran a 0.1 s limit by seconds on a busy machine."""
    board = FFO[number - 1].board
    result = solve(board, time_limit=1e-9)
    assert not result.complete and result.nodes < 4096
    _scores, nodes, _seconds, complete = othello_solve_moves(board, 1e-9)
    assert not complete and nodes < 4096


def test_finished_game_and_forced_pass():
    full = OthelloBoard.from_string("X" * 63 + "O X")
    result = solve(full)
    assert result.score == 62 and result.best_move is None and result.best_moves == []
    # White to move with no placement on the board, black still can: a forced pass.
    board = OthelloBoard.from_string("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXO-- O")
    assert board.must_pass()
    result = solve(board)
    assert result.best_move == 64 and result.best_move_name == "PS"
    assert result.score == -64
    assert solve_moves(board) == [(64, -64)]


def test_only_8x8_and_sane_windows():
    with pytest.raises(ValueError, match="8 x 8"):
        solve(OthelloBoard(6))
    with pytest.raises(ValueError, match="alpha < beta"):
        solve(FFO[0].board, alpha=5, beta=5)


def _minimax(board: OthelloBoard) -> int:
    """The exact score by plain negamax over the board's own move generation."""
    if board.is_game_over():
        black, white = board.score()
        diff = black - white if board.to_move == 0 else white - black
        empties = 64 - black - white
        return diff + empties if diff > 0 else diff - empties if diff < 0 else 0
    best = -65
    for move in board.legal_moves():
        board.play(move)
        best = max(best, -_minimax(board))
        board.undo()
    return best


def test_matches_plain_negamax_on_random_endgames():
    rng = np.random.default_rng(7)
    checked = 0
    while checked < 30:
        board = OthelloBoard()
        target = int(rng.integers(5, 10))  # empties left
        while 64 - sum(board.score()) > target and not board.is_game_over():
            moves = board.legal_moves()
            board.play(int(moves[rng.integers(len(moves))]))
        if board.is_game_over():
            continue
        position = OthelloBoard.from_string(board.to_string())
        expected = _minimax(position)
        assert solve(position).score == expected, position.to_string()
        best = {move: score for move, score in solve_moves(position)}
        for move, score in best.items():
            position.play(move)
            assert -_minimax(position) == score
            position.undo()
        checked += 1


def test_obf_lines_round_trip():
    problem = parse_obf("--XXXXX--OOOXX-O-OOOXXOX-OXOXOXXOXXXOXXX--XOXOXX-XXXOOO--OOOOO-- X; G8:+18; H1:+12;")
    assert problem.scores == {"G8": 18, "H1": 12}
    assert format_move_scores([(62, 18), (7, 12)]) == "G8:+18; H1:+12;"
    with pytest.raises(ValueError, match="64 squares"):
        parse_obf("XO X;")


def _run_cli(capsys, *argv):
    from arena.cli import main

    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_analyse_solve_prints_ffo_line(capsys):
    code, out, _ = _run_cli(capsys, "analyse", FFO[0].position, "--solve")
    assert code == 0
    assert "G8:+18; H1:+12; A2:+6; H7:+6; A3:+4; B1:-4; A4:-22; G2:-24;" in out
    assert "exact score +18 for X (black) to move" in out


def test_analyse_solve_gives_the_final_score_of_a_finished_game(capsys):
    # One empty square left that neither side can fill: it goes to the winner, O, by 33 - 30 + 1.
    over = "-XXXXXXXOOXXXXXXOOOXOXXXOXOOXOXXOXOOOXXOOXXXXOXOOOOOOXOOOOOOOOOO X"
    code, out, _ = _run_cli(capsys, "analyse", over, "--solve")
    assert code == 0
    assert "the game is over: final score -4 for X (black)" in out


def test_analyse_solve_reads_obf_files(capsys, tmp_path):
    path = tmp_path / "some.obf"
    path.write_text("% two FFO positions\n" + "\n".join(f"{p.position};" for p in FFO[:2]) + "\n")
    code, out, _ = _run_cli(capsys, "analyse", "--obf", path, "--solve")
    assert code == 0
    lines = [parse_obf(line) for line in out.splitlines()]
    assert [line.scores for line in lines] == [FFO[0].scores, FFO[1].scores]


def test_analyse_solve_explains_bad_input(capsys, tmp_path):
    code, _, err = _run_cli(capsys, "analyse", "--solve")
    assert code == 1 and "POSITION or --obf" in err
    code, _, err = _run_cli(capsys, "analyse", "--solve", "--obf", tmp_path / "missing.obf")
    assert code == 1 and "missing.obf" in err
    comments = tmp_path / "comments.obf"
    comments.write_text("% only a comment\n\n")
    code, _, err = _run_cli(capsys, "analyse", "--solve", "--obf", comments)
    assert code == 1 and "comments.obf: no position in it" in err
    bad = tmp_path / "bad.obf"
    bad.write_text(f"% a position, then a line that is not one\n{FFO[0].position};\nXO X\n")
    code, _, err = _run_cli(capsys, "analyse", "--solve", "--obf", bad)
    assert code == 1 and "bad.obf: line 3:" in err
    code, _, err = _run_cli(capsys, "analyse", OthelloBoard(6).to_string(), "--solve")
    assert code == 1 and "8 x 8" in err
    # The opening would not be solved in a lifetime: without --time it is refused at once.
    code, _, err = _run_cli(capsys, "analyse", OthelloBoard().to_string(), "--solve")
    assert code == 1 and "60 empty squares" in err and "give --time SECONDS" in err
    code, _, err = _run_cli(capsys, "analyse", OthelloBoard().to_string(), "--solve", "--time", "0.2")
    assert code == 1 and "not solved within 0.2 s" in err


def _observation(board: OthelloBoard) -> dict:
    return {"observation": board.observation(), "action_mask": board.action_mask()}


def assert_plays_ffo1_perfectly(agent, seed: int) -> None:
    """`agent` as black in FFO #1 (a win by 18 with perfect play) against random replies: each of its moves
    scores the position's best, and it wins by 18 or more."""
    board = FFO[0].board
    rng = np.random.default_rng(seed)
    while not board.is_game_over():
        if board.to_move == 0:
            scores = dict(solve_moves(board))
            move = agent.predict(_observation(board))
            assert scores[move] == max(scores.values()), (board.to_string(), square_name(move), scores)
        else:
            legal = board.legal_moves()
            move = int(legal[rng.integers(len(legal))])
        board.play(move)
    black, white = board.score()
    assert black - white >= 18


def test_mcts_agent_plays_a_won_endgame_perfectly():
    from arena.agents.mcts import MCTSAgent

    assert_plays_ffo1_perfectly(MCTSAgent("othello", simulations=50, seed=0), seed=3)


def test_the_solver_switch_can_be_turned_off():
    from arena.agents.mcts import MCTSAgent
    from arena.search import endgame_move

    board = FFO[0].board
    assert endgame_move("othello", board, 14) == solve(board).best_move
    assert endgame_move("othello", board, 13) is None  # 14 empties
    assert endgame_move("othello", board, None) is None
    assert endgame_move("othello", OthelloBoard(6), 64) is None
    agent = MCTSAgent("othello", simulations=20, seed=0, solve_empties=0)
    assert agent.predict(_observation(board)) in board.legal_moves()


def test_alphazero_agent_plays_a_won_endgame_perfectly():
    pytest.importorskip("torch")
    from arena.agents.alphazero import AlphaZeroAgent

    network = Path(__file__).parent.parent / "submissions" / "alphazero_othello" / "network.pt"
    assert_plays_ffo1_perfectly(AlphaZeroAgent(network, simulations=8), seed=5)
