"""torch's own test inputs, recorded as calls of the functions lib.losses.handwritten mirrors.

Sources (torch 2.13, ``torch.testing._internal``): every OpInfo of ``op_db`` for the mirrored functions
(``reference_inputs`` when the OpInfo has them, which include its ``sample_inputs``, else ``sample_inputs``;
``error_inputs``), every ModuleInfo of ``module_db`` for their modules (module inputs and module error inputs),
and the tests of ``common_nn`` (``criterion_tests``, ``module_tests`` and ``new_module_tests``) that call them.

Each input is run once through torch under a recording TorchFunctionMode, so a module's forward, a
functional test's lambda and an OpInfo's op all end as the same thing: one :class:`Call` of a torch function with
the exact arguments it received. Building the list imports ``common_methods_invocations`` (about 20 s); it happens
once, when the replay module is collected.
"""

from __future__ import annotations

import inspect
import itertools
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial

import hypothesis
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from lib.losses import handwritten as hw

MIRRORED = {
    "sigmoid": (torch, hw.sigmoid),
    "logsigmoid": (F, hw.logsigmoid),
    "softmax": (F, hw.softmax),
    "log_softmax": (F, hw.log_softmax),
    "binary_cross_entropy": (F, hw.binary_cross_entropy),
    "binary_cross_entropy_with_logits": (F, hw.binary_cross_entropy_with_logits),
    "cross_entropy": (F, hw.cross_entropy),
    "nll_loss": (F, hw.nll_loss),
}
"""torch name -> (the namespace torch calls it through, the hand-written twin)."""

