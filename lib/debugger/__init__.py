"""The mismatch debugger: a user's PyTorch script that assigns two losses to ``a`` and ``b``, why they disagree,
and the edited line that reconciles them. ``python3 -m lib.debugger SCRIPT.py [--json]`` runs it from a terminal.

:mod:`~lib.debugger.checks` and :mod:`~lib.debugger.whitelist` say what a script may use;
:mod:`~lib.debugger.interpreter` runs it node by node on real torch (with :mod:`~lib.debugger.sizes` and
:mod:`~lib.debugger.python_builtins`) while :mod:`~lib.debugger.trace` records what each loss call sees;
:mod:`~lib.debugger.edits` and :mod:`~lib.debugger.option_edits` propose changes tied to trace facts, which
:mod:`~lib.debugger.explain` re-runs to find the one that accounts for the gap; :mod:`~lib.debugger.script` writes
*Copy as PyTorch*; :mod:`~lib.debugger.presets` holds the catalogue M01–M18 as scripts.
"""
