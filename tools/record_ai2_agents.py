"""Record what the AI² competition's scripted agents press, for arena's agent tests.

Run it where the competition's repository is importable (its root on the path, with its
requirements installed), e.g.:

    cd UTMIST-AI2 && python /path/to/arena/tools/record_ai2_agents.py \
        --out /path/to/arena/tests/fixtures/ai2/based_agent.npz

It plays the competition's game with its own `BasedAgent` against a few opponents and keeps,
for each match, every observation the BasedAgent was given and the keys it pressed (one fresh
agent per match: its decisions depend on how many frames it has played). The competition's
game draws its start sides and weapons from the global random generator: `--seed` seeds it.
`tests/test_fighting_agents.py` replays the observations through arena's `BasedAgent` and
expects the same keys, frame by frame.

The file (numpy `.npz`) holds `observations` (frames x 64, float32), `actions` (frames x 10,
uint8: 1 = pressed), `opponent_actions` (the opponent's keys, the same way: the ClockworkAgent's
and ConstantAgent's are checked too), `match` (frames: the match index of each frame) and
`opponents` (each match's opponent and the BasedAgent's seat).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

import numpy as np

# (opponent, the BasedAgent's seat, frames): opponents it walks up to, chases, and mirrors.
MATCHES = (("ConstantAgent", 0, 900), ("RandomAgent", 1, 900), ("BasedAgent", 0, 900), ("ClockworkAgent", 1, 600))


def play(agent_module, opponent_name: str, seat: int, frames: int, seed: int) -> tuple[list, list, list]:
    """One match of the competition's game: the BasedAgent's observations and keys, the opponent's keys."""
    env = agent_module.WarehouseBrawl(train_mode=True)
    env.max_timesteps = frames
    observations, _ = env.reset()
    env.action_space.seed(seed)  # what RandomAgent samples from
    based = agent_module.BasedAgent()
    opponent = getattr(agent_module, opponent_name)()
    seats = {seat: based, 1 - seat: opponent}
    for agent in seats.values():
        agent.get_env_info(env)
    seen, pressed, opponent_pressed = [], [], []
    for _ in range(frames):
        actions = {}
        for index, agent in seats.items():
            actions[index] = agent.predict(observations[index])
        seen.append(np.asarray(observations[seat], np.float32))
        pressed.append(np.asarray(actions[seat]) > 0.5)
        opponent_pressed.append(np.asarray(actions[1 - seat]) > 0.5)
        observations, _, terminated, truncated, _ = env.step(actions)
        if terminated or truncated:
            break
    env.close()
    return seen, pressed, opponent_pressed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("based_agent.npz"), help="the .npz file to write")
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the competition repository's root")
    parser.add_argument("--seed", type=int, default=0, help="seed of the global random generators")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.chdir(args.root)  # the competition loads its assets by relative path
    sys.path.insert(0, str(args.root.resolve()))
    random.seed(args.seed)
    np.random.seed(args.seed)
    import environment.agent as agent_module

    observations, actions, opponent_actions, match, opponents = [], [], [], [], []
    for index, (opponent, seat, frames) in enumerate(MATCHES):
        seen, pressed, opponent_pressed = play(agent_module, opponent, seat, frames, args.seed + index)
        observations += seen
        actions += pressed
        opponent_actions += opponent_pressed
        match += [index] * len(seen)
        opponents.append(f"{opponent} seat={seat}")
        print(f"match {index}: BasedAgent in seat {seat} against {opponent}, {len(seen)} frames")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, observations=np.array(observations, np.float32), actions=np.array(actions, np.uint8),
                        opponent_actions=np.array(opponent_actions, np.uint8),
                        match=np.array(match, np.int16), opponents=np.array(opponents))
    print(f"{out}: {len(observations)} frames")


if __name__ == "__main__":
    main()
