"""Trained networks that ship with rnnviz, so a page shows a network that solves its task
the moment it opens instead of training one on page load.

    python -m rnnviz checkpoints      # remakes rnnviz/data/checkpoints.npz (~1 min)
    model = rnnviz.checkpoints.load("lstm", "adding")

Each checkpoint is a small cell (RECIPE) trained from seed 0 on sequences whose length is
drawn anew for every batch from LENGTHS, so one network serves every T the gates page
offers. `score()` measures it on held-out sequences against the best constant answer.
"""

import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from . import tasks
from .cells import CELLS as CELL_SPECS
from .model import LSTM_FORGET_BIAS, Model

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "checkpoints.npz"
CELLS = tuple(CELL_SPECS)
TASKS = ("adding", "copy")
LENGTHS = (5, 60)  # the gates page's range of T
RECIPE = dict(hidden_size=8, steps=3000, lr=1e-2, optimizer="adam", clip=("norm", 1.0),
              batch_size=32, seed=0)
HELD_OUT_SEED = 10_000  # held-out sequences: a generator no training batch comes from


def mixed_length(task_name, low=LENGTHS[0], high=LENGTHS[1]):
    """The task with each batch's length drawn from low..high (by the batch's generator)."""
    base = tasks.get(task_name, seq_len=high)

    def sample(batch_size, _seq_len, generator):
        length = low + int(torch.randint(0, high - low + 1, (1,), generator=generator))
        return base._sample(batch_size, length, generator)

    return replace(base, _sample=sample)


def untrained(cell, task_name):
    """The network a checkpoint started from: same cell, same seed, before any training."""
    task = tasks.get(task_name, seq_len=LENGTHS[1])
    return Model(cell, task.input_size, RECIPE["hidden_size"], task.output_size, seed=RECIPE["seed"],
                 forget_bias=LSTM_FORGET_BIAS if cell == "lstm" else None)


def train_one(cell, task_name):
    from .train import train

    model = untrained(cell, task_name)
    train(model, mixed_length(task_name), steps=RECIPE["steps"], lr=RECIPE["lr"],
          optimizer=RECIPE["optimizer"], clip=RECIPE["clip"], batch_size=RECIPE["batch_size"],
          seed=RECIPE["seed"])
    return model


def score(model, task_name, seq_len, batch_size=512):
    """Held-out metric at this length, and the best constant answer's: (accuracy, chance) for
    copy; (MSE, MSE of always answering the mean sum 1.0) for adding."""
    task = tasks.get(task_name, seq_len=seq_len)
    x, y = task.sample(batch_size, torch.Generator().manual_seed(HELD_OUT_SEED + seq_len))
    with torch.no_grad():
        module, head = model.to_torch()
        features = module(x.to(model.dtype))[0][:, -1]
        outputs = head(features)
    if task.loss == "ce":
        return float((outputs.argmax(-1) == y).float().mean()), 1.0 / task.output_size
    return float(((outputs - y) ** 2).mean()), float(((y - 1.0) ** 2).mean())


def make(path=DEFAULT_PATH):
    """Train every checkpoint and write them, with their recipe and scores, to one .npz."""
    import io

    from .export import write_atomic

    arrays, scores = {}, {}
    for task_name in TASKS:
        for cell in CELLS:
            model = train_one(cell, task_name)
            for name, value in model.numpy_params().items():
                arrays[f"{cell}/{task_name}/{name}"] = value
            scores[f"{cell}/{task_name}"] = {T: score(model, task_name, T) for T in (5, 20, 60)}
    meta = {"recipe": {**RECIPE, "clip": list(RECIPE["clip"]), "lengths": list(LENGTHS),
                       "lstm_forget_bias": LSTM_FORGET_BIAS},
            "scores": scores, "made_by": "rnnviz checkpoints"}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, meta=np.array(json.dumps(meta)), **arrays)
    write_atomic(Path(path), buffer.getvalue())
    return meta


@lru_cache(maxsize=4)
def _stored(path):
    with np.load(path) as data:
        return {name: data[name] for name in data.files}


def available(path=DEFAULT_PATH):
    return Path(path).exists()


def meta(path=DEFAULT_PATH):
    return json.loads(str(_stored(str(path))["meta"]))


def load(cell, task_name, path=DEFAULT_PATH):
    """A fresh Model holding the shipped weights of `cell` trained on `task_name`."""
    stored = _stored(str(path))
    model = untrained(cell, task_name)
    prefix = f"{cell}/{task_name}/"
    model.params = {name: torch.from_numpy(stored[prefix + name].copy()) for name in model.params}
    return model
