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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from record_ai2_seeded import SOURCE, TESTS, competition_agent  # noqa: E402

OUT = TESTS / "fixtures" / "ai2" / "attributes.json"


def main() -> None:
    agent = competition_agent()
    import ai2_attributes

    seed, frames = ai2_attributes.CASE
    with contextlib.redirect_stderr(io.StringIO()):
        trace = ai2_attributes.attribute_trace(agent, seed, frames)
    OUT.write_text(json.dumps({"source": SOURCE, "seed": seed, "frames": frames,
                               "every": ai2_attributes.EVERY, "trace": trace}) + "\n")
    print("wrote", OUT, "with", len(trace), "walks and", sum(len(changed) for _, changed in trace), "entries")


if __name__ == "__main__":
    main()
