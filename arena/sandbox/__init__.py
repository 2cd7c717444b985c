"""Sandboxed agents: every submission in its own confined process, so it can never harm the harness.

    from arena.sandbox import SandboxedAgent, Limits
    agent = SandboxedAgent(arena.submission.load("my_agent.zip"), time_per_move=1.0)
    result = play_match("othello", [agent, RandomAgent()], seed=0)
    agent.close()

`agent` (harness side: clocks, faults), `worker` (the agent's process), `protocol` and `codec`
(the pipe messages, never pickled), `isolate` (namespaces, the agent's filesystem, its identity), `cgroups` (memory, process and CPU totals, and freezing between calls), `clock` (fair chess clocks), `confine` (limits, capabilities, Landlock), `memory` (each agent's share of the machine's memory), `protections` (what this machine gives) and
`logs` (bounded output capture) are its parts.
"""

from importlib import import_module

# Imported here, `protections` is the function: a part imported on first use would leave its module
# under the name it shares with its function.
from arena.sandbox.protections import missing_isolation, protections

__all__ = ["Clock", "Limits", "SandboxedAgent", "missing_isolation", "protections"]

# Where the other public names live: importing one part (the sandbox launcher, which reads the shared
# libraries while it imports the rest) does not import them all, numpy included.
_HOMES = {"Clock": "clock", "Limits": "agent", "SandboxedAgent": "agent"}


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(import_module(f"arena.sandbox.{_HOMES[name]}"), name)
    raise AttributeError(f"module 'arena.sandbox' has no attribute {name!r}")
