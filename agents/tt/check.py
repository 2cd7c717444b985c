"""`arena tt check`: does a TTNN port decide as the torch policy does, on observations from the real game?

    report = check("submissions/tt_ppo_fighter")         # a submission folder or zip
    report = check("model.zip", env="fighting")          # a bare stable-baselines3 model
    print(report.summary())                              # report.passed: PCC 0.99 or more

1. Load. A bare model is loaded twice and one copy ported (`port_policy`). A submission's agent
   is built in this process (as `arena match --no-sandbox` does: check your own or trusted code)
   on the env's single-agent view with its manifest's [options], and its `model` must be a
   stable-baselines3 algorithm; the torch policy is loaded afresh from the agent's weights file. If
   the agent's policy already runs TT modules, arena's or hand-written ones, those are checked
   (under `backend="ttnn"`, a port of its own that fell back to the reference is refused: it would
   check no TTNN); otherwise arena ports a copy of it. A model arena trained, with the `policy.json`
   its training wrote beside it, is played by the agent arena's exports play it with (`PolicyAgent`).
2. Record. The agent plays the env (its single-agent view, RandomAgent in the other seats), seeded,
   until its policy has been asked `observations` times; what the policy is asked is kept, as the
   agent hands it over (through the controls of a fighting policy, say), with its LSTM state for
   recurrent policies. A bare model, or an agent that never asks its policy through
   `get_distribution` (as `predict` does), plays the env itself with sampled actions.
3. Compare. Both policies evaluate the whole batch: the action outputs (logits, or the means of
   continuous actions), the values, and the greedy actions, which decide matches. A Box action in
   [0, 1] is read as keys pressed above 0.5, as the fighting game reads them; another Box action
   agrees within 1% of its range.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from arena.agents.tt.backends import Backend, choose_backend
from arena.agents.tt.convert import port_policy
from arena.agents.tt.layers import PortedMLP, TTError
from arena.agents.tt.reference import ReferenceMLP
from arena.agents.tt.accuracy import PCC_THRESHOLD, Comparison, compare
from arena.errors import ArenaError
from arena.faults import describe_exception

BOX_TOLERANCE = 0.01  # of the action's range


@dataclass(frozen=True)
class CheckReport:
    """The outcome of `check`: how the port's outputs compare with torch's over the recorded observations."""

    source: str
    env: str
    backend: str
    ported: tuple[str, ...]
    observations: int
    action_label: str  # "action logits" or "action means"
    actions: Comparison
    values: Comparison
    agreement: float  # fraction of observations whose greedy actions agree

    @property
    def pcc(self) -> float:
        """The lowest PCC of the outputs it judges (those bfloat16 can follow; 1.0 if none)."""
        return min((c.pcc for c in (self.actions, self.values) if not c.flat), default=1.0)

    @property
    def passed(self) -> bool:
        return self.actions.passed and self.values.passed

    def summary(self) -> str:
        verdict = "ok" if self.passed else "FAIL"
        flat = [f"{label} vary less than bfloat16 can follow (judged by their error: {c.max_abs_error:.4g}, "
                f"at most {2 * c.gap:.4g})" for label, c in ((self.action_label, self.actions), ("values", self.values))
                if c.flat]
        return (f"{verdict}: {self.source} on {self.env}, {self.observations} observations: PCC {self.pcc:.5f} "
                f"(threshold {PCC_THRESHOLD}), " + "".join(f"{line}, " for line in flat)
                + f"greedy actions agree on {self.agreement:.1%}")


@dataclass
class _Subject:
    """The torch model, the policy to check against it, and where they play."""

    torch_model: Any
    policy: nn.Module
    env: str
    backend: str
    ported: tuple[str, ...]
    agent: Any = None  # what plays `torch_model` in matches, where there is one (`record_playing`)
    options: dict[str, Any] = field(default_factory=dict)  # the env's options it plays


def check(path: str | Path, env: str | None = None, observations: int = 1000, backend: str | Backend = "auto",
          seed: int = 0) -> CheckReport:
    """Compare a submission's (or SB3 model's) TTNN port with its torch policy; see the module docs."""
    if observations < 1:
        raise TTError(f"observations must be at least 1, got {observations}")
    subject = _load(Path(path), env, backend)
    gym_env = make_env(subject.env, subject.options)
    try:
        batch = None
        if subject.agent is not None:
            batch = record_playing(subject.agent, gym_env, observations, seed)
        if batch is None:
            _check_fits(str(path), subject.torch_model, gym_env, subject.env)
            batch = record(subject.torch_model, gym_env, observations, seed)
    finally:
        gym_env.close()
    expected = evaluate(subject.torch_model.policy, batch)
    actual = evaluate(subject.policy, batch)
    return CheckReport(
        source=str(path), env=subject.env, backend=subject.backend, ported=subject.ported, observations=observations,
        action_label=expected.label, actions=compare(expected.actions, actual.actions),
        values=compare(expected.values, actual.values),
        agreement=agreement(subject.torch_model.action_space, expected.greedy, actual.greedy),
    )


# --- loading ------------------------------------------------------------------------------------


def _load(path: Path, env: str | None, backend: str | Backend) -> _Subject:
    """A bare model or a submission's agent; a TTError naming `path` where it does not load."""
    try:
        return _load_model(path, env, backend) if _is_sb3_zip(path) else _load_agent(path, env, backend)
    except ArenaError:
        raise
    except Exception as exc:
        raise TTError(f"{path}: its model could not be loaded: {describe_exception(exc)}{_numpy_hint(exc)}") from exc


