"""What tells kernel work an agent left behind (`DeferredFrees`) from the host reclaiming its pages,
with memory counters this test sets: a cgroup v2 memory controller, whose memory.stat is read only
once its memory fell, cannot exist beside this machine's v1 one. The v1 path runs in test_fair_clocks."""

from arena.sandbox.cgroups import kernel_bytes
from arena.sandbox.deferred_frees import LEFT_BYTES, DeferredFrees

MiB = 1 << 20


class Counter:
    def __init__(self, value: int):
        self.value = value
        self.closed = False

    def read(self) -> int:
        return self.value

    def close(self) -> None:
        self.closed = True


def stopped_while(frees: DeferredFrees, change) -> bool:
    """Whether `frees` takes the agent for one leaving work behind, once `change` ran between two calls."""
    frees.call_ended()
    change()
    frees.call_begins()
    return frees.drains


def test_with_its_kernel_memory_alone_a_fall_of_it_flags_the_agent():
    kernel = Counter(40 * MiB)
    frees = DeferredFrees(kernel)
    assert not stopped_while(frees, lambda: setattr(kernel, "value", kernel.value - LEFT_BYTES + 1))
    assert stopped_while(frees, lambda: setattr(kernel, "value", kernel.value - LEFT_BYTES))


def test_where_all_its_memory_is_watched_its_fall_turns_the_watch_to_the_kernels_part():
    everything, kernel = Counter(300 * MiB), Counter(40 * MiB)
    frees = DeferredFrees(everything, kernel)
    assert not stopped_while(frees, lambda: setattr(everything, "value", everything.value - 64 * MiB))
    assert everything.closed
    # Its files' pages reclaimed again: no longer read; the kernel's part, unchanged, shows no work left.
    assert not stopped_while(frees, lambda: setattr(everything, "value", everything.value - 64 * MiB))
    assert stopped_while(frees, lambda: setattr(kernel, "value", kernel.value - 32 * MiB))


def test_a_fall_across_a_call_that_did_not_end_here_is_not_counted():
    kernel = Counter(300 * MiB)
    frees = DeferredFrees(kernel)
    frees.call_ended()
    frees.call_begins()  # a call its match ended without: it ran on, freeing what it liked
    kernel.value -= 256 * MiB
    frees.call_begins()
    assert not frees.drains


# memory.stat's first lines on Linux 6.x, and on a kernel before 5.18 (no `kernel` line)
STAT_6 = b"""anon 1060864
file 59478016
kernel 33767424
kernel_stack 81920
pagetables 33554432
sec_pagetables 0
percpu 960
sock 0
vmalloc 0
shmem 0
slab_reclaimable 52312
slab_unreclaimable 71552
slab 123864
"""
STAT_5 = b"""anon 1060864
file 59478016
kernel_stack 81920
pagetables 33554432
percpu 960
sock 0
shmem 0
slab_reclaimable 52312
slab_unreclaimable 71552
"""


def test_the_kernel_memory_of_a_v2_memory_stat_is_its_kernel_line_or_the_lines_it_sums():
    assert kernel_bytes(STAT_6) == 33767424
    assert kernel_bytes(STAT_5) == 81920 + 33554432 + 960 + 52312 + 71552
