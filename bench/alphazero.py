"""AlphaZero: self-play throughput, and what a training run's networks are worth.

    python bench/alphazero.py throughput                     # self-play speed, one CPU thread
    python bench/alphazero.py throughput --device cuda       # the network on a GPU
    python bench/alphazero.py throughput --backend jax --device cuda   # pgx + mctx self-play in JAX on a GPU
    python bench/alphazero.py network --device cuda          # the bare network's rate by batch size
    python bench/alphazero.py run --store run/az.sqlite      # a run's gating curve, its best network vs MCTSAgent
    python bench/alphazero.py ... --record                   # also write the results into bench/RESULTS.md

`throughput` plays self-play games through the training loop's own `play_games` (native batched
MCTS, one network call per round, an untrained network of the default shape) and reports network
evaluations per second, games and training positions per hour, next to the rollout-search
bootstrap's rate and the bare network's rate at the same batch size. With `--backend jax` the
network's games are played by the JAX backend instead (8x8 Othello, pgx and mctx, the network in
JAX on `--device`); its first round, which compiles the search, is timed apart.

`network` times the network alone (torch, and its JAX port where jax is installed) at several
batch sizes: a self-play round calls it with `lockstep_games` rows, so where the rate still rises
with the rows, more games in lockstep make self-play faster.

`run` reads a run's store: every gating match with the candidate's rating, then the best network
(as `AlphaZeroAgent`) against the rollout `MCTSAgent` through `play_match`, seats alternating,
game i with seed i.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from arena.agents.alphazero import AlphaZeroAgent
from arena.agents.mcts import MCTSAgent
from arena.alphazero.config import SELFPLAY_BACKENDS, AlphaZeroConfig
from arena.alphazero.network import Evaluator, save_network
from arena.alphazero.ratings import generation_ratings
from arena.alphazero.selfplay import play_games
from arena.alphazero.store import Store
from arena.alphazero.trainer import new_network
from arena.envs import make
from arena.match import play_match
from results import record

TARGET_MCTS_SIMULATIONS = 2000  # issue 10: AlphaZero at 200 simulations wins 70% against MCTS at 2,000
TARGET_WINS = 0.7

def network_rate(config: AlphaZeroConfig, rows: int, device: str, repeats: int = 20) -> float:
    """Positions per second of the bare network on batches of `rows`."""
    evaluator = Evaluator(new_network(config), device)
    inputs = np.random.default_rng(0).integers(0, 2, (rows, 2, config.size, config.size)).astype(np.float32)
    evaluator(inputs)
    started = time.perf_counter()
    for _ in range(repeats):
        evaluator(inputs)
    return rows * repeats / (time.perf_counter() - started)


def jax_network_rate(config: AlphaZeroConfig, rows: int, device: str, repeats: int = 20) -> float:
    """Positions per second of the bare network in JAX, as the jax backend runs it, on batches of `rows`."""
    import jax

    from arena.alphazero.jax_network import forward, params_from_torch
    from arena.alphazero.jax_selfplay import jax_device

    with jax.default_device(jax_device(device)):
        params, run = params_from_torch(new_network(config)), jax.jit(forward)
        inputs = jax.numpy.asarray(np.random.default_rng(0).integers(0, 2, (rows, 2, config.size, config.size)),
                                   dtype=jax.numpy.float32)
        jax.block_until_ready(run(params, inputs))
        started = time.perf_counter()
        for _ in range(repeats):
            outputs = run(params, inputs)
        jax.block_until_ready(outputs)
    return rows * repeats / (time.perf_counter() - started)


def device_name(device: str, backend: str = "native") -> str:
    """`device` as the results name it: "CPU, one thread", or the device with its model."""
    if device == "cpu":
        return "CPU, one thread" if backend == "native" else "CPU"
    if backend == "jax":
        from arena.alphazero.jax_selfplay import jax_device

        return f"{device} ({jax_device(device).device_kind})"
    return f"{device} ({torch.cuda.get_device_name(device)})"


def throughput(args: argparse.Namespace) -> None:
    config = AlphaZeroConfig(game=args.game, simulations=args.simulations, lockstep_games=args.lockstep,
                             channels=args.channels, blocks=args.blocks, device=args.device, resign_value=-1.0,
                             selfplay_backend=args.backend)
    net = new_network(config)
    if args.backend == "jax":  # the first round compiles the search for this batch shape
        _, first_round = play_games(config, net, min(args.games, args.lockstep), seed=0)
        print(f"first jax round (compiling the search): {first_round.seconds:.1f} s", flush=True)
    _, network = play_games(config, net, args.games, seed=0)
    _, rollout = play_games(config, None, args.games, seed=0)
    bare = (jax_network_rate if args.backend == "jax" else network_rate)(config, args.lockstep, args.device)
    rows = [("network self-play", f"{config.simulations}", network), ("rollout bootstrap",
                                                                       f"{config.bootstrap_simulations}", rollout)]
    lines = []
    for name, sims, stats in rows:
        lines.append(f"| {name} | {sims} | {stats.games} | {stats.evaluations / stats.seconds:,.0f} | "
                     f"{stats.games / stats.seconds * 3600:,.0f} | {stats.positions / stats.seconds * 3600:,.0f} |")
        print(lines[-1], flush=True)
    print(f"bare network: {bare:,.0f} positions/s", flush=True)
    n = config.lockstep_games
    if args.backend == "jax":
        search = (f"the JAX backend: {n} games of pgx Othello in lockstep under `jax.vmap`, each move an "
                  f"`mctx.muzero_policy` search with the native PUCT, the network in JAX (its first round, "
                  f"compiling the search, took {first_round.seconds:.0f} s and is not counted)")
    else:
        search = f"the native batched MCTS with {n} games in lockstep (one network call per round of {n} leaves)"
    body = f"""
