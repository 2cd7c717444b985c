// Python bindings for batched self-play: SelfPlayConfig, GameRecord, and
// OthelloBatchedMCTS / GomokuBatchedMCTS (BatchedMCTS<Game> for each game).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "search_batched.h"
#include "search_games.h"
#include "search_python.h"

namespace py = pybind11;
using arena::search::BatchedMCTS;
using arena::search::GameRecord;
using arena::search::SearchConfig;
using arena::search::SelfPlayConfig;
using arena::search::SideConfig;
using arena::search::python::Evaluator;

namespace {

template <class T>
py::array_t<T> array_of(const std::vector<T>& data, std::vector<py::ssize_t> shape) {
  py::array_t<T> out(shape);
  if (static_cast<size_t>(out.size()) != data.size())
    throw std::logic_error("game record: " + std::to_string(data.size()) + " entries for an array of " +
                           std::to_string(out.size()));
  std::copy(data.begin(), data.end(), out.mutable_data());
  return out;
}

// A vector's contents as bytes, and back: compact pickles of game records.
template <class T>
py::bytes bytes_of(const std::vector<T>& data) {
  return py::bytes(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(T));
}

py::ssize_t positions(const GameRecord& r) { return static_cast<py::ssize_t>(r.searched_plies.size()); }

// Reading a GameRecord back from its pickle, which may come from anywhere: every
// field is checked against the others, and a state no game could have left is a
// ValueError naming the field.
class RecordState {
 public:
  static constexpr size_t kFields = 13;

  explicit RecordState(const py::object& state) {
    if (!py::isinstance<py::tuple>(state) || py::len(state) != kFields)
      throw py::value_error("GameRecord pickle: expected a tuple of " + std::to_string(kFields) + " fields, got " +
                            py::repr(state).cast<std::string>().substr(0, 200));
    fields_ = state.cast<py::tuple>();
  }

  GameRecord record() const {
    GameRecord r;
    r.index = field<int64_t>(0, "index");
    r.board_size = field<int>(1, "board_size");
    r.input_planes = field<int>(2, "input_planes");
    r.num_actions = field<int>(3, "num_actions");
    r.winner = field<int>(4, "winner");
    r.moves = field<std::vector<int>>(5, "moves");
    r.searched_plies = field<std::vector<int>>(6, "plies");
    r.resigned = field<bool>(11, "resigned");
    r.could_resign = field<bool>(12, "could_resign");
    const int n = r.board_size, squares = n * n;
    check(r.index >= 0, "index", "a game number >= 0", r.index);
    check(n >= 4 && n <= 19, "board_size", "between 4 and 19", n);
    check(r.input_planes == 2, "input_planes", "2", r.input_planes);
    check(r.num_actions == squares || r.num_actions == squares + 1, "num_actions",
          std::to_string(squares) + " or " + std::to_string(squares + 1) + " on a board of size " + std::to_string(n),
          r.num_actions);
    check(r.winner >= -1 && r.winner <= 1, "winner", "0, 1 or -1", r.winner);
    // A pass (Othello) never follows a pass, so a game has fewer than two moves a square.
    check(r.moves.size() <= 2 * static_cast<size_t>(squares), "moves", "at most " + std::to_string(2 * squares) + " long",
          r.moves.size());
    for (size_t i = 0; i < r.moves.size(); ++i)
      check(r.moves[i] >= 0 && r.moves[i] < r.num_actions, "moves",
            "moves 0.." + std::to_string(r.num_actions - 1) + " (move " + std::to_string(i) + ")", r.moves[i]);
    // A resignation comes after its position is recorded: then the last ply is the one after the last move.
    const int last_ply = static_cast<int>(r.moves.size()) - (r.resigned ? 0 : 1);
    for (size_t i = 0; i < r.searched_plies.size(); ++i) {
      const int ply = r.searched_plies[i], after = i > 0 ? r.searched_plies[i - 1] : -1;
      check(ply > after && ply <= last_ply, "plies",
            "increasing plies 0.." + std::to_string(last_ply) + " (position " + std::to_string(i) + ")", ply);
    }
    const size_t t = r.searched_plies.size();
    bytes_into(7, "planes", t * r.input_planes * squares, r.planes);
    bytes_into(8, "policies", t * r.num_actions, r.policies);
    bytes_into(9, "root_values", t, r.root_values);
    bytes_into(10, "players", t, r.players);
    for (size_t i = 0; i < t; ++i)
      for (int square = 0; square < squares; ++square) {
        const uint8_t mine = r.planes[(i * 2) * squares + square], theirs = r.planes[(i * 2 + 1) * squares + square];
        check(mine <= 1 && theirs <= 1 && mine + theirs <= 1, "planes",
              "0/1 planes with at most one piece a square (position " + std::to_string(i) + ", square " +
                  std::to_string(square) + ")",
              std::to_string(mine) + " and " + std::to_string(theirs));
      }
    for (size_t i = 0; i < r.policies.size(); ++i)
      check(std::isfinite(r.policies[i]) && r.policies[i] >= 0.0f && r.policies[i] <= 1.0f, "policies",
            "visit shares in [0, 1] (entry " + std::to_string(i) + ")", r.policies[i]);
    for (size_t i = 0; i < t; ++i) {
      check(std::isfinite(r.root_values[i]), "root_values", "finite (position " + std::to_string(i) + ")", r.root_values[i]);
      check(r.players[i] == 0 || r.players[i] == 1, "players", "0 or 1 (position " + std::to_string(i) + ")",
            static_cast<int>(r.players[i]));
    }
    return r;
  }

