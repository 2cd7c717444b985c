"""A test double of the ttnn functions arena's TTNN port uses, with the signatures of ttnn 0.81.

Installed as `sys.modules["ttnn"]`, it stands in for a Tenstorrent device and keeps the rules a port
can break:

- a tensor lives on the host or on an open device; ops need device tensors, reading a
  deallocated one raises;
- TILE layout pads the last two dimensions to multiples of 32 (`TILE_SIZE`) with zeros, a rank-1
  tensor as one row (`[64]` is held as `[32, 64]`), as `ttnn.from_torch` does; `shape` is the
  logical shape, `padded_shape` what is stored, `ttnn.to_torch` returns the logical part;
- `ttnn.linear` takes TILE inputs on the device, inner dimensions that match, a bias that is a
  `[1, N]` row in TILE layout on the device, and activation names TTNN knows; it computes on the
  padded tiles (so wrong padding shows in the result) in float32, rounded once to the output dtype;
- `GetNumAvailableDevices` raises when there is no chip, as ttnn does; a device opens once.

Every call is appended to `calls` as (name, details) for tests to assert. `reset(devices=...)`
starts over.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

TILE_SIZE = 32


class Layout(enum.Enum):
    ROW_MAJOR = 0
    TILE = 1


class DataType(enum.Enum):
    BFLOAT16 = 0
    FLOAT32 = 1


class StorageType(enum.Enum):
    HOST = 0
    DEVICE = 1


@dataclass(frozen=True)
class MemoryConfig:
    buffer_type: str


TILE_LAYOUT, ROW_MAJOR_LAYOUT = Layout.TILE, Layout.ROW_MAJOR
bfloat16, float32 = DataType.BFLOAT16, DataType.FLOAT32
DRAM_MEMORY_CONFIG, L1_MEMORY_CONFIG = MemoryConfig("DRAM"), MemoryConfig("L1")
_TORCH_DTYPES = {DataType.BFLOAT16: torch.bfloat16, DataType.FLOAT32: torch.float32}
_FROM_TORCH_DTYPES = {v: k for k, v in _TORCH_DTYPES.items()}
_ACTIVATIONS = {
    "relu": torch.relu, "tanh": torch.tanh, "gelu": torch.nn.functional.gelu, "silu": torch.nn.functional.silu,
    "sigmoid": torch.sigmoid,
}

calls: list[tuple[str, dict[str, Any]]] = []
_state: dict[str, Any] = {"devices": 1, "open": None}


def reset(devices: int = 1, busy: bool = False) -> None:
    """Forget every call and open device; `devices` chips are present, held by another process if `busy`."""
    calls.clear()
    _state.update(devices=devices, open=MeshDevice(MeshShape(1, 1)) if busy else None)


class Shape(tuple):
    def __repr__(self) -> str:
        return f"Shape({list(self)})"


class MeshShape:
    def __init__(self, *dims: Any):
        self.dims = tuple(dims[0]) if len(dims) == 1 else tuple(dims)

    def __repr__(self) -> str:
        return f"MeshShape({list(self.dims)})"


class MeshDevice:
    def __init__(self, shape: MeshShape):
        self.shape = shape
        self.is_open = True


class Tensor:
    def __init__(self, padded: torch.Tensor, shape: Sequence[int], dtype: DataType, layout: Layout,
                 device: MeshDevice | None, memory_config: MemoryConfig | None):
        self._padded = padded
        self.shape = Shape(shape)
        self.padded_shape = Shape(padded.shape)
        self.dtype = dtype
        self.layout = layout
        self.device = device
        self._memory_config = memory_config
        self._allocated = True

    def storage_type(self) -> StorageType:
        return StorageType.HOST if self.device is None else StorageType.DEVICE

    def memory_config(self) -> MemoryConfig | None:
        return self._memory_config

    def is_allocated(self) -> bool:
        return self._allocated

    def deallocate(self, force: bool = True) -> None:
        self._allocated = False

    def _read(self, what: str) -> torch.Tensor:
        if not self._allocated:
            raise RuntimeError(f"TT_FATAL: {what}: tensor was deallocated")
        return self._padded


def _padded_shape(shape: Sequence[int], layout: Layout) -> tuple[int, ...]:
    if layout is not Layout.TILE:
        return tuple(shape)
    rows, cols = _as_2d(shape)[-2:]
    return (*shape[:-2], _round_up(rows), _round_up(cols))


def _round_up(n: int) -> int:
    return math.ceil(n / TILE_SIZE) * TILE_SIZE


def _pad(values: torch.Tensor, padded_shape: tuple[int, ...], pad_value: float) -> torch.Tensor:
    out = torch.full(padded_shape, pad_value, dtype=values.dtype)
    rows, cols = _as_2d(values.shape)[-2:]
    out[..., :rows, :cols] = values.reshape(*padded_shape[:-2], rows, cols)
    return out


def from_torch(tensor: torch.Tensor | None, dtype: DataType | None = None, *, spec: Any = None, tile: Any = None,
               pad_value: float | None = None, layout: Layout | None = None, device: MeshDevice | None = None,
               memory_config: MemoryConfig | None = None, mesh_mapper: Any = None, cq_id: int | None = None,
               preserve_nan_values: bool = False, col_tilize: bool = False,
               enable_bfloat_opt: bool = False) -> Tensor | None:
    if tensor is None:
        return None
    if dtype is None:
        if tensor.dtype not in _FROM_TORCH_DTYPES:
            raise RuntimeError(f"from_torch: no ttnn dtype for {tensor.dtype}")
        dtype = _FROM_TORCH_DTYPES[tensor.dtype]
    layout = layout or Layout.ROW_MAJOR
    if device is not None and not device.is_open:
        raise RuntimeError("TT_FATAL: from_torch: the device is closed")
    padded_shape = _padded_shape(tuple(tensor.shape), layout)
    values = tensor.detach().to(_TORCH_DTYPES[dtype])
    padded = _pad(values, padded_shape, pad_value or 0.0) if padded_shape != tuple(tensor.shape) else values.clone()
    config = (memory_config or DRAM_MEMORY_CONFIG) if device is not None else None
    calls.append(("from_torch", {"shape": tuple(tensor.shape), "torch_dtype": tensor.dtype, "dtype": dtype,
                                 "layout": layout, "on_device": device is not None, "memory_config": config}))
    return Tensor(padded, tuple(tensor.shape), dtype, layout, device, config)


def to_torch(tensor: Tensor, dtype: torch.dtype | None = None, *, torch_rank: int | None = None,
             mesh_composer: Any = None, device: MeshDevice | None = None, cq_id: int | None = None) -> torch.Tensor:
    padded = tensor._read("to_torch")
    logical = padded[tuple(slice(0, n) for n in _as_2d(tensor.shape))].reshape(tensor.shape)
    calls.append(("to_torch", {"shape": tuple(tensor.shape), "padded_shape": tuple(tensor.padded_shape)}))
    return logical.clone() if dtype is None else logical.to(dtype)


def _as_2d(shape: Sequence[int]) -> tuple[int, ...]:
    return (1, shape[0]) if len(shape) == 1 else tuple(shape)


def linear(input_tensor_a: Tensor, input_tensor_b: Tensor, *, bias: Tensor | None = None, transpose_a: bool = False,
           transpose_b: bool = False, memory_config: MemoryConfig | None = None, dtype: DataType | None = None,
           program_config: Any = None, activation: str | None = None, compute_kernel_config: Any = None,
           core_grid: Any = None, output_tile: Any = None, optional_output_tensor: Tensor | None = None,
           global_cb: Any = None, sub_device_id: Any = None, prefetcher_pipes: Sequence[Any] = (),
           in0_column_offset: int | None = None) -> Tensor:
    a, b = input_tensor_a, input_tensor_b
    for name, t in (("input_tensor_a", a), ("input_tensor_b", b)) + ((("bias", bias),) if bias is not None else ()):
        if t.storage_type() is not StorageType.DEVICE or t.layout is not Layout.TILE:
            raise RuntimeError(f"TT_FATAL: linear: {name} must be a TILE tensor on the device "
                               f"(got {t.layout.name} on {t.storage_type().name})")
    if transpose_a or transpose_b:
        raise NotImplementedError("the double does not transpose")
    if a.device is not b.device:
        raise RuntimeError("TT_FATAL: Operands to matmul need to be on the same device!")
    if a.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"TT_FATAL: linear: inner dimensions differ: {list(a.shape)} x {list(b.shape)}")
    if bias is not None and (math.prod(bias.shape[:-1]) != 1 or bias.shape[-1] != b.shape[-1]):
        raise RuntimeError(f"TT_FATAL: Unsupported bias shape {list(bias.shape)} for a weight of {list(b.shape)}")
    if activation is not None and activation not in _ACTIVATIONS:
        raise RuntimeError(f"Unknown unary op: {activation}")
    result = a._read("linear").float() @ b._read("linear").float()
    if bias is not None:
        result = result + bias._read("linear").float()[..., :1, :]
    if activation is not None:
        result = _ACTIVATIONS[activation](result)
    out_dtype = dtype or a.dtype
    calls.append(("linear", {"a": tuple(a.shape), "b": tuple(b.shape), "bias": None if bias is None else tuple(bias.shape),
                             "activation": activation, "padded": tuple(result.shape)}))
    shape = (*a.shape[:-1], b.shape[-1])
    return Tensor(result.to(_TORCH_DTYPES[out_dtype]), shape, out_dtype, Layout.TILE, a.device,
                  memory_config or DRAM_MEMORY_CONFIG)


def deallocate(tensor: Tensor, force: bool = True) -> None:
    calls.append(("deallocate", {"shape": tuple(tensor.shape)}))
    tensor.deallocate(force)


def GetNumAvailableDevices() -> int:
    if _state["devices"] < 1:
        raise RuntimeError("TT_FATAL @ tt_cluster.cpp: num_chips > 0\ninfo:\nNo chips detected in the cluster")
    return _state["devices"]


def open_mesh_device(mesh_shape: MeshShape | None = None, l1_small_size: int = 0, trace_region_size: int = 0,
                     num_command_queues: int = 1, dispatch_core_config: Any = None, offset: Any = None,
                     physical_device_ids: Sequence[int] = (), worker_l1_size: int = 0) -> MeshDevice:
    GetNumAvailableDevices()
    if _state["open"] is not None:
        raise RuntimeError("TT_FATAL: the device is already open in another process")
    calls.append(("open_mesh_device", {"mesh_shape": None if mesh_shape is None else mesh_shape.dims}))
    _state["open"] = MeshDevice(mesh_shape or MeshShape(1, 1))
    return _state["open"]


def close_mesh_device(mesh_device: MeshDevice) -> None:
    calls.append(("close_mesh_device", {}))
    mesh_device.is_open = False
    _state["open"] = None
