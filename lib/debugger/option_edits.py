"""Changes to a loss call's options and reductions, each tied to a fact of the trace (see :mod:`lib.debugger.edits`).

Denominators of 'mean' (N, N·C·H·W, Σ w[y], targets not ignored), averages of micro-batch means, pos_weight's
broadcast, the dim a softmax normalises, target dtypes, label smoothing, the soft-target entropy floor, broadcasts
that enlarged a hand-written formula, and the single options in which two loss calls differ.
"""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterator

import torch

from lib.debugger.edits import (
    Candidate,
    _dim_words,
    _numbers,
    _shape,
    argument,
    expression,
    replaced,
    src,
    with_keyword,
)
from lib.debugger.trace import CLASS_INDEX_LOSSES, LossEvent, Tracer, denominator, target_encoding


def _kept_code(tracer: Tracer, event: LossEvent) -> str | None:
    """Code for the denominator torch's 'mean' uses, in the script's own names."""
    y = src(tracer, event.target_node) if event.target_node is not None else None
    if y is None or event.family not in CLASS_INDEX_LOSSES or event.target.shape == event.input.shape:
        return None
    ignore = event.options.get("ignore_index", -100)
    weight_node = event.option_nodes.get("weight")
    ignored = bool((event.target == ignore).any())
    if weight_node is not None and event.options.get("weight") is not None:
        w = src(tracer, weight_node)
        return f"{w}[{y}[{y} != {ignore}]].sum()" if ignored else f"{w}[{y}].sum()"
    return f"({y} != {ignore}).sum()" if ignored else None


def manual_means(tracer: Tracer) -> Iterator[Candidate]:
    """``loss(..., reduction='none').mean()`` or ``loss(..., reduction='sum') / n`` where torch's own mean divides
    by Σ w[y] or the targets kept."""
    yield from _divided_sums(tracer)
    for origin in tracer.origins.values():
        if origin.op != "mean" or not isinstance(origin.node, ast.Call) or not origin.parents:
            continue
        source = tracer.origins.get(origin.parents[0])
        if source is None or source.event is None:
            continue
        event = tracer.events[source.event]
        if event.options.get("reduction") != "none":
            continue
        code = _kept_code(tracer, event)
        if code is None:
            continue
        values = src(tracer, origin.node.func.value) if isinstance(origin.node.func, ast.Attribute) else "losses"
        torch_mean = dict(event.options, reduction="mean")
        _, words = denominator(_with(event, torch_mean))
        yield Candidate(
            f"divide the summed losses by {code} instead of averaging them",
            ((origin.statement, replaced(origin.statement, origin.node, expression(f"{values}.sum() / {code}"))),),
            f"Line {origin.line} averages the {event.value.numel()} unreduced losses of line {event.line}, dividing "
            f"by {event.value.numel()}; {event.name.split('.')[-1]}'s own 'mean' divides by {words}.",
        )


def _divided_sums(tracer: Tracer) -> Iterator[Candidate]:
    for origin in tracer.origins.values():
        if origin.op != "div" or not isinstance(origin.node, ast.BinOp) or not origin.parents:
            continue
        source = tracer.origins.get(origin.parents[0])
        if source is None or source.event is None:
            continue
        event = tracer.events[source.event]
        if event.options.get("reduction") != "sum":
            continue
        for other in tracer.events:
            if other is not event and other.family == event.family and denominator_code(tracer, other):
                yield Candidate(
                    f"divide by {denominator_code(tracer, other)} instead of {src(tracer, origin.node.right)}",
                    (
                        (
                            origin.statement,
                            replaced(origin.statement, origin.node.right, expression(denominator_code(tracer, other))),
                        ),
                    ),
                    f"Line {origin.line} divides the summed loss of line {event.line} by "
                    f"{src(tracer, origin.node.right)}; line {other.line}'s reduction="
                    f"{other.options.get('reduction', 'mean')!r} divides by {denominator(other)[1]}.",
                )
        code = _kept_code(tracer, event)
        if code is None:
            continue
        _, words = denominator(_with(event, dict(event.options, reduction="mean")))
        yield Candidate(
            f"divide by {code} instead of {src(tracer, origin.node.right)}",
            ((origin.statement, replaced(origin.statement, origin.node.right, expression(code))),),
            f"Line {origin.line} divides the summed loss of line {event.line} by {src(tracer, origin.node.right)}; "
            f"{event.name.split('.')[-1]}'s own 'mean' divides by {words}.",
        )