def _numpy_hint(exc: Exception) -> str:
    """What to do when a model pickled under numpy 2 meets numpy 1 (ttnn's wheels ask for numpy<2)."""
    if np.__version__.startswith("1.") and "numpy._core" in str(exc):
        return (f"; it was saved under numpy 2 and this Python has numpy {np.__version__}: "
                f'pip install "numpy>=2" after ttnn (README, TTNN ports) or check it where it was trained')
    return ""


def _is_sb3_zip(path: Path) -> bool:
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return {"data", "policy.pth"} <= set(archive.namelist())


def _algorithm_class(path: Path) -> type:
    """The algorithm that saved `path` (PPO for any ActorCriticPolicy, RecurrentPPO, MaskablePPO)."""
    from stable_baselines3 import PPO
    from stable_baselines3.common.save_util import load_from_zip_file

    data, _, _ = load_from_zip_file(path, load_data=True, device="cpu")
    policy_class = data.get("policy_class") if data else None
    if isinstance(policy_class, type):
        try:
            from sb3_contrib import MaskablePPO, RecurrentPPO
            from sb3_contrib.common.maskable.policies import MaskableActorCriticPolicy
            from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy
        except ImportError:
            return PPO
        if issubclass(policy_class, RecurrentActorCriticPolicy):
            return RecurrentPPO
        if issubclass(policy_class, MaskableActorCriticPolicy):
            return MaskablePPO
    return PPO


def _load_model(path: Path, env: str | None, backend: str | Backend) -> _Subject:
    from arena.train.policy import PolicyAgent, load_model, read_sidecar

    saved = read_sidecar(path)
    if saved:  # trained by arena: played through its controls, on the game and options it was trained on
        env_name = env or saved.get("env") or _guess_env(load_model(path))
        options = saved.get("env_options", {}) if env_name == saved.get("env") else {}
        agent = PolicyAgent(str(path))
        agent.get_env_info(make_env(env_name, options))
        return _port_a_copy(agent, path, env_name, options, backend)
    algorithm = _algorithm_class(path)
    torch_model = algorithm.load(path, device="cpu")
    ported_model = algorithm.load(path, device="cpu")
    port = port_policy(ported_model, _usable(backend))
    return _Subject(torch_model, ported_model.policy, env or _guess_env(torch_model), port.backend.description,
                    port.modules)


