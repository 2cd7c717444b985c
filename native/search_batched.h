// Self-play with many games searched in lockstep, for training AlphaZero-
// style networks: one network call per round scores a leaf from every game.
//
// A round has two halves. collect() lets every game descend its own tree to
// up to `leaves_per_game` leaves (virtual loss keeps them apart) and writes
// the leaf positions as network inputs into one buffer, rows x planes x N x N
// floats. The caller evaluates all rows at once; apply() expands the leaves
// with the policies and backs up the values. A game whose move has used its
// simulations plays it (sampled with a temperature early on, the most visited
// move later), keeps the subtree, and goes on; a finished game is recorded
// and its slot starts the next game at once, so no slot idles.
//
// Games are independent: with `threads` > 1 slots are shared out among
// threads, and the results stay exactly those of one thread. Game i of a run
// is seeded from the seed and i alone.
//
// Resignation: a mover whose root value falls below `resign_value` resigns,
// except in a `no_resign_fraction` share of games, which are played out so
// that the caller can check how often a resignation would have been wrong.
//
// Without a network (run_rollouts), each leaf is scored by one random
// playout (leaf_playouts of them, if set) under uniform priors: self-play by
// pure search, for a first generation of games before any network has
// learned.
//
// A duel plays two evaluators against each other: the first plays black in
// even games and white in odd ones. collect() then puts the first
// evaluator's rows before the second's (first_rows() of them), and each move
// is searched with a fresh tree, so neither side reuses the other's search.
// Each side may search its own way (a SideConfig: budget, exploration, leaf
// values, move temperature), and either may be rollout search
// (set_rollout_sides): it scores its leaves by random playouts under uniform
// priors as it goes, and never has rows to evaluate.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mcts.h"
#include "search_threads.h"

namespace arena::search {

struct SelfPlayConfig {
  int batch_size = 64;        // games in lockstep
  int leaves_per_game = 1;    // leaves each game adds to a round
  int threads = 1;            // threads selecting leaves and backing up
  double temperature = 1.0;   // move sampling temperature for the first plies
  int temperature_moves = 30; // plies sampled with `temperature`; the most visited move after
  double resign_value = -1.0;       // the mover resigns when its root value is below this (-1: never)
  double no_resign_fraction = 0.1;  // share of games played out whatever the values say
  bool duel = false;                // two evaluators play each other (see above)

  // The most rows a round may have: row numbers are ints.
  static constexpr int64_t kMaxRows = std::numeric_limits<int32_t>::max();

