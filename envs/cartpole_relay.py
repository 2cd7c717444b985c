"""CartPole relay: a team of agents balances one pole, taking turns with a baton or voting with action logits.

A cooperative PettingZoo Parallel environment (`arena.envs.make("cartpole_relay")`) on
Gymnasium's CartPole dynamics. A tournament scores each agent by its team's result with
random partners (ad-hoc teamwork): every agent of a team gets the same reward.

## Agents
`player_0` ... `player_{num_players - 1}` (3 by default), all acting every step.

## Modes
- `mode="relay"` (default): the baton holder alone moves the cart, for `leg_length` steps
  (50 by default); then the baton passes to the next seat, wrapping around. `player_0` starts
  with it, so step t (from 0) is played by seat (t // leg_length) % num_players. The other
  agents' actions are ignored.
- `mode="vote"`: every agent sends logits for the two actions and the env combines them into
  the one action played (`vote`), as `aggregation` says:
  - `"summed_probs"` (default): each agent's logits become probabilities (softmax), the
    probabilities are summed over the agents, and the action with the largest sum is played
    (the lower action on an exact tie); in float32 as torch computes them in swergio's
    aggregation example, so agents sure of opposite actions tie there and here alike;
  - `"sampled_probs"`: the action is drawn from the summed probabilities, normalised: one
    uniform draw u in [0, 1) a step, and the first action whose cumulative share exceeds u.
    The draws come from the env's own generator, seeded by `reset(seed=...)` (apart from the
    cart's start), so a seed replays the same draws;
  - `"mean_logits"`: the argmax of the agents' mean logits (`"mean"`, its former name, still works);
  - `"majority"`: the action most agents prefer (each one's argmax), a tie going to the mean logits.

## Action space
Relay: `Discrete(2)` (0 pushes the cart left, 1 right). Vote: `Box(-100, 100, (2,), float32)`,
the logits of pushing left and right; `step` and `vote` raise ValueError, naming the agent, for a
row of logits with no finite probabilities (a NaN or +inf logit).

## Observation space
The cart-pole state first, as in Gymnasium's CartPole:

| index | meaning | range |
| --- | --- | --- |
| 0 | cart position | -4.8 to 4.8 |
| 1 | cart velocity | any |
| 2 | pole angle (rad) | -0.418 to 0.418 |
| 3 | pole angular velocity | any |

Relay mode adds `num_players + 1` floats: index 4 + k is 1 when the agent k seats after the
observer holds the baton (so index 4 is "I hold it"), and the last is the number of steps
left in the current leg, counting the coming one (`leg_length` down to 1). Vote mode
observations are the state alone, so CartPole policies drop in.

## Rewards
+1 to every agent for every step, the one the pole falls on included, as CartPole-v1 rewards
(a team reward: an episode's return is its length, as there). `infos[agent]` credits each agent's
part:
- `"steps_survived"`: the steps survived under its control: as baton holder (relay), or when
  the team played its own preferred action (vote);
- `"contribution"`: its share of the step's decision. Vote mode, whatever the aggregation:
  p_i(a) / sum_j p_j(a), its probability of the action a played over the sum of all agents'
  (the shares add up to 1). Relay mode: 1 for the baton holder, 0 for the others. 0 at reset;
- `"contribution_total"`: its contributions summed over the episode's steps so far (the step
  the pole falls included);
- `"action"`: the action the team played (0 push left, 1 push right), from the first step on.

## Starting state
Gymnasium's CartPole start: all four state values uniform in (-0.05, 0.05).

## Episode end
Terminated for all when the pole leans past 12 degrees or the cart leaves +-2.4. Truncated
after `max_steps` steps (500, as CartPole-v1).

## Arguments
- `num_players` (3, 1 to 32: swergio's examples vote with 20), `mode` (`"relay"` or `"vote"`), `leg_length` (50),
  `aggregation` (`"summed_probs"`, `"sampled_probs"`, `"mean_logits"` or `"majority"`; vote
  mode), `max_steps` (500; PettingZoo's `max_cycles`, given to the module's `parallel_env`,
  `raw_env` or `env`, sets it).
- `render_mode`: `"rgb_array"` (the cart, the pole and the team's panel as an (H, W, 3) uint8
  array) or `"human"` (a pygame window).

Clock in arena's harness: 0.05 s a step plus a 5 s bank for the whole game (`arena envs`);
organisers set their own, and an agent is charged only its own time.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from gymnasium import spaces
from gymnasium.envs.classic_control.cartpole import CartPoleEnv
from pettingzoo import ParallelEnv

from arena.envs.parallel_module import parallel_constructors
from arena.envs.render_modes import RenderModes
from arena.envs.wrapper_random import WrapperRandom

__all__ = ["AGGREGATIONS", "CartPoleRelay", "combine_logits", "env", "parallel_env", "probabilities", "raw_env", "vote"]

MODES = ("relay", "vote")
LOGIT_BOUND = 100.0  # vote logits live in [-100, 100]: finite, as Gymnasium learners need, and far past certainty
AGGREGATIONS = ("summed_probs", "sampled_probs", "mean_logits", "majority")
FORMER_NAMES = {"mean": "mean_logits"}
VOTE_STREAM = 0x766F7465  # mixed into the seed of the vote draws, keeping them apart from the cart's start


def probabilities(logits: np.ndarray) -> np.ndarray:
    """Each agent's softmax over the actions: one row of logits per agent in, one row of probabilities out.

    In float32, as torch computes them over the float32 tensors the relay's original code makes of
    the logits it receives: probabilities that saturate (1.0 and 0.0) then sum to exact ties, which
    go to the lower action there and here alike.
    """
    logits = np.asarray(logits, np.float32)
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return weights * (np.float32(1) / weights.sum(axis=-1, keepdims=True))  # torch scales by the reciprocal


def summed_as_torch(rows: np.ndarray) -> np.ndarray:
    """The float32 rows summed in the order torch sums a tensor over its first dimension: four
    running sums over rows i, i + 4, ..., the rows after the last four added to the first, then the
    four sums in turn. Sums of probabilities within a rounding of each other then compare as there."""
    whole = len(rows) - len(rows) % 4  # rows summed in four lanes (none when there are fewer than four)
    lanes = list(rows[:4]) if whole else [rows[0]]
    for i in range(4, whole):
        lanes[i % 4] = lanes[i % 4] + rows[i]
    for row in rows[max(whole, 1):]:
        lanes[0] = lanes[0] + row
    total = lanes[0]
    for lane in lanes[1:]:
        total = total + lane
    return total


def vote(logits: np.ndarray | Mapping[Any, Any], aggregation: str = "summed_probs",
         rng: np.random.Generator | None = None) -> tuple[int, np.ndarray | dict[Any, float]]:
    """The action a team plays given one row of logits per agent, and each agent's contribution to it.

    `aggregation` is one of `AGGREGATIONS` (see the module docstring); `"sampled_probs"` draws
    one number from `rng`. The contributions are p_i(a) / sum_j p_j(a) for the played action a.
    `logits` may also map each agent's id to its row, as an aggregation component keeps them: the
    contributions then come as a dict by the same ids. A row whose probabilities are not finite
    (a NaN or +inf logit) raises ValueError naming it, as torch's Categorical does in the original.
    """
    if isinstance(logits, Mapping):
        ids = list(logits)
        rows = np.stack([np.asarray(logits[i], np.float64) for i in ids])
        action, shares = _vote_rows(rows, [repr(i) for i in ids], aggregation, rng)
        return action, dict(zip(ids, shares.tolist()))
    rows = np.asarray(logits, np.float64)
    return _vote_rows(rows, [f"row {i}" for i in range(len(rows))], aggregation, rng)


def _vote_rows(logits: np.ndarray, names: list[str], aggregation: str = "summed_probs",
               rng: np.random.Generator | None = None) -> tuple[int, np.ndarray]:
    """`vote` of an array of logits whose rows are the agents `names` (which its errors name)."""
    aggregation = FORMER_NAMES.get(aggregation, aggregation)
    agents = _finite_probabilities(logits, names)
    summed = summed_as_torch(agents)
    if aggregation == "summed_probs":
        action = int(np.argmax(summed))
    elif aggregation == "sampled_probs":
        if rng is None:
            raise ValueError("cartpole_relay: sampled_probs draws from a generator; pass rng")
        cumulative = np.cumsum(summed)
        cumulative /= cumulative[-1]
        action = int(np.searchsorted(cumulative, rng.random(), side="right"))
    elif aggregation == "mean_logits":
        action = int(np.argmax(logits.mean(0)))
    elif aggregation == "majority":
        votes = np.bincount(np.argmax(logits, 1), minlength=logits.shape[1])
        leaders = np.flatnonzero(votes == votes.max())
        action = int(leaders[0]) if leaders.size == 1 else int(np.argmax(logits.mean(0)))
    else:
        raise ValueError(f"cartpole_relay: aggregation must be one of {AGGREGATIONS}, got {aggregation!r}")
    return action, (agents[:, action] / summed[action]).astype(np.float64)


def _finite_probabilities(logits: np.ndarray, names: list[str]) -> np.ndarray:
    """`probabilities(logits)`, or ValueError naming the first agent whose row has no finite ones."""
    with np.errstate(invalid="ignore", over="ignore"):  # said below, by name, rather than warned
        agents = probabilities(logits)
    broken = np.flatnonzero(~np.isfinite(agents).all(1))
    if broken.size:
        i = int(broken[0])
        raise ValueError(f"cartpole_relay: the logits of {names[i]}, {logits[i].tolist()}, give probabilities "
                         f"{agents[i].tolist()}; a vote takes finite logits (no NaN, no +inf)")
    return agents


def combine_logits(logits: np.ndarray, aggregation: str = "summed_probs",
                   rng: np.random.Generator | None = None) -> int:
    """The action alone of `vote`."""
    return vote(logits, aggregation, rng)[0]


MAX_PLAYERS = 32


class CartPoleRelay(WrapperRandom, RenderModes, ParallelEnv):
    """A team balancing one cart-pole; see `help(arena.envs.cartpole_relay)`."""

    metadata = {"name": "cartpole_relay_v0", "render_modes": ["human", "rgb_array"], "render_fps": 50,
                "is_parallelizable": True,
                # 2: the vote's probabilities in float32, as the relay's original torch code sums them
                "rules_version": 2}

    def __init__(self, num_players: int = 3, mode: str = "relay", leg_length: int = 50,
                 aggregation: str = "summed_probs", max_steps: int = 500, render_mode: str | None = None):
        if not 1 <= num_players <= MAX_PLAYERS:
            raise ValueError(f"cartpole_relay: num_players must be 1 to {MAX_PLAYERS}, got {num_players}")
        aggregation = FORMER_NAMES.get(aggregation, aggregation)
        if mode not in MODES or aggregation not in AGGREGATIONS:
            raise ValueError(f"cartpole_relay: mode must be one of {MODES} and aggregation one of {AGGREGATIONS}, "
                             f"got {mode!r} and {aggregation!r}")
        if leg_length < 1 or max_steps < 1:
            raise ValueError(f"cartpole_relay: leg_length and max_steps must be at least 1, got {leg_length} and {max_steps}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"cartpole_relay: render_mode must be one of {self.metadata['render_modes']}, got {render_mode!r}")
        self.num_players, self.mode, self.leg_length = num_players, mode, leg_length
        self.aggregation, self.max_steps, self.render_mode = aggregation, max_steps, render_mode
        self.possible_agents = [f"player_{i}" for i in range(num_players)]
        self.agents: list[str] = []
        self.cart = CartPoleEnv()
        state_space = self.cart.observation_space
        if mode == "relay":
            low = np.concatenate([state_space.low, np.zeros(num_players + 1)]).astype(np.float32)
            high = np.concatenate([state_space.high, np.ones(num_players), [leg_length]]).astype(np.float32)
            observation_space, action_space = spaces.Box(low, high, dtype=np.float32), spaces.Discrete(2)
        else:
            observation_space, action_space = state_space, spaces.Box(-LOGIT_BOUND, LOGIT_BOUND, (2,), np.float32)
        self.observation_spaces = {a: observation_space for a in self.possible_agents}
        self.action_spaces = {a: action_space for a in self.possible_agents}
        self.steps = 0
        self.steps_up = 0  # steps after which the pole was still up
        self.credits = np.zeros(num_players, np.int64)
        self.contributions = np.zeros(num_players)  # each agent's share of the last step's decision
        self.contribution_totals = np.zeros(num_players)
        self.vote_rng: np.random.Generator | None = None  # the draws of "sampled_probs"
        self.state = np.zeros(4, np.float32)
        self.last_votes: np.ndarray | None = None  # each agent's preferred action last step (vote mode)
        self.last_action: int | None = None
        self._seeded = False
        self._painter = None

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    @property
    def baton(self) -> int:
        """The seat in control of the next step (relay mode)."""
        return (self.steps // self.leg_length) % self.num_players

    @property
    def leg_steps_left(self) -> int:
        """Steps the holder still controls in this leg, the coming one included."""
        return self.leg_length - self.steps % self.leg_length

    def reset(self, seed: int | None = None, options: dict | None = None):
        self._seed_wrapper_random(seed)
        # Seeded once, the cart's generator goes on from episode to episode, as a Gymnasium env's does.
        state, _ = self.cart.reset(seed=seed if seed is not None or self._seeded else None)
        self._seeded = True
        if seed is not None or self.vote_rng is None:
            self.vote_rng = np.random.default_rng(None if seed is None else [VOTE_STREAM, seed])
        self.state = state
        self.steps = self.steps_up = 0
        self.credits[:] = 0
        self.contributions[:] = 0.0
        self.contribution_totals[:] = 0.0
        self.last_votes, self.last_action = None, None
        self.agents = list(self.possible_agents)
        if self.render_mode == "human":
            self.render()
        return self._observations(), self._infos()

    def step(self, actions: dict[str, Any]):
        if not self.agents:  # the game is over: as PettingZoo's Parallel envs, stepping it changes nothing
            return {}, {}, {}, {}, {}
        if self.mode == "relay":
            controllers = np.zeros(self.num_players, bool)
            controllers[self.baton] = True
            action = int(actions[self.possible_agents[self.baton]])
            self.contributions = controllers.astype(np.float64)
        else:
            logits = np.stack([np.asarray(actions[a], np.float64) for a in self.possible_agents])
            action, self.contributions = _vote_rows(logits, self.possible_agents, self.aggregation, self.vote_rng)
            self.last_votes = np.argmax(logits, 1)
            controllers = self.last_votes == action
        self.contribution_totals += self.contributions
        self.state, _, fell, _, _ = self.cart.step(action)
        self.last_action = action
        self.steps += 1
        if not fell:
            self.steps_up += 1
            self.credits += controllers
        truncated = not fell and self.steps >= self.max_steps
        agents = self.agents
        observations, infos = self._observations(), self._infos()
        rewards = dict.fromkeys(agents, 1.0)  # CartPole-v1's: the step the pole falls on too
        terminations = dict.fromkeys(agents, bool(fell))
        truncations = dict.fromkeys(agents, truncated)
        if fell or truncated:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return observations, rewards, terminations, truncations, infos

    def _observations(self) -> dict[str, np.ndarray]:
        state = np.asarray(self.state, np.float32)
        if self.mode == "vote":
            return {a: state.copy() for a in self.possible_agents}
        observations = {}
        for seat, agent in enumerate(self.possible_agents):
            holder = np.zeros(self.num_players, np.float32)
            holder[(self.baton - seat) % self.num_players] = 1.0
            observations[agent] = np.concatenate([state, holder, [self.leg_steps_left]]).astype(np.float32)
        return observations

    def _infos(self) -> dict[str, dict[str, int | float]]:
        played = {} if self.last_action is None else {"action": self.last_action}
        return {a: {"steps_survived": int(self.credits[i]), "contribution": float(self.contributions[i]),
                    "contribution_total": float(self.contribution_totals[i]), **played}
                for i, a in enumerate(self.possible_agents)}

    def outcome_text(self) -> str:
        """How long the pole stayed up and who kept it there, e.g. 'pole up 500 of 500 steps (player_0 170, ...)'."""
        credits = ", ".join(f"{self.shown_name(a)} {c}" for a, c in zip(self.possible_agents, self.credits))
        return f"pole up {self.steps_up} of {self.max_steps} steps ({credits})"

    def _picture(self):
        if self._painter is None:
            self._painter = _RelayPicture(self)
        return self._painter.draw(self)


# PettingZoo's module-level constructors (arena.envs.parallel_module); max_cycles sets max_steps.
parallel_env, raw_env, env = parallel_constructors(CartPoleRelay, "max_steps", __name__)


class _RelayPicture:
    """Draws the track, the cart in the baton holder's colour, the pole, and a panel of the team."""

    WIDTH, TRACK_HEIGHT, ROW = 640, 272, 30
    SKY, GROUND, INK, DIM = (236, 240, 245), (90, 98, 110), (30, 34, 40), (120, 128, 140)
    POLE, AXLE, NEUTRAL = (205, 160, 100), (110, 120, 135), (70, 80, 95)
    COLORS = [(70, 140, 235), (240, 150, 50), (80, 185, 90), (170, 100, 225),
              (220, 190, 40), (50, 185, 185), (235, 105, 160), (140, 140, 140)]

    def __init__(self, game: CartPoleRelay):
        import pygame

        panel = 48 + self.ROW * game.num_players
        self.surface = pygame.Surface((self.WIDTH, -(-(self.TRACK_HEIGHT + panel) // 16) * 16))
        self.scale = self.WIDTH / (2 * game.cart.x_threshold + 1.2)  # the track plus room for the pole to lean

    def draw(self, game: CartPoleRelay):
        import pygame
        from pygame import gfxdraw

        from arena.envs.rendering import draw_text

        s, scale = self.surface, self.scale
        s.fill(self.SKY)
        ground = self.TRACK_HEIGHT - 40
        pygame.draw.rect(s, self.GROUND, (0, ground, self.WIDTH, 4))
        for edge in (-game.cart.x_threshold, game.cart.x_threshold):
            x = self.WIDTH / 2 + edge * scale
            pygame.draw.line(s, (200, 70, 70), (x, ground - 12), (x, ground + 10), 3)
        x, _, angle, _ = game.state
        centre = np.array([self.WIDTH / 2 + x * scale, ground - 18])
        color = self.COLORS[game.baton % len(self.COLORS)] if game.mode == "relay" else self.NEUTRAL
        pygame.draw.rect(s, color, pygame.Rect(0, 0, 64, 32).move(*(centre - (32, 16))), border_radius=6)
        along = np.array([np.sin(angle), -np.cos(angle)])
        across = np.array([-along[1], along[0]]) * 5
        tip = centre + 2 * game.cart.length * scale * along
        pole = [tuple(p) for p in (centre - across, centre + across, tip + across, tip - across)]
        gfxdraw.filled_polygon(s, pole, self.POLE)
        gfxdraw.aapolygon(s, pole, self.POLE)
        gfxdraw.filled_circle(s, *centre.astype(int), 6, self.AXLE)
        gfxdraw.aacircle(s, *centre.astype(int), 6, self.AXLE)
        if game.last_action is not None:
            arrow = "push right" if game.last_action == 1 else "push left"
            draw_text(s, arrow, (int(centre[0]), ground + 22), 22, self.DIM, "center")
        draw_text(s, f"step {game.steps} / {game.max_steps}", (16, 12), 28, self.INK)
        mode = (f"relay: leg of {game.leg_length}, {game.leg_steps_left} steps left" if game.mode == "relay"
                else f"vote: {game.aggregation}")
        draw_text(s, mode, (self.WIDTH - 16, 12), 24, self.DIM, "topright")
        self._panel(game)
        return s

    def _panel(self, game: CartPoleRelay) -> None:
        import pygame

        from arena.envs.rendering import draw_text, fit_text

        s = self.surface
        top = self.TRACK_HEIGHT + 8
        draw_text(s, "player", (40, top), 22, self.DIM)
        draw_text(s, "steps survived in control", (self.WIDTH - 16, top), 22, self.DIM, "topright")
        for i, agent in enumerate(game.possible_agents):
            y = top + 26 + self.ROW * i
            pygame.draw.rect(s, self.COLORS[i % len(self.COLORS)], (16, y + 3, 16, 16), border_radius=4)
            holding = game.mode == "relay" and i == game.baton
            label = fit_text(game.shown_name(agent), 24, self.WIDTH // 2) + ("  (baton)" if holding else "")
            if game.mode == "vote" and game.last_votes is not None:
                label += "  votes " + ("right" if game.last_votes[i] == 1 else "left")
                label += f", share {game.contributions[i]:.2f}"
            draw_text(s, label, (40, y), 24, self.INK, bold=holding)
            draw_text(s, str(game.credits[i]), (self.WIDTH - 16, y), 24, self.INK, "topright")