def _load_agent(path: Path, env: str | None, backend: str | Backend) -> _Subject:
    from arena.entrants import choose_env
    from arena.submission import instantiate, load

    spec = load(path)
    env_name = env or choose_env(None, [spec])  # any Gymnasium id may be named, not only arena's envs
    options = spec.manifest.options if env_name in spec.manifest.env else {}  # the game it is built for in matches
    agent = instantiate(spec)
    agent.get_env_info(make_env(env_name, options))
    return _port_a_copy(agent, path, env_name, options, backend)


def _port_a_copy(agent: Any, path: Path, env_name: str, options: dict[str, Any], backend: str | Backend) -> _Subject:
    """`agent`'s policy and arena's port of a copy of it, loaded afresh from its weights (the agent keeps its
    own, to play the recording); the agent's own port where its policy already runs TT modules."""
    from stable_baselines3.common.base_class import BaseAlgorithm

    model = getattr(agent, "model", None)
    if not isinstance(model, BaseAlgorithm):
        raise TTError(f"{path}: its agent has no stable-baselines3 model in self.model (found {type(model).__name__}); "
                      f"tt check compares an SB3 policy with its TTNN port")
    if not agent.file_path or not Path(agent.file_path).is_file():
        raise TTError(f"{path}: its agent loaded no weights file (file_path={agent.file_path!r}); name it in "
                      f"arena.toml (weights = \"model.zip\") so the torch policy can be loaded to compare with")

    def fresh() -> Any:
        # The agent's own policy kwargs: its extractor classes come from agent.py, which a pickle cannot name.
        return type(model).load(agent.file_path, device="cpu", custom_objects={"policy_kwargs": model.policy_kwargs})

    torch_model = fresh()
    if set(model.policy.state_dict()) == set(torch_model.policy.state_dict()):
        copy = fresh()  # the agent runs torch: check arena's port of it
        port = port_policy(copy, _usable(backend))
        return _Subject(torch_model, copy.policy, env_name, port.backend.description, port.modules, agent, options)
    if backend == "ttnn" and any(isinstance(m, ReferenceMLP) for m in model.policy.modules()):
        raise TTError(f"{path}: --backend ttnn, but its agent ports its policy itself, and that port runs the "
                      f"reference backend, not TTNN ({_why_not_ttnn()}); run the check where ttnn opens a device, "
                      f"or leave out --backend ttnn to check the reference port")
    return _Subject(torch_model, model.policy, env_name, _describe_own_port(model.policy),
                    tuple(name for name, m in model.policy.named_modules() if isinstance(m, PortedMLP)), agent, options)


def _usable(backend: str | Backend) -> str | Backend:
    """`backend`, once "ttnn" has found its device; a TTError saying why not and which backend runs here."""
    if backend == "ttnn":
        try:
            choose_backend("ttnn")
        except TTError as exc:
            raise TTError(f"{exc}: --backend ttnn runs the port on a Tenstorrent card only; --backend reference runs "
                          "it in torch on the CPU with TTNN's bfloat16 arithmetic (as auto, the default, does "
                          "without a card)") from None
    return backend


def _why_not_ttnn() -> str:
    """Why a port's "auto" backend fell back to the reference: the reason TTNN does not open here."""
    try:
        choose_backend("ttnn")
    except TTError as exc:
        return str(exc)
    return "its agent asked for the reference backend"


def _describe_own_port(policy: nn.Module) -> str:
    kinds = sorted({type(m).__name__ for m in policy.modules() if isinstance(m, PortedMLP)})
    return f"the agent's own port ({', '.join(kinds)})" if kinds else "the agent's own TT modules"


def make_env(name: str, options: dict[str, Any] | None = None):
    """The single-agent Gymnasium view of arena env `name` built with `options`, or any Gymnasium env by its id."""
    import gymnasium
    from arena.envs import entry, names

    if name in names():
        return gymnasium.make(entry(name).gym_id, **(options or {}))
    try:
        return gymnasium.make(name, **(options or {}))
    except gymnasium.error.Error as exc:
        raise TTError(f"unknown env {name!r} ({exc}): name an arena env ({', '.join(names())}) "
                      f"or a Gymnasium id") from None


