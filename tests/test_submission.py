"""Loading submissions: safe unpacking, manifests, isolated imports, and one clear error for each fault."""

import io
import os
import re
import stat
import sys
import zipfile

import pytest

from arena.errors import ManifestError, SubmissionError
from arena.faults import Status
from arena.play import run_match
from arena.manifest import MANIFEST_FILE, manifest_weights
from arena.submission import describe_load_error, instantiate, load

PLAIN_AGENT = """
from arena.agents import RandomAgent

class SubmittedAgent(RandomAgent):
    pass
"""


def zip_folder(folder, zip_path, prefix=""):
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, prefix + path.relative_to(folder).as_posix())
    return zip_path


def test_folder_and_zips_of_it_load_to_the_same_contents(write_submission, tmp_path):
    folder = write_submission("mine", PLAIN_AGENT, 'name = "mine"\nenv = "othello"\ntime_per_move = 0.25\n')
    spec = load(folder)
    assert spec.name == "mine"
    assert spec.manifest.env == ("othello",) and spec.manifest.time_per_move == 0.25
    assert spec.root != folder and (spec.root / "agent.py").is_file()  # a private copy
    flat = load(zip_folder(folder, tmp_path / "flat.zip"))
    nested = load(zip_folder(folder, tmp_path / "nested.zip", prefix="mine/"))
    assert spec.digest == flat.digest == nested.digest
    (folder / "agent.py").write_text(PLAIN_AGENT + "\n# changed\n")
    assert load(folder).digest != spec.digest


def test_private_copy_is_removed_when_the_spec_is_dropped(write_submission):
    spec = load(write_submission("temp", PLAIN_AGENT))
    root = spec.root
    assert root.exists()
    del spec
    assert not root.exists()


def test_default_name_is_the_folder_or_zip_name(write_submission, tmp_path):
    folder = write_submission("folder_name", PLAIN_AGENT)
    assert load(folder).name == "folder_name"
    assert load(zip_folder(folder, tmp_path / "zipped.zip")).name == "zipped"


@pytest.mark.parametrize(
    "manifest, message",
    [
        ('nmae = "x"', "unknown field 'nmae' (did you mean 'name'?); the fields are entry, env, memory_mb, name, options, "
                       "time_per_move, weights"),
        ("tme_per_move = 0.5", "unknown field 'tme_per_move' (did you mean 'time_per_move'?); the fields are "),
        ("colour = 1", "unknown field 'colour'; the fields are "),
        ('enviroment = "othello"', "unknown field 'enviroment' (did you mean 'env'?); the fields are "),
        ('weights = "m.zip"\nweights_url = "https://example.org/m.zip"',
         "weights_url needs weights_sha256, the 64 hex digits sha256sum prints for the file; it is missing"),
        ("time_per_move = -1", "'time_per_move' must be positive"),
        ('time_per_move = "fast"', "'time_per_move' must be a number of seconds"),
        ("env = 3", "'env' must be an env name or a list of them"),
        ('env = "othelo"', "arena.toml: field 'env': unknown env 'othelo': did you mean 'othello'?"),
        ('entry = "agent:Agent"', 'must look like "agent.py:SubmittedAgent"'),
        ('entry = "agnt.py:SubmittedAgent"', "agnt.py, named by entry in arena.toml, is missing; it must define "
                                             "class SubmittedAgent"),
        ('weights = "../secret.bin"', "'weights' must be a relative path inside the submission"),
        ('weights = "model.zip"', "weights file 'model.zip' named in arena.toml is missing"),
        ('weights = "models\\\\w.bin"', "field 'weights' separates folders with '/', not '\\'"),
        ('weights = "__pycache__/w.bin"', "field 'weights' names a place submissions leave out (.DS_Store, .git, "),
        ("name = [", "not valid TOML"),
        ("env = othello", 'text goes in quotes, e.g. env = "othello"'),  # after tomllib's own words
        # Quotes a word processor or phone curled, which TOML does not take for quotes.
        ('name = \u201cmy_agent\u201d', "arena.toml: line 1 has curly quotes (\u201c \u201d), which TOML does not "
                                    'read as quotes: type straight ones, e.g. name = "my_agent"'),
        ('name = "mine"\nenv = \u2018othello\u2019', "arena.toml: line 2 has curly quotes (\u2018 \u2019)"),
        ("options = 9", "'options' must be a table of env options"),
        ("[options]\nsize = [9, 9]", "option 'size' must be a string, number or true/false"),
        ('env = "othello"\n[options]\nsise = 6', "arena.toml: [options]: env 'othello' has no option 'sise' "
                                                  "(did you mean 'size'?): its options are size"),
        ('env = ["gomoku", "othello"]\n[options]\nsize = 5', "arena.toml: [options]: env 'othello': size must be "
                                                            "4, 6 or 8, got 5"),
        ('[options]\nsize = 9\nenv = "gomoku"', "arena.toml: [options]: 'env' is a field of the manifest, not an "
                                               "option of the game (in TOML every key after [options] is one of its "
                                               "options): move env = ... above [options]"),
    ],
)
def test_manifest_mistakes_are_named_with_the_fix(write_submission, manifest, message):
    with pytest.raises(SubmissionError, match=re.escape(message)):
        load(write_submission("bad", PLAIN_AGENT, manifest))


