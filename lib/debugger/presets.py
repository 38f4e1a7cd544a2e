"""The loss-mismatch catalogue (../shared/pitfalls.md, M01–M18) as scripts that assign ``a`` and ``b``.

Each preset is only a script, its title, and the numbers torch 2.13 prints for it (4 decimals, or the start of
the error), with the number after the catalogue's fix. No explanation is stored here: the page and the command
line explain a preset exactly as they explain a pasted script, from its trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

THREE_BY_THREE = np.array([[2.0, 0.5, -1.0], [0.1, 1.5, -0.3], [1.2, -0.4, 2.2]])

IMPORTS = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n"
_LOGITS = "logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 1.5, -0.3], [1.2, -0.4, 2.2]])\ny = torch.tensor([0, 1, 2])\n"


@dataclass(frozen=True)
class Preset:
    title: str
    body: str
    sees_a: str
    sees_b: str
    after_fix: str

    @property
    def script(self) -> str:
        return IMPORTS + self.body


OPENING = Preset(
    "The forum's case: BCEWithLogitsLoss on two one-hot channels vs CrossEntropyLoss (seed 0)",
    """torch.manual_seed(0)
preds = torch.randn(1, 2, 4, 4)            # segmentation logits (N, C=2, H, W)
labels = torch.randint(0, 2, (1, 4, 4))    # class per pixel
one_hot = F.one_hot(labels, 2).permute(0, 3, 1, 2).float()
a = F.binary_cross_entropy_with_logits(preds, one_hot)
b = F.cross_entropy(preds, labels)
""",
    "0.8430",
    "0.9170",
    "0.9170",
)

PRESETS: dict[str, Preset] = {
    "M01": Preset(
        "Double softmax: probabilities passed to CrossEntropyLoss",
        _LOGITS + "probs = F.softmax(logits, dim=1)\na = F.cross_entropy(probs, y)\nb = F.cross_entropy(logits, y)\n",
        "0.7460",
        "0.3175",
        "0.3175",
    ),
    "M02": Preset(
        "Double sigmoid: probabilities passed to BCEWithLogitsLoss",
        "z = torch.tensor([4.0, -3.0, 2.5, -1.5])\nt = torch.tensor([1.0, 0.0, 1.0, 0.0])\n"
        "a = F.binary_cross_entropy_with_logits(torch.sigmoid(z), t)\nb = F.binary_cross_entropy_with_logits(z, t)\n",
        "0.5395",
        "0.0868",
        "0.0868",
    ),
    "M03": Preset(
        "Target dtype: CrossEntropyLoss wants Long class indices",
        "x = torch.tensor([[1.0, 0.2, -0.5], [0.3, 0.9, 0.1]])\ny_float = torch.tensor([0.0, 1.0])\n"
        "a = F.cross_entropy(x, y_float)\nb = F.cross_entropy(x, torch.tensor([0, 1]))\n",
        "RuntimeError",
        "0.6033",
        "0.6033",
    ),
    "M04": Preset(
        "NLLLoss fed probabilities instead of log-probabilities",
        _LOGITS + "a = F.nll_loss(F.softmax(logits, dim=1), y)\nb = F.cross_entropy(logits, y)\n",
        "-0.7291",
        "0.3175",
        "0.3175",
    ),
    "M05": Preset(
        "Multi-label targets with CrossEntropyLoss instead of BCE",
        "logits = torch.tensor([[3.0, 2.0, -2.0], [-1.0, 2.5, 1.0]])\n"
        "y = torch.tensor([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])   # multi-hot\n"
        "a = F.cross_entropy(logits, y)\nb = F.binary_cross_entropy_with_logits(logits, y)\n",
        "1.7940",
        "0.1680",
        "0.1680",
    ),
    "M06": Preset(
        "BCE on a 2-channel one-hot vs CrossEntropy",
        "preds = torch.tensor([[0.3, -1.2], [1.5, 0.2], [-0.7, 0.9], [0.0, 2.1], [1.1, -0.4]])\n"
        "labels = torch.tensor([1, 0, 1, 1, 0])\none_hot = F.one_hot(labels, 2).float()\n"
        "a = F.binary_cross_entropy_with_logits(preds, one_hot)\nb = F.cross_entropy(preds, labels)\n",
        "0.5671",
        "0.4887",
        "0.4887",
    ),
    "M07": Preset(
        "One output unit with CrossEntropyLoss (C = 1)",
        "z = torch.tensor([[2.3], [-1.7], [0.4], [5.0]])   # nn.Linear(d, 1) output\ny = torch.tensor([0, 1, 1, 0])\n"
        "a = F.cross_entropy(z, y)\nb = F.binary_cross_entropy_with_logits(z.squeeze(1), y.float())\n",
        "label 1 is out of range",
        "2.4458",
        "2.4458",
    ),
    "M08": Preset(
        "Class-weighted CE: 'mean' divides by the sum of the weights",
        "pred = torch.tensor([[0.2, 0.3, 0.5], [0.5, 0.2, 0.3]])\ny = torch.tensor([2, 1])\n"
        "w = torch.tensor([2.0, 4.0, 6.0])\na = F.cross_entropy(pred, y, weight=w, reduction='none').mean()\n"
        "b = F.cross_entropy(pred, y, weight=w)\n",
        "5.2992",
        "1.0598",
        "1.0598",
    ),
    "M09": Preset(
        "ignore_index: the mean is over the targets kept",
        "logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 1.5, -0.3], [1.2, -0.4, 2.2], [0.3, 0.3, 0.3]])\n"
        "y = torch.tensor([0, -100, 2, -100])\na = F.cross_entropy(logits, y, reduction='none').mean()\n"
        "b = F.cross_entropy(logits, y)\n",
        "0.1519",
        "0.3037",
        "0.3037",
    ),
    "M10": Preset(
        "BCELoss(sigmoid(z)) vs BCEWithLogitsLoss(z) for large logits",
        "z = torch.tensor([17.0])\nt = torch.tensor([0.0])\na = F.binary_cross_entropy(torch.sigmoid(z), t)\n"
        "b = F.binary_cross_entropy_with_logits(z, t)\n",
        "100.0000",
        "17.0000",
        "17.0000",
    ),
    "M11": Preset(
        "Hand-written BCE gives nan for confident logits",
        "z = torch.tensor([20.0, -3.0])\nt = torch.tensor([1.0, 0.0])\np = torch.sigmoid(z)\n"
        "a = -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()\nb = F.binary_cross_entropy_with_logits(z, t)\n",
        "nan",
        "0.0243",
        "0.0243",
    ),
    "M12": Preset(
        "Keras BinaryCrossentropy defaults to from_logits=False (its clip, written in torch)",
        "z = torch.tensor([3.0, -2.0, -1.5, 2.5])   # Dense(1) without activation: logits\n"
        "t = torch.tensor([1.0, 0.0, 1.0, 0.0])\n"
        "p = z.clamp(1e-7, 1 - 1e-7)               # what Keras does when from_logits=False\n"
        "a = -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()\nb = F.binary_cross_entropy_with_logits(z, t)\n",
        "8.0151",
        "1.1140",
        "1.1140",
    ),
    "M13": Preset(
        "'mean' divides by every element (N·C for multi-label BCE)",
        "logits = torch.tensor([[2.0, -1.0, 0.5, -3.0], [-0.5, 1.5, -2.0, 0.0]])\n"
        "y = torch.tensor([[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, 0.0]])\n"
        "a = F.binary_cross_entropy_with_logits(logits, y)\n"
        "b = F.binary_cross_entropy_with_logits(logits, y, reduction='sum') / 2   # sum over labels, mean over N\n",
        "0.3073",
        "1.2292",
        "1.2292",
    ),
    "M14": Preset(
        "pos_weight broadcasts along the last dim",
        "z = torch.tensor([[[[0.5, -1.0], [2.0, 0.3]], [[-0.7, 1.2], [0.1, -2.0]]]])   # (N=1, C=2, H=2, W=2)\n"
        "t = torch.tensor([[[[1.0, 0.0], [1.0, 1.0]], [[0.0, 1.0], [0.0, 0.0]]]])\n"
        "pw = torch.tensor([1.0, 5.0])   # meant: class 0 -> 1, class 1 -> 5\n"
        "a = F.binary_cross_entropy_with_logits(z, t, pos_weight=pw)\n"
        "b = F.binary_cross_entropy_with_logits(z, t, pos_weight=pw.view(2, 1, 1))\n",
        "0.7846",
        "0.5074",
        "0.5074",
    ),
    "M15": Preset(
        "float16: a saturated sigmoid and BCELoss's clamp",
        "z = torch.tensor([9.0], dtype=torch.float16)\nt = torch.tensor([0.0], dtype=torch.float16)\n"
        "a = F.binary_cross_entropy(torch.sigmoid(z), t)\n"
        "b = F.binary_cross_entropy_with_logits(z.float(), t.float())\n",
        "100.0000",
        "9.0001",
        "9.0001",
    ),
    "M16": Preset(
        "Label smoothing: ε/C (PyTorch) vs ε/(C − 1) (fairseq)",
        "z = torch.tensor([[2.0, 0.5, -1.0]])\ny = torch.tensor([0])\n"
        "q_fairseq = torch.full((1, 3), 0.1 / 2)   # fairseq-style: eps/(C-1) to the others\n"
        "q_fairseq[0, y] = 1 - 0.1\n"
        "a = F.cross_entropy(z, q_fairseq)\nb = F.cross_entropy(z, y, label_smoothing=0.1)\n",
        "0.4663",
        "0.3913",
        "0.3913",
    ),
    "M17": Preset(
        "Soft targets: BCE bottoms out at the target entropy",
        "t = torch.tensor([0.3, 0.8])                # soft labels\n"
        "z = torch.log(t / (1 - t))                  # logits whose sigmoid is exactly t\n"
        "a = F.binary_cross_entropy_with_logits(z, t)\n"
        "b = F.binary_cross_entropy_with_logits(z, t) + (torch.xlogy(t, t) + torch.xlogy(1 - t, 1 - t)).mean()  # KL\n",
        "0.5556",
        "0.0000",
        "0.0000",
    ),
    "M18": Preset(
        "Saturated probabilities: PyTorch's −100 clamp",
        "z = torch.tensor([-30.0, 30.0])   # confidently wrong logits\nt = torch.tensor([1.0, 0.0])\n"
        "a = F.binary_cross_entropy(torch.sigmoid(z), t)\nb = F.binary_cross_entropy_with_logits(z, t)\n",
        "65.0000",
        "30.0000",
        "30.0000",
    ),
}

PresetId = StrEnum("PresetId", {code: code for code in ["opening", *PRESETS]})
"""The ids a link stores (``?preset=M06``); the title is only shown through format_func."""


def preset(code: str) -> Preset:
    return OPENING if code == "opening" else PRESETS[code]
