"""rnnviz: an instrumented engine for recurrent networks, made for teaching.

    import rnnviz
    m = rnnviz.Model(cell="lstm", input_size=2, hidden_size=16, output_size=1)
    task = rnnviz.tasks.get("adding", seq_len=50)
    x, y = task.sample(8)
    tr = rnnviz.record(m, x, y, loss=task.loss, target=task.target)
    tr.grad_hidden_norm   # ||dL/dh_t|| for every sample and step
"""

from . import analysis, checkpoints, cliff, figures, model, tasks
from .generate import generate_text
from .model import Model
from .trace import Trace, record
from .train import History, train

__all__ = ["Model", "Trace", "History", "record", "train", "generate_text", "tasks", "analysis",
           "checkpoints", "cliff", "figures", "model"]
