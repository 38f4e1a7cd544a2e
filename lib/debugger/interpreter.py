"""A whitelist interpreter for short PyTorch scripts: it walks Python's ``ast`` and runs each node on real torch.

Nothing is handed to ``eval``, ``exec`` or ``compile``. :func:`run_script` checks the whole tree first
(:func:`check_tree`: only the node types, names and imports in :mod:`lib.debugger.whitelist`), then evaluates it
node by node under caps on steps, wall time, tensor sizes and loops. The script assigns the two numbers to compare
to ``a`` and ``b``; a line assigning ``a`` or ``b`` that makes torch raise is recorded as that call's error.
While it runs, :class:`~lib.debugger.trace.Tracer` records what each loss call and each transform sees.
"""

from __future__ import annotations

import ast
import math
import operator
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch

from lib.debugger import whitelist as wl
from lib.debugger.checks import Refused, TorchError, one_line, parse_script
from lib.debugger.python_builtins import BUILTINS, Builtin
from lib.debugger.sizes import SCALARS, broadcast_elements, count_elements, literal_numbers, requested_elements
from lib.debugger.trace import Tracer


@dataclass
class Outcome:
    """What ``a`` or ``b`` holds after the run: a tensor or number, or the error its line raised."""

    value: object = None
    error: str | None = None
    line: int | None = None


@dataclass
class Run:
    source: str
    a: Outcome
    b: Outcome
    trace: Tracer


BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
}
COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}
NUMPY_DTYPES = (np.float32, np.float64, np.int64)


