"""Recording what was played on a thread of its own, so that the driver goes on playing while
replays are written and results committed (a synchronous commit waits for the disk: about 5 ms
here, the time of a whole match)."""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from arena import replay
from arena.match import MatchResult
from arena.outputs import write_failure
from arena.tournament.blocks import Played
from arena.tournament.store import ResultsStore, ScheduledMatch


class Recorder:
    """Saves the replays and records the results given to `add` (a match's, or a block's), in order,
    in one transaction each, or one for all that wait. `finished` hands over what was recorded since
    it was last asked, for the caller's own thread; `close` records what is still waiting and returns
    the first error met (the store's lease lost, a full disk), after which nothing more was recorded."""

    def __init__(self, store: ResultsStore, replay_dir: Path, scheduled: dict[int, ScheduledMatch]):
        self.store = store
        self.replay_dir = replay_dir
        self.scheduled = scheduled
        self.recorded = 0
        self.error: BaseException | None = None
        self._waiting: queue.SimpleQueue[list[Played] | None] = queue.SimpleQueue()
        self._finished: queue.SimpleQueue[MatchResult] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="arena-recorder", daemon=True)
        self._thread.start()

    def add(self, played: list[Played]) -> None:
        """Record `played` after what came before it; raises the error that stopped recording, if any."""
        if self.error is not None:
            raise self.error
        self._waiting.put(played)

    def finished(self) -> list[MatchResult]:
        """The results recorded since the last call, in the order they were recorded."""
        results = []
        while not self._finished.empty():
            results.append(self._finished.get())
        return results

    def close(self) -> BaseException | None:
        """Record everything added (also when play stopped early), then end the thread."""
        self._waiting.put(None)
        self._thread.join()
        return self.error

    def _run(self) -> None:
        ended = False
        while not ended:
            played = self._waiting.get()
            if played is None:
                break
            # What else has come meanwhile goes in the same transaction: matches are recorded as they end
            # while the disk keeps up, and in batches when it does not.
            while not self._waiting.empty():
                more = self._waiting.get()
                if more is None:
                    ended = True
                    break
                played = [*played, *more]
            if self.error is not None:
                continue  # left unrecorded: the next run plays these matches again
            try:
                self._record(played)
            except BaseException as exc:  # noqa: BLE001  (handed to the driver by `add` and `close`)
                self.error = exc

    def _record(self, played: list[Played]) -> None:
        store = self.store
        finished = []
        for match_id, data in played:
            if isinstance(data, str):
                store.record_failure(match_id, data)
            else:
                finished.append((self.scheduled[match_id], MatchResult.from_dict(data)))
        if not finished:
            return
        store.check_lease()  # a run that lost the store must not overwrite the replays of the one that has it
        saved = []
        try:
            for match, result in finished:
                saved.append((match, result, str(self._save(match.match_id, result))))
        finally:  # what was saved before a replay could not be is recorded all the same
            if saved:
                self.recorded += store.record_many(saved)  # in one transaction
                for _, result, _ in saved:
                    self._finished.put(result)


    def _save(self, match_id: int, result: MatchResult) -> Path:
        path = self.replay_dir / replay_name(match_id, result.env)
        try:
            return replay.save(result, path)
        except OSError as exc:  # a full disk, say: the matches recorded so far stay, the rest wait for the next run
            raise write_failure(f"the replay of match {match_id}", path, exc) from None


def replay_name(match_id: int, env: str) -> str:
    return f"{match_id:06d}-{replay.file_stem(env)}.json"
