"""marlenv's snake (`Snake-v1`, `make_snake`, its wrappers) on arena's snake engine.

Code written for marlenv runs after replacing `marlenv` with `arena.compat.marlenv`:

    from arena.compat.marlenv.wrappers import make_snake
    env, observation_shape, action_shape, props = make_snake(n_env=64, num_snakes=3, height=20, width=20,
                                                             frame_stack=2, vision_range=5)
    observations = env.reset()                           # (64, 3, 11, 11, 16) uint8
    observations, rewards, dones, infos = env.step(actions)   # actions (64, 3); rewards, dones (64, 3)

    import gymnasium as gym, arena.compat.marlenv       # registers "Snake-v1" (in gym too, if installed),
                                                         # "SnakeGraph-v1" and "SnakeCoop-v1" (before 1.0:
                                                         # "GraphSnake-v1", "CoopSnake-v1")
    env = arena.compat.marlenv.wrappers.SingleAgent(gym.make("Snake-v1", num_snakes=1))

## What `make_snake(n_env, num_snakes, **options)` returns
| n_env | num_snakes | env | reset() | step(actions) |
| --- | --- | --- | --- | --- |
| 1 | 1 | `SingleAgent` | (rows, cols, C) | one int -> obs, float, bool, info dict |
| 1 | > 1 | `SingleMultiAgent` | (num_snakes, rows, cols, C) | one int per snake -> obs, list of floats, list of bools, info dict |
| > 1 | 1 | `AsyncVectorMultiEnv` | (n_env, rows, cols, C) | (n_env,) -> obs, (n_env,) float64, (n_env,) bool, tuple of n_env dicts |
| > 1 | > 1 | `AsyncVectorMultiEnv` | (n_env, num_snakes, rows, cols, C) | (n_env, num_snakes) -> likewise with a snake axis |

plus `observation_shape` (rows, cols, C), `action_shape` (n_actions,) and `props`, a dict that also
reads by attribute: `high`, `low`, `n_env` (and `num_envs`), `num_snakes`, `reorder` (True),
`discrete` (True), `action_info` (`{"action_n": n_actions}`). `num_envs=` is accepted for `n_env`.
The vector env's `step` takes its actions in the table's shape, with dimensions of size 1 added or
left out as one likes (`(n_env, num_snakes, 1)`, a per-game list of ints and one-element arrays);
another shape, a transposed `(num_snakes, n_env)` one included, raises ValueError naming the shape.
The vector env starts a game again as soon as all its snakes are done (that game's row of
observations is then the new game's first) and `render()` draws game 0.

## Actions
`observer="snake"` (marlenv 1.0's default): 0 keep going, 1 turn left, 2 turn right.
`observer="human"` (marlenv's actions before 1.0): 0 keep going, 1 left, 2 right, 3 down, 4 up on the
screen; a snake only turns across its way, so asking a snake going up to go down keeps it going up.
`make_snake(n_env=...)`, as code for marlenv before 1.0 (rl2's examples) calls it, makes "human"
snakes unless an observer is named, and so does `gym.make("Snake-v1")` with a gym older than 0.24 (which
such code pins); `make_snake(num_envs=...)` and the envs otherwise, "snake" ones.
`gym.make("Snake-v1")` through such a gym also gives that marlenv's spaces, which its users read per
snake: `observation_space.shape` lists one snake's shape once per snake, `action_space.n` its count.

## Observation
A uint8 array per snake, (2 * vision_range + 1) square around its head and not turned, or with
`vision_range=None` (the default; 0 too) the whole grid, `(height, width)`. Each frame has eight
0/1 planes:

| plane | 1 where |
| --- | --- |
| 0 | a wall (the grid's outer ring) |
| 1 | fruit |
| 2, 3, 4 | another snake's head, body, tail |
| 5, 6, 7 | this snake's head, body, tail |

Past the ring of walls a window shows nothing. A dead snake still gets observations: a window cut
around the grid's top-left corner, without itself. `frame_stack` k concatenates the last k frames
along the channels, oldest first (the first observation repeats the start k times).

## Rules and rewards
`height` and `width` (20) count the walls, so snakes move on the (height - 2) x (width - 2) field
inside. Snakes start straight, `snake_length` (3) long. A snake dies running into a wall, a body,
or another head. Each body or head cell run into credits its owner with a kill, once however many
snakes run into it, the snake itself and two heads swapping cells included; the tail of a snake
reaching a fruit stays put and credits its owner once for each snake that runs into it. A snake
grows by one cell for each fruit, and eaten fruit comes back on a random free cell (`num_fruits`,
default round(0.8 * num_snakes), are on the field). Dead snakes stay in the lists: observations
keep coming, with reward 0 and done True. The game goes on until every snake is dead (or
`max_episode_steps`, 10,000, have been played, when every done turns True); the last snake alive
earns `win` every step it is alone. Rewards per step come from `reward_dict`, which must name all
five events: `fruit` (1.0) for each fruit, `kill` (0.0) for each kill, `lose` (0.0) when the snake
dies, `time` (0.0) each step it lives, `win` (0.0).

The step that ends a game returns an info with `rank` (1 for the best episode score, ties sharing a
rank), `episode_scores`, `episode_steps`, `episode_fruits` and `episode_kills` (one float each per
snake). As marlenv counts them they add up the steps a snake ends alive: the step it dies in is
not in them.

## Subclasses
A subclass of `SnakeEnv` may override marlenv's hooks `_init_obs()`, `_get_obs()`, `_encode(grid,
vision_range)` (`env.grid` holds marlenv's cell codes) and `_done_fn(dones)`; `reset()` and `step()`
call them where marlenv's do. The rules themselves (`_check_collision`, `_update_grid`, the
direction helpers) are the engine's and have no hooks.

Besides the settings (`num_snakes`, `grid_shape`, `vision_range`, `frame_stack`, `obs_ch`,
`observer`, `reward_dict`, ...), a subclass may read marlenv's game state, as read-only views of
the engine's: `env.snakes`, one `core.snake.SnakeView` per snake (dead ones too) with `idx`,
`alive`, `head_coord`, `tail_coord`, `coords` (head to tail), `len()` and `direction` (marlenv's
`core.snake.Direction`: `UP` (-1, 0), `RIGHT` (0, 1), `DOWN` (1, 0), `LEFT` (0, -1)), in the grid's
coordinates (walls included, as `env.grid`); `env.alive_snakes` (how many live); `env.epi_scores`,
`env.epi_steps`, `env.epi_fruits` and `env.epi_kills` (the episode so far, one float per snake);
`env.episode_length` (steps since `reset()`); and `env.action_dict`, with `observer="snake"`
marlenv's turn angles `{0: 0.0, 1: pi / 2, 2: -pi / 2}` (added to `atan2` of a direction, as
marlenv's GraphSnakeEnv adds them), with `"human"` the names of the five actions. A dead snake has
left the board: its `coords` are empty, its `head_coord` and `direction` where it last was and went.

## Where arena differs from marlenv
Starting places, fruit places and randomness are arena's (seed with `env.seed(s)` or
`env.reset(seed=s)`; until then, as in marlenv, `np.random.seed(s)` before `reset()` repeats a
game). Snakes start straight with room ahead (marlenv's could start bent); there are always
`num_fruits` fruit (marlenv's draw could repeat a cell or add one for a fruit lost in a crash). When two heads meet on a fruit, a third snake running
into the tail of one of them dies in arena (that tail stays, as any snake's reaching a fruit) and
lives on in marlenv. Unknown keywords warn (`UnknownOptionWarning`, naming them) where marlenv
ignores them; they are still ignored. The raw env's `action_space` is `MultiDiscrete` with one
action per snake (marlenv 1.0's is `Discrete(actions * num_snakes)`, whose samples its `step` cannot
take); its wrappers' are marlenv's, and so is the vector env's `single_action_space` (one snake's), but its
`action_space` holds one action per snake per game, as `step` takes them (marlenv's, gym's batch of one
snake's space, held one per game). The single-agent wrapper passes the info on (marlenv's
returns `{}`). `render("rgb_array")` draws with arena's colours (`render("ascii")` prints marlenv's characters,
from `env.grid`, its cell codes); `"human"` draws nothing, as in marlenv.
`gymnasium.make("Snake-v1", max_episode_steps=N)` keeps the limit for Gymnasium's `TimeLimit`, which
needs a five-value `step`, and never hands it to the env, whose `reset()` then raises TypeError
saying so: give the limit to the env itself, `SnakeEnv(..., max_episode_steps=N)` or
`make_snake(..., max_episode_steps=N)`. Grids are at least 7 x 7 (the walls included), with 1 to 8
snakes that must fit with room ahead (marlenv takes smaller grids and more snakes). When two snakes die on the same
step running into a third's tail as it eats, the snake left alone earns `win` (marlenv counted them
twice and paid it no `win`). `SnakeGraph-v1` (five rays per live snake,
`envs.graph_snake_env`) declares the shape its observations have, and so do its wrappers and
`make_snake(env_id="SnakeGraph-v1")` (one game, as marlenv's vector env could not batch rays), where
marlenv's kept `Snake-v1`'s.
"""

from arena.compat.marlenv import envs, wrappers
from arena.compat.marlenv._games import UnknownOptionWarning
from arena.compat.marlenv.envs.graph_snake_env import GraphSnakeEnv
from arena.compat.marlenv.envs.snake_env import SnakeEnv
from arena.compat.marlenv.wrappers import AsyncVectorMultiEnv, SingleAgent, SingleMultiAgent, make_snake

__all__ = ["AsyncVectorMultiEnv", "GraphSnakeEnv", "SingleAgent", "SingleMultiAgent", "SnakeEnv", "UnknownOptionWarning",
           "envs", "make_snake", "wrappers"]
