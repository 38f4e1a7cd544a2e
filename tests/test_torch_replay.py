"""The hand-written functions agree with torch on the inputs torch's own test suite uses.

Every sample, reference input and error input of the OpInfos, ModuleInfos and common_nn tests for sigmoid,
logsigmoid, softmax, log_softmax, binary_cross_entropy(_with_logits), cross_entropy, nll_loss and their modules
(see torch_replay_cases) is one test. torch evaluates the call in float64 on the sample's values (a float32 sample
is widened, not redrawn); lib gets the sample's own arrays. When torch raises on a call, lib must raise
LossInputError with a sentence a learner can act on. Calls with arguments lib does not mirror are skipped, each
with its reason. The decomposition's gradients of BCE with logits and cross-entropy are replayed against autograd
on the same calls.
"""

import warnings

import hypothesis
import numpy as np
import pytest
import torch
from oracle import assert_matches
from torch_replay_cases import LEGACY, replay_calls

from lib.losses import decomposition as dc
from lib.losses import handwritten as hw


def _global_state():
    return (
        hypothesis.settings.get_current_profile_name(),
        np.random.get_state()[1][0],
        len(warnings.filters),
        torch.backends.flags_frozen(),
    )


STATE_BEFORE_COLLECTION = _global_state()
CALLS = replay_calls()
STATE_AFTER_COLLECTION = _global_state()
SKIP_REASONS = {"dtype= not mirrored"} | {f"legacy {name}=" for name in LEGACY}

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def _numpy(value):
    return value.detach().numpy() if isinstance(value, torch.Tensor) else value


def _float64(value):
    return value.to(torch.float64) if isinstance(value, torch.Tensor) and value.is_floating_point() else value


def _torch_raises(call) -> bool:
    args = dict(call.args)
    try:
        call.torch_function(args.pop("input"), **args)
    except (RuntimeError, ValueError, IndexError, TypeError):
        return True
    return False


@pytest.mark.parametrize("call", CALLS, ids=[call.id for call in CALLS])
def test_lib_matches_torch_on_torchs_own_inputs(call):
    if call.skip:
        pytest.skip(call.skip)
    lib_args = {name: _numpy(value) for name, value in call.args.items()}
    if _torch_raises(call):
        with pytest.raises(hw.LossInputError) as raised:
            call.lib_function(**lib_args)
        message = str(raised.value)
        assert len(message) > 40 and message.rstrip(")").endswith("."), message
        return
    assert not call.expect_error, f"torch's test expects {call.expect_error} but torch 2.13 accepts the call"
    wide = {name: _float64(value) for name, value in call.args.items()}
    expected = call.torch_function(wide.pop("input"), **wide)
    assert_matches(call.lib_function(**lib_args), expected, rtol=1e-7, atol=1e-10)


def test_the_replay_skips_only_arguments_lib_does_not_mirror():
    assert {call.skip for call in CALLS} - {""} <= SKIP_REASONS


def test_the_replay_covers_every_mirrored_function_in_both_dtypes():
    replayed = {(call.name, call.id.rsplit(":", 1)[-1]) for call in CALLS if not call.skip}
    names = {call.name for call in CALLS if call.name}
    assert replayed == {(name, dtype) for name in names for dtype in ("float64", "float32")}
    assert len(names) == 8


def test_the_replay_includes_torchs_error_inputs():
    assert sum(bool(call.expect_error) for call in CALLS) >= 8


def test_float32_samples_reach_lib_as_float32_arrays():
    call = next(c for c in CALLS if c.id.endswith(":float32") and not c.skip)
    assert np.asarray(_numpy(call.args["input"])).dtype == np.float32


GRADIENTS = {"binary_cross_entropy_with_logits": dc.bce_with_logits_grad, "cross_entropy": dc.cross_entropy_grad}
GRADIENT_CALLS = [call for call in CALLS if call.name in GRADIENTS and not call.skip and not call.expect_error]


@pytest.mark.parametrize("call", GRADIENT_CALLS, ids=[call.id for call in GRADIENT_CALLS])
def test_decomposition_gradient_matches_autograd_on_torchs_own_inputs(call):
    wide = {name: _float64(value) for name, value in call.args.items()}
    z = wide.pop("input").detach().clone().requires_grad_(True)
    call.torch_function(z, **wide).sum().backward()
    lib_args = {name: _numpy(value) for name, value in call.args.items()}
    assert_matches(GRADIENTS[call.name](**lib_args), z.grad, rtol=1e-7, atol=1e-10)


def test_collecting_the_replay_leaves_the_suites_global_state_as_found():
    assert STATE_AFTER_COLLECTION == STATE_BEFORE_COLLECTION