Self-play of {config.game} {config.size}x{config.size} by `arena.alphazero.selfplay.play_games` on {device_name(args.device, args.backend)}:
{search}, Dirichlet noise, temperature for the first {config.temperature_moves} plies, no resignation; an
untrained network of {config.channels} channels and {config.blocks} residual blocks. Rollout bootstrap: the
native batched MCTS scoring each leaf by one random playout instead of the network.

| games by | simulations a move | games | evaluations/s | games/hour | training positions/hour |
| --- | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(lines)}

The bare network evaluates {bare:,.0f} positions/s at a batch of {config.lockstep_games}: the search's share of
self-play time is {max(0.0, 1 - network.evaluations / network.seconds / bare):.0%}.
"""
    if args.record:
        backend = "JAX self-play" if args.backend == "jax" else "self-play"
        record(f"AlphaZero: {backend} throughput ({'CPU' if args.device == 'cpu' else 'GPU'})", body)


def network_report(args: argparse.Namespace) -> None:
    config = AlphaZeroConfig(game=args.game, channels=args.channels, blocks=args.blocks, device=args.device)
    try:  # what jax_network_rate needs: the jax extra
        import arena.alphazero.jax_selfplay  # noqa: F401
        with_jax = True
    except ImportError:
        with_jax = False
    lines = []
    for rows in args.batches:
        jax_rate = f"{jax_network_rate(config, rows, args.device):,.0f}" if with_jax else "-"
        lines.append(f"| {rows} | {network_rate(config, rows, args.device):,.0f} | {jax_rate} |")
        print(lines[-1], flush=True)
    where = device_name(args.device)
    body = f"""
The {config.game} {config.size}x{config.size} network alone ({config.channels} channels, {config.blocks} residual blocks,
untrained) on {where}: positions evaluated per second at each batch size, 20 calls after a
warm-up. Torch takes its inputs from the CPU and returns its outputs there, as the native search
passes them; JAX keeps both on the device, as the JAX backend does.

