"""Opponents for many fighting games at once: the scripted fighters and frozen policies, vectorised.

    agent = vector_agent(Opponent(1.0, BrawlerAgent), games=64)   # None if it cannot be vectorised
    agent.reset(games, seeds)       # new matches in these games (their episode seeds)
    keys = agent.act(games, obs)    # (k, 10) keys from the (k, 64) raw observations of its seat

Each class plays exactly as one agent per game would (`arena.agents.fighting`: `ConstantAgent`,
`RandomAgent`, `BasedAgent`, `BrawlerAgent`, `ClockworkAgent`; `arena.train.policy.PolicyAgent`
for snapshots), key for key, with the same random streams (a match's seat-view seeds), so a
batched training env meets the same opponents as the per-game one. The per-game state (frame
counters, generators, held keys) is kept in arrays indexed by game; `act` computes the keys of all
the games it is given with a few numpy operations (a snapshot: one forward pass of its policy).
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

import numpy as np

from arena.envs.fighting import rules as R
from arena.envs.seat import seat_seed
from arena.seeding import derive_seed

KEYS = len(R.KEY_NAMES)
W, A, S, D, SPACE, H, L, J, K, G = range(KEYS)
# The observation's columns (arena.envs.fighting.observation): the agent's own values, then the opponent's.
X, Y, VX, VY, GROUNDED, JUMPS_LEFT, RECOVERIES_LEFT, DAMAGE, WEAPON = 0, 1, 2, 3, 5, 7, 9, 12, 15
SPAWNERS = (16, 19, 22, 25)
OPPONENT = 32  # add to a column for the opponent's
OPPONENT_SEAT = 1  # where the opponents sit in training games: their seat-view seeds are this seat's
STATE = 8
# The grounds as arena.agents.fighting.ground_under reads them: centre x, top y; all share a half width.
GROUND_X = np.array([x for x, _ in R.GROUNDS], np.float32)
GROUND_TOP = np.array([top for _, top in R.GROUNDS], np.float32)


def ground_index(x: np.ndarray, slack: float = 0.0) -> np.ndarray:
    """`ground_under(x, slack)` for many x at once: the ground's index in `R.GROUNDS`, -1 for none."""
    found = np.full(x.shape, -1, np.int64)
    reach = R.GROUND_HALF_WIDTH + slack
    for index in reversed(range(len(R.GROUNDS))):  # the first ground that spans x wins
        np.copyto(found, index, where=np.abs(x - R.GROUNDS[index][0]) <= reach)
    return found


class VectorAgent:
    """One opponent playing the second seat of many games; state arrays are indexed by game."""

    def __init__(self, games: int):
        self.games = games

    def reset(self, games: np.ndarray, seeds: list[int]) -> None:
        """New matches in `games`, with their episode seeds (what the agent's seat view is seeded from)."""

    def act(self, games: np.ndarray, obs: np.ndarray) -> np.ndarray:
        """Keys (k, 10) for `games` from their raw observations (k, 64) of this frame."""
        raise NotImplementedError


class VectorConstant(VectorAgent):
    """`ConstantAgent`: nothing pressed."""

    def act(self, games: np.ndarray, obs: np.ndarray) -> np.ndarray:
        return np.zeros((len(games), KEYS), np.float32)


class VectorRandom(VectorAgent):
    """`RandomAgent`: keys drawn uniformly from the seat's action space, seeded as the harness seeds it. Each game's
    generator fills `AHEAD` frames of keys at a time: the same numbers, in the same order, as a draw a frame."""

    AHEAD = 64

    def __init__(self, games: int):
        super().__init__(games)
        self.rngs = [np.random.default_rng() for _ in range(games)]
        self.drawn = np.zeros((games, self.AHEAD, KEYS), np.float32)
        self.used = np.full(games, self.AHEAD, np.int64)  # frames of `drawn` played

    def reset(self, games: np.ndarray, seeds: list[int]) -> None:
        for game, seed in zip(games, seeds):
            self.rngs[game] = np.random.default_rng(derive_seed(seat_seed(seed, OPPONENT_SEAT), 1))  # its action space
        self.used[games] = self.AHEAD

    def act(self, games: np.ndarray, obs: np.ndarray) -> np.ndarray:
        spent = games[self.used[games] == self.AHEAD]
        for game in spent:
            self.drawn[game] = self.rngs[game].random((self.AHEAD, KEYS))
        self.used[spent] = 0
        keys = self.drawn[games, self.used[games]]
        self.used[games] += 1
        return keys


