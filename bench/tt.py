"""TTNN ports: per-observation latency of a policy in torch and through its port.

    python bench/tt.py            # print the numbers
    python bench/tt.py --record   # also write them into bench/RESULTS.md

The policy is the example submission's (submissions/tt_ppo_fighter: a 64 -> 64 -> 64 ReLU
features extractor, 32-wide actor and critic layers, 10 action means), or one of that shape
when its model.zip is missing. Timed: `model.predict(obs, deterministic=True)` on one fighting-game
observation, what an agent does every frame, then the policy's actor on a batch of 1,000
observations, per observation. The reference port is torch emulating bfloat16 on the CPU; the
ttnn row appears when a Tenstorrent device answers.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import gymnasium
import numpy as np
import torch
from stable_baselines3 import PPO

import arena.envs  # noqa: F401  (registers arena/Fighting-v0)
from arena.agents.tt import choose_backend, port_policy
from arena.agents.tt.backends import ReferenceFallback
from results import command_line, record

EXAMPLE = Path(__file__).resolve().parents[1] / "submissions" / "tt_ppo_fighter"


def load_model():
    """The example submission's PPO (freshly initialised with its shape if model.zip is missing)."""
    sys.path.insert(0, str(EXAMPLE))
    from agent import POLICY_KWARGS

    weights = EXAMPLE / "model.zip"
    if weights.is_file():
        return PPO.load(weights, device="cpu", custom_objects={"policy_kwargs": POLICY_KWARGS}), "trained model.zip"
    env = gymnasium.make("arena/Fighting-v0")
    return PPO("MlpPolicy", env, policy_kwargs=POLICY_KWARGS, device="cpu", seed=0), "untrained, same shape"


def observations(count: int) -> np.ndarray:
    env = gymnasium.make("arena/Fighting-v0")
    obs, _ = env.reset(seed=0)
    seen = []
    for _ in range(count):
        seen.append(obs)
        obs, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            obs, _ = env.reset()
    return np.stack(seen)


def predict_times(model, batch: np.ndarray, calls: int) -> list[float]:
    """Seconds per `model.predict` of one observation, `calls` times over the batch."""
    times = []
    for i in range(calls):
        obs = batch[i % len(batch)]
        started = time.perf_counter()
        model.predict(obs, deterministic=True)
        times.append(time.perf_counter() - started)
    return times


def batched_time(model, batch: np.ndarray, repeats: int) -> float:
    """Seconds per observation for the actor on the whole batch at once (best of `repeats`)."""
    tensor = torch.as_tensor(batch)
    best = float("inf")
    with torch.no_grad():
        for _ in range(repeats):
            started = time.perf_counter()
            model.policy.get_distribution(tensor).get_actions(deterministic=True)
            best = min(best, time.perf_counter() - started)
    return best / len(batch)


def main() -> None:
    parser = command_line(__doc__)
    parser.add_argument("--calls", type=int, default=5000, help="predict() calls to time per row (default: 5000)")
    args = parser.parse_args()
    torch.set_num_threads(1)

    batch = observations(1000)
    backends = ["reference"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReferenceFallback)
        if choose_backend("auto").name == "ttnn":
            backends.append("ttnn")
    rows = []
    for name in ["torch", *backends]:
        model, what = load_model()
        if name != "torch":
            port_policy(model, name)
        predict_times(model, batch, 200)  # warm up
        times = sorted(predict_times(model, batch, args.calls))
        rows.append((name, statistics.median(times), times[int(0.9 * len(times))], times[int(0.99 * len(times))],
                     batched_time(model, batch, 20)))

    lines = [f"Policy: submissions/tt_ppo_fighter ({what}); one thread.", "",
             "| model | predict() median | p90 | p99 | actor on 1,000 observations, per observation |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, median, p90, p99, batched in rows:
        label = {"torch": "torch (float32)", "reference": "reference port (bfloat16 emulated)",
                 "ttnn": "ttnn port (device)"}[name]
        lines.append(f"| {label} | {median * 1e6:.0f} µs | {p90 * 1e6:.0f} µs | {p99 * 1e6:.0f} µs "
                     f"| {batched * 1e6:.2f} µs |")
    load = os.getloadavg()[0]
    lines += ["", (f"Load average of the machine during the run: {load:.1f} (other jobs share its cores: "
                   "they widen p90 and p99 more than the medians).")]
    if "ttnn" not in backends:
        lines += ["", ("No Tenstorrent device on this machine: the ttnn row is measured where one is present "
                       "(same command).")]
    body = "\n".join(lines)
    print(body)
    if args.record:
        record("TTNN ports: per-observation latency", body)


if __name__ == "__main__":
    main()
