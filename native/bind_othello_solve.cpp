// Python bindings for the exact endgame solver (othello_solve.h) and its evaluation (othello_eval.h).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "othello.h"
#include "othello_eval.h"
#include "othello_solve.h"
#include "othello_solve_api.h"

namespace py = pybind11;
using arena::othello::Board;
namespace solve = arena::othello::solve;
namespace eval = arena::othello::eval;
using arena::othello_solver::SolverBuild;

namespace {

void check_board(const Board& board, int alpha, int beta) {
  if (board.size() != 8)
    throw std::invalid_argument("the endgame solver plays 8 x 8 boards, got " + std::to_string(board.size()) + " x " +
                                std::to_string(board.size()));
  if (alpha < -solve::kScoreMax || beta > solve::kScoreMax || alpha >= beta)
    throw std::invalid_argument("solve window must have -64 <= alpha < beta <= 64, got alpha=" +
                                std::to_string(alpha) + ", beta=" + std::to_string(beta));
}

// The solver compiled for the best instructions this CPU has: the AVX2 build where perft may use
// AVX2 (board8::simd(), which ARENA_OTHELLO_SIMD=none caps) and the CPU also has BMI1, BMI2 and LZCNT.
const SolverBuild& solver_build() {
  static const SolverBuild* const chosen = [] {
    const SolverBuild* fast = arena::othello_solver::avx2_build();
#ifdef ARENA_OTHELLO_X86_SIMD
    namespace board8 = arena::othello::board8;
    if (fast && board8::simd() != board8::Simd::kNone && __builtin_cpu_supports("bmi") &&
        __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("lzcnt"))
      return fast;
#endif
    return arena::othello_solver::baseline_build();
  }();
  return *chosen;
}

// `work(interrupted)` run on a thread of its own while this one waits without the GIL, taking it
// every 50 ms to let Python see signals: when a handler raises (Ctrl-C, SIGTERM), the flag stops the
// search at its next check and the handler's exception is raised here.
template <typename Result, typename Work>
Result interruptibly(Work work) {
  std::atomic<bool> interrupted{false};
  std::packaged_task<Result()> task([&] { return work(&interrupted); });
  std::future<Result> done = task.get_future();
  std::thread searching(std::move(task));
  bool raised = false;
  {
    py::gil_scoped_release release;
    while (done.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
      py::gil_scoped_acquire acquire;
      if (PyErr_CheckSignals() != 0) {
        raised = true;
        interrupted = true;
        break;
      }
    }
    searching.join();
  }
  if (raised) throw py::error_already_set();
  return done.get();
}

// (score, best_move, nodes, seconds, complete); best_move is -1 when the game is over.
py::tuple solve_position(const Board& board, int alpha, int beta, double time_limit, int threads) {
  check_board(board, alpha, beta);
  if (threads < 1) throw std::invalid_argument("solve threads must be 1 or more, got " + std::to_string(threads));
  const auto r = interruptibly<arena::othello_solver::RootResult>([&](const std::atomic<bool>* interrupted) {
    return solver_build().solve(board.own(), board.opp(), alpha, beta, time_limit, threads, interrupted);
  });
  return py::make_tuple(r.score, r.best_move, r.nodes, r.seconds, r.complete);
}

// ([(move, score), ...] best first, nodes, seconds, complete).
py::tuple solve_each_move(const Board& board, double time_limit) {
  check_board(board, -solve::kScoreMax, solve::kScoreMax);
  const auto r = interruptibly<arena::othello_solver::MovesResult>([&](const std::atomic<bool>* interrupted) {
    return solver_build().solve_moves(board.own(), board.opp(), time_limit, interrupted);
  });
  py::list out;
  for (const auto& [move, score] : r.scores) out.append(py::make_tuple(move, score));
  return py::make_tuple(out, r.nodes, r.seconds, r.complete);
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

// Into every build of the solver (each keeps its own), after the baseline one (this module's
// othello_evaluate reads that) has checked them.
void load_evaluation(const py::bytes& data) {
  const std::string bytes = data;
  const auto* raw = reinterpret_cast<const uint8_t*>(bytes.data());
  arena::othello_solver::baseline_build()->load_evaluation(raw, bytes.size());
  if (const SolverBuild* fast = arena::othello_solver::avx2_build()) fast->load_evaluation(raw, bytes.size());
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
  m.def("othello_solver_build", [] { return std::string(solver_build().name); },
        "The instructions the solver is compiled for here: \"avx2\" (AVX2, BMI1, BMI2 and LZCNT, where the CPU has "
        "them and ARENA_OTHELLO_SIMD is not \"none\") or \"baseline\". Both search the same nodes.");
  m.attr("othello_weights_per_stage") = eval::kWeightsPerStage;
  m.def("othello_load_evaluation", &load_evaluation, py::arg("data"),
        "Install the evaluation weights in `data` (the bytes of a file tools/fit_othello_eval.py writes) for the "
        "solver and othello_evaluate; ValueError when they are not such weights.");
  m.def("othello_evaluate", &evaluate, py::arg("board"),
        "The loaded evaluation of an 8 x 8 OthelloBoard for the side to move, in discs; None before any is loaded.");
}
