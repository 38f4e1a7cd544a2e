"""Changes to a user's script, each tied to one fact of its trace, for the explanation to test by re-running.

A :class:`Candidate` is one change (one or two edited lines) and the sentence that states its cause, written
from the trace with the user's names, shapes and live numbers. The generators here change how a loss input is formed
(transforms, logs, clamps, the loss itself); :mod:`lib.debugger.option_edits` changes a call's options and
reductions. :mod:`lib.debugger.explain` re-runs each and keeps the first that brings ``a`` and ``b`` together.
"""

from __future__ import annotations

import ast
import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from lib.debugger.trace import (
    LossEvent,
    Origin,
    Tracer,
    chain,
    saturated,
    transform_before,
)


@dataclass(frozen=True)
class Candidate:
    change: str
    """What changes, in words."""
    edits: tuple[tuple[ast.stmt, ast.stmt], ...]
    """(original statement, edited statement) pairs."""
    cause: str


def apply(source: str, edits: tuple[tuple[ast.stmt, ast.stmt], ...]) -> tuple[str, str]:
    """The edited script and the edited lines' text."""
    lines = source.splitlines()
    written = []
    for old, new in sorted(edits, key=lambda pair: -pair[0].lineno):
        text = " " * old.col_offset + ast.unparse(new)
        lines[old.lineno - 1 : old.end_lineno] = text.splitlines()
        written.insert(0, text.strip())
    return "\n".join(lines) + "\n", "\n".join(written)


