"""Reading torch MLPs as dense chains and swapping TT modules into SB3 policies (reference backend)."""

import itertools
import sys
import warnings

import gymnasium
import numpy as np
import pytest

pytest.importorskip("torch", reason='the TTNN ports take torch policies: pip install -e ".[train]"')
pytest.importorskip("stable_baselines3", reason='the TTNN ports take torch policies: pip install -e ".[train]"')

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from stable_baselines3 import A2C, PPO  # noqa: E402
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor  # noqa: E402
from torch import nn  # noqa: E402

from arena.agents.tt import TTError, pcc, port_module, port_policy, read_layers  # noqa: E402
from arena.agents.tt.backends import ReferenceFallback, choose_backend  # noqa: E402
from arena.agents.tt.layers import PortedMLP  # noqa: E402


class GuideStyleMLP(nn.Module):
    """An MLP written as the competition's guide writes one: named layers, functional activations."""

    def __init__(self, obs_dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, hidden)

    def forward(self, obs):
        x = F.relu(self.fc1(obs))
        x = torch.tanh(self.fc2(x))
        return self.fc3(x)


class GuideStyleExtractor(BaseFeaturesExtractor):
    def __init__(self, observation_space, features_dim: int = 32):
        super().__init__(observation_space, features_dim)
        self.model = GuideStyleMLP(observation_space.shape[0], features_dim)

    def forward(self, obs):
        return self.model(obs)


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x):
        return x + self.fc(x)


def test_reads_layers_activations_and_a_leading_flatten():
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(6, 16), nn.GELU(), nn.Dropout(0.1), nn.Linear(16, 4, bias=False),
                        nn.Identity(), nn.SiLU())
    chain = read_layers(mlp)
    assert chain.flatten
    assert [(d.in_features, d.out_features, d.activation) for d in chain.layers] == [(6, 16, "gelu"), (16, 4, "silu")]
    assert chain.layers[1].bias is None
    assert chain.layers[0].weight is mlp[1].weight.detach() or torch.equal(chain.layers[0].weight, mlp[1].weight)


def test_reads_a_forward_written_with_functions_and_a_bare_linear():
    guide = read_layers(GuideStyleMLP(5, 7))
    assert [d.activation for d in guide.layers] == ["relu", "tanh", None]
    assert len(read_layers(nn.Linear(3, 2)).layers) == 1


@pytest.mark.parametrize("module", [Residual(), nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4)),
                                    nn.Sequential(nn.ReLU(), nn.Linear(4, 4)), nn.Sequential(), nn.LSTM(4, 4)])
def test_modules_that_are_not_chains_read_as_none(module):
    assert read_layers(module) is None


@pytest.mark.parametrize("activation, name", [(nn.LeakyReLU(), "LeakyReLU"), (nn.GELU(approximate="tanh"), "tanh")])
def test_activations_without_a_fused_ttnn_op_are_refused_by_name(activation, name):
    with pytest.raises(TTError, match=f"{name}.*relu, tanh, gelu, silu, sigmoid"):
        read_layers(nn.Sequential(nn.Linear(4, 4), activation))


@pytest.mark.parametrize("widths, activation", [
    ([64, 64, 10], nn.ReLU), ([17, 100, 3], nn.Tanh), ([5, 33, 65, 2], nn.GELU), ([64, 256, 256, 64, 1], nn.ReLU),
])
@pytest.mark.parametrize("batch", [1, 3, 33, 100])
def test_reference_port_tracks_torch(widths, activation, batch):
    torch.manual_seed(len(widths) * 100 + batch)
    layers = []
    for fan_in, fan_out in itertools.pairwise(widths):
        layers += [nn.Linear(fan_in, fan_out), activation()]
    mlp = nn.Sequential(*layers[:-1])
    x = torch.randn(batch, widths[0]) * 3
    ported = port_module(mlp, "reference")
    with torch.no_grad():
        expected, actual = mlp(x), ported(x)
    assert actual.shape == expected.shape and actual.dtype == torch.float32
    if expected.numel() > 1:
        assert pcc(expected, actual) > 0.999
    assert torch.allclose(actual, expected, rtol=0.05, atol=0.05 * float(expected.abs().max()))
    assert not torch.equal(expected, actual)  # it is bfloat16, not torch again


def test_reference_rounds_every_op_to_bfloat16():
    mlp = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
    x = torch.tensor([[0.1234567, -1.7654321, 2.5]])
    out = port_module(mlp, "reference")(x)
    assert torch.equal(out, out.to(torch.bfloat16).float())
    w, b = mlp[0].weight.to(torch.bfloat16).float(), mlp[0].bias.to(torch.bfloat16).float()
    step = (x.to(torch.bfloat16).float() @ w.T).to(torch.bfloat16).float()
    step = (step + b).to(torch.bfloat16).float()
    assert torch.equal(out, torch.tanh(step).to(torch.bfloat16).float())