def test_manifest_errors_are_manifest_errors(write_submission):
    with pytest.raises(ManifestError):
        load(write_submission("bad", PLAIN_AGENT, "colour = 1"))


def test_missing_agent_file_and_non_submissions_are_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("hi")
    with pytest.raises(SubmissionError, match=r"no agent.py at its top level \(found: notes.txt\)"):
        load(tmp_path / "empty")
    (tmp_path / "empty" / "outer" / "mine").mkdir(parents=True)  # zipped a level too high
    (tmp_path / "empty" / "outer" / "mine" / "agent.py").write_text(PLAIN_AGENT)
    with pytest.raises(SubmissionError, match=r"there is one at outer/mine/agent.py: zip that folder instead"):
        load(tmp_path / "empty")
    (tmp_path / "empty" / "yours").mkdir()  # two agents' folders zipped together
    (tmp_path / "empty" / "yours" / "agent.py").write_text(PLAIN_AGENT)
    with pytest.raises(SubmissionError, match=r"there are several \(outer/mine/agent.py, yours/agent.py\): zip the "
                                              r"folder of one of them on its own"):
        load(tmp_path / "empty")
    with pytest.raises(SubmissionError, match="no such file or folder"):
        load(tmp_path / "nowhere")
    (tmp_path / "junk.zip").write_bytes(b"this is not a zip")
    with pytest.raises(SubmissionError, match="not a folder or a zip file"):
        load(tmp_path / "junk.zip")
    (tmp_path / "mine").mkdir()  # the agent's file given for its folder
    for name in ("agent.py", "arena.toml"):
        (tmp_path / "mine" / name).write_text(PLAIN_AGENT if name == "agent.py" else "")
        with pytest.raises(SubmissionError, match=re.escape(f"mine/{name}: a file of the submission, not the submission: "
                                                            f"give its folder, {tmp_path / 'mine'}")):
            load(tmp_path / "mine" / name)


