"""A tiny model for train.ipynb: fits y = 3x + 1 by gradient descent on generated data."""

import random


def make_data(n=200, seed=0):
    """n points of y = 3x + 1 with a little noise, reproducible by seed."""
    rng = random.Random(seed)
    xs = [rng.uniform(-1, 1) for _ in range(n)]
    return [(x, 3 * x + 1 + rng.gauss(0, 0.05)) for x in xs]


def fit(data, epochs, rate=0.5):
    """Full-batch gradient descent on mean squared error; yields (epoch, w, b, loss)."""
    w = b = 0.0
    n = len(data)
    for epoch in range(1, epochs + 1):
        gw = sum(2 * (w * x + b - y) * x for x, y in data) / n
        gb = sum(2 * (w * x + b - y) for x, y in data) / n
        w, b = w - rate * gw, b - rate * gb
        loss = sum((w * x + b - y) ** 2 for x, y in data) / n
        yield epoch, w, b, loss
