"""`arena tt check` and its parts: ports compared with torch on observations recorded from real rollouts."""

import json
import sys

import gymnasium
import numpy as np
import pytest

pytest.importorskip("torch", reason='the TTNN ports take torch policies: pip install -e ".[train]"')
pytest.importorskip("stable_baselines3", reason='the TTNN ports take torch policies: pip install -e ".[train]"')

import torch  # noqa: E402
from stable_baselines3 import PPO  # noqa: E402
from torch import nn  # noqa: E402

import ttnn_double  # noqa: E402
from arena import cli  # noqa: E402
from arena.agents.tt import TTError, close_device, pcc, port_policy  # noqa: E402
from arena.agents.tt.check import agreement, check, evaluate, make_env, record  # noqa: E402
from arena.agents.tt.reference import ReferenceMLP  # noqa: E402
from arena.submission import import_entry_class, load  # noqa: E402


FIGHTER = "tt_ppo_fighter"


def arena_tt(*argv: str) -> int:
    """The exit status of `arena tt ...`."""
    return cli.main(["tt", *argv])


@pytest.fixture(scope="module")
def cartpole_zip(tmp_path_factory):
    """An untrained CartPole PPO with torch's default (not SB3's tiny) head init: logits far apart."""
    model = PPO("MlpPolicy", gymnasium.make("CartPole-v1"), seed=1, device="cpu",
                policy_kwargs=dict(net_arch=[64, 64], activation_fn=nn.ReLU, ortho_init=False))
    path = tmp_path_factory.mktemp("models") / "cartpole.zip"
    model.save(path)
    return path


def test_reference_port_agrees_with_torch_on_1000_cartpole_observations(cartpole_zip):
    torch_model, ported = PPO.load(cartpole_zip, device="cpu"), PPO.load(cartpole_zip, device="cpu")
    port_policy(ported, "reference")
    batch = record(torch_model, make_env("CartPole-v1"), 1000, seed=0)
    assert len(np.unique(batch.observations, axis=0)) > 900  # a real rollout, not one state repeated
    expected, actual = evaluate(torch_model.policy, batch), evaluate(ported.policy, batch)

    assert pcc(expected.actions, actual.actions) > 0.99 and pcc(expected.values, actual.values) > 0.99
    assert set(expected.greedy.tolist()) == {0, 1}  # both actions are chosen: agreement is not trivial
    assert agreement(torch_model.action_space, expected.greedy, actual.greedy) >= 0.99


def test_reference_port_of_the_example_fighter_agrees_on_1000_fighting_observations(submissions):
    pytest.importorskip("arena.envs.fighting")
    report = check(submissions / FIGHTER, observations=1000, backend="reference")
    assert report.env == "fighting" and report.observations == 1000
    assert report.ported == ("features_extractor.model", "mlp_extractor.policy_net", "mlp_extractor.value_net",
                             "action_net", "value_net")
    assert report.actions.pcc > 0.99 and report.values.pcc > 0.99
    # All 10 keys must match. bfloat16 holds positions near x = 5 to 1/32, so a key decided by a
    # position threshold flips on some frames: other rollout seeds give 98.3% to 99.7%.
    assert report.agreement >= 0.99
    assert report.passed


def test_agreement_reads_boxes_in_0_1_as_keys_and_others_within_tolerance():
    keys = gymnasium.spaces.Box(0, 1, (3,))
    assert agreement(keys, np.array([[0.2, 0.7, 1.4]]), np.array([[0.45, 0.55, 0.9]])) == 1.0
    assert agreement(keys, np.array([[0.49, 0.7, 1.0]]), np.array([[0.51, 0.7, 1.0]])) == 0.0
    wide = gymnasium.spaces.Box(-2, 2, (1,))
    assert agreement(wide, np.array([[1.0], [1.0]]), np.array([[1.03], [1.05]])) == 0.5
    assert agreement(gymnasium.spaces.Discrete(3), np.array([0, 1, 2, 2]), np.array([0, 1, 2, 1])) == 0.75


