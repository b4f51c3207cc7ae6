"""Model: a one-layer recurrent network with a linear head, parameters in PyTorch's layout."""

import math

import torch

from .cells import CELLS

INITS = ("default", "orthogonal", "identity")

# The one table of the cells a learner can pick: choice -> (cell, nonlinearity, label, colour).
# The colours are Okabe & Ito's, told apart with every common colour-vision deficiency.
CELL_CHOICES = {
    "rnn_tanh": ("rnn", "tanh", "RNN (tanh)", "#D55E00"),
    "rnn_relu": ("rnn", "relu", "RNN (ReLU)", "#CC79A7"),
    "lstm": ("lstm", "tanh", "LSTM", "#0072B2"),
    "gru": ("gru", "tanh", "GRU", "#009E73"),
}
CELL_LABELS = {choice: label for choice, (_, _, label, _) in CELL_CHOICES.items()}
CELL_COLOURS = {choice: colour for choice, (_, _, _, colour) in CELL_CHOICES.items()}


def cell_label(cell, nonlinearity="tanh"):
    """What a learner reads for a cell kind ("rnn", "lstm", "gru"): "RNN (tanh)", "LSTM", ..."""
    return next(label for kind, nl, label, _ in CELL_CHOICES.values()
                if kind == cell and nl == (nonlinearity if cell == "rnn" else "tanh"))

# The LSTM's forget-gate bias wherever rnnviz trains one (lab, lag sweep, checkpoints): +1,
# so the forget gate starts mostly open (f_t near 0.73), the common choice of Jozefowicz,
# Zaremba & Sutskever (2015).
LSTM_FORGET_BIAS = 1.0


