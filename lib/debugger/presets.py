"""The loss-mismatch catalogue (../shared/pitfalls.md, M01–M18) as ready-made debugger scenarios.

Each preset holds the catalogue's tensors, the two calls a person compares, the numbers torch 2.13
prints for them (4 decimals, or the error), and the number after the fix. The tests check that the
engine reproduces every one and that the diagnosis names the catalogue's cause.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lib.debugger.calls import (
    BCE,
    BCE_WITH_LOGITS,
    BINARY_KL,
    CROSS_ENTROPY,
    FAIRSEQ,
    INDICES,
    KERAS_BINARY,
    LABELS_FLOAT,
    LOGIT_DIFFERENCE,
    MANUAL_BCE,
    MANUAL_MEAN,
    NLL,
    ONE_HOT,
    PER_SAMPLE,
    SELECT_CHANNEL,
    SIGMOID,
    SOFT,
    SOFTMAX,
    SOFTMAX_CHANNEL,
    LossCall,
    SharedTensors,
)


@dataclass(frozen=True)
class Preset:
    """One catalogue entry: tensors, call A (what the user wrote), call B (the reference), documented numbers."""

    code: str
    title: str
    shared: SharedTensors
    a: LossCall
    b: LossCall
    sees_a: str
    """A as torch prints it (4 decimals) or the start of its error."""
    sees_b: str
    after_fix: str
    cause: str
    """Words the diagnosis must contain: the catalogue's reason."""


THREE_BY_THREE = np.array([[2.0, 0.5, -1.0], [0.1, 1.5, -0.3], [1.2, -0.4, 2.2]])
BINARY = LossCall(loss=BCE_WITH_LOGITS, target=LABELS_FLOAT)


def seeded_segmentation() -> SharedTensors:
    """The forum's shape: logits (1, 2, 4, 4) and labels (1, 4, 4), drawn from torch's generator seeded with 0."""
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(1, 2, 4, 4, generator=generator)
    labels = torch.randint(0, 2, (1, 4, 4), generator=generator)
    return SharedTensors(logits.double().numpy(), labels.numpy())


def _shared(outputs, labels=None, soft=None) -> SharedTensors:
    return SharedTensors(
        np.array(outputs, dtype=np.float64),
        None if labels is None else np.array(labels, dtype=np.int64),
        None if soft is None else np.array(soft, dtype=np.float64),
    )


_M17_TARGETS = np.array([0.3, 0.8])