def write_zip(path, members):
    """members: (ZipInfo or name, bytes) pairs written as given, however hostile."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in members:
            archive.writestr(info, data)
    return path


@pytest.mark.parametrize(
    "member, message",
    [("/etc/evil.py", "points outside the submission"), ("../evil.py", "points outside the submission"),
     ("a/../../evil.py", "points outside the submission")],
)
def test_zip_members_outside_the_folder_are_refused(tmp_path, member, message):
    archive = write_zip(tmp_path / "escape.zip", [("agent.py", PLAIN_AGENT), (member, "x = 1")])
    with pytest.raises(SubmissionError, match=message):
        load(archive)
    assert not (tmp_path / "evil.py").exists()


def test_zip_symlinks_are_refused(tmp_path):
    link = zipfile.ZipInfo("agent.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    with pytest.raises(SubmissionError, match="is a symbolic link"):
        load(write_zip(tmp_path / "link.zip", [(link, "/etc/passwd")]))


def test_folder_symlinks_are_refused(write_submission):
    folder = write_submission("linked", PLAIN_AGENT)
    os.symlink("/etc/passwd", folder / "passwd")
    with pytest.raises(SubmissionError, match="passwd is a symbolic link"):
        load(folder)


def test_zip_bombs_are_refused_before_inflating(tmp_path):
    archive = write_zip(tmp_path / "bomb.zip", [("agent.py", PLAIN_AGENT), ("zeros.bin", b"\0" * (64 << 20))])
    assert archive.stat().st_size < 1 << 20
    with pytest.raises(SubmissionError, match="refusing a likely zip bomb"):
        load(archive)


def test_oversize_files_are_refused(tmp_path, monkeypatch):
    import arena.unpack

    monkeypatch.setattr(arena.unpack, "MAX_FILE_BYTES", 1000)
    archive = write_zip(tmp_path / "big.zip", [("agent.py", PLAIN_AGENT), ("weights.bin", os.urandom(2000))])
    with pytest.raises(SubmissionError, match="weights.bin is 0 MiB; files may be at most 0 MiB"):
        load(archive)


def test_a_member_lying_about_its_size_is_caught_while_inflating(tmp_path):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("agent.py", PLAIN_AGENT)
        archive.writestr("weights.bin", b"A" * 5000)
    raw = bytearray(data.getvalue())
    # Shrink the size the central directory claims for weights.bin from 5000 to 10 bytes.
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24:central + 28] = (10).to_bytes(4, "little")
    (tmp_path / "liar.zip").write_bytes(bytes(raw))
    with pytest.raises(SubmissionError, match="weights.bin"):
        load(tmp_path / "liar.zip")


def test_a_member_claiming_more_compressed_bytes_than_the_archive_holds_is_a_likely_bomb(tmp_path):
    # An index that overstates compressed sizes (or members that share their data) gets past a
    # check of each member's ratio: 2 MiB of zeros "from" 20 KiB passes 200x, from the 2 KiB there are not.
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("agent.py", PLAIN_AGENT)
        archive.writestr("weights.bin", bytes(2 << 20))
    raw = bytearray(data.getvalue())
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 20:central + 24] = (20 << 10).to_bytes(4, "little")  # its compressed size, as claimed
    (tmp_path / "bomb.zip").write_bytes(bytes(raw))
    with pytest.raises(SubmissionError, match="claim more compressed bytes than the archive holds"):
        load(tmp_path / "bomb.zip")


def test_a_folder_swapped_for_a_link_while_the_submission_is_copied_leads_nowhere(tmp_path):
    # Whoever else may write to a submission folder (a shared tournament folder) swaps one of its
    # folders for a link to a private folder between the listing and the copy of a file in it.
    from arena.unpack import _folder_members

    source = tmp_path / "submission"
    (source / "data").mkdir(parents=True)
    (source / "agent.py").write_text(PLAIN_AGENT)
    (source / "data" / "notes.txt").write_text("the submission's own")
    private = tmp_path / "private"
    private.mkdir()
    (private / "notes.txt").write_text("someone else's secret")
    members = {member.name: member for member in _folder_members(source)}
    (source / "data").rename(tmp_path / "moved")
    (source / "data").symlink_to(private)
    with pytest.raises(SubmissionError, match="'data/notes.txt' changed while it was copied"):
        members["data/notes.txt"].open()


def test_helper_modules_of_two_submissions_do_not_clash(write_submission):
    code = """
