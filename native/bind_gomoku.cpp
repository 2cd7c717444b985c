// Python bindings for arena::gomoku::Board (exposed as GomokuBoard).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>

#include "bind_board.h"
#include "gomoku.h"

namespace py = pybind11;
using arena::gomoku::Board;
using arena::gomoku::rule_from_name;
using arena::gomoku::rule_name;

void bind_gomoku(py::module_& m) {
  py::class_<Board> board(m, "GomokuBoard", R"doc(
A gomoku position with its move history.

Moves are ``row * size + col`` (row 0 is rank 1, col 0 is file a), the same
numbering as OpenSpiel's ``gomoku``. Black (``to_move == 0``) moves first.
``rule`` is ``"freestyle"`` (five or more in a row wins) or ``"exact_five"``
(exactly five wins; an overline does not). The game is drawn when the board
fills with no winner.
)doc");
  arena::bind::def_board_basics(board, "stones");
  board
      .def(py::init([](int size, const std::string& rule) { return Board(size, rule_from_name(rule)); }),
           py::arg("size") = 15, py::arg("rule") = "freestyle",
           "An empty size x size board (5 to 19) under `rule` ('freestyle' or 'exact_five').")
      .def_static(
          "from_string",
          [](const std::string& position, const std::string& rule) { return Board::from_string(position, rule_from_name(rule)); },
          py::arg("position"), py::arg("rule") = "freestyle",
          "Parse a position written by to_string(); the board size follows from its length.")
      .def("play", &Board::play, py::arg("move"), "Place a stone (row * size + col); ValueError if illegal.")
      .def("legal_moves", &Board::legal_move_list, "Empty squares in increasing order; [] once the game is over.")
      .def("winner", &Board::winner, "0 black, 1 white, -1 nobody (the game goes on, or a full board drew).")
      .def("winning_line", &Board::winning_line, "The moves of the winning line, end to end; [] without a winner.")
      .def(
          "winning_moves",
          [](const Board& b, std::optional<int> player) {
            const int who = arena::bind::player_or_mover(b, player);
            std::vector<int> moves(b.num_actions());
            moves.resize(b.is_game_over() ? 0 : b.position().winning_moves(who, moves.data()));
            return moves;
          },
          py::arg("player") = py::none(),
          "Empty squares where `player` (default: the side to move) would complete a winning line at once.")
      .def("perft", &Board::perft, py::arg("depth"), py::call_guard<py::gil_scoped_release>(),
           "Leaf count `depth` plies ahead, every leaf reached by a real move (won games stop early).")
      .def_property_readonly("rule", [](const Board& b) { return rule_name(b.rule()); }, "'freestyle' or 'exact_five'.")
      .def_property_readonly("stones", [](const Board& b) { return b.position().stones(); }, "Stones on the board.")
      .def("__repr__",
           [](const Board& b) {
             return "GomokuBoard.from_string('" + b.to_string() + "', rule='" + rule_name(b.rule()) + "')";
           })
      .def(py::pickle([](const Board& b) { return py::make_tuple(b.to_string(), rule_name(b.rule())); },
                      [](const py::object& state) {  // a pickle may come from anywhere: from_string checks the text
                        const bool pair = py::isinstance<py::tuple>(state) && py::len(state) == 2 &&
                                          py::isinstance<py::str>(state[py::int_(0)]) &&
                                          py::isinstance<py::str>(state[py::int_(1)]);
                        if (!pair)
                          throw py::value_error("GomokuBoard pickle: expected (position text, rule), got " +
                                                py::repr(state).cast<std::string>().substr(0, 200));
                        return Board::from_string(state[py::int_(0)].cast<std::string>(),
                                                  rule_from_name(state[py::int_(1)].cast<std::string>()));
                      }));
}
