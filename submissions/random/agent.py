"""Example submission: a uniformly random legal move, in any arena game."""

from arena.agents import RandomAgent


class SubmittedAgent(RandomAgent):
    """Plays at random; the harness seeds it, so matches are reproducible."""