def summed_terms(tracer: Tracer) -> Iterator[Candidate]:
    """``loss(..., reduction='none').mean(dim)`` where the divergence sums over that dim."""
    for origin in tracer.origins.values():
        if origin.op != "mean" or not isinstance(origin.node, ast.Call) or not origin.parents:
            continue
        if not isinstance(origin.node.func, ast.Attribute) or not (origin.node.args or origin.node.keywords):
            continue
        source = tracer.origins.get(origin.parents[0])
        if source is None or source.event is None:
            continue
        event = tracer.events[source.event]
        new = copy.deepcopy(origin.node)
        new.func.attr = "sum"
        dims = ", ".join(src(tracer, a) for a in origin.node.args) or "the given dim"
        size = (
            event.value.shape[int(origin.node.args[0].value)]
            if origin.node.args and isinstance(origin.node.args[0], ast.Constant)
            else "its"
        )
        yield Candidate(
            f"sum over dim {dims} instead of averaging",
            ((origin.statement, replaced(origin.statement, origin.node, new)),),
            f"Line {origin.line} averages the per-element terms of line {event.line} over dim {dims}, dividing by "
            f"its {size} entries; the divergence sums them there and averages only over the batch.",
        )


def weighted_probability_means(tracer: Tracer) -> Iterator[Candidate]:
    """Class weights with probability targets: 'mean' divides by N, with indices by Σ w[y]."""
    for event in tracer.events:
        weight_node = event.option_nodes.get("weight")
        if event.family != "cross_entropy" or weight_node is None or event.options.get("weight") is None:
            continue
        if event.target.shape != event.input.shape or event.options.get("reduction", "mean") != "mean":
            continue
        if event.option_owner is not event.call:
            continue
        t, w = src(tracer, event.target_node), src(tracer, weight_node)
        shape = "1, -1" + ", 1" * (event.input.ndim - 2)
        weighted = f"({t} * {w}.view({shape})).sum()"
        summed = with_keyword(event.statement, event.call, "reduction", ast.Constant("sum"))
        new_call = next(n for n in ast.walk(summed) if isinstance(n, ast.Call) and _same_place(n, event.call))
        divided = ast.BinOp(new_call, ast.Div(), expression(weighted))
        count, _ = denominator(event)
        total = float((event.target * event.options["weight"].view(1, -1, *([1] * (event.input.ndim - 2)))).sum())
        yield Candidate(
            f"divide the weighted sum by {weighted}",
            ((event.statement, replaced(event.statement, event.call, divided)),),
            f"With class weights, {event.name}'s 'mean' on line {event.line} divides by {count:g} samples because "
            f"{tracer.label(event.target, event.target_node)} holds probabilities ({target_encoding(event)}); "
            f"with class indices it divides by Σ w[y] = {total:g}.",
        )


def input_shapes(tracer: Tracer) -> Iterator[Candidate]:
    """An element-wise loss whose input has a trailing 1 that its target lacks."""
    for event in tracer.events:
        x, y = event.input, event.target
        if not event.family.startswith("binary") or event.input_node is None or not isinstance(y, torch.Tensor):
            continue
        if x.shape == y.shape or x.ndim < 1 or x.shape[-1] != 1 or x.shape[:-1] != y.shape:
            continue
        new = expression(f"{src(tracer, event.input_node)}.squeeze(-1)")
        yield Candidate(
            f"squeeze {tracer.label(x, event.input_node)} to {tuple(y.shape)}",
            ((event.statement, replaced(event.statement, event.input_node, new)),),
            f"{event.name} on line {event.line} needs input and target of one shape: "
            f"{tracer.label(x, event.input_node)} is {_shape(x)} and {tracer.label(y, event.target_node)} {_shape(y)}.",
        )


def _with(event: LossEvent, options: dict) -> LossEvent:
    changed = copy.copy(event)
    changed.options = options
    return changed


