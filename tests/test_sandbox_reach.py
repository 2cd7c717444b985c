"""What an agent's own Python can reach inside its worker: nothing naming the host's folders, the
harness's process or its cgroups. The worker is forked from the launcher and set up from a request
naming them; the agent's code runs below both their frames, and can walk every object they hold."""

import os
import tempfile

import pytest

from arena.match import play_match
from arena.sandbox import SandboxedAgent, protections
from arena.sandbox.protections import missing_isolation
from arena.submission import load

HUNTER = '''
import gc
import os
import sys

from arena.agents import Agent

NEEDLES = {needles!r}


def reachable_texts():
    """Every str and bytes-like value reachable from the frames of every thread, every module and every
    object the garbage collector tracks, through contents, attributes, locals and globals."""
    roots = [*sys._current_frames().values(), *gc.get_objects(), *sys.modules.values(), sys.argv, dict(os.environ)]
    seen, texts, stack = set(), [], roots
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, (bytes, bytearray, memoryview)):
            texts.append(bytes(item).decode("latin-1"))
        elif isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack += list(item)
        elif type(item).__name__ == "frame":
            stack += [item.f_locals, item.f_globals, item.f_back]
        else:
            stack.append(getattr(item, "__dict__", None))
            stack += [getattr(item, slot, None) for slot in getattr(type(item), "__slots__", ()) if isinstance(slot, str)]
    return texts


class SubmittedAgent(Agent):
    def _initialize(self):
        texts = [text for text in reachable_texts() if "NEEDLES" not in text]  # this file's own text aside
        for what, needle in NEEDLES.items():
            found = [text for text in texts if needle in text and text != needle]
            print(f"{{what}}: {{found[:1]!r}}", flush=True)

    def predict(self, obs):
        return int(obs["action_mask"].argmax())
'''


@pytest.mark.skipif(not protections()["filesystem"], reason="without namespaces an agent runs in a host folder: "
                    + " ".join(missing_isolation()))
def test_nothing_the_agent_can_reach_names_the_host_folders_the_harness_or_its_cgroups(write_submission, tmp_path,
                                                                                        submissions):
    needles = {"the host folder": str(tmp_path), "the harness's pid": f"-{os.getpid()}-",
               "arena's host folders": os.path.join(tempfile.gettempdir(), "arena-")}
    hunter = SandboxedAgent(load(write_submission("hunter", HUNTER.format(needles=needles))), 5.0,
                            log_dir=tmp_path / "logs")
    opponent = SandboxedAgent(load(submissions / "random"), 5.0)  # a launcher with another worker running
    try:
        result = play_match("othello", [opponent, hunter], seed=0, max_steps=2)
    finally:
        hunter.close()
        opponent.close()
    assert result.agents[1].status == "ok", result.agents[1].detail
    said = hunter.log_path.read_text()
    for what in needles:
        assert f"{what}: []" in said, said