def test_cli_prints_the_comparison_and_exits_0(cartpole_zip, capsys):
    assert arena_tt("check", str(cartpole_zip), "--env", "CartPole-v1", "--backend", "reference",
                    "--observations", "300") == 0
    out = capsys.readouterr().out
    assert "reference backend" in out and "action logits" in out and "values" in out
    assert "greedy actions agree: 300/300" in out or "greedy actions agree: 29" in out
    assert "ok: " in out


def test_a_wrong_port_fails_the_check_with_exit_1(cartpole_zip, capsys, monkeypatch):
    monkeypatch.setattr(ReferenceMLP, "_run", lambda self, x: torch.zeros(len(x), self.out_features))
    assert arena_tt("check", str(cartpole_zip), "--env", "CartPole-v1", "--backend", "reference",
                    "--observations", "200", "--json") == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False and report["pcc"] < 0.99


def test_an_output_bfloat16_cannot_follow_is_judged_by_its_error_not_its_pcc():
    from arena.agents.tt.accuracy import compare

    flat = 13.7 + 0.04 * torch.randn(200, generator=torch.Generator().manual_seed(0))  # an untrained value head
    rounded = compare(flat, flat.to(torch.bfloat16).float())  # the port's numbers are 0.0625 apart here
    assert rounded.pcc < 0.99 and rounded.flat and rounded.passed  # PCC of rounding noise says nothing
    assert not compare(flat, torch.zeros(200)).passed and not compare(flat, flat + 0.5).passed
    varied = torch.linspace(-3, 3, 200)
    assert not compare(varied, varied.flip(0)).flat and not compare(varied, varied.flip(0)).passed


def test_a_bare_model_for_no_arena_env_asks_for_env(cartpole_zip):
    with pytest.raises(TTError, match="no arena env fits.*--env"):
        check(cartpole_zip, observations=10, backend="reference")


HAND_WRITTEN = '''
"""A submission with its own TTNN module, written by hand as the competition's guide shows."""
import torch
import ttnn
from stable_baselines3 import PPO
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from torch import nn

from arena.agents import Agent


class Extractor(BaseFeaturesExtractor):
    def __init__(self, observation_space, features_dim=16):
        super().__init__(observation_space, features_dim)
        self.model = nn.Sequential(nn.Linear(observation_space.shape[0], 16), nn.ReLU(), nn.Linear(16, 16))

    def forward(self, obs):
        return self.model(obs)


class HandTT(nn.Module):
    def __init__(self, state_dict, device):
        super().__init__()
        self.device = device
        put = lambda t: ttnn.from_torch(t.to(torch.bfloat16), dtype=ttnn.bfloat16, layout=ttnn.TILE_LAYOUT,
                                        device=device, memory_config=ttnn.DRAM_MEMORY_CONFIG)
        self.w1, self.b1 = put(state_dict["0.weight"].T), put(state_dict["0.bias"].reshape(1, -1))
        self.w2, self.b2 = put(state_dict["2.weight"].T), put(state_dict["2.bias"].reshape(1, -1))

    def forward(self, obs):
        x = ttnn.from_torch(obs.to(torch.bfloat16), layout=ttnn.TILE_LAYOUT, device=self.device)
        h = ttnn.linear(x, self.w1, bias=self.b1, activation="relu")
        x.deallocate()
        y = ttnn.linear(h, self.w2, bias=self.b2)
        h.deallocate()
        return ttnn.to_torch(y).to(torch.float32)


class SubmittedAgent(Agent):
    def __init__(self, file_path=None):
        super().__init__(file_path)
        self.device = ttnn.open_mesh_device(ttnn.MeshShape(1, 1))

    def _initialize(self):
        self.model = PPO.load(self.file_path, custom_objects={"policy_kwargs": dict(features_extractor_class=Extractor)})
        extractor = self.model.policy.features_extractor
        extractor.model = HandTT(extractor.model.state_dict(), self.device)

    def predict(self, obs):
        return self.model.predict(obs, deterministic=True)[0]
'''


