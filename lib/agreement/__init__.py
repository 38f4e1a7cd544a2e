"""The agreement engine: one scenario, every implementation that should agree, and why some don't.

:mod:`~lib.agreement.table` holds the table, the tolerance rule and the comparison; :mod:`~lib.agreement.binary`
and :mod:`~lib.agreement.multiclass` build it for a binary and a multi-class scenario, each disagreement with its
reason computed from the scenario itself.
"""
