"""The AlphaZero loop: self-play, train, evaluate, save; in one process, or as three around a store.

Generation g's candidate is trained on the first `config.games_through(g)` stored games, is
stored with the trainer's checkpoint, then plays the best network for promotion. In one process
(`run_single`) the phases take turns:

    for generation in ...:
        self-play   the best network (rollout search for the bootstrap) adds games to the store
        train       the trainer reads the new games into its buffer and takes the steps they pay for
        save        the candidate and the trainer checkpoint go into the store together
        evaluate    the candidate plays the best network; promoted at gate_score (and, with
                    rollout_duel_games, plays rollout MCTS: the rollout_duel/* metrics)

Apart (`run_selfplay`, `run_trainer`, `run_evaluator`, one process each, any order, any machine
that sees the store file), each role loops over its phase and polls the store for the others'
work. Every role resumes from the store: a killed run picks up where it stopped.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import torch

from arena.alphazero.config import ROLES, AlphaZeroConfig
from arena.alphazero.gating import ROLLOUT_DUEL, gate, rollout_duel
from arena.alphazero.ratings import generation_ratings
from arena.alphazero.selfplay import play_games, round_seed
from arena.alphazero.store import Store
from arena.alphazero.trainer import Trainer, new_network
from arena.errors import ArenaError
from arena.seeding import derive_seed

__all__ = ["ROLES", "evaluate_candidates", "open_store", "play_rollout_duel", "run", "run_evaluator", "run_selfplay",
           "run_single", "run_trainer", "self_play_round", "train_generation"]

POLL_SECONDS = 5.0


def open_store(path: str | Path, config: AlphaZeroConfig | None = None, **changes) -> Store:
    """The store at `path`: created for `config` if new; an existing one takes `changes` (budget,
    self-play and training settings; not the game or the network's shape)."""
    if not Path(path).exists():
        config = dataclasses.replace(config or AlphaZeroConfig(game=changes.get("game", "othello")), **changes)
        try:
            return Store.create(path, config, new_network(config))
        except FileExistsError:
            pass  # another role started on the same new path made it first: this one joins it
    store = Store(path)
    if changes:
        store.save_config(store.config.updated(**changes))
    return store


def run(store: Store, role: str = "all") -> None:
    """Run one role (or all of them in turn) until the config's generations are done."""
    check_device(store.config.device)
    torch.set_num_threads(store.config.torch_threads)
    {"all": run_single, "selfplay": run_selfplay, "train": run_trainer, "evaluate": run_evaluator}[role](store)


def check_device(name: str) -> None:
    """ArenaError unless torch can put tensors on device `name` ("cpu", "cuda", "cuda:1", "mps", ...)."""
    try:
        torch.empty(0, device=name)
    except (RuntimeError, AssertionError) as exc:  # an unknown name, no such GPU, a torch built without CUDA
        raise ArenaError(f"device {name!r} cannot be used on this machine ({exc}); use a device torch sees "
                         f"here, e.g. --setting device=cpu") from exc


# ---- the phases


def self_play_round(store: Store, games: int) -> None:
    """Play `games` games with the best network (rollout search while the bootstrap is unfinished)."""
    config = store.config
    stored = store.game_count()
    bootstrap = stored < config.bootstrap_games
    if bootstrap:
        network_id, net, games = -1, None, config.bootstrap_games - stored
    else:
        network_id = store.best_network_id()
        net = store.network(network_id)
    source = "rollout search" if bootstrap else f"network {network_id}"
    # Said before they start: a round plays its games all at once and can take minutes.
    print(f"self-play  playing {games} games by {source} ...", flush=True)
    started = time.perf_counter()

    def so_far(finished: int, total: int) -> None:
        print(f"self-play  {finished}/{total} games after {time.perf_counter() - started:.0f} s", flush=True)

    records, stats = play_games(config, net, games, seed=round_seed(config.seed, stored), progress=so_far)
    store.add_games(records, network_id)
    store.log(store.game_count(), **stats.as_metrics())
    print(f"self-play  {stats.games} games by {source} in {stats.seconds:.0f} s: "
          f"{stats.evaluations / stats.seconds:,.0f} evaluations/s, {stats.games / stats.seconds * 3600:,.0f} games/h, "
          f"black won {stats.black_wins:.0%}, resigned {stats.resigned:.0%}", flush=True)


def train_generation(store: Store, trainer: Trainer, generation: int) -> int | None:
    """Train on the games of `generation` (which must be stored) and save the candidate; its id.

    While the buffer holds fewer than `min_positions` positions nothing is trained: the generation is
    stored as skipped (never gated, so an untrained network is never promoted), it says how many
    positions training still waits for, and None is returned.
    """
    config = store.config
    trainer.add_games(store.games(trainer.games_seen, through=config.games_through(generation)))
    steps = trainer.steps_due()
    if steps == 0:
        store.skip_generation(trainer.net, trainer.step, trainer.checkpoint())
        print(f"train      generation {generation}: nothing to train yet, {_waiting_for(trainer)}", flush=True)
        return None
    started = time.perf_counter()
    losses = trainer.train(steps)
    candidate_id = store.add_candidate(trainer.net, trainer.step, trainer.checkpoint())
    store.log(generation, **{"train/policy_loss": losses.policy, "train/value_loss": losses.value,
                             "train/steps": trainer.step, "train/buffer": len(trainer.buffer)})
    print(f"train      network {candidate_id}: {steps} steps in {time.perf_counter() - started:.0f} s, "
          f"policy loss {losses.policy:.3f}, value loss {losses.value:.3f}, buffer {len(trainer.buffer):,}", flush=True)
    return candidate_id


def _waiting_for(trainer: Trainer) -> str:
    """What training waits for, e.g. 'the buffer holds 1,200 positions; training starts at 2,000 (800 more,
    about 14 games)'."""
    needed, held = trainer.positions_needed(), len(trainer.buffer)
    if not needed:
        return f"no new positions since the last training (buffer {held:,})"
    per_game = trainer.buffer.added / trainer.games_seen if trainer.games_seen else 0
    games = f", about {-(-needed // max(int(per_game), 1)):,} games" if per_game else ""
    return (f"the buffer holds {held:,} positions; training starts at min_positions {trainer.config.min_positions:,} "
            f"({needed:,} more{games})")


def evaluate_candidates(store: Store) -> None:
    """Gate every waiting candidate against the best network; log the ratings over generations."""
    config = store.config
    for candidate_id in store.candidates():
        best_id = store.best_network_id()
        started = time.perf_counter()
        match = gate(config, candidate_id, store.network(candidate_id), best_id, store.network(best_id))
        store.add_match(match)
        ratings = generation_ratings(store.matches())
        elo = ratings[candidate_id].rating if candidate_id in ratings else 0.0
        store.log(candidate_id, **{"gate/score": match.score, "gate/promoted": match.promoted, "rating/elo": elo})
        verdict = "promoted" if match.promoted else "rejected"
        print(f"evaluate   network {candidate_id} vs {best_id}: +{match.wins} ={match.draws} -{match.losses} "
              f"({match.score:.0%}, {time.perf_counter() - started:.0f} s) {verdict}; rating {elo:+.0f} Elo", flush=True)
        if config.rollout_duel_games:
            play_rollout_duel(store, candidate_id)


def play_rollout_duel(store: Store, network_id: int) -> None:
    """Network `network_id` against rollout MCTS (`rollout_duel_games` games); logged as rollout_duel/*."""
    config = store.config
    started = time.perf_counter()
    result = rollout_duel(config, store.network(network_id), config.rollout_duel_games,
                          seed=derive_seed(config.seed, network_id, ROLLOUT_DUEL))
    store.log(network_id, **{"rollout_duel/score": result.score, "rollout_duel/wins": result.wins,
                             "rollout_duel/draws": result.draws, "rollout_duel/losses": result.losses})
    print(f"evaluate   network {network_id} ({config.gate_simulations} simulations) vs rollout MCTS "
          f"({config.rollout_duel_simulations}): +{result.wins} ={result.draws} -{result.losses} "
          f"({result.score:.0%}, {time.perf_counter() - started:.0f} s)", flush=True)


def load_trainer(store: Store) -> Trainer:
    """The trainer where the store's checkpoint left it, or a new one from network 0."""
    state = store.trainer_state()
    if state is None:
        return Trainer(store.config, store.network(0))
    return Trainer.resume(store.config, state, store)


# ---- the roles


def run_single(store: Store) -> None:
    """Every phase in turn in this process, generation after generation."""
    config = store.config
    trainer = load_trainer(store)
    evaluate_candidates(store)  # a candidate that a stopped run left ungated
    for generation in range(store.latest_network_id() + 1, config.generations + 1):
        while store.game_count() < config.games_through(generation):          # self-play
            self_play_round(store, config.games_through(generation) - store.game_count())
        train_generation(store, trainer, generation)                          # train, save
        evaluate_candidates(store)                                            # evaluate


def run_selfplay(store: Store) -> None:
    """Self-play rounds with the latest best network until the last generation is trained."""
    config = store.config
    while store.latest_network_id() < config.generations:
        self_play_round(store, config.lockstep_games)


def run_trainer(store: Store) -> None:
    """Train each generation as soon as its games are stored."""
    config = store.config
    trainer = load_trainer(store)
    for generation in range(store.latest_network_id() + 1, config.generations + 1):
        while store.game_count() < config.games_through(generation):
            time.sleep(POLL_SECONDS)
        train_generation(store, trainer, generation)


def run_evaluator(store: Store) -> None:
    """Gate candidates as they come until the last generation has been judged."""
    config = store.config
    while True:
        evaluate_candidates(store)
        if store.latest_network_id() >= config.generations and not store.candidates():
            return
        time.sleep(POLL_SECONDS)
