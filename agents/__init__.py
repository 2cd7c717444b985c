"""Agents: the `Agent` contract every submission implements, baseline agents and MCTS."""

from arena.agents.base import Agent, TimeControl
from arena.agents.baselines import GreedyOthelloAgent, RandomAgent
from arena.agents.mcts import MCTSAgent

__all__ = ["Agent", "GreedyOthelloAgent", "MCTSAgent", "RandomAgent", "TimeControl"]
