"""Example submission for snake: head for the nearest fruit in sight, never into a cell that kills.

It reads the default egocentric window (`vision_range` set): the head is at the centre and the
snake faces up, so "keep going" is the cell above the head, "left" the one to its left.
"""

from collections import deque

import numpy as np

from arena.agents import Agent

# Actions and the window cell each one moves the head to, relative to the head.
MOVES = {0: (-1, 0), 1: (0, -1), 2: (0, 1)}
STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


class SubmittedAgent(Agent):
    """Greedy: the safe move closest to fruit, preferring room to move and distance from other heads."""

    def predict(self, obs):
        frame = obs[..., -6:].astype(bool)  # the newest frame when frames are stacked
        walls, _, own_body, other_heads, other_bodies, fruit = np.moveaxis(frame, -1, 0)
        blocked = walls | own_body | other_heads | other_bodies
        centre = obs.shape[0] // 2
        length = int(own_body.sum()) + 1
        best, best_score = 0, None
        for action, (dr, dc) in MOVES.items():
            cell = (centre + dr, centre + dc)
            if blocked[cell]:
                continue
            room, fruit_distance = explore(blocked, fruit, cell)
            near_head = other_heads[max(cell[0] - 1, 0):cell[0] + 2, max(cell[1] - 1, 0):cell[1] + 2].any()
            score = (room >= min(length, 8), not near_head, -fruit_distance, room)
            if best_score is None or score > best_score:
                best, best_score = action, score
        return best


def explore(blocked: np.ndarray, fruit: np.ndarray, start: tuple[int, int]) -> tuple[int, float]:
    """Breadth-first from `start` over free cells: how many it reaches, and the distance to the nearest fruit."""
    seen = {start}
    queue = deque([(start, 0)])
    nearest = float("inf")
    while queue:
        (r, c), distance = queue.popleft()
        if fruit[r, c] and nearest == float("inf"):
            nearest = distance
        for dr, dc in STEPS:
            nxt = (r + dr, c + dc)
            if 0 <= nxt[0] < blocked.shape[0] and 0 <= nxt[1] < blocked.shape[1] and nxt not in seen and not blocked[nxt]:
                seen.add(nxt)
                queue.append((nxt, distance + 1))
    return len(seen), nearest
