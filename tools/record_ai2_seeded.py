"""Record the competition's fighting game played after `random.seed(n)`, as a test fixture.

tests/test_ai2_seeded.py plays the same scripted matches (tests/ai2_seeded.py) through
`arena.compat.ai2` after the same seeding, and checks that they are the same matches: the same
sides, weapons at the same places and times, the same positions and stats, and `random` left in
the same state. Run this in a checkout of the competition's repository (UTMIST/UTMIST-AI2, with its
requirements and its `assets` folder in the working directory):

    cd path/to/UTMIST-AI2 && SDL_VIDEODRIVER=dummy python /path/to/arena/tools/record_ai2_seeded.py

It writes tests/fixtures/ai2/seeded.json.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1] / "tests"
OUT = TESTS / "fixtures" / "ai2" / "seeded.json"
SOURCE = "UTMIST/UTMIST-AI2 @ 89366c1"  # the competition's game the fixtures were recorded from


def competition_agent() -> Any:
    """The competition's `environment.agent`, from its checkout in the working directory, with arena's tests
    (the scripted matches) importable beside it."""
    sys.path[:0] = [os.getcwd(), str(TESTS)]
    from environment import agent

    return agent


def main() -> None:
    agent = competition_agent()
    import ai2_seeded

    cases = []
    for scenario, seed, frames in ai2_seeded.CASES:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            played = ai2_seeded.SCENARIOS[scenario](agent, seed, frames)
        cases.append({"scenario": scenario, "seed": seed, "frames": frames, **played})
        print(scenario, seed, "slot changes:", len(played["slots"]), "stats:", played["stats"])
    OUT.write_text(json.dumps({"source": SOURCE, "cases": cases}) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
