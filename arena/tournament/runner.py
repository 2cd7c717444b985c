"""Running a tournament's pending matches: on this process, a process pool, or a Ray cluster.

The driver hands out blocks of matches and is the only writer of replays and of the results
store: each block's matches are saved and recorded (one transaction) as soon as it returns, by a
thread of the driver's own (`arena.tournament.recorder`) while play goes on.
A block that fails as a whole (its worker died, say) notes its matches as failures for this run;
the others go on.

Player processes (`arena.tournament.players`) die with the driver, however it ends, and the
driver kills them if it stops early.
"""

from __future__ import annotations

import io
import weakref
import zipfile
from collections import deque
from contextlib import AbstractContextManager, nullcontext
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Callable, Collection, Iterator

from arena.cpus import allowed_cpus, kept_on_cpu
from arena.errors import ArenaError, install_hint
from arena.match import MatchResult
from arena.sandbox import launcher
from arena.sandbox.memory import process_share_mb
from arena.tournament.blocks import (Block, EntrantPackage, Played, one_line, play_block, play_while_in_play,
                                    playing_any)
from arena.tournament.players import Player, PlayerGone, failed
from arena.tournament.recorder import Recorder
from arena.tournament.store import Entrant, ResultsStore, ScheduledMatch

BLOCK_SIZE = 4  # games of one pairing per task: big enough to amortise, small enough to spread
WITHDRAWALS_SEEN_WITHIN = 1.0  # seconds before players waited on hear of an entrant withdrawn meanwhile


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
                 on_match: Callable[[MatchResult], None] = lambda result: None,
                 withdrawn: Collection[int] = frozenset()) -> int:
    """Play every unplayed scheduled match; returns how many were recorded. `on_match` is called on
    this thread with each result once it is recorded. `withdrawn`, which may grow meanwhile: entrants
    taken out of play while this runs (retired, disqualified), whose games are played no more and, where
    under way, not recorded (they stay unplayed, for the store to cancel)."""
    pending = store.pending()
    if not pending:
        return 0
    entrants = {e.id: e for e in store.entrants()}
    needed = {e for m in pending for e in m.seats}
    packages = {i: backend.package(entrants[i]) for i in needed}
    scheduled = {m.match_id: m for m in pending}
    with backend.placed():  # the recorder's thread too
        recorder = Recorder(store, replay_dir, scheduled)
        try:
            for played in backend.run(settings, packages, blocks_of(pending), withdrawn):
                recorder.add([p for p in played if not any(e in withdrawn for e in scheduled[p[0]].seats)])
                for result in recorder.finished():
                    on_match(result)
        finally:
            error = recorder.close()  # what was played is recorded, also when play stops early
    if error is not None:
        raise error
    for result in recorder.finished():
        on_match(result)
    return recorder.recorded


class Backend:
    """Where blocks are played: here, one after the other."""

    workers = 1
    reserved_mb = 0  # memory of this machine's agents outside the backend's games (a server's validators)

    def memory_settings(self) -> dict[str, int]:
        """What each process playing blocks may let its agents hold, those in play and those it keeps
        open, where the backend knows how many play on this machine at once (else each process
        takes its machine's share per CPU)."""
        return {"process_memory_mb": process_share_mb(self.workers, self.reserved_mb)}

    def package(self, entrant: Entrant) -> EntrantPackage:
        return EntrantPackage(entrant.id, entrant.label, entrant.digest, path=entrant.archive, problem=entrant.problem)

    def run(self, settings: dict[str, Any], packages: dict[int, EntrantPackage], blocks: list[Block],
            withdrawn: Collection[int] = frozenset()) -> Iterator[list[Played]]:
        """What the blocks played, as soon as it is known: here, match by match. The games not yet begun
        of an entrant in `withdrawn` (which may grow meanwhile) are left unplayed."""
        for block in blocks:
            for played in play_while_in_play(settings, packages, block, withdrawn):
                yield [played]

    def close(self) -> None:
        """End what the backend keeps running between runs (nothing, here)."""

    def placed(self) -> AbstractContextManager:
        """Where this thread plays and records while it runs blocks: anywhere, here."""
        return nullcontext()


