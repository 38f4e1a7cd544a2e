"""Before anything runs: the script's length, its syntax, and every node, name, attribute and import in it
checked against :mod:`lib.debugger.whitelist`; and the two ways a run can end early (:class:`Refused`,
:class:`TorchError`)."""

from __future__ import annotations

import ast

from lib.debugger import whitelist as wl
from lib.debugger.sizes import SCALARS


class Refused(Exception):
    """The script uses something outside the whitelist, breaks a cap, or fails on a line other than a / b."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


class TorchError(Exception):
    """torch (or the debugger's own input check) rejected a call: the message a user should read."""


def one_line(error: BaseException) -> str:
    """An exception as ``Type: first line``, never cut inside a word."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    if len(text) > 300:
        text = text[:300].rsplit(" ", 1)[0] + " …"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def parse_script(source: str) -> ast.Module:
    """The script's tree, or :class:`Refused` with the reason (too long, not Python, not allowed)."""
    if len(source) > wl.MAX_SCRIPT_CHARS:
        raise Refused(
            None, f"the script is {len(source):,} characters long; the limit is {wl.MAX_SCRIPT_CHARS:,} characters"
        )
    if source.count("\n") >= wl.MAX_SCRIPT_LINES:
        raise Refused(None, f"the script has more than {wl.MAX_SCRIPT_LINES} lines; the limit is {wl.MAX_SCRIPT_LINES}")
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise Refused(error.lineno, f"not valid Python: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise Refused(None, "the script nests too deeply to be read") from None
    except ValueError as error:
        raise Refused(None, f"the script cannot be parsed: {one_line(error)}") from None
    check_tree(tree)
    return tree


def check_tree(tree: ast.Module) -> None:
    """Refuse any node, name, attribute or import outside the whitelist, before anything runs."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        line = getattr(node, "lineno", None)
        if depth > wl.MAX_DEPTH:
            raise Refused(line, f"the script nests too deeply: more than {wl.MAX_DEPTH} levels")
        if type(node) not in wl.ALLOWED_NODES:
            words = wl.NODE_WORDS.get(type(node), type(node).__name__)
            raise Refused(line, f"not supported by the debugger: {words}")
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise Refused(line, f"the name {node.id} is not available (no dunder names)")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise Refused(line, f"the attribute .{node.attr} is not available (no names starting with _)")
        if isinstance(node, ast.Constant) and not isinstance(node.value, (*SCALARS, str, type(None), type(...))):
            raise Refused(line, f"{type(node.value).__name__} constants are not supported")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > wl.MAX_STRING:
            raise Refused(line, f"strings longer than {wl.MAX_STRING} characters are not supported")
        if isinstance(node, ast.keyword) and node.arg is None:
            raise Refused(line, "** unpacking is not supported")
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in wl.IMPORTS:
                    raise Refused(
                        line,
                        f"import {alias.name} is not allowed: only torch, torch.nn, "
                        "torch.nn.functional, numpy and math",
                    )
        if isinstance(node, ast.ImportFrom):
            names = {alias.name for alias in node.names}
            allowed = {"torch": {"nn"}, "torch.nn": {"functional"}}.get(node.module or "", set())
            if not names <= allowed or node.level:
                raise Refused(line, f"from {node.module} import {', '.join(sorted(names))} is not allowed")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
