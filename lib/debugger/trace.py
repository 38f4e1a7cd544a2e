"""What a script's computations saw, recorded while the interpreter runs it.

:class:`Tracer` keeps, for every tensor the script made, where it came from (:class:`Origin`: the operation, its
dim, its line and the expression), the names the script gave it, every loss call with its inputs and options
(:class:`LossEvent`), every broadcast that enlarged a tensor (:class:`Broadcast`), and the first place a value
became nan or inf. The facts a person reads (class axis, target encoding, the mean's denominator) are derived
from these records by the functions at the end.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field

import torch

TRANSFORMS = {"softmax", "log_softmax", "sigmoid", "logsigmoid"}
PASS_THROUGH = {
    "float", "double", "half", "bfloat16", "long", "int", "to", "view", "reshape", "clone", "detach", "contiguous",
    "data", "view_as", "type_as",
}  # fmt: skip
ARITHMETIC = {"add", "sub", "mult", "div", "pow", "floordiv", "mod"}
LOSS_FAMILY = {
    "CrossEntropyLoss": "cross_entropy",
    "NLLLoss": "nll_loss",
    "BCELoss": "binary_cross_entropy",
    "BCEWithLogitsLoss": "binary_cross_entropy_with_logits",
    "KLDivLoss": "kl_div",
}
CLASS_INDEX_LOSSES = ("cross_entropy", "nll_loss")


@dataclass
class Origin:
    op: str
    node: ast.AST
    statement: ast.stmt
    parents: tuple[int, ...] = ()
    dim: int | None = None
    implicit_dim: bool = False
    event: int | None = None

    @property
    def line(self) -> int:
        return self.statement.lineno


@dataclass
class LossEvent:
    index: int
    name: str
    family: str
    input: torch.Tensor
    target: torch.Tensor
    input_node: ast.expr | None
    target_node: ast.expr | None
    options: dict
    option_nodes: dict
    option_owner: ast.Call
    owner_statement: ast.stmt
    call: ast.Call
    statement: ast.stmt
    value: torch.Tensor | None = None
    error: str | None = None

    @property
    def line(self) -> int:
        return self.statement.lineno


@dataclass
class Broadcast:
    node: ast.BinOp
    statement: ast.stmt
    shapes: tuple[tuple[int, ...], tuple[int, ...]]
    result: tuple[int, ...]


@dataclass
class Tracer:
    source: str
    statement: ast.stmt | None = None
    created: int = 0
    origins: dict[int, Origin] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    events: list[LossEvent] = field(default_factory=list)
    broadcasts: list[Broadcast] = field(default_factory=list)
    nonfinite: list[tuple[int, str, bool]] = field(default_factory=list)
    """(line, what, own): each place a nan or inf first appeared, in the script's own numbers (own) or computed
    from finite ones."""
    keep: list = field(default_factory=list)
    """Every traced tensor stays alive for the run, so no id is reused."""

    def text(self, node: ast.AST | None) -> str:
        return (ast.get_source_segment(self.source, node) or ast.unparse(node)) if node is not None else ""

    def origin(self, value: object) -> Origin | None:
        return self.origins.get(id(value)) if isinstance(value, torch.Tensor) else None

    def name(self, value: object, name: str) -> None:
        if isinstance(value, torch.Tensor):
            self.names[id(value)] = name
            if id(value) not in self.origins:
                self.keep.append(value)

    def label(self, value: torch.Tensor, node: ast.AST | None = None) -> str:
        """How the script calls a tensor: its variable name, else the expression that made it."""
        return self.names.get(id(value)) or self.text(node) or "a tensor"

    def derived(self, result: object, op: str, node: ast.AST, parents: tuple, args=(), kwargs=None, index=None) -> None:
        if not isinstance(result, torch.Tensor) or self.statement is None:
            return
        tensors = tuple(p for p in parents if isinstance(p, torch.Tensor))
        dim, implicit = None, False
        if op in ("softmax", "log_softmax"):
            dim = (kwargs or {}).get("dim", args[1] if len(args) > 1 else None)
            if dim is None:
                implicit, dim = True, 0 if tensors[0].ndim in (0, 1, 3) else 1
        self.keep.append(result)
        self.origins[id(result)] = Origin(op, node, self.statement, tuple(id(t) for t in tensors), dim, implicit)
        if (
            result.is_floating_point()
            and result.numel()
            and not bool(torch.isfinite(result).all())
            and all(bool(torch.isfinite(t).all()) for t in tensors if t.is_floating_point())
        ):
            self.nonfinite.append((self.statement.lineno, self.text(node), not tensors))
        if op in ARITHMETIC and len(tensors) == 2 and result.numel() > max(t.numel() for t in tensors):
            self.broadcasts.append(
                Broadcast(node, self.statement, (tuple(tensors[0].shape), tuple(tensors[1].shape)), tuple(result.shape))
            )

    def call_loss(self, name: str, run, args: list, kwargs: dict, node: ast.Call, interpreter) -> torch.Tensor:
        bound = inspect.signature(run).bind_partial(*args, **kwargs).arguments
        family = name.split(".")[-1]
        options = {k: v for k, v in bound.items() if k not in ("input", "target")}
        return self._record(name, family, run, args, kwargs, bound, options, node, node, self.statement, interpreter)

    def call_module(self, module, args: list, kwargs: dict, node: ast.Call, interpreter) -> torch.Tensor:
        short = module.fn.name.split(".")[-1]
        torch_module = module.module
        if short in LOSS_FAMILY:
            bound = inspect.signature(torch_module.forward).bind_partial(*args, **kwargs).arguments
            options = {
                k: getattr(torch_module, k)
                for k in ("weight", "pos_weight", "reduction", "ignore_index", "label_smoothing", "log_target")
                if hasattr(torch_module, k)
            }
            return self._record(
                module.fn.name, LOSS_FAMILY[short], torch_module, args, kwargs, bound, options, node, module.node,
                module.statement, interpreter,
            )  # fmt: skip
        result = interpreter.torch_call(torch_module, args, kwargs, node)
        op = {"Softmax": "softmax", "LogSoftmax": "log_softmax", "Sigmoid": "sigmoid", "LogSigmoid": "logsigmoid"}
        dim = getattr(torch_module, "dim", None)
        self.derived(result, op[short], node, tuple(args), args=(args[0], dim) if dim is not None else args[:1])
        return result

    def _record(self, name, family, run, args, kwargs, bound, options, node, owner, owner_statement, interpreter):
        from lib.debugger.interpreter import TorchError

        x, target = bound.get("input"), bound.get("target")
        positions = {p: i for i, p in enumerate(inspect.signature(getattr(F_FUNCTIONS, family)).parameters)}
        nodes = dict(zip(positions, owner.args if owner is not node else node.args, strict=False))
        nodes.update({k.arg: k.value for k in owner.keywords})
        call_nodes = dict(zip(("input", "target"), node.args, strict=False))
        call_nodes.update({k.arg: k.value for k in node.keywords if k.arg in ("input", "target")})
        if owner is node:
            call_nodes.update({k: v for k, v in nodes.items() if k in ("input", "target")})
        event = LossEvent(
            len(self.events), name, family, x, target, call_nodes.get("input"), call_nodes.get("target"),
            options, nodes, owner, owner_statement, node, self.statement,
        )  # fmt: skip
        self.events.append(event)
        problem = out_of_range_label(event)
        try:
            if problem:
                raise TorchError(problem)
            result = interpreter.torch_call(run, args, kwargs, node)
        except TorchError as error:
            event.error = str(error)
            raise
        event.value = result
        self.keep.append(result)
        self.origins[id(result)] = Origin("loss", node, self.statement, (), None, False, event.index)
        return result


class F_FUNCTIONS:
    """The functional form of each loss family, whose signature names the module's options."""

    from torch.nn.functional import (
        binary_cross_entropy,
        binary_cross_entropy_with_logits,
        cross_entropy,
        kl_div,
        nll_loss,
    )


