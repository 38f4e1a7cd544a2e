"""Logit Lab's maths: hand-written NumPy losses, their torch twins, agreement and batched engines.

Nothing in this package imports streamlit; the pages in ``pages/`` only draw what it computes.
"""
