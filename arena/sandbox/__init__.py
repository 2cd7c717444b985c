"""Sandboxed agents: every submission in its own confined process, so it can never harm the harness.

    from arena.sandbox import SandboxedAgent, Limits
    agent = SandboxedAgent(arena.submission.load("my_agent.zip"), time_per_move=1.0)
    result = play_match("othello", [agent, RandomAgent()], seed=0)
    agent.close()

`agent` (harness side: clocks, faults), `worker` (the agent's process), `protocol` and `codec`
(the pipe messages, never pickled), `isolate` (namespaces, the agent's filesystem, its identity), `cgroups` (memory, process and CPU totals, and freezing between calls), `clock` (fair chess clocks), `confine` (limits, capabilities, Landlock), `memory` (each agent's share of the machine's memory), `protections` (what this machine gives) and
`logs` (bounded output capture) are its parts.
"""

from arena.sandbox.agent import Limits, SandboxedAgent
from arena.sandbox.clock import Clock
from arena.sandbox.protections import missing_isolation, protections

__all__ = ["Clock", "Limits", "SandboxedAgent", "missing_isolation", "protections"]