  void validate() const {
    auto fail = [](const std::string& what) { throw std::invalid_argument("self-play config: " + what); };
    const std::pair<const char*, double> reals[] = {
        {"temperature", temperature}, {"resign_value", resign_value}, {"no_resign_fraction", no_resign_fraction}};
    for (const auto& [name, value] : reals)
      if (!std::isfinite(value)) fail(std::string(name) + " must be a finite number, got " + std::to_string(value));
    if (batch_size < 1) fail("batch_size must be >= 1, got " + std::to_string(batch_size));
    if (leaves_per_game < 1) fail("leaves_per_game must be >= 1, got " + std::to_string(leaves_per_game));
    const int64_t rows = static_cast<int64_t>(batch_size) * leaves_per_game;
    if (rows > kMaxRows)
      fail("batch_size * leaves_per_game (the rows of a round) must be at most " + std::to_string(kMaxRows) + ", got " +
           std::to_string(rows));
    if (threads < 1) fail("threads must be >= 1, got " + std::to_string(threads));
    if (temperature < 0) fail("temperature must be >= 0, got " + std::to_string(temperature));
    if (temperature_moves < 0) fail("temperature_moves must be >= 0, got " + std::to_string(temperature_moves));
    if (resign_value < -1 || resign_value > 1)
      fail("resign_value must be between -1 (never resign) and 1, got " + std::to_string(resign_value));
    if (no_resign_fraction < 0 || no_resign_fraction > 1)
      fail("no_resign_fraction must be between 0 and 1, got " + std::to_string(no_resign_fraction));
  }
};

// How one side of a game searches: its search settings (budget,
// exploration, leaf values) and how it picks its moves.
struct SideConfig {
  SearchConfig search;
  double temperature = 1.0;    // move sampling temperature for the first plies
  int temperature_moves = 30;  // plies sampled with `temperature`; the most visited move after
};

// One finished self-play game. Positions are those where the mover had a
// choice: a move forced by the rules (a pass, the last legal move) or by the
// position (the only win at once, the only block of a five) is played
// without a search and not recorded.
struct GameRecord {
  int64_t index = 0;               // game i of the run
  int board_size = 0;
  int input_planes = 0;
  int num_actions = 0;
  std::vector<int> moves;          // every move of the game, forced ones too
  std::vector<int> searched_plies; // per position: its ply (index into moves)
  std::vector<uint8_t> planes;     // per position: the network input, planes x N x N, as 0/1
  std::vector<float> policies;     // per position: num_actions visit shares (the policy target)
  std::vector<float> root_values;  // per position: the search's value for the mover
  std::vector<int8_t> players;     // per position: the player to move
  int winner = -1;                 // 0, 1, or -1 for a draw
  bool resigned = false;           // the loser resigned (after the last recorded position)
  bool could_resign = false;       // resignation was allowed in this game
};

template <class Game>
class BatchedMCTS {
 public:
  BatchedMCTS(const Game& start, const SearchConfig& search, const SelfPlayConfig& play)
      : BatchedMCTS(start, search, play, SideConfig{search, play.temperature, play.temperature_moves}) {}

  // A duel whose second side searches as `second` says.
  BatchedMCTS(const Game& start, const SearchConfig& search, const SelfPlayConfig& play, const SideConfig& second)
      : start_(start),
        sides_{side(search, play.temperature, play.temperature_moves, play), side(second.search, second.temperature,
                                                                               second.temperature_moves, play)},
        play_(play),
        pool_(play.threads) {
    play.validate();
    input_size_ = Game::kInputPlanes * start.size() * start.size();
    num_actions_ = start.num_actions();
    inputs_.resize(static_cast<size_t>(capacity()) * input_size_);
    policies_.resize(static_cast<size_t>(capacity()) * num_actions_);
    values_.resize(capacity());
    for (int i = 0; i < play.batch_size; ++i)
      slots_.push_back(std::make_unique<Slot>(sides_[0].search, play.leaves_per_game, num_actions_, input_size_));
  }

  int capacity() const { return play_.batch_size * play_.leaves_per_game; }
  int num_actions() const { return num_actions_; }
  int board_size() const { return start_.size(); }
  float* inputs() { return inputs_.data(); }
  int rows() const { return rows_; }
  // Rows of the last collect() for the first evaluator (all of them unless in a duel).
  int first_rows() const { return first_rows_; }
  bool duel() const { return play_.duel; }
  const SideConfig& side_config(int side) const { return sides_[side]; }
  // Sides (0 the first evaluator's, 1 the second's) that search by rollouts
  // instead of evaluating leaves: both in run_rollouts, as set in a duel.
  void set_rollout_sides(bool first, bool second) { rollout_sides_ = {first, second}; }
  int64_t games_started() const { return games_started_; }
  // Games finished since construction; read from another thread while the games play.
  int64_t games_finished() const { return games_finished_.load(std::memory_order_relaxed); }
  int64_t leaves_evaluated() const { return leaves_evaluated_; }

  // Plays `games` more games (game indices continue from earlier runs).
  void start(int64_t games) {
    if (games < 0) throw std::invalid_argument("games must be >= 0, got " + std::to_string(games));
    games_target_ += games;
    for (size_t s = 0; s < slots_.size() && games_started_ < games_target_; ++s)
      if (!slots_[s]->active) begin_game(*slots_[s]);
  }