def _check_fits(source: str, model: Any, env: Any, name: str) -> None:
    """A TTError where `model` cannot play `env` as it comes (a model trained through controls of its own)."""
    if model.observation_space != env.observation_space or model.action_space != env.action_space:
        raise TTError(f"{source} observes {_shown(model.observation_space)} and acts in {_shown(model.action_space)}, "
                      f"but {name}'s single-agent view gives {_shown(env.observation_space)} and takes "
                      f"{_shown(env.action_space)}: check the submission whose agent plays it, which turns one into "
                      f"the other")


def _shown(space: Any) -> str:
    """A space in a line: a Box by its shape and type, not its every bound."""
    from gymnasium import spaces

    return f"Box{space.shape} of {space.dtype}" if isinstance(space, spaces.Box) else str(space)


def _guess_env(model: Any) -> str:
    """The arena env whose single-agent view has the model's spaces."""
    from arena.envs import names

    matches = []
    for name in names():
        try:
            view = make_env(name)
        except Exception:  # noqa: BLE001, S112  (an env whose module is not available cannot match)
            continue
        if view.observation_space == model.observation_space and view.action_space == model.action_space:
            matches.append(name)
        view.close()
    if len(matches) != 1:
        found = f"{', '.join(matches)} all fit" if matches else "no arena env fits"
        raise TTError(f"which env does this model play? {found} its observation and action spaces; name it with --env")
    return matches[0]


# --- recording and comparing ---------------------------------------------------------------------


@dataclass
class Batch:
    """Observations recorded from a rollout, batched as SB3 takes them, with LSTM states for recurrent policies."""

    observations: Any  # an array [n, ...] or a dict of them
    lstm_states: tuple[np.ndarray, np.ndarray] | None  # (hidden, cell), each [layers, n, size]
    episode_starts: np.ndarray


def record(model: Any, env: Any, steps: int, seed: int) -> Batch:
    """`steps` observations from `model` playing `env` with sampled actions, reset at every episode's end."""
    torch.manual_seed(seed)
    env.action_space.seed(seed)
    observation, _ = env.reset(seed=seed)
    recurrent = hasattr(model.policy, "lstm_hidden_state_shape")
    state = _zero_state(model.policy) if recurrent else None
    seen, states, starts = [], [], []
    start = True
    for _ in range(steps):
        seen.append(observation)
        starts.append(start)
        if recurrent:
            states.append(tuple(np.zeros_like(s) if start else s for s in state))
        action, state = model.predict(observation, state=state, episode_start=np.array([start]), deterministic=False)
        observation, _, terminated, truncated, _ = env.step(action)
        start = bool(terminated or truncated)
        if start:
            observation, _ = env.reset()
    lstm = tuple(np.concatenate([s[i] for s in states], axis=1) for i in range(2)) if recurrent else None
    return Batch(_stack(seen), lstm, np.array(starts, dtype=np.float32))


MOVES_A_DECISION = 64  # env steps an agent may take per question to its policy before the recording gives up


def record_playing(agent: Any, env: Any, steps: int, seed: int) -> Batch | None:
    """`steps` inputs of the agent's policy (`agent.model.policy`) as `agent` plays `env`, caught as it hands them
    to the policy's `get_distribution` (what `predict` asks too), with the LSTM states of recurrent policies; None
    where it never asked so."""
    policy = agent.model.policy
    asked: list[tuple[Any, tuple | None, Any]] = []  # (observations, LSTM states, episode starts), batched
    ask = policy.get_distribution

    def caught(observations: Any, *recurrent: Any) -> Any:
        states = tuple(s.detach().cpu().numpy() for s in recurrent[0]) if recurrent else None
        starts = recurrent[1].detach().cpu().numpy().reshape(-1) if recurrent else None
        asked.append((_as_numpy(observations), states, starts))
        return ask(observations, *recurrent)

    policy.get_distribution = caught  # an attribute of this one module, taken away after
    try:
        torch.manual_seed(seed)
        env.action_space.seed(seed)
        observation, _ = env.reset(seed=seed)
        agent.reset()
        for _ in range(steps * MOVES_A_DECISION):
            if sum(_rows(o) for o, _, _ in asked) >= steps:
                break
            observation, _, terminated, truncated, _ = env.step(agent.predict(observation))
            if terminated or truncated:
                observation, _ = env.reset()
                agent.reset()
    finally:
        del policy.get_distribution
    if not asked:
        return None
    observations = _concatenate([o for o, _, _ in asked], steps)
    if asked[0][1] is None:
        return Batch(observations, None, np.zeros(steps, dtype=np.float32))
    lstm = tuple(np.concatenate([s[i] for _, s, _ in asked], axis=1)[:, :steps] for i in range(2))
    starts = np.concatenate([t for _, _, t in asked])[:steps].astype(np.float32)
    return Batch(observations, lstm, starts)


