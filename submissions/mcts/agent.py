"""Example submission: Monte Carlo tree search on arena's native engine, for Othello and gomoku.

The whole agent is arena's MCTSAgent; this file only picks its budget. It searches until
either budget runs out, so it stays inside the harness's per-move time limit.
"""

from arena.agents.mcts import MCTSAgent


class SubmittedAgent(MCTSAgent):
    """Rollout MCTS: up to 20,000 simulations or 0.5 s per move; the game is the env it is seated in."""

    def __init__(self, file_path=None):
        super().__init__(simulations=20_000, time_per_move=0.5, file_path=file_path)
