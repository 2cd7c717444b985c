"""Does not parse."""
from arena.agents import Agent

class SubmittedAgent(Agent)
    pass
