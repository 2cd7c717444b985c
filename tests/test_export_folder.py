"""Where an export writes: never over a participant's own files, and never a mix of two exports."""

import pytest

from arena.errors import ArenaError
from arena.export_folder import MARK, export_folder


def test_a_new_or_empty_folder_is_made_ready(tmp_path):
    assert export_folder(tmp_path / "new" / "agent").is_dir()
    (tmp_path / "empty").mkdir()
    assert export_folder(tmp_path / "empty") == tmp_path / "empty"


def test_a_folder_holding_someone_s_own_agent_is_refused_and_left_as_it_is(tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "agent.py").write_text("class SubmittedAgent: ...\n")
    with pytest.raises(ArenaError, match=r"holds files an export did not write \(agent.py\)"):
        export_folder(mine)
    assert (mine / "agent.py").read_text() == "class SubmittedAgent: ...\n"


def test_an_earlier_export_is_replaced_whole_unless_something_else_was_added(tmp_path):
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for name, text in {"agent.py": f'"""x"""\n\n{MARK}\n', "arena.toml": "", "model.zip": "", "policy.json": ""}.items():
        (earlier / name).write_text(text)
    assert list(export_folder(earlier).iterdir()) == []  # an AlphaZero export leaves no SB3 model beside it
    (earlier / "agent.py").write_text(MARK)
    (earlier / "notes.txt").write_text("mine")
    with pytest.raises(ArenaError, match=r"\(notes.txt\)"):
        export_folder(earlier)


def test_a_folder_that_cannot_be_made_is_an_error_naming_it(tmp_path):
    (tmp_path / "a_file").write_text("")
    with pytest.raises(ArenaError, match=r"a_file/agent: cannot make this folder \(.*a_file is a file, not a folder\); "
                                         r"export into another folder \(--out\)"):
        export_folder(tmp_path / "a_file" / "agent")
