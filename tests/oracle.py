"""Torch in float64 as the oracle for the hand-written NumPy maths: tensors and comparisons."""

import numpy as np
import torch


def t64(values):
    """A float64 torch tensor (or an int64 one for integer arrays) from NumPy values."""
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return torch.as_tensor(array)
    return torch.as_tensor(array, dtype=torch.float64)


def assert_matches(actual, expected, rtol=1e-12, atol=1e-12):
    """Hand-written result equals torch's, nan for nan and inf for inf."""
    expected = expected.detach().numpy() if isinstance(expected, torch.Tensor) else np.asarray(expected)
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, equal_nan=True)
