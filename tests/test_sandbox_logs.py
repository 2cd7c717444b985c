"""The agent's log: what it printed is in the file by the time the harness points to it."""

import json
import os
from pathlib import Path

from arena.agents import RandomAgent
from arena.sandbox.logs import LogCapture, public_detail


def test_catching_up_writes_everything_the_pipe_held(tmp_path):
    data = os.urandom(30000).hex().encode()[:59990] + b"Traceback\n"
    for attempt in range(20):
        read_fd, write_fd = os.pipe()
        capture = LogCapture(read_fd, tmp_path / f"{attempt}.log", limit=1 << 20)
        os.write(write_fd, data)  # the writer still open: its process lives on after its report
        capture.catch_up()
        assert (tmp_path / f"{attempt}.log").read_bytes() == data
        os.close(write_fd)
        capture.close()
        capture.catch_up()  # once closed, there is nothing to wait for


def test_output_past_the_limit_is_counted_not_kept(tmp_path):
    read_fd, write_fd = os.pipe()
    capture = LogCapture(read_fd, tmp_path / "agent.log", limit=100)
    os.write(write_fd, b"x" * 250)
    os.close(write_fd)
    capture.close()
    assert capture.dropped == 150
    assert (tmp_path / "agent.log").read_bytes() == b"x" * 100 + b"\n[arena: 150 more bytes of output were dropped]\n"


PRINTS_THEN_PLAYS_ILLEGALLY = """
from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        print("thinking about move", int(obs["action_mask"].sum()), "legal ones")
        return 27  # d4: never empty, so never legal
"""


def test_what_an_agent_printed_before_an_illegal_answer_is_in_its_log(cli, in_tmp, write_submission):
    # The harness kills an agent at its fault: its output must be in the log by its answer, not in its buffer.
    folder = write_submission("chatty", PRINTS_THEN_PLAYS_ILLEGALLY, 'env = "othello"')
    code, out, _ = cli("match", folder, folder, "--seed", "1", "--json")
    game = json.loads(out)
    faulted = next(agent for agent in game["agents"] if agent["status"] == "illegal_action")
    assert code == 1 and "thinking about move 4 legal ones" in Path(faulted["log"]).read_text()


PRINTS_AT_START = """
from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        print("started", flush=True)

    def predict(self, obs):
        return int(obs["action_mask"].argmax())
"""


def test_logs_of_two_agents_whose_names_make_one_file_name_are_rotated_apart(tmp_path):
    # "greedy" and "greedy-" (or "gréedy") give one file name: another entrant's logs, however many, never
    # take the place of this one's.
    from arena.sandbox.logs import KEPT_LOGS, new_log, release_log

    victim = new_log(tmp_path, "greedy", owner="its digest")
    victim.write_text("its traceback")
    release_log(victim)
    for _ in range(KEPT_LOGS + 2):
        other = new_log(tmp_path, "greedy", owner="another digest")
        other.write_text("noise")
        release_log(other)
    assert victim.read_text() == "its traceback" and len(list(tmp_path.iterdir())) == 1 + KEPT_LOGS


def test_an_agent_reopened_again_and_again_keeps_its_newest_logs_only(write_submission, tmp_path):
    # A tournament closes an entrant's sandbox when others need the room and opens it again later, each
    # time with a new log: one that prints its cap every time would otherwise fill the disk.
    from arena.match import play_match
    from arena.sandbox import SandboxedAgent
    from arena.sandbox.logs import KEPT_LOGS
    from arena.submission import load

    spec = load(write_submission("chatty", PRINTS_AT_START))
    kept_open = SandboxedAgent(spec, 5.0, log_dir=tmp_path / "logs")  # in play throughout: its log stays
    try:
        play_match("othello", [kept_open, RandomAgent()], seed=0, max_steps=2)
        logs = []
        for game in range(KEPT_LOGS + 3):
            reopened = SandboxedAgent(spec, 5.0, log_dir=tmp_path / "logs")
            try:
                play_match("othello", [reopened, RandomAgent()], seed=game, max_steps=2)
            finally:
                reopened.close()
            logs.append(reopened.log_path)
        assert sorted((tmp_path / "logs").iterdir()) == sorted([kept_open.log_path, *logs[-KEPT_LOGS:]])
        assert all("started" in log.read_text() for log in logs[-KEPT_LOGS:])
    finally:
        kept_open.close()


def test_a_detail_shown_to_everyone_names_no_log_and_holds_no_bidi_controls_to_reorder_the_page():
    detail = ("predict() failed: ValueError: \u202eko\u2066 won\u2069\u200f (agent.py line 3); "
              "see /srv/competition/logs/alice-4321-7.log")
    assert public_detail(detail) == ("predict() failed: ValueError: ko won (agent.py line 3); "
                                     "the organiser has its log")