 private:
  template <class T>
  T field(size_t i, const char* name) const {
    try {
      return fields_[i].template cast<T>();
    } catch (const py::cast_error&) {
      throw py::value_error(std::string("GameRecord pickle: ") + name + " has the wrong type: " +
                            py::repr(fields_[i]).cast<std::string>().substr(0, 200));
    }
  }

  template <class V>
  static void check(bool ok, const char* name, const std::string& expected, const V& got) {
    if (ok) return;
    std::string text;
    if constexpr (std::is_same_v<V, std::string>) text = got;
    else text = py::repr(py::cast(got)).template cast<std::string>();
    throw py::value_error(std::string("GameRecord pickle: ") + name + " must be " + expected + ", got " + text);
  }

  // Field i, bytes holding exactly `count` values of T.
  template <class T>
  void bytes_into(size_t i, const char* name, size_t count, std::vector<T>& data) const {
    if (!py::isinstance<py::bytes>(fields_[i]))
      throw py::value_error(std::string("GameRecord pickle: ") + name + " must be bytes, got " +
                            py::repr(fields_[i]).cast<std::string>().substr(0, 200));
    const std::string raw = fields_[i].cast<std::string>();
    check(raw.size() == count * sizeof(T), name,
          std::to_string(count * sizeof(T)) + " bytes for the record's positions", std::to_string(raw.size()) + " bytes");
    data.resize(count);
    std::memcpy(data.data(), raw.data(), raw.size());
  }