class ProcessPoolBackend(Backend):
    """This process and `workers - 1` player processes on this machine (`arena.tournament.players`),
    which die with this process.

    Each player keeps a sandbox open for every entrant it has played (see `arena.tournament.blocks`),
    so blocks are routed: each gets its own queue (`route`), made of few entrants, and a player
    whose queue is empty takes blocks from the end of the longest one. This process plays the first
    queue itself, between recording what the others send back: one process fewer to start.

    The players start with the backend: made before the caller starts threads or sandboxes (as
    `arena tournament` does), they are forked, in milliseconds. They (and the sandboxes they keep
    warm) live on from one `run` to the next (the rounds of a swiss tournament, the batches of
    `arena serve`) until `close`, or until the backend is dropped or the process exits.
    """

    IN_FLIGHT = 2  # blocks handed to a player at a time: it never waits for the driver between two

    def __init__(self, workers: int):
        self.workers = workers
        cpus = sorted(allowed_cpus())
        # A CPU for each player, this process's threads included: two never share one for a match while
        # another idles (a match keeps its agents on its CPU), as they would from time to time otherwise.
        self._cpus = cpus if len(cpus) >= workers else None
        self._players: list[Player] = [Player(self._cpu(worker)) for worker in range(1, workers)]
        self._end = weakref.finalize(self, _end_players, self._players)

    def _cpu(self, worker: int) -> int | None:
        return None if self._cpus is None else self._cpus[worker]

    def placed(self) -> AbstractContextManager:
        return kept_on_cpu(self._cpu(0))

    def run(self, settings, packages, blocks, withdrawn=frozenset()):
        queues = route(blocks, self.workers)
        players = self._players
        for index, player in enumerate(players):
            if not player.process.is_alive():  # died in an earlier run
                player.close()
                players[index] = Player(self._cpu(index + 1))
        players += [Player(self._cpu(worker)) for worker in range(len(players) + 1, len(queues))]
        # Each player's blocks in play, the oldest first, less the matches it has sent back.
        in_flight: dict[int, deque[Block]] = {worker: deque() for worker in range(1, len(queues))}
        played = [set() for _ in queues]  # the entrants each player has sandboxes for; player 0 is this process

        def next_block(player: int) -> Block | None:
            while True:
                block = queues[player].popleft() if queues[player] else steal(queues, played[player])
                if block is None or not playing_any(block, withdrawn):
                    break
            if block is not None:
                played[player].update(e for _, _, seats in block for e in seats)
            return block

        def feed(worker: int) -> Iterator[list[Played]]:
            """Blocks for `worker` until it has IN_FLIGHT in play; the failures of its blocks if it is gone."""
            try:
                while len(in_flight[worker]) < self.IN_FLIGHT:
                    block = next_block(worker)
                    if block is None:
                        return
                    in_flight[worker].append(list(block))
                    players[worker - 1].send(settings, packages, block)
            except PlayerGone as why:
                yield from gone(worker, why)

        def gone(worker: int, why: PlayerGone) -> Iterator[list[Played]]:
            """A player that died: the matches of its blocks in play it did not send back fail, its queue
            comes to this process."""
            while in_flight[worker]:
                yield failed(in_flight[worker].popleft(), str(why))
            del in_flight[worker]
            queues[0].extend(queues[worker])
            queues[worker].clear()

        told: frozenset[int] = frozenset()  # the entrants withdrawn that the players have been told of

        def tell_of_withdrawals() -> Iterator[list[Played]]:
            """Each player told of entrants withdrawn since it was last told: it begins none of their games
            in the blocks it holds (`arena serve` retiring one, from another thread)."""
            nonlocal told
            now = frozenset(withdrawn)
            if now == told:
                return
            for worker in [w for w, blocks_in_play in in_flight.items() if blocks_in_play]:
                try:
                    players[worker - 1].withdraw(now - told)
                except PlayerGone as why:
                    yield from gone(worker, why)
            told = now

        finished = False
        own: Iterator[Played] | None = None  # the block this process plays, match by match
        try:
            for worker in list(in_flight):
                yield from feed(worker)
            while True:
                yield from tell_of_withdrawals()
                busy = {players[w - 1].connection: w for w, blocks_in_play in in_flight.items() if blocks_in_play}
                ready = [connection for connection in busy if connection.poll()]
                if not ready:
                    if own is None and (block := next_block(0)) is not None:
                        own = play_while_in_play(settings, packages, block, withdrawn)
                    if own is not None:  # one match, then what the players sent meanwhile is recorded
                        match = next(own, None)
                        if match is None:
                            own = None
                        else:
                            yield [match]
                        continue
                    if not busy:
                        break
                    ready = wait(list(busy), timeout=WITHDRAWALS_SEEN_WITHIN)
                for connection in ready:
                    worker = busy[connection]
                    try:
                        result, block_over = players[worker - 1].receive()
                    except PlayerGone as why:
                        yield from gone(worker, why)
                        continue
                    answered = {match_id for match_id, _ in result}
                    in_flight[worker][0][:] = [match for match in in_flight[worker][0] if match[0] not in answered]
                    if block_over:
                        in_flight[worker].popleft()
                    if result:  # nothing where the rest of a block was withdrawn
                        yield result  # before feeding it: a player found gone then keeps what it played
                    if block_over:
                        yield from feed(worker)
            finished = True
        finally:
            if not finished:  # interrupted or failing: stop the blocks in play; the next run starts new players
                for player in players:
                    player.kill()
                players.clear()

    def close(self) -> None:
        """End the players, which close the sandboxes they keep warm."""
        self._end()


