"""A trained policy as an `Agent`: what snapshots, evaluations and exported submissions play.

    agent = PolicyAgent("checkpoints/my_run/rl_model_1000000_steps.zip")

It loads the SB3 zip with the algorithm (PPO, A2C or RecurrentPPO) named in the `policy.json`
the training loop writes beside it. A fighting policy also has its `Controls` there: it decides
every `controls.repeat` frames and holds its keys in between; other games' policies act on the
observation as it comes. `sample=True` draws actions from the
policy's distribution with a generator seeded from the match seed, so games stay reproducible
(`policy.json` may also say `"sample": true`, as exported submissions do).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from gymnasium import spaces

from arena.agents import Agent
from arena.outputs import write_whole

if TYPE_CHECKING:
    from arena.train.controls import Controls

SIDECAR = "policy.json"


class PolicyAgent(Agent):
    """Plays a saved SB3 policy through its `Controls`."""

    def __init__(self, file_path: str | None = None, controls: Controls | None = None, sample: bool | None = None):
        super().__init__(file_path)
        saved = read_sidecar(self.file_path)
        if controls is None and "controls" in saved:
            from arena.train.controls import Controls  # only fighting policies have controls

            controls = Controls(**saved["controls"])
        self.controls = controls
        self.sample = bool(saved.get("sample", False)) if sample is None else sample
        self.model: Any = None
        self.rng = np.random.default_rng(0)
        self.reset()

    def _initialize(self) -> None:
        if self.model is None:
            self.model = load_model(self.file_path)
        self.rng = np.random.default_rng(getattr(self.env, "seed", None))

    def reset(self) -> None:
        self.frame = 0
        self.keys: np.ndarray | None = None
        self.lstm_state: Any = None

    def predict(self, obs: Any) -> Any:
        if self.controls is None:
            return self._decide(obs)
        if self.frame % self.controls.repeat == 0:
            self.keys = self.controls.keys(self._decide(self.controls.observe(obs)))
        self.frame += 1
        return self.keys

    def _decide(self, obs: np.ndarray) -> Any:
        import torch

        if hasattr(self.model.policy, "lstm_actor"):  # RecurrentPPO: carry the LSTM state
            starts = np.array([self.lstm_state is None])
            action, self.lstm_state = self.model.predict(obs, state=self.lstm_state, episode_start=starts,
                                                         deterministic=not self.sample)
            return action
        with torch.no_grad():
            distribution = self.model.policy.get_distribution(torch.as_tensor(obs[None]))
        discrete = isinstance(self.model.action_space, spaces.Discrete)
        if not self.sample:
            action = distribution.mode()[0].numpy()
            return int(action) if discrete else action
        probabilities = distribution.distribution.probs[0].numpy().astype(np.float64)
        if discrete:  # one categorical choice
            return int(self.rng.choice(len(probabilities), p=probabilities / probabilities.sum()))
        return (self.rng.random(probabilities.shape) < probabilities).astype(np.int8)  # independent keys


def load_model(path: str | Path) -> Any:
    """The SB3 model in a zip, on the CPU, by the algorithm named in the `policy.json` beside it (PPO if none)."""
    import random

    import torch

    from arena.train.algorithms import algorithm_class

    # SB3 reseeds the global generators from the saved seed when it loads a model; a snapshot
    # loaded in the learner's process must not change the learner's random stream.
    python_state, numpy_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        model = algorithm_class(read_sidecar(path).get("algo", "ppo")).load(path, device="cpu")
    random.setstate(python_state)
    np.random.set_state(numpy_state)
    return model


def read_sidecar(path: str | Path | None) -> dict[str, Any]:
    """What was written beside a model: `{"algo": ..., "controls": {...}, "sample": ...}` (empty if nothing)."""
    if path is None:
        return {}
    saved = Path(path).with_name(SIDECAR)
    return json.loads(saved.read_text()) if saved.is_file() else {}


def write_sidecar(run_dir: Path, sidecar: dict[str, Any]) -> None:
    """Write a run's `policy.json`, whole or not at all: a resumed run writes it again."""
    write_whole(run_dir / SIDECAR, json.dumps(sidecar).encode(), f"the run's {SIDECAR}")
