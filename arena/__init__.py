"""arena: multi-agent game environments, a safe match and tournament harness, and training tools."""

__version__ = "0.1.0"
