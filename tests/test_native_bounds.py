"""What the native engines refuse from Python: sizes past their integer fields, non-finite
evaluator output, pickles no real board or game could have left, and hashing a mutable board."""

import copy
import pickle

import numpy as np
import pytest

from arena._native import GameRecord, OthelloMCTS, SearchConfig
from arena.envs.gomoku import GomokuBoard
from arena.envs.othello import OthelloBoard
from arena.search import make_search, make_self_play

INT32_MAX = 2**31 - 1


# ---- sizes that feed 32-bit node indices and counters


@pytest.mark.parametrize("max_nodes", [INT32_MAX + 1, 2**40, 999])
def test_max_nodes_out_of_range_names_the_bound_and_the_value(max_nodes):
    message = f"max_nodes must be between 1000 and {INT32_MAX} .*got {max_nodes}"
    with pytest.raises(ValueError, match=message):
        SearchConfig(max_nodes=max_nodes)
    with pytest.raises(ValueError, match=message):
        make_search("othello", max_nodes=max_nodes)
    with pytest.raises(ValueError, match=message):
        make_self_play("gomoku", size=7, max_nodes=max_nodes)
    with pytest.raises(ValueError, match=message):
        make_self_play("othello", duel=True, opponent_max_nodes=max_nodes)


def test_max_nodes_set_on_a_config_object_is_checked_where_the_config_is_used():
    config = SearchConfig()
    config.max_nodes = 2**33
    with pytest.raises(ValueError, match="max_nodes must be between"):
        OthelloMCTS(config)
    search = make_search("othello", simulations=20)
    with pytest.raises(ValueError, match="max_nodes must be between"):
        search.config = config
    assert search.config.max_nodes == SearchConfig().max_nodes  # the refused config changed nothing
    assert search.search(OthelloBoard()).simulations == 20


def test_the_largest_max_nodes_is_accepted():
    search = make_search("othello", simulations=20, max_nodes=INT32_MAX)
    assert search.search(OthelloBoard()).simulations == 20


def test_virtual_loss_and_round_size_are_bounded():
    with pytest.raises(ValueError, match="virtual_loss must be between 0 and 1000, got 1000000"):
        make_search("othello", virtual_loss=10**6)
    with pytest.raises(ValueError, match=f"batch_size \\* leaves_per_game .* at most {INT32_MAX}, got {2**32}"):
        make_self_play("othello", batch_size=2**16, leaves_per_game=2**16)


@pytest.mark.parametrize("setting", ["time_limit", "c_uct", "c_puct", "fpu", "dirichlet_alpha", "noise_fraction"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_search_settings_are_refused(setting, value):
    with pytest.raises(ValueError, match=f"{setting} must be a finite number, got (nan|inf)"):
        SearchConfig(**{setting: value})


@pytest.mark.parametrize("setting", ["temperature", "resign_value", "no_resign_fraction"])
def test_non_finite_self_play_settings_are_refused(setting):
    with pytest.raises(ValueError, match=f"{setting} must be a finite number, got nan"):
        make_self_play("othello", **{setting: float("nan")})


# ---- evaluator output


def evaluator(bad_row=0, policy=None, value=None, num_actions=65):
    """Uniform priors and value 0, except `policy` at action 3 or `value` in row `bad_row` of every batch."""

    def evaluate(inputs):
        policies = np.ones((len(inputs), num_actions), np.float32)
        values = np.zeros(len(inputs), np.float32)
        row = min(bad_row, len(inputs) - 1)
        if policy is not None:
            policies[row, 3] = policy
        if value is not None:
            values[row] = value
        return policies, values

    return evaluate


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"policy": np.nan}, "evaluator policies: row 0 of 1, action 3 is nan"),
        ({"policy": np.inf}, "evaluator policies: row 0 of 1, action 3 is inf"),
        ({"value": np.nan}, "evaluator values: row 0 of 1 is nan"),
        ({"value": -np.inf}, "evaluator values: row 0 of 1 is -inf"),
    ],
)
def test_non_finite_evaluator_output_is_refused_and_the_tree_is_left_as_it_was(bad, message):
    search = make_search("othello", simulations=50)
    with pytest.raises(ValueError, match=message):
        search.search(OthelloBoard(), evaluator=evaluator(**bad))
    assert search.root_visits == 0  # no value stored, no virtual loss left behind
    assert search.search(evaluator=evaluator()).simulations == 50
    assert search.root_visits == 50 and np.isfinite(search.root_value)


