"""Shared test set-up: headless rendering and the repository's example submissions."""

import os
from pathlib import Path

import pytest

# Rendering tests must run on servers without a display.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

REPO = Path(__file__).resolve().parent.parent
SUBMISSIONS = REPO / "submissions"


@pytest.fixture
def submissions() -> Path:
    """The repository's example submissions folder."""
    return SUBMISSIONS
