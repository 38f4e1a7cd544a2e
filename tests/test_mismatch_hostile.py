"""Hostile scripts: each is refused with a message naming the line and what is not supported, within 2 s, and
nothing outside the whitelist runs."""

import time

import pytest

from lib.debugger.explain import analyse
from lib.debugger.interpreter import Refused, run_script

HOSTILE = {
    "import os": ("import os\na = 1\nb = 1\n", "line 1: import os is not allowed"),
    "from os import": ("from os import system\n", "line 1: from os import system is not allowed"),
    "dunder class": ("a = ().__class__\nb = 1\n", "line 1: the attribute .__class__ is not available"),
    "subclasses": ("x = torch.ones(1)\na = x.__class__.__subclasses__()\n", "line 2: the attribute"),
    "globals": ("a = torch.ones.__globals__\n", ".__globals__ is not available"),
    "dunder import": ("a = __import__('os')\n", "line 1: the name __import__ is not available"),
    "getattr": ("a = getattr(torch, 'load')\nb = 1\n", "line 1: getattr is not available"),
    "open": ("a = open('/etc/passwd')\nb = 1\n", "line 1: open is not available"),
    "eval": ("a = eval('1 + 1')\nb = 1\n", "line 1: eval is not available"),
    "exec": ("exec('import os')\n", "line 1: exec is not available"),
    "lambda": ("f = lambda x: x\n", "line 1: not supported by the debugger: lambda"),
    "def": ("def f():\n    return 1\n", "line 1: not supported by the debugger: def (defining functions)"),
    "comprehension": (
        "a = [i for i in range(10 ** 9)]\n",
        "line 1: not supported by the debugger: list comprehensions",
    ),
    "generator": ("a = sum(i for i in range(10 ** 9))\n", "not supported by the debugger: generator expressions"),
    "torch.load": ("a = torch.load('x.pt')\n", "line 1: torch.load is not supported"),
    "tensor numpy": ("a = torch.ones(2).numpy()\n", "line 1: the tensor method .numpy is not supported"),
    "huge tensor": ("a = torch.randn(100000, 100000)\nb = 1\n", "line 1: a tensor of 10,000,000,000 elements"),
    "huge zeros": ("a = torch.zeros(10 ** 12)\n", "the limit is 262,144"),
    "broadcast bomb": ("x = torch.ones(5000)\na = x[:, None] * x[None, :]\n", "line 2: a tensor of 25,000,000"),
    "repeat bomb": ("a = torch.ones(512).repeat(100000)\n", "line 1: a tensor of 51,200,000"),
    "one_hot bomb": ("a = F.one_hot(torch.tensor([10 ** 9]))\n", "line 1: a tensor of 1,000,000,001"),
    "list bomb": ("a = [0.0] * 10 ** 9\n", "line 1: a list longer than 4,096"),
    "string bomb": ("a = 'x' * 10 ** 9\n", "line 1: a str cannot be used here"),
    "power bomb": ("a = 2 ** 10 ** 10\n", "line 1: integer powers above 64"),
    "long loop": ("for i in range(10 ** 7):\n    x = i\n", "line 1: the loop runs 10,000,000 times; the limit is 64"),
    "nested loops": (
        "for i in range(64):\n    for j in range(64):\n        for k in range(64):\n            x = i + j + k\n",
        "steps",
    ),
    "while": ("while True:\n    pass\n", "line 1: not supported by the debugger: while loops"),
    "deep nesting": ("a = " + "(" * 300 + "1" + ")" * 300 + "\n", "line 1:"),
    "deep unary": ("a = " + "-" * 5000 + "1\n", "nests too deeply"),
    "deep lists": ("a = " + "[" * 90 + "]" * 90 + "\n", "nests too deeply: more than 40 levels"),
    "1 MB paste": ("x = 1\n" * 180_000, "the limit is 20,000 characters"),
    "f-string width": ("a = f'{1:>1000000000}'\nb = 1\n", "f-strings are only read inside print()"),
    "rebinding torch": ("torch = 1\n", "torch is a name the debugger provides"),
    "try": ("try:\n    a = 1\nexcept Exception:\n    pass\n", "line 1: not supported by the debugger: try/except"),
    "with": ("with open('x') as f:\n    pass\n", "line 1: not supported by the debugger: with blocks"),
    "no a": ("b = 1\n", "never assigns a"),
    "syntax": ("a = = 1\n", "line 1: not valid Python"),
    "null byte": ("a = 1\x00\n", "not valid Python"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_script_is_refused_quickly_with_the_line_and_the_reason(name):
    script, message = HOSTILE[name]
    started = time.perf_counter()
    with pytest.raises(Refused) as refusal:
        analyse(script)
    assert time.perf_counter() - started < 2.0
    assert message in str(refusal.value)


def test_a_refused_line_stops_the_run_before_any_earlier_line_runs(tmp_path):
    marker = tmp_path / "ran"
    script = f"a = torch.ones(1)\nb = a\nopen({str(marker)!r}, 'w')\n"
    with pytest.raises(Refused):
        run_script(script)
    assert not marker.exists()


def test_refusals_name_what_is_allowed_instead():
    with pytest.raises(Refused) as refusal:
        run_script("import scipy\n")
    assert "only torch, torch.nn, torch.nn.functional, numpy and math" in str(refusal.value)


def test_allowed_imports_and_numpy_literals_run():
    script = (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nimport numpy as np\nimport math\n"
        "x = torch.from_numpy(np.array([[1.0, 2.0], [0.5, -1.0]])).float()\ny = torch.tensor([1, 0])\n"
        "a = nn.CrossEntropyLoss()(x, y)\nb = F.nll_loss(nn.LogSoftmax(dim=1)(x), y) * math.exp(0)\n"
    )
    assert analyse(script).agree


def test_numpy_arrays_only_from_literal_numbers():
    with pytest.raises(Refused) as refusal:
        run_script("a = np.array(torch.ones(3))\n")
    assert "one literal list of numbers" in str(refusal.value)
