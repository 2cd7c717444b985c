// The solver's entry points for the instruction set this translation unit is compiled for
// (target.h); included by othello_solve_baseline.cpp and othello_solve_avx2.cpp alone.
#pragma once

#include "othello.h"
#include "othello_eval.h"
#include "othello_solve.h"
#include "othello_solve_api.h"

namespace arena::othello_solver {
namespace {

namespace solve = othello::solve;

RootResult solve_root(uint64_t own, uint64_t opp, int alpha, int beta, double time_limit, int threads,
                      const std::atomic<bool>* interrupted) {
  solve::Solver solver(solve::table_bits_for(64 - popcount(own | opp)), time_limit);
  solver.set_threads(threads);
  solver.set_interrupt(interrupted);
  RootResult result;
  try {
    result.score = solver.root(own, opp, alpha, beta, &result.best_move);
  } catch (const solve::Aborted&) {
    result.complete = false;
  }
  result.nodes = solver.nodes();
  result.seconds = solver.seconds();
  return result;
}

MovesResult solve_each_move(uint64_t own, uint64_t opp, double time_limit, const std::atomic<bool>* interrupted) {
  solve::Solver solver(solve::table_bits_for(64 - popcount(own | opp)), time_limit);
  solver.set_interrupt(interrupted);
  MovesResult result;
  try {
    for (const solve::MoveScore& s : solver.score_moves(own, opp)) result.scores.emplace_back(s.move, s.score);
  } catch (const solve::Aborted&) {
    result.complete = false;
    result.scores.clear();
  }
  result.nodes = solver.nodes();
  result.seconds = solver.seconds();
  return result;
}

constexpr SolverBuild kBuild{ARENA_TARGET_NAME, solve_root, solve_each_move, othello::eval::load};

}  // namespace
}  // namespace arena::othello_solver
