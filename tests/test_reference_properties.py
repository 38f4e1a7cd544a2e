"""The hand-written maths agrees with references that are not torch: scipy.special and scikit-learn.

scipy.special's expit, log_expit, softmax, log_softmax, logsumexp and xlogy, and sklearn.metrics.log_loss,
are independent implementations of the same formulas; hypothesis draws the inputs.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special
from sklearn.metrics import log_loss

from lib.losses import decomposition as dec
from lib.losses import handwritten as hw

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

logits = hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5), elements=st.floats(-1e3, 1e3))
rows_of_logits = hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 5)), elements=st.floats(-10, 10))
probabilities = st.floats(0.0, 1.0)
PROPERTY = settings(max_examples=100, deadline=None)


@PROPERTY
@given(logits)
def test_sigmoid_equals_scipy_expit(z):
    np.testing.assert_allclose(hw.sigmoid(z), special.expit(z), rtol=1e-15, atol=0)


@PROPERTY
@given(logits)
def test_logsigmoid_equals_scipy_log_expit(z):
    np.testing.assert_allclose(hw.logsigmoid(z), special.log_expit(z), rtol=1e-14, atol=1e-300)


@PROPERTY
@given(logits, st.data())
def test_softmax_and_log_softmax_equal_scipys(z, data):
    dim = data.draw(st.integers(-z.ndim, z.ndim - 1))
    np.testing.assert_allclose(hw.softmax(z, dim), special.softmax(z, axis=dim), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(hw.log_softmax(z, dim), special.log_softmax(z, axis=dim), rtol=1e-13, atol=1e-12)


@PROPERTY
@given(rows_of_logits, st.data())
def test_cross_entropy_with_probabilities_is_logsumexp_minus_the_target_average(z, data):
    t = data.draw(hnp.arrays(np.float64, z.shape, elements=probabilities))
    expected = special.logsumexp(z, axis=1) * t.sum(axis=1) - (t * z).sum(axis=1)
    np.testing.assert_allclose(hw.cross_entropy(z, t, reduction="none"), expected, rtol=1e-12, atol=1e-12)


@PROPERTY
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(2, 5)), elements=probabilities))
def test_entropy_is_minus_scipy_xlogy_summed(t):
    np.testing.assert_allclose(dec.entropy(t), -special.xlogy(t, t).sum(axis=-1), rtol=1e-14, atol=0)


@PROPERTY
@given(st.lists(st.tuples(probabilities, st.floats(1e-6, 1 - 1e-6)), min_size=1, max_size=8))
def test_binary_kl_is_bce_minus_binary_entropy_by_scipy_xlogy(pairs):
    y, p = np.array(pairs).T
    cross = -(special.xlogy(y, p) + special.xlogy(1 - y, 1 - p))
    entropy = -(special.xlogy(y, y) + special.xlogy(1 - y, 1 - y))
    np.testing.assert_allclose(dec.binary_kl(y, p), cross - entropy, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(dec.binary_entropy(y), entropy, rtol=1e-14, atol=0)


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(1e-6, 1 - 1e-6)), min_size=1, max_size=12))
def test_binary_cross_entropy_mean_equals_sklearn_log_loss(pairs):
    y, p = np.array(pairs).T
    expected = log_loss(y, p, labels=[0, 1])
    assert hw.binary_cross_entropy(p, y) == pytest.approx(expected, rel=1e-12)


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 1), st.floats(1e-6, 1 - 1e-6), st.floats(0.1, 5)), min_size=1, max_size=12))
def test_weighted_bce_divides_by_n_where_log_loss_divides_by_the_weight_total(rows):
    y, p, w = np.array(rows).T
    sklearn_mean = log_loss(y, p, sample_weight=w, labels=[0, 1])
    assert hw.binary_cross_entropy(p, y, w) == pytest.approx(sklearn_mean * w.sum() / len(w), rel=1e-12)


@PROPERTY
@given(rows_of_logits, st.data())
def test_cross_entropy_with_indices_equals_sklearn_log_loss_of_the_softmax(z, data):
    n, c = z.shape
    y = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.int64)
    expected = log_loss(y, special.softmax(z, axis=1), labels=list(range(c)))
    assert hw.cross_entropy(z, y) == pytest.approx(expected, rel=1e-9)
