"""The losses themselves: hand-written NumPy twins of ``torch.nn.functional`` (:mod:`~lib.losses.handwritten`, no
torch), their per-term contributions, gradients, entropy and KL (:mod:`~lib.losses.decomposition`), Keras's and
scikit-learn's documented formulas (:mod:`~lib.losses.frameworks`), and the torch side: dtypes, tensors and losses
evaluated with autograd (:mod:`~lib.losses.torch_losses`)."""
