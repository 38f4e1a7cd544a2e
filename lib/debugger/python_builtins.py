"""The few Python builtins a pasted script may call, each a small function that takes only plain values."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lib.debugger import whitelist as wl


@dataclass(frozen=True)
class Builtin:
    name: str
    run: object


def _float(value: object = 0.0) -> float:
    if isinstance(value, str) and value.strip().lower() not in ("nan", "inf", "-inf", "+inf"):
        raise ValueError(f"float() of {value!r}: only 'nan', 'inf' and '-inf' are read from text")
    return float(value)


def _range(*args: int) -> range:
    if not all(isinstance(a, int) for a in args):
        raise TypeError("range() takes whole numbers")
    return range(*args)


BUILTINS = {
    name: Builtin(name, run)
    for name, run in {
        "range": _range,
        "len": len,
        "float": _float,
        "int": lambda v=0: int(v) if not isinstance(v, str) else int(v[:20]),
        "abs": abs,
        "min": min,
        "max": max,
        "round": round,
        "sum": sum,
        "print": print,
        "list": lambda v=(): list(v) if isinstance(v, (list, tuple, range, torch.Size)) else list(v)[: wl.MAX_SEQUENCE],
        "tuple": lambda v=(): tuple(v),
        "zip": lambda *v: list(zip(*v, strict=False))[: wl.MAX_SEQUENCE],
        "enumerate": lambda v: list(enumerate(v))[: wl.MAX_SEQUENCE],
    }.items()
}
BUILTINS.update({"True": True, "False": False, "None": None})
