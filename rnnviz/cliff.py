"""Pascanu, Mikolov & Bengio (2013)'s one-unit RNN, whose loss surface has a cliff.

    x_t = w * sigmoid(x_{t-1}) + b,   x_0 = 0.5,   L = (sigmoid(x_50) - 0.7)^2

Everything here broadcasts over arrays of w and b, so one call draws a whole surface.
The gradient is carried forward alongside x_t (forward-mode differentiation):

    dx_t/dw = sigmoid(x_{t-1}) + w sigmoid'(x_{t-1}) dx_{t-1}/dw
    dx_t/db = 1                + w sigmoid'(x_{t-1}) dx_{t-1}/db

The factor w sigmoid'(x_{t-1}) is multiplied in fifty times: where it stays above 1 the
gradient explodes, which is the wall of the cliff.
"""

import math

import numpy as np

STEPS, X0, TARGET = 50, 0.5, 0.7

# The unit's sigmoid, from + − × ÷ alone. A library's exp or tanh rounds its last bit its own way
# on each processor (here numpy's vector tanh and the C library's already differ on a fifth of
# inputs), and beside the wall the descent amplifies a last-bit difference until two runs of one
# path part. Built from correctly rounded operations in a fixed order, the same formula gives the
# same bits in numpy on any machine and in the browser's copy (ui/live/cliff.js).
LN2_HIGH, LN2_LOW, INVERSE_LN2 = 6.93147180369123816490e-01, 1.90821492927058770002e-10, 1.4426950408889634
TAYLOR = tuple(1.0 / math.factorial(n) for n in range(14))  # e^r for |r| <= ln 2 / 2, to well under an ulp
LARGEST = 700.0  # |a| beyond this: the sigmoid is 0 or 1 to double precision anyway


def exp(a):
    """e^a for |a| <= LARGEST: a = k ln 2 + r, e^a = 2^k e^r, e^r by its Taylor series, and the
    power of two exact (ldexp)."""
    k = np.floor(a * INVERSE_LN2 + 0.5)
    r = (a - k * LN2_HIGH) - k * LN2_LOW
    series = TAYLOR[-1]
    for coefficient in reversed(TAYLOR[:-1]):
        series = series * r + coefficient
    return np.ldexp(series, np.asarray(k, dtype=np.int64))


def sigmoid(a):
    return 1.0 / (1.0 + exp(-np.clip(a, -LARGEST, LARGEST)))


def loss_and_grad(w, b, steps=STEPS, x0=X0, target=TARGET):
    """L, dL/dw and dL/db for arrays of w and b (broadcast together)."""
    w, b = np.broadcast_arrays(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64))
    x = np.full(w.shape, x0)
    dx_dw, dx_db = np.zeros(w.shape), np.zeros(w.shape)
    for _ in range(steps):
        s = sigmoid(x)
        slope = w * s * (1.0 - s)  # dx_t/dx_{t-1}
        dx_dw, dx_db = s + slope * dx_dw, 1.0 + slope * dx_db
        x = w * s + b
    s = sigmoid(x)
    dL_dx = 2.0 * (s - target) * s * (1.0 - s)
    return (s - target) ** 2, dL_dx * dx_dw, dL_dx * dx_db


W_RANGE, B_RANGE = (-2.0, 16.0), (-10.0, 2.0)


def surface(w_range=W_RANGE, b_range=B_RANGE, points=121):
    """w (points,), b (points,), loss (points, points) indexed [b, w] as plotly draws it."""
    w = np.linspace(*w_range, points)
    b = np.linspace(*b_range, points)
    loss, _, _ = loss_and_grad(w[None, :], b[:, None])
    return w, b, loss


def descend(w0, b0, lr, iterations, clip=None):
    """Plain gradient descent from (w0, b0); clip=c rescales a step's gradient to norm <= c.

    Returns the path (w, b) of iterations+1 points and the gradient's norm at each step. w0, b0
    and lr may be arrays of one shape: every path at once, steps along the first axis."""
    w, b = [np.asarray(w0, dtype=np.float64)], [np.asarray(b0, dtype=np.float64)]
    norms = []
    for _ in range(iterations):
        _, gw, gb = loss_and_grad(w[-1], b[-1])
        norm = np.sqrt(gw * gw + gb * gb)  # not hypot: its last bit differs between libraries
        norms.append(norm)
        scale = 1.0
        if clip is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.where(norm > 0, np.minimum(1.0, clip / norm), 1.0)
        w.append(w[-1] - lr * scale * gw)
        b.append(b[-1] - lr * scale * gb)
    return np.array(w), np.array(b), np.array(norms)


SETTLED_LOSS, SETTLED_STEPS = 0.01, 5


def settled_from(w, b):
    """The first step from which a path (w, b) stays at the bottom of the valley, its loss under
    SETTLED_LOSS to the end, or None if its last SETTLED_STEPS points are not all there."""
    loss = np.nan_to_num(loss_and_grad(w, b)[0], nan=np.inf)
    above = np.flatnonzero(loss >= SETTLED_LOSS)
    first = int(above[-1]) + 1 if above.size else 0
    return first if len(loss) - first >= SETTLED_STEPS else None


def output(w, b, steps=STEPS, x0=X0):
    """sigmoid(x_50) for arrays of w and b, without the gradient."""
    x = np.full(np.broadcast_shapes(np.shape(w), np.shape(b)), x0)
    for _ in range(steps):
        x = w * sigmoid(x) + b
    return sigmoid(x)


def valley_floor(w, b, target=TARGET, halvings=30):
    """The bottom of the valley (loss 0): for each w, the b in b's range where the output is
    exactly `target`, by bisection from the first grid cell where output − target changes sign;
    NaN where it does not, or where the output jumps over the target at the cliff instead of
    passing through it. Next to the cliff the valley is narrower than any grid can sample."""
    w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
    excess = output(w[None, :], b[:, None]) - target
    change = np.sign(excess[:-1]) != np.sign(excess[1:])
    first = change.argmax(axis=0)
    low, high = b[first], b[first + 1]
    low_sign = np.sign(output(w, low) - target)
    for _ in range(halvings):
        middle = (low + high) / 2
        same = np.sign(output(w, middle) - target) == low_sign
        low, high = np.where(same, middle, low), np.where(same, high, middle)
    floor = (low + high) / 2
    reached = change.any(axis=0) & (np.abs(output(w, floor) - target) < 1e-3)  # not a jump over it
    return np.where(reached, floor, np.nan)


def view_box(paths, smallest=1.5, margin=0.25):
    """(w_range, b_range) around the points of `paths` [(w, b), ...] that lie on the whole map,
    padded by `margin` of its size and at least `smallest` wide each way: where the movement is."""
    w = np.concatenate([np.asarray(p[0], dtype=float) for p in paths])
    b = np.concatenate([np.asarray(p[1], dtype=float) for p in paths])
    inside = (np.isfinite(w) & np.isfinite(b) & (W_RANGE[0] <= w) & (w <= W_RANGE[1])
              & (B_RANGE[0] <= b) & (b <= B_RANGE[1]))
    ranges = []
    for values, (low, high) in ((w[inside], W_RANGE), (b[inside], B_RANGE)):
        centre, half = (values.min() + values.max()) / 2, (values.max() - values.min()) / 2
        half = max(half * (1 + 2 * margin), smallest / 2)
        ranges.append((max(low, centre - half), min(high, centre + half)))
    return tuple(ranges)
