// The arena._native extension module: one bind_* function per game or
// search, each in its own file.
#include <pybind11/pybind11.h>

namespace py = pybind11;

void bind_othello(py::module_& m);

PYBIND11_MODULE(_native, m) {
  m.doc() = "Native game engines for arena: bitboard board games, perft and search.";
  bind_othello(m);
}
