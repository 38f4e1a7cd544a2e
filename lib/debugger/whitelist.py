"""What a pasted script may use: the names, functions, tensor methods and syntax the interpreter runs, and caps.

Everything here is a fixed table. The interpreter (:mod:`lib.debugger.interpreter`) looks names up in these
tables only; it never calls ``getattr`` with a name from the script unless the name is listed in
:data:`TENSOR_METHODS` or :data:`TENSOR_PROPERTIES`, and it never hands text to ``eval``, ``exec`` or ``compile``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

MAX_SCRIPT_CHARS = 20_000
"""A script longer than this is refused before it is parsed (a 1 MB paste is answered at once)."""
MAX_SCRIPT_LINES = 400
MAX_TENSOR_ELEMENTS = 262_144
"""No tensor the script builds may hold more elements than this (checked before it is allocated)."""
MAX_TOTAL_ELEMENTS = 8_000_000
"""Elements created over the whole run, all tensors together."""
MAX_STEPS = 20_000
"""Expression nodes evaluated over the whole run."""
MAX_SECONDS = 1.5
"""Wall time of one run; the explanation re-runs the script, each re-run under the same cap."""
MAX_LOOP = 64
MAX_DEPTH = 40
"""Nesting of expressions and statements."""
MAX_SEQUENCE = 4_096
"""Longest Python list or tuple a script may build."""
MAX_STRING = 64

ALLOWED_NODES: frozenset[type] = frozenset(
    {
        ast.Module,
        ast.Expr,
        ast.Assign,
        ast.AugAssign,
        ast.For,
        ast.If,
        ast.Pass,
        ast.Import,
        ast.ImportFrom,
        ast.alias,
        ast.Name,
        ast.Load,
        ast.Store,
        ast.Constant,
        ast.Attribute,
        ast.Call,
        ast.keyword,
        ast.BinOp,
        ast.UnaryOp,
        ast.BoolOp,
        ast.Compare,
        ast.IfExp,
        ast.Subscript,
        ast.Slice,
        ast.Tuple,
        ast.List,
        ast.JoinedStr,
        ast.FormattedValue,
        *(type(op) for op in (ast.Add(), ast.Sub(), ast.Mult(), ast.Div(), ast.FloorDiv(), ast.Mod(), ast.Pow())),
        ast.MatMult,
        ast.USub,
        ast.UAdd,
        ast.Not,
        ast.Invert,
        ast.And,
        ast.Or,
        ast.BitAnd,
        ast.BitOr,
        *(ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Is, ast.IsNot),
    }
)

NODE_WORDS: dict[type, str] = {
    ast.Lambda: "lambda",
    ast.FunctionDef: "def (defining functions)",
    ast.AsyncFunctionDef: "async def",
    ast.ClassDef: "class definitions",
    ast.ListComp: "list comprehensions",
    ast.SetComp: "set comprehensions",
    ast.DictComp: "dict comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.While: "while loops (use for … in range(n), n ≤ 64)",
    ast.Try: "try/except (a line assigning a or b that raises is reported as that call's error)",
    ast.With: "with blocks",
    ast.Assert: "assert",
    ast.Delete: "del",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.Raise: "raise",
    ast.Return: "return",
    ast.Yield: "yield",
    ast.Await: "await",
    ast.NamedExpr: "the := operator",
    ast.Starred: "* unpacking",
    ast.Dict: "dict literals",
    ast.Set: "set literals",
}

IMPORTS = {"torch": "torch", "torch.nn": "nn", "torch.nn.functional": "F", "numpy": "np", "math": "math"}
"""Modules a script may import, with the name each is bound to when imported without ``as``."""


@dataclass(frozen=True)
class Fn:
    """A function a script may call: its name as the script writes it, and the code that runs."""

    name: str
    run: Callable
    role: str = "plain"
    """'constructor' (checked for size first), 'transform', 'loss', 'module' (builds a loss/activation module)."""


@dataclass(frozen=True)
class Namespace:
    """``torch``, ``nn``, ``F``, ``np`` or ``math``: attribute look-ups go to this table and nowhere else."""

    name: str
    members: dict = field(hash=False)


def _fns(prefix: str, role: str, table: dict[str, Callable]) -> dict[str, Fn]:
    return {name: Fn(f"{prefix}.{name}", run, role) for name, run in table.items()}


DTYPE_NAMES = ("float16", "bfloat16", "float32", "float64", "half", "float", "double", "int64", "long", "int32")
DTYPE_NAMES += ("int", "uint8", "bool")
DTYPES = {name: getattr(torch, name) for name in DTYPE_NAMES}

TRANSFORMS = {"softmax", "log_softmax", "sigmoid", "logsigmoid"}

F_MEMBERS = {
    **_fns(
        "F",
        "loss",
        {
            "cross_entropy": F.cross_entropy,
            "nll_loss": F.nll_loss,
            "binary_cross_entropy": F.binary_cross_entropy,
            "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
            "kl_div": F.kl_div,
        },
    ),
    **_fns(
        "F",
        "transform",
        {"softmax": F.softmax, "log_softmax": F.log_softmax, "sigmoid": torch.sigmoid, "logsigmoid": F.logsigmoid},
    ),
    **_fns("F", "plain", {"one_hot": F.one_hot, "softplus": F.softplus, "relu": F.relu, "pad": F.pad}),
}

NN_MEMBERS = {
    **_fns(
        "nn",
        "module",
        {
            "CrossEntropyLoss": nn.CrossEntropyLoss,
            "NLLLoss": nn.NLLLoss,
            "BCELoss": nn.BCELoss,
            "BCEWithLogitsLoss": nn.BCEWithLogitsLoss,
            "KLDivLoss": nn.KLDivLoss,
            "Softmax": nn.Softmax,
            "LogSoftmax": nn.LogSoftmax,
            "Sigmoid": nn.Sigmoid,
            "LogSigmoid": nn.LogSigmoid,
        },
    ),
    "functional": Namespace("F", F_MEMBERS),
}

TORCH_MEMBERS = {
    **_fns(
        "torch",
        "constructor",
        {
            name: getattr(torch, name)
            for name in ("tensor", "randn", "rand", "randint", "zeros", "ones", "arange", "full", "eye", "linspace")
        },
    ),
    **_fns(
        "torch",
        "plain",
        {
            name: getattr(torch, name)
            for name in (
                "manual_seed",
                "cat",
                "stack",
                "where",
                "from_numpy",
                "log",
                "log1p",
                "exp",
                "clamp",
                "logsumexp",
                "abs",
                "sum",
                "mean",
                "isnan",
                "isinf",
                "isfinite",
                "xlogy",
                "zeros_like",
                "ones_like",
                "full_like",
                "argmax",
                "allclose",
                "softmax",
                "log_softmax",
                "sigmoid",
            )
        },
    ),
    **DTYPES,
    "nan": math.nan,
    "inf": math.inf,
    "nn": Namespace("nn", NN_MEMBERS),
}
for _name in ("softmax", "log_softmax", "sigmoid"):
    TORCH_MEMBERS[_name] = Fn(f"torch.{_name}", getattr(torch, _name), "transform")

NUMPY_MEMBERS = {
    "array": Fn("np.array", np.array, "numpy_literal"),
    "float32": np.float32,
    "float64": np.float64,
    "int64": np.int64,
}

MATH_MEMBERS = {
    **_fns("math", "plain", {name: getattr(math, name) for name in ("log", "exp", "log1p", "sqrt", "isnan")}),
    "e": math.e,
    "pi": math.pi,
    "inf": math.inf,
    "nan": math.nan,
}

NAMESPACES = {
    "torch": Namespace("torch", TORCH_MEMBERS),
    "nn": Namespace("nn", NN_MEMBERS),
    "F": Namespace("F", F_MEMBERS),
    "np": Namespace("np", NUMPY_MEMBERS),
    "numpy": Namespace("np", NUMPY_MEMBERS),
    "math": Namespace("math", MATH_MEMBERS),
}

_METHOD_NAMES = """
float double half bfloat16 long int bool to view reshape squeeze unsqueeze permute transpose flatten clone detach
zero_ scatter_ scatter fill_ sum mean max min item softmax log_softmax sigmoid log log1p exp clamp clamp_min clamp_max
argmax numel size dim abs neg movedim masked_fill gather eq ne lt le gt ge pow sqrt contiguous expand expand_as view_as
repeat tolist logsumexp isnan isinf any all type_as chunk split narrow unbind
"""
TENSOR_METHODS = frozenset(_METHOD_NAMES.split())
TENSOR_PROPERTIES = frozenset(("shape", "ndim", "dtype", "data", "T"))
TENSOR_TRANSFORM_METHODS = {"softmax", "log_softmax", "sigmoid"}

LOSS_MODULES = (nn.CrossEntropyLoss, nn.NLLLoss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.KLDivLoss)
ACTIVATION_MODULES = (nn.Softmax, nn.LogSoftmax, nn.Sigmoid, nn.LogSigmoid)