def out_of_range_label(event: LossEvent) -> str | None:
    """The input-time check torch makes deep inside its kernel, worded for a person."""
    x, y = event.input, event.target
    if event.family not in CLASS_INDEX_LOSSES or not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
        return None
    if y.is_floating_point() or y.dtype == torch.bool or x.ndim == 0 or y.shape == x.shape:
        return None
    classes = x.shape[1] if x.ndim >= 2 else x.shape[0]
    ignore = event.options.get("ignore_index", -100)
    bad = y[(y != ignore) & ((y < 0) | (y >= classes))]
    if bad.numel():
        return f"label {int(bad.flatten()[0])} is out of range for {classes} classes; ignore_index is {ignore}"
    return None


# --- facts a person reads ----------------------------------------------------------------------


def chain(tracer: Tracer, value: torch.Tensor) -> list[Origin]:
    """The operations a tensor went through, latest first, stepping through casts and reshapes."""
    found, seen = [], set()
    origin = tracer.origin(value)
    while origin is not None and id(origin) not in seen and len(found) < 12:
        seen.add(id(origin))
        found.append(origin)
        if not origin.parents:
            break
        origin = tracer.origins.get(origin.parents[0])
    return found


def transform_before(tracer: Tracer, value: torch.Tensor) -> Origin | None:
    """The softmax, log_softmax, sigmoid or logsigmoid a loss input last went through, if only casts and
    reshapes came after it."""
    for origin in chain(tracer, value):
        if origin.op in TRANSFORMS:
            return origin
        if origin.op not in PASS_THROUGH:
            return None
    return None


