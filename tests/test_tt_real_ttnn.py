"""The ttnn backend against the real ttnn 0.81 wheel, in a Python 3.12 venv: the tensors it builds on the host.

TTNN publishes wheels for Python 3.10 and 3.12 only, and runs ops only on a Tenstorrent card. So
these tests run arena's port in a subprocess of a 3.12 venv holding ttnn and torch:

- without a card, `GetNumAvailableDevices` raises and "auto" must fall back to the reference;
- with ttnn's mock cluster (`TT_METAL_MOCK_CLUSTER_DESC_PATH`: a one-chip descriptor, every
  device call mocked), ttnn lays bfloat16 out in tiles on the host, so the port's weight, bias
  and input tensors are built with `device=None` exactly as for a card, and their shapes,
  padding, layout, dtype and values are compared with tests/ttnn_double.py's.

The venv is found at $ARENA_TTNN_PYTHON, else ~/.cache/arena/ttnn-py3.12/bin/python.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch", reason='the TTNN ports take torch policies: pip install -e ".[train]"')

import torch  # noqa: E402
from torch import nn  # noqa: E402

import ttnn_double  # noqa: E402
from arena.agents.tt.layers import read_layers  # noqa: E402
from arena.agents.tt.ttnn_mlp import TTNNMLP  # noqa: E402


REPO = Path(__file__).resolve().parents[1]
VENV_PYTHON = Path(os.environ.get("ARENA_TTNN_PYTHON") or Path.home() / ".cache/arena/ttnn-py3.12/bin/python")
SETUP = ("python3.12 -m venv ~/.cache/arena/ttnn-py3.12 && "
         "~/.cache/arena/ttnn-py3.12/bin/pip install ttnn==0.81.1 torch==2.13.0")



@pytest.fixture(scope="module")
def venv_python() -> Path:
    """The 3.12 venv's Python, once it imports ttnn and torch; the tests skip, saying why, otherwise."""
    if not VENV_PYTHON.exists():
        pytest.skip(f"no Python with the ttnn wheel at {VENV_PYTHON} (ttnn ships for Python 3.10/3.12 only; "
                    f"create it with: {SETUP}, or point ARENA_TTNN_PYTHON at one)")
    probe = subprocess.run([str(VENV_PYTHON), "-c", "import ttnn, torch"], capture_output=True, text=True,
                           timeout=300, check=False)
    if probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        pytest.skip(f"{VENV_PYTHON} cannot import ttnn and torch ({last}); reinstall them with: {SETUP}")
    return VENV_PYTHON

# One Blackhole P150 chip, no Ethernet links: enough for ttnn to know its tile sizes.
MOCK_CLUSTER = """\
arch:
  0: blackhole
chips:
  {}
chip_unique_ids:
  0: 1
ethernet_connections:
  []
ethernet_connections_to_remote_devices:
  []
chips_with_mmio:
  - 0: 0
harvesting:
  0:
    noc_translation: true
    harvest_mask: 0
    dram_harvesting_mask: 0
    eth_harvesting_mask: 288
    pcie_harvesting_mask: 2
    l2cpu_harvesting_mask: 0
chip_to_boardtype:
  0: p150
boards:
  -
    - board_id: 1
    - board_type: p150
    - chips:
        - 0
asic_locations:
  0: 0
"""

# Runs in the 3.12 venv. arena.agents' __init__ imports the envs (gymnasium, pettingzoo), which the
# venv lacks: stand a bare package in for it so that only arena.agents.tt loads.
PRELUDE = """
import json, sys, types
sys.path.insert(0, sys.argv[1])
import arena
agents = types.ModuleType("arena.agents")
agents.__path__ = [sys.argv[1] + "/agents"]
sys.modules["arena.agents"] = arena.agents = agents
import torch, ttnn
"""

HOST_TENSORS = PRELUDE + """
from arena.agents.tt.layers import read_layers
from arena.agents.tt.ttnn_mlp import TTNNMLP

torch.manual_seed(0)
mlp = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
port = TTNNMLP(read_layers(mlp), ttnn, device=None)
inputs = [port._to_device(torch.randn(batch, 64)) for batch in (1, 3, 33)]
weights = [t for layer in port.weights for t in layer[:2]]
def describe(t):
    return {"shape": list(t.shape), "padded": list(t.padded_shape), "layout": t.layout.name, "dtype": t.dtype.name,
            "storage": t.storage_type().name}
round_trip = all(torch.equal(ttnn.to_torch(w), l.weight.T.to(torch.bfloat16))
                 for w, l in zip(weights[::2], (mlp[0], mlp[2])))
print(json.dumps({"tensors": [describe(t) for t in weights + inputs], "round_trip": round_trip,
                  "activations": [layer[2] for layer in port.weights]}))
"""

NO_DEVICE = PRELUDE + """
import warnings
from arena.agents.tt import TTError, choose_backend
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    auto = choose_backend("auto")
try:
    choose_backend("ttnn")
    refused = None
except TTError as exc:
    refused = str(exc)
print(json.dumps({"auto": auto.name, "warning": str(caught[0].message), "refused": refused}))
"""


def run_in_venv(python: Path, script: str, tmp_path: Path, mock: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TT_METAL")}
    if mock:
        descriptor = tmp_path / "one_chip.yaml"
        descriptor.write_text(MOCK_CLUSTER)
        env["TT_METAL_MOCK_CLUSTER_DESC_PATH"] = str(descriptor)
    done = subprocess.run([str(python), "-c", script, str(REPO)], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=300, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0 and lines, f"venv run failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(lines[-1])


def test_real_ttnn_builds_the_tiles_the_double_builds(venv_python, tmp_path, monkeypatch):
    real = run_in_venv(venv_python, HOST_TENSORS, tmp_path, mock=True)
    assert real["round_trip"] and real["activations"] == ["relu", None]
    tile = {"layout": "TILE", "dtype": "BFLOAT16", "storage": "HOST"}
    assert real["tensors"] == [
        {"shape": [64, 64], "padded": [64, 64], **tile}, {"shape": [1, 64], "padded": [32, 64], **tile},
        {"shape": [64, 10], "padded": [64, 32], **tile}, {"shape": [1, 10], "padded": [32, 32], **tile},
        {"shape": [1, 64], "padded": [32, 64], **tile}, {"shape": [3, 64], "padded": [32, 64], **tile},
        {"shape": [33, 64], "padded": [64, 64], **tile},
    ]

    monkeypatch.setitem(sys.modules, "ttnn", ttnn_double)
    torch.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    port = TTNNMLP(read_layers(mlp), ttnn_double, device=None)
    doubled = [t for layer in port.weights for t in layer[:2]] + [port._to_device(torch.randn(b, 64)) for b in (1, 3, 33)]
    assert [{"shape": list(t.shape), "padded": list(t.padded_shape), "layout": t.layout.name, "dtype": t.dtype.name,
             "storage": t.storage_type().name} for t in doubled] == real["tensors"]


def test_real_ttnn_without_a_card_falls_back_to_the_reference(venv_python, tmp_path):
    result = run_in_venv(venv_python, NO_DEVICE, tmp_path, mock=False)
    assert result["auto"] == "reference"
    assert "because no Tenstorrent device found" in result["warning"]
    assert result["refused"] == "no Tenstorrent device found"