  bool done() const {
    for (const auto& slot : slots_)
      if (slot->active) return false;
    return true;
  }

  // First half of a round: returns the number of input rows written (0 once
  // every game is finished).
  int collect() {
    std::vector<int> todo;
    for (int s = 0; s < static_cast<int>(slots_.size()); ++s)
      if (slots_[s]->active) todo.push_back(s);
    while (!todo.empty()) {
      pool_.parallel_for(static_cast<int>(todo.size()), [&](int i) { fill(*slots_[todo[i]]); });
      std::vector<int> refilled;  // in slot order, so game numbering never depends on threads
      for (int s : todo) {
        Slot& slot = *slots_[s];
        if (!slot.game_over) continue;
        finished_.push_back(std::move(slot.record));
        games_finished_.fetch_add(1, std::memory_order_relaxed);
        slot.active = false;
        if (games_started_ < games_target_) {
          begin_game(slot);
          refilled.push_back(s);
        }
      }
      todo = std::move(refilled);
    }
    rows_ = 0;
    for (int side = 0; side < 2; ++side) {
      for (auto& slot : slots_)
        if (slot->pending > 0 && evaluator_of(*slot) == side) {
          slot->row = rows_;
          rows_ += slot->pending;
        }
      if (side == 0) first_rows_ = rows_;
    }
    pool_.parallel_for(static_cast<int>(slots_.size()), [&](int s) {
      const Slot& slot = *slots_[s];
      for (int j = 0; j < slot.pending; ++j)
        slot.leaves[j].state.write_input(&inputs_[static_cast<size_t>(slot.row + j) * input_size_]);
    });
    return rows_;
  }

  // Second half: `policies` (rows x num_actions) and `values` (rows, for the
  // player to move at each leaf) for the rows of the last collect().
  void apply(const float* policies, const float* values) {
    pool_.parallel_for(static_cast<int>(slots_.size()), [&](int s) {
      Slot& slot = *slots_[s];
      for (int j = 0; j < slot.pending; ++j) {
        const int row = slot.row + j;
        slot.search.finish_leaf(slot.leaves[j], &policies[static_cast<size_t>(row) * num_actions_], values[row]);
      }
      slot.simulations += slot.pending;
      slot.pending = 0;
    });
    leaves_evaluated_ += rows_;
    rows_ = 0;
  }

  // Rounds until every started game is finished; `evaluate(inputs, rows,
  // policies, values)` fills rows x num_actions policies and rows values.
  // In a duel `first` scores the first evaluator's rows and `second` the rest.
  // An evaluator that throws (to refuse its own output, as search_python.h's
  // Evaluator does for NaN) ends the run with the round's leaves taken back.
  template <class First, class Second>
  void run(First&& first, Second&& second) {
    while (int rows = collect()) {
      try {
        if (first_rows_ > 0) first(inputs_.data(), first_rows_, policies_.data(), values_.data());
        if (rows > first_rows_)
          second(&inputs_[static_cast<size_t>(first_rows_) * input_size_], rows - first_rows_,
                 &policies_[static_cast<size_t>(first_rows_) * num_actions_], &values_[first_rows_]);
      } catch (...) {
        abandon_round();
        throw;
      }
      apply(policies_.data(), values_.data());
    }
    count_playouts();
  }

  template <class Evaluate>
  void run(Evaluate&& evaluate) {
    run(evaluate, evaluate);
  }

  // Plays every started game to the end, scoring leaves by random playouts
  // (counted in leaves_evaluated()).
  void run_rollouts() {
    const auto sides = std::exchange(rollout_sides_, {true, true});
    collect();
    rollout_sides_ = sides;
    count_playouts();
  }

