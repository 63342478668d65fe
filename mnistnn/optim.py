"""Optimisers and learning-rate schedules.

An optimiser turns gradients into a change of the parameters. Each one here is
a small function `step(params, grads, state, lr)` that updates `params` in
place; `state` is a dict the optimiser keeps between steps (empty at the
start), so nothing is hidden in an object. Plain gradient descent needs no
state; momentum remembers a running direction; Adam also remembers how large
each gradient usually is and scales every parameter's step by it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .checks import fail
from .network import Params, check_step, update

# A pixel that is blank in every image of a batch gives its weights a gradient of exactly 0, and
# the optimiser's memory of them then decays by beta at every step: 0.9^800 takes a moment of 1e-5
# below 1.2e-38, the smallest normal float32. Below it lie the subnormal numbers, on which many
# processors compute many times slower, so an epoch would get slower and slower. Every FLUSH_EVERY
# steps, entries below FLUSH_BELOW are set to 0: in 100 steps they cannot decay from 1e-30 to a
# subnormal, and their part of a step (below 1e-30 / eps = 1e-22 times lr) is far below rounding.
FLUSH_EVERY, FLUSH_BELOW = 100, 1e-30


def flush_tiny(memory: dict[str, np.ndarray]) -> None:
    """Set the entries of each array that are smaller than FLUSH_BELOW in size to exactly 0, in place."""
    for array in memory.values():
        np.putmask(array, np.abs(array) < FLUSH_BELOW, 0)


def _check_state(params: Params, grads: Params, state: dict, lr: float) -> None:
    check_step(params, grads, lr)
    if not isinstance(state, dict):
        fail("state", "a dict the optimiser keeps between steps (start with {})", type(state).__name__, error=TypeError)


def sgd(params: Params, grads: Params, state: dict, lr: float) -> None:
    """Plain gradient descent: W <- W - lr * dW (this is `network.update`)."""
    update(params, grads, lr)


def momentum(params: Params, grads: Params, state: dict, lr: float, beta: float = 0.9) -> None:
    """Gradient descent with momentum.

    v <- beta * v + dW;  W <- W - lr * v. The velocity v averages recent
    gradients, so steps grow along directions that stay consistent and cancel
    along directions that flip sign from batch to batch.
    """
    _check_state(params, grads, state, lr)
    if "velocity" not in state:  # the first step: no direction remembered yet
        state["velocity"] = {key: np.zeros_like(W) for key, W in params.items()}
    for key, W in params.items():
        v = state["velocity"][key]
        v *= beta
        v += grads[key]
        W -= np.asarray(lr, dtype=W.dtype) * v
    state["t"] = state.get("t", 0) + 1
    if state["t"] % FLUSH_EVERY == 0:
        flush_tiny(state["velocity"])


def rmsprop(params: Params, grads: Params, state: dict, lr: float, beta: float = 0.9, eps: float = 1e-8) -> None:
    """RMSProp (Hinton, 2012): divide each step by a running root-mean-square of the gradient.

    s <- beta s + (1 - beta) dW^2;  W <- W - lr dW / (sqrt(s) + eps). Like Adam without its
    running mean of the gradient (and without a bias correction): a parameter whose gradients
    are small gets larger steps, one whose gradients are large gets smaller ones.
    """
    _check_state(params, grads, state, lr)
    if "square" not in state:
        state["square"] = {key: np.zeros_like(W) for key, W in params.items()}
    for key, W in params.items():
        s, g = state["square"][key], grads[key]
        s *= beta
        s += (1 - beta) * g * g
        W -= lr * g / (np.sqrt(s) + eps)
    state["t"] = state.get("t", 0) + 1
    if state["t"] % FLUSH_EVERY == 0:
        flush_tiny(state["square"])


def adam(
    params: Params,
    grads: Params,
    state: dict,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> None:
    """Adam (Kingma and Ba, 2015), at step t = 1, 2, ...

    m <- beta1 m + (1 - beta1) dW          running mean of the gradient
    v <- beta2 v + (1 - beta2) dW^2        running mean of its square
    m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)   corrected for starting at 0
    W <- W - lr m_hat / (sqrt(v_hat) + eps)
    Dividing by sqrt(v_hat) gives every parameter a step of about lr, whatever the
    scale of its gradient.

    The step costs as much as a good part of the matrix products, so `adam_update`
    computes exactly the formulas above, rearranged to take fewer passes over the
    arrays, all in place, into arrays made once, at the first step.
    """
    _check_state(params, grads, state, lr)
    if "m" not in state:  # the first step: both averages start at zero
        state["m"] = {key: np.zeros_like(W) for key, W in params.items()}
        state["v"] = {key: np.zeros_like(W) for key, W in params.items()}
        state["scratch"] = {key: np.empty_like(W) for key, W in params.items()}
    t = state["t"] = state.get("t", 0) + 1
    a = lr * (1 - beta1) / (1 - beta1**t)  # m_hat = m' (1 - beta1) / (1 - beta1^t), with lr folded in
    b = math.sqrt((1 - beta2) / (1 - beta2**t))  # sqrt(v_hat) = b sqrt(v')
    for key, W in params.items():
        adam_update(W, grads[key], state["m"][key], state["v"][key], state["scratch"][key], a, b, beta1, beta2, eps)
    if t % FLUSH_EVERY == 0:
        flush_tiny(state["m"])
        flush_tiny(state["v"])


def adam_update(W, g, m, v, tmp, a: float, b: float, beta1: float, beta2: float, eps: float) -> None:
    """Adam's step for one array, in place, in ten passes over it.

    m and v are stored as m' = m / (1 - beta1) and v' = v / (1 - beta2), which saves
    two multiplications (m' <- beta1 m' + dW). In those terms the step
    lr m_hat / (sqrt(v_hat) + eps) is a m' / (b sqrt(v') + eps) = m' / (sqrt(v') b/a + eps/a).
    """
    m *= beta1
    m += g
    v *= beta2
    v += np.multiply(g, g, out=tmp)
    if a == 0:  # lr = 0: the averages move, the weights do not
        return
    np.sqrt(v, out=tmp)
    tmp *= b / a
    tmp += eps / a
    W -= np.divide(m, tmp, out=tmp)


OPTIMIZERS: dict[str, Callable] = {"sgd": sgd, "momentum": momentum, "rmsprop": rmsprop, "adam": adam}


def constant_lr(lr: float, step: int, total_steps: int) -> float:
    """The same learning rate at every step."""
    return lr


def cosine_lr(lr: float, step: int, total_steps: int) -> float:
    """Cosine decay from lr at step 0 to 0 at the last step.

    Large steps early move fast; small steps late settle into a minimum
    instead of bouncing around it.
    """
    return 0.5 * lr * (1 + math.cos(math.pi * step / max(total_steps, 1)))


SCHEDULES: dict[str, Callable] = {"constant": constant_lr, "cosine": cosine_lr}
