"""The one place where Logit Lab chooses a torch device: cuda when available, else mps, else cpu."""

from __future__ import annotations

import torch


def pick_device(preference: str = "auto") -> torch.device:
    """The device to run on: ``preference`` if it is available, else the best one present.

    'auto' means cuda, then Apple's mps, then cpu. Asking for a device that is absent falls back
    to cpu rather than failing, so the same code runs on any machine.
    """
    if preference in ("auto", "cuda") and torch.cuda.is_available():
        return torch.device("cuda")
    if preference in ("auto", "mps") and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def available_devices() -> list[str]:
    """Names a user may pick: always 'auto' and 'cpu', plus 'cuda' or 'mps' when present."""
    present = ["auto", "cpu"]
    if torch.cuda.is_available():
        present.append("cuda")
    if torch.backends.mps.is_available():
        present.append("mps")
    return present