PRESETS: dict[str, Preset] = {
    p.code: p
    for p in [
        Preset(
            "M01",
            "Double softmax: probabilities passed to CrossEntropyLoss",
            _shared(THREE_BY_THREE, [0, 1, 2]),
            LossCall(transform=SOFTMAX),
            LossCall(),
            "0.7460",
            "0.3175",
            "0.3175",
            "applies log_softmax itself",
        ),
        Preset(
            "M02",
            "Double sigmoid: probabilities passed to BCEWithLogitsLoss",
            _shared([4.0, -3.0, 2.5, -1.5], [1, 0, 1, 0]),
            LossCall(loss=BCE_WITH_LOGITS, transform=SIGMOID, target=LABELS_FLOAT),
            BINARY,
            "0.5395",
            "0.0868",
            "0.0868",
            "applies the sigmoid itself",
        ),
        Preset(
            "M03",
            "Target dtype: CrossEntropyLoss wants Long class indices",
            _shared([[1.0, 0.2, -0.5], [0.3, 0.9, 0.1]], [0, 1]),
            LossCall(target=LABELS_FLOAT),
            LossCall(),
            "RuntimeError",
            "0.6033",
            "0.6033",
            "int64",
        ),
        Preset(
            "M04",
            "NLLLoss fed probabilities instead of log-probabilities",
            _shared(THREE_BY_THREE, [0, 1, 2]),
            LossCall(loss=NLL, transform=SOFTMAX),
            LossCall(),
            "-0.7291",
            "0.3175",
            "0.3175",
            "NLLLoss only picks",
        ),
        Preset(
            "M05",
            "Multi-label targets with CrossEntropyLoss instead of BCE",
            _shared([[3.0, 2.0, -2.0], [-1.0, 2.5, 1.0]], soft=[[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]]),
            LossCall(target=SOFT),
            LossCall(loss=BCE_WITH_LOGITS, target=SOFT),
            "1.7940",
            "0.1680",
            "0.1680",
            "compete for one unit of probability",
        ),
        Preset(
            "M06",
            "BCE on a 2-channel one-hot vs CrossEntropy",
            _shared([[0.3, -1.2], [1.5, 0.2], [-0.7, 0.9], [0.0, 2.1], [1.1, -0.4]], [1, 0, 1, 1, 0]),
            LossCall(loss=BCE_WITH_LOGITS, target=ONE_HOT),
            LossCall(),
            "0.5671",
            "0.4887",
            "0.4887",
            "σ(z1 − z0)",
        ),
        Preset(
            "M07",
            "One output unit with CrossEntropyLoss (C = 1)",
            _shared([[2.3], [-1.7], [0.4], [5.0]], [0, 1, 1, 0]),
            LossCall(),
            LossCall(loss=BCE_WITH_LOGITS, transform=SELECT_CHANNEL, channel=0, target=LABELS_FLOAT),
            "IndexError",
            "2.4458",
            "2.4458",
            "identically 1",
        ),
        Preset(
            "M08",
            "Class-weighted CE: 'mean' divides by the sum of the weights",
            _shared([[0.2, 0.3, 0.5], [0.5, 0.2, 0.3]], [2, 1]),
            LossCall(weight=(2.0, 4.0, 6.0), reduction=MANUAL_MEAN),
            LossCall(weight=(2.0, 4.0, 6.0)),
            "5.2992",
            "1.0598",
            "1.0598",
            "Σ w[y]",
        ),
        Preset(
            "M09",
            "ignore_index: the mean is over the targets kept",
            _shared([[2.0, 0.5, -1.0], [0.1, 1.5, -0.3], [1.2, -0.4, 2.2], [0.3, 0.3, 0.3]], [0, -100, 2, -100]),
            LossCall(reduction=MANUAL_MEAN),
            LossCall(),
            "0.1519",
            "0.3037",
            "0.3037",
            "ignored targets",
        ),
        Preset(
            "M10",
            "BCELoss(sigmoid(z)) vs BCEWithLogitsLoss(z) for large logits",
            _shared([17.0], [0]),
            LossCall(loss=BCE, transform=SIGMOID, target=LABELS_FLOAT),
            BINARY,
            "100.0000",
            "17.0000",
            "17.0000",
            "never forms σ(z)",
        ),
        Preset(
            "M11",
            "Hand-written BCE gives nan for confident logits",
            _shared([20.0, -3.0], [1, 0]),
            LossCall(loss=MANUAL_BCE, transform=SIGMOID, target=LABELS_FLOAT),
            BINARY,
            "nan",
            "0.0243",
            "0.0243",
            "never forms σ(z)",
        ),
        Preset(
            "M12",
            "Keras BinaryCrossentropy defaults to from_logits=False",
            _shared([3.0, -2.0, -1.5, 2.5], [1, 0, 1, 0]),
            LossCall(loss=KERAS_BINARY, target=LABELS_FLOAT),
            BINARY,
            "8.0151",
            "1.1140",
            "1.1140",
            "from_logits=False",
        ),
        Preset(
            "M13",
            "'mean' divides by every element (N·C for multi-label BCE)",
            _shared(
                [[2.0, -1.0, 0.5, -3.0], [-0.5, 1.5, -2.0, 0.0]], soft=[[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0]]
            ),
            LossCall(loss=BCE_WITH_LOGITS, target=SOFT),
            LossCall(loss=BCE_WITH_LOGITS, target=SOFT, reduction=PER_SAMPLE),
            "0.3073",
            "1.2292",
            "1.2292",
            "divides by every element",
        ),
        Preset(
            "M14",
            "pos_weight broadcasts along the last dim",
            _shared(
                [[[[0.5, -1.0], [2.0, 0.3]], [[-0.7, 1.2], [0.1, -2.0]]]],
                soft=[[[[1.0, 0.0], [1.0, 1.0]], [[0.0, 1.0], [0.0, 0.0]]]],
            ),
            LossCall(loss=BCE_WITH_LOGITS, target=SOFT, pos_weight=(1.0, 5.0)),
            LossCall(loss=BCE_WITH_LOGITS, target=SOFT, pos_weight=(1.0, 5.0), pos_weight_on_class_dim=True),
            "0.7846",
            "0.5074",
            "0.5074",
            "against the last dimension",
        ),
        Preset(
            "M15",
            "float16: a saturated sigmoid and BCELoss's clamp",
            _shared([9.0], [0]),
            LossCall(loss=BCE, transform=SIGMOID, target=LABELS_FLOAT, dtype="float16"),
            BINARY,
            "100.0000",
            "9.0001",
            "9.0001",
            "never forms σ(z)",
        ),
        Preset(
            "M16",
            "Label smoothing: ε/C (PyTorch) vs ε/(C − 1) (fairseq)",
            _shared([[2.0, 0.5, -1.0]], [0]),
            LossCall(target=FAIRSEQ, label_smoothing=0.1),
            LossCall(label_smoothing=0.1),
            "0.4663",
            "0.3913",
            "0.3913",
            "ε/(C − 1)",
        ),
        Preset(
            "M17",
            "Soft targets: BCE bottoms out at the target entropy",
            _shared(np.log(_M17_TARGETS / (1 - _M17_TARGETS)), soft=_M17_TARGETS),
            LossCall(loss=BCE_WITH_LOGITS, target=SOFT),
            LossCall(loss=BINARY_KL, target=SOFT),
            "0.5556",
            "0.0000",
            "0.0000",
            "entropy",
        ),
        Preset(
            "M18",
            "Saturated probabilities: PyTorch's −100 clamp",
            _shared([-30.0, 30.0], [1, 0]),
            LossCall(loss=BCE, transform=SIGMOID, target=LABELS_FLOAT),
            BINARY,
            "65.0000",
            "30.0000",
            "30.0000",
            "never forms σ(z)",
        ),
    ]
}

OPENING_A = LossCall(loss=BCE_WITH_LOGITS, target=ONE_HOT)
"""The forum's call: BCEWithLogitsLoss(preds, one_hot)."""
OPENING_B = LossCall(target=INDICES, loss=CROSS_ENTROPY)
"""CrossEntropyLoss(preds, labels)."""
OPENING_FIXES = (
    (
        "BCEWithLogitsLoss(preds[:, 1] − preds[:, 0], labels.float())",
        LossCall(loss=BCE_WITH_LOGITS, transform=LOGIT_DIFFERENCE, target=LABELS_FLOAT),
    ),
    (
        "BCELoss(softmax(preds, 1)[:, 1], labels.float())",
        LossCall(loss=BCE, transform=SOFTMAX_CHANNEL, target=LABELS_FLOAT),
    ),
)
