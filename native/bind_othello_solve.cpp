// Python bindings for the exact endgame solver (othello_solve.h) and its evaluation (othello_eval.h).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "othello.h"
#include "othello_eval.h"
#include "othello_solve.h"

namespace py = pybind11;
using arena::othello::Board;
namespace solve = arena::othello::solve;
namespace eval = arena::othello::eval;

namespace {

void check_board(const Board& board, int alpha, int beta) {
  if (board.size() != 8)
    throw std::invalid_argument("the endgame solver plays 8 x 8 boards, got " + std::to_string(board.size()) + " x " +
                                std::to_string(board.size()));
  if (alpha < -solve::kScoreMax || beta > solve::kScoreMax || alpha >= beta)
    throw std::invalid_argument("solve window must have -64 <= alpha < beta <= 64, got alpha=" +
                                std::to_string(alpha) + ", beta=" + std::to_string(beta));
}

// (score, best_move, nodes, seconds, complete); best_move is -1 when the game is over.
py::tuple solve_position(const Board& board, int alpha, int beta, double time_limit, int threads) {
  check_board(board, alpha, beta);
  if (threads < 1) throw std::invalid_argument("solve threads must be 1 or more, got " + std::to_string(threads));
  const int empties = 64 - arena::popcount(board.black() | board.white());
  int score = 0, best = -1;
  bool complete = true;
  uint64_t nodes;
  double seconds;
  {
    py::gil_scoped_release release;
    solve::Solver solver(solve::table_bits_for(empties), time_limit);
    solver.set_threads(threads);
    try {
      score = solver.root(board.own(), board.opp(), alpha, beta, &best);
    } catch (const solve::Aborted&) {
      complete = false;
    }
    nodes = solver.nodes();
    seconds = solver.seconds();
  }
  return py::make_tuple(score, best, nodes, seconds, complete);
}

// ([(move, score), ...] best first, nodes, seconds, complete).
py::tuple solve_each_move(const Board& board, double time_limit) {
  check_board(board, -solve::kScoreMax, solve::kScoreMax);
  const int empties = 64 - arena::popcount(board.black() | board.white());
  std::vector<solve::MoveScore> scores;
  bool complete = true;
  uint64_t nodes;
  double seconds;
  {
    py::gil_scoped_release release;
    solve::Solver solver(solve::table_bits_for(empties), time_limit);
    try {
      scores = solver.score_moves(board.own(), board.opp());
    } catch (const solve::Aborted&) {
      complete = false;
      scores.clear();
    }
    nodes = solver.nodes();
    seconds = solver.seconds();
  }
  py::list out;
  for (const auto& s : scores) out.append(py::make_tuple(s.move, s.score));
  return py::make_tuple(out, nodes, seconds, complete);
}

// The weight index of every pattern of each position (own[i], opp[i]): an int32 array, positions x patterns.
py::array_t<int32_t> pattern_indices(py::array_t<uint64_t, py::array::c_style | py::array::forcecast> own,
                                     py::array_t<uint64_t, py::array::c_style | py::array::forcecast> opp) {
  if (own.ndim() != 1 || opp.ndim() != 1 || own.shape(0) != opp.shape(0))
    throw std::invalid_argument("pattern indices need two 1-d arrays of bitboards of the same length");
  const py::ssize_t n = own.shape(0), patterns = static_cast<py::ssize_t>(eval::kPatterns.size());
  py::array_t<int32_t> out({n, patterns});
  const uint64_t *o = own.data(), *p = opp.data();
  int32_t* dst = out.mutable_data();
  {
    py::gil_scoped_release release;
    int indices[64];
    for (py::ssize_t i = 0; i < n; ++i) {
      if (o[i] & p[i]) throw std::invalid_argument("pattern indices: a square held by both sides");
      eval::pattern_indices(o[i], p[i], indices);
      std::copy(indices, indices + patterns, dst + i * patterns);
    }
  }
  return out;
}

void load_evaluation(const py::bytes& data) {
  const std::string bytes = data;
  eval::load(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// The loaded evaluation of the side to move in `board`, in discs; None before any is loaded.
py::object evaluate(const Board& board) {
  check_board(board, -solve::kScoreMax, solve::kScoreMax);
  const eval::Weights* weights = eval::loaded.load();
  if (!weights) return py::none();
  const int empties = 64 - arena::popcount(board.black() | board.white());
  return py::float_(static_cast<double>(weights->fine(board.own(), board.opp(), empties)) / weights->scale());
}

}  // namespace

void bind_othello_solve(py::module_& m) {
  m.def("othello_solve", &solve_position, py::arg("board"), py::arg("alpha") = -64, py::arg("beta") = 64,
        py::arg("time_limit") = 0.0, py::arg("threads") = 1,
        "Exact endgame search of an 8 x 8 OthelloBoard: (score, best_move, nodes, seconds, complete). The score is "
        "the final disc difference for the side to move (empties to the winner), fail-soft within (alpha, beta); "
        "best_move is a square index, 64 for a forced pass, -1 when the game is over. A time_limit > 0 stops the "
        "search after that many seconds with complete False. threads > 1 searches on that many threads sharing "
        "one table (the same score; node counts then vary from run to run).");
  m.def("othello_solve_moves", &solve_each_move, py::arg("board"), py::arg("time_limit") = 0.0,
        "The exact score of every legal move: ([(move, score), ...] best first, nodes, seconds, complete).");
  m.def("othello_pattern_indices", &pattern_indices, py::arg("own"), py::arg("opp"),
        "The evaluation's weight index (within a stage) of each pattern of each position, from the bitboards of the "
        "side to move and of the other side: int32, positions x patterns.");
  m.attr("othello_weights_per_stage") = eval::kWeightsPerStage;
  m.def("othello_load_evaluation", &load_evaluation, py::arg("data"),
        "Install the evaluation weights in `data` (the bytes of a file tools/fit_othello_eval.py writes) for the "
        "solver and othello_evaluate; ValueError when they are not such weights.");
  m.def("othello_evaluate", &evaluate, py::arg("board"),
        "The loaded evaluation of an 8 x 8 OthelloBoard for the side to move, in discs; None before any is loaded.");
}