  // Takes back the leaves of the last collect() without evaluating them: the
  // next collect() selects afresh.
  void abandon_round() {
    for (auto& slot : slots_) {
      for (int j = 0; j < slot->pending; ++j) slot->search.abandon_leaf(slot->leaves[j]);
      slot->pending = 0;
    }
    rows_ = first_rows_ = 0;
  }

  // The games finished since the last call, in the order they ended.
  std::vector<GameRecord> take_finished() { return std::exchange(finished_, {}); }

 private:
  struct Slot {
    Slot(const SearchConfig& config, int leaves_per_game, int num_actions, int input_size)
        : search(config), leaves(leaves_per_game), legal(num_actions), visits(num_actions), input(input_size),
          uniform(num_actions, 1.0f) {}

    MCTS<Game> search;
    std::vector<typename MCTS<Game>::Leaf> leaves;
    std::vector<int> legal;        // scratch: the root's legal moves
    std::vector<int32_t> visits;   // scratch: the root's visit counts
    std::vector<float> input;      // scratch: the root as network input
    std::vector<float> uniform;    // the priors of rollout search
    Rng playouts;                  // the random moves of rollout search
    int64_t playouts_run = 0;      // leaves rollout search has scored
    GameRecord record;
    int pending = 0;      // leaves awaiting evaluation, from input row `row` on
    int row = 0;
    int simulations = 0;  // spent on the move being searched
    bool active = false;
    bool game_over = false;
  };

  // A side's settings, checked. A duel searches every move afresh: each
  // side's tree holds only its own evaluations.
  static SideConfig side(SearchConfig search, double temperature, int temperature_moves, const SelfPlayConfig& play) {
    search.validate();
    if (search.simulations < 1 || search.time_limit != 0.0)
      throw std::invalid_argument("self-play config: batched search needs a simulation budget (simulations >= 1) "
                                  "and no time_limit");
    if (temperature < 0) throw std::invalid_argument("self-play config: temperature must be >= 0");
    if (temperature_moves < 0) throw std::invalid_argument("self-play config: temperature_moves must be >= 0");
    if (play.duel) search.reuse_tree = false;
    return SideConfig{search, temperature, temperature_moves};
  }

  // 0 for the first evaluator's move, 1 for the second's.
  int evaluator_of(const Slot& slot) const {
    return play_.duel ? (slot.search.root().to_move() ^ static_cast<int>(slot.record.index & 1)) : 0;
  }

  const SideConfig& mover(const Slot& slot) const { return sides_[evaluator_of(slot)]; }

  // In a duel whose sides search differently, the mover's settings for the move about to be searched.
  void prepare_move(Slot& slot) {
    if (play_.duel) slot.search.set_config(mover(slot).search);
  }

  void count_playouts() {
    for (auto& slot : slots_) leaves_evaluated_ += std::exchange(slot->playouts_run, 0);
  }

  void begin_game(Slot& slot) {
    const int64_t index = games_started_++;
    const uint64_t seed = derive_seed(sides_[0].search.seed, static_cast<uint64_t>(index));
    slot.search.reseed(seed);
    slot.playouts.reseed(derive_seed(seed, kPlayoutStream));
    slot.search.clear(start_);
    slot.record = GameRecord{};
    slot.record.index = index;
    Rng resign_draw(derive_seed(seed, kResignStream));
    slot.record.could_resign = play_.resign_value > -1.0 && resign_draw.uniform() >= play_.no_resign_fraction;
    slot.record.board_size = start_.size();
    slot.record.input_planes = Game::kInputPlanes;
    slot.record.num_actions = num_actions_;
    slot.simulations = 0;
    slot.pending = 0;
    slot.active = true;
    slot.game_over = false;
    prepare_move(slot);
  }