def expression(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _key(node: ast.AST) -> tuple:
    return (type(node).__name__, node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


def replaced(statement: ast.stmt, target: ast.AST, new: ast.AST) -> ast.stmt:
    """A copy of ``statement`` with the node at ``target``'s position replaced by ``new``."""
    wanted = _key(target)

    class Replace(ast.NodeTransformer):
        def generic_visit(self, node):
            if hasattr(node, "lineno") and _key(node) == wanted:
                return new
            return super().generic_visit(node)

    return ast.fix_missing_locations(Replace().visit(copy.deepcopy(statement)))


def with_keyword(statement: ast.stmt, call: ast.Call, name: str, value: ast.expr | None) -> ast.stmt:
    """A copy of ``statement`` where ``call`` has keyword ``name`` set to ``value`` (removed when None)."""
    new_call = copy.deepcopy(call)
    new_call.keywords = [k for k in new_call.keywords if k.arg != name]
    if value is not None:
        new_call.keywords.append(ast.keyword(arg=name, value=value))
    return replaced(statement, call, new_call)


def src(tracer: Tracer, node: ast.AST) -> str:
    return tracer.text(node)


def argument(origin: Origin) -> ast.expr | None:
    """The expression a transform was applied to: F.softmax(x, 1) → x, x.softmax(1) → x, module(x) → x."""
    node = origin.node
    if not isinstance(node, ast.Call):
        return None
    if (isinstance(node.func, ast.Attribute) and not node.args) or _is_method(node):
        return node.func.value
    return node.args[0] if node.args else None


def _is_method(node: ast.Call) -> bool:
    return (
        isinstance(node.func, ast.Attribute)
        and not (isinstance(node.func.value, ast.Name) and node.func.value.id in ("torch", "F", "nn", "np", "math"))
        and not isinstance(node.func.value, ast.Attribute)
    )


def _numbers(values: torch.Tensor, digits: int = 4) -> str:
    flat = values.detach().double().flatten()
    shown = ", ".join(f"{float(v):.{digits}g}" for v in flat[:6])
    return f"[{shown}{', …' if flat.numel() > 6 else ''}]"


def _shape(value: torch.Tensor) -> str:
    return str(tuple(value.shape))


def _dim_words(value: torch.Tensor, dim: int, family_reads_classes: bool = True) -> str:
    """What a dim of a (N, C, …) tensor holds: samples, classes or positions."""
    ndim = value.ndim
    dim = dim % ndim if ndim else 0
    size = value.shape[dim] if ndim else 1
    if ndim == 1:
        return f"the {size} entries"
    if dim == 0:
        return f"the {size} samples"
    if dim == 1:
        return f"the {size} classes"
    return f"the {size} positions of dim {dim}"


def transform_changes(tracer: Tracer) -> Iterator[Candidate]:
    for event in tracer.events:
        if event.input_node is None:
            continue
        x_name = tracer.label(event.input, event.input_node) if isinstance(event.input, torch.Tensor) else "input"
        before = transform_before(tracer, event.input) if isinstance(event.input, torch.Tensor) else None
        inner = argument(before) if before else None
        statement = event.statement
        if (
            before
            and inner is not None
            and (event.family, before.op)
            in (
                ("cross_entropy", "softmax"),
                ("binary_cross_entropy_with_logits", "sigmoid"),
            )
        ):
            own = "log_softmax" if before.op == "softmax" else "the sigmoid"
            if before.op == "softmax":
                classes = event.input.shape[1] if event.input.ndim >= 2 else event.input.shape[0]
                floor = math.log(1 + (classes - 1) / math.e)
                why = (
                    f"Probabilities in [0, 1] never look confident, so with {classes} classes the loss cannot go "
                    f"below log(1 + (C − 1)/e) = {floor:.4f}."
                )
            else:
                why = (
                    "Every prediction lands in (0.5, 0.731), so a positive cannot score below 0.3133 and a negative "
                    "below log 2 = 0.6931."
                )
            yield Candidate(
                f"pass {src(tracer, inner)} to {event.name} instead of {x_name}",
                ((statement, replaced(statement, event.input_node, copy.deepcopy(inner))),),
                f"{event.name} on line {event.line} applies {own} itself, but {x_name} is already "
                f"{before.op}({src(tracer, inner)}) from line {before.line}: {before.op} is applied twice. {why}",
            )
        if event.family == "nll_loss" and before is not None and before.op == "softmax" and inner is not None:
            log_call = expression(f"F.log_softmax({src(tracer, inner)}, dim={before.dim})")
            yield Candidate(
                f"use log_softmax instead of softmax on line {before.line}",
                ((before.statement, replaced(before.statement, before.node, log_call)),),
                f"NLLLoss on line {event.line} only picks −input[y] and takes no log: {x_name} holds softmax "
                f"probabilities (line {before.line}), so it returns −mean p_true = "
                f"{_value(event):.4f}, not a log-likelihood.",
            )
        if event.family == "nll_loss" and before is None:
            wrapped = expression(f"F.log_softmax({src(tracer, event.input_node)}, dim=1)")
            yield Candidate(
                f"apply log_softmax to {x_name} before {event.name}",
                ((statement, replaced(statement, event.input_node, wrapped)),),
                f"NLLLoss on line {event.line} only picks −input[y]: {x_name} holds raw values "
                f"{_numbers(event.input)}, so it returns −mean of the picked values, {_value(event):.4f}.",
            )
        if event.family == "binary_cross_entropy" and before is not None and before.op == "sigmoid" and inner:
            yield from _logits_instead(tracer, event, before, inner)
        if (
            event.family == "binary_cross_entropy"
            and before is None
            and event.error
            and "between 0 and 1" in event.error
        ):
            wrapped = expression(f"torch.sigmoid({src(tracer, event.input_node)})")
            yield Candidate(
                f"apply a sigmoid to {x_name}",
                ((statement, replaced(statement, event.input_node, wrapped)),),
                f"BCELoss on line {event.line} reads its input as probabilities, and {x_name} holds logits "
                f"{_numbers(event.input)}, outside [0, 1].",
            )


def _value(event: LossEvent) -> float:
    return float(event.value.double().mean()) if event.value is not None else math.nan


def _logits_instead(tracer: Tracer, event: LossEvent, before: Origin, inner: ast.expr) -> Iterator[Candidate]:
    probabilities = tracer.origins and event.input
    count = saturated(probabilities)
    dtype = str(probabilities.dtype).replace("torch.", "")
    z = src(tracer, inner)
    upcast = probabilities.dtype in (torch.float16, torch.bfloat16)
    t = src(tracer, event.target_node) if event.target_node is not None else "target"
    new_input = f"{z}.float()" if upcast else z
    new_target = f"{t}.float()" if upcast else t
    keywords = "".join(
        f", {k.arg}={ast.unparse(k.value)}" for k in event.call.keywords if k.arg not in ("input", "target")
    )
    if event.option_owner is not event.call:
        return
    new_call = expression(f"F.binary_cross_entropy_with_logits({new_input}, {new_target}{keywords})")
    saturation = (
        f"sigmoid({z}) on line {before.line} rounds {count} of its {probabilities.numel()} probabilities to exactly "
        f"0 or 1 in {dtype}, where a log term is −inf and BCELoss clamps it at −100"
        if count
        else f"BCELoss on sigmoid({z}) loses digits in {dtype} for large |z|"
    )
    yield Candidate(
        f"compute the loss from the logits {z} with binary_cross_entropy_with_logits"
        + (" in float32" if upcast else ""),
        ((event.statement, replaced(event.statement, event.call, new_call)),),
        f"{saturation}. BCEWithLogitsLoss works from the logits with log-sum-exp and never forms σ(z)"
        + (f"; float32 keeps the digits {dtype} rounds away." if upcast else "."),
    )


def hand_written_logs(tracer: Tracer) -> Iterator[Candidate]:
    """torch.log(sigmoid(z)) → F.logsigmoid(z) and torch.log(1 − sigmoid(z)) → F.logsigmoid(−z), per line."""
    by_statement: dict[int, list] = {}
    for origin in tracer.origins.values():
        if origin.op != "log" or not origin.parents:
            continue
        parent = tracer.origins.get(origin.parents[0])
        complement = False
        if parent is not None and parent.op == "sub" and parent.parents:
            complement, parent = True, tracer.origins.get(parent.parents[-1])
        if parent is None or parent.op != "sigmoid" or argument(parent) is None:
            continue
        z = src(tracer, argument(parent))
        new = expression(f"F.logsigmoid(-({z}))" if complement else f"F.logsigmoid({z})")
        by_statement.setdefault(id(origin.statement), []).append((origin, new, parent))
    for found in by_statement.values():
        statement = found[0][0].statement
        edited = statement
        for origin, new, _ in found:
            edited = replaced(edited, origin.node, new)
        sigmoid = found[0][2]
        p = tracer.names.get(next(iter(found[0][0].parents)), "p")
        value = next((v for v in tracer.keep if id(v) == found[0][0].parents[0]), None)
        count = saturated(value) if isinstance(value, torch.Tensor) else 0
        yield Candidate(
            f"take log-sigmoids of {src(tracer, argument(sigmoid))} on line {statement.lineno}",
            ((statement, edited),),
            f"{src(tracer, sigmoid.node)} on line {sigmoid.line} rounds {count} value(s) to exactly 0 or 1 in "
            f"float32, so torch.log on line {statement.lineno} gives −inf there and 0 · (−inf) is nan; "
            f"F.logsigmoid never forms the probability {p}.",
        )


def clamps_read_as_probabilities(tracer: Tracer) -> Iterator[Candidate]:
    """A clamp to [ε, 1 − ε] applied to logits: what Keras's BinaryCrossentropy(from_logits=False) does."""
    for origin in list(tracer.origins.values()):
        if origin.op not in ("clamp", "clip") or not origin.parents:
            continue
        value = next((v for v in tracer.keep if id(v) == origin.parents[0]), None)
        inner = argument(origin)
        if value is None or inner is None or not value.is_floating_point():
            continue
        if bool(((value >= 0) & (value <= 1)).all()):
            continue
        statements = {id(o.statement): o.statement for o in tracer.origins.values() if o.op in ("clamp", "clip")}
        edits = []
        for statement in statements.values():
            edited = statement
            for other in tracer.origins.values():
                if other.op in ("clamp", "clip") and other.statement is statement and argument(other) is not None:
                    edited = replaced(
                        edited, argument(other), expression(f"torch.sigmoid({src(tracer, argument(other))})")
                    )
            edits.append((statement, edited))
        name = tracer.label(value, inner)
        yield Candidate(
            f"apply a sigmoid to {name} before the clamp",
            tuple(edits),
            f"{name} holds logits from {float(value.min()):g} to {float(value.max()):g}, but line {origin.line} clamps "
            f"them to a probability range and takes their log, reading them as probabilities (as Keras's "
            f"BinaryCrossentropy does by default, from_logits=False): logits ≥ 1 count as certain, ≤ 0 as impossible.",
        )
        return


def loss_swaps(tracer: Tracer) -> Iterator[Candidate]:
    for event in tracer.events:
        x, y = event.input, event.target
        if event.input_node is None or event.target_node is None or not isinstance(x, torch.Tensor):
            continue
        x_src, y_src = src(tracer, event.input_node), src(tracer, event.target_node)
        x_name, y_name = tracer.label(x, event.input_node), tracer.label(y, event.target_node)
        if event.family == "cross_entropy" and x.ndim == 1:
            yield _swap(
                event,
                f"F.binary_cross_entropy_with_logits({x_src}, {y_src}.float())",
                f"CrossEntropyLoss on line {event.line} reads {x_name} of shape {_shape(x)} as one unbatched sample "
                f"with {x.shape[0]} classes and {y_name} as "
                + ("its class probabilities" if y.shape == x.shape else "its class index")
                + f"; {x.shape[0]} independent binary logits need BCEWithLogitsLoss.",
            )
        if event.family == "cross_entropy" and x.ndim >= 2 and x.shape[1] == 1:
            yield _swap(
                event,
                f"F.binary_cross_entropy_with_logits({x_src}.squeeze(1), {y_src}.float())",
                f"{x_name} has shape {_shape(x)}: one logit per sample. Softmax over a single logit is identically "
                f"1, so CrossEntropyLoss sees log-probability 0 for class 0 and has no class 1; one logit is a "
                f"binary problem for BCEWithLogitsLoss.",
            )
        if event.family == "cross_entropy" and y.shape == x.shape and y.is_floating_point() and x.ndim >= 2:
            sums = y.sum(dim=1)
            if not bool(torch.allclose(sums, torch.ones_like(sums))):
                yield _swap(
                    event,
                    f"F.binary_cross_entropy_with_logits({x_src}, {y_src})",
                    f"{y_name} is multi-label: its rows sum to {_numbers(sums, 3)}, not 1. CrossEntropyLoss on line "
                    f"{event.line} reads it as the class probabilities of one softmax, where the classes compete for "
                    f"one unit of probability, so k true labels can get at most 1/k each; one sigmoid per label is "
                    f"BCEWithLogitsLoss.",
                )
        one_hot = (
            next((o for o in chain(tracer, y) if o.op == "one_hot"), None) if isinstance(y, torch.Tensor) else None
        )
        if event.family == "binary_cross_entropy_with_logits" and one_hot and x.ndim >= 2 and x.shape[1] == 2:
            labels = src(tracer, one_hot.node.args[0]) if isinstance(one_hot.node, ast.Call) else "labels"
            dims = " · ".join(str(s) for s in x.shape)
            yield _swap(
                event,
                f"F.binary_cross_entropy_with_logits({x_src}[:, 1] - {x_src}[:, 0], {labels}.float())",
                f"{x_name} {_shape(x)} has two channels, and {event.name} on line {event.line} scores them as two "
                f"independent sigmoids against the one-hot {y_name}, dividing by all {dims} = {x.numel()} elements; "
                f"cross-entropy couples them through one softmax and divides by {x.numel() // 2}. Since "
                f"softmax([z0, z1])[1] = σ(z1 − z0), BCE on the logit difference is the two-class cross-entropy.",
            )


def _swap(event: LossEvent, code: str, cause: str) -> Candidate:
    name = code.split("(")[0]
    return Candidate(
        f"use {name} on line {event.line}",
        ((event.statement, replaced(event.statement, event.call, expression(code))),),
        cause,
    )
