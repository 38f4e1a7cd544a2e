"""How many elements a call will create, read from its arguments before torch allocates anything."""

from __future__ import annotations

import math

import torch

from lib.debugger import whitelist as wl

SCALARS = (bool, int, float)


def requested_elements(name: str, args: list, kwargs: dict) -> int:
    """How many elements a constructor call asks for, read from its arguments before anything is allocated."""
    short = name.split(".")[-1]
    if short == "tensor":
        return count_elements(args[0]) if args else 0
    if short == "arange":
        numbers = [a for a in args if isinstance(a, SCALARS)]
        start, end, step = (
            (0, numbers[0], 1) if len(numbers) == 1 else (*numbers[:2], numbers[2] if len(numbers) > 2 else 1)
        )
        return int(abs(math.ceil((end - start) / step))) if step else 0
    if short == "linspace":
        return int(args[2] if len(args) > 2 else kwargs.get("steps", 0))
    if short == "eye":
        n = args[0] if args else kwargs.get("n", 0)
        return int(n) * int(args[1] if len(args) > 1 else kwargs.get("m", n))
    if short == "randint":
        size = kwargs.get("size", next((a for a in args if isinstance(a, (tuple, list, torch.Size))), ()))
        return _product(size)
    if short == "full":
        return _product(args[0] if args else kwargs.get("size", ()))
    sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list, torch.Size)) else args
    return _product(kwargs.get("size", sizes))


def broadcast_elements(first: tuple[int, ...], second: tuple[int, ...]) -> int:
    """Elements of the broadcast of two shapes (sizes that do not broadcast are left for torch to reject).
    torch.broadcast_shapes is not used: its first call imports sympy, seconds on a loaded server."""
    width = max(len(first), len(second))
    padded = [(1,) * (width - len(s)) + tuple(s) for s in (first, second)]
    return math.prod(max(x, y) for x, y in zip(*padded, strict=True))


def _product(size: object) -> int:
    size = [size] if isinstance(size, int) else size
    if not isinstance(size, (tuple, list, torch.Size)) or not all(isinstance(s, int) for s in size):
        return 0
    return math.prod(max(int(s), 0) for s in size)


def count_elements(data: object, limit: int = wl.MAX_TENSOR_ELEMENTS + 1) -> int:
    """Leaves of nested lists and tuples, counted up to just past ``limit``."""
    if isinstance(data, torch.Tensor):
        return data.numel()
    if not isinstance(data, (list, tuple)):
        return 1
    total = 0
    for item in data:
        total += count_elements(item, limit - total)
        if total >= limit:
            return total
    return total


def literal_numbers(data: object) -> bool:
    if isinstance(data, (list, tuple)):
        return all(literal_numbers(item) for item in data)
    return isinstance(data, SCALARS)
