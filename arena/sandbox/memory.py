"""How much memory each agent may hold, so that the agents playing at once fit in this machine.

Agents that together ask for more than the machine has run it short, and the kernel then kills
agents that kept within their own limits; an opponent could do it on purpose. Without an organiser's
cap, each agent gets the usual limits, lowered to an even share of 90% of the machine's memory among
the agents playing at once; in tournaments, to PLAYING_SHARE of it: the rest is room for the sandboxes
a process keeps open between games, which keep what they hold within its share too
(`process_share_mb`); were the agents in play given all of it, none would fit beside them, and every
game would load its entrants again. The machine's memory is what this process's control groups allow,
where that is less (a container).
"""

from __future__ import annotations

from arena.sandbox.agent import Limits
from arena.sandbox.cgroups import machine_memory

MIN_MEMORY_MB = 64  # the least memory an organiser may give an agent
PLAYING_SHARE = 0.75  # of an even share of the machine, what an agent of a tournament may hold without a cap


def memory_limits(memory_mb: int | None, agents_at_once: int, keeping_sandboxes: bool = False) -> dict[str, int]:
    """The sandbox limits of an organiser's cap `memory_mb`: each agent's memory, and the most its
    manifest may ask for. Without it, 4096 MiB and a manifest's ask up to 16384, both at most
    `machine_share_mb(agents_at_once)`, or PLAYING_SHARE of it where other sandboxes are kept open
    between games (`keeping_sandboxes`)."""
    if memory_mb is not None:
        return {"memory_mb": memory_mb, "max_memory_mb": memory_mb}
    share = machine_share_mb(agents_at_once)
    if keeping_sandboxes:
        share = max(MIN_MEMORY_MB, int(share * PLAYING_SHARE))
    return {"memory_mb": min(Limits.memory_mb, share), "max_memory_mb": min(Limits.max_memory_mb, share)}


def memory_warning(memory_mb: int | None, agents_at_once: int) -> str | None:
    """What to tell an organiser whose `--memory-mb` lets the agents playing at once take more than this
    machine can give them (None when it does not)."""
    share = machine_share_mb(agents_at_once)
    if memory_mb is None or memory_mb <= share:
        return None
    total = memory_mb * agents_at_once
    return (f"--memory-mb {memory_mb} lets the {agents_at_once} agents playing at once take {total} MiB, more than "
            f"this machine can give them: should they, the kernel kills agents within their limits and those games "
            f"are played again; --memory-mb {share} or less keeps them within it")


def resume_warning(memory_mb: int, seats: int, workers: int) -> str | None:
    """What to tell an organiser resuming, with `workers` games at once of `seats` agents, a tournament
    whose agents may hold `memory_mb` each (set when it began), where together they could take more
    than this machine can give them (None when they cannot)."""
    agents_at_once = workers * seats
    if memory_mb <= machine_share_mb(agents_at_once):
        return None
    fit = max(1, usable_memory_mb() // (memory_mb * seats))
    return (f"this tournament's agents may hold {memory_mb} MiB each, and with --workers {workers} {agents_at_once} "
            f"play at once: more than this machine can give them, so the kernel may kill agents within their "
            f"limits and those games are played again; --workers {fit} or fewer keeps them within it")


def machine_share_mb(agents_at_once: int) -> int:
    """MiB each of `agents_at_once` agents may hold for all of them to fit in 90% of this machine's memory."""
    return max(MIN_MEMORY_MB, usable_memory_mb() // max(agents_at_once, 1))


def process_share_mb(processes: int, reserved_mb: int = 0) -> int:
    """MiB the agents of each of `processes` harness processes playing at once may hold together,
    those in play and those kept open for later games, for all of them and `reserved_mb` more to fit
    in 90% of this machine."""
    return max(0, usable_memory_mb() - reserved_mb) // max(processes, 1)


def usable_memory_mb() -> int:
    """The MiB agents may hold in all: 90% of this machine's memory, the rest left to arena and the system."""
    return machine_memory_mb() * 9 // 10


def machine_memory_mb() -> int:
    """This machine's memory in MiB, or the limit of this process's control groups where lower."""
    return machine_memory() >> 20
