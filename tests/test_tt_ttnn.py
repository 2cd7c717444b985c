"""The ttnn backend's calls, shapes, layouts, dtypes and tile padding, run against tests/ttnn_double.py."""

import sys
import warnings

import gymnasium
import pytest

pytest.importorskip("torch", reason='the TTNN ports take torch policies: pip install -e ".[train]"')
pytest.importorskip("stable_baselines3", reason='the TTNN ports take torch policies: pip install -e ".[train]"')

import torch  # noqa: E402
from stable_baselines3 import PPO  # noqa: E402
from torch import nn  # noqa: E402

import ttnn_double  # noqa: E402
from arena.agents.tt import TTError, close_device, pcc, port_module, port_policy  # noqa: E402
from arena.agents.tt.backends import ReferenceFallback, choose_backend  # noqa: E402
from arena.agents.tt.ttnn_mlp import TTNNMLP  # noqa: E402


ON_DEVICE = {"torch_dtype": torch.bfloat16, "dtype": ttnn_double.bfloat16, "layout": ttnn_double.TILE_LAYOUT,
             "on_device": True, "memory_config": ttnn_double.DRAM_MEMORY_CONFIG}


@pytest.fixture
def ttnn(monkeypatch):
    """The double installed as `ttnn`, with one device; the device is closed afterwards."""
    ttnn_double.reset(devices=1)
    monkeypatch.setitem(sys.modules, "ttnn", ttnn_double)
    yield ttnn_double
    close_device()


def mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def test_weights_go_to_the_device_once_as_bfloat16_tiles_in_dram(ttnn):
    ported = port_module(mlp(), "ttnn")
    assert isinstance(ported, TTNNMLP)
    assert ttnn.calls == [
        ("open_mesh_device", {"mesh_shape": (1, 1)}),
        ("from_torch", {"shape": (64, 64), **ON_DEVICE}),  # weight.T: [in, out]
        ("from_torch", {"shape": (1, 64), **ON_DEVICE}),  # bias as a [1, out] row
        ("from_torch", {"shape": (64, 10), **ON_DEVICE}),
        ("from_torch", {"shape": (1, 10), **ON_DEVICE}),
    ]
    (_, _, a1), (w2, b2, a2) = ported.weights
    assert (a1, a2) == ("relu", None)
    assert (tuple(w2.shape), tuple(w2.padded_shape)) == ((64, 10), (64, 32))
    assert (tuple(b2.shape), tuple(b2.padded_shape)) == ((1, 10), (32, 32))


def test_a_forward_pass_is_one_fused_linear_per_layer_and_frees_what_it_made(ttnn):
    ported = port_module(mlp(), "ttnn")
    ttnn.calls.clear()
    ported(torch.randn(3, 64))
    assert ttnn.calls == [
        ("from_torch", {"shape": (3, 64), **ON_DEVICE}),
        ("linear", {"a": (3, 64), "b": (64, 64), "bias": (1, 64), "activation": "relu", "padded": (32, 64)}),
        ("deallocate", {"shape": (3, 64)}),
        ("linear", {"a": (3, 64), "b": (64, 10), "bias": (1, 10), "activation": None, "padded": (32, 32)}),
        ("deallocate", {"shape": (3, 64)}),
        ("to_torch", {"shape": (3, 10), "padded_shape": (32, 32)}),
        ("deallocate", {"shape": (3, 10)}),
    ]


@pytest.mark.parametrize("batch, padded_rows", [(1, 32), (32, 32), (33, 64), (100, 128)])
def test_batches_are_padded_to_whole_tiles_and_come_back_unpadded(ttnn, batch, padded_rows):
    torch.manual_seed(batch)
    source = nn.Sequential(nn.Linear(17, 40), nn.Sigmoid(), nn.Linear(40, 5))  # sigmoid(0) = 0.5 fills the padding
    x = torch.randn(batch, 17) * 2
    out = port_module(source, "ttnn")(x)
    linears = [details for name, details in ttnn.calls if name == "linear"]
    assert [d["padded"] for d in linears] == [(padded_rows, 64), (padded_rows, 32)]
    assert out.shape == (batch, 5) and out.dtype == torch.float32
    reference = port_module(source, "reference")(x)
    assert torch.allclose(out, reference, atol=0.02, rtol=0.02)
    if out.numel() > 1:
        assert pcc(source(x), out) > 0.999


def test_an_sb3_policy_predicts_through_the_device(ttnn):
    env = gymnasium.make("CartPole-v1")
    model = PPO("MlpPolicy", env, seed=0, device="cpu")
    obs, _ = env.reset(seed=0)
    expected, _ = model.predict(obs, deterministic=True)
    port = port_policy(model, "auto")
    assert port.backend.name == "ttnn" and "Tenstorrent device" in str(port)
    ttnn.calls.clear()
    action, _ = model.predict(obs, deterministic=True)
    assert int(action) == int(expected)
    # predict runs the actor only: features (torch Flatten) -> policy_net -> action_net, on the device.
    assert [d["b"] for name, d in ttnn.calls if name == "linear"] == [(4, 64), (64, 64), (64, 2)]


def test_the_device_opens_once_per_process_and_closes(ttnn):
    port_module(mlp(), "ttnn")
    port_module(mlp(), "ttnn")
    assert [name for name, _ in ttnn.calls].count("open_mesh_device") == 1
    close_device()
    assert ttnn.calls[-1] == ("close_mesh_device", {})


@pytest.mark.parametrize("devices, busy, reason", [(0, False, "no Tenstorrent device found"),
                                                    (1, True, "did not open .*another process may hold it")])
def test_without_a_usable_device_auto_falls_back_and_ttnn_refuses(ttnn, devices, busy, reason):
    ttnn.reset(devices=devices, busy=busy)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert choose_backend("auto").name == "reference"
    assert caught[0].category is ReferenceFallback
    with pytest.raises(TTError, match=reason):
        choose_backend("ttnn")


def test_the_double_enforces_what_ttnn_requires(ttnn):
    device = ttnn.open_mesh_device(ttnn.MeshShape(1, 1))
    x = ttnn.from_torch(torch.ones(2, 8, dtype=torch.bfloat16), layout=ttnn.TILE_LAYOUT, device=device)
    w = ttnn.from_torch(torch.ones(8, 4, dtype=torch.bfloat16), layout=ttnn.TILE_LAYOUT, device=device)
    row_major = ttnn.from_torch(torch.ones(8, 4, dtype=torch.bfloat16), device=device)
    on_host = ttnn.from_torch(torch.ones(8, 4, dtype=torch.bfloat16), layout=ttnn.TILE_LAYOUT)
    bad_bias = ttnn.from_torch(torch.ones(2, 4, dtype=torch.bfloat16), layout=ttnn.TILE_LAYOUT, device=device)
    for call in (lambda: ttnn.linear(x, row_major), lambda: ttnn.linear(x, on_host),
                 lambda: ttnn.linear(x, w, bias=bad_bias), lambda: ttnn.linear(x, w, activation="leaky_relu"),
                 lambda: ttnn.linear(w, w)):
        with pytest.raises(RuntimeError):
            call()
    ttnn.deallocate(x)
    with pytest.raises(RuntimeError, match="deallocated"):
        ttnn.linear(x, w)
    assert torch.equal(ttnn.to_torch(ttnn.linear(ttnn.from_torch(torch.ones(2, 8, dtype=torch.bfloat16),
                                                                 layout=ttnn.TILE_LAYOUT, device=device), w)),
                       torch.full((2, 4), 8.0, dtype=torch.bfloat16))
