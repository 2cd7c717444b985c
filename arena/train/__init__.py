"""Training agents for arena's games with stable-baselines3: self-play leagues, checkpoints, evaluation, export.

Needs the `train` extra (`pip install -e ".[train]"`: torch, stable-baselines3, sb3-contrib, and
pyyaml, tensorboard, matplotlib). Importing this package is cheap; the heavy parts load on use.

## The fighting recipe (CPU, a few minutes on 2 cores)

On a 2-core machine shared with other jobs it takes about 2 to 3 minutes, warm start and evaluations
included. With the default seed the exported policy wins 98 of 100 matches against BrawlerAgent and
100 of 100 against RandomAgent; with seeds 1 to 4 it won 90 to 96 against BrawlerAgent and 97 to 99
against RandomAgent (bench/RESULTS.md, with the curve): train a few `--seed`s and keep the best.

    arena train fighting --run ppo_fighter
    arena export ppo_fighter --out submissions/ppo_fighter
    arena validate submissions/ppo_fighter
    python bench/train.py --run checkpoints/ppo_fighter --submission submissions/ppo_fighter --workers 2

What makes PPO beat BrawlerAgent fast on a CPU (the defaults of `TrainConfig`):
- **Controls** (`arena.train.controls`): the policy picks one of 25 key combinations (`COMBOS`)
  and holds it for 4 frames: a 90 s match is 675 decisions instead of 2,700 choices among 1,024
  key sets. Observations are divided by their documented ranges (no statistics to save).
- **Warm start** (`arena.train.imitation`): the policy first imitates BrawlerAgent playing through
  those controls (60,000 decisions, 10 epochs of minibatches of 256), as AlphaStar's league starts
  from supervised agents.
- **Shaped reward** (`recipe_rewards`, RewTerms): damage dealt and taken, knockouts, the win, a
  small pull toward the opponent on a shared ground and a small push back over the ground; each
  term is logged as `reward/<term>`.
- **A league** (`arena.train.league`): BrawlerAgent most of the time (weight 4), RandomAgent
  (3) and frozen snapshots of the learner by prioritized fictitious self-play (1).
- **Batched envs** (`arena.train.batched`): 256 games step together on the native engine in this
  process, the recipe's reward and the league's opponents computed for all of them at once
  (`arena.train.vector_agents`); a pool with Python-only opponents (submissions) plays its games
  in 2 worker processes instead (`arena.train.vec`; there, fewer games with longer rollouts, such
  as `n_envs: 8, n_steps: 256, batch_size: 256`, the previous recipe, run faster).
- **Big minibatches**: rollouts of 16 decisions in each game (4,096 in all), 3 epochs of
  minibatches of 1,024, learning rate 8e-4, 2,457,600 decisions (600 rollouts). The policy is a
  small MLP: a minibatch of 1,024 costs less a decision than one of 256, so PPO's learning
  phase keeps up with the batched games; the loop collects and learns more than ten times the
  frames a second of the previous recipe on worker processes (bench/RESULTS.md).

A run's folder `checkpoints/<run>/` holds `config.yaml`, `policy.json` (algorithm and controls),
`rl_model_<N>_steps.zip` and `league-rl_model_<N>_steps.json` (model; league state: pool, results, ratings,
evaluation; a snake run's `snake_<i>_<N>_steps.zip` per learner), for snake and relay runs
`resume-*_<N>_steps.pkl` (the rest of the training state: games in play, random generators),
`logs/` (TensorBoard and `progress.csv`) and, with `--plot`, `curves.png`. `--resume` goes on
from the newest checkpoint exactly as if never stopped, with the settings of the run's `config.yaml`
(those given again on top; the algorithm, network and controls stay the run's).

## Reading a run, top to bottom
Each line imports only from the lines below it (tests/test_train_structure.py keeps it so):

    cli                                  `arena train GAME`, `arena export RUN`
    fighting  snake  relay  selfplay  export
                                         one runner per kind of run: the league loop (`train_fighter`),
                                         snake's learners, the relay team, the competition's `train`,
                                         a checkpoint as a submission
    imitation  evaluation  logs          the warm start; matches and Elo during training; scalars,
                                         progress bar and curves
    batched                              the league's games batched on the native engine, in one process
    vector_agents                        opponents for many games at once: scripted fighters, snapshots
    league                               opponent pool, league env, env and opponent factories
    policy                               a saved policy as an Agent (snapshots, evaluations, submissions)
    controls  vec  config                what a fighting policy sees and does; envs in worker
                                         processes; hyper-parameters
    algorithms  checkpoints              SB3 classes by name; `SaveHandler`

## Other games
- `arena train snake`: N independent PPO learners, one per snake, on one `SnakeVecEnv` (`arena.train.snake`).
- `arena train relay`: an A2C team (or `--algo ppo`) on the CartPole relay, one shared policy (`arena.train.relay`).

## The competition's API
`train`, `SaveHandler`, `SaveHandlerMode`, `OpponentsCfg`, `SelfPlayRandom`, `SelfPlayLatest`,
`TrainLogging` (`arena.train.selfplay`, `arena.train.checkpoints`): a participant's training
script runs after changing its imports to

    from arena.envs.fighting import *   # the game, agents, RewardManager, RewTerm, CameraResolution
    from arena.train import *           # train, SaveHandler, OpponentsCfg, SelfPlayRandom, ...
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TrainConfig": "config", "load_config": "config",
    "Opponent": "league", "SelfPlay": "league", "OpponentPool": "league", "pfsp_weights": "league",
    "SaveHandler": "checkpoints", "SaveHandlerMode": "checkpoints",
    "train": "selfplay", "TrainLogging": "selfplay", "OpponentsCfg": "selfplay", "SelfPlayHandler": "selfplay",
    "SelfPlayRandom": "selfplay", "SelfPlayLatest": "selfplay", "SelfPlayPFSP": "selfplay",
    "Controls": "controls", "recipe_rewards": "controls",
    "PolicyAgent": "policy",
    "train_fighter": "fighting",
    "export_run": "export",
}
# The competition's reward names, next to its training names.
_REWARD_NAMES = ("RewardManager", "RewTerm")

__all__ = [*_EXPORTS, *_REWARD_NAMES]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"arena.train.{_EXPORTS[name]}"), name)
    if name in _REWARD_NAMES:
        from arena.envs import fighting

        return getattr(fighting, name)
    raise AttributeError(f"module 'arena.train' has no attribute {name!r}")
