"""The LSTM's BPTT in as few numpy calls per time step as it takes: record()'s fast path.

The equations are lstm_step's and lstm_step_backward's in cells.py, and the numbers are
held to the same PyTorch references (tests/). What differs is only how the work is laid
out, because at H = 32, B = 32 a step's arithmetic takes less time than calling numpy:

- Feature-major arrays: a step's vectors are (H, B) blocks, contiguous, and its gates
  one (4H, B) block, so each operation below covers several gates at once.
- Forward, gates in the order o, i, f, g, sigmoid rows prescaled by 1/2: one matrix
  product and one tanh give all four, as sigmoid(a) = (1 + tanh(a / 2)) / 2. c_{t-1}
  is stored right after g, so f * c_{t-1} and i * g are one product of [i; f] and
  [g; c_{t-1}].
- Backward, in PyTorch's order i, f, g, o: every factor of dL/da_t that does not depend
  on the gradient is computed for all steps at once beforehand, leaving one matrix
  product and six elementwise operations a step.
- Arrays are allocated once per run and filled in place, and the parameter gradients
  are one matrix product, over steps and batch at once, with the forward's
  [x_t; 1; h_{t-1}].

It replaced a route through PyTorch's fused nn.LSTM for the forward pass: the fused
module returns only h_t, and rebuilding the gates and c_t from it cost more than this
whole forward loop.
"""

import numpy as np

# forward rows: o, i, f, g, then the c_{t-1} slot
_O, _I, _F, _G, _C = range(5)


def _block(array, k, H):
    return array[:, k * H:(k + 1) * H]