| rows | torch positions/s | JAX positions/s |
| --- | ---: | ---: |
{chr(10).join(lines)}
"""
    if args.record:
        record(f"AlphaZero: network rate by batch size ({'CPU' if args.device == 'cpu' else 'GPU'})", body)


def versus_mcts(config: AlphaZeroConfig, weights: Path, games: int, simulations: int,
                mcts_simulations: int) -> dict[str, float]:
    wins = draws = 0
    started = time.perf_counter()
    for game in range(games):
        agent = AlphaZeroAgent(weights, simulations=simulations)
        mcts = MCTSAgent(config.game, simulations=mcts_simulations, seed=game)
        seats = [agent, mcts] if game % 2 == 0 else [mcts, agent]
        result = play_match(make(config.game, **config.game_options), seats, seed=game)
        wins += result.winner == result.agents[game % 2].name
        draws += result.winner is None
    return {"wins": wins, "draws": draws, "losses": games - wins - draws, "seconds": time.perf_counter() - started}


def run_report(args: argparse.Namespace) -> None:
    store = Store(args.store)
    config = store.config
    ratings = generation_ratings(store.matches())
    lines = []
    for match in store.matches():
        r = ratings[match.candidate]
        lines.append(f"| {match.candidate} | {store.network_step(match.candidate)} | {match.best} | "
                     f"+{match.wins} ={match.draws} -{match.losses} | {'yes' if match.promoted else 'no'} | "
                     f"{r.rating:+.0f} ({r.low:+.0f} to {r.high:+.0f}) |")
        print(lines[-1], flush=True)
    best = store.best_network_id()
    promoted = [0] + [m.candidate for m in store.matches() if m.promoted]
    reference = min(args.mcts_simulations)
    with tempfile.TemporaryDirectory() as folder:
        weights = Path(folder) / "network.pt"
        curve = []
        for network in promoted if args.curve_games else []:
            save_network(store.network(network), weights)
            r = versus_mcts(config, weights, args.curve_games, args.simulations, reference)
            curve.append(f"| {network} | {r['wins']} | {r['draws']} | {r['losses']} | "
                         f"{(r['wins'] + 0.5 * r['draws']) / args.curve_games:.0%} |")
            print(curve[-1], flush=True)
        save_network(store.network(best), weights)
        versus = {n: versus_mcts(config, weights, args.games, args.simulations, n) for n in args.mcts_simulations}
    results = []
    for n, r in versus.items():
        score = (r["wins"] + 0.5 * r["draws"]) / args.games
        results.append(f"| {n} | {r['wins']} | {r['draws']} | {r['losses']} | {score:.0%} | {r['seconds']:.0f} s |")
        print(results[-1], flush=True)
    first, last = store.span()
    defaults = AlphaZeroConfig(game=config.game)
    settings = " ".join(f"--setting {f.name}={getattr(config, f.name)}" for f in dataclasses.fields(config)
                        if getattr(config, f.name) != getattr(defaults, f.name))
    target = versus.get(TARGET_MCTS_SIMULATIONS)
    if target is None:
        verdict = "not measured"
    else:
        met = target["wins"] >= TARGET_WINS * args.games and args.games >= 100
        verdict = f"{target['wins']} wins in {args.games} games, {'met' if met else 'not met'}"
    stopped = f", stopped at network {store.latest_network_id()}" if store.latest_network_id() < config.generations else ""
    where = ("this machine's CPU (one torch thread, the CPU shared with other work)" if config.device == "cpu" else
             f"this machine ({device_name(config.device)} for the networks, {config.search_threads} search threads)")
    goal = "" if config.game != "othello" else f"""
Issue 10's target, wins in at least {TARGET_WINS:.0%} of 100 games against MCTSAgent at
{TARGET_MCTS_SIMULATIONS:,} simulations a move after at most two hours of training on this CPU: {verdict}."""
    body = f"""
