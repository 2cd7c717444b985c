"""Snake: 2 to 8 snakes move at once on a grid, eat fruit to grow, and die on walls and bodies.

A PettingZoo Parallel environment (`arena.envs.make("snake")`); `SnakeVecEnv` steps many games
at once in numpy for training, and `make_snake` builds one in the shape of marlenv's factory. The
options keep marlenv's names (`num_snakes`, `height`, `width`, `snake_length`, `vision_range`,
`frame_stack`, `num_fruits`, `reward_dict`); `arena.compat.marlenv` is marlenv's snake itself on
this engine (its API, observation, defaults and rules, which the engine offers as options:
`SnakeRules(end_rule="all_dead", kill_credit="marlenv")` and `Vision(..., layout="marlenv")`).

## Agents
`player_0` ... `player_{num_snakes - 1}`, one snake each, all moving every step. A snake that
dies leaves the game (and `env.agents`) in that step. `env.eliminate(agent)` takes a snake off the
board between steps (what a match does to a seat whose agent faulted): the next step is played
without it, and ends the game if that leaves one snake.

## Action space
`Discrete(3)`, relative to the way the snake is heading:

| action | meaning |
| --- | --- |
| 0 | keep going |
| 1 | turn left |
| 2 | turn right |

## Observation space
`Box(0, 1, (V, V, 6 * frame_stack), uint8)` with V = 2 * `vision_range` + 1: a window centred
on the snake's head and turned so that the snake faces up (row 0 is ahead, the left columns
are to its left). Each frame has six planes:

| plane | 1 where |
| --- | --- |
| 0 | a wall (outside the grid) |
| 1 | its own head |
| 2 | its own body |
| 3 | another snake's head |
| 4 | another snake's body |
| 5 | fruit |

With `frame_stack` k the last k frames are concatenated along the last axis, oldest first (the
first observation repeats the start k times). With `vision_range=None` the window is the whole
grid with its ring of walls, (height + 2, width + 2), not turned.

## Rules
- Every step all live snakes move one cell at once. A snake whose head reaches a fruit grows by
  one (its tail stays); the fruit reappears on a random empty cell.
- A snake dies when its head leaves the grid, or enters a body cell (its own or another's), or
  meets another head: two heads on one cell, or two heads swapping cells, is a head-on
  collision and kills both. A tail cell counts as free, because the tail moves on in the same
  step, unless that snake is reaching a fruit.
- A snake whose body another snake runs into is credited with a kill (no one is, head-on).
- Dead snakes are removed from the grid at once.

## Rewards
Set per event with `reward_dict` (marlenv's keys; `death` and `survival` are accepted for
`lose` and `time`); missing keys keep their defaults:

| key | default | given |
| --- | ---: | --- |
| `fruit` | 1.0 | for each fruit eaten |
| `kill` | 1.0 | for each snake killed by running into this one |
| `lose` | -1.0 | when the snake dies |
| `time` | 0.0 | every step the snake survives |
| `win` | 0.0 | to the last snake standing, when the others are gone |

A match ranks the snakes by survival (the last standing first), then by length:
`final_scores()` gives steps survived plus length / (height * width + 1).

## Starting state
Each snake is a straight line of `snake_length` cells at a random place, its head facing away
from its body with two free cells ahead; `num_fruits` fruit on random empty cells.

## Episode end
Terminated for all when at most one snake is left (with `num_snakes=1`, when it dies); a snake
that dies is terminated in that step. Truncated after `max_steps` steps.

## Arguments
- `num_snakes` (4, 1 to 8), `height` and `width` (20; at least 5), `snake_length` (3),
  `num_fruits` (4), `vision_range` (5, or None), `frame_stack` (1), `reward_dict`,
  `max_steps` (1000; PettingZoo's `max_cycles`, given to the module's `parallel_env`, `raw_env`
  or `env`, sets it).
- `render_mode`: `"rgb_array"` (the grid and a score panel as an (H, W, 3) uint8 array),
  `"human"` (a pygame window) or `"ansi"` (a text grid: `A` head and `a` body of `player_0`, ...).

Clock in arena's harness: 0.1 s a step plus a 5 s bank for the whole game (`arena envs`);
organisers set their own, and an agent is charged only its own time.
"""

from arena.envs.parallel_module import parallel_constructors
from arena.envs.snake.env import raw_env as _SnakeGame
from arena.envs.snake.vec import SnakeVecEnv, make_snake
from arena.envs.snake.vision import PLANES

__all__ = ["PLANES", "SnakeVecEnv", "env", "make_snake", "parallel_env", "raw_env"]

# PettingZoo's module-level constructors (arena.envs.parallel_module); max_cycles sets max_steps.
parallel_env, raw_env, env = parallel_constructors(_SnakeGame, "max_steps", __name__)