OPS = {"sigmoid", "softmax", "log_softmax"} | {
    f"nn.functional.{name}"
    for name in ("logsigmoid", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss")
}
MODULES = {
    "Sigmoid",
    "LogSigmoid",
    "Softmax",
    "LogSoftmax",
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "NLLLoss",
}
COMMON_NN_PREFIXES = (*MODULES, "NLLLoss2d", "NLLLossNd", "softmax_", "log_softmax_")
LEGACY = {"size_average", "reduce"}
DTYPES = (torch.float64, torch.float32)


@dataclass
class Call:
    """One call of a mirrored torch function, as torch's test input made it."""

    id: str
    name: str
    args: dict[str, object] = field(default_factory=dict)
    expect_error: str = ""
    """The error torch's test declares ("RuntimeError: regex"), for error inputs."""
    skip: str = ""
    """Why lib cannot replay it (an argument lib does not mirror), or "" to replay it."""

    @property
    def torch_function(self) -> Callable:
        namespace, _ = MIRRORED[self.name]
        return getattr(namespace, self.name)

    @property
    def lib_function(self) -> Callable:
        return MIRRORED[self.name][1]


class _Recorder(TorchFunctionMode):
    """Sees every torch function call; keeps each mirrored one with its arguments by name.

    A mode, rather than patched names, also sees functions captured before recording began
    (``wrap_functional(F.softmax, dim=1)``, an OpInfo's ``op``). Calls made inside a recorded
    function run with the mode off, so only the outermost call is kept.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, dict[str, object]]] = []
        self._names = {getattr(namespace, name): name for name, (namespace, _) in MIRRORED.items()}
        self._names |= {torch.softmax: "softmax", torch.log_softmax: "log_softmax"}  # the OpInfos' ops

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in self._names:
            name = self._names[func]
            self.calls.append((name, _bind(name, func, args, kwargs)))
        return func(*args, **kwargs)


def _bind(name: str, function: Callable, args: tuple, kwargs: dict) -> dict[str, object]:
    """The call's arguments by name, without the ones left at a None default and torch's _stacklevel."""
    try:
        signature = inspect.signature(function)
    except ValueError:  # a builtin (torch.sigmoid, torch.softmax): its positional order is the twin's
        return dict(zip(inspect.signature(MIRRORED[name][1]).parameters, args, strict=False)) | kwargs
    bound = signature.bind(*args, **kwargs).arguments
    defaults = {k: p.default for k, p in signature.parameters.items()}
    return {k: v for k, v in bound.items() if k != "_stacklevel" and not (v is None and defaults[k] is None)}


def _record(case_id: str, prepare: Callable[[], Callable[[], object]], expect_error: str = "", skip: str = "") -> Call:
    """Prepare one of torch's inputs (build the module, draw the tensors), then record the mirrored call
    its forward makes; torch raising in the forward is part of the record."""
    forward = prepare()
    recorder = _Recorder()
    with recorder:
        try:
            forward()
        except Exception as error:  # torch refusing an input is what error inputs are for
            if not recorder.calls:
                return Call(case_id, "", skip=f"raises before any mirrored call ({type(error).__name__})")
    if not recorder.calls:
        return Call(case_id, "", skip="calls no function lib mirrors")
    name, args = recorder.calls[0]
    unmirrored = sorted(set(args) - set(inspect.signature(MIRRORED[name][1]).parameters))
    if unmirrored and not skip:
        legacy = [k for k in unmirrored if k in LEGACY]
        skip = f"legacy {'/'.join(legacy)}=" if legacy else f"{'/'.join(unmirrored)}= not mirrored"
    return Call(case_id, name, args, expect_error, skip)


def _op_calls(dtype: torch.dtype) -> Iterator[Call]:
    from torch.testing._internal.common_methods_invocations import op_db

    suffix = str(dtype).removeprefix("torch.")
    for op in op_db:
        if op.name not in OPS:
            continue
        label = op.name.removeprefix("nn.functional.") + (f"[{op.variant_test_name}]" if op.variant_test_name else "")
        source = "reference" if op.reference_inputs_func is not None else "sample"
        inputs = op.reference_inputs if source == "reference" else op.sample_inputs
        for i, sample in enumerate(inputs("cpu", dtype, requires_grad=False)):
            yield _record(f"op_db.{source}:{label}:{i}:{suffix}", partial(_op_forward, op, sample))
        if op.error_inputs_func is not None and dtype == DTYPES[0]:
            for i, error in enumerate(op.error_inputs("cpu")):
                yield _record(
                    f"op_db.error:{label}:{i}",
                    partial(_op_forward, op, error.sample_input),
                    expect_error=f"{error.error_type.__name__}: {error.error_regex}",
                )


def _op_forward(op, sample) -> Callable[[], object]:
    return partial(op, sample.input, *sample.args, **sample.kwargs)


def _module_calls(dtype: torch.dtype) -> Iterator[Call]:
    from torch.testing._internal.common_modules import ModuleErrorEnum, module_db

    suffix = str(dtype).removeprefix("torch.")
    for info in module_db:
        name = info.module_cls.__name__
        if name not in MODULES:
            continue
        kind = {"device": "cpu", "dtype": dtype, "requires_grad": False, "training": True}
        for i, module_input in enumerate(info.module_inputs_func(info, **kind)):
            yield _module_call(f"module_db.input:{name}:{i}{_desc(module_input)}:{suffix}", info, module_input)
        if info.module_error_inputs_func is None:
            continue
        for i, error in enumerate(info.module_error_inputs_func(info, **kind)):
            case_id = f"module_db.error:{name}:{i}:{suffix}"
            expect = f"{error.error_type.__name__}: {error.error_regex}"
            if error.error_on == ModuleErrorEnum.CONSTRUCTION_ERROR:
                yield Call(case_id, "", expect_error=expect, skip="raises at construction (lib has no modules)")
            else:
                yield _module_call(case_id, info, error.module_error_input, expect)


def _desc(module_input) -> str:
    return f"[{module_input.desc}]" if module_input.desc else ""


def _module_call(case_id: str, info, module_input, expect_error: str = "") -> Call:
    constructor, forward = module_input.constructor_input, module_input.forward_input
    legacy = sorted(LEGACY & set(constructor.kwargs))
    return _record(
        case_id,
        lambda: partial(info.module_cls(*constructor.args, **constructor.kwargs), *forward.args, **forward.kwargs),
        expect_error,
        skip=f"legacy {'/'.join(legacy)}=" if legacy else "",
    )


def _common_nn_calls(dtype: torch.dtype) -> Iterator[Call]:
    from torch.testing._internal import common_nn

    suffix = str(dtype).removeprefix("torch.")
    tests = [("criterion", t) for t in common_nn.criterion_tests] + [
        ("module", t) for t in common_nn.module_tests + common_nn.get_new_module_tests()
    ]
    for kind, test in tests:
        name = test.get("fullname") or test["module_name"] + (f"_{test['desc']}" if test.get("desc") else "")
        if name.startswith(COMMON_NN_PREFIXES):
            yield _record(f"common_nn.{kind}:{name}:{suffix}", partial(_common_nn_forward, test, dtype))


def _common_nn_forward(test: dict, dtype: torch.dtype) -> Callable[[], object]:
    constructor = test.get("constructor") or getattr(nn, test["module_name"])
    module = constructor(*test.get("constructor_args", ()))
    if "input_fn" in test:
        input = test["input_fn"]()
    elif "input" in test:
        input = test["input"]
    else:
        input = torch.randn(test["input_size"], dtype=torch.float64)
    args = [input] + ([test["target_fn"]()] if "target_fn" in test else [])
    return partial(module, *(a.to(dtype) if a.is_floating_point() else a for a in args))


def replay_calls() -> list[Call]:
    """Every recorded call, float64 then float32; the process's global state is left as found."""
    with _global_state_kept(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(15)
        return list(
            itertools.chain.from_iterable(
                source(dtype) for dtype in DTYPES for source in (_op_calls, _module_calls, _common_nn_calls)
            )
        )


@contextmanager
def _global_state_kept() -> Iterator[None]:
    """Importing torch.testing._internal.common_utils loads its own hypothesis profile ("dev": 10 examples),
    seeds NumPy's global generator, adds warning filters and freezes torch.backends flags; undo all four."""
    profile = hypothesis.settings.get_current_profile_name()
    numpy_state = np.random.get_state()
    filters = list(warnings.filters)
    frozen = torch.backends.flags_frozen()
    try:
        yield
    finally:
        hypothesis.settings.load_profile(profile)
        np.random.set_state(numpy_state)
        warnings.filters[:] = filters
        if not frozen:
            # torch.backends is a module wrapper: the flag lives in the globals of its functions.
            torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
