"""Where values flow beyond the hand-written functions: empty and degenerate shapes give torch's results.

The agreement tables, the batched engine's Python loop and its timing comparison on batches with no
elements: nan for a mean, 0 for a sum, empty for 'none', every implementation agreeing, no exception.
"""

import numpy as np
import pytest
import torch

from lib.agreement.binary import BinaryScenario, binary_agreement
from lib.agreement.multiclass import MulticlassScenario, multiclass_agreement
from lib.batched.engine import BatchSpec, python_loop_bce_mean, timing_comparison

EMPTY_RESULT = {"mean": np.nan, "sum": 0.0, "none": np.zeros(0)}


@pytest.mark.parametrize("reduction", EMPTY_RESULT)
def test_binary_agreement_on_an_empty_batch_agrees_on_torchs_empty_result(reduction):
    table = binary_agreement(BinaryScenario(np.zeros(0), np.zeros(0), reduction=reduction))
    for row in table.rows:
        np.testing.assert_array_equal(np.asarray(row.value, dtype=np.float64), EMPTY_RESULT[reduction])
    assert not table.disagreeing


@pytest.mark.parametrize("reduction", EMPTY_RESULT)
@pytest.mark.parametrize("target", [np.zeros(0, dtype=np.int64), np.zeros((0, 2))], ids=["indices", "probabilities"])
def test_multiclass_agreement_on_no_rows_agrees_on_torchs_empty_result(target, reduction):
    table = multiclass_agreement(MulticlassScenario(np.zeros((0, 2)), target, reduction=reduction))
    for row in table.rows:
        np.testing.assert_array_equal(np.asarray(row.value, dtype=np.float64), EMPTY_RESULT[reduction])
    assert not table.disagreeing


def test_the_python_loop_mean_of_no_elements_is_nan_like_torch():
    assert np.isnan(python_loop_bce_mean([], []))


def test_timing_an_empty_batch_reports_nan_means_for_every_method():
    timings = timing_comparison(BatchSpec(0), [torch.device("cpu")], repeats=1)
    assert len(timings) == 3 and all(t.elements == 0 and np.isnan(t.mean_loss) for t in timings)
