"""One colour per concept, everywhere in the app (Okabe–Ito, safe for colour-blind readers).

Every colour reads on the light and the dark theme and on a projector.
"""

POSITIVE_TERM = "#0072B2"
"""The positive-class term y·log p (blue)."""
NEGATIVE_TERM = "#D55E00"
"""The negative-class term (1 − y)·log(1 − p) (vermillion)."""
SIGMOID = "#009E73"
"""σ(z) and anything binary-probability (bluish green)."""
SOFTMAX = "#CC79A7"
"""softmax(z) and class probabilities q (reddish purple)."""
TARGET = "#E69F00"
"""Targets y and t (orange)."""
PREDICTION = "#56B4E9"
"""The current point, the value the user set (sky blue)."""
LOSS = "#8C8C8C"
"""Loss curves and totals (grey, readable on light and dark)."""
GRADIENT = "#EE3377"
"""Analytic gradients ∂L/∂z (magenta)."""
AUTOGRAD = "#009988"
"""Gradients computed by torch autograd, drawn beside the analytic ones (teal)."""
