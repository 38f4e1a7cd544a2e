"""Other frameworks' cross-entropies, emulated in NumPy from their documented formulas.

Keras 3 (TensorFlow backend) and scikit-learn are not installed here; these functions reproduce
their semantics so the app can show why the same predictions score differently elsewhere:

* Keras ``BinaryCrossentropy(from_logits=False)`` clips y_pred to [ε, 1 − ε] with ε = 1e-7 *in the
  tensor's dtype* (float32: 1 − 1e-7 rounds to 1 − 1.19e-7), then averages
  −[y·log p + (1 − y)·log(1 − p)] over the last axis; ``from_logits=True`` is the softplus form,
  equal to torch's ``binary_cross_entropy_with_logits``. ``label_smoothing`` ε_ls maps y to
  y·(1 − ε_ls) + ε_ls/2.
* Keras ``CategoricalCrossentropy(from_logits=False)`` first rescales each row to sum to 1, clips
  to [ε, 1 − ε] and takes −Σ t·log p; ``from_logits=True`` is softmax cross-entropy.
* scikit-learn ``log_loss`` (1.5 and later) clips to [eps, 1 − eps] with eps the machine epsilon of
  y_pred's dtype (2.2e-16 for float64, 1.19e-7 for float32); older releases used eps = 1e-15.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from lib.losses import handwritten as hw

KERAS_EPSILON = 1e-7
OLD_SKLEARN_EPSILON = 1e-15


def keras_binary_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    dtype: str = "float32",
) -> np.ndarray:
    """Keras ``BinaryCrossentropy()(y_true, y_pred)`` with its default 'sum_over_batch_size' reduction.

    Per sample: mean over the last axis of −[y·log p + (1 − y)·log(1 − p)]; then the mean over samples.
    """
    y = np.asarray(y_true, dtype=np.float64)
    y = y * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        per_element = hw.binary_cross_entropy_with_logits(np.asarray(y_pred, dtype=np.float64), y, reduction="none")
    else:
        per_element = binary_log_loss(y, keras_clip(y_pred, dtype))
    return np.asarray(np.mean(per_element))


def keras_categorical_crossentropy(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    from_logits: bool = False,
    label_smoothing: float = 0.0,
    dtype: str = "float32",
) -> np.ndarray:
    """Keras ``CategoricalCrossentropy()(y_true, y_pred)``: classes on the last axis, mean over samples.

    ``from_logits=False`` rescales each row of y_pred to sum to 1, clips to [ε, 1 − ε], then −Σ t·log p.
    """
    t = np.asarray(y_true, dtype=np.float64)
    n_classes = t.shape[-1]
    t = t * (1.0 - label_smoothing) + label_smoothing / n_classes
    if from_logits:
        log_p = hw.log_softmax(np.asarray(y_pred, dtype=np.float64), -1)
    else:
        raw = np.asarray(y_pred, dtype=np.float64)
        log_p = np.log(keras_clip(raw / raw.sum(axis=-1, keepdims=True), dtype))
    return np.asarray(np.mean(-(t * log_p).sum(axis=-1)))


def sklearn_log_loss(y_true: ArrayLike, y_pred: ArrayLike, eps: float | str = "auto") -> np.ndarray:
    """scikit-learn ``log_loss`` for binary labels and P(class 1): the mean of −[y·log p + (1 − y)·log(1 − p)].

    ``eps='auto'`` clips to the machine epsilon of y_pred's own dtype, as scikit-learn ≥ 1.5 does; pass
    1e-15 for older releases.
    """
    return np.asarray(np.mean(binary_log_loss(y_true, sklearn_clip(y_pred, eps))))


def binary_log_loss(y_true: ArrayLike, p: ArrayLike) -> np.ndarray:
    """Per element −[y·log p + (1 − y)·log(1 − p)] in float64, with no clipping of its own."""
    y = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -(y * np.log(p) + (1.0 - y) * np.log1p(-p))


def keras_clip(y_pred: ArrayLike, dtype: str = "float32") -> np.ndarray:
    """clip(p, ε, 1 − ε) with ε = 1e-7, computed in ``dtype`` as Keras does, returned as float64."""
    kind = np.dtype(dtype)
    p = np.asarray(y_pred, dtype=kind)
    epsilon = kind.type(KERAS_EPSILON)
    return np.clip(p, epsilon, kind.type(1) - epsilon).astype(np.float64)


def sklearn_clip(y_pred: ArrayLike, eps: float | str = "auto") -> np.ndarray:
    """clip(p, eps, 1 − eps) with eps the machine epsilon of y_pred's dtype ('auto') or the given eps."""
    p = np.asarray(y_pred)
    epsilon = np.finfo(p.dtype if p.dtype.kind == "f" else np.float64).eps if eps == "auto" else float(eps)
    return np.clip(p.astype(np.float64), epsilon, 1.0 - epsilon)
