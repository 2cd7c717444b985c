"""Shared test set-up: headless rendering and the repository's example submissions."""

import os
from pathlib import Path

import pytest

# Rendering tests must run on servers without a display.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

REPO = Path(__file__).resolve().parent.parent
SUBMISSIONS = REPO / "submissions"


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true",
                     help="also run the tests marked slow: strength and training runs (.ci/run does)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="a slow strength or training run: pytest --slow runs it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def submissions() -> Path:
    """The repository's example submissions folder."""
    return SUBMISSIONS


@pytest.fixture
def write_submission(tmp_path):
    """write_submission(name, agent_code, manifest=None, **extra_files) -> folder of a new submission."""

    def write(name: str, agent_code: str, manifest: str | None = None, **extra_files: str) -> Path:
        folder = tmp_path / name
        folder.mkdir(parents=True)
        (folder / "agent.py").write_text(agent_code)
        if manifest is not None:
            (folder / "arena.toml").write_text(manifest)
        for file_name, text in extra_files.items():
            (folder / file_name).write_text(text)
        return folder

    return write
