"""The README's path for every game trained with stable-baselines3, on tiny budgets and through the
`arena` command: train, export, validate, then match against the example submission of that game."""

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("stable_baselines3")

from arena.cli import main  # noqa: E402
from arena.errors import ArenaError  # noqa: E402

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# game -> (settings for a run of seconds, options the export must state, arguments of export, the opponent)
FLOWS = {
    "snake": ("n_envs: 4\nn_steps: 16\nbatch_size: 64\neval_games: 1\nnum_snakes: 3\nframe_stack: 2\n"
              "height: 12\nwidth: 12\n",
              {"num_snakes": 3, "frame_stack": 2, "height": 12, "width": 12, "vision_range": 5},
              ["--prefix", "snake_0"], "snake_greedy"),
    "relay": ("n_envs: 2\nn_steps: 8\neval_games: 1\ncheck_freq: 64\nnum_players: 2\nleg_length: 20\n",
              {"num_players": 2, "leg_length": 20}, [], "relay_pd"),
    "fighting": ("n_envs: 2\nworkers: 1\nvec_env: dummy\nn_steps: 32\nbatch_size: 64\nn_epochs: 1\nnet_arch: [16]\n"
                 "imitate: ''\nsave_freq: 64\neval_freq: 0\n"
                 "opponents: {constant: {weight: 1.0, agent: ConstantAgent}}\n",
                 {}, [], "based_fighter"),
}


@pytest.mark.parametrize("game", sorted(FLOWS))
def test_a_trained_run_exports_a_submission_that_validates_and_plays(game, tmp_path, monkeypatch, capsys, submissions):
    settings, options, export_args, opponent = FLOWS[game]
    monkeypatch.chdir(tmp_path)
    Path("run.yaml").write_text(settings)
    assert main(["train", game, "--run", game, "--config", "run.yaml", "--timesteps", "128", "--save-path", "ck"]) == 0
    capsys.readouterr()
    assert main(["export", game, "--save-path", "ck", "--out", "mine", *export_args]) == 0
    manifest = tomllib.loads(Path("mine/arena.toml").read_text())
    assert manifest.get("options", {}) == options
    assert "Best model" not in capsys.readouterr().out  # the competition's handler's words: no choice was made

    assert main(["validate", "mine", "--max-steps", "40"]) == 0
    seats = options.get("num_snakes", options.get("num_players", 2))
    assert f"in {seats} games (one in each seat" in capsys.readouterr().out

    code = main(["match", "mine", str(submissions / opponent), "--games", "2", "--max-steps", "40", "--json"])
    shown = capsys.readouterr()
    games = [json.loads(line) for line in shown.out.splitlines()]
    assert code == 0 and len(games) == 2, (games, shown.err)
    assert all(len(g["agents"]) == seats and {a["status"] for a in g["agents"]} == {"ok"} for g in games)
    assert json.loads(Path(games[0]["replay"]).read_text())["env_options"] == options


def test_a_second_run_of_the_same_name_is_refused_unless_it_overwrites_the_first(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    Path("run.yaml").write_text(FLOWS["relay"][0])
    train = ["train", "relay", "--run", "relay", "--config", "run.yaml", "--timesteps", "64", "--save-path", "ck"]
    assert main(train) == 0
    first = sorted(Path("ck/relay").glob("*_steps.zip"))
    assert first
    capsys.readouterr()
    assert main(train) != 0
    error = capsys.readouterr().err
    assert "ck/relay holds an earlier run (1 checkpoint, the newest" in error and "--overwrite" in error
    assert sorted(Path("ck/relay").glob("*_steps.zip")) == first  # nothing deleted unasked
    assert main([*train, "--overwrite"]) == 0
    capsys.readouterr()
    assert main(["train", "fighting", "--resume", "--overwrite"]) != 0
    assert "give one of them" in capsys.readouterr().err


def test_a_run_stopped_before_its_first_checkpoint_starts_again_and_ctrl_c_says_what_a_run_kept(tmp_path, monkeypatch,
                                                                                                capsys):
    from arena.train import relay
    from arena.train.checkpoints import kept_by

    monkeypatch.chdir(tmp_path)
    Path("run.yaml").write_text(FLOWS["relay"][0])
    train = ["train", "relay", "--run", "relay", "--config", "run.yaml", "--timesteps", "64", "--save-path", "ck"]
    real_train = relay.train_relay

    def stopped_at_once(config):  # Ctrl-C before the first checkpoint: its settings are written
        Path("ck/relay").mkdir(parents=True)
        Path("ck/relay/config.yaml").write_text("run: relay\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(relay, "train_relay", stopped_at_once)
    assert main(train) == 130
    assert "ck/relay: no checkpoint yet (the same command starts the run again)" in capsys.readouterr().err
    monkeypatch.setattr(relay, "train_relay", real_train)
    assert main(train) == 0  # nothing it trained is lost
    assert "ck/relay held a run stopped before its first checkpoint: started afresh" in capsys.readouterr().out
    newest = sorted(Path("ck/relay").glob("*_steps.zip"))[-1].name
    assert kept_by(Path("ck/relay")) == (f"ck/relay keeps 1 checkpoint, the newest {newest}: --resume goes on from "
                                          "it, arena export makes a submission of it")


def test_snakes_train_with_ppo_only_and_say_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "snake", "--algo", "a2c", "--timesteps", "64"]) == 1
    assert "arena train snake --algo a2c: snakes train with ppo only" in capsys.readouterr().err
    assert not Path("checkpoints").exists()


def test_a_snake_run_refused_for_a_second_run_counts_its_checkpoints_not_its_learners_zips(tmp_path):
    from arena.train.checkpoints import make_way_for_run

    run = tmp_path / "snake"
    run.mkdir()
    for steps in (64, 128):  # two checkpoints of four learners: eight zips
        for learner in range(4):
            (run / f"snake_{learner}_{steps}_steps.zip").write_bytes(b"")
    with pytest.raises(ArenaError) as refused:
        make_way_for_run(run, overwrite=False)
    assert str(refused.value).startswith(f"{run} holds an earlier run (2 checkpoints of its 4 learners, snake_0 to "
                                         f"snake_3, the newest at step 128): --resume to go on from it")


def test_a_finished_run_resumed_with_plot_draws_its_curves(tmp_path, monkeypatch, capsys):
    # As when Ctrl-C stopped the run while it drew them: the run is whole, its picture was not.
    monkeypatch.chdir(tmp_path)
    Path("run.yaml").write_text(FLOWS["relay"][0])
    train = ["train", "relay", "--run", "relay", "--config", "run.yaml", "--timesteps", "64", "--save-path", "ck"]
    assert main(train) == 0
    assert not Path("ck/relay/curves.png").exists()
    capsys.readouterr()
    assert main([*train, "--resume", "--plot"]) == 0
    assert "nothing more to do" in capsys.readouterr().out
    assert Path("ck/relay/curves.png").stat().st_size > 0