  // Searches the slot's game until it has leaves to evaluate or is over.
  void fill(Slot& slot) {
    slot.pending = 0;
    while (!slot.game_over) {
      if (slot.simulations == 0 && MCTS<Game>::candidate_actions(slot.search.root(), slot.legal.data()) == 1) {
        play_move(slot, slot.legal[0]);  // forced: nothing to choose, nothing to learn
        continue;
      }
      const int budget = mover(slot).search.simulations - slot.simulations;
      if (budget <= 0) {
        const int action = choose_move(slot);
        if (resigns(slot)) resign(slot);
        else play_move(slot, action);
        continue;
      }
      int settled = 0;
      slot.pending = slot.search.collect_leaves(slot.leaves, play_.leaves_per_game, budget, settled);
      slot.simulations += settled;
      if (rollout_sides_[evaluator_of(slot)]) score_by_playouts(slot);
      if (slot.pending > 0) return;
    }
  }

  // Finishes the slot's pending leaves with uniform priors and the mean
  // result of random playouts from each (one, or the mover's leaf_playouts).
  void score_by_playouts(Slot& slot) {
    const int playouts = std::max(1, slot.search.config().leaf_playouts);
    for (int j = 0; j < slot.pending; ++j) {
      const auto& leaf = slot.leaves[j];
      const float value = MCTS<Game>::playout_value(leaf.state, playouts, slot.playouts);
      slot.search.settle_leaf(leaf, slot.uniform.data(), value);
    }
    slot.simulations += slot.pending;
    slot.playouts_run += slot.pending;
    slot.pending = 0;
  }

  // Records the searched position and picks its move.
  int choose_move(Slot& slot) {
    MCTS<Game>& search = slot.search;
    GameRecord& record = slot.record;
    const int ply = static_cast<int>(record.moves.size());
    record.searched_plies.push_back(ply);
    record.players.push_back(static_cast<int8_t>(search.root().to_move()));
    record.root_values.push_back(search.root_value());
    search.root().write_input(slot.input.data());
    record.planes.insert(record.planes.end(), slot.input.begin(), slot.input.end());
    search.write_visits(slot.visits.data());
    int64_t total = 0;
    for (int32_t v : slot.visits) total += v;
    for (int32_t v : slot.visits) record.policies.push_back(static_cast<float>(v) / static_cast<float>(total));
    const SideConfig& side = mover(slot);
    return search.sample_action(ply < side.temperature_moves ? side.temperature : 0.0);
  }

  // After choose_move: whether the mover gives the game up.
  bool resigns(const Slot& slot) const {
    return slot.record.could_resign && slot.record.root_values.back() < play_.resign_value;
  }

  void resign(Slot& slot) {
    slot.record.resigned = true;
    slot.record.winner = 1 - slot.search.root().to_move();
    slot.game_over = true;
  }

  void play_move(Slot& slot, int action) {
    slot.record.moves.push_back(action);
    slot.search.advance(action);
    slot.simulations = 0;
    if (slot.search.root().is_terminal()) {
      slot.record.winner = slot.search.root().winner();
      slot.game_over = true;
    } else {
      prepare_move(slot);
    }
  }

  static constexpr uint64_t kResignStream = 0x7265736967ULL;  // seeds the draw of resign-free games
  static constexpr uint64_t kPlayoutStream = 0x706c61796fULL;  // seeds the playouts of rollout search

  Game start_;
  std::array<SideConfig, 2> sides_;  // the first evaluator's and the second's (the same outside duels)
  SelfPlayConfig play_;
  WorkerPool pool_;
  std::vector<std::unique_ptr<Slot>> slots_;
  int input_size_ = 0;
  int num_actions_ = 0;
  std::vector<float> inputs_, policies_, values_;
  int rows_ = 0;
  int first_rows_ = 0;
  std::array<bool, 2> rollout_sides_ = {false, false};
  int64_t games_started_ = 0;
  int64_t games_target_ = 0;
  int64_t leaves_evaluated_ = 0;
  std::atomic<int64_t> games_finished_{0};
  std::vector<GameRecord> finished_;
};

}  // namespace arena::search
