"""What keeps one heavy user from slowing everyone: per-device caps on every size, and one heavy run at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

LANDSCAPE_MAX_SIDE = 2048
"""The largest landscape side a caller may ask for (2048 × 2048 = 4.2 M cells)."""


CAPS = {
    "cpu": {"batch": 10_000_000, "landscape_side": 1024, "timing": 2_000_000, "python_loop": 20_000},
    "cuda": {"batch": 200_000_000, "landscape_side": LANDSCAPE_MAX_SIDE, "timing": 20_000_000, "python_loop": 20_000},
    "mps": {"batch": 50_000_000, "landscape_side": LANDSCAPE_MAX_SIDE, "timing": 10_000_000, "python_loop": 20_000},
}
"""Per-device limits on what one request may ask for. On the 2-core CPU server a 10^7 batch through all five
implementations takes a few seconds; a GPU does 20 times more in less time, so its caps are larger."""


def caps_for(device: torch.device) -> dict[str, int]:
    return CAPS.get(device.type, CAPS["cpu"])


class ServerBusy(RuntimeError):
    """Another session's heavy run holds the server's one heavy-work slot."""


_HEAVY_SLOT = threading.BoundedSemaphore(1)


@contextmanager
def heavy_work_slot(wait_seconds: float = 2.0) -> Iterator[None]:
    """Admit one heavy run (batch, landscape, timing) at a time across all sessions of this server.

    Waits up to ``wait_seconds`` for the slot, then raises :class:`ServerBusy` so the page can say so
    instead of queueing work that would slow everyone's sliders. The slot is released however the run ends.
    """
    if not _HEAVY_SLOT.acquire(timeout=wait_seconds):
        raise ServerBusy("another heavy run is in progress on this server")
    try:
        yield
    finally:
        _HEAVY_SLOT.release()
