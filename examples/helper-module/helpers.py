"""Helpers for train.ipynb: read the data, take one training step (a 1-D least-squares fit)."""

VERSION = "1.0"


def load_numbers(path):
    """Reads a CSV of `x,y` rows (with a header) into a list of (x, y) floats."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().strip().splitlines()[1:]
    return [tuple(float(v) for v in line.split(",")) for line in lines]


def train_step(rows, weight, rate=0.01):
    """One gradient step of y ≈ weight * x; returns the new weight and the loss before it."""
    n = len(rows)
    loss = sum((weight * x - y) ** 2 for x, y in rows) / n
    grad = sum(2 * (weight * x - y) * x for x, y in rows) / n
    return weight - rate * grad, loss