def per_sample_sums(tracer: Tracer) -> Iterator[Candidate]:
    """An element-wise 'mean' (÷ N·C·…) against a sum over labels averaged over the N samples."""
    for event in tracer.events:
        if event.family not in ("binary_cross_entropy", "binary_cross_entropy_with_logits", "kl_div"):
            continue
        x = event.input
        summed = summed_call(event)
        if event.options.get("reduction", "mean") != "mean" or summed is None or x.ndim < 2:
            continue
        statement, new_call = summed
        divided = ast.BinOp(copy.deepcopy(new_call), ast.Div(), expression(f"{src(tracer, event.input_node)}.shape[0]"))
        _, words = denominator(event)
        yield Candidate(
            f"sum over the labels and divide by the batch size {x.shape[0]}",
            ((event.statement, replaced(statement, new_call, divided)),),
            f"{event.name}'s 'mean' on line {event.line} divides by {words}: it is element-wise, so it averages "
            f"over the {x.shape[1]} labels too, while summing the labels and averaging the {x.shape[0]} samples "
            f"divides by {x.shape[0]}, {x.numel() // x.shape[0]}× larger.",
        )


def _is_method_call(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and not (
        isinstance(call.func.value, ast.Name) and call.func.value.id in ("torch", "F", "nn")
    )


def summed_call(event: LossEvent) -> tuple[ast.stmt, ast.Call] | None:
    """A copy of the loss call's statement with reduction='sum', and the loss call in that copy: on the call
    itself, or on its module when the module is built in the same statement."""
    if event.option_owner is not event.call and event.owner_statement is not event.statement:
        return None
    statement = with_keyword(event.statement, event.option_owner, "reduction", ast.Constant("sum"))
    call = next(n for n in ast.walk(statement) if isinstance(n, ast.Call) and _same_place(n, event.call))
    return statement, call


def denominator_code(tracer: Tracer, event: LossEvent) -> str | None:
    """The count a 'mean'-type reduction of ``event`` divides by, as code in the script's names."""
    x = src(tracer, event.input_node) if event.input_node is not None else None
    if x is None:
        return None
    reduction = event.options.get("reduction", "mean")
    if event.family == "kl_div" and reduction == "batchmean":
        return f"{x}.shape[0]"
    if reduction != "mean":
        return None
    if event.family in CLASS_INDEX_LOSSES and event.target.shape != event.input.shape:
        return _kept_code(tracer, event) or f"{src(tracer, event.target_node)}.numel()"
    return f"{x}.numel()"


def _same_place(a: ast.AST, b: ast.AST) -> bool:
    return (a.lineno, a.col_offset) == (b.lineno, b.col_offset)


def pos_weights(tracer: Tracer) -> Iterator[Candidate]:
    for event in tracer.events:
        weight, node = event.options.get("pos_weight"), event.option_nodes.get("pos_weight")
        x = event.input
        if weight is None or node is None or weight.ndim != 1 or x.ndim < 3 or x.shape[1] != weight.shape[0]:
            continue
        ones = ", ".join("1" for _ in range(x.ndim - 2))
        new = expression(f"{src(tracer, node)}.view({weight.shape[0]}, {ones})")
        statement = event.owner_statement
        yield Candidate(
            f"view pos_weight as ({weight.shape[0]}, {ones})",
            ((statement, replaced(statement, node, new)),),
            f"pos_weight {src(tracer, node)} of shape {_shape(weight)} broadcasts like any tensor, against the last "
            f"dim of {tracer.label(x, event.input_node)} {_shape(x)}: it scales the {x.shape[-1]} entries of dim "
            f"{x.ndim - 1}, not the {x.shape[1]} channels of dim 1.",
        )


def target_dtypes(tracer: Tracer) -> Iterator[Candidate]:
    for event in tracer.events:
        y, node = event.target, event.target_node
        if node is None or not isinstance(y, torch.Tensor):
            continue
        name = tracer.label(y, node)
        dtype = str(y.dtype).replace("torch.", "")
        if event.family in CLASS_INDEX_LOSSES and y.is_floating_point() and y.shape != event.input.shape:
            yield Candidate(
                f"pass {name}.long()",
                ((event.statement, replaced(event.statement, node, expression(f"{src(tracer, node)}.long()"))),),
                f"{event.name} on line {event.line} reads a target whose shape {_shape(y)} differs from the input's "
                f"{_shape(event.input)} as class indices, which must be int64 (Long); {name} is {dtype}.",
            )
        if event.family.startswith("binary") and not y.is_floating_point():
            yield Candidate(
                f"pass {name}.float()",
                ((event.statement, replaced(event.statement, node, expression(f"{src(tracer, node)}.float()"))),),
                f"{event.name} on line {event.line} is element-wise with the target inside the arithmetic, so the "
                f"target must be floating; {name} is {dtype}.",
            )


def softmax_dims(tracer: Tracer) -> Iterator[Candidate]:
    """Each softmax / log_softmax over each of its other dims."""
    normalised = [o for o in tracer.origins.values() if o.op in ("softmax", "log_softmax") and o.parents]
    for origin in normalised:
        value = next((v for v in tracer.keep if id(v) == origin.parents[0]), None)
        if value is None or value.ndim < 2 or not isinstance(origin.node, ast.Call):
            continue
        for dim in range(value.ndim):
            if dim == origin.dim % value.ndim:
                continue
            call = copy.deepcopy(origin.node)
            if isinstance(call.func, ast.Call):
                call.func.args, call.func.keywords = [], [ast.keyword(arg="dim", value=ast.Constant(dim))]
            else:
                call.keywords = [k for k in call.keywords if k.arg != "dim"]
                positional = 1 if not _is_method_call(call) else 0
                call.args = call.args[:positional]
                call.keywords.append(ast.keyword(arg="dim", value=ast.Constant(dim)))
            implicit = (
                " (no dim given: softmax then picks dim 0 for 1-D and 3-D input, else 1)" if origin.implicit_dim else ""
            )
            name = tracer.label(value, argument(origin))
            others = [o for o in normalised if o is not origin and o.dim is not None and o.dim % value.ndim == dim] + [
                e for e in tracer.events if e.family == "cross_entropy" and e.input.shape == value.shape
            ]
            other_words = f"; the other computation over dim {dim}, {_dim_words(value, dim)}" if others else ""
            yield Candidate(
                f"{origin.op} over dim {dim} on line {origin.line}",
                ((origin.statement, replaced(origin.statement, origin.node, call)),),
                f"Line {origin.line} normalises {name} {_shape(value)} over dim {origin.dim}, "
                f"{_dim_words(value, origin.dim)}{implicit}{other_words}: each row of probabilities must run over "
                f"the classes.",
            )


def smoothing(tracer: Tracer) -> Iterator[Candidate]:
    """A hand-built smoothed target against label_smoothing=ε: PyTorch gives every class ε/C."""
    smoothed = [e for e in tracer.events if e.family == "cross_entropy" and e.options.get("label_smoothing")]
    for reference in smoothed:
        eps = float(reference.options["label_smoothing"])
        classes = reference.input.shape[1] if reference.input.ndim >= 2 else reference.input.shape[0]
        labels = src(tracer, reference.target_node)
        for event in tracer.events:
            if event is reference or event.target_node is None or event.target.shape != event.input.shape:
                continue
            first_row = event.target[0] if event.target.ndim > 1 else event.target
            torch_target = f"(1 - {eps!r}) * F.one_hot({labels}, {classes}).float() + {eps!r} / {classes}"
            yield Candidate(
                f"build {tracer.label(event.target, event.target_node)} as PyTorch's smoothed target",
                ((event.statement, replaced(event.statement, event.target_node, expression(torch_target))),),
                f"{tracer.label(event.target, event.target_node)} = {_numbers(first_row)} "
                f"gives the other classes ε/(C − 1) = {eps / (classes - 1):.4g}; label_smoothing={eps!r} on line "
                f"{reference.line} gives every class ε/C = {eps / classes:.4g}, so the true class keeps "
                f"1 − ε + ε/C = {1 - eps + eps / classes:.4g}. Same ε, different targets.",
            )


def entropy_floors(tracer: Tracer) -> Iterator[Candidate]:
    """BCE on soft targets bottoms out at H(t), not 0."""
    for event in tracer.events:
        if not event.family.startswith("binary") or event.target_node is None or event.value is None:
            continue
        if event.option_owner is not event.call or target_encoding(event) != "soft float targets":
            continue
        t = src(tracer, event.target_node)
        entropy = -(torch.xlogy(event.target, event.target) + torch.xlogy(1 - event.target, 1 - event.target)).mean()
        code = f"{ast.unparse(event.call)} + (torch.xlogy({t}, {t}) + torch.xlogy(1 - {t}, 1 - {t})).mean()"
        yield Candidate(
            f"subtract the target entropy H({t})",
            ((event.statement, replaced(event.statement, event.call, expression(code))),),
            f"{tracer.label(event.target, event.target_node)} = {_numbers(event.target)} are soft targets: BCE "
            f"bottoms out at their entropy H(t) = {float(entropy):.4f}, not 0; the KL divergence BCE − H(t) is the "
            f"part that reaches 0 when the prediction equals the target.",
        )


def broadcasts(tracer: Tracer) -> Iterator[Candidate]:
    """Squeeze every (…, 1) operand that broadcasting enlarged, all on one line at once."""
    by_statement: dict[int, list] = {}
    for record in tracer.broadcasts:
        for side, shape in zip((record.node.left, record.node.right), record.shapes, strict=True):
            if len(shape) >= 2 and shape[-1] == 1:
                by_statement.setdefault(id(record.statement), []).append((record, side, shape))
    for found in by_statement.values():
        record, side, shape = found[0]
        statement = record.statement
        edited = statement
        for _, operand, _ in found:
            edited = replaced(edited, operand, expression(f"{src(tracer, operand)}.squeeze(-1)"))
        other = record.shapes[1] if side is record.node.left else record.shapes[0]
        yield Candidate(
            f"squeeze {src(tracer, side)} to shape {shape[:-1]} on line {statement.lineno}",
            ((statement, edited),),
            f"On line {statement.lineno} {src(tracer, side)} of shape {shape} meets a tensor of shape {other}, and "
            f"broadcasting enlarges the result to {record.result}: each of the {shape[0]} outputs is paired with "
            f"every label, {torch.Size(record.result).numel()} terms instead of {shape[0]}.",
        )


def micro_batches(tracer: Tracer) -> Iterator[Candidate]:
    """The average of per-micro-batch means against one mean over the whole batch."""
    lines: dict[int, list[LossEvent]] = {}
    for event in tracer.events:
        lines.setdefault(event.line, []).append(event)
    repeated = [group for group in lines.values() if len(group) > 1]
    singles = [group[0] for group in lines.values() if len(group) == 1]
    for group in repeated:
        event = group[0]
        if event.options.get("reduction", "mean") != "mean" or event.option_owner is not event.call:
            continue
        for reference in singles:
            code = _kept_code(tracer, reference) or f"{src(tracer, reference.target_node)}.numel()"
            divisions = [
                o for o in tracer.origins.values() if o.op == "div" and isinstance(o.node, ast.BinOp)
                and o.statement.lineno >= event.line and o.statement is not reference.statement
            ]  # fmt: skip
            for division in divisions:
                kept = [denominator(e)[0] for e in group]
                summed = with_keyword(event.statement, event.call, "reduction", ast.Constant("sum"))
                if division.statement is event.statement:
                    edits = ((event.statement, replaced(summed, division.node.right, expression(code))),)
                else:
                    edits = (
                        (event.statement, summed),
                        (division.statement, replaced(division.statement, division.node.right, expression(code))),
                    )
                yield Candidate(
                    f"sum each micro-batch and divide by {code}",
                    edits,
                    f"Line {division.line} averages {len(group)} micro-batch means from line {event.line}, which "
                    f"divide by {', '.join(f'{k:g}' for k in kept)} targets kept; the full-batch mean on line "
                    f"{reference.line} divides once by {denominator(reference)[1]}, so a micro-batch with fewer "
                    f"kept targets weighs more in the average.",
                )


def differing_options(tracer: Tracer) -> Iterator[Candidate]:
    """Copy one option at a time from one loss call to another."""
    for first in tracer.events:
        for second in tracer.events:
            if first is second or first.family != second.family:
                continue
            for option in ("reduction", "weight", "pos_weight", "ignore_index", "label_smoothing"):
                mine, theirs = first.option_nodes.get(option), second.option_nodes.get(option)
                if theirs is None and mine is None:
                    continue
                if mine is not None and theirs is not None and src(tracer, mine) == src(tracer, theirs):
                    continue
                value = copy.deepcopy(theirs) if theirs is not None else None
                statement = first.owner_statement
                detail = ""
                if option == "reduction":
                    detail = (
                        f" Line {first.line} divides by {denominator(first)[1]}; line {second.line} by "
                        f"{denominator(second)[1]}."
                    )
                yield Candidate(
                    f"give line {first.line}'s call {option}="
                    + (src(tracer, theirs) if theirs is not None else "its default"),
                    ((statement, with_keyword(statement, first.option_owner, option, value)),),
                    f"The two loss calls differ in {option}: line {first.line} uses "
                    f"{src(tracer, mine) if mine is not None else 'the default'}, line {second.line} "
                    f"{src(tracer, theirs) if theirs is not None else 'the default'}.{detail}",
                )
