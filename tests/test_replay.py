"""Replays re-simulate matches exactly, refuse damaged files, and render to video after the fact."""

import json
import subprocess
import sys
from pathlib import Path

import imageio.v2 as imageio
import numpy as np
import pytest

from arena import replay, video
from arena.agents import GreedyOthelloAgent, RandomAgent
from arena.errors import ArenaError, ReplayError
from arena.match import play_match
from arena.envs import make_raw
from scripted import Scripted


def test_a_saved_replay_loads_back_equal_and_reproduces(tmp_path):
    result = play_match("othello", [RandomAgent(), GreedyOthelloAgent()], seed=4)
    path = replay.save(result, tmp_path / "deep" / "game.json")
    loaded = replay.load(path)
    assert loaded == result
    again = replay.resimulate(loaded)
    assert again.actions == result.actions and again.agents == result.agents and again.outcome == result.outcome


def test_a_replay_that_cannot_be_written_leaves_no_part_behind(tmp_path):
    # A file-size limit stands in for a full disk: the write fails half-way, as it would there.
    code = (f"import resource, sys\nfrom arena import replay\nfrom arena.agents import RandomAgent\n"
            f"from arena.match import play_match\n"
            f"result = play_match('othello', [RandomAgent(), RandomAgent()], seed=0)\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))\n"
            f"try:\n    replay.save(result, {str(tmp_path / 'game.json')!r})\n"
            f"except OSError as exc:\n    sys.exit(f'failed: {{exc.strerror}}')\n")
    failed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert failed.stderr.strip() == "failed: File too large"
    assert list(tmp_path.iterdir()) == []


def test_a_replay_of_other_rules_says_so_instead_of_failing_to_reproduce(tmp_path):
    result = play_match("fighting", [RandomAgent(), RandomAgent()], seed=1, max_steps=60)
    path = replay.save(result, tmp_path / "fight.json")
    stored = json.loads(path.read_text())
    assert stored["rules_version"] == 7 and stored["arena_version"]
    assert replay.resimulate(replay.load(path)).agents == result.agents
    del stored["rules_version"]  # a file from before the game's rules were versioned: version 1
    path.write_text(json.dumps(stored))
    with pytest.raises(ReplayError) as refused:
        replay.resimulate(replay.load(path))
    message = str(refused.value)
    # Every arena so far has called itself 0.1.0: the version the file names tells the user nothing.
    assert "recorded under version 1 of the fighting rules; this arena plays version 7" in message
    assert "cannot replay it" in message and "Play the match again" in message
    assert "the file does not say which arena commit recorded it" in message
    assert "played by arena" not in message
    stored.update(rules_version=8)  # recorded by a newer arena
    path.write_text(json.dumps(stored))
    with pytest.raises(ReplayError, match="recorded under version 8 of the fighting rules; this arena plays "
                                          "version 7, .*update arena"):
        replay.resimulate(replay.load(path))


OLD_REPLAYS = Path(__file__).resolve().parent / "fixtures" / "old_replays"


@pytest.mark.parametrize("name", ["snake-outcome-by-seat.json", "relay-outcome-by-seat.json"])
def test_an_outcome_text_that_names_seats_as_earlier_arenas_wrote_it_agrees(name):
    # Recorded by arena before outcomes named the players: 'player_2 survived 60 steps (...)'.
    recorded = replay.load(OLD_REPLAYS / name)
    again = replay.resimulate(recorded)
    assert "player_0" in recorded.outcome and "player_0" not in again.outcome
    assert replay.same_outcome_text(recorded, again)
    recorded.outcome = recorded.outcome.replace("player_1 ", "player_3 ", 1)  # another seat's figures
    assert not replay.same_outcome_text(recorded, again)


def test_an_outcome_text_is_not_read_by_seat_where_players_are_named_as_seats():
    # Players named after other seats: the text by seats that an earlier arena wrote then reads, today, as
    # another player's figures, and a file edited so that the players who died survived must be noted.
    recorded = replay.load(OLD_REPLAYS / "snake-outcome-by-seat.json")
    for agent, name in zip(recorded.agents, ["player_1", "player_0", "player_3", "player_2"]):
        agent.name = name
    again = replay.resimulate(recorded)
    assert again.outcome.startswith("player_3 survived 60 steps") and "player_2 died at step 6" in again.outcome
    assert recorded.outcome.startswith("player_2 survived 60 steps")  # said of the player named player_2: untrue
    assert not replay.same_outcome_text(recorded, again)
    recorded.outcome = again.outcome
    assert replay.same_outcome_text(recorded, again)