  py::tuple fields_;
};

// Whether `side` names rollout search (the string "rollouts"); ValueError for any other string.
bool is_rollouts(const py::object& side) {
  if (!py::isinstance<py::str>(side)) return false;
  if (side.cast<std::string>() == "rollouts") return true;
  throw py::value_error("a side is an evaluator (a callable), or \"rollouts\" for rollout search; got " +
                        py::repr(side).cast<std::string>());
}

// The duel opponent's side: the first side's settings, with those that `kwargs` gives as
// opponent_<setting> (taken out of it). Also returns the names given that way ("" if none).
std::pair<SideConfig, std::string> take_opponent(py::dict& kwargs, std::vector<std::string>& known,
                                                 const SearchConfig& search, const SelfPlayConfig& play) {
  static const std::string prefix = "opponent_";
  std::string given;
  auto take = [&](py::object& config, const std::string& setting) {
    const std::string key = prefix + setting;
    known.push_back(key);
    if (!kwargs.contains(key)) return;
    config.attr(setting.c_str()) = kwargs.attr("pop")(key);
    given += (given.empty() ? "" : ", ") + key;
  };
  py::object opponent_search = py::cast(search);
  for (const std::string& setting : arena::search::python::setting_names(opponent_search))
    if (setting != "seed" && setting != "time_limit" && setting != "reuse_tree") take(opponent_search, setting);
  py::object opponent_play = py::cast(play);
  take(opponent_play, "temperature");
  take(opponent_play, "temperature_moves");
  const auto moves = opponent_play.cast<SelfPlayConfig>();
  return {SideConfig{opponent_search.cast<SearchConfig>(), moves.temperature, moves.temperature_moves}, given};
}

void bind_game_record(py::module_& m) {
  py::class_<GameRecord>(m, "GameRecord", R"doc(
One finished self-play game: for every position where the mover had a choice
(forced moves and passes are played without a search), the network input, the
search's visit distribution (the policy target) and the game's outcome for
the mover (the value target).
)doc")
      .def_readonly("index", &GameRecord::index, "Game i of the run (seeded from the run's seed and i).")
      .def_readonly("winner", &GameRecord::winner, "0 (first player), 1, or -1 for a draw.")
      .def_readonly("resigned", &GameRecord::resigned, "The loser resigned after the last recorded position.")
      .def_readonly("could_resign", &GameRecord::could_resign,
                    "Resignation was allowed in this game (False in the no_resign_fraction share played out).")
      .def_readonly("moves", &GameRecord::moves, "Every move of the game, forced ones included.")
      .def_readonly("board_size", &GameRecord::board_size)
      .def_readonly("num_actions", &GameRecord::num_actions)
      .def_property_readonly(
          "plies", [](const GameRecord& r) { return array_of(r.searched_plies, {positions(r)}); },
          "int32 (T,): the ply of each position (its index into moves).")
      .def_property_readonly(
          "planes",
          [](const GameRecord& r) { return array_of(r.planes, {positions(r), r.input_planes, r.board_size, r.board_size}); },
          "uint8 (T, 2, N, N): each position as the network saw it (plane 0 the mover's, plane 1 the opponent's).")
      .def_property_readonly(
          "policies", [](const GameRecord& r) { return array_of(r.policies, {positions(r), r.num_actions}); },
          "float32 (T, num_actions): visit shares of the search at each position.")
      .def_property_readonly(
          "root_values", [](const GameRecord& r) { return array_of(r.root_values, {positions(r)}); },
          "float32 (T,): the search's value of each position for the mover.")
      .def_property_readonly(
          "players", [](const GameRecord& r) { return array_of(r.players, {positions(r)}); },
          "int8 (T,): the player to move at each position.")
      .def_property_readonly(
          "outcomes",
          [](const GameRecord& r) {
            std::vector<float> z;
            for (int8_t player : r.players) z.push_back(r.winner < 0 ? 0.0f : (r.winner == player ? 1.0f : -1.0f));
            return array_of(z, {positions(r)});
          },
          "float32 (T,): the result for the mover at each position (+1 won, -1 lost, 0 drawn).")
      .def("__len__", &positions)
      .def(py::pickle(
          [](const GameRecord& r) {
            return py::make_tuple(r.index, r.board_size, r.input_planes, r.num_actions, r.winner, r.moves, r.searched_plies,
                                  bytes_of(r.planes), bytes_of(r.policies), bytes_of(r.root_values), bytes_of(r.players),
                                  r.resigned, r.could_resign);
          },
          [](const py::object& state) { return RecordState(state).record(); }))
      .def("__repr__", [](const GameRecord& r) {
        return "GameRecord(index=" + std::to_string(r.index) + ", moves=" + std::to_string(r.moves.size()) +
               ", positions=" + std::to_string(positions(r)) + ", winner=" + std::to_string(r.winner) +
               (r.resigned ? ", resigned" : "") + ")";
      });
}

// `make_start` takes the game's own keyword arguments (size, rule) out of the
// rest and returns the start position.
template <class Game>
void bind_batched(py::module_& m, const char* name, const char* game_doc,
                  std::function<Game(py::dict&, std::vector<std::string>&)> make_start) {
  using Batched = BatchedMCTS<Game>;
  const std::string doc = std::string(R"doc(
Self-play of many )doc") + game_doc + R"doc( games in lockstep, one evaluator call per round.

Keyword arguments: the game's options, SelfPlayConfig's and SearchConfig's
settings. ``play(evaluator, games)`` returns a GameRecord per game. The
evaluator gets a float32 array (rows, 2, N, N) (plane 0 the mover's, plane 1
the opponent's; valid only during the call) and returns (policies (rows,
num_actions), values (rows,)), values for the player to move; a NaN or
infinity in them is a ValueError naming its row. To drive rounds
yourself: ``start(games)``, then while ``collect()`` returns rows > 0, evaluate
``inputs[:rows]`` and ``apply(policies, values)``; ``take_finished()`` hands
over finished games as they come.

``play(None, games)`` searches without a network: uniform priors and one
random playout per leaf (``leaf_playouts`` of them if set). With ``leaf_playouts``
set, a network's leaves take its priors and the mean of that many random
playouts as their value (its values are ignored).

With ``duel=True`` two evaluators play each other: ``play(evaluator, games,
opponent)``, the evaluator black in even games; a round's first
``first_rows`` rows are the evaluator's, the rest the opponent's. Either side
may be ``"rollouts"``: rollout search, with no network. The opponent searches
with the same settings unless ``opponent_<setting>`` says otherwise, for the
SearchConfig settings (``opponent_simulations``, ``opponent_c_puct``,
``opponent_leaf_playouts``, ...; not seed, time_limit or reuse_tree) and
``opponent_temperature`` / ``opponent_temperature_moves``.
With ``resign_value`` above -1 a mover whose root value falls below it resigns,
except in a ``no_resign_fraction`` share of games, which are played out.
)doc";
  py::class_<Batched>(m, name, doc.c_str())
      .def(py::init([name, make_start](py::kwargs kwargs) {
        py::dict rest(kwargs);
        std::vector<std::string> known;
        const Game start = make_start(rest, known);
        const auto play = arena::search::python::take_config<SelfPlayConfig>(rest, known);
        const auto search = arena::search::python::take_config<SearchConfig>(rest, known);
        const auto [second, own] = take_opponent(rest, known, search, play);
        arena::search::python::reject_unknown(rest, name, known);
        if (!own.empty() && !play.duel)
          throw py::value_error(std::string(name) + ": " + own + " set(s) the opponent's search, which only a duel has "
                                "(duel=True)");
        return std::make_unique<Batched>(start, search, play, second);
      }))
      .def(
          "play",
          [](Batched& b, py::object evaluator, int64_t games, py::object opponent) {
            const bool first_rollouts = is_rollouts(evaluator), second_rollouts = is_rollouts(opponent);
            if (evaluator.is_none() || (first_rollouts && !b.duel())) {
              if (b.duel() || !opponent.is_none())
                throw py::value_error("rollout search (evaluator None) plays itself: no duel, no opponent; in a duel "
                                      "a side with no network is \"rollouts\"");
              b.start(games);
              {
                py::gil_scoped_release release;
                b.run_rollouts();
              }
              return b.take_finished();
            }
            if (b.duel() == opponent.is_none())
              throw py::value_error(b.duel() ? "a duel needs an opponent: play(evaluator, games, opponent)"
                                             : "an opponent plays only in a duel: construct with duel=True");
            // A rollout side scores its leaves as it searches: its evaluator is never called.
            Evaluator first(evaluator, Game::kInputPlanes, b.board_size(), b.num_actions());
            Evaluator second(b.duel() ? opponent : evaluator, Game::kInputPlanes, b.board_size(), b.num_actions());
            b.start(games);
            b.set_rollout_sides(first_rollouts, second_rollouts);
            try {
              py::gil_scoped_release release;
              b.run(first, second);
            } catch (...) {
              b.set_rollout_sides(false, false);
              throw;
            }
            b.set_rollout_sides(false, false);
            return b.take_finished();
          },
          py::arg("evaluator"), py::arg("games"), py::arg("opponent") = py::none(),
          "Play `games` games to the end; their GameRecords in the order they finished. Evaluator None: "
          "rollout search (uniform priors, random playouts). In a duel, `evaluator` plays black in even games "
          "and `opponent` in odd ones; either may be \"rollouts\" (rollout search, no network).")
      .def("start", &Batched::start, py::arg("games"), "Queue `games` more games; free slots start them at once.")
      .def("collect", &Batched::collect, py::call_guard<py::gil_scoped_release>(),
           "First half of a round: write leaf positions to inputs; returns their number (0 when all games are done).")
      .def(
          "apply",
          [](Batched& b, const py::array_t<float, py::array::c_style | py::array::forcecast>& policies,
             const py::array_t<float, py::array::c_style | py::array::forcecast>& values) {
            const py::ssize_t rows = b.rows();
            if (policies.ndim() != 2 || policies.shape(0) != rows || policies.shape(1) != b.num_actions())
              throw py::value_error("policies must have shape (" + std::to_string(rows) + ", " +
                                    std::to_string(b.num_actions()) + ") for the rows of the last collect()");
            if (values.size() != rows)
              throw py::value_error("values must have " + std::to_string(rows) + " entries, one per collected row");
            using arena::search::python::all_finite, arena::search::python::reject_non_finite;
            if (!all_finite(policies.data(), static_cast<size_t>(policies.size())))
              reject_non_finite("policies", policies.data(), static_cast<int>(rows), b.num_actions());
            if (!all_finite(values.data(), static_cast<size_t>(rows)))
              reject_non_finite("values", values.data(), static_cast<int>(rows), 1);
            py::gil_scoped_release release;
            b.apply(policies.data(), values.data());
          },
          py::arg("policies"), py::arg("values"),
          "Second half of a round: the evaluations of the collected rows. ValueError (and nothing applied, so a "
          "corrected call may follow) for a wrong shape or a NaN or infinity.")
      .def("take_finished", &Batched::take_finished, "GameRecords of the games finished since the last call.")
      .def_property_readonly(
          "inputs",
          [](py::object self) {
            Batched& b = self.cast<Batched&>();
            const py::ssize_t n = b.board_size();
            return py::array_t<float>({static_cast<py::ssize_t>(b.capacity()), py::ssize_t{Game::kInputPlanes}, n, n},
                                      b.inputs(), self);
          },
          "The input buffer, float32 (capacity, 2, N, N), shared with the search: rows [0, collect()) are a round's leaves.")
      .def_property_readonly("first_rows", &Batched::first_rows,
                             "Rows of the last collect() for the first evaluator (all of them unless in a duel).")
      .def_property_readonly("done", &Batched::done, "True when no game is in progress.")
      .def_property_readonly("capacity", &Batched::capacity, "Most rows a round can have: batch_size * leaves_per_game.")
      .def_property_readonly("num_actions", &Batched::num_actions)
      .def_property_readonly("board_size", &Batched::board_size)
      .def_property_readonly("games_started", &Batched::games_started)
      .def_property_readonly("games_finished", &Batched::games_finished,
                             "Games finished so far; may be read from another thread while play() runs.")
      .def_property_readonly("leaves_evaluated", &Batched::leaves_evaluated,
                             "Leaves scored so far: rows applied, or random playouts in rollout search.");
}