from arena.agents import RandomAgent
import helpers

class SubmittedAgent(RandomAgent):
    value = helpers.VALUE
"""
    first = instantiate(load(write_submission("one", code, **{"helpers.py": "VALUE = 1"})))
    second = instantiate(load(write_submission("two", code, **{"helpers.py": "VALUE = 2"})))
    assert (first.value, second.value) == (1, 2)
    assert "helpers" not in sys.modules



def test_an_entry_inside_a_package_of_the_submission_imports_its_siblings_relatively(write_submission):
    # entry = "brain/player.py:Player" beside brain/__init__.py: its `from .helpers import ...` works as in
    # `python -c "import brain.player"` run in its folder, here and sandboxed, and two such do not clash.
    player = """
from arena.agents import RandomAgent
from .helpers import VALUE
from . import helpers

class Player(RandomAgent):
    value = (VALUE, helpers.__name__.rpartition(".")[2])
"""
    agents = []
    for number in (1, 2):
        folder = write_submission(f"packaged{number}", "", 'entry = "brain/player.py:Player"\n')
        (folder / "agent.py").unlink()
        (folder / "brain").mkdir()
        (folder / "brain" / "__init__.py").write_text("")
        (folder / "brain" / "player.py").write_text(player)
        (folder / "brain" / "helpers.py").write_text(f"VALUE = {number}\n")
        agents.append(instantiate(load(folder)))
        assert not any(name == "brain" or name.startswith("brain.") for name in sys.modules)
    assert [agent.value for agent in agents] == [(1, "helpers"), (2, "helpers")]
    result = run_match(folder, folder, 4, env="othello", seed=0)  # sandboxed
    assert [agent.status for agent in result.agents] == [Status.OK, Status.OK], result.agents
    # A package named like a module loaded already (numpy here) would import that one: its entry runs as a file.
    numpy_named = write_submission("numpy_named", "", 'entry = "numpy/player.py:Player"\n')
    (numpy_named / "numpy").mkdir()
    (numpy_named / "numpy" / "__init__.py").write_text("")
    (numpy_named / "numpy" / "player.py").write_text(player.replace("from .helpers import VALUE\nfrom . import helpers\n", "")
                                                     .replace("(VALUE, helpers.__name__.rpartition(\".\")[2])", "0"))
    assert instantiate(load(numpy_named)).value == 0


def test_an_entry_that_is_a_packages_init_runs_once_as_that_package(write_submission, tmp_path):
    # entry = "brain/__init__.py:Player" is the package brain itself, as `import brain` runs it: once (its
    # model loaded once), its relative imports working.
    runs = tmp_path / "runs"
    folder = write_submission("package_init", "", 'entry = "brain/__init__.py:Player"\n')
    (folder / "brain").mkdir()
    (folder / "brain" / "helpers.py").write_text("VALUE = 3\n")
    (folder / "brain" / "__init__.py").write_text(f"""
from arena.agents import RandomAgent
from .helpers import VALUE
with open({str(runs)!r}, "a") as runs:
    runs.write(__name__ + "\\n")

class Player(RandomAgent):
    value = VALUE
""")
    assert instantiate(load(folder)).value == 3
    assert instantiate(load(folder), alone=True).value == 3
    assert runs.read_text().split() == ["brain", "brain"]


@pytest.mark.parametrize("entry_file", ["brain.v2/player.py", "brain/player.v2.py", "player.v2.py"])
def test_an_entry_with_a_dot_in_a_name_runs_as_a_file(write_submission, entry_file):
    # No dotted name reaches brain.v2/player.py or player.v2.py: it loads as a file, also where it runs alone (in
    # a sandbox), as it did before entries in packages were imported by their dotted names ("No module named ...").
    folder = write_submission(f"dotted_{len(entry_file)}", "", f'entry = "{entry_file}:Player"\n')
    (folder / entry_file).parent.mkdir(exist_ok=True)
    (folder / entry_file).parent.joinpath("__init__.py").write_text("")
    (folder / entry_file).write_text("from arena.agents import RandomAgent\n\nclass Player(RandomAgent):\n    value = 1\n")
    assert instantiate(load(folder)).value == 1
    assert instantiate(load(folder), alone=True).value == 1


def test_weights_path_is_passed_to_the_agent(write_submission):
    code = """
