"""Keras and scikit-learn emulations reproduce the catalogue's numbers (../shared/pitfalls.md)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lib.losses import frameworks as fw


def test_keras_default_bce_reads_logits_as_probabilities_8_0151_against_1_1140():
    z, t = np.array([3.0, -2.0, -1.5, 2.5]), np.array([1.0, 0.0, 1.0, 0.0])
    assert fw.keras_binary_crossentropy(t, z) == pytest.approx(8.0151, abs=1e-4)
    assert fw.keras_binary_crossentropy(t, z, from_logits=True) == pytest.approx(1.1140, abs=1e-4)
    sigmoid = torch.sigmoid(torch.tensor(z, dtype=torch.float32)).numpy()
    assert fw.keras_binary_crossentropy(t, sigmoid) == pytest.approx(1.1140, abs=1e-4)


def test_keras_clips_saturated_probabilities_asymmetrically_in_float32():
    per_element = [fw.keras_binary_crossentropy([1.0], [0.0]), fw.keras_binary_crossentropy([0.0], [1.0])]
    assert per_element[0] == pytest.approx(16.1181, abs=1e-4) and per_element[1] == pytest.approx(15.9424, abs=1e-4)
    assert fw.keras_binary_crossentropy([1.0, 0.0], [0.0, 1.0]) == pytest.approx(16.0302, abs=1e-4)


def test_sklearn_log_loss_clips_to_the_epsilon_of_the_prediction_dtype():
    t = np.array([1.0, 0.0])
    assert fw.sklearn_log_loss(t, np.array([0.0, 1.0])) == pytest.approx(36.0437, abs=1e-4)
    assert fw.sklearn_log_loss(t, np.array([0.0, 1.0], dtype=np.float32)) == pytest.approx(15.9424, abs=1e-4)
    assert fw.sklearn_log_loss([1.0], [0.0], eps=fw.OLD_SKLEARN_EPSILON) == pytest.approx(34.5388, abs=1e-4)


def test_sklearn_log_loss_on_float32_sigmoid_of_30_is_33_0218():
    p = torch.sigmoid(torch.tensor([-30.0, 30.0])).numpy().astype(np.float64)
    assert fw.sklearn_log_loss([1.0, 0.0], p) == pytest.approx(33.0218, abs=1e-4)


def test_keras_binary_label_smoothing_equals_torch_two_class_label_smoothing():
    zz = torch.tensor([[0.3, 1.4]])
    keras = fw.keras_binary_crossentropy([1.0], [1.4 - 0.3], from_logits=True, label_smoothing=0.1)
    assert keras == pytest.approx(F.cross_entropy(zz, torch.tensor([1]), label_smoothing=0.1).item(), abs=1e-6)


def test_keras_categorical_crossentropy_rescales_rows_and_matches_torch_from_logits():
    logits = np.array([[2.0, 0.5, -1.0], [0.1, 1.5, -0.3]])
    t = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    expected = F.cross_entropy(torch.tensor(logits), torch.tensor(t)).item()
    assert fw.keras_categorical_crossentropy(t, logits, from_logits=True) == pytest.approx(expected, rel=1e-12)
    probabilities = torch.softmax(torch.tensor(logits), 1).numpy() * 3.0
    assert fw.keras_categorical_crossentropy(t, probabilities) == pytest.approx(expected, rel=1e-6)


def test_keras_categorical_label_smoothing_is_eps_over_c():
    logits, t = np.array([[2.0, 0.5, -1.0]]), np.array([[1.0, 0.0, 0.0]])
    expected = F.cross_entropy(torch.tensor(logits), torch.tensor([0]), label_smoothing=0.1).item()
    assert fw.keras_categorical_crossentropy(t, logits, True, 0.1) == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(0.3913, abs=1e-4)
