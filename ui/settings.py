"""The table of every setting that defines a view, and how a link's text becomes a value.

One row per setting, as in TensorFlow Playground's state.ts: name (the URL key), type,
default and range. Parsing never raises: a bad value becomes the nearest valid one,
with a notice that says what happened. No Streamlit here, so it is tested directly.
"""

import math
import re
from dataclasses import dataclass, field

from rnnviz.cells import CELLS
from rnnviz.model import CELL_LABELS, cell_label


@dataclass(frozen=True)
class Setting:
    name: str                 # the query-parameter name
    label: str
    kind: str                 # "int", "float", "choice", "multi", "bool" or "numbers"
    default: object
    low: float | None = None
    high: float | None = None
    step: float | None = None
    choices: tuple = ()
    labels: dict = field(default_factory=dict)  # choice -> what the learner reads
    help: str = ""

    def show(self, value):
        return self.labels.get(value, str(value))

    def encode(self, value):
        """The value as it appears in a link."""
        if self.kind == "bool":
            return "1" if value else "0"
        if self.kind == "numbers":
            return ",".join(_short(v) for v in value)
        if self.kind == "multi":
            return ",".join(value)
        if self.kind == "float" or isinstance(value, float):
            return _short(value)
        return str(value)

    def parse(self, raw):
        """(value, notice): notice is None when `raw` was valid as it stood."""
        raw = str(raw).strip()
        if self.kind in ("int", "float"):
            return self._parse_number(raw)
        if self.kind == "choice":
            for choice in self.choices:
                if raw.lower() == self.encode(choice).lower() or _same_number(raw, choice):
                    return choice, None
            options = ", ".join(self.encode(c) for c in self.choices)
            return self.default, (f"{self.label}: “{quoted(raw)}” is not one of {options}; "
                                  f"using {self.show(self.default)}.")
        if self.kind == "multi":
            return self._parse_multi(raw)
        if self.kind == "bool":
            if raw.lower() in ("1", "true", "yes", "on"):
                return True, None
            if raw.lower() in ("0", "false", "no", "off"):
                return False, None
            return self.default, (f"{self.label}: “{quoted(raw)}” is not on or off; "
                                  f"using {'on' if self.default else 'off'}.")
        return self._parse_numbers(raw)

    def _parse_number(self, raw):
        try:
            number = float(raw)
        except ValueError:
            return self.default, (f"{self.label}: “{quoted(raw)}” is not a number; "
                                  f"using the default {self.default}.")
        if math.isnan(number):
            return self.default, f"{self.label}: NaN is not a number; using the default {self.default}."
        value = min(max(number, self.low), self.high)
        if self.kind == "int":
            value = int(round(value))
        notice = None
        if value != number:
            where = ("below the minimum" if number < self.low else
                     "above the maximum" if number > self.high else "not a whole number")
            notice = f"{self.label}: {quoted(raw)} is {where}; using {value}."
        return value, notice

    def _parse_multi(self, raw):
        wanted = [part.strip().lower() for part in raw.split(",") if part.strip()]
        chosen = tuple(c for c in self.choices if c.lower() in wanted)
        unknown = [w for w in wanted if w not in [c.lower() for c in self.choices]]
        if not chosen:
            return self.default, (f"{self.label}: “{quoted(raw)}” names none of "
                                  f"{', '.join(self.choices)}; using {self.encode(self.default)}.")
        if unknown:
            return chosen, (f"{self.label}: left out {quoted(', '.join(unknown))}, "
                            f"which {'is' if len(unknown) == 1 else 'are'} not one of {', '.join(self.choices)}.")
        return chosen, None

    def _parse_numbers(self, raw):
        parts = [p for p in raw.replace(";", ",").replace(" ", ",").split(",") if p]
        values = []
        for part in parts:
            try:
                number = float(part)
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                return self.default, (f"{self.label}: “{quoted(part)}” is not a number; "
                                      f"using {self.encode(self.default)}.")
            values.append(number)
        if not 2 <= len(values) <= self.high:
            return self.default, (f"{self.label}: give between 2 and {int(self.high)} numbers "
                                  f"(got {len(values)}); using {self.encode(self.default)}.")
        limit = self.low
        if any(abs(v) > limit for v in values):
            clamped = tuple(min(max(v, -limit), limit) for v in values)
            return clamped, f"{self.label}: numbers are kept within ±{_short(limit)}."
        return tuple(values), None