from arena.agents import Agent

class SubmittedAgent(Agent):
    def predict(self, obs):
        return 0
"""
    spec = load(write_submission("weighted", code, 'weights = "model.bin"', **{"model.bin": "w"}))
    agent = instantiate(spec)
    assert agent.file_path == str(spec.root / "model.bin")

    import gc

    held_alone = instantiate(load(spec.source))  # its private copy lasts as long as the agent: it loads from there later
    gc.collect()
    assert open(held_alone.file_path).read() == "w"
    path = held_alone.file_path
    del held_alone
    gc.collect()
    assert not os.path.exists(path)  # and goes with it


def test_missing_or_wrong_entry_class_is_one_clear_line(write_submission):
    spec = load(write_submission("noclass", "class Helper:\n    pass\nclass MyAgent:\n    pass\n"))
    with pytest.raises(SubmissionError, match=r"defines no class SubmittedAgent \(classes defined there: Helper, MyAgent\)"
                                              r".* or set entry = \"agent.py:YourClass\""):  # neither is an agent
        instantiate(spec)
    spec = load(write_submission("renamed", PLAIN_AGENT, 'entry = "agent.py:MyAgent"'))
    with pytest.raises(SubmissionError, match=r"defines no class MyAgent \(classes defined there: SubmittedAgent\); name "
                                              r"your agent class MyAgent or set entry = \"agent.py:SubmittedAgent\""):
        instantiate(spec)
    spec = load(write_submission("wrongbase", "class SubmittedAgent:\n    pass\n"))
    with pytest.raises(SubmissionError, match="must be a class deriving from arena.agents.Agent"):
        instantiate(spec)


@pytest.mark.parametrize(
    "methods, fix",
    [("    def act(self, obs):\n        return 0\n", "rename act to predict"),
     ("    def predit(self, obs):\n        return 0\n    def helper(self):\n        pass\n", "rename predit to predict"),
     ("    def _initialize(self):\n        pass\n", "add def predict(self, obs) returning the action"),
     ("    def act(self, obs):\n        return 0\n    def helper(self):\n        pass\n",
      "add def predict(self, obs) returning the action (it defines act, helper)")],
)
def test_an_agent_class_without_predict_is_one_clear_line_with_the_fix(write_submission, methods, fix):
    code = f"from arena.agents import Agent\n\nclass SubmittedAgent(Agent):\n{methods}"
    spec = load(write_submission("nopredict", code))
    with pytest.raises(SubmissionError) as caught:
        instantiate(spec)
    assert str(caught.value) == (f"{spec.source}: agent.py: SubmittedAgent does not define predict(self, obs), which "
                                 f"arena calls for every move: {fix}")


def test_syntax_and_import_errors_point_at_the_submissions_line(write_submission):
    spec = load(write_submission("syntax", "x = 1\ndef broken(:\n    pass\n"))
    with pytest.raises(SyntaxError) as caught:
        instantiate(spec)
    assert describe_load_error(caught.value, spec).endswith("(agent.py line 2)")
    spec = load(write_submission("raising", "import math\n\nvalue = 1 / 0\n"))
    with pytest.raises(ZeroDivisionError) as caught:
        instantiate(spec)
    assert describe_load_error(caught.value, spec).endswith("ZeroDivisionError: division by zero (agent.py line 3)")


def test_the_weights_an_agent_asks_for_follow_its_manifest_as_it_changes(tmp_path):
    # Read once and kept (an agent is built every game), but read again once the file changed.
    (tmp_path / "a.bin").write_text("a")
    (tmp_path / "longer.bin").write_text("b")
    (tmp_path / MANIFEST_FILE).write_text('weights = "a.bin"\n')
    assert manifest_weights(tmp_path) == str(tmp_path / "a.bin")
    (tmp_path / MANIFEST_FILE).write_text('weights = "longer.bin"\n')
    assert manifest_weights(tmp_path) == str(tmp_path / "longer.bin")
    (tmp_path / MANIFEST_FILE).unlink()
    assert manifest_weights(tmp_path) is None


# Unpickles, as its seat is known, a policy naming its own `user.policy.Policy`, as the AI² competition's
# agents load models whose objects name their `user` package; each of two such submissions has its own.
UNPICKLES_ITS_OWN_POLICY = """
import pickle