class LSTMRun:
    """One direction of an LSTM over x (B, T, I): forward now, backward when dL/dh_t through
    the outputs is known. hidden, caches and the gradients are batch-first views."""

    def __init__(self, params, x):
        B, T, I = x.shape
        H = params["weight_hh"].shape[1]
        dtype = x.dtype
        torch_rows = np.arange(4 * H).reshape(4, H)  # PyTorch's blocks i, f, g, o
        order = torch_rows[[3, 0, 1, 2]].ravel()     # as o, i, f, g
        scale = np.where(np.arange(4 * H) < 3 * H, 0.5, 1.0).astype(dtype)[:, None]
        bias = params["bias_ih"] + params["bias_hh"]
        # a_t = [W_x b W_h] [x_t; 1; h_{t-1}]: one product a step, bias included
        weights = np.concatenate([params["weight_ih"], bias[:, None], params["weight_hh"]],
                                 axis=1)[order] * scale
        inputs = np.empty((T + 1, I + 1 + H, B), dtype=dtype)  # [x_t; 1; h_{t-1}]
        inputs[:T, :I] = x.transpose(1, 2, 0)
        inputs[T, :I] = 0.0
        inputs[:, I] = 1.0
        inputs[0, I + 1:] = 0.0                                 # h_0 = 0
        steps = np.empty((T + 1, 5 * H, B), dtype=dtype)       # o, i, f, g, c_{t-1}
        steps[0, 4 * H:] = 0.0                                  # c_0 = 0
        tanh_c = np.empty((T, H, B), dtype=dtype)
        # dL/da_t's array, PyTorch's blocks i, f, g, o. Until backward() its blocks i, f hold
        # the forward's products i_t g_t and f_t c_{t-1}, which dL/da_t's factors reuse.
        grad_a = np.empty((T, 4 * H, B), dtype=dtype)
        mul, add, tanh, matmul = np.multiply, np.add, np.tanh, np.matmul
        for t in range(T):
            gates, sigmoids = steps[t, :4 * H], steps[t, :3 * H]
            matmul(weights, inputs[t], out=gates)
            tanh(gates, out=gates)
            mul(sigmoids, 0.5, out=sigmoids)
            add(sigmoids, 0.5, out=sigmoids)
            products = grad_a[t, :2 * H]
            mul(steps[t, H:3 * H], steps[t, 3 * H:], out=products)  # [i; f] * [g; c_{t-1}]
            c = steps[t + 1, 4 * H:]
            add(products[:H], products[H:], out=c)
            tanh(c, out=tanh_c[t])
            mul(steps[t, :H], tanh_c[t], out=inputs[t + 1, I + 1:])

        self._inputs, self._input_size, self._grad_a = inputs, I, grad_a
        self._backward_done = False
        self._weight_hh_t = np.ascontiguousarray(params["weight_hh"].T)
        self.hidden = inputs[1:, I + 1:].transpose(2, 0, 1)
        gate = {name: _block(steps[:T], k, H) for name, k in
                (("o", _O), ("i", _I), ("f", _F), ("g", _G), ("c_prev", _C))}
        gate["c"] = _block(steps[1:], _C, H)
        gate["tanh_c"] = tanh_c
        self._gate = gate
        self.caches = {name: value.transpose(2, 0, 1) for name, value in gate.items()}

    def backward(self, grad_h_direct):
        """grad_hidden (B, T, H) = total dL/dh_t, and dL/da_t (B, T, 4H) twice: the LSTM's
        two pre-activations W_x x_t + b_ih and W_h h_{t-1} + b_hh share one gradient.

        Per step, as lstm_step_backward:
            dL/dc_t = dL/dc_{t+1} f_{t+1} + dL/dh_t o_t (1 - tanh^2 c_t)
            dL/da_t = [dc g i(1-i), dc c_{t-1} f(1-f), dc i (1-g^2), dh tanh(c_t) o(1-o)]
            dL/dh_{t-1} = direct term + W_h^T dL/da_t

        Once per run: it turns the forward's products into dL/da_t in place.
        """
        if self._backward_done:
            raise RuntimeError("LSTMRun.backward() runs once per forward pass")
        self._backward_done = True
        k = self._gate
        i, f, g, o, tanh_c = (k[name] for name in ("i", "f", "g", "o", "tanh_c"))
        T, H, B = tanh_c.shape
        h = self._inputs[1:, self._input_size + 1:]
        grad_a = self._grad_a
        # dL/da_t's factors that do not depend on the gradient, for all steps at once, two
        # passes each: what dL/dc_t multiplies in the blocks i, f, g and dL/dh_t in block o.
        # The loop multiplies them by the gradient in place.
        ig, fc, g_part, o_part = (_block(grad_a, k, H) for k in range(4))
        np.multiply(ig, g, out=g_part)          # i (1 - g^2) = i - (i g) g
        np.subtract(i, g_part, out=g_part)
        for gate, part in ((i, ig), (f, fc)):   # i (1 - i) g, f (1 - f) c_{t-1}
            np.subtract(1.0, gate, out=o_part)
            part *= o_part
        np.subtract(1.0, o, out=o_part)         # o (1 - o) tanh(c_t) = (1 - o) h_t
        o_part *= h
        h_to_c = h * tanh_c                     # dc_t/dh_t's factor: o (1 - tanh^2 c_t)
        np.subtract(o, h_to_c, out=h_to_c)

        grad_hidden = np.ascontiguousarray(grad_h_direct.transpose(1, 2, 0))  # direct, then total
        through_c = grad_a[:, :3 * H].reshape(T, 3, H, B)
        grad_c = np.zeros((H, B), dtype=tanh_c.dtype)
        scratch = np.empty_like(grad_c)
        mul, add, matmul = np.multiply, np.add, np.matmul
        for t in range(T - 1, -1, -1):
            grad_h = grad_hidden[t]
            mul(grad_h, h_to_c[t], out=scratch)
            add(grad_c, scratch, out=grad_c)                        # dL/dc_t
            mul(through_c[t], grad_c, out=through_c[t])
            mul(grad_a[t, 3 * H:], grad_h, out=grad_a[t, 3 * H:])
            if t:
                mul(grad_c, f[t], out=grad_c)                       # what reaches c_{t-1}
                matmul(self._weight_hh_t, grad_a[t], out=scratch)
                add(grad_hidden[t - 1], scratch, out=grad_hidden[t - 1])
        grad_a = grad_a.transpose(2, 0, 1)
        return grad_hidden.transpose(2, 0, 1), grad_a, grad_a

    def param_grads(self):
        """The parameter gradients from the last backward(), summed over steps and batch:
        one product with the forward's [x_t; 1; h_{t-1}] gives [dL/dW_x, dL/db, dL/dW_h]."""
        T, I = self._grad_a.shape[0], self._input_size
        # one matrix product over (t, b) together: a product per step would be an outer
        # product when B = 1, as the pages' single sequences are, and many times slower
        summed = np.tensordot(self._grad_a, self._inputs[:T], axes=([0, 2], [0, 2]))
        bias = summed[:, I].copy()
        return {"weight_ih": summed[:, :I].copy(), "weight_hh": summed[:, I + 1:].copy(),
                "bias_ih": bias, "bias_hh": bias.copy()}
