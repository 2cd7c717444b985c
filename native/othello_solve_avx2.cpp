// The endgame solver for CPUs with AVX2, BMI1, BMI2 and LZCNT (about a fifth faster): setup.py compiles
// this file for them on x86-64, and the module uses it where the CPU has them (target.h).
#include "othello_solve_api.h"

#if defined(__AVX2__) && defined(__BMI__) && defined(__BMI2__) && defined(__LZCNT__)
#include "othello_solve_build.h"

const arena::othello_solver::SolverBuild* arena::othello_solver::avx2_build() { return &kBuild; }
#else
const arena::othello_solver::SolverBuild* arena::othello_solver::avx2_build() { return nullptr; }
#endif
