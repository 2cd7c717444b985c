"""Running a tournament's pending matches: on this process, a process pool, or a Ray cluster.

The driver hands out blocks of matches and is the only writer of replays and of the results
store: each finished match is saved and recorded (one transaction) as soon as its block returns.
A block that fails as a whole (its worker died, say) notes its matches as failures for this run;
the others go on.

Pool workers die with the driver, however it ends (even by SIGKILL): each asks the kernel for
SIGKILL when its parent goes (PR_SET_PDEATHSIG), and the driver kills them if it stops early.
They sit in a process group of their own, so a terminal's Ctrl-C reaches the driver alone.
"""

from __future__ import annotations

import ctypes
import io
import os
import signal
import socket
import zipfile
from collections import deque
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable, Iterator

from arena import replay
from arena.errors import ArenaError
from arena.match import MatchResult
from arena.sandbox import launcher
from arena.tournament.blocks import EntrantPackage, Played, one_line, play_block
from arena.tournament.store import Entrant, ResultsStore, ScheduledMatch

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

BLOCK_SIZE = 4  # games of one pairing per task: big enough to amortise, small enough to spread
Block = list[tuple[int, int, tuple[int, ...]]]


def blocks_of(matches: list[ScheduledMatch], size: int = BLOCK_SIZE) -> list[Block]:
    """Consecutive matches with the same entrants, at most `size` at a time, in schedule order."""
    blocks: list[Block] = []
    for m in matches:
        if blocks and len(blocks[-1]) < size and set(blocks[-1][-1][2]) == set(m.seats):
            blocks[-1].append((m.match_id, m.seed, m.seats))
        else:
            blocks.append([(m.match_id, m.seed, m.seats)])
    return blocks


def play_pending(store: ResultsStore, settings: dict[str, Any], replay_dir: Path, backend: Backend,
                 on_match: Callable[[MatchResult], None] = lambda result: None) -> int:
    """Play every unplayed scheduled match; returns how many were recorded."""
    pending = store.pending()
    if not pending:
        return 0
    by_id = {m.match_id: m for m in pending}
    entrants = {e.id: e for e in store.entrants()}
    needed = {e for m in pending for e in m.seats}
    packages = {i: backend.package(entrants[i]) for i in needed}
    recorded = 0
    for played in backend.run(settings, packages, blocks_of(pending)):
        finished = []
        for match_id, data in played:
            if isinstance(data, str):
                store.record_failure(match_id, data)
            else:
                finished.append((by_id[match_id], MatchResult.from_dict(data)))
        if not finished:
            continue
        store.check_lease()  # a run that lost the store must not overwrite the replays of the one that has it
        saved = [(match, result, str(replay.save(result, replay_dir / replay_name(match.match_id, result.env))))
                 for match, result in finished]
        recorded += store.record_many(saved)  # a block's matches in one transaction
        for _, result, _ in saved:
            on_match(result)
    return recorded


def replay_name(match_id: int, env: str) -> str:
    return f"{match_id:06d}-{replay.file_stem(env)}.json"


class Backend:
    """Where blocks are played: here, one after the other."""

    def package(self, entrant: Entrant) -> EntrantPackage:
        return EntrantPackage(entrant.id, entrant.label, entrant.digest, path=entrant.archive, problem=entrant.problem)

    def run(self, settings: dict[str, Any], packages: dict[int, EntrantPackage],
            blocks: list[Block]) -> Iterator[list[Played]]:
        """What each block played, block by block, as soon as it is known."""
        for block in blocks:
            yield play_block(settings, packages, block)


class ProcessPoolBackend(Backend):
    """This process and `workers - 1` spawned processes on this machine, which die with this process.

    Each player keeps a sandbox open for every entrant it has played (see `arena.tournament.blocks`),
    so blocks are routed: each gets its own queue (`route`), made of few entrants, and a player
    whose queue is empty takes blocks from the end of the longest one. This process plays the first
    queue itself, between recording what the others send back: one process fewer to start.

    With `keep`, the workers (and the sandboxes they keep warm) live on from one `run` to the
    next, for a caller that plays batch after batch (`arena serve`); `close` ends them.
    """

    IN_FLIGHT = 2  # blocks handed to a worker at a time: it never waits for the driver between two

    def __init__(self, workers: int, keep: bool = False):
        self.workers = workers
        self.keep = keep
        self._kept: list[ProcessPoolExecutor] = []

    def run(self, settings, packages, blocks):
        queues = route(blocks, self.workers)
        pools, self._kept = self._kept, []
        connections = [launcher.share() for _ in range(len(queues) - 1 - len(pools))]
        pools += [ProcessPoolExecutor(1, mp_context=get_context("spawn"), initializer=setup_worker,
                                      initargs=(os.getpid(), theirs)) for theirs, _ in connections]
        in_flight: dict[Any, tuple[int, Block]] = {}
        played = [set() for _ in queues]  # the entrants each player has sandboxes for; player 0 is this process

        def next_block(player: int) -> Block | None:
            block = queues[player].popleft() if queues[player] else steal(queues, played[player])
            if block is not None:
                played[player].update(e for _, _, seats in block for e in seats)
            return block

        def feed(worker: int) -> None:
            while sum(w == worker for w, _ in in_flight.values()) < self.IN_FLIGHT:
                block = next_block(worker)
                if block is None:
                    return
                in_flight[pools[worker - 1].submit(play_block, settings, packages, block)] = (worker, block)

        finished = False
        try:
            for worker in range(1, len(queues)):
                feed(worker)  # which starts its process, with its copy of its connection
            for theirs, launcher_end in connections:  # the launcher starts while the workers do
                launcher.admit(launcher_end)
                theirs.close()
                launcher_end.close()
            while True:
                done = [future for future in in_flight if future.done()]
                if not done:
                    block = next_block(0)
                    if block is not None:
                        yield play_block(settings, packages, block)
                        continue
                    if not in_flight:
                        break
                    done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    worker, block = in_flight.pop(future)
                    feed(worker)
                    yield _outcome(future, block)
            finished = True
        finally:
            if finished and self.keep:
                self._kept = pools
            else:
                for pool in pools:
                    if not finished:  # interrupted or failing: stop the blocks in play rather than wait for them
                        _kill_workers(pool)
                    pool.shutdown(wait=finished, cancel_futures=True)

    def close(self) -> None:
        """End the workers kept with `keep`."""
        pools, self._kept = self._kept, []
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


