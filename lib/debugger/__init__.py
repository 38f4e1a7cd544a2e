"""The mismatch debugger: why two loss computations disagree, and the change that reconciles them.

:mod:`~lib.debugger.calls` runs a loss line on real torch, :mod:`~lib.debugger.diagnosis` compares two and searches
the single changes that bring them together, :mod:`~lib.debugger.script` writes the runnable script,
:mod:`~lib.debugger.inputs` turns what a user typed into tensors, and :mod:`~lib.debugger.presets` holds the
catalogue M01–M18.
"""
