"""`arena train` and `arena export`: added to the `arena` command by `add_train_commands(subparsers)`.

    arena train fighting --run my_run --plot                     # the league recipe (PPO)
    arena train fighting --config my_recipe.yaml --resume          # go on from the newest checkpoint
    arena train snake --run snakes                                 # N PPO learners on one SnakeVecEnv
    arena train relay --run relay                                  # an A2C team on the CartPole relay
    arena train relay --run relay --resume                         # go on from a stopped run, exactly
    arena export my_run --out submissions/my_agent
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from arena import arguments
from arena.alphazero import cli as alphazero
from arena.errors import ArenaError

GAMES = ("fighting", "snake", "relay", "othello", "gomoku")
BOARD_GAMES = ("othello", "gomoku")  # trained by AlphaZero

EPILOG = """\
examples:
  arena train fighting --run ppo_fighter --plot
  arena train fighting --algo recurrent_ppo --run lstm --config recipe.yaml
  arena train fighting --run ppo_fighter --resume
  arena train snake --run snakes
  arena train snake --run snakes --resume
  arena train relay --run relay
  arena train othello --algo alphazero --generations 30
  tensorboard --logdir checkpoints/ppo_fighter/logs

A YAML config sets any field of the game's config dataclass (arena.train.TrainConfig for the
fighting game); flags given on the command line win over it.
"""


def add_train_commands(subparsers: Any) -> None:
    """Add `train` and `export` to the `arena` command's subparsers."""
    train = subparsers.add_parser(
        "train", help="train an agent: stable-baselines3 with a self-play league, or AlphaZero for othello and gomoku",
        description="Train an agent for a game: the fighting game's self-play league (PPO, recurrent PPO or A2C "
        "against scripted agents, submissions and snapshots of itself), snake's independent PPO learners, or "
        "the CartPole relay's A2C (or PPO) team, or AlphaZero for othello and gomoku. Checkpoints (every save_freq "
        "policy steps, and one where Ctrl-C or SIGTERM stops the run, at the end of the rollout under way), "
        "TensorBoard logs and curves go to SAVE_PATH/RUN/; --resume goes on from the newest.",
        epilog=EPILOG, formatter_class=arguments.ParagraphsHelpFormatter)
    train.add_argument("game", choices=GAMES, help="the game to train for")
    train.add_argument("--config", metavar="YAML", help="settings file (fields of the game's config)")
    # The defaults shown are the games' configs' (tests check them), whose modules load torch: not for --help.
    train.add_argument("--run", dest="run_name", metavar="NAME",
                       help="run name: the checkpoint folder's name (default: fighting_ppo, snake_ppo, relay, "
                            "alphazero_othello or alphazero_gomoku)")
    train.add_argument("--algo", choices=("ppo", "recurrent_ppo", "a2c", "alphazero"),
                       help="algorithm (fighting: ppo (default), recurrent_ppo or a2c; relay: a2c (default) or ppo; "
                       "othello, gomoku: alphazero)")
    train.add_argument("--timesteps", type=arguments.steps,
                       help="policy steps to train for, e.g. 4e6; rounded up to whole rollouts "
                            "(n_steps x n_envs), which the run says when it starts (default: fighting 2457600, "
                            "snake 409600 a learner, relay 400000 with a2c and 153600 with ppo)")
    train.add_argument("--seed", type=arguments.seed, help="seed (default: 0); equal seeds give equal runs")
    train.add_argument("--n-envs", type=arguments.positive_int,
                       help="parallel envs (fighting: games played at once; default: fighting 256, snake 64, relay 8)")
    train.add_argument("--save-path", help="folder of the runs (default: checkpoints)")
    train.add_argument("--resume", action="store_true",
                       help="go on from the run's newest checkpoint, with the settings it was started with except "
                            "those given here (not another algorithm or network); a snake or relay run goes on exactly "
                            "as it would have without stopping")
    train.add_argument("--overwrite", action="store_true",
                       help="start the run afresh, deleting its folder, where one of that name exists already "
                            "(without it, such a run is refused: nothing is deleted unasked)")
    train.add_argument("--plot", action="store_true", default=None, help="write PNG curves into the run's folder")
    alphazero.add_arguments(train)
    train.set_defaults(run=_run_train)

    export = subparsers.add_parser(
        "export", help="write a trained run as a submission folder",
        description="Write a run's newest checkpoint (or the one at --steps) as a submission folder: "
        "agent.py with SubmittedAgent, model.zip, policy.json and arena.toml, whose [options] state the game the "
        "run trained on (snake's num_snakes and frame_stack, the relay's num_players, ...). It plays offline; "
        "check it with arena validate.",
        epilog="examples:\n"
        "  arena export ppo_fighter --out submissions/my_fighter\n"
        "  arena export snakes --prefix snake_0 --out submissions/my_snake\n"
        "  arena export relay --sample --out submissions/my_relay",
        formatter_class=arguments.ParagraphsHelpFormatter)
    export.add_argument("run_name", metavar="RUN", help="the run's name")
    export.add_argument("--out", required=True, help="the submission folder to write")
    export.add_argument("--save-path", default="checkpoints", help="folder of the runs (default: checkpoints)")
    export.add_argument("--steps", type=int, help="the checkpoint's policy steps (default: the newest)")
    export.add_argument("--prefix", default="rl_model",
                        help="the checkpoints' name prefix (default: rl_model; a snake run's learner i: snake_i)")
    played = export.add_mutually_exclusive_group()
    played.add_argument("--deterministic", action="store_true",
                        help="play the policy's most likely action (default for snake and relay runs, as their "
                             "evaluations play it)")
    played.add_argument("--sample", action="store_true",
                        help="draw actions from the policy's distribution (default for fighting runs, as their "
                             "league plays it)")
    export.set_defaults(run=_run_export)