STEAL_FROM = 8  # blocks a queue must hold for an idle worker to take one that needs new sandboxes


def steal(queues: list[deque[Block]], entrants: set[int]) -> Block | None:
    """For a worker whose queue is empty and that has sandboxes for `entrants`: a block from the end
    of the longest queue, the last one it needs no new sandbox for, else the last one if that queue
    is long enough to be worth starting sandboxes for; None when there is nothing to take."""
    queue = max(queues, key=len)
    for index in range(len(queue) - 1, -1, -1):
        if all(e in entrants for _, _, seats in queue[index] for e in seats):
            block = queue[index]
            del queue[index]
            return block
    return queue.pop() if len(queue) >= STEAL_FROM else None


def route(blocks: list[Block], workers: int) -> list[deque[Block]]:
    """Blocks shared out among `workers` queues of about as many matches each, each queue playing
    few entrants: a block goes to the queue with room that already plays the most of its entrants
    (then the shortest). Within a queue, blocks keep their schedule order.

    >>> [[b[0][2] for b in q] for q in route([[(1, 0, (0, 1))], [(2, 0, (2, 3))], [(3, 0, (1, 0))]], 2)]
    [[(0, 1), (1, 0)], [(2, 3)]]
    """
    total = sum(len(block) for block in blocks)
    room = -(-total // workers)  # matches a queue takes before the others are preferred
    queues: list[deque[Block]] = [deque() for _ in range(workers)]
    loads = [0] * workers
    entrants: list[set[int]] = [set() for _ in range(workers)]
    for block in blocks:
        needed = {e for _, _, seats in block for e in seats}

        def preference(worker: int) -> tuple:
            return (loads[worker] + len(block) > room, len(needed - entrants[worker]), loads[worker])

        worker = min(range(workers), key=preference)
        queues[worker].append(block)
        loads[worker] += len(block)
        entrants[worker] |= needed
    return queues


def _outcome(future, block: Block) -> list[Played]:
    """A block's results, or a failure for each of its matches if its worker could not play it."""
    try:
        return future.result()
    except Exception as exc:
        return failed(block, exc)


def failed(block: Block, exc: BaseException) -> list[Played]:
    """A failure for each match of a block whose worker could not play it (it died, say)."""
    reason = f"the worker playing it failed: {one_line(exc)}"
    return [(match_id, reason) for match_id, _, _ in block]


def setup_worker(parent: int, sandbox_launcher: socket.socket) -> None:
    """In a pool worker: be killed when the driver (`parent`) ends, whatever ends it, leave its
    process group, whose Ctrl-C the driver handles by stopping the workers itself, and start
    sandboxes through the driver's launcher."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent was already gone before the request took effect
        os._exit(1)
    os.setpgid(0, 0)
    launcher.adopt(sandbox_launcher)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    # The executor keeps no public list of its processes; without this, shutdown waits for every
    # block in play to finish.
    for process in list((pool._processes or {}).values()):
        if process.is_alive():
            process.kill()


class RayBackend(Backend):
    """Ray tasks on a cluster at `address` (or a local one with `workers` CPUs when None).

    Entrants travel zipped through Ray's object store, so workers need no shared filesystem.
    """

    def __init__(self, workers: int, address: str | None):
        try:
            import ray
        except ImportError:
            raise ArenaError("the Ray backend needs Ray: pip install 'arena[ray]'") from None
        self.ray = ray
        self.workers = workers
        self.address = address

    def package(self, entrant: Entrant) -> EntrantPackage:
        zipped = None if entrant.problem else _zip_folder(Path(entrant.archive))
        return EntrantPackage(entrant.id, entrant.label, entrant.digest, zipped=zipped, problem=entrant.problem)

    def run(self, settings, packages, blocks):
        ray = self.ray
        started_here = not ray.is_initialized()
        if started_here:
            ray.init(address=self.address, num_cpus=None if self.address else self.workers, include_dashboard=False,
                     log_to_driver=False, logging_level="ERROR")
        try:
            task = ray.remote(num_cpus=1)(play_block)
            shared = ray.put(packages)
            pending = [task.remote(settings, shared, block) for block in blocks]
            blocks_of_task = dict(zip(pending, blocks))
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                try:
                    played = ray.get(done[0])
                except Exception as exc:  # a worker lost, say: this block's matches wait for the next run
                    played = failed(blocks_of_task[done[0]], exc)
                yield played
        finally:
            if started_here:
                ray.shutdown()


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def backend_for(name: str, workers: int, address: str | None = None) -> Backend:
    """The backend called `name` ("process" or "ray") with `workers` parallel players."""
    if workers < 1:
        raise ArenaError(f"--workers must be at least 1, got {workers}")
    if name == "ray":
        return RayBackend(workers, address)
    if name != "process":
        raise ArenaError(f"unknown backend {name!r}: choose process or ray")
    return Backend() if workers == 1 else ProcessPoolBackend(workers)