int take_int(py::dict& kwargs, const char* key, int fallback) {
  return kwargs.contains(key) ? kwargs.attr("pop")(key).cast<int>() : fallback;
}

}  // namespace

void bind_batched_mcts(py::module_& m) {
  py::class_<SelfPlayConfig>(m, "SelfPlayConfig", "How batched self-play runs its games.")
      .def(py::init<>())
      .def_readwrite("batch_size", &SelfPlayConfig::batch_size, "Games searched in lockstep.")
      .def_readwrite("leaves_per_game", &SelfPlayConfig::leaves_per_game, "Leaves each game adds to a round (virtual loss).")
      .def_readwrite("threads", &SelfPlayConfig::threads, "Threads selecting leaves and backing up (results do not change).")
      .def_readwrite("temperature", &SelfPlayConfig::temperature, "Move sampling temperature for the first plies.")
      .def_readwrite("temperature_moves", &SelfPlayConfig::temperature_moves,
                     "Plies sampled with `temperature`; the most visited move is played after.")
      .def_readwrite("resign_value", &SelfPlayConfig::resign_value,
                     "The mover resigns when its root value is below this (-1: never).")
      .def_readwrite("no_resign_fraction", &SelfPlayConfig::no_resign_fraction,
                     "Share of games played out whatever the values say (to measure false resignations).")
      .def_readwrite("duel", &SelfPlayConfig::duel,
                     "Two evaluators play each other: play(evaluator, games, opponent), the first black in even games.");
  bind_game_record(m);
  bind_batched<arena::search::OthelloState>(
      m, "OthelloBatchedMCTS", "Othello", [](py::dict& kwargs, std::vector<std::string>& known) {
        known.push_back("size");
        return arena::search::OthelloState(arena::othello::Board(take_int(kwargs, "size", 8)));
      });
  bind_batched<arena::search::GomokuState>(
      m, "GomokuBatchedMCTS", "gomoku", [](py::dict& kwargs, std::vector<std::string>& known) {
        known.push_back("size");
        known.push_back("rule");
        const int size = take_int(kwargs, "size", 15);
        const std::string rule = kwargs.contains("rule") ? kwargs.attr("pop")("rule").cast<std::string>() : "freestyle";
        return arena::search::GomokuState(arena::gomoku::Board(size, arena::gomoku::rule_from_name(rule)));
      });
}