class Model:
    """A recurrent cell (one layer, optionally bidirectional) followed by a linear head.

    Parameters live in `params`, a dict of torch tensors named as in torch.nn.RNN /
    LSTM / GRU with the layer suffix dropped (weight_ih, weight_hh, bias_ih, bias_hh,
    and *_reverse for the backward direction) plus head.weight and head.bias. The head
    maps the hidden state (both directions concatenated) to the output: y_t = W_y h_t + b_y.

    Initialisation, all drawn from a torch.Generator seeded with `seed`:
      init="default"     PyTorch's: every cell weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))
      init="orthogonal"  each H x H block of W_h a random orthogonal matrix
      init="identity"    W_h blocks = I and cell biases 0 (IRNN, Le et al. 2015)
      weight_scale       multiplies W_x and W_h after init
      spectral_radius    rescales each H x H block of W_h to this spectral radius
      forget_bias        LSTM only: b_f (bias_ih + bias_hh of the f block) set to this value
    """

    def __init__(self, cell="rnn", input_size=1, hidden_size=8, output_size=1,
                 nonlinearity="tanh", bidirectional=False, seed=0, dtype=torch.float32,
                 init="default", weight_scale=1.0, spectral_radius=None, forget_bias=None):
        if cell not in CELLS:
            raise ValueError(f"unknown cell {cell!r}: choose one of {', '.join(CELLS)}")
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        if init not in INITS:
            raise ValueError(f"unknown init {init!r}: choose one of {', '.join(INITS)}")
        for name, size in (("input_size", input_size), ("hidden_size", hidden_size),
                           ("output_size", output_size)):
            if int(size) != size or size < 1:
                raise ValueError(f"{name} must be a positive integer, got {size!r}")
        if forget_bias is not None and cell != "lstm":
            raise ValueError("forget_bias applies to the LSTM only")
        self.cell = cell
        self.input_size = int(input_size)
        self.hidden_size = int(hidden_size)
        self.output_size = int(output_size)
        self.nonlinearity = nonlinearity if cell == "rnn" else "tanh"
        self.bidirectional = bool(bidirectional)
        self.seed = seed
        self.dtype = dtype
        self.params = self._init_params(init, weight_scale, spectral_radius, forget_bias)

    @classmethod
    def from_choice(cls, choice, input_size, hidden_size, output_size, forget_bias=None, **kwargs):
        """A Model for one of CELL_CHOICES ("rnn_tanh", "rnn_relu", "lstm", "gru");
        forget_bias applies to the LSTM and is ignored for the other cells."""
        if choice not in CELL_CHOICES:
            raise ValueError(f"unknown cell choice {choice!r}: choose one of {', '.join(CELL_CHOICES)}")
        cell, nonlinearity, _, _ = CELL_CHOICES[choice]
        return cls(cell, input_size, hidden_size, output_size, nonlinearity=nonlinearity,
                   forget_bias=forget_bias if cell == "lstm" else None, **kwargs)

    @property
    def n_gates(self):
        return CELLS[self.cell].n_gates

    @property
    def directions(self):
        return ("", "_reverse") if self.bidirectional else ("",)

    def _init_params(self, init, weight_scale, spectral_radius, forget_bias):
        gen = torch.Generator().manual_seed(int(self.seed))
        H, G, I = self.hidden_size, self.n_gates, self.input_size

        def uniform(shape, bound):
            return (torch.rand(shape, generator=gen, dtype=torch.float64) * 2 - 1) * bound

        params = {}
        for suffix in self.directions:
            bound = 1.0 / math.sqrt(H)
            w_ih = uniform((G * H, I), bound)
            w_hh = uniform((G * H, H), bound)
            b_ih, b_hh = uniform((G * H,), bound), uniform((G * H,), bound)
            if init == "orthogonal":
                w_hh = torch.cat([_orthogonal(H, gen) for _ in range(G)])
            elif init == "identity":
                w_hh = torch.eye(H, dtype=torch.float64).repeat(G, 1)
                b_ih.zero_()
                b_hh.zero_()
            w_ih, w_hh = w_ih * weight_scale, w_hh * weight_scale
            if spectral_radius is not None:
                w_hh = torch.cat([_with_spectral_radius(block, spectral_radius)
                                  for block in w_hh.split(H)])
            if forget_bias is not None:
                b_ih[H:2 * H] = forget_bias
                b_hh[H:2 * H] = 0.0
            params.update({f"weight_ih{suffix}": w_ih, f"weight_hh{suffix}": w_hh,
                           f"bias_ih{suffix}": b_ih, f"bias_hh{suffix}": b_hh})
        features = H * len(self.directions)
        head_bound = 1.0 / math.sqrt(features)  # nn.Linear's default
        params["head.weight"] = uniform((self.output_size, features), head_bound)
        params["head.bias"] = uniform((self.output_size,), head_bound)
        return {name: value.to(self.dtype) for name, value in params.items()}

    def load_torch(self, module, head=None):
        """Copy weights from a one-layer torch.nn.RNN / LSTM / GRU (batch_first=True)
        and, if given, an nn.Linear head."""
        kind = {torch.nn.RNN: "rnn", torch.nn.LSTM: "lstm", torch.nn.GRU: "gru"}.get(type(module))
        if kind != self.cell:
            raise ValueError(f"this model is a {self.cell!r} cell; got {type(module).__name__}")
        if module.num_layers != 1 or not module.batch_first or module.hidden_size != self.hidden_size \
                or module.input_size != self.input_size or module.bidirectional != self.bidirectional \
                or getattr(module, "proj_size", 0):
            raise ValueError("the module must be one layer, batch_first, with this model's "
                             "input size, hidden size and directions, and no projection")
        if kind == "rnn" and module.nonlinearity != self.nonlinearity:
            raise ValueError(f"the module's nonlinearity is {module.nonlinearity!r}, "
                             f"this model's is {self.nonlinearity!r}")
        with torch.no_grad():
            for suffix in self.directions:
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    source = getattr(module, f"{name}_l0{suffix}")
                    self.params[f"{name}{suffix}"] = source.detach().clone().to(self.dtype)
            if head is not None:
                if tuple(head.weight.shape) != tuple(self.params["head.weight"].shape):
                    raise ValueError(f"the head must be nn.Linear({head.weight.shape[1]}, "
                                     f"{head.weight.shape[0]}) shaped like this model's")
                self.params["head.weight"] = head.weight.detach().clone().to(self.dtype)
                self.params["head.bias"] = head.bias.detach().clone().to(self.dtype)
        return self

    def to_torch(self):
        """A fused torch module and head holding copies of these parameters."""
        kinds = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}
        kwargs = {"nonlinearity": self.nonlinearity} if self.cell == "rnn" else {}
        module = kinds[self.cell](self.input_size, self.hidden_size, batch_first=True,
                                  bidirectional=self.bidirectional, dtype=self.dtype, **kwargs)
        head = torch.nn.Linear(self.hidden_size * len(self.directions), self.output_size,
                               dtype=self.dtype)
        self.copy_to_torch(module, head)
        return module, head

    def copy_to_torch(self, module, head):
        with torch.no_grad():
            for suffix in self.directions:
                for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(module, f"{name}_l0{suffix}").copy_(self.params[f"{name}{suffix}"])
            head.weight.copy_(self.params["head.weight"])
            head.bias.copy_(self.params["head.bias"])

    def numpy_params(self):
        return {name: value.detach().cpu().numpy() for name, value in self.params.items()}

    def __repr__(self):
        kind = f"{self.cell}({self.nonlinearity})" if self.cell == "rnn" else self.cell
        bi = ", bidirectional" if self.bidirectional else ""
        return (f"Model({kind}, input={self.input_size}, hidden={self.hidden_size}, "
                f"output={self.output_size}{bi}, seed={self.seed})")


def _orthogonal(n, gen):
    q, r = torch.linalg.qr(torch.randn((n, n), generator=gen, dtype=torch.float64))
    return q * torch.sign(torch.diagonal(r))  # sign fix makes the draw uniform (Haar)


def _with_spectral_radius(matrix, radius):
    current = torch.linalg.eigvals(matrix).abs().max()
    if current == 0:
        return matrix
    return matrix * (radius / current)
