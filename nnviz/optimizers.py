"""Optimizers: each owns its state and updates a flat parameter array in place.

``step(theta, grad)`` mutates ``theta``. The arrays may carry leading axes
(many networks at once): every operation here is element-wise.
"""
from __future__ import annotations

import numpy as np


class SGD:
    """theta <- theta - learning_rate * grad. With rate 1 and ``sse`` this is the tutorial's ``+=``."""

    def __init__(self, learning_rate: float, shape):
        self.rate = np.array(learning_rate)
        self.unit = learning_rate == 1.0  # multiplying by 1 changes nothing: skip the call
        self.scaled = np.empty(shape)

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        if self.unit:
            np.subtract(theta, grad, out=theta)
        else:
            np.multiply(grad, self.rate, out=self.scaled)
            np.subtract(theta, self.scaled, out=theta)


class Momentum:
    """velocity <- mu * velocity - learning_rate * grad; theta <- theta + velocity."""

    def __init__(self, learning_rate: float, shape, mu: float = 0.9):
        self.rate, self.mu = np.array(learning_rate), np.array(mu)
        self.velocity = np.zeros(shape)
        self.scaled = np.empty(shape)

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        np.multiply(self.velocity, self.mu, out=self.velocity)
        np.multiply(grad, self.rate, out=self.scaled)
        np.subtract(self.velocity, self.scaled, out=self.velocity)
        np.add(theta, self.velocity, out=theta)


class Adam:
    """Adam (Kingma and Ba, 2015) with bias-corrected moments."""

    def __init__(self, learning_rate: float, shape, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.rate, self.beta1, self.beta2, self.eps = learning_rate, beta1, beta2, eps
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)
        self.tmp = np.empty(shape)
        self.t = 0

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # m <- b1 m + (1 - b1) g ; v <- b2 v + (1 - b2) g^2
        np.multiply(self.m, b1, out=self.m)
        np.multiply(grad, 1.0 - b1, out=self.tmp)
        np.add(self.m, self.tmp, out=self.m)
        np.multiply(grad, grad, out=self.tmp)
        np.multiply(self.tmp, 1.0 - b2, out=self.tmp)
        np.multiply(self.v, b2, out=self.v)
        np.add(self.v, self.tmp, out=self.v)
        # theta <- theta - rate_t * m / (sqrt(v) + eps_t), the paper's efficient form
        rate_t = self.rate * np.sqrt(1.0 - b2**self.t) / (1.0 - b1**self.t)
        eps_t = self.eps * np.sqrt(1.0 - b2**self.t)
        np.sqrt(self.v, out=self.tmp)
        np.add(self.tmp, eps_t, out=self.tmp)
        np.divide(self.m, self.tmp, out=self.tmp)
        np.multiply(self.tmp, rate_t, out=self.tmp)
        np.subtract(theta, self.tmp, out=theta)


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, learning_rate: float, shape):
    return OPTIMIZERS[name](learning_rate, shape)