def _same_number(raw, choice):
    if isinstance(choice, str):
        return False
    try:
        return float(raw) == choice
    except ValueError:
        return False


def _short(number):
    return f"{number:g}"


_MARKDOWN = re.compile(r"([\\`*_\[\]()<>{}$~:|#&!])")


def quoted(text, limit=40):
    """A learner's text inside a notice, which the page renders as Markdown: shortened, on
    one line, its Markdown characters escaped so a link cannot draw an image (fetched from
    another host), a formula or an icon on the page."""
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[:limit] + "…"
    return _MARKDOWN.sub(r"\\\1", text)


# What a link carries besides the settings: presenter flags and the class poll's room, and,
LINK_FLAGS = ("present", "show", "room")

# the hidden-state and unrolled pages' switch between a fixed colour scale and one fitted
FIT_COLOURS = Setting("fit", "Fit the colours to these values", "bool", False,
                      help="Off: one colour scale for every setting, so colours compare between "
                           "settings. On: the scale spans just the values shown, to see small differences.")
SEED = Setting("seed", "Seed", "int", 0, 0, 9999, 1,
               help="Every random draw (weights, data) comes from this seed: "
                    "the same seed draws the same figure.")

PAGES = {
    "hidden": (
        Setting("numbers", "Input sequence", "numbers", (1.0, 2.0, 3.0, 4.0), low=100, high=12,
                help="2 to 12 numbers separated by commas, each between -100 and 100."),
        Setting("H", "Hidden size", "int", 3, 2, 8, 1),
        Setting("act", "Activation f", "choice", "tanh", choices=("tanh", "relu"),
                labels={"tanh": "tanh", "relu": "ReLU"}),
        Setting("scale", "Weight scale", "float", 1.0, 0.1, 3.0, 0.1,
                help="Multiplies W_x and W_h: small weights keep h_t small, large ones saturate tanh."),
        Setting("t", "Time step t", "int", 3, 1, 12, 1),
        FIT_COLOURS,
    ),
    "unrolled": (
        Setting("T", "Sequence length T", "int", 12, 2, 30, 1),
        Setting("H", "Hidden size", "int", 3, 1, 8, 1),
        Setting("act", "Activation f", "choice", "tanh", choices=("tanh", "relu"),
                labels={"tanh": "tanh", "relu": "ReLU"}),
        Setting("radius", "Spectral radius of W_h", "float", 1.0, 0.1, 3.0, 0.1),
        Setting("back", "Backward pass at step t", "int", 12, 1, 30, 1,
                help="Walk the backward pass from t = T down to t = 1."),
        Setting("k", "Truncation window k", "int", 4, 1, 30, 1,
                help="Truncated BPTT: the gradient flows back at most k steps."),
        FIT_COLOURS,
    ),
    "vanishing": (
        Setting("T", "Sequence length T", "int", 50, 2, 500, 1),
        Setting("cell", "Cell", "choice", "rnn_tanh", choices=tuple(CELL_LABELS), labels=CELL_LABELS),
        Setting("radius", "Spectral radius of W_h", "float", 0.9, 0.1, 3.0, 0.05,
                help="Every H x H block of W_h is rescaled to this spectral radius."),
        Setting("init", "W_h drawn", "choice", "orthogonal", choices=("orthogonal", "default"),
                labels={"orthogonal": "orthogonal", "default": "uniform (PyTorch's)"},
                help="An orthogonal W_h scaled to radius ρ has every singular value equal to ρ, "
                     "so σ_max = ρ; PyTorch's uniform draw has σ_max well above ρ."),
        Setting("H", "Hidden size", "int", 32, 2, 128, 1),
        Setting("fbias", "LSTM forget-gate bias", "float", 3.0, -3.0, 5.0, 0.5,
                help="b_f: sigmoid(b_f) is how open the forget gate starts."),
        Setting("clip", "Clipping", "choice", "norm", choices=("none", "norm", "value"),
                labels={"none": "none", "norm": "by norm", "value": "by value"}),
        Setting("c", "Clipping threshold", "float", 1.0, 0.01, 100.0, 0.01),
        Setting("lr", "Learning rate (SGD)", "float", 0.5, 0.01, 5.0, 0.01),
    ),
    "lab": (
        Setting("task", "Task", "choice", "adding", choices=("count", "sine", "adding", "copy", "text")),
        Setting("cells", "Cells to train", "multi", ("rnn_tanh", "lstm"), choices=tuple(CELL_LABELS),
                labels=CELL_LABELS),
        Setting("bi", "Bidirectional", "bool", False,
                help="Also read the sequence backwards: fair only for tasks answered at the end."),
        Setting("H", "Hidden size", "int", 32, 2, 128, 1),
        Setting("T", "Sequence length T", "int", 50, 2, 200, 1),
        Setting("lr", "Learning rate", "choice", 0.03,
                choices=(0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 100.0)),
        Setting("opt", "Optimizer", "choice", "adam", choices=("adam", "sgd"),
                labels={"adam": "Adam", "sgd": "SGD"}),
        Setting("clip", "Clipping", "choice", "norm", choices=("none", "norm", "value"),
                labels={"none": "none", "norm": "by norm", "value": "by value"}),
        Setting("c", "Clipping threshold", "float", 1.0, 0.01, 100.0, 0.01),
        Setting("k", "Truncated BPTT window (0 = off)", "int", 0, 0, 200, 1),
        Setting("drop", "Dropout before the output layer", "float", 0.0, 0.0, 0.9, 0.05),
        Setting("steps", "Training steps", "int", 1200, 10, 2000, 10),
        Setting("sweep_cell", "Cell", "choice", "lstm", choices=tuple(CELLS),
                labels={cell: cell_label(cell) for cell in CELLS}),
        Setting("sweep_task", "Task", "choice", "adding", choices=("adding", "copy")),
        Setting("sweep_lag", "Lag", "choice", 20, choices=(5, 10, 20, 50, 100)),
    ),
    "cliff": (
        Setting("w0", "Start w", "float", 5.2, -2.0, 16.0, 0.1),
        Setting("b0", "Start b", "float", -2.6, -10.0, 2.0, 0.1),
        Setting("lr", "Learning rate", "float", 0.2, 0.01, 5.0, 0.01),
        Setting("c", "Clipping threshold (norm)", "float", 1.0, 0.05, 20.0, 0.05),
        Setting("iters", "Gradient steps", "int", 200, 10, 1000, 10),
        Setting("step", "Step along the paths", "int", 0, 0, 1000, 1,
                help="Follow both paths one gradient step at a time: the rings on the map and "
                     "the numbers under it are at this step."),
        Setting("map", "Map", "choice", "paths", choices=("paths", "whole"),
                labels={"paths": "around the paths", "whole": "the whole surface"}),
    ),
    "gates": (
        Setting("cell", "Cell", "choice", "lstm", choices=("lstm", "gru"),
                labels={"lstm": "LSTM", "gru": "GRU"}),
        Setting("task", "Task", "choice", "adding", choices=("adding", "copy"),
                labels={"adding": "adding problem", "copy": "copy a symbol"}),
        Setting("T", "Sequence length T", "int", 20, 5, 60, 1),
        Setting("sample", "Sample", "int", 0, 0, 7, 1),
        Setting("weights", "Weights", "choice", "trained", choices=("trained", "untrained"),
                labels={"trained": "trained", "untrained": "before training"},
                help="The same cell on the same sequence, after training or with the weights it started from."),
        Setting("t", "Time step t", "int", 1, 1, 60, 1),
        Setting("unit", "Hidden unit", "int", 1, 1, 8, 1),
    ),
    "check": (
        Setting("phase", "Which check", "choice", "before", choices=("before", "after", "results"),
                labels={"before": "before the course", "after": "after the course", "results": "the gain"}),
    ),
}


def link_values(page, query):
    """Every setting of `page`, the seed among them, as a link with `query` ({name: text}) sets
    it: the link's value, clamped, or the default where the link is silent."""
    return {setting.name: setting.parse(query[setting.name])[0] if setting.name in query else setting.default
            for setting in (SEED,) + PAGES[page]}


def defaults(page):
    """Every setting of `page` at the value the course starts from, the seed among them."""
    return {setting.name: setting.default for setting in (SEED,) + PAGES[page]}
