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


def share_cores_between_sessions(threads: int = 1) -> None:
    """Give torch's intra-op pool ``threads`` threads, so one session's large tensor work leaves the other
    cores to everyone else. Small tensors (every lesson page's) never use the pool, so only the heavy
    requests (batches, landscapes) slow down, and they stay within their caps."""
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