def _as_numpy(observations: Any) -> Any:
    if isinstance(observations, dict):
        return {key: np.asarray(value.detach().cpu()) for key, value in observations.items()}
    return np.asarray(observations.detach().cpu())


def _rows(observations: Any) -> int:
    return len(next(iter(observations.values())) if isinstance(observations, dict) else observations)


def _concatenate(batches: list[Any], steps: int) -> Any:
    if isinstance(batches[0], dict):
        return {key: np.concatenate([b[key] for b in batches])[:steps] for key in batches[0]}
    return np.concatenate(batches)[:steps]


def _zero_state(policy: Any) -> tuple[np.ndarray, np.ndarray]:
    zeros = np.zeros(policy.lstm_hidden_state_shape, dtype=np.float32)
    return zeros, zeros


def _stack(observations: list[Any]) -> Any:
    if isinstance(observations[0], dict):
        return {key: np.stack([o[key] for o in observations]) for key in observations[0]}
    return np.stack(observations)


@dataclass
class Outputs:
    """What a policy makes of a batch: action outputs, values and greedy actions."""

    label: str
    actions: torch.Tensor
    values: torch.Tensor
    greedy: np.ndarray


def evaluate(policy: Any, batch: Batch) -> Outputs:
    """`policy`'s outputs for every observation of `batch` (recurrent policies: from the recorded LSTM states;
    their values from a fresh state, as at an episode's first step)."""
    observations, _ = policy.obs_to_tensor(batch.observations)
    with torch.no_grad():
        if batch.lstm_states is None:
            distribution = policy.get_distribution(observations)
            values = policy.predict_values(observations)
        else:
            states = tuple(torch.as_tensor(s, dtype=torch.float32) for s in batch.lstm_states)
            distribution, _ = policy.get_distribution(observations, states, torch.as_tensor(batch.episode_starts))
            fresh = tuple(torch.zeros_like(s) for s in states)
            values = policy.predict_values(observations, fresh, torch.ones(len(batch.episode_starts)))
        label, actions = _action_outputs(distribution)
        greedy = distribution.get_actions(deterministic=True).cpu().numpy()
    return Outputs(label, actions, values.reshape(-1), greedy)


def _action_outputs(distribution: Any) -> tuple[str, torch.Tensor]:
    inner = distribution.distribution
    if isinstance(inner, list):  # MultiDiscrete: one categorical per dimension
        return "action logits", torch.cat([d.logits for d in inner], dim=1)
    if isinstance(inner, torch.distributions.Normal):
        return "action means", inner.mean
    return "action logits", inner.logits


def agreement(space: Any, expected: np.ndarray, actual: np.ndarray) -> float:
    """The fraction of rows of greedy actions on which `actual` decides as `expected` (see the module docs)."""
    from gymnasium import spaces

    a = expected.reshape(len(expected), -1)
    b = actual.reshape(len(actual), -1)
    if isinstance(space, spaces.Box):
        low, high = space.low.reshape(-1), space.high.reshape(-1)
        a, b = np.clip(a, low, high), np.clip(b, low, high)
        if np.all(low == 0) and np.all(high == 1):
            same = (a > 0.5) == (b > 0.5)
        else:
            span = np.where(np.isfinite(high - low), high - low, 1.0)
            same = np.abs(a - b) <= BOX_TOLERANCE * span
    else:
        same = a == b
    return float(same.all(axis=1).mean())
