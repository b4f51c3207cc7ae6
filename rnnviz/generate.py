"""Let a model trained on the "text" task write, one sampled character at a time."""

import numpy as np

from . import tasks
from .cells import CELLS


def generate_text(model, prompt, length=200, temperature=0.8, seed=0):
    """Feed `prompt` (characters of the shipped corpus), then sample `length` characters.

    Each step: h_t = cell(x_t, h_{t-1}), p = softmax(W_y h_t / temperature), and the
    sampled character becomes x_{t+1}. Same seed, same text.
    """
    if model.bidirectional:
        raise ValueError("a bidirectional model reads the future, so it cannot write")
    vocabulary = tasks.vocabulary()
    unknown = sorted(set(prompt) - set(vocabulary))
    if not prompt or unknown:
        raise ValueError("the prompt must be non-empty and use only the corpus's characters"
                         + (f"; not {''.join(unknown)!r}" if unknown else ""))
    if not 0 < temperature <= 10:
        raise ValueError(f"temperature must be in (0, 10], got {temperature!r}")
    p = model.numpy_params()
    spec = CELLS[model.cell]
    state = tuple(np.zeros((1, model.hidden_size), p["weight_hh"].dtype)
                  for _ in range(spec.state_size))
    eye = np.eye(len(vocabulary), dtype=p["weight_hh"].dtype)
    rng = np.random.default_rng(seed)
    code = None
    written = []
    for step in range(len(prompt) + length - 1):
        code = tasks.encode(prompt[step]).item() if step < len(prompt) else code
        state, _ = spec.step(eye[code][None], state, p, model.nonlinearity)
        if step >= len(prompt) - 1:
            logits = (state[0] @ p["head.weight"].T + p["head.bias"])[0] / temperature
            probabilities = np.exp(logits - logits.max())
            code = int(rng.choice(len(vocabulary), p=probabilities / probabilities.sum()))
            written.append(vocabulary[code])
    return "".join(written)
