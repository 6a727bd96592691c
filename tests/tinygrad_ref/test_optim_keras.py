"""The optimizer docstrings' claims about Keras, checked against tf.keras itself (slow: imports TF)."""

import math
import os

import numpy as np
import pytest

pytestmark = pytest.mark.slow
GRADS = np.random.default_rng(0).normal(size=(20, 5))


def keras_trajectory(make_optimizer):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tf = pytest.importorskip("tensorflow")
    var = tf.Variable(np.ones(5))
    opt = make_optimizer(tf.keras.optimizers)
    for g in GRADS:
        opt.apply_gradients([(tf.constant(g), var)])
    return var.numpy()


def by_formula(update):
    theta, state = np.ones(5), {}
    for t, g in enumerate(GRADS, 1):
        theta = update(theta, g, t, state)
    return theta


def test_keras_adam_epsilon_is_torch_epsilon_over_sqrt_bias_correction():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-3

    def update(theta, g, t, s):
        s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
        s["v"] = b2 * s.get("v", 0) + (1 - b2) * g * g
        c2 = math.sqrt(1 - b2 ** t)
        return theta - lr / (1 - b1 ** t) * s["m"] / (np.sqrt(s["v"]) / c2 + eps / c2)

    ours = by_formula(update)
    np.testing.assert_allclose(keras_trajectory(lambda o: o.Adam(lr, b1, b2, eps)), ours, rtol=1e-5)


def test_keras_sgd_momentum_equals_torch_at_constant_lr_and_decay_is_decoupled():
    def update(theta, g, t, s):
        s["b"] = g if t == 1 else 0.9 * s["b"] + g
        return theta * (1 - 0.1 * 0.01) - 0.1 * s["b"]

    keras = keras_trajectory(lambda o: o.SGD(0.1, momentum=0.9, weight_decay=0.01))
    np.testing.assert_allclose(keras, by_formula(update), rtol=1e-5, atol=1e-6)


def test_keras_rmsprop_and_adagrad_put_epsilon_inside_the_root():
    def rmsprop(theta, g, t, s):
        s["v"] = 0.9 * s.get("v", 0) + 0.1 * g * g  # rho = 0.9
        return theta - 0.01 * g / np.sqrt(s["v"] + 1e-7)

    def adagrad(theta, g, t, s):
        s["s"] = s.get("s", 0.1) + g * g  # initial accumulator 0.1
        return theta - 0.001 * g / np.sqrt(s["s"] + 1e-7)

    np.testing.assert_allclose(keras_trajectory(lambda o: o.RMSprop(0.01)), by_formula(rmsprop), rtol=1e-5)
    np.testing.assert_allclose(keras_trajectory(lambda o: o.Adagrad()), by_formula(adagrad), rtol=1e-5)
