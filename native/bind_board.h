// Binding pieces every board game shares: play/undo/copy, legal moves and
// masks, observation planes as numpy arrays, the text forms and the usual
// properties. The Board type needs size(), num_actions(), to_move(), ply(),
// last_move(), play(int), undo(), is_legal(int), legal_move_list(),
// is_game_over(), move_name(int), to_string(), pretty(), operator==,
// write_legal_mask(uint8_t*) and write_planes(uint8_t*, player), with
// players 0 (black, first to move) and 1.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

namespace arena::bind {

namespace py = pybind11;

// `player` if given (ValueError unless 0 or 1), else the side to move.
template <class Board>
int player_or_mover(const Board& board, std::optional<int> player) {
  const int who = player.value_or(board.to_move());
  if (who != 0 && who != 1)
    throw std::invalid_argument("player must be 0 (black) or 1 (white), got " + std::to_string(who));
  return who;
}

// A mask of the legal moves as a numpy array of T (bool or int8).
template <class T, class Board>
py::array_t<T> legal_mask_of(const Board& board) {
  py::array_t<T> mask(board.num_actions());
  board.write_legal_mask(reinterpret_cast<uint8_t*>(mask.mutable_data()));
  return mask;
}

// Adds the shared surface; `pieces` names what is on the board ("discs", "stones").
template <class Board>
void def_board_basics(py::class_<Board>& cls, const std::string& pieces) {
  cls.def("to_string", &Board::to_string,
          "Compact position: squares from a1 row by row ('-', 'X' black, 'O' white), a space, side to move.")
      .def("undo", &Board::undo, "Take back the last move; IndexError if none was played.")
      .def("is_legal", &Board::is_legal, py::arg("move"))
      .def("is_game_over", &Board::is_game_over)
      .def("move_name", &Board::move_name, py::arg("move"), "Human name of a move, e.g. 'd3'.")
      .def_property_readonly("size", &Board::size)
      .def_property_readonly("num_actions", &Board::num_actions)
      .def_property_readonly("to_move", &Board::to_move, "0 when black is to move, 1 when white is.")
      .def_property_readonly("ply", &Board::ply, "Moves played since this board was created or parsed.")
      .def_property_readonly("last_move", &Board::last_move, "The last move played, -1 if none.")
      .def("__eq__", [](const Board& a, const Board& b) { return a == b; })
      .def("__str__", &Board::pretty)
      .def("copy", [](const Board& b) { return Board(b); }, "An independent copy, history included.")
      .def("__copy__", [](const Board& b) { return Board(b); })
      .def("__deepcopy__", [](const Board& b, py::dict) { return Board(b); }, py::arg("memo"))
      .def("legal_mask", &legal_mask_of<bool, Board>, "Boolean array of length num_actions: True where the move is legal.")
      .def("action_mask", &legal_mask_of<int8_t, Board>,
           "legal_mask() as int8 (1 legal, 0 not): the form of PettingZoo's action_mask.")
      .def(
          "observation",
          [](const Board& b, std::optional<int> player) {
            py::array_t<uint8_t> planes({b.size(), b.size(), 2});
            b.write_planes(planes.mutable_data(), player_or_mover(b, player));
            return planes;
          },
          py::arg("player") = py::none(),
          ("uint8 array (size, size, 2) from `player`'s view (default: the side to move): plane 0 that player's " +
           pieces + ", plane 1 the other's.")
              .c_str());
  // A board changes as moves are played, so it is no dict key or set member (as python-chess's
  // Board): hash(board) is a TypeError; key on board.to_string(), which is immutable.
  cls.attr("__hash__") = py::none();
}

}  // namespace arena::bind
