"""Dereferences a null pointer in native code."""
import ctypes

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        return ctypes.string_at(0)
