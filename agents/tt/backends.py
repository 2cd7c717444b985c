"""Where a port runs: `ttnn` on a Tenstorrent device, or `reference`, torch reproducing TTNN's numerics.

    backend = choose_backend("auto")   # ttnn when a device answers, else reference with a warning
    print(backend.description)

`ttnn` needs the `tt` extra (`pip install -e ".[tt]"`; TTNN publishes wheels for Python 3.10
and 3.12 only) and a card. The device is opened once per process, as a 1x1 mesh
(`ttnn.open_mesh_device(ttnn.MeshShape(1, 1))`), shared by every port, and closed at exit or by
`close_device()`. A card serves one process at a time: a second agent on the same machine gets
the reference backend under "auto", and an error under "ttnn".
"""

from __future__ import annotations

import atexit
import importlib
import warnings
from abc import ABC, abstractmethod
from typing import Any

from arena.agents.tt.layers import Chain, PortedMLP, TTError
from arena.agents.tt.reference import ReferenceMLP
from arena.agents.tt.ttnn_mlp import TTNNMLP
from arena.errors import install_hint

BACKENDS = ("auto", "ttnn", "reference")


class ReferenceFallback(UserWarning):
    """Issued when "auto" finds no usable device and runs the reference backend instead."""


class Backend(ABC):
    """Builds the torch module that runs a dense chain; `description` says where, in one line."""

    name: str
    description: str

    @abstractmethod
    def build(self, chain: Chain) -> PortedMLP:
        """A module computing `chain`: torch tensors in, torch tensors out."""


class ReferenceBackend(Backend):
    """torch on the CPU with TTNN's bfloat16 rounding (see `arena.agents.tt.reference`)."""

    name = "reference"

    def __init__(self, because: str | None = None):
        self.description = "reference backend: torch reproducing TTNN's bfloat16 arithmetic on the CPU" + (
            f", because {because}" if because else "")

    def build(self, chain: Chain) -> PortedMLP:
        return ReferenceMLP(chain)


class TTNNBackend(Backend):
    """TTNN on an open device (see `arena.agents.tt.ttnn_mlp`)."""

    name = "ttnn"

    def __init__(self, ttnn: Any, device: Any):
        self.ttnn = ttnn
        self.device = device
        self.description = "ttnn backend: TTNN on a Tenstorrent device (1x1 mesh), bfloat16 weights in DRAM"

    def build(self, chain: Chain) -> PortedMLP:
        return TTNNMLP(chain, self.ttnn, self.device)


def choose_backend(name: str | Backend = "auto") -> Backend:
    """The backend called `name`: "ttnn", "reference", or "auto" (ttnn if a device opens, else reference).

    "auto" without a device warns (ReferenceFallback) with the reason; "ttnn" raises TTError with it.
    """
    if isinstance(name, Backend):
        return name
    if name not in BACKENDS:
        raise TTError(f"unknown TT backend {name!r}: choose one of {', '.join(BACKENDS)}")
    if name == "reference":
        return ReferenceBackend()
    try:
        return TTNNBackend(*open_device())
    except TTError as exc:
        if name == "ttnn":
            raise
        backend = ReferenceBackend(str(exc))
        warnings.warn(backend.description, ReferenceFallback, stacklevel=2)
        return backend


_open: dict[str, Any] = {}


def open_device() -> tuple[Any, Any]:
    """(the ttnn module, this process's 1x1 mesh device), opening it on first use; TTError saying why not."""
    try:
        ttnn = importlib.import_module("ttnn")
    except (ImportError, OSError) as exc:
        # ttnn itself missing is said plainly: the competition's import hook words it with this same hint
        why = "not installed" if isinstance(exc, ModuleNotFoundError) and exc.name == "ttnn" else f"not importable ({exc})"
        raise TTError(f"ttnn is {why}: {install_hint('tt')} "
                      "(Python 3.10 or 3.12) on a machine with a Tenstorrent card") from None
    if _open.get("ttnn") is not ttnn:
        close_device()
        try:
            count = ttnn.GetNumAvailableDevices()
        except RuntimeError:  # ttnn raises rather than count zero chips
            count = 0
        if count < 1:
            raise TTError("no Tenstorrent device found")
        try:
            device = ttnn.open_mesh_device(ttnn.MeshShape(1, 1))
        except RuntimeError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise TTError(f"the Tenstorrent device did not open ({first_line}); another process may hold it") from None
        _open.update(ttnn=ttnn, device=device)
    return _open["ttnn"], _open["device"]


def close_device() -> None:
    """Close this process's device if one is open (ports built on it stop working)."""
    if _open:
        ttnn, device = _open.pop("ttnn"), _open.pop("device")
        ttnn.close_mesh_device(device)


atexit.register(close_device)
