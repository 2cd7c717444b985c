"""Agents: the `Agent` contract every submission implements, and baseline agents."""

from arena.agents.base import Agent
from arena.agents.baselines import GreedyOthelloAgent, RandomAgent

__all__ = ["Agent", "GreedyOthelloAgent", "RandomAgent"]