def test_a_refused_leaf_deep_in_the_tree_is_named_by_its_row_and_taken_back():
    search = make_search("othello", simulations=60, seed=1)
    search.search(OthelloBoard(), evaluator=evaluator())
    visits = search.root_visits
    with pytest.raises(ValueError, match="evaluator values: row 2 of 4 is nan"):
        search.search(evaluator=evaluator(bad_row=2, value=np.nan), leaves_per_call=4)
    assert search.root_visits == visits
    search.search(evaluator=evaluator(), leaves_per_call=4)
    assert search.root_visits == visits + 60 and np.isfinite(search.values()[search.visits() > 0]).all()


@pytest.mark.parametrize("bad", [{"policy": np.nan}, {"value": np.inf}])
def test_batched_self_play_refuses_non_finite_evaluator_output_and_can_go_on(bad):
    play = make_self_play("gomoku", size=7, batch_size=3, simulations=8, seed=0)
    with pytest.raises(ValueError, match="evaluator (policies|values): row 1 of 3"):
        play.play(evaluator(bad_row=1, num_actions=49, **bad), games=3)
    records = play.play(evaluator(num_actions=49), games=0)  # the started games finish
    assert sorted(r.index for r in records) == [0, 1, 2]
    assert all(np.isfinite(r.root_values).all() and np.isfinite(r.policies).all() for r in records)


def test_batched_self_play_refuses_non_finite_output_in_a_duel():
    play = make_self_play("othello", batch_size=2, simulations=4, duel=True, seed=0)
    with pytest.raises(ValueError, match="evaluator values: row 0 of 1 is nan"):
        play.play(evaluator(), games=2, opponent=evaluator(value=np.nan))


def test_apply_refuses_non_finite_rows_and_nothing_is_applied():
    play = make_self_play("othello", batch_size=3, simulations=5, seed=0)
    play.start(3)
    rows = play.collect()
    policies, values = np.ones((rows, 65), np.float32), np.zeros(rows, np.float32)
    policies[2, 10] = np.nan
    with pytest.raises(ValueError, match="policies: row 2 of 3, action 10 is nan"):
        play.apply(policies, values)
    values[1] = np.inf
    policies[2, 10] = 1.0
    with pytest.raises(ValueError, match="values: row 1 of 3 is inf"):
        play.apply(policies, values)
    assert play.leaves_evaluated == 0
    play.apply(policies, np.zeros(rows, np.float32))  # the same round, now evaluated
    assert play.leaves_evaluated == rows
    rows = play.collect()
    with pytest.raises(ValueError, match=f"shape \\({rows}, 65\\)"):
        play.apply(np.ones((rows, 64), np.float32), np.zeros(rows, np.float32))


# ---- pickles


@pytest.fixture(scope="module")
def record_state():
    play = make_self_play("gomoku", size=7, batch_size=1, simulations=10, seed=0)
    record = play.play(evaluator(num_actions=49), games=1)[0]
    assert len(record) > 2
    return record.__reduce_ex__(2)[2]


def restored(state):
    record = GameRecord.__new__(GameRecord)
    record.__setstate__(state)
    return record


def changed(state, index, value):
    return state[:index] + (value,) + state[index + 1:]


def test_a_game_record_state_round_trips(record_state):
    again = restored(record_state)
    assert again.__reduce_ex__(2)[2] == record_state
    assert pickle.loads(pickle.dumps(again)).moves == again.moves


