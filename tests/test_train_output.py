"""What training says about itself: budgets met or rounded with a reason, real totals, and no
AlphaZero generation promoted before it trained."""

import re

import pytest

pytest.importorskip("torch")

from arena.alphazero import loop  # noqa: E402
from arena.alphazero.config import AlphaZeroConfig  # noqa: E402


def small_othello(**changes) -> AlphaZeroConfig:
    """6x6 Othello, a one-block network; the first generation's 8 games hold too few positions to train on."""
    settings = dict(game="othello", size=6, channels=8, blocks=1, games_per_generation=8, lockstep_games=8,
                    simulations=8, bootstrap_games=8, bootstrap_simulations=16, gate_games=0, gate_simulations=8,
                    min_positions=400, buffer_positions=1000, batch_size=16, sample_reuse=1.0, generations=2)
    return AlphaZeroConfig(**{**settings, **changes})


def test_alphazero_says_what_training_waits_for_and_never_promotes_an_untrained_network(tmp_path, capsys):
    store = loop.open_store(tmp_path / "az.sqlite", small_othello())
    loop.run(store)
    out = capsys.readouterr().out
    statuses = dict(store._db.execute("SELECT id, status FROM networks").fetchall())
    # gate_games=0 promotes every candidate: only a trained one may be one.
    assert statuses == {0: "promoted", 1: "skipped", 2: "promoted"}
    assert [m.candidate for m in store.matches()] == [2]
    assert store.network_step(1) == 0 and store.network_step(2) > 0
    waiting = next(line for line in out.splitlines() if "generation 1" in line)
    assert "nothing to train yet" in waiting and "training starts at min_positions 400" in waiting
    assert " more, about " in waiting and not re.search(r"\b0 steps", out)


def test_a_self_play_round_says_how_far_it_got_while_its_games_play(monkeypatch):
    from arena.alphazero import selfplay

    monkeypatch.setattr(selfplay, "PROGRESS_SECONDS", 0.001)
    seen = []
    records, _ = selfplay.play_games(small_othello(bootstrap_simulations=64), None, 16, seed=0,
                                     progress=lambda finished, games: seen.append((finished, games)))
    assert len(records) == 16 and seen and all(games == 16 for _, games in seen)
    finished = [done for done, _ in seen]
    assert finished == sorted(finished) and 0 <= finished[0] and finished[-1] <= 16
    assert len(set(finished)) > 1  # it moved on while they played


def test_a_skipped_generation_resumes_like_the_uninterrupted_run(tmp_path):
    whole = loop.open_store(tmp_path / "whole.sqlite", small_othello())
    loop.run(whole)
    parts = loop.open_store(tmp_path / "parts.sqlite", small_othello(), generations=1)
    loop.run(parts)
    loop.run(loop.open_store(tmp_path / "parts.sqlite", generations=2))
    assert parts.network_step(2) == whole.network_step(2)
    assert parts.matches() == whole.matches()


@pytest.mark.parametrize("asked, trained", [(1024, 1024), (1000, 1024)])
def test_snake_training_meets_its_budget_or_says_why_it_rounds(tmp_path, capsys, asked, trained):
    pytest.importorskip("stable_baselines3")
    from arena.train.snake import SnakeConfig, train_snakes

    run = train_snakes(SnakeConfig(run="snakes", save_path=str(tmp_path), timesteps=asked, n_envs=16, n_steps=16,
                                   batch_size=64, num_snakes=2, eval_games=1))
    out = capsys.readouterr().out
    assert sorted(p.name for p in run.glob("*.zip")) == [f"snake_{i}_{trained}_steps.zip" for i in range(2)]
    rounded = f"training {trained:,} policy steps instead of {asked:,}"
    assert (rounded in out) == (asked != trained)
    if asked != trained:
        assert "n_steps 16 x n_envs 16 = 256 steps" in out
    assert f"{trained}/{trained}" in out  # the bar's total is what is trained


def test_every_default_budget_is_whole_rollouts():
    """A run with no flags trains exactly what it says, without a note on rounding."""
    from arena.train.config import TrainConfig
    from arena.train.relay import PRESETS, RelayConfig
    from arena.train.snake import SnakeConfig

    snake, fighting = SnakeConfig(), TrainConfig()
    assert snake.timesteps % (snake.n_steps * snake.n_envs) == 0
    assert fighting.timesteps % (fighting.n_steps * fighting.n_envs) == 0
    for preset in PRESETS.values():
        assert preset["timesteps"] % (preset["n_steps"] * RelayConfig().n_envs) == 0
