"""Other systems' APIs on arena's engines, so code written for them runs after changing its imports.

- `arena.compat.ai2`: the AI² fighting competition's modules (`environment.environment`,
  `environment.agent`, `environment.constants`) on arena's fighting game.
"""
