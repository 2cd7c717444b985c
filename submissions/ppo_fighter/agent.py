"""ppo_fighter: a fighting policy trained with `arena train` (run 'ppo_fighter', 2,457,600 policy steps).

It plays the SB3 model in model.zip as policy.json says (algorithm, and for the fighting game the
controls: key combinations, frames per decision); see `arena.train.policy.PolicyAgent`.
"""

# Written by `arena export`: exporting again into this folder replaces its files.
from arena.train.policy import PolicyAgent


class SubmittedAgent(PolicyAgent):
    """The trained policy in model.zip."""