def overlapping_planes(state):
    planes = bytearray(state[7])
    planes[49] = planes[0] = 1  # square a1 of the first position holds the mover's stone and the opponent's
    return changed(state, 7, bytes(planes))


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (lambda s: s[:12], "a tuple of 13 fields"),
        (lambda s: "not a tuple", "a tuple of 13 fields"),
        (lambda s: changed(s, 0, -1), "index must be a game number >= 0"),
        (lambda s: changed(s, 1, 1000), "board_size must be between 4 and 19, got 1000"),
        (lambda s: changed(s, 2, 3), "input_planes must be 2, got 3"),
        (lambda s: changed(s, 3, 50 * 50), "num_actions must be 49 or 50"),
        (lambda s: changed(s, 4, 7), "winner must be 0, 1 or -1, got 7"),
        (lambda s: changed(s, 5, s[5][:-1] + [49]), "moves must be moves 0..48 .*got 49"),
        (lambda s: changed(s, 5, s[5][:-1] + [-1]), "moves must be moves 0..48 .*got -1"),
        (lambda s: changed(s, 5, [0] * 99), "moves must be at most 98 long, got 99"),
        (lambda s: changed(s, 5, "abc"), "moves has the wrong type"),
        (lambda s: changed(s, 6, s[6][::-1]), "plies must be increasing"),
        (lambda s: changed(s, 6, s[6][:-1] + [len(s[5])]), "plies must be increasing plies"),
        (lambda s: changed(s, 7, s[7][:-1]), "planes must be .* bytes for the record's positions"),
        (lambda s: changed(s, 7, s[7] + b"\0" * 98), "planes must be"),
        (lambda s: changed(s, 7, "text"), "planes must be bytes"),
        (overlapping_planes, "at most one piece a square \\(position 0, square 0\\), got 1 and 1"),
        (lambda s: changed(s, 8, s[8][:-4]), "policies must be .* bytes"),
        (lambda s: changed(s, 8, np.full(len(s[8]) // 4, np.nan, np.float32).tobytes()), "policies must be visit shares"),
        (lambda s: changed(s, 9, np.full(len(s[9]) // 4, np.inf, np.float32).tobytes()), "root_values must be finite"),
        (lambda s: changed(s, 10, b"\2" * len(s[10])), "players must be 0 or 1 \\(position 0\\), got 2"),
        (lambda s: changed(s, 11, "yes"), "resigned has the wrong type"),
    ],
)
def test_a_game_record_pickle_no_game_could_leave_is_refused(record_state, corrupt, message):
    with pytest.raises(ValueError, match=message):
        restored(corrupt(record_state))


def test_a_resigned_record_may_end_on_its_last_position(record_state):
    plies, moves = record_state[6], record_state[5]
    resigned = changed(changed(record_state, 5, moves[: plies[-1]]), 11, True)
    assert restored(resigned).resigned
    with pytest.raises(ValueError, match="plies must be increasing"):
        restored(changed(resigned, 11, False))


@pytest.mark.parametrize(
    "make, state, message",
    [
        (OthelloBoard, 3, "OthelloBoard pickle: expected the position's text"),
        (OthelloBoard, ("-" * 64 + " X",), "OthelloBoard pickle: expected the position's text"),
        (OthelloBoard, "-" * 63 + " X", "expected 16, 36 or 64 squares"),
        (OthelloBoard, "Q" * 64 + " X", "unknown square character 'Q'"),
        (GomokuBoard, ("-" * 49 + " X", "freestyle", "extra"), "GomokuBoard pickle: expected \\(position text, rule\\)"),
        (GomokuBoard, ("-" * 49 + " X",), "GomokuBoard pickle: expected"),
        (GomokuBoard, (49, "freestyle"), "GomokuBoard pickle: expected"),
        (GomokuBoard, "-" * 49 + " X", "GomokuBoard pickle: expected"),
        (GomokuBoard, ("-" * 48 + " X", "freestyle"), "N\\*N squares"),
        (GomokuBoard, ("-" * 49 + " X", "renju"), "'freestyle' or 'exact_five'"),
        (GomokuBoard, ("XXXXX--" + "OOOOO--" + "-" * 35 + " X", "freestyle"), "both players"),
    ],
)
def test_a_board_pickle_no_board_could_leave_is_refused(make, state, message):
    board = make.__new__(make)
    with pytest.raises(ValueError, match=message):
        board.__setstate__(state)


def test_real_boards_still_round_trip_through_pickle():
    othello, gomoku = OthelloBoard(6), GomokuBoard(9, "exact_five")
    for move in (8, 7):
        othello.play(othello.legal_moves()[0])
        gomoku.play(move * 5)
    for board in (othello, gomoku):
        again = pickle.loads(pickle.dumps(board))
        assert again == board and again.to_string() == board.to_string()


# ---- mutable boards are not hashable


@pytest.mark.parametrize("make", [OthelloBoard, lambda: GomokuBoard(9)])
def test_boards_are_unhashable_but_compare_by_position(make):
    board = make()
    assert type(board).__hash__ is None
    with pytest.raises(TypeError, match="unhashable"):
        hash(board)
    with pytest.raises(TypeError):
        {board}  # noqa: B018
    other = copy.copy(board)
    assert other == board and not (other != board)
    other.play(other.legal_moves()[0])
    assert other != board
    assert {board.to_string(): 1}[make().to_string()] == 1  # the position's text is the immutable key
