"""Real loss mismatches from public reports, each as a script assigning a and b, with the cause its report gives.

Each entry: the report's address, the script (the report's own tensors where it gives them), and words the
debugger's cause must contain for the report's explanation. ``agree`` marks reports whose two numbers are in fact
equal.
"""

H = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

REPORTS = {
    "weights-with-one-hot-probabilities": (
        "https://github.com/pytorch/pytorch/issues/107680",
        H + "inputs = torch.tensor([[2.3, 2.1, 4.5], [4.2, 3.2, 5.1]])\ntarget = torch.tensor([1, 2])\n"
        "one_hot_target = torch.tensor([[0, 1, 0], [0, 0, 1]]).float()\nweights = torch.tensor([25., 25., 100.])\n"
        "a = F.cross_entropy(inputs, one_hot_target, reduction='mean', weight=weights)\n"
        "b = F.cross_entropy(inputs, target, reduction='mean', weight=weights)\n",
        "Σ w[y] = 125",
    ),
    "weighted-none-then-mean": (
        "https://github.com/pytorch/pytorch/issues/65329",
        H + "logits = torch.tensor([[1.2, -0.3, 0.4], [0.2, 2.2, -1.0], [0.5, 0.1, 1.9], [1.0, 1.0, -2.0]])\n"
        "target = torch.tensor([0, 1, 2, 1])\nper_cls_weights = torch.tensor([1.0, 0.2, 3.0])\n"
        "a = F.cross_entropy(logits, target, weight=per_cls_weights, reduction='none').mean()\n"
        "b = F.cross_entropy(logits, target, weight=per_cls_weights)\n",
        "Σ w[y]",
    ),
    "weights-mishandled-plus-minus-100": (
        "https://github.com/pytorch/pytorch/issues/8062",
        H + "input = torch.tensor([[-100., 100.], [-100., 100.]])\ntarget = torch.tensor([0, 1])\n"
        "weights = torch.tensor([20., 10.])\nce_noreduce = nn.CrossEntropyLoss(weight=weights, reduction='none')\n"
        "ce_reduce = nn.CrossEntropyLoss(weight=weights)\n"
        "a = ce_noreduce(input, target).mean()\nb = ce_reduce(input, target)\n",
        "Σ w[y] = 30",
    ),
    "weights-sum-over-batch-size": (
        "https://github.com/pytorch/pytorch/issues/14184",
        H + "x = torch.tensor([[0.3, 1.2, -0.5], [2.0, 0.1, 0.0], [-1.0, 0.4, 0.9]])\ny = torch.tensor([1, 0, 2])\n"
        "w = torch.tensor([0.5, 2.0, 1.0])\n"
        "a = F.cross_entropy(x, y, weight=w, reduction='sum') / len(y)\nb = F.cross_entropy(x, y, weight=w)\n",
        "Σ w[y] = 3.5",
    ),
    "hand-written-bce-on-n-by-1-outputs": (
        "https://github.com/pytorch/pytorch/issues/1939",
        H + "o = torch.tensor([[0.3], [-0.2], [0.1], [0.45]])   # nn.Linear(d, 1) output\n"
        "t = torch.tensor([1.0, 0.0, 0.0, 1.0])\np = torch.sigmoid(o)\n"
        "a = -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()\n"
        "b = F.binary_cross_entropy_with_logits(o.squeeze(1), t)\n",
        "broadcasting enlarges the result to (4, 4)",
    ),
    "bceloss-target-size-differs": (
        "https://www.iiask.com/34l57998.html",
        H + "pred = torch.sigmoid(torch.tensor([[0.8], [-1.2], [2.0]]))   # (N, 1)\n"
        "target = torch.tensor([1.0, 0.0, 1.0])                          # (N,)\n"
        "a = nn.BCELoss()(pred, target)\nb = F.binary_cross_entropy(pred.squeeze(1), target)\n",
        "needs input and target of one shape",
    ),
    "one-logit-unbatched-cross-entropy": (
        "https://github.com/pytorch/pytorch/issues/133833",
        H + "tensor1 = torch.tensor([7.2])\ntensor2 = torch.tensor([1.0])\n"
        "a = nn.CrossEntropyLoss()(tensor1, tensor2)\nb = F.binary_cross_entropy_with_logits(tensor1, tensor2)\n",
        "one unbatched sample with 1 classes",
    ),
    "kl-divided-by-numel": (
        "https://github.com/facebookresearch/deit/issues/61",
        H + "outputs_kd = torch.tensor([[1.0, 0.2, -0.4, 0.1], [0.3, 0.3, 2.0, -1.0]])\n"
        "teacher = torch.tensor([[0.5, 0.1, 0.0, 0.2], [0.0, 0.4, 1.5, -0.5]])\nT = 3.0\n"
        "a = F.kl_div(F.log_softmax(outputs_kd / T, dim=1), F.log_softmax(teacher / T, dim=1), "
        "reduction='sum', log_target=True) / outputs_kd.numel()\n"
        "b = F.kl_div(F.log_softmax(outputs_kd / T, dim=1), F.log_softmax(teacher / T, dim=1), "
        "reduction='batchmean', log_target=True)\n",
        "reduction",
    ),
    "kd-loss-mean-over-classes": (
        "https://github.com/HikariTJU/LD/issues/74",
        H + "pred = torch.tensor([[2.0, 0.5, -1.0, 0.3], [0.1, 1.5, -0.3, 0.0]])\n"
        "target = F.softmax(torch.tensor([[1.0, 0.2, -0.2, 0.0], [0.0, 1.0, 0.0, 0.5]]), dim=1)\n"
        "a = F.kl_div(F.log_softmax(pred, dim=1), target, reduction='none').mean(1).mean()\n"
        "b = F.kl_div(F.log_softmax(pred, dim=1), target, reduction='batchmean')\n",
        "averages the per-element terms",
    ),
    "kldivloss-mean-is-not-the-definition": (
        "https://github.com/pytorch/pytorch/pull/14457",
        H + "log_q = F.log_softmax(torch.tensor([[0.2, 1.0, -0.5], [1.1, 0.0, 0.3]]), dim=1)\n"
        "p = torch.tensor([[0.2, 0.7, 0.1], [0.5, 0.2, 0.3]])\n"
        "a = nn.KLDivLoss()(log_q, p)\nb = (p * (p.log() - log_q)).sum() / 2   # the KL divergence, per sample\n",
        "divides by all 6 elements",
    ),
    "kl-one-over-n-coefficient": (
        "https://github.com/pytorch/pytorch/issues/2259",
        H + "log_q = F.log_softmax(torch.tensor([[0.5, -0.5, 0.0, 1.0]]), dim=1)\n"
        "p = torch.tensor([[0.1, 0.2, 0.3, 0.4]])\n"
        "a = F.kl_div(log_q, p)\nb = F.kl_div(log_q, p, reduction='batchmean')\n",
        "divides by all 4 elements",
    ),
    "micro-batches-of-11-and-101-tokens": (
        "https://github.com/huggingface/transformers/issues/24725",
        H + "torch.manual_seed(0)\nlogits = torch.randn(2, 12, 5)\nlabels = torch.randint(0, 5, (2, 12))\n"
        "labels[0, 3:] = -100    # the short sample: 3 tokens, the rest padding\n"
        "total = 0\nfor i in range(2):\n    total += F.cross_entropy(logits[i], labels[i])\na = total / 2\n"
        "b = F.cross_entropy(logits.view(-1, 5), labels.view(-1))\n",
        "micro-batch means",
    ),
    "x1-over-n1-plus-x2-over-n2": (
        "https://github.com/meta-pytorch/torchtune/pull/1875",
        H + "torch.manual_seed(1)\nlogits = torch.randn(3, 6, 4)\nlabels = torch.randint(0, 4, (3, 6))\n"
        "labels[1, 2:] = -100\nlabels[2, 4:] = -100\nsteps = 3\nrunning = 0\n"
        "for step in range(steps):\n    running = running + F.cross_entropy(logits[step], labels[step]) / steps\n"
        "a = running\nb = F.cross_entropy(logits.reshape(-1, 4), labels.reshape(-1))\n",
        "micro-batch means",
    ),
    "lightning-accumulation-normalisation": (
        "https://github.com/Lightning-AI/pytorch-lightning/pull/21386",
        H + "torch.manual_seed(2)\nlogits = torch.randn(4, 5, 3)\ntargets = torch.randint(0, 3, (4, 5))\n"
        "targets[0, 1:] = -100\nlosses = 0.0\nfor k in range(4):\n"
        "    losses = losses + F.cross_entropy(logits[k], targets[k], ignore_index=-100)\na = losses / 4\n"
        "b = F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-100)\n",
        "micro-batch means",
    ),
    "num-items-in-batch": (
        "https://github.com/huggingface/transformers/issues/38448",
        H + "torch.manual_seed(3)\nlogits = torch.randn(2, 8, 6)\nlabels = torch.randint(0, 6, (2, 8))\n"
        "labels[1, 5:] = -100\nloss = 0\nfor i in range(2):\n    loss += F.cross_entropy(logits[i], labels[i])\n"
        "a = loss / 2\nb = F.cross_entropy(logits.view(-1, 6), labels.view(-1))\n",
        "micro-batch means",
    ),
    "implicit-softmax-dim-on-3d": (
        "https://mingle-mangle.com/blog-1586501.html",
        H + "x = torch.tensor([[[1.0, 2.0], [0.5, -1.0], [0.0, 0.3]], [[2.0, 0.1], [1.5, 0.2], [-0.3, 0.7]]])\n"
        "y = torch.tensor([[0, 2], [1, 1]])\nprobs = nn.Softmax()(x)\n"
        "a = F.nll_loss(torch.log(probs), y)\nb = F.cross_entropy(x, y)\n",
        "no dim given",
    ),
    "softmax-over-the-batch-dim": (
        "https://runebook.dev/en/docs/pytorch/generated/torch.nn.softmax",
        H + "logits = torch.tensor([[1.0, 2.0, 0.5, -1.0], [0.1, 0.2, 3.0, 0.0], [2.0, -0.5, 0.3, 0.9]])\n"
        "target = torch.tensor([1, 2, 0])\n"
        "a = F.nll_loss(F.log_softmax(logits, dim=0), target)\nb = F.cross_entropy(logits, target)\n",
        "over dim 0, the 3 samples",
    ),
    "softmax-module-into-nllloss": (
        "https://runebook.dev/en/docs/pytorch/generated/torch.nn.softmax",
        H + "logits = torch.tensor([[0.3, -1.0, 2.2, 0.5, 0.0]])\ntarget = torch.tensor([2])\n"
        "probs = nn.Softmax(dim=1)(logits)\na = nn.NLLLoss()(probs, target)\n"
        "b = nn.CrossEntropyLoss()(logits, target)\n",
        "only picks −input[y]",
    ),
    "ignore-index-minus-one-masked-mean": (
        "https://github.com/buxiangzhiren/DDCap/issues/19",
        H + "logits = torch.tensor([[1.0, 0.0, -1.0], [0.2, 0.3, 0.1], [2.0, 1.0, 0.0], [0.0, 0.0, 3.0]])\n"
        "targets = torch.tensor([0, -1, 1, -1])\n"
        "a = F.cross_entropy(logits, targets, ignore_index=-1, reduction='none').mean()\n"
        "b = F.cross_entropy(logits, targets, ignore_index=-1)\n",
        "the 2 targets not ignored",
    ),
    "log-softmax-then-cross-entropy-agree": (
        "https://runebook.dev/en/docs/pytorch/generated/torch.nn.logsoftmax/torch.nn.LogSoftmax",
        H + "logits = torch.tensor([[0.5, 1.5, -0.2, 0.0, 2.0]])\ntarget = torch.tensor([4])\n"
        "a = nn.CrossEntropyLoss()(nn.LogSoftmax(dim=1)(logits), target)\nb = nn.CrossEntropyLoss()(logits, target)\n",
        None,
    ),
    "log-softmax-plus-nll-is-cross-entropy": (
        "https://jamesmccaffreyblog.com/2022/12/02/computing-log_softmax-for-pytorch-directly/",
        H + "oupt = torch.tensor([[0.1, 0.0, 0.2]])\ntarget = torch.tensor([2])\n"
        "a = F.nll_loss(F.log_softmax(oupt, dim=1), target)\nb = F.cross_entropy(oupt, target)\n",
        None,
    ),
}