def _end_players(players: list[Player]) -> None:
    for player in players:
        player.close()
    players.clear()


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


class RayBackend(Backend):
    """Ray tasks on a cluster at `address` (or a local one with `workers` CPUs when None).

    Entrants travel zipped through Ray's object store, so workers need no shared filesystem.
    """

    def __init__(self, workers: int, address: str | None):
        try:
            import ray
        except ImportError:
            raise ArenaError(f"the Ray backend needs Ray: {install_hint('ray')}") from None
        self.ray = ray
        self.workers = workers
        self.address = address

    def memory_settings(self) -> dict[str, int]:
        return super().memory_settings() if self.address is None else {}  # a cluster's machines are its own

    def package(self, entrant: Entrant) -> EntrantPackage:
        zipped = None if entrant.problem else _zip_folder(Path(entrant.archive))
        return EntrantPackage(entrant.id, entrant.label, entrant.digest, zipped=zipped, problem=entrant.problem)

    def run(self, settings, packages, blocks, withdrawn=frozenset()):
        ray = self.ray
        started_here = not ray.is_initialized()
        if started_here:
            ray.init(address=self.address, num_cpus=None if self.address else self.workers, include_dashboard=False,
                     log_to_driver=False, logging_level="ERROR")
        try:
            task = ray.remote(num_cpus=1)(play_block)
            shared = ray.put(packages)
            # A block a CPU, the next sent as one ends: a block sent is played to its end, so one of an
            # entrant withdrawn meanwhile (`arena serve` retiring it) must not have been sent yet.
            in_flight = max(1, int(ray.cluster_resources().get("CPU", self.workers)))
            waiting, block_of_task = deque(blocks), {}
            while waiting or block_of_task:
                while waiting and len(block_of_task) < in_flight:
                    block = waiting.popleft()
                    if not playing_any(block, withdrawn):
                        block_of_task[task.remote(settings, shared, block)] = block
                if not block_of_task:
                    break
                done, _ = ray.wait(list(block_of_task), num_returns=1)
                block = block_of_task.pop(done[0])
                try:
                    played = ray.get(done[0])
                except Exception as exc:  # a worker lost, say: this block's matches wait for the next run
                    played = failed(block, one_line(exc))
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
    backend = Backend() if workers == 1 else ProcessPoolBackend(workers)
    launcher.warm_up()  # after the players are forked: they need no copy of it
    return backend