import numpy as np

from arena.agents import Agent


class SubmittedAgent(Agent):
    def _initialize(self):
        with open("model.pkl", "rb") as file:  # its calls run in its own folder
            self.policy = pickle.load(file)

    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[self.policy.PICK])
"""
POLICY_PICKLE = "(iuser.policy\nPolicy\n."  # an instance of user.policy.Policy (pickle's protocol 0)


def test_submissions_played_in_one_process_each_unpickle_their_own_modules(write_submission, monkeypatch, tmp_path):
    from types import ModuleType

    from arena.entrants import submission_handle
    from arena.match import play_match

    def policy_picking(index: int):
        folder = write_submission(f"picks_{index}", UNPICKLES_ITS_OWN_POLICY, **{"model.pkl": POLICY_PICKLE})
        (folder / "user").mkdir()
        (folder / "user" / "__init__.py").write_text("")
        (folder / "user" / "policy.py").write_text(f"class Policy:\n    PICK = {index}\n")
        return folder

    first, last = (submission_handle(load(policy_picking(index)), "othello", sandbox=False) for index in (0, -1))
    # The `user` package of a training script that plays them: the submissions' code finds theirs, and it its own.
    script_user = ModuleType("user")
    script_user.__file__, script_user.__path__ = str(tmp_path / "user" / "__init__.py"), [str(tmp_path / "user")]
    monkeypatch.setitem(sys.modules, "user", script_user)
    black_opened = []
    for seats in ([first, last], [last, first]):
        result = play_match("othello", seats, seed=0, max_steps=4)
        assert {agent.status for agent in result.agents} == {Status.OK}, result
        black_opened.append(result.actions["player_0"][0])
    assert black_opened == [19, 44]  # the first and the last of the opening's legal moves (19, 26, 37, 44)
    assert sys.modules["user"] is script_user


# Puts its vendored helpers' folder on the import path as it loads, as submissions shipping a library do.
VENDORS_ITS_HELPERS = """
import os
import sys

sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

import numpy as np
import boardtools

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        return int(np.flatnonzero(obs["action_mask"])[boardtools.PICK])
"""


def test_submissions_played_in_one_process_keep_the_folders_they_add_to_the_import_path_to_themselves(
        write_submission):
    # The folder the first one added stayed on the path, so the second imported the first's helpers.
    from arena.entrants import submission_handle
    from arena.match import play_match

    def vendoring(index: int):
        folder = write_submission(f"vendors_{index}", VENDORS_ITS_HELPERS)
        (folder / "lib").mkdir()
        (folder / "lib" / "boardtools.py").write_text(f"PICK = {index}\n")
        return folder

    path = sys.path[:]
    first, last = (submission_handle(load(vendoring(index)), "othello", sandbox=False) for index in (0, -1))
    result = play_match("othello", [first, last], seed=0, max_steps=2)
    assert {agent.status for agent in result.agents} == {Status.OK}, result
    assert [result.actions["player_0"][0], result.actions["player_1"][0]] == [19, 34]  # the first legal move, then the last
    assert sys.path == path