def class_axis(event: LossEvent) -> str:
    x = event.input
    if event.family not in CLASS_INDEX_LOSSES:
        return f"element-wise over all {x.numel()} elements of shape {tuple(x.shape)}"
    if x.ndim == 1:
        return f"one unbatched sample: dim 0 holds its {x.shape[0]} classes"
    spatial = f", dims 2+ {tuple(x.shape[2:])} are positions" if x.ndim > 2 else ""
    return f"dim 0 holds {x.shape[0]} samples, dim 1 {x.shape[1]} classes{spatial}"


def target_encoding(event: LossEvent) -> str:
    x, y = event.input, event.target
    if not isinstance(y, torch.Tensor):
        return "not a tensor"
    if event.family in CLASS_INDEX_LOSSES and y.shape != x.shape:
        return f"class indices ({str(y.dtype).replace('torch.', '')}, shape {tuple(y.shape)})"
    if not y.is_floating_point():
        return f"integer labels ({str(y.dtype).replace('torch.', '')})"
    binary = bool(((y == 0) | (y == 1)).all())
    if event.family in CLASS_INDEX_LOSSES and y.ndim >= 1:
        sums = y.sum(dim=1 if y.ndim >= 2 else 0)
        if binary and bool((sums == 1).all()):
            return "one-hot probabilities"
        if binary:
            return f"multi-hot rows (row sums {_numbers(sums)}), read as class probabilities"
        return "soft class probabilities"
    return "0/1 float labels" if binary else "soft float targets"


def denominator(event: LossEvent) -> tuple[float, str]:
    """What the loss's reduction divides its sum by, and the words for it."""
    x, y, options = event.input, event.target, event.options
    reduction = options.get("reduction", "mean")
    if reduction == "sum":
        return 1.0, "nothing (reduction='sum')"
    if reduction == "none":
        return 1.0, "nothing (reduction='none')"
    if event.family in CLASS_INDEX_LOSSES and y.shape != x.shape:
        kept = y != options.get("ignore_index", -100)
        weight = options.get("weight")
        if weight is not None:
            total = float(weight[y[kept]].sum())
            return total, f"Σ w[y] = {total:g} over the {int(kept.sum())} targets kept"
        ignored = int((~kept).sum())
        words = f"the {int(kept.sum())} targets not ignored" if ignored else f"the {y.numel()} targets"
        return float(kept.sum()), words + (
            f" ({ignored} equal ignore_index {options.get('ignore_index', -100)})" if ignored else ""
        )
    if event.family in CLASS_INDEX_LOSSES:
        count = x.numel() // max(x.shape[1] if x.ndim >= 2 else x.shape[0], 1)
        return float(count), f"{count} samples × positions"
    if event.family == "kl_div" and reduction == "batchmean":
        return float(x.shape[0] if x.ndim else 1), f"the batch size input.size(0) = {x.shape[0] if x.ndim else 1}"
    return float(x.numel()), f"all {x.numel()} elements ({' · '.join(str(s) for s in x.shape) or '1'})"


def saturated(value: torch.Tensor) -> int:
    """How many probabilities are exactly 0 or 1 in their dtype."""
    return int(((value == 0) | (value == 1)).sum()) if value.is_floating_point() else 0


def _numbers(values: torch.Tensor) -> str:
    return ", ".join(f"{float(v):g}" for v in values.flatten()[:6])
