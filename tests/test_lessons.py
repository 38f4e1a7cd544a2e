"""The numbers behind the lesson pages equal torch's: σ, terms, losses, gradients, curves, log-sum-exp."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from oracle import assert_matches, t64

from lib.agreement.binary import BinaryScenario
from lib.lessons.binary import bce_curve_over_logits, bce_curve_over_probability, binary_lesson
from lib.lessons.softmax import SoftmaxScenario, softmax_lesson


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_lesson_matches_torch_losses_and_autograd(reduction):
    z, y = np.array([1.1, -2.2, 30.0]), np.array([1.0, 0.3, 0.0])
    lesson = binary_lesson(BinaryScenario(z, y, 0.5, 2.0, reduction))
    logits = t64(z).requires_grad_(True)
    loss = F.binary_cross_entropy_with_logits(logits, t64(y), weight=t64(0.5), pos_weight=t64(2.0), reduction=reduction)
    loss.sum().backward()
    assert_matches(lesson.loss, loss)
    assert_matches(lesson.grad, logits.grad)
    assert_matches(lesson.probabilities, torch.sigmoid(t64(z)))
    per_row = F.binary_cross_entropy_with_logits(t64(z), t64(y), weight=t64(0.5), pos_weight=t64(2.0), reduction="none")
    assert_matches(lesson.per_row_loss, per_row)
    assert_matches(lesson.positive_term, t64(y) * F.logsigmoid(t64(z)))
    assert_matches(lesson.negative_term, (1 - t64(y)) * F.logsigmoid(-t64(z)))


def test_binary_lesson_terms_are_never_negative_zero():
    lesson = binary_lesson(BinaryScenario(np.array(2.0), np.array(1.0)))
    assert not np.signbit(lesson.negative_term)


def test_bce_curves_match_torch_over_logits_and_over_probabilities():
    z, loss, grad = bce_curve_over_logits(0.3, 1.5, 2.0, -10.0, 10.0)
    logits = t64(z).requires_grad_(True)
    expected = F.binary_cross_entropy_with_logits(
        logits, torch.full_like(logits, 0.3), weight=t64(1.5), pos_weight=t64(2.0), reduction="none"
    )
    expected.sum().backward()
    assert_matches(loss, expected)
    assert_matches(grad, logits.grad)
    p, loss_p = bce_curve_over_probability(0.3, 1.0, 1.0)
    assert_matches(loss_p, F.binary_cross_entropy(t64(p), torch.full_like(t64(p), 0.3), reduction="none"))
    assert len(z) <= 1000 and len(p) <= 1000


@pytest.mark.parametrize(
    ("target", "smoothing", "weight"),
    [(1, 0.0, None), (0, 0.2, np.array([1.0, 2.0, 0.5])), (np.array([0.2, 0.5, 0.3]), 0.1, np.array([1.0, 3.0, 1.0]))],
)
def test_softmax_lesson_matches_torch_at_temperature_two(target, smoothing, weight):
    z = np.array([2.0, -1.0, 0.5])
    lesson = softmax_lesson(SoftmaxScenario(z, 2.0, target, smoothing, weight, "mean"))
    scaled = (t64(z) / 2.0)[None].requires_grad_(True)
    torch_target = torch.tensor([target]) if np.ndim(target) == 0 else t64(target)[None]
    loss = F.cross_entropy(scaled, torch_target, None if weight is None else t64(weight), label_smoothing=smoothing)
    loss.backward()
    assert_matches(lesson.loss, loss)
    assert_matches(lesson.grad, scaled.grad[0])
    assert_matches(lesson.probabilities, F.softmax(t64(z) / 2.0, 0))
    assert lesson.log_sum_exp == pytest.approx(torch.logsumexp(t64(z) / 2.0, 0).item(), rel=1e-14)
    if weight is None:
        assert float(lesson.contributions.sum()) == pytest.approx(lesson.log_sum_exp - lesson.target_logit, rel=1e-12)


def test_softmax_lesson_with_an_ignored_target_is_nan_for_mean_and_has_no_contributions():
    lesson = softmax_lesson(SoftmaxScenario(np.array([2.0, 1.0, 0.1]), 1.0, -100, 0.1, None, "mean"))
    assert lesson.ignored and np.isnan(lesson.loss) and np.all(lesson.contributions == 0)
    assert lesson.target_distribution.sum() == 0


def test_softmax_lesson_with_an_ignored_target_has_torchs_zero_gradient_under_mean():
    lesson = softmax_lesson(SoftmaxScenario(np.array([2.0, 1.0, 0.1]), 1.0, -100, 0.1, None, "mean"))
    z = t64([[2.0, 1.0, 0.1]]).requires_grad_(True)
    F.cross_entropy(z, torch.tensor([-100]), label_smoothing=0.1).backward()
    np.testing.assert_array_equal(lesson.grad, z.grad[0].numpy())


def test_the_softmax_scenario_gives_the_agreement_engine_the_scaled_batch_of_one():
    scenario = SoftmaxScenario(np.array([2.0, 1.0, 0.1]), 2.0, np.array([0.5, 0.5, 0.0]), 0.1, None, "sum", "float64")
    agreement = scenario.agreement()
    np.testing.assert_array_equal(agreement.logits, [[1.0, 0.5, 0.05]])
    np.testing.assert_array_equal(agreement.target, [[0.5, 0.5, 0.0]])
    assert (agreement.label_smoothing, agreement.reduction, agreement.dtype) == (0.1, "sum", "float64")
    assert not agreement.target_is_index
