"""Other systems' APIs on arena's engines, so code written for them runs after changing its imports.

- `arena.compat.ai2`: the AI² fighting competition's modules (`environment.environment`,
  `environment.agent`, `environment.constants`) on arena's fighting game.
- `arena.compat.marlenv`: marlenv's snake (`make_snake`, `Snake-v1`, its wrappers and vector env)
  on arena's snake engine.
"""
