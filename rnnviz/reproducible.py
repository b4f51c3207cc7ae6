"""Trainings that give the same last digits on every x86-64 processor.

PyTorch picks its CPU kernels when it starts, by what the processor offers (ATen's AVX-512,
AVX2 or plain code), and so does MKL, its matrix library; each adds up in its own order. One
training step differs in the last bit only, but a training run is chaotic: a few hundred
steps later the difference can decide whether a seed solves its task. So by default a run is
bit-identical on one type of processor only.

Started with ENV, a process uses the portable path of both, ATen's plain kernels and MKL's
conditional numerical reproducibility in its COMPATIBLE mode, which give the same numbers on
any x86-64 processor (at the same thread count: one, here). rnnviz's training workers start
so, and so do the commands that make the shipped files (`rnnviz lag-sweep`, `rnnviz
checkpoints`), so a class spread over boxes with different processors shares one truth and a
live re-run equals what ships. It costs about a tenth more time at these sizes (the networks
are small: most of a step is Python and kernel launches, not arithmetic). ARM machines take
other kernels again: there, the same statistics over seeds, not the same last digits.

Both variables are read once, when the library first computes, so they must be in the
environment before torch does any work: set them for a process that is yet to start.
"""

import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context

ENV = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE"}


def active():
    """Whether this process runs the portable kernels (torch was started with ENV)."""
    import torch

    return (torch.backends.cpu.get_cpu_capability() == "DEFAULT"
            and os.environ.get("MKL_CBWR") == ENV["MKL_CBWR"])


@contextmanager
def process_pool(workers):
    """A pool of new processes that run the portable kernels, whatever this one runs."""
    earlier = {name: os.environ.get(name) for name in ENV}
    os.environ.update(ENV)  # what a process started now inherits
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            yield pool
    finally:
        for name, value in earlier.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