def test_only_the_wording_of_the_outcome_text_is_tolerated(tmp_path):
    result = play_match("fighting", [RandomAgent(), RandomAgent()], seed=2, max_steps=30)
    assert result.outcome.startswith("RandomAgent ") and " - RandomAgent-2 " in result.outcome
    by_seat = result.outcome.replace("RandomAgent-2 ", "player_1 ").replace("RandomAgent ", "player_0 ")
    again = replay.resimulate(replay.load(replay.save(result, tmp_path / "fight.json")))
    assert replay.same_outcome_text(result, again)
    result.outcome = by_seat
    assert replay.same_outcome_text(result, again)
    result.outcome = by_seat.replace("3 stocks", "2 stocks", 1)
    assert not replay.same_outcome_text(result, again)


def test_options_and_faults_are_replayed(tmp_path):
    result = play_match("othello", [RandomAgent(), Scripted("occupied", at=2)], seed=2)
    loaded = replay.load(replay.save(result, tmp_path / "fault.json"))
    assert replay.resimulate(loaded).agents == result.agents
    small = play_match(make_raw("othello", size=6), [RandomAgent(), RandomAgent()], seed=3)
    loaded = replay.load(replay.save(small, tmp_path / "small.json"))
    assert loaded.env_options == {"size": 6} and replay.resimulate(loaded).agents == small.agents


def test_array_actions_are_stored_packed_and_read_back_exactly(tmp_path):
    result = play_match("fighting", [RandomAgent(), RandomAgent()], seed=5, max_steps=300)
    path = replay.save(result, tmp_path / "fight.json")
    stored = json.loads(path.read_text())["actions"]["player_0"]
    assert stored["dtype"] == "float32" and stored["shape"] == [300, 10]
    assert path.stat().st_size < 40_000  # as JSON lists, random float32 keys take about 150 KB
    loaded = replay.load(path)
    assert loaded == result and replay.resimulate(loaded).agents == result.agents


def test_version_1_replays_with_plain_action_lists_still_load(tmp_path):
    result = play_match("fighting", [RandomAgent(), RandomAgent()], seed=5, max_steps=30)
    data = json.loads(replay.save(result, tmp_path / "new.json").read_text())
    data.update(format="arena-replay/1", actions=result.actions)
    (tmp_path / "old.json").write_text(json.dumps(data))
    assert replay.load(tmp_path / "old.json") == result


def test_a_tampered_replay_is_caught(tmp_path):
    result = play_match("othello", [RandomAgent(), GreedyOthelloAgent()], seed=4)
    path = replay.save(result, tmp_path / "game.json")
    data = json.loads(path.read_text())
    data["agents"][0]["score"] = -data["agents"][0]["score"] or 1.0
    path.write_text(json.dumps(data))
    with pytest.raises(ReplayError, match="does not reproduce"):
        replay.resimulate(replay.load(path))


@pytest.mark.parametrize("change, message", [
    (lambda data: data["actions"]["player_0"].extend([0, 1]), "2 of player_0's actions unplayed"),
    (lambda data: data.update(steps=data["steps"] - 1), "recorded 59 steps, re-simulated 60"),
    (lambda data: data["agents"][1].update(moves=3), "recorded score 1.0, rank 1 \\(ok\\) in 3 moves"),
    (lambda data: data["agents"][1].update(rank=2), "recorded score 1.0, rank 2 \\(ok\\)"),
])
def test_a_replay_whose_steps_moves_or_ranks_were_edited_does_not_reproduce(tmp_path, change, message):
    result = play_match("othello", [RandomAgent(), GreedyOthelloAgent()], seed=4)
    path = replay.save(result, tmp_path / "game.json")
    assert (result.steps, result.agents[1].score, result.agents[1].rank) == (60, 1.0, 1)
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))
    with pytest.raises(ReplayError, match=f"does not reproduce: .*{message}"):
        replay.resimulate(replay.load(path))


