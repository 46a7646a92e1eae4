"""helpers.targets: the 2-D target functions of notebook 01 and the samplers drawn from them."""

import numpy as np
import pytest

import helpers


def test_target_functions():
    grid = helpers.pixel_grid(32, 32)
    for name in helpers.targets.TARGET_FUNCTIONS:
        values = helpers.target_function(name)(grid[:, 0], grid[:, 1])
        assert values.shape == (1024,) and np.all(np.isfinite(values)) and np.abs(values).max() <= 1.5
        assert values.std() > 0.1, name  # some structure, not a constant
    with pytest.raises(ValueError, match=r"unknown target function 'spiral'; expected one of \['peaks', 'ripples'"):
        helpers.target_function("spiral")
    with pytest.raises(ValueError, match="unknown target function"):
        helpers.target_function(["peaks"])  # not even a name


def test_function_sampler():
    sample = helpers.function_sampler("peaks", low=0.0, high=2.0)
    xy, values = sample(np.random.default_rng(3), 50)
    assert xy.shape == (50, 2) and values.shape == (50, 1)
    assert xy.min() >= 0.0 and xy.max() <= 2.0
    assert np.allclose(values[:, 0], helpers.target_function("peaks")(xy[:, 0], xy[:, 1]))
    again = sample(np.random.default_rng(3), 50)
    assert np.array_equal(again[0], xy) and np.array_equal(again[1], values)
    custom = helpers.function_sampler(lambda x, y: x * y, dtype=np.float32)
    xy, values = custom(0, 5)
    assert values.dtype == np.float32 and np.allclose(values[:, 0], xy[:, 0] * xy[:, 1])


@pytest.mark.parametrize("kwargs, words", [
    (dict(f="nope"), "expected one of"),
    (dict(f=3), "expected a function f"),
    (dict(f="peaks", low=1, high=1), "low < high"),
    (dict(f="peaks", low=float("nan")), "low: expected a finite number"),
    (dict(f="peaks", high="1"), "high: expected a finite number"),
])
def test_function_sampler_refuses_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        helpers.function_sampler(**kwargs)


def test_a_function_of_the_wrong_shape_is_named_at_the_first_batch():
    with pytest.raises(ValueError, match=r"return shape \(4,\)"):
        helpers.function_sampler(lambda x, y: 1.0)(0, 4)


def test_function_sampler_drives_train():
    net = helpers.Network.random([2, 8, 1], rng=0)
    result = helpers.train(net, sample=helpers.function_sampler("ripples"), lr=0.01, steps=5, batch_size=16, rng=0)
    assert len(result.history) > 0 and np.isfinite(result.history.train_cost).all()
