"""Example submission for the fighting game: the rule-based BasedAgent, as a template for your own.

A learning agent would load its weights in `_initialize` (self.file_path is the manifest's
`weights` file) and map observations to the 10 keys in `predict`.
"""

from arena.envs.fighting import BasedAgent


class SubmittedAgent(BasedAgent):
    """Crosses to the opponent, attacks in reach, finishes with heavy attacks and recovers to the stage."""
