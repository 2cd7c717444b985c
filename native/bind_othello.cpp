// Python bindings for arena::othello::Board (exposed as OthelloBoard).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "othello.h"

namespace py = pybind11;
using arena::othello::Board;

void bind_othello(py::module_& m) {
  py::class_<Board>(m, "OthelloBoard", R"doc(
An Othello position with its move history.

Moves are ``row * size + col`` (row 0 is rank 1, col 0 is file a), the same
numbering as pgx and OpenSpiel; ``pass_move`` (``size * size``) is the explicit
pass, legal only when the side to move has no placement and the game is not
over. Black (``to_move == 0``) moves first.
)doc")
      .def(py::init<int>(), py::arg("size") = 8, "The start position on a size x size board (4, 6 or 8).")
      .def_static("from_string", &Board::from_string, py::arg("position"),
                  "Parse a position written by to_string() (Edax / FFO format for 8 x 8).")
      .def("to_string", &Board::to_string,
           "Compact position: squares from a1 row by row ('-', 'X' black, 'O' white), a space, side to move.")
      .def("copy", [](const Board& b) { return Board(b); }, "An independent copy, history included.")
      .def("__copy__", [](const Board& b) { return Board(b); })
      .def("__deepcopy__", [](const Board& b, py::dict) { return Board(b); }, py::arg("memo"))
      .def("play", &Board::play, py::arg("move"), "Play a move (a square index or pass_move); ValueError if illegal.")
      .def("undo", &Board::undo, "Take back the last move; IndexError if none was played.")
      .def("is_legal", &Board::is_legal, py::arg("move"))
      .def("legal_moves", &Board::legal_move_list, "Legal moves in increasing order ([pass_move] when forced to pass).")
      .def(
          "legal_mask",
          [](const Board& b) {
            py::array_t<bool> mask(b.num_actions());
            b.write_legal_mask(reinterpret_cast<uint8_t*>(mask.mutable_data()));
            return mask;
          },
          "Boolean array of length num_actions: True where the move is legal.")
      .def(
          "action_mask",
          [](const Board& b) {
            py::array_t<int8_t> mask(b.num_actions());
            b.write_legal_mask(reinterpret_cast<uint8_t*>(mask.mutable_data()));
            return mask;
          },
          "legal_mask() as int8 (1 legal, 0 not): the form of PettingZoo's action_mask.")
      .def(
          "observation",
          [](const Board& b, std::optional<int> player) {
            const int view = player.value_or(b.to_move());
            if (view != Board::kBlack && view != Board::kWhite)
              throw std::invalid_argument("player must be 0 (black) or 1 (white), got " + std::to_string(view));
            py::array_t<uint8_t> planes({b.size(), b.size(), 2});
            b.write_planes(planes.mutable_data(), view);
            return planes;
          },
          py::arg("player") = py::none(),
          "uint8 array (size, size, 2) from `player`'s view (default: the side to move): "
          "plane 0 that player's discs, plane 1 the other's.")
      .def("is_game_over", &Board::is_game_over, "True when neither side can place a disc.")
      .def("must_pass", &Board::must_pass, "True when the side to move has no placement but the game goes on.")
      .def("count_flips", &Board::count_flips, py::arg("move"), "Discs the move would turn over.")
      .def("score", [](const Board& b) { return py::make_tuple(arena::popcount(b.black()), arena::popcount(b.white())); },
           "(black discs, white discs).")
      .def("winner", &Board::winner, "0 black, 1 white, -1 a draw (by disc count; meaningful once the game is over).")
      .def("perft", &Board::perft, py::arg("depth"), py::call_guard<py::gil_scoped_release>(),
           "Leaf count `depth` plies ahead (passes count as plies; finished games stop early).")
      .def("move_name", &Board::move_name, py::arg("move"), "Human name of a move, e.g. 'd3' or 'pass'.")
      .def_property_readonly("size", &Board::size)
      .def_property_readonly("pass_move", &Board::pass_move)
      .def_property_readonly("num_actions", &Board::num_actions)
      .def_property_readonly("to_move", &Board::to_move, "0 when black is to move, 1 when white is.")
      .def_property_readonly("ply", &Board::ply, "Moves (passes included) played since this board was created.")
      .def_property_readonly("last_move", &Board::last_move, "The last move played, -1 if none.")
      .def_property_readonly("black", &Board::black, "Black discs as a 64-bit bitboard (bit row * 8 + col).")
      .def_property_readonly("white", &Board::white, "White discs as a 64-bit bitboard (bit row * 8 + col).")
      .def("__eq__", [](const Board& a, const Board& b) { return a == b; })
      .def("__hash__", [](const Board& b) { return py::hash(py::make_tuple(b.size(), b.black(), b.white(), b.to_move())); })
      .def("__str__", &Board::pretty)
      .def("__repr__", [](const Board& b) { return "OthelloBoard.from_string('" + b.to_string() + "')"; })
      .def(py::pickle([](const Board& b) { return b.to_string(); },
                      [](const std::string& s) { return Board::from_string(s); }));
}
