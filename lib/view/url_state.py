"""The state a page keeps in its URL: each control's name, default and valid values.

A page declares its controls once as parameters; the shared widgets bind each one to the query
string, and :meth:`problem` says in words why a value found in a link cannot be used (the widget
then falls back to the default and the page shows the note). Pure Python: no streamlit here.
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class NumberParam:
    """A number in [low, high], e.g. ``?z=2.5``."""

    key: str
    default: float
    low: float
    high: float

    def problem(self, raw: str) -> str | None:
        try:
            value = float(raw)
        except ValueError:
            return f"{self.key} = {raw!r} is not a number"
        if not math.isfinite(value) or not self.low <= value <= self.high:
            return f"{self.key} = {raw!r} lies outside {self.low:g}…{self.high:g}"
        return None


@dataclass(frozen=True)
class IntParam:
    """A whole number in [low, high], e.g. ``?k=4``."""

    key: str
    default: int
    low: int
    high: int

    def problem(self, raw: str) -> str | None:
        try:
            value = float(raw)
        except ValueError:
            return f"{self.key} = {raw!r} is not a whole number"
        if not value.is_integer() or not self.low <= value <= self.high:
            return f"{self.key} = {raw!r} is not a whole number in {self.low}…{self.high}"
        return None


@dataclass(frozen=True)
class ChoiceParam:
    """One of a fixed list of options, e.g. ``?dtype=float32``."""

    key: str
    default: str
    choices: tuple[str, ...]

    def problem(self, raw: str) -> str | None:
        if raw in self.choices:
            return None
        return f"{self.key} = {raw!r} is not one of {', '.join(self.choices)}"


@dataclass(frozen=True)
class FlagParam:
    """On or off, written ``true`` or ``false``, e.g. ``?wide=true``."""

    key: str
    default: bool

    def problem(self, raw: str) -> str | None:
        if raw.lower() in ("true", "false"):
            return None
        return f"{self.key} = {raw!r} is not true or false"


@dataclass(frozen=True)
class PackedTextParam:
    """Free text of up to ``max_chars`` characters, packed into the link: zlib-compressed, URL-safe base64
    (``?script=eJxL…``), so a pasted script travels in a link a few times shorter than the text itself."""

    key: str
    default: str
    max_chars: int

    def problem(self, raw: str) -> str | None:
        text = unpack_text(raw, self.max_chars)
        if text is None:
            return f"{self.key} in the link is not a packed text of at most {self.max_chars:,} characters"
        return None


def pack_text(text: str) -> str:
    """``text`` as a link value: zlib at the highest level, then URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii").rstrip("=")


def unpack_text(packed: str, max_chars: int) -> str | None:
    """The text :func:`pack_text` packed, or None for anything that is not one (or unpacks to over ``max_chars``
    characters: the decompression stops there, so a small link cannot inflate to gigabytes)."""
    try:
        compressed = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(compressed, 4 * max_chars + 1)
        if inflater.unconsumed_tail or not inflater.eof or len(raw) > 4 * max_chars:
            return None
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError):
        return None
    return text if len(text) <= max_chars else None


Param = NumberParam | IntParam | ChoiceParam | FlagParam | PackedTextParam


def fallback_note(problems: list[tuple[Param, str]]) -> str:
    """One sentence for the page: which link values were not usable and what replaced them."""
    parts = [f"{problem} (using {_format_default(param.default)})" for param, problem in problems]
    return "Some values in the link could not be used and fell back to defaults: " + "; ".join(parts) + "."


def _format_default(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
