"""Turning pasted text into arrays, safely: JSON or nested lists, never ``eval``.

Accepted: a JSON number or (nested, rectangular) list of numbers, ``[[1, 2], [3, 4]]``; the same
wrapped in ``tensor(...)`` or ``np.array(...)`` as printed by torch and NumPy; or bare numbers
separated by commas or spaces, ``1.5, -2, 3``. ``nan``, ``inf`` and ``-inf`` are read as such and the
caller decides whether they are allowed. Every way text can fail gives a :class:`ParseResult`
with a problem in words, never an exception.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

MAX_CHARS = 200_000
MAX_ELEMENTS = 10_000
MAX_DEPTH = 6
_WRAPPER = re.compile(r"^\s*(?:torch\.)?(?:tensor|np\.array|numpy\.array|array)\s*\((.*)\)\s*$", re.S)
_DTYPE_ARGUMENT = re.compile(r",\s*(?:dtype|device|requires_grad)\s*=.*$", re.S)
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity", "+inf": "Infinity"}
_NON_FINITE_TOKEN = re.compile(r"(?<![\w.])([+-]?inf|nan)(?![\w.])", re.I)


@dataclass(frozen=True)
class ParseResult:
    """The parsed array (float64) and whether every entry was written as a whole number, or a problem."""

    values: np.ndarray | None
    all_integers: bool = False
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def parse_tensor(text: str, max_elements: int = MAX_ELEMENTS) -> ParseResult:
    """Parse pasted numbers into a float64 array, or say in words what is wrong with the text."""
    if not isinstance(text, str):
        return _failure("the input is not text")
    if len(text) > MAX_CHARS:
        return _failure(f"the text is {len(text):,} characters long; the limit is {MAX_CHARS:,}")
    body = text.strip()
    if not body:
        return _failure("the text is empty: write numbers such as [0.5, -1.2] or 0.5, -1.2")
    wrapped = _WRAPPER.match(body)
    if wrapped:
        body = _DTYPE_ARGUMENT.sub("", wrapped.group(1)).strip()
    if not body.startswith("["):
        body = "[" + ",".join(part for part in re.split(r"[\s,]+", body) if part) + "]"
    body = _NON_FINITE_TOKEN.sub(lambda m: _NON_FINITE[m.group(1).lower()], body)
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):
        return _failure("it is not a list of numbers: write e.g. [[0.5, -1.2], [2.0, 0.1]]")
    return _to_array(parsed, max_elements)


def parse_logit_target_rows(text: str, max_rows: int) -> tuple[np.ndarray, np.ndarray, str | None]:
    """``"z:y, z:y, …"`` as logits and targets; a problem in words instead when the text is not usable.

    Each logit must be finite within ±10⁴ and each target in [0, 1]; a trailing comma is allowed.
    """
    pairs = text.split(",")
    if pairs and not pairs[-1].strip() and len(pairs) > 1:
        pairs.pop()
    if len(pairs) > max_rows:
        return np.zeros(0), np.zeros(0), f"at most {max_rows} rows, got {len(pairs)}"
    logits, targets = [], []
    for position, pair in enumerate(pairs, start=1):
        try:
            z, y = (float(part) for part in pair.split(":"))
        except ValueError:
            return np.zeros(0), np.zeros(0), f"row {position} ({pair.strip()[:30]!r}) is not 'logit:target'"
        if not (np.isfinite(z) and abs(z) <= 1e4 and 0.0 <= y <= 1.0):
            return np.zeros(0), np.zeros(0), f"row {position} needs a finite logit within ±10⁴ and a target in [0, 1]"
        logits.append(z)
        targets.append(y)
    return np.array(logits), np.array(targets), None


def format_logit_target_rows(logits: np.ndarray, targets: np.ndarray) -> str:
    """The text :func:`parse_logit_target_rows` reads: ``"z:y,z:y"``, each number read back exactly."""
    return ",".join(f"{shortest_text(z)}:{shortest_text(y)}" for z, y in zip(logits, targets, strict=True))


def shortest_text(value: float) -> str:
    """The shortest decimal that reads back as exactly ``value`` (Python's ``repr``), whole numbers without ".0"."""
    return repr(float(value)).removesuffix(".0")


def _to_array(parsed: object, max_elements: int) -> ParseResult:
    """Walk the nested lists depth-first: every list at one depth has one length, every number one depth."""
    shape: list[int] = []
    leaf_depth: int | None = None
    flat: list[float] = []
    integers = True

    def walk(node: object, depth: int) -> str | None:
        nonlocal leaf_depth, integers
        if depth > MAX_DEPTH:
            return f"it is nested more than {MAX_DEPTH} levels deep"
        if isinstance(node, list):
            if leaf_depth is not None and depth >= leaf_depth:
                return "the rows have different shapes (ragged lists)"
            if depth == len(shape):
                shape.append(len(node))
            elif shape[depth] != len(node):
                return "the rows have different lengths (ragged lists)"
            return next((problem for child in node if (problem := walk(child, depth + 1))), None)
        if isinstance(node, bool) or not isinstance(node, int | float):
            return f"{json.dumps(node)[:30]} is not a number"
        if leaf_depth is None:
            leaf_depth = depth
        if depth != leaf_depth or depth != len(shape):
            return "the rows have different shapes (ragged lists)"
        if len(flat) >= max_elements:
            return f"it holds more than {max_elements:,} numbers"
        integers = integers and isinstance(node, int)
        flat.append(float(node))
        return None

    try:
        problem = walk(parsed, 0)
    except (RecursionError, OverflowError):
        problem = "it is too deeply nested or holds a number too large to read"
    if problem:
        return _failure(problem)
    if not flat:
        return _failure("it holds no numbers")
    return ParseResult(np.array(flat, dtype=np.float64).reshape(shape), integers)


def _failure(problem: str) -> ParseResult:
    return ParseResult(None, False, problem)
