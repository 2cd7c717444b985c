"""Record what participants' code reads off the competition's env during a scripted match, as a test fixture.

tests/ai2_attributes.py walks `env.objects`, the players, the weapon spawners, the signals, the stats and the
logger every few frames of tests/ai2_seeded.py's scripted match, writing down each attribute's path, type
and value; tests/test_ai2_attributes.py walks arena's `arena.compat.ai2` the same way and checks that code
written for the competition reads the same names, types and values. Run this in a checkout of the
competition's repository (UTMIST/UTMIST-AI2, with its requirements and its `assets` folder in the working
directory):

    cd path/to/UTMIST-AI2 && SDL_VIDEODRIVER=dummy python /path/to/arena/tools/record_ai2_attributes.py

It writes tests/fixtures/ai2/attributes.json.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"
OUT = TESTS / "fixtures" / "ai2" / "attributes.json"


def main() -> None:
    sys.path[:0] = [os.getcwd(), str(TESTS)]
    from environment import agent  # the competition's

    import ai2_attributes

    seed, frames = ai2_attributes.CASE
    with contextlib.redirect_stderr(io.StringIO()):
        trace = ai2_attributes.attribute_trace(agent, seed, frames)
    OUT.write_text(json.dumps({"source": "UTMIST/UTMIST-AI2 @ 89366c1", "seed": seed, "frames": frames,
                               "every": ai2_attributes.EVERY, "trace": trace}) + "\n")
    print("wrote", OUT, "with", len(trace), "walks and", sum(len(changed) for _, changed in trace), "entries")


if __name__ == "__main__":
    main()