class VectorClockwork(VectorAgent):
    """`ClockworkAgent` with its default script: the key sheet played frame by frame, its last keys held."""

    def __init__(self, games: int):
        from arena.agents.fighting import ClockworkAgent

        super().__init__(games)
        rows = [_press(keys) for frames, keys in ClockworkAgent.DEFAULT_SHEET for _ in range(frames)]
        self.sheet = np.array(rows, np.float32)
        self.steps = np.zeros(games, np.int64)

    def reset(self, games: np.ndarray, seeds: list[int]) -> None:
        self.steps[games] = 0

    def act(self, games: np.ndarray, obs: np.ndarray) -> np.ndarray:
        keys = self.sheet[np.minimum(self.steps[games], len(self.sheet) - 1)]
        self.steps[games] += 1
        return keys


class _FrameCounting(VectorAgent):
    """An agent that counts each game's frames from its start, as the scripted fighters do."""

    def __init__(self, games: int):
        super().__init__(games)
        self.time = np.zeros(games, np.int64)

    def reset(self, games: np.ndarray, seeds: list[int]) -> None:
        self.time[games] = 0


class VectorBased(_FrameCounting):
    """`BasedAgent`: walks at the opponent, jumps every second frame when low, light attack in reach."""

    def act(self, games: np.ndarray, obs: np.ndarray) -> np.ndarray:
        from arena.agents.fighting import BasedAgent as Based

        self.time[games] += 1
        time = self.time[games]
        x, y, ox, oy = obs[:, X], obs[:, Y], obs[:, OPPONENT + X], obs[:, OPPONENT + Y]
        opponent_out = np.isin(obs[:, OPPONENT + STATE], Based.OUT_OF_PLAY)
        keys = np.zeros((len(games), KEYS), np.float32)
        right, left = x > Based.EDGE_X, x < -Based.EDGE_X
        chase = ~right & ~left & ~opponent_out
        keys[:, A] = right | (chase & ~(ox > x))
        keys[:, D] = (~right & left) | (chase & (ox > x))
        keys[:, SPACE] = ((y > Based.LOW_Y) | (y > oy)) & (time % 2 == 0)
        keys[:, J] = (x - ox) ** 2 + (y - oy) ** 2 < Based.REACH ** 2
        return keys