A training run on {where} over
{(last - first) / 60:.0f} minutes{stopped}:

    arena train {config.game} --algo alphazero --store az.sqlite {settings}

{store.game_count():,} self-play games: {config.bootstrap_games:,} rollout-search bootstrap games at
{config.bootstrap_simulations} simulations a move, then games by the best network at {config.simulations}
simulations a move; a network of {config.channels} channels and {config.blocks} residual blocks; gating over
{config.gate_games} games at {config.gate_simulations} simulations a move, promotion at {config.gate_score:.0%}.

Gating matches and ratings (Elo from all gating games at once, network 0, the untrained one, at 0;
95% intervals):

| network | training steps | against | result | promoted | rating |
| --- | ---: | ---: | ---: | :---: | ---: |
{chr(10).join(lines)}

Every promoted network as `AlphaZeroAgent` at {args.simulations} simulations a move against the rollout
`MCTSAgent` at {reference}, {args.curve_games} games each (seats alternating, game i with seed i):

| network | wins | draws | losses | score |
| --- | ---: | ---: | ---: | ---: |
{chr(10).join(curve)}

Best network ({best}) as `AlphaZeroAgent` at {args.simulations} simulations a move against the rollout
`MCTSAgent`, {args.games} games per budget through `play_match`, seats alternating, game i with seed i:

| MCTSAgent simulations | AlphaZero wins | draws | losses | score | time |
| --- | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(results)}
{goal}
"""
    if args.record:
        record(f"AlphaZero: {config.game} training run", body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="bench", required=True)
    speed = sub.add_parser("throughput", help="self-play speed")
    speed.add_argument("--game", default="othello", choices=("othello", "gomoku"))
    defaults = AlphaZeroConfig()
    speed.add_argument("--games", type=int, default=128, help="games per measurement (default 128)")
    speed.add_argument("--simulations", type=int, default=defaults.simulations, help="simulations a move")
    speed.add_argument("--lockstep", type=int, default=defaults.lockstep_games, help="games in lockstep")
    speed.add_argument("--channels", type=int, default=defaults.channels, help="network width")
    speed.add_argument("--blocks", type=int, default=defaults.blocks, help="residual blocks")
    speed.add_argument("--device", default="cpu", help="where the network runs (default cpu)")
    speed.add_argument("--backend", default="native", choices=SELFPLAY_BACKENDS,
                       help="self-play backend (default native; jax: 8x8 Othello with pgx and mctx)")
    net = sub.add_parser("network", help="the bare network's positions/s by batch size")
    net.add_argument("--game", default="othello", choices=("othello", "gomoku"))
    net.add_argument("--channels", type=int, default=defaults.channels, help="network width")
    net.add_argument("--blocks", type=int, default=defaults.blocks, help="residual blocks")
    net.add_argument("--device", default="cpu", help="where the network runs (default cpu)")
    net.add_argument("--batches", type=int, nargs="+", default=[32, 128, 512, 2048],
                     help="batch sizes to time (default 32 128 512 2048)")
    strength = sub.add_parser("run", help="a training run's gating curve and its best network against MCTSAgent")
    strength.add_argument("--store", required=True, help="the run's SQLite store")
    strength.add_argument("--games", type=int, default=40, help="games against each MCTSAgent budget (default 40)")
    strength.add_argument("--simulations", type=int, default=200, help="AlphaZero simulations a move (default 200)")
    strength.add_argument("--curve-games", type=int, default=20,
                          help="games of each promoted network against the smallest MCTSAgent budget (default 20)")
    strength.add_argument("--mcts-simulations", type=int, nargs="+", default=[200, 2000],
                          help="MCTSAgent budgets to play (default 200 2000)")
    for p in (speed, net, strength):
        p.add_argument("--record", action="store_true", help="write the results into bench/RESULTS.md")
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    {"throughput": throughput, "network": network_report, "run": run_report}[args.bench](args)


if __name__ == "__main__":
    main()
