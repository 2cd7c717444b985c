// The instruction set a translation unit is compiled for, as a namespace of its own.
//
// The endgame solver is compiled twice: for baseline x86-64 and, in othello_solve_avx2.cpp, for
// AVX2 with BMI1/2 and LZCNT (chosen at run time on CPUs that have them). The headers both
// include declare their code inside `arena::ARENA_TARGET`, an inline namespace, so that the two
// compilations' inline functions have different names: the linker keeps one copy of each inline
// function by name, and an AVX2 copy must never stand in for a baseline one. Code compiled for
// AVX2 also must not run before that choice: nothing in these headers is initialised when the
// module loads (their tables are constexpr).
#pragma once

#if defined(__AVX2__)
#define ARENA_TARGET avx2
#define ARENA_TARGET_NAME "avx2"
#else
#define ARENA_TARGET baseline
#define ARENA_TARGET_NAME "baseline"
#endif