class VectorBrawler(_FrameCounting):
    """`BrawlerAgent`: each branch of its decision computed for every game, then chosen per game."""

    def act(self, games: np.ndarray, obs: np.ndarray) -> np.ndarray:
        from arena.agents.fighting import BrawlerAgent as Brawler

        self.time[games] += 1
        time = self.time[games]
        n = len(games)
        x, y, ox, oy = obs[:, X], obs[:, Y], obs[:, OPPONENT + X], obs[:, OPPONENT + Y]
        opponent_state = np.trunc(obs[:, OPPONENT + STATE]).astype(np.int64)
        opponent_ground = np.where(opponent_state != 11, ground_index(ox, R.HALF_WIDTH), -1)
        ground = ground_index(x)
        keys = np.zeros((n, KEYS), bool)

        # Off stage: recover toward the opponent's ground when between the grounds, else the nearest.
        nearest = np.where(np.abs(R.GROUNDS[1][0] - x) < np.abs(R.GROUNDS[0][0] - x), 1, 0)
        home = np.where((opponent_ground >= 0) & (np.abs(x) < R.GROUNDS[0][0]), opponent_ground, nearest)
        home_x, home_top = GROUND_X[home], GROUND_TOP[home]
        jumps = np.trunc(obs[:, JUMPS_LEFT]).astype(np.int64)
        recoveries = np.trunc(obs[:, RECOVERIES_LEFT]).astype(np.int64)
        lift = (obs[:, VY] > -2.0) & (y > home_top - np.float32(1.5)) & (time % 2 == 0)
        recover = np.zeros((n, KEYS), bool)
        recover[:, D] = home_x > x
        recover[:, A] = ~(home_x > x)
        recover[:, SPACE] = lift & (jumps > 0)
        recover[:, K] = lift & ~(jumps > 0) & (recoveries > 0)

        # On a ground: attack in reach, else move (step aside under a threat, hold the middle, cross the pit).
        on = np.maximum(ground, 0)
        centre = GROUND_X[on]
        grounded = obs[:, GROUNDED] > 0.5
        dx, dy = np.abs(ox - x), np.abs(oy - y)
        threat = (dy > 0.6) & (dx < Brawler.AVOID_RANGE)
        in_reach = (dx < Brawler.REACH_X) & (dy < Brawler.REACH_Y)
        same_ground = opponent_ground == ground
        attacking = same_ground & in_reach & ~threat
        edge_at_opponent = centre + np.where(ox > centre, np.float32(2.0), np.float32(-2.0))  # _edge_toward
        toward_d = ox > x
        attack = np.zeros((n, KEYS), bool)
        attack[:, D], attack[:, A] = toward_d, ~toward_d
        heavy = obs[:, OPPONENT + DAMAGE] * R.MAX_DAMAGE >= Brawler.FINISH_PERCENT
        attack[:, K], attack[:, J] = heavy, ~heavy
        attack[:, S] = np.abs(edge_at_opponent - x) < Brawler.EDGE_ROOM

        move = np.zeros((n, KEYS), bool)
        move[:, H] = (obs[:, WEAPON] == 0) & self._weapon_in_reach(obs, x, y)
        target = np.where(opponent_ground < 0, centre, ox)
        target = np.where(threat, ox + np.where(x > ox, np.float32(Brawler.SPACING), np.float32(-Brawler.SPACING)),
                          target)
        lowest, highest = centre - np.float32(2.0), centre + np.float32(2.0)
        clipped = np.where(highest < np.where(lowest > target, lowest, target), highest,
                           np.where(lowest > target, lowest, target))  # min(max(target, low), high)
        target = np.where(same_ground, clipped, target)
        move[:, SPACE] = (opponent_ground >= 0) & ~same_ground & grounded & (np.abs(edge_at_opponent - x) < 0.6)
        walk = np.abs(target - x) > 0.3
        move[:, D], move[:, A] = walk & (target > x), walk & ~(target > x)

        keys = np.where((ground < 0)[:, None], recover, np.where(attacking[:, None], attack, move))
        return keys.astype(np.float32)

    @staticmethod
    def _weapon_in_reach(obs: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        found = np.zeros(len(obs), bool)
        for at in SPAWNERS:
            wx, wy, kind = obs[:, at], obs[:, at + 1], obs[:, at + 2]
            found |= (kind != 0) & (np.abs(wx - x) < 1.0) & (np.abs(wy - y) < 1.0)
        return found


class VectorPolicy(VectorAgent):
    """`PolicyAgent` for one frozen snapshot: every game deciding this frame in one forward pass, each game
    drawing its action from its own generator (seeded by its seat's seed) and holding its keys `repeat` frames."""

    def __init__(self, games: int, model: Any, controls: Any, sample: bool):
        super().__init__(games)
        self.model, self.controls, self.sample = model, controls, sample
        self.frame = np.zeros(games, np.int64)
        self.keys = np.zeros((games, KEYS), np.float32)
        self.rngs = [np.random.default_rng(0) for _ in range(games)]
        self.actor: list[Callable[[Any], Any]] | None = None  # the policy's layers, read at the first decision

    def reset(self, games: np.ndarray, seeds: list[int]) -> None:
        self.frame[games] = 0
        for game, seed in zip(games, seeds):
            self.rngs[game] = np.random.default_rng(seat_seed(seed, OPPONENT_SEAT))

    def act(self, games: np.ndarray, obs: np.ndarray) -> np.ndarray:
        deciding = self.frame[games] % self.controls.repeat == 0
        if deciding.any():
            chosen = games[deciding]
            probabilities = self._probabilities(self.controls.observe(obs[deciding]))
            if not self.sample:  # the distribution's mode, as SB3 takes it
                actions = probabilities.argmax(axis=1) if self.controls.combos else np.round(probabilities)
            elif self.controls.combos:
                actions = self._choose(chosen, probabilities.astype(np.float64))
            else:
                rngs = self.rngs
                actions = [(rngs[game].random(p.shape) < p).astype(np.int8)
                           for game, p in zip(chosen, probabilities.astype(np.float64))]
            self.keys[chosen] = self.controls.keys_of(np.asarray(actions))
        self.frame[games] += 1
        return self.keys[games]

    def _probabilities(self, obs: np.ndarray) -> np.ndarray:
        """The policy's action probabilities (k, actions), the numbers `policy.get_distribution(obs)` gives, without
        building the distribution: the actor's layers, then the logits normalised as `Categorical` does."""
        import torch

        if self.actor is None:
            self.actor = actor_layers(self.model.policy)
        with torch.no_grad():
            logits = torch.as_tensor(obs)
            for layer in self.actor:
                logits = layer(logits)
            if not self.controls.combos:  # independent keys: Bernoulli probabilities
                return torch.sigmoid(logits).numpy()
            logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            return torch.softmax(logits, dim=-1).numpy()

    def _choose(self, chosen: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """Each game's `rng.choice(len(p), p=p / p.sum())`, its own generator's one draw, for all games at once (the
        same arithmetic as `Generator.choice`: the cumulative sum scaled to end at 1, searched from the right)."""
        cdf = (probabilities / probabilities.sum(axis=1, keepdims=True)).cumsum(axis=1)
        cdf /= cdf[:, -1:]
        uniform = np.array([self.rngs[game].random() for game in chosen])
        return (cdf <= uniform[:, None]).sum(axis=1)


def actor_layers(policy: Any) -> list[Callable[[Any], Any]]:
    """An SB3 `ActorCriticPolicy`'s path from observation to action logits as a list of functions: its linear
    layers and activations called as the functions their modules call (one forward pass of a small network
    spends most of its time in the modules' calling machinery, not in the arithmetic)."""
    import torch
    from stable_baselines3.common.torch_layers import FlattenExtractor

    def plain(module: Any) -> Callable[[Any], Any]:
        if isinstance(module, torch.nn.Linear):
            return partial(torch.nn.functional.linear, weight=module.weight, bias=module.bias)
        return {torch.nn.Tanh: torch.tanh, torch.nn.ReLU: torch.relu}.get(type(module), module)

    features = policy.pi_features_extractor
    if isinstance(features, FlattenExtractor):
        first = [lambda obs: obs.float().flatten(1)]  # preprocess_obs of a Box, then the extractor's Flatten
    else:
        first = [partial(policy.extract_features, features_extractor=features)]
    actor = policy.mlp_extractor.policy_net
    layers = [plain(m) for m in actor] if isinstance(actor, torch.nn.Sequential) else [actor]
    return first + layers + [plain(policy.action_net)]


def _press(names: list[str]) -> np.ndarray:
    row = np.zeros(KEYS, np.float32)
    row[[R.KEY_NAMES.index(name) for name in names]] = 1.0
    return row


def vector_agent(opponent: Any, games: int, snapshot: str | None = None, models: dict | None = None
                 ) -> VectorAgent | None:
    """The vectorised form of a league entry (`arena.train.league.Opponent` or `SelfPlay` with `snapshot`),
    or None when it has none (a submission, an agent with other settings, a recurrent policy)."""
    from arena.agents import fighting
    from arena.train.league import SelfPlay
    from arena.train.policy import PolicyAgent, load_model, read_sidecar

    if isinstance(opponent, SelfPlay):
        factory = opponent.agent_factory
        if not (isinstance(factory, partial) and factory.func is PolicyAgent and not factory.args):
            return None
        if snapshot is None:
            return VectorPolicy(games, None, factory.keywords.get("controls"), True)  # a stand-in: asks nothing
        sidecar = read_sidecar(snapshot)
        if sidecar.get("algo", "ppo") == "recurrent_ppo":
            return None
        controls = factory.keywords.get("controls")
        if controls is None:
            from arena.train.controls import Controls

            controls = Controls(**sidecar["controls"])
        sample = factory.keywords.get("sample")
        sample = bool(sidecar.get("sample", False)) if sample is None else bool(sample)
        models = {} if models is None else models
        if snapshot not in models:
            models[snapshot] = load_model(snapshot)
        return VectorPolicy(games, models[snapshot], controls, sample)
    scripted = {fighting.ConstantAgent: VectorConstant, fighting.RandomAgent: VectorRandom,
                fighting.BasedAgent: VectorBased, fighting.BrawlerAgent: VectorBrawler,
                fighting.ClockworkAgent: VectorClockwork}
    return scripted[opponent.factory](games) if opponent.factory in scripted else None
