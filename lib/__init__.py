"""Logit Lab's maths, grouped by role; nothing here imports streamlit.

- :mod:`lib.losses`: the hand-written NumPy losses that mirror ``torch.nn.functional``, their decomposition into
  terms and gradients, other frameworks' formulas, and the torch side of every comparison.
- :mod:`lib.agreement`: one scenario, every implementation that should agree, and why some don't; the lessons and
  the debugger both use it.
- :mod:`lib.lessons`: the numbers behind each lesson page, the exercises and the *Copy as PyTorch* scripts.
- :mod:`lib.debugger`: the mismatch debugger: a pasted script run by a whitelist interpreter on real torch, its
  trace, the explanation by re-running changed scripts, the script it writes and the catalogue presets as scripts
  (``python3 -m lib.debugger SCRIPT.py [--json]``).
- :mod:`lib.batched`: the batched engine on any device, its fused pass, the device choice, caps and the heavy-work
  slot.
- :mod:`lib.view`: plain-data helpers for the pages: figures and their alt text, the palette, link parameters and
  pasted text.

The pages in ``app_pages/`` only lay out what these compute.
"""
