// The arena._native extension module: one bind_* function per game or
// search, each in its own file.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void bind_othello(py::module_& m);
void bind_othello_solve(py::module_& m);
void bind_gomoku(py::module_& m);
void bind_mcts(py::module_& m);
void bind_batched_mcts(py::module_& m);
void bind_fighting(py::module_& m);

PYBIND11_MODULE(_native, m) {
  m.doc() = "Native game engines for arena: bitboard board games, perft and search.";
  bind_othello(m);
  bind_othello_solve(m);
  bind_gomoku(m);
  bind_mcts(m);
  bind_batched_mcts(m);
  bind_fighting(m);
}