class Interpreter:
    """Evaluates a checked tree; one instance per run."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.trace = Tracer(source)
        self.env: dict[str, object] = {name: space for name, space in wl.NAMESPACES.items() if name != "numpy"}
        self.steps = 0
        self.started = time.perf_counter()
        self.line = 0
        self.depth = 0
        self.outcomes = {"a": Outcome(), "b": Outcome()}
        self.generator = torch.Generator()
        """The script's own random numbers: torch.manual_seed seeds this, never the server's global generator."""

    # --- statements ----------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> Run:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.block(tree.body)
        for name in "ab":
            outcome = self.outcomes[name]
            if outcome.line is None:
                raise Refused(None, f"the script never assigns {name}: assign the two numbers to compare to a and b")
        return Run(self.source, self.outcomes["a"], self.outcomes["b"], self.trace)

    def block(self, body: list[ast.stmt]) -> None:
        for statement in body:
            self.line = statement.lineno
            self.trace.statement = statement
            getattr(self, f"do_{type(statement).__name__}")(statement)

    def do_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            self.env[bound] = wl.NAMESPACES[wl.IMPORTS[alias.name] if alias.asname else alias.name.split(".")[0]]

    def do_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            self.env[alias.asname or alias.name] = wl.NAMESPACES["nn" if alias.name == "nn" else "F"]

    def do_Pass(self, node: ast.Pass) -> None:
        pass

    def do_Expr(self, node: ast.Expr) -> None:
        self.evaluate(node.value)

    def do_If(self, node: ast.If) -> None:
        self.block(node.body if self.truth(self.evaluate(node.test)) else node.orelse)

    def do_For(self, node: ast.For) -> None:
        items = self.evaluate(node.iter)
        if isinstance(items, torch.Tensor):
            items = list(items.unbind(0)) if items.ndim else None
        if not isinstance(items, (range, list, tuple)):
            raise Refused(node.lineno, "for loops may only run over range(n), a list, a tuple or a tensor's rows")
        if len(items) > wl.MAX_LOOP:
            raise Refused(node.lineno, f"the loop runs {len(items):,} times; the limit is {wl.MAX_LOOP}")
        for item in items:
            self.assign(node.target, item)
            self.block(node.body)
        self.block(node.orelse)

    def do_Assign(self, node: ast.Assign) -> None:
        names = [t.id for t in node.targets if isinstance(t, ast.Name) and t.id in ("a", "b")]
        if not names:
            value = self.evaluate(node.value)
        else:
            try:
                value = self.evaluate(node.value)
            except TorchError as error:
                for name in names:
                    self.outcomes[name] = Outcome(None, str(error), node.lineno)
                return
        for target in node.targets:
            self.assign(target, value)

    def do_AugAssign(self, node: ast.AugAssign) -> None:
        load = ast.copy_location(
            ast.Subscript(node.target.value, node.target.slice, ast.Load())
            if isinstance(node.target, ast.Subscript)
            else ast.Name(getattr(node.target, "id", ""), ast.Load()),
            node,
        )
        self.assign(node.target, self.binary(node.op, self.evaluate(load), self.evaluate(node.value), node))

    def assign(self, target: ast.expr, value: object) -> None:
        if isinstance(target, ast.Name):
            if target.id in wl.NAMESPACES or target.id in BUILTINS:
                raise Refused(target.lineno, f"{target.id} is a name the debugger provides; choose another name")
            self.env[target.id] = value
            self.trace.name(value, target.id)
            if target.id in ("a", "b"):
                self.outcomes[target.id] = Outcome(value, None, target.lineno)
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = list(value) if isinstance(value, (tuple, list, torch.Size)) else None
            if values is None or len(values) != len(target.elts):
                raise Refused(target.lineno, f"cannot unpack into {len(target.elts)} names")
            for element, item in zip(target.elts, values, strict=True):
                self.assign(element, item)
        elif isinstance(target, ast.Subscript):
            container = self.evaluate(target.value)
            if not isinstance(container, torch.Tensor):
                raise Refused(target.lineno, "only tensor elements can be assigned with [...] =")
            self.torch_call(operator.setitem, (container, self.evaluate(target.slice), value), {}, target)
        else:
            raise Refused(target.lineno, "this kind of assignment is not supported")

    # --- expressions ---------------------------------------------------------------------------

    def evaluate(self, node: ast.expr) -> object:
        self.steps += 1
        if self.steps > wl.MAX_STEPS:
            raise Refused(
                self.line, f"the script takes more than {wl.MAX_STEPS:,} steps; the limit keeps the server responsive"
            )
        if time.perf_counter() - self.started > wl.MAX_SECONDS:
            raise Refused(self.line, f"the script ran longer than {wl.MAX_SECONDS} s, the limit")
        self.depth += 1
        try:
            return getattr(self, f"ev_{type(node).__name__}")(node)
        finally:
            self.depth -= 1

    def ev_Constant(self, node: ast.Constant) -> object:
        return node.value

    def ev_Name(self, node: ast.Name) -> object:
        if node.id in self.env:
            return self.env[node.id]
        if node.id in BUILTINS:
            return BUILTINS[node.id]
        raise Refused(
            node.lineno,
            f"{node.id} is not available: the debugger runs torch, nn, F, np, math, "
            "a few builtins (range, len, float, int, abs, min, max, round, sum, print) and your variables",
        )

    def ev_Tuple(self, node: ast.Tuple) -> tuple:
        return tuple(self.sequence(node.elts))

    def ev_List(self, node: ast.List) -> list:
        return self.sequence(node.elts)

    def sequence(self, elements: list[ast.expr]) -> list:
        if len(elements) > wl.MAX_SEQUENCE:
            raise Refused(self.line, f"a list of {len(elements):,} items; the limit is {wl.MAX_SEQUENCE:,}")
        return [self.evaluate(e) for e in elements]

    def ev_Slice(self, node: ast.Slice) -> slice:
        return slice(*(None if part is None else self.evaluate(part) for part in (node.lower, node.upper, node.step)))

    def ev_JoinedStr(self, node: ast.JoinedStr) -> str:
        raise Refused(node.lineno, "f-strings are only read inside print(), which the debugger skips")

    def ev_IfExp(self, node: ast.IfExp) -> object:
        return self.evaluate(node.body if self.truth(self.evaluate(node.test)) else node.orelse)

    def ev_BoolOp(self, node: ast.BoolOp) -> object:
        value = None
        for part in node.values:
            value = self.evaluate(part)
            if self.truth(value) == isinstance(node.op, ast.Or):
                return value
        return value

    def ev_UnaryOp(self, node: ast.UnaryOp) -> object:
        operand = self.evaluate(node.operand)
        self.check_operand(operand, node)
        result = self.torch_call(UNARY[type(node.op)], (operand,), {}, node)
        self.trace.derived(result, "neg", node, (operand,))
        return result

    def ev_BinOp(self, node: ast.BinOp) -> object:
        return self.binary(node.op, self.evaluate(node.left), self.evaluate(node.right), node)

    def ev_Compare(self, node: ast.Compare) -> object:
        left, result = self.evaluate(node.left), True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.evaluate(right_node)
            self.check_operand(left, node)
            self.check_operand(right, node)
            result = self.torch_call(COMPARE[type(op)], (left, right), {}, node)
            if len(node.ops) > 1 and not self.truth(result):
                return False
            left = right
        return result

    def ev_Subscript(self, node: ast.Subscript) -> object:
        value, index = self.evaluate(node.value), self.evaluate(node.slice)
        if not isinstance(value, (torch.Tensor, list, tuple, torch.Size)):
            raise Refused(node.lineno, f"a {type(value).__name__} cannot be indexed")
        result = self.torch_call(operator.getitem, (value, index), {}, node)
        self.trace.derived(result, "index", node, (value,), index=index)
        return result

    def ev_Attribute(self, node: ast.Attribute) -> object:
        value = self.evaluate(node.value)
        if isinstance(value, wl.Namespace):
            if node.attr not in value.members:
                raise Refused(node.lineno, f"{value.name}.{node.attr} is not supported by the debugger")
            return value.members[node.attr]
        if isinstance(value, torch.Tensor):
            if node.attr in wl.TENSOR_PROPERTIES:
                result = getattr(value, node.attr)
                self.trace.derived(result, "view", node, (value,))
                return result
            if node.attr in wl.TENSOR_METHODS:
                return Method(value, node.attr)
            raise Refused(node.lineno, f"the tensor method .{node.attr} is not supported by the debugger")
        raise Refused(node.lineno, f".{node.attr} of a {type(value).__name__} is not available")

    def ev_Call(self, node: ast.Call) -> object:
        function = self.evaluate(node.func)
        if isinstance(function, Builtin) and function.name == "print":
            return None
        args = self.sequence(node.args)
        kwargs = {k.arg: self.evaluate(k.value) for k in node.keywords}
        for value in (*args, *kwargs.values()):
            self.check_operand(value, node, calls=True)
        if isinstance(function, Builtin):
            return self.torch_call(function.run, args, kwargs, node)
        if isinstance(function, Method):
            return self.method(function, args, kwargs, node)
        if isinstance(function, wl.Fn):
            return self.function(function, args, kwargs, node)
        if isinstance(function, Module):
            return self.trace.call_module(function, args, kwargs, node, self)
        raise Refused(node.lineno, f"a {type(function).__name__} cannot be called")

    # --- calls ---------------------------------------------------------------------------------

    def function(self, fn: wl.Fn, args: list, kwargs: dict, node: ast.Call) -> object:
        if fn.name == "torch.manual_seed":
            if len(args) != 1 or not isinstance(args[0], int):
                raise Refused(node.lineno, "torch.manual_seed takes one whole number")
            self.generator.manual_seed(args[0] % 2**63)
            return None
        if fn.name in ("torch.randn", "torch.rand", "torch.randint"):
            kwargs = {**kwargs, "generator": self.generator}
        if fn.role == "constructor":
            self.check_elements(requested_elements(fn.name, args, kwargs), node)
        if fn.role == "numpy_literal":
            if kwargs.keys() - {"dtype"} or len(args) != 1 or not literal_numbers(args[0]):
                raise Refused(node.lineno, "np.array takes one literal list of numbers (and an optional dtype)")
            self.check_elements(count_elements(args[0]), node)
        if fn.name == "F.one_hot" and args and isinstance(args[0], torch.Tensor):
            classes = args[1] if len(args) > 1 else kwargs.get("num_classes", -1)
            if not isinstance(classes, int) or classes < 0:
                classes = int(args[0].max()) + 1 if args[0].numel() else 0
            self.check_elements(args[0].numel() * classes, node)
        if fn.name in ("torch.cat", "torch.stack") and args and isinstance(args[0], (list, tuple)):
            self.check_elements(sum(t.numel() for t in args[0] if isinstance(t, torch.Tensor)), node)
        if fn.role == "module":
            return Module(fn, self.torch_call(fn.run, args, kwargs, node), node, self.trace.statement)
        if fn.role == "loss":
            return self.trace.call_loss(fn.name, fn.run, args, kwargs, node, self)
        result = self.torch_call(fn.run, args, kwargs, node)
        tensors = tuple(v for v in (*args, *kwargs.values()) if isinstance(v, torch.Tensor))
        self.trace.derived(result, fn.name.split(".")[-1], node, tensors, args=args, kwargs=kwargs)
        return result

    def method(self, method: Method, args: list, kwargs: dict, node: ast.Call) -> object:
        tensor, name = method.tensor, method.name
        if name in ("repeat", "expand"):
            sizes = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list, torch.Size)) else args
            if all(isinstance(s, int) for s in sizes):
                self.check_elements(
                    math.prod(abs(s) for s in sizes) * (tensor.numel() if name == "repeat" else 1), node
                )
        result = self.torch_call(getattr(tensor, name), args, kwargs, node)
        self.trace.derived(result, name, node, (tensor,), args=(tensor, *args), kwargs=kwargs)
        return result

    def torch_call(self, run, args, kwargs, node: ast.AST) -> object:
        """Call a whitelisted function; torch's own errors become :class:`TorchError`, sizes are checked after."""
        try:
            result = run(*args, **kwargs)
        except (RuntimeError, ValueError, IndexError, TypeError, ZeroDivisionError, OverflowError) as error:
            raise TorchError(one_line(error)) from None
        if isinstance(result, torch.Tensor):
            self.check_elements(result.numel(), node)
        elif isinstance(result, int) and not isinstance(result, bool) and abs(result) > 2**63:
            raise Refused(getattr(node, "lineno", self.line), "an integer beyond 2**63 is not supported")
        elif isinstance(result, (list, tuple)) and len(result) > wl.MAX_SEQUENCE:
            raise Refused(getattr(node, "lineno", self.line), f"a list longer than {wl.MAX_SEQUENCE:,} items")
        return result

    def binary(self, op: ast.operator, left: object, right: object, node: ast.AST) -> object:
        for operand in (left, right):
            self.check_operand(operand, node)
        if isinstance(left, (list, tuple)) or isinstance(right, (list, tuple)):
            if not isinstance(op, ast.Mult) or not isinstance(left, (list, tuple)) or not isinstance(right, int):
                raise Refused(node.lineno, "lists may only be repeated, as [0.0] * n")
            if len(left) * max(right, 0) > wl.MAX_SEQUENCE:
                raise Refused(node.lineno, f"a list longer than {wl.MAX_SEQUENCE:,} items")
        if isinstance(op, ast.Pow) and isinstance(right, int) and isinstance(left, int) and abs(right) > 64:
            raise Refused(node.lineno, "integer powers above 64 are not supported")
        shapes = [v.shape for v in (left, right) if isinstance(v, torch.Tensor)]
        if len(shapes) == 2:
            self.check_elements(broadcast_elements(*shapes), node)
        result = self.torch_call(BINARY[type(op)], (left, right), {}, node)
        self.trace.derived(result, type(op).__name__.lower(), node, (left, right))
        return result

    def check_operand(self, value: object, node: ast.AST, calls: bool = False) -> None:
        allowed = (torch.Tensor, *SCALARS, type(None), list, tuple, slice, type(...), torch.Size, np.ndarray, range)
        if isinstance(value, str) and calls:
            return
        if isinstance(value, torch.dtype) or (isinstance(value, allowed) and not isinstance(value, str)):
            return
        if calls and (isinstance(value, np.generic) or any(value is t for t in NUMPY_DTYPES)):
            return
        raise Refused(getattr(node, "lineno", self.line), f"a {type(value).__name__} cannot be used here")

    def check_elements(self, count: int, node: ast.AST) -> None:
        line = getattr(node, "lineno", self.line)
        if count > wl.MAX_TENSOR_ELEMENTS:
            raise Refused(line, f"a tensor of {count:,} elements; the limit is {wl.MAX_TENSOR_ELEMENTS:,}")
        self.trace.created += count
        if self.trace.created > wl.MAX_TOTAL_ELEMENTS:
            raise Refused(line, f"the script creates more than {wl.MAX_TOTAL_ELEMENTS:,} tensor elements in all")

    @staticmethod
    def truth(value: object) -> bool:
        try:
            return bool(value)
        except (RuntimeError, ValueError) as error:
            raise TorchError(one_line(error)) from None


@dataclass(frozen=True)
class Method:
    tensor: torch.Tensor
    name: str


@dataclass(frozen=True)
class Module:
    """An ``nn`` loss or activation module the script built: the torch module and the line that built it."""

    fn: wl.Fn
    module: torch.nn.Module
    node: ast.Call
    statement: ast.stmt


def run_script(source: str) -> Run:
    """Parse, check and run a script; :class:`Refused` says why not, with the line."""
    tree = parse_script(source)
    interpreter = Interpreter(source)
    try:
        return interpreter.run(tree)
    except TorchError as error:
        raise Refused(interpreter.line, str(error)) from None
    except RecursionError:
        raise Refused(interpreter.line, "the expression nests too deeply") from None
    except Refused:
        raise
    except Exception as error:
        raise Refused(interpreter.line, f"the debugger cannot run this line ({one_line(error)})") from None
