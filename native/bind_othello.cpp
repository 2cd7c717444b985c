// Python bindings for arena::othello::Board (exposed as OthelloBoard).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>

#include "bind_board.h"
#include "othello.h"

namespace py = pybind11;
using arena::othello::Board;

void bind_othello(py::module_& m) {
  py::class_<Board> board(m, "OthelloBoard", R"doc(
An Othello position with its move history.

Moves are ``row * size + col`` (row 0 is rank 1, col 0 is file a), the same
numbering as pgx and OpenSpiel; ``pass_move`` (``size * size``) is the explicit
pass, legal only when the side to move has no placement and the game is not
over. Black (``to_move == 0``) moves first.
)doc");
  arena::bind::def_board_basics(board, "discs");
  board
      .def(py::init<int>(), py::arg("size") = 8, "The start position on a size x size board (4, 6 or 8).")
      .def_static("from_string", &Board::from_string, py::arg("position"),
                  "Parse a position written by to_string() (Edax / FFO format for 8 x 8).")
      .def("play", &Board::play, py::arg("move"), "Play a move (a square index or pass_move); ValueError if illegal.")
      .def("legal_moves", &Board::legal_move_list, "Legal moves in increasing order ([pass_move] when forced to pass).")
      .def("must_pass", &Board::must_pass, "True when the side to move has no placement but the game goes on.")
      .def("count_flips", &Board::count_flips, py::arg("move"), "Discs the move would turn over.")
      .def("score", [](const Board& b) { return py::make_tuple(arena::popcount(b.black()), arena::popcount(b.white())); },
           "(black discs, white discs).")
      .def("winner", &Board::winner, "0 black, 1 white, -1 a draw (by disc count; meaningful once the game is over).")
      .def("perft", &Board::perft, py::arg("depth"), py::call_guard<py::gil_scoped_release>(),
           "Leaf count `depth` plies ahead (passes count as plies; finished games stop early).")
      .def_property_readonly("pass_move", &Board::pass_move)
      .def_property_readonly("empties", &Board::empties, "Empty squares: the moves left, passes aside.")
      .def_property_readonly("black", &Board::black, "Black discs as a 64-bit bitboard (bit row * 8 + col).")
      .def_property_readonly("white", &Board::white, "White discs as a 64-bit bitboard (bit row * 8 + col).")
      .def("__repr__", [](const Board& b) { return "OthelloBoard.from_string('" + b.to_string() + "')"; })
      .def(py::pickle([](const Board& b) { return py::str(b.to_string()); },
                      [](const py::object& state) {  // a pickle may come from anywhere: from_string checks the text
                        if (!py::isinstance<py::str>(state))
                          throw py::value_error("OthelloBoard pickle: expected the position's text (to_string()), got " +
                                                py::repr(state).cast<std::string>().substr(0, 200));
                        return Board::from_string(state.cast<std::string>());
                      }));
}