def _run_train(args: argparse.Namespace) -> int:
    algo = args.algo or ("alphazero" if args.game in BOARD_GAMES else "ppo")
    if (algo == "alphazero") != (args.game in BOARD_GAMES):
        raise ArenaError(f"arena train {args.game} --algo {args.algo}: othello and gomoku train with --algo alphazero, "
                         "the other games with ppo, recurrent_ppo or a2c")
    _refuse_the_other_kinds_options(args)
    if args.game in BOARD_GAMES:
        if args.overwrite:
            raise ArenaError(f"arena train {args.game}: an AlphaZero run goes on from its store (--store); "
                             "delete that file, or give another --run, to start afresh")
        return alphazero.run(args)
    overrides = {"run": args.run_name, "algo": args.algo, "seed": args.seed, "n_envs": args.n_envs,
                 "save_path": args.save_path, "plot": args.plot,
                 "timesteps": args.timesteps}
    from arena import run_locks
    from arena.outputs import output_folder
    from arena.train.checkpoints import kept_by, make_way_for_run
    from arena.train.config import load_config, resumed_config

    if args.resume and args.overwrite:
        raise ArenaError("arena train: --resume goes on from a run, --overwrite deletes it: give one of them")
    if args.game == "fighting":
        from arena.train.config import TrainConfig as Config
        from arena.train.fighting import train_fighter as train
    elif args.game == "snake":
        from arena.train.snake import SnakeConfig as Config
        from arena.train.snake import train_snakes as train

        if args.algo not in (None, "ppo"):
            raise ArenaError(f"arena train snake --algo {args.algo}: snakes train with ppo only (on the batched "
                             "snake engine); drop --algo")
        overrides["algo"] = None
    else:
        from arena.train.relay import RelayConfig as Config
        from arena.train.relay import train_relay as train
    config = load_config(args.config, Config, **overrides)
    if args.resume:  # the run's own settings, with those given now on top
        config = resumed_config(config, args.config, overrides)
    output_folder(config.save_path, f"--save-path {config.save_path}", "give --save-path another folder")
    run_dir = Path(config.save_path) / config.run
    with run_locks.held(run_dir.with_name(f".{run_dir.name}.lock"), str(run_dir)):  # before anything is cleared
        if not args.resume and (cleared := make_way_for_run(run_dir, args.overwrite)) is not None:
            print(cleared)
        try:
            run_dir = train(config, resume=True) if args.resume else train(config)
        except KeyboardInterrupt:
            print(kept_by(run_dir), file=sys.stderr)
            raise
    print(f"run saved in {run_dir}")
    return 0


def _refuse_the_other_kinds_options(args: argparse.Namespace) -> None:
    """ArenaError naming the options given that only the other kind of training (stable-baselines3 or AlphaZero)
    takes: the run would go on without them, on its defaults, without a word."""
    if args.game in BOARD_GAMES:
        given = [flag for flag, dest in (("--timesteps", "timesteps"), ("--n-envs", "n_envs"), ("--plot", "plot"))
                 if getattr(args, dest) is not None]
        budget = "; an AlphaZero run's budget is --generations, --games-per-generation and --simulations"
        kind = "for the stable-baselines3 games (fighting, snake, relay)" + (budget if given != ["--plot"] else "")
    else:
        defaults = {"store": None, "role": "all", "export": None, "setting": [], **dict.fromkeys(alphazero.FLAGS)}
        given = ["--" + dest.replace("_", "-") for dest, default in defaults.items() if getattr(args, dest) != default]
        kind = "AlphaZero's (othello, gomoku); drop them" if len(given) > 1 else "AlphaZero's (othello, gomoku); drop it"
    if given:
        verb = "is" if len(given) == 1 else "are"
        raise ArenaError(f"arena train {args.game}: {', '.join(given[:-1]) + ' and ' if len(given) > 1 else ''}"
                         f"{given[-1]} {verb} {kind}")


def _run_export(args: argparse.Namespace) -> int:
    from arena.train.export import export_run

    out = export_run(args.run_name, args.out, save_path=args.save_path, steps=args.steps,
                     sample=True if args.sample else False if args.deterministic else None, prefix=args.prefix)
    print(f"wrote {out}; check it with: arena validate {out}")
    return 0