def test_a_hand_written_ttnn_port_is_checked_as_the_agent_runs_it(write_submission, monkeypatch):
    ttnn_double.reset(devices=1)
    monkeypatch.setitem(sys.modules, "ttnn", ttnn_double)
    folder = write_submission("hand_tt", HAND_WRITTEN, 'weights = "model.zip"\n', **{"model.zip": "for load"})
    spec = load(folder)
    extractor = sys.modules[import_entry_class(spec).__module__].Extractor
    model = PPO("MlpPolicy", gymnasium.make("CartPole-v1"), seed=0, device="cpu",
                policy_kwargs={"features_extractor_class": extractor, "ortho_init": False})
    model.save(folder / "model.zip")
    try:
        report = check(folder, env="CartPole-v1", observations=300, backend="reference")
    finally:
        close_device()
    assert report.backend == "the agent's own TT modules" and report.ported == ()
    assert report.passed and report.agreement >= 0.99
    assert sum(name == "linear" for name, _ in ttnn_double.calls) >= 2 * 2  # the agent's module ran on the "device"


def test_a_submission_whose_agent_runs_torch_gets_arenas_port(write_submission, cartpole_zip):
    agent = ('from stable_baselines3 import PPO\nfrom arena.agents import Agent\n\n'
             'class SubmittedAgent(Agent):\n    def _initialize(self):\n        self.model = PPO.load(self.file_path)\n'
             '    def predict(self, obs):\n        return self.model.predict(obs, deterministic=True)[0]\n')
    folder = write_submission("plain_ppo", agent, 'weights = "model.zip"\n')
    (folder / "model.zip").write_bytes(cartpole_zip.read_bytes())
    report = check(folder, env="CartPole-v1", observations=200, backend="reference")
    assert report.backend.startswith("reference backend") and "action_net" in report.ported
    assert report.passed


def test_a_model_that_does_not_load_is_named_in_one_line_saying_what_to_do(write_submission, monkeypatch):
    # What a model pickled under numpy 2 raises under numpy 1, which ttnn's wheels ask for.
    agent = ('from arena.agents import Agent\n\nclass SubmittedAgent(Agent):\n    def _initialize(self):\n'
             '        raise ModuleNotFoundError("No module named \'numpy._core.numeric\'")\n'
             '    def predict(self, obs):\n        return 0\n')
    folder = write_submission("numpy2_model", agent)
    with pytest.raises(TTError, match=r"numpy2_model: its model could not be loaded: ModuleNotFoundError.*numpy\._core") as raised:
        check(folder, env="CartPole-v1", observations=10, backend="reference")
    assert "numpy>=2" not in str(raised.value)  # this Python has numpy 2: no advice about it
    monkeypatch.setattr(np, "__version__", "1.26.4")
    with pytest.raises(TTError, match=r'saved under numpy 2 and this Python has numpy 1\.26\.4: pip install "numpy>=2"'):
        check(folder, env="CartPole-v1", observations=10, backend="reference")


def test_the_tt_command_loads_without_torch_and_offers_every_backend():
    import subprocess

    from arena.agents.tt.backends import BACKENDS
    from arena.agents.tt.cli import BACKENDS as OFFERED

    assert OFFERED == BACKENDS
    probe = "import sys, arena.agents.tt.cli; print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip() == "False"


def test_cli_on_the_example_fighter_says_why_it_runs_the_reference(submissions, capsys, monkeypatch):
    pytest.importorskip("arena.envs.fighting")
    monkeypatch.setitem(sys.modules, "ttnn", None)  # no ttnn here, whatever the machine has
    assert arena_tt("check", str(submissions / FIGHTER), "--observations", "100") == 0
    out = capsys.readouterr().out
    assert "note: reference backend" in out and "ttnn is not installed" in out
    assert "action means" in out and "max abs error" in out and "greedy actions agree: " in out


