"""The AI² fighting competition's modules on arena's fighting game.

A competition project runs after replacing its package name, `environment.` -> `arena.compat.ai2.environment.`:

    from arena.compat.ai2.environment.environment import *   # the game, its helpers and libraries
    from arena.compat.ai2.environment.agent import *         # agents, rewards, training, run_match
    from arena.compat.ai2 import *                           # the same as environment.agent

Names, attributes and behaviour are the competition's as far as arena's game has them; see each
module's docstring for what is not offered.
"""

from arena.compat.ai2.environment.agent import *  # noqa: F403
from arena.compat.ai2.environment.agent import __all__  # noqa: F401
