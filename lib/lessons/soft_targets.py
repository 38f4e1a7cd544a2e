"""Soft targets: why BCE and CE bottom out at the target's entropy, shown on an image and a distribution.

A 28×28 grey digit is drawn in code (no download): its pixel intensities in [0, 1] are the soft
targets of a VAE-style reconstruction. The reconstruction's logits come from the target through
blur, sharpness and seeded noise, which the user controls; every pixel's BCE splits into the
entropy floor H(x) plus KL(x ‖ p), which only a perfect reconstruction brings to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.lessons.binary import CURVE_POINTS
from lib.losses import decomposition as dc
from lib.losses import handwritten as hw

IMAGE_SIDE = 28
PROBABILITY_FLOOR = 1e-30
"""log q of a class with q = 0 is −inf; a target of 0 there would make 0·(−inf) = nan, so q is floored."""


def digit_image(side: int = IMAGE_SIDE) -> np.ndarray:
    """A grey handwritten-looking 8: two rings with soft, anti-aliased edges, values in [0, 1]."""
    rows, columns = np.mgrid[0:side, 0:side].astype(np.float64) + 0.5
    scale = side / 28.0
    rings = [(9.0 * scale, 14.0 * scale, 4.6 * scale), (19.0 * scale, 14.5 * scale, 5.6 * scale)]
    distance = np.min(
        [np.abs(np.hypot(rows - cy, columns - cx) - radius) for cy, cx, radius in rings],
        axis=0,
    )
    core, edge = 0.9 * scale, 2.3 * scale
    return np.clip((edge - distance) / (edge - core), 0.0, 1.0)


def gaussian_blur(image: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur with reflected borders; sigma = 0 returns the image unchanged."""
    if sigma <= 0:
        return image.copy()
    radius = int(np.ceil(3 * sigma))
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(image, radius, mode="reflect")
    rows_done = np.apply_along_axis(lambda r: np.convolve(r, kernel, mode="valid"), 1, padded)
    return np.apply_along_axis(lambda c: np.convolve(c, kernel, mode="valid"), 0, rows_done)


@dataclass(frozen=True)
class Reconstruction:
    """Per-pixel prediction and loss parts of a reconstruction of soft targets, and their totals."""

    target: np.ndarray
    logits: np.ndarray
    prediction: np.ndarray
    bce: np.ndarray
    """BCE-with-logits per pixel: −[x·log σ(z) + (1 − x)·log(1 − σ(z))]."""
    entropy: np.ndarray
    """H(x) per pixel: the least the BCE of that pixel can be."""
    kl: np.ndarray
    """KL(x ‖ σ(z)) = BCE − H per pixel: 0 only where the prediction equals the target."""

    @property
    def bce_sum(self) -> float:
        """The total with reduction='sum', as the PyTorch VAE example uses."""
        return float(self.bce.sum())

    @property
    def bce_mean(self) -> float:
        return float(self.bce.mean())

    @property
    def entropy_sum(self) -> float:
        return float(self.entropy.sum())


def reconstruction(target: np.ndarray, blur: float, sharpness: float, noise: float, seed: int) -> Reconstruction:
    """Logits z = sharpness·logit(blur(x)) + noise·N(0, 1), with blur(x) kept inside [0.001, 0.999].

    sharpness = 1, blur = 0 and noise = 0 reproduce the target to within the 0.001 margin.
    """
    blurred = np.clip(gaussian_blur(target, blur), 0.001, 0.999)
    rng = np.random.default_rng(seed)
    logits = sharpness * np.log(blurred / (1.0 - blurred)) + noise * rng.standard_normal(target.shape)
    bce = hw.binary_cross_entropy_with_logits(logits, target, reduction="none")
    entropy = dc.binary_entropy(target)
    return Reconstruction(target, logits, hw.sigmoid(logits), bce, entropy, bce - entropy)


CURVE_PROBABILITIES = np.linspace(0.001, 0.999, CURVE_POINTS)
"""The predictions p the one-target curves are drawn over (0 and 1 left out: log 0)."""
PREDICTIONS = np.arange(1, 1000) / 1000
"""The predictions the prediction slider can take: 0.001 … 0.999 in steps of 0.001, each the double nearest its
decimal (k / 1000), so a link's ``p=0.7`` is on the grid exactly."""
MIXES = np.arange(0, 101) / 100
"""The mixes m the many-classes slider can take: 0 … 1 in steps of 0.01."""
WORKED_EXAMPLE = (0.6, 0.7)
"""(target y, prediction p) of the published example: BCE = −(0.4·log 0.3 + 0.6·log 0.7) = 0.695594."""


@dataclass(frozen=True)
class BinarySplit:
    """BCE(p, y) = H(y) + KL(y ‖ p) for one soft target y at each prediction p of ``predictions``, and the same over
    the curve's p."""

    predictions: np.ndarray
    bce: np.ndarray
    entropy: float
    kl: np.ndarray
    curve_bce: np.ndarray
    curve_kl: np.ndarray


def binary_split(target: float, predictions: np.ndarray) -> BinarySplit:
    """The one-target lesson at every prediction: BCE(p, y), its floor H(y) = −[y·log y + (1 − y)·log(1 − y)]
    reached at p = y, the KL(y ‖ p) that is left, and BCE and KL over :data:`CURVE_PROBABILITIES`."""
    p = np.asarray(predictions, dtype=np.float64)
    curve_y = np.full_like(CURVE_PROBABILITIES, target)
    return BinarySplit(
        p,
        hw.binary_cross_entropy(p, np.full_like(p, target), reduction="none"),
        float(dc.binary_entropy(target)),
        dc.binary_kl(target, p),
        hw.binary_cross_entropy(CURVE_PROBABILITIES, curve_y, reduction="none"),
        dc.binary_kl(curve_y, CURVE_PROBABILITIES),
    )


@dataclass(frozen=True)
class CategoricalSplit:
    """CE(t, q) = H(t) + KL(t ‖ q) for one soft target and the prediction at each mix: q has one row per mix."""

    target: np.ndarray
    mixes: np.ndarray
    prediction: np.ndarray
    cross_entropy: np.ndarray
    entropy: float
    kl: np.ndarray


def categorical_split(target: np.ndarray, mixes: np.ndarray) -> CategoricalSplit:
    """Predictions q = (1 − m)·uniform + m·t at each mix m, scored by ``cross_entropy`` on logits log q.

    At m = 1 the prediction is the target: KL is 0 and CE equals H(t), not 0.
    """
    t = np.asarray(target, dtype=np.float64)
    m = np.asarray(mixes, dtype=np.float64).reshape(-1, 1)
    q = (1.0 - m) / t.size + m * t
    logits = np.log(np.maximum(q, PROBABILITY_FLOOR))
    targets = np.broadcast_to(t, q.shape)
    return CategoricalSplit(
        t,
        m[:, 0],
        q,
        hw.cross_entropy(logits, targets, reduction="none"),
        float(dc.entropy(t)),
        dc.kl_divergence(targets, q),
    )
