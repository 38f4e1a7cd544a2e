"""*Copy as PyTorch*: the user's script, made to run unchanged in plain Python and print a, b and the fixed value.

A line assigning ``a`` or ``b`` that raised is wrapped so that it prints the error instead of stopping; the fixed
script follows, and prints the value the fix gives.
"""

from __future__ import annotations

import ast

from lib.debugger.explain import Analysis

SHOW = '''

def show(value):
    """A loss as the debugger prints it: 4 decimals for one number, else the values or the error text."""
    if isinstance(value, str):
        return value
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return f"{value.item():.4f}"
    if isinstance(value, torch.Tensor):
        return str([round(v, 4) for v in value.flatten().tolist()])
    return f"{float(value):.4f}"
'''


def guarded(source: str, failing: dict[str, int | None]) -> str:
    """``source`` with each failing ``a = …`` / ``b = …`` line wrapped in try/except that keeps the error text."""
    lines = source.splitlines()
    tree = ast.parse(source)
    spans = {
        name: statement
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        for name in [t.id for t in statement.targets if isinstance(t, ast.Name)]
        if name in failing and failing[name] == statement.lineno
    }
    for name, statement in sorted(spans.items(), key=lambda item: -item[1].lineno):
        body = lines[statement.lineno - 1 : statement.end_lineno]
        lines[statement.lineno - 1 : statement.end_lineno] = [
            "try:",
            *("    " + line for line in body),
            "except (RuntimeError, ValueError, IndexError) as error:",
            f'    {name} = f"{{type(error).__name__}}: {{error}}".splitlines()[0]',
        ]
    return "\n".join(lines)


def pytorch_script(analysis: Analysis) -> str:
    """The script a person can paste into Python: it prints ``a = …``, ``b = …`` and, with a fix, ``fixed = …``."""
    run = analysis.run
    failing = {name: getattr(run, name).line for name in "ab" if getattr(run, name).error}
    parts = [
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nimport math\nimport numpy as np" + SHOW,
        guarded(run.source, failing),
        'print("a =", show(a))\nprint("b =", show(b))',
    ]
    if analysis.fix is not None:
        parts += [
            f"# The fix ({analysis.fix.change}), then the whole script again with it:\n"
            + "\n".join(f"#   {line}" for line in analysis.fix.code.splitlines()),
            analysis.fix.script.rstrip("\n"),
            f'print("fixed =", show({analysis.fix.call}))',
        ]
    return "\n\n".join(parts) + "\n"
