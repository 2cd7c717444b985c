"""One process at a time trains a run: a second is refused naming the first, and nothing of the run is touched."""

import subprocess
import sys
from pathlib import Path

import pytest

from arena.alphazero.cli import PARTS
from arena.errors import ArenaError
from arena.run_locks import held

HOLDS = """
import sys, time
from pathlib import Path
from arena.run_locks import held
with held(Path(sys.argv[1]), "the run"):
    print("holding", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def lock_held_elsewhere():
    """hold(path): another process, returned, holds the lock file `path` until the test ends."""
    holders = []

    def hold(path):
        holder = subprocess.Popen([sys.executable, "-c", HOLDS, str(path)], stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "holding"
        holders.append(holder)
        return holder

    yield hold
    for holder in holders:
        holder.kill()
        holder.wait()


def test_a_second_holder_is_refused_naming_the_first_and_the_lock_goes_with_its_process(tmp_path, lock_held_elsewhere):
    lock = tmp_path / "run.lock"
    holder = lock_held_elsewhere(lock)
    refused = rf"the run is being trained by process {holder.pid} on .*one process trains"
    with pytest.raises(ArenaError, match=refused), held(lock, "the run"):
        pass
    holder.kill()
    holder.wait()
    with held(lock, "the run"):  # its holder killed: the kernel let it go
        pass


def test_a_fighting_run_in_training_is_neither_cleared_nor_trained_by_a_second_command(cli, tmp_path,
                                                                                       lock_held_elsewhere):
    pytest.importorskip("stable_baselines3", reason='fighting runs train with it: pip install -e ".[train]"')
    run = tmp_path / "checkpoints" / "mine"
    run.mkdir(parents=True)
    (run / "rl_model_64_steps.zip").write_bytes(b"being trained")
    pid = lock_held_elsewhere(tmp_path / "checkpoints" / ".mine.lock").pid
    code, _, err = cli("train", "fighting", "--run", "mine", "--save-path", tmp_path / "checkpoints", "--overwrite")
    assert code == 1 and f"is being trained by process {pid}" in err
    assert (run / "rl_model_64_steps.zip").read_bytes() == b"being trained"


def test_an_alphazero_role_runs_in_one_process_at_a_time(cli, tmp_path, lock_held_elsewhere):
    pytest.importorskip("torch", reason='AlphaZero trains in torch: pip install -e ".[train]"')
    store = tmp_path / "az.sqlite"
    pid = lock_held_elsewhere(tmp_path / "az.sqlite.train.lock").pid  # a --role train process
    code, _, err = cli("train", "othello", "--algo", "alphazero", "--store", store, "--role", "all")
    assert code == 1 and f"az.sqlite (train) is being trained by process {pid}" in err
    assert not store.exists()


def test_the_lock_files_beside_a_store_in_the_checkout_are_ignored_by_git():
    # README's AlphaZero runs keep their store in runs/ from the repository's root: the store is ignored,
    # and so must be the lock file each of its roles leaves beside it, or git status lists runs/
    repo = Path(__file__).resolve().parent.parent
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    locks = [f"runs/az.sqlite.{role}.lock" for role in PARTS]
    ignored = subprocess.run(["git", "-C", str(repo), "check-ignore", "--no-index", *locks],
                             capture_output=True, text=True, check=False).stdout.split()
    assert ignored == locks