def test_cli_says_why_a_bare_model_runs_the_reference_once(cartpole_zip, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ttnn", None)  # no ttnn here, whatever the machine has
    assert arena_tt("check", str(cartpole_zip), "--env", "CartPole-v1", "--observations", "100") == 0
    out = capsys.readouterr().out
    assert out.count("ttnn is not installed") == 1, out
    assert "backend: reference backend" in out


def test_backend_ttnn_refuses_an_agent_whose_own_port_fell_back_to_the_reference(submissions, capsys, monkeypatch):
    pytest.importorskip("arena.envs.fighting")
    monkeypatch.setitem(sys.modules, "ttnn", None)  # no ttnn here: the agent's "auto" port runs the reference
    assert arena_tt("check", str(submissions / FIGHTER), "--observations", "10", "--backend", "ttnn") == 1
    err = capsys.readouterr().err
    assert "--backend ttnn, but its agent ports its policy itself" in err and "ttnn is not installed" in err


def test_backend_ttnn_without_a_card_says_the_reference_backend_runs_without_one(cartpole_zip, capsys, monkeypatch):
    # ttnn installed, no card: the refusal names the backend that runs here, not only what is missing
    ttnn_double.reset(devices=0)
    monkeypatch.setitem(sys.modules, "ttnn", ttnn_double)
    assert arena_tt("check", str(cartpole_zip), "--env", "CartPole-v1", "--observations", "10", "--backend", "ttnn") == 1
    err = capsys.readouterr().err
    assert "no Tenstorrent device found" in err and "--backend reference" in err


def test_a_fighter_trained_through_controls_is_recorded_as_its_agent_plays_it(submissions, tmp_path):
    # arena's fighters decide among key combinations every few frames: the policy's inputs are what the
    # agent hands it, its actions reach the game as keys. The bare checkpoint, with the policy.json its
    # training wrote beside it, plays the same way.
    pytest.importorskip("arena.envs.fighting")
    report = check(submissions / "ppo_fighter", observations=200, backend="reference")
    assert report.passed and report.env == "fighting" and report.action_label == "action logits"
    for name in ("model.zip", "policy.json"):
        (tmp_path / name).write_bytes((submissions / "ppo_fighter" / name).read_bytes())
    report = check(tmp_path / "model.zip", observations=100, backend="reference")
    assert report.passed and report.env == "fighting"
    (tmp_path / "policy.json").unlink()  # without it, it cannot play the game's keys: said in one line
    with pytest.raises(TTError, match=r"acts in Discrete\(25\).*takes Box.*check the submission whose agent plays it"):
        check(tmp_path / "model.zip", env="fighting", observations=10, backend="reference")


def test_a_submission_is_recorded_on_the_game_its_manifest_options_build(write_submission, tmp_path):
    # A snake policy trained on two stacked frames of a 4-snake game sees (11, 11, 12): the game's default
    # options would hand it one frame.
    options = {"num_snakes": 4, "vision_range": 5, "frame_stack": 2}
    view = make_env("snake", options)
    assert view.observation_space.shape == (11, 11, 12)
    folder = write_submission("stacked_snake", "from arena.train.policy import PolicyAgent\n\n\n"
                              "class SubmittedAgent(PolicyAgent):\n    pass\n",
                              'env = "snake"\nweights = "model.zip"\n\n[options]\nnum_snakes = 4\nvision_range = 5\n'
                              'frame_stack = 2\n',
                              **{"policy.json": json.dumps({"algo": "ppo", "env": "snake", "env_options": options})})
    PPO("MlpPolicy", view, seed=0, device="cpu", policy_kwargs={"net_arch": [32]}).save(folder / "model.zip")
    report = check(folder, observations=100, backend="reference")
    assert report.passed and report.env == "snake" and report.observations == 100
