// The endgame solver as the bindings call it: the same functions for each compilation of it
// (target.h), each reached through a SolverBuild.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace arena::othello_solver {

struct RootResult {
  int score = 0;
  int best_move = -1;  // a square, 64 for a forced pass, -1 when the game is over
  uint64_t nodes = 0;
  double seconds = 0.0;
  bool complete = true;  // false: a limit stopped the search
};

struct MovesResult {
  std::vector<std::pair<int, int>> scores;  // (move, exact score), best first
  uint64_t nodes = 0;
  double seconds = 0.0;
  bool complete = true;
};

// One compilation of the solver, for one instruction set.
struct SolverBuild {
  const char* name;
  // `interrupted` (may be null): set from another thread, it stops the search as the time limit does.
  RootResult (*solve)(uint64_t own, uint64_t opp, int alpha, int beta, double time_limit, int threads,
                      const std::atomic<bool>* interrupted);
  MovesResult (*solve_moves)(uint64_t own, uint64_t opp, double time_limit, const std::atomic<bool>* interrupted);
  // Installs evaluation weights for this build's searches (each build keeps its own).
  void (*load_evaluation)(const uint8_t* data, size_t size);
};

const SolverBuild* baseline_build();
// Null where the module was not compiled for AVX2 (another CPU family, another compiler).
const SolverBuild* avx2_build();

}  // namespace arena::othello_solver