@pytest.mark.parametrize(
    "content, message",
    [("not json", "invalid JSON"), ('{"format": "other"}', "not an arena replay"),
     ('{"format": "arena-replay/1", "env": "othello"}', "damaged replay")],
)
def test_files_that_are_not_replays_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ReplayError, match=message):
        replay.load(path)
    with pytest.raises(ReplayError, match="no such replay file"):
        replay.load(tmp_path / "missing.json")


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(actions=[1, 2]), "field 'actions' is list"),
    (lambda d: d.update(env=7), "field 'env' is int"),
    (lambda d: d.update(env_options=["size"]), "field 'env_options' is list"),
    (lambda d: d.update(seed=-1), "a negative or too large seed"),
    (lambda d: d.update(seed="0"), "field 'seed' is str"),
    (lambda d: d.update(max_steps="9"), "field 'max_steps' is str"),
    (lambda d: d.update(agents=[]), "its agents' seats are not those of its actions"),
    (lambda d: d["actions"].pop("player_1"), "its agents' seats are not those of its actions"),
    # 88 kB of zlib that would unpack to 16 million floats, and a list of them in memory
    (lambda d: d["actions"].update(player_0={"dtype": "float32", "shape": [1 << 24],
                                             "zlib_base64": __import__("base64").b64encode(
                                                 __import__("zlib").compress(bytes(4 << 24), 9)).decode()}),
     "more than 4194304 values"),
])
def test_a_replay_no_match_could_have_written_is_refused_in_one_line(tmp_path, change, message):
    result = play_match("othello", [RandomAgent(), RandomAgent()], seed=1)
    data = json.loads(replay.save(result, tmp_path / "game.json").read_text())
    change(data)
    (tmp_path / "game.json").write_text(json.dumps(data))
    with pytest.raises(ReplayError, match=f"game.json: damaged replay \\(.*{message}"):
        replay.load(tmp_path / "game.json")


def test_a_replay_nested_past_what_json_can_read_is_refused(tmp_path):
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ReplayError, match="nested too deeply"):
        replay.load(tmp_path / "deep.json")


def test_video_shows_every_move_and_holds_the_end(tmp_path):
    result = play_match("othello", [RandomAgent(), GreedyOthelloAgent()], seed=4)
    path = video.record(result, tmp_path / "game.mp4", hold_seconds=1.0)
    reader = imageio.get_reader(path)
    frames = [frame for frame in reader]
    assert reader.get_meta_data()["fps"] == 2.0
    assert len(frames) == 1 + result.steps + 2  # start, every move, one second held at 2 fps
    assert frames[0].shape == (576, 512, 3)
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 5  # the board filled up


@pytest.mark.parametrize("env", ["othello", "snake", "cartpole_relay", "fighting"])
def test_players_named_with_marks_alone_still_get_a_video(tmp_path, env):
    from arena.handle import LocalAgent
    from arena.manifest import Manifest

    invisible = "\u034f\u034f"  # combining grapheme joiners: a name the manifest takes, of no width on screen
    assert Manifest.from_dict({"name": invisible}).name == invisible
    seats = len(make_raw(env).possible_agents)
    names = [invisible, "\u17b4", *(f"p{i}" for i in range(2, seats))]
    result = play_match(env, [LocalAgent(RandomAgent(), name=name) for name in names], seed=0, max_steps=4)
    assert len(imageio.mimread(video.record(result, tmp_path / "named.gif", hold_seconds=0))) == 5


def test_gif_and_other_containers_videos_and_unknown_formats(tmp_path):
    result = play_match("othello", [RandomAgent(), RandomAgent()], seed=0, max_steps=6)
    gif = video.record(result, tmp_path / "short.gif", hold_seconds=0)
    assert len(imageio.mimread(gif)) == 7
    for container in (".avi", ".mkv", ".mov"):  # H.264 in each, as ffmpeg writes it
        clip = video.record(result, tmp_path / f"short{container}", hold_seconds=0)
        assert sum(1 for _ in imageio.get_reader(clip, format="FFMPEG")) == 7, container
    with pytest.raises(ArenaError, match=r"videos can be \.mp4, \.avi, \.mkv, \.mov or \.gif"):
        video.record(result, tmp_path / "clip.wmv")
