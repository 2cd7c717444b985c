// Python bindings for single-game search: SearchConfig, SearchStats, and
// OthelloMCTS / GomokuMCTS (MCTS<Game> for each game).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>

#include "mcts.h"
#include "search_games.h"
#include "search_python.h"

namespace py = pybind11;
using arena::search::MCTS;
using arena::search::SearchConfig;
using arena::search::SearchStats;
using arena::search::python::Evaluator;

namespace {

// A method of Search that fills one T per action, as a numpy array getter.
template <class T, class Search>
auto root_array(void (Search::*write)(T*) const) {
  return [write](const Search& search) {
    py::array_t<T> out(search.root().num_actions());
    (search.*write)(out.mutable_data());
    return out;
  };
}

template <class Game, class Board>
void bind_search(py::module_& m, const char* name, const char* board_name) {
  using Search = MCTS<Game>;
  const std::string doc = std::string(R"doc(
Monte Carlo tree search for one game, from positions given as )doc") + board_name + R"doc(.

Without an evaluator, ``search()`` runs UCT with one random playout per
simulation. With ``evaluator``, it runs AlphaZero's PUCT: ``evaluator(inputs)``
gets a float32 array (rows, 2, N, N) of leaf positions (plane 0 the mover's
stones or discs, plane 1 the opponent's; valid only during the call) and
returns (policies (rows, num_actions), values (rows,)) with values in [-1, 1]
for the player to move; a NaN or infinity in them is a ValueError naming its
row, and the search stays as it was before that call. Settings are SearchConfig's, as keyword arguments or a
SearchConfig. The tree is kept between moves: ``advance(action)`` or
``set_root(board)`` with a position one or two plies on reuse its subtree.
Values are from the view of the player to move at the root: +1 a win, -1 a loss.
)doc";
  py::class_<Search>(m, name, doc.c_str())
      .def(py::init([name](py::kwargs kwargs) {
             py::dict rest(kwargs);
             std::vector<std::string> known;
             auto config = arena::search::python::take_config<SearchConfig>(rest, known);
             arena::search::python::reject_unknown(rest, name, known);
             return std::make_unique<Search>(config);
           }),
           "A search with SearchConfig settings given as keyword arguments (e.g. simulations=2000, seed=1).")
      .def(py::init<const SearchConfig&>(), py::arg("config"))
      .def_property("config", &Search::config, &Search::set_config, "The SearchConfig (a copy; assign a new one to change it).")
      .def("reseed", &Search::reseed, py::arg("seed"), "Restart the random stream from `seed`.")
      .def(
          "set_root", [](Search& s, const Board& board) { s.set_root(Game(board)); }, py::arg("board"),
          "Search from `board` next, keeping the subtree if the tree already reached it (within two plies).")
      .def(
          "clear", [](Search& s, const Board& board) { s.clear(Game(board)); }, py::arg("board"),
          "Search from `board` next with an empty tree.")
      .def("advance", &Search::advance, py::arg("action"), "Play `action` at the root, keeping its subtree.")
      .def(
          "search",
          [](Search& s, py::object board, py::object evaluator, int leaves_per_call) {
            if (!board.is_none()) s.set_root(Game(board.cast<const Board&>()));
            if (evaluator.is_none()) {
              py::gil_scoped_release release;
              return s.run_rollouts();
            }
            const Game& root = s.root();
            Evaluator evaluate(evaluator, Game::kInputPlanes, root.size(), root.num_actions());
            py::gil_scoped_release release;
            return s.run_with(evaluate, leaves_per_call);
          },
          py::arg("board") = py::none(), py::arg("evaluator") = py::none(), py::arg("leaves_per_call") = 1,
          "Search the root (or `board`, which becomes the root) within the budget; returns SearchStats. "
          "With `evaluator`, up to `leaves_per_call` leaves are scored per call (kept apart by virtual loss).")
      .def("visits", root_array<int32_t>(&Search::write_visits), "Visit count of every action at the root (int32, length num_actions).")
      .def("values", root_array<float>(&Search::write_values),
           "Mean value of every action for the player to move (float32; NaN where never visited).")
      .def("priors", root_array<float>(&Search::write_priors),
           "Prior of every action at the root (uniform in rollout search; noise included).")
      .def("best_action", &Search::best_action, "The most visited action (ties: better value, then lower number).")
      .def("sample_action", &Search::sample_action, py::arg("temperature"),
           "An action drawn with probability proportional to visits ** (1 / temperature); best_action at 0.")
      .def("principal_variation", &Search::principal_variation, py::arg("max_length") = 10, py::arg("first_action") = -1,
           "The line of most visited moves from the root (starting with `first_action` if given).")
      .def_property_readonly("root_value", &Search::root_value, "The root's value for the player to move, in [-1, 1].")
      .def_property_readonly("root_visits", &Search::root_visits, "Simulations through the root, reused ones included.")
      .def_property_readonly("tree_size", &Search::tree_size,
                             "The tree's memory in nodes of 20 bytes (stored leaf policies counted by their size); at most max_nodes.")
      .def_property_readonly("has_root", &Search::has_root);
}

}  // namespace

void bind_mcts(py::module_& m) {
  py::class_<SearchConfig>(m, "SearchConfig", R"doc(
Settings of a search. A search stops after ``simulations`` new simulations or
``time_limit`` seconds, whichever comes first (0 turns either off).
)doc")
      .def(py::init([](py::kwargs kwargs) {
        py::dict rest(kwargs);
        std::vector<std::string> known;
        auto config = arena::search::python::take_config<SearchConfig>(rest, known);
        arena::search::python::reject_unknown(rest, "SearchConfig", known);
        return config;
      }))
      .def_readwrite("simulations", &SearchConfig::simulations, "New simulations per search (0: no limit).")
      .def_readwrite("time_limit", &SearchConfig::time_limit, "Seconds per search (0: no limit).")
      .def_readwrite("c_uct", &SearchConfig::c_uct, "UCT exploration constant (rollout search).")
      .def_readwrite("c_puct", &SearchConfig::c_puct, "PUCT exploration constant (evaluator search).")
      .def_readwrite("fpu", &SearchConfig::fpu, "Value PUCT assumes for an unvisited move.")
      .def_readwrite("dirichlet_alpha", &SearchConfig::dirichlet_alpha, "Concentration of the root noise.")
      .def_readwrite("noise_fraction", &SearchConfig::noise_fraction, "Share of Dirichlet noise in the root priors (0: none).")
      .def_readwrite("virtual_loss", &SearchConfig::virtual_loss, "Losses charged to a path while its leaf awaits evaluation.")
      .def_readwrite("reuse_tree", &SearchConfig::reuse_tree, "Keep the subtree of the move played.")
      .def_readwrite("max_nodes", &SearchConfig::max_nodes, "The tree stops growing at this many nodes (20 bytes each; a leaf's stored policy counts by its size); "
                     "1000 to 2**31 - 1.")
      .def_readwrite("leaf_playouts", &SearchConfig::leaf_playouts,
                     "Random playouts that value an evaluated leaf: 0, the evaluator's value; k > 0, the mean "
                     "of k playouts' results (the evaluator then gives only the priors).")
      .def_readwrite("seed", &SearchConfig::seed, "Seed of the search's random stream.")
      .def("__repr__", [](const py::object& self) {
        std::string text = "SearchConfig(";
        bool first = true;
        for (const std::string& name : arena::search::python::setting_names(self)) {
          text += (first ? "" : ", ") + name + "=" + py::repr(self.attr(name.c_str())).cast<std::string>();
          first = false;
        }
        return text + ")";
      });

  py::class_<SearchStats>(m, "SearchStats", "What one search did.")
      .def_readonly("simulations", &SearchStats::simulations, "Simulations run by this search.")
      .def_readonly("seconds", &SearchStats::seconds, "Wall time of the search.")
      .def("__repr__", [](const SearchStats& s) {
        return "SearchStats(simulations=" + std::to_string(s.simulations) + ", seconds=" + std::to_string(s.seconds) + ")";
      });

  bind_search<arena::search::OthelloState, arena::othello::Board>(m, "OthelloMCTS", "OthelloBoard");
  bind_search<arena::search::GomokuState, arena::gomoku::Board>(m, "GomokuMCTS", "GomokuBoard");
}
