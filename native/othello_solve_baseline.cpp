// The endgame solver for any CPU.
#include "othello_solve_build.h"

const arena::othello_solver::SolverBuild* arena::othello_solver::baseline_build() { return &kBuild; }