def test_ports_every_mlp_of_a_ppo_policy_and_predict_still_runs():
    env = gymnasium.make("CartPole-v1")
    model = PPO("MlpPolicy", env, seed=0, device="cpu")
    obs, _ = env.reset(seed=0)
    port = port_policy(model, "reference")
    assert port.modules == ("mlp_extractor.policy_net", "mlp_extractor.value_net", "action_net", "value_net")
    assert isinstance(model.policy.action_net, PortedMLP)
    assert isinstance(model.policy.features_extractor.flatten, nn.Flatten)  # nothing to port there
    action, _ = model.predict(obs, deterministic=True)
    assert env.action_space.contains(int(action))


def test_a_guide_style_extractor_is_ported_where_the_guide_swaps_it_and_stays_shared():
    env = gymnasium.make("Pendulum-v1")
    model = A2C("MlpPolicy", env, device="cpu", seed=0,
                policy_kwargs=dict(features_extractor_class=GuideStyleExtractor, net_arch=[16]))
    port = port_policy(model, "reference")
    policy = model.policy
    assert port.modules[0] == "features_extractor.model"
    assert isinstance(policy.features_extractor, GuideStyleExtractor)
    assert isinstance(policy.features_extractor.model, PortedMLP)
    assert policy.pi_features_extractor is policy.features_extractor is policy.vf_features_extractor
    assert port.modules.count("features_extractor.model") == 1


def test_separate_extractors_are_ported_separately():
    env = gymnasium.make("CartPole-v1")
    model = PPO("MlpPolicy", env, device="cpu", seed=0, policy_kwargs=dict(
        features_extractor_class=GuideStyleExtractor, share_features_extractor=False, net_arch=[]))
    port = port_policy(model, "reference")
    policy = model.policy
    assert {"features_extractor.model", "vf_features_extractor.model"} <= set(port.modules)
    assert policy.pi_features_extractor is policy.features_extractor  # SB3's alias, kept
    assert isinstance(policy.vf_features_extractor.model, PortedMLP)
    assert policy.pi_features_extractor.model is not policy.vf_features_extractor.model


def test_recurrent_ppo_keeps_its_lstm_in_torch():
    from sb3_contrib import RecurrentPPO

    env = gymnasium.make("CartPole-v1")
    model = RecurrentPPO("MlpLstmPolicy", env, device="cpu", seed=0, policy_kwargs=dict(lstm_hidden_size=16))
    obs, _ = env.reset(seed=0)
    torch_action, torch_state = model.predict(obs, deterministic=True)
    port = port_policy(model, "reference")
    assert set(port.modules) == {"mlp_extractor.policy_net", "mlp_extractor.value_net", "action_net", "value_net"}
    assert isinstance(model.policy.lstm_actor, nn.LSTM)
    action, state = model.predict(obs, deterministic=True)
    assert int(action) == int(torch_action)
    assert np.allclose(state[0], torch_state[0])  # the LSTM ran in torch, before any ported module


def test_a_policy_without_an_mlp_is_refused():
    with pytest.raises(TTError, match="no MLP"):
        port_policy(nn.Sequential(nn.Conv1d(1, 1, 3)), "reference")
    with pytest.raises(TTError, match="not a chain"):
        port_module(Residual(), "reference")


def test_without_ttnn_under_the_competitions_import_hook_the_fix_is_given_once(monkeypatch):
    from arena.compat.ai2.ttnn_hint import MissingTTNN

    monkeypatch.delitem(sys.modules, "ttnn", raising=False)
    monkeypatch.setattr(sys, "meta_path", [MissingTTNN(), *sys.meta_path])  # as where ttnn is not installed
    with pytest.raises(TTError) as raised:
        choose_backend("ttnn")
    assert str(raised.value).startswith("ttnn is not installed: pip install") and str(raised.value).count(".[tt]") == 1


def test_auto_without_ttnn_warns_and_uses_the_reference(monkeypatch):
    monkeypatch.setitem(sys.modules, "ttnn", None)  # import ttnn raises ImportError
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        backend = choose_backend("auto")
    assert backend.name == "reference"
    [warning] = caught
    assert warning.category is ReferenceFallback
    assert "because ttnn is not installed" in str(warning.message) and str(warning.message).count(".[tt]") == 1
    with pytest.raises(TTError, match="ttnn is not installed"):
        choose_backend("ttnn")
    with pytest.raises(TTError, match="unknown TT backend 'cuda'"):
        choose_backend("cuda")
