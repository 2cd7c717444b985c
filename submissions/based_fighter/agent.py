"""Example submission for the fighting game: arena's rule-based BrawlerAgent, as a template for your own.

A learning agent would load its weights in `_initialize` (self.file_path is the manifest's
`weights` file) and map observations to the 10 keys in `predict`.
"""

from arena.envs.fighting import BrawlerAgent


class SubmittedAgent(BrawlerAgent):
    """Crosses to the opponent, attacks in reach, finishes with heavy attacks and recovers to the stage."""
