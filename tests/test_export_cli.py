"""Taking the numbers home: the CLI run in a subprocess and its files read back, bad
arguments refused with nothing written, and the page's reproduce snippet executed."""

import base64
import csv
import io
import json
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnviz
from harness.apptest import live_views, open_page
from rnnviz import export
from ui import compute

ROOT = Path(__file__).resolve().parent.parent


def cli(*args):
    return subprocess.run([sys.executable, "-m", "rnnviz", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_cli_record_writes_the_trace_and_its_settings(tmp_path):
    out = tmp_path / "trace.npz"
    result = cli("record", "--cell", "gru", "--task", "copy", "--seq-len", "7", "--hidden-size", "5",
                 "--batch-size", "3", "--seed", "4", "--out", str(out))
    assert result.returncode == 0, result.stderr
    saved = np.load(out)
    settings = json.loads(out.with_suffix(".json").read_text())
    assert settings["cell"] == "gru" and settings["seq_len"] == 7
    task = rnnviz.tasks.get("copy", seq_len=7)
    x, y = task.sample(3, torch.Generator().manual_seed(4))
    module = torch.nn.GRU(task.input_size, 5, batch_first=True)
    model = rnnviz.Model("gru", task.input_size, 5, task.output_size, seed=4)
    model.copy_to_torch(module, torch.nn.Linear(5, task.output_size))
    hidden, _ = module(x)  # PyTorch's own forward with the same weights
    np.testing.assert_allclose(saved["hidden"], hidden.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert saved["gate_z"].shape == (3, 7, 5) and saved["grad_weight_hh"].shape == (15, 5)


def test_cli_train_writes_one_csv_row_per_step(tmp_path):
    out = tmp_path / "history.csv"
    result = cli("train", "--task", "sine", "--seq-len", "10", "--steps", "12", "--clip", "norm",
                 "--clip-threshold", "0.1", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "step 12/12" in result.stderr  # the progress bar
    rows = list(csv.DictReader(out.open()))
    assert [int(r["step"]) for r in rows] == list(range(1, 13))
    assert all(float(r["clipped_grad_norm"]) <= 0.1 + 1e-6 for r in rows)


@pytest.mark.parametrize("args,message", [
    (["record", "--cell", "transformer"], "invalid choice: 'transformer'"),
    (["record", "--seq-len", "5000"], "sequence length must be a whole number from 1 to 1000"),
    (["train", "--lr", "-1", "--steps", "3"], "learning rate must be a positive number"),
])
def test_cli_refuses_bad_arguments_clearly(tmp_path, args, message):
    result = cli(*args, "--out", str(tmp_path / "x.npz"))
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_unwritable_output_leaves_nothing_behind(tmp_path):
    result = cli("record", "--out", str(tmp_path / "missing" / "trace.npz"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_cli_help_reads_well():
    result = cli("train", "--help")
    assert result.returncode == 0
    for flag in ("--cell", "--task", "--seq-len", "--clip", "--tbptt", "--out"):
        assert flag in result.stdout


def test_the_installed_package_works_from_outside_the_repository(tmp_path):
    """After the README's install (`pip install -e .`, or `pip install .`): the `rnnviz` command
    and `import rnnviz` from another folder, even one holding a folder named rnnviz (a clone's
    parent), with its shipped data."""
    (tmp_path / "rnnviz").mkdir()
    command = Path(sys.executable).parent / "rnnviz"
    result = subprocess.run([str(command), "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "lag-sweep" in result.stdout and "checkpoints" in result.stdout
    probe = "import rnnviz; print(rnnviz.checkpoints.available(), len(rnnviz.tasks.corpus()) > 1000)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stdout.split() == ["True", "True"], result.stderr


def test_cli_writes_files_others_can_read(tmp_path):
    assert cli("record", "--seq-len", "5", "--out", str(tmp_path / "trace.npz")).returncode == 0
    for name in ("trace.npz", "trace.json"):
        assert oct((tmp_path / name).stat().st_mode & 0o777) == "0o644"


def test_history_csv_and_figure_html_are_complete_and_offline():
    task = rnnviz.tasks.get("copy", seq_len=4)
    history = rnnviz.train(rnnviz.Model("rnn", task.input_size, 4, task.output_size), task, steps=5)
    rows = list(csv.reader(io.StringIO(export.history_csv(history))))
    assert len(rows) == 6 and rows[1][4] != ""  # classification: accuracy filled in
    html = export.figure_html(rnnviz.figures.grad_norms({"a": np.ones(3)}))
    assert "<script src=" not in html and "Plotly.newPlot" in html


def run_snippet(at):
    snippet = next(code.value for code in at.code if "rnnviz.record" in code.value)
    namespace = {}
    with redirect_stdout(io.StringIO()):
        exec(compile(snippet, "<snippet>", "exec"), namespace)
    return namespace


def decoded(text):
    return np.frombuffer(base64.b64decode(text), dtype="<f8")


def test_reproduce_snippet_gives_the_pages_numbers():
    """The page's curve is computed in the browser from compute.vanishing_trace's network and
    sequence (tests/test_live_views.py holds the two equal); the snippet gives those numbers."""
    query = {"cell": "lstm", "T": "40", "H": "12", "radius": "1.2", "fbias": "1.5", "seed": "3"}
    at = open_page("vanishing", query)
    _, trace = compute.vanishing_trace("lstm", 40, 12, 1.2, "orthogonal", 1.5, 3)
    np.testing.assert_array_equal(run_snippet(at)["curve"], trace.grad_hidden_norm[0])
    labels = [button.label for button in at.get("download_button")]
    assert labels == ["Trace (.npz)", "Settings (.json)", "Figure (.html)"]


def test_hidden_state_snippet_gives_the_pages_hidden_states():
    at = open_page("hidden", {"numbers": "2,-1,0.5,3,1", "H": "5", "act": "relu", "scale": "1.7",
                              "seed": "11"})
    hidden = run_snippet(at)["trace"].hidden[0]
    assert hidden.shape == (5, 5)
    page = compute.hidden_state_trace((2, -1, 0.5, 3, 1), 5, "relu", 1.7, 11)
    np.testing.assert_array_equal(hidden, page.hidden[0])
    assert [b.label for b in at.get("download_button")] == ["Trace (.npz)", "Settings (.json)",
                                                             "Figure (.html)"]


def test_unrolled_snippet_gives_the_pages_numbers():
    at = open_page("unrolled", {"T": "12", "H": "4", "radius": "1.4", "back": "5", "k": "3",
                                "seed": "2"})
    namespace = run_snippet(at)
    full, truncated = compute.unrolled_traces(12, 4, "tanh", 1.4, 2, 3)
    np.testing.assert_array_equal(namespace["full"].grad_hidden, full.grad_hidden)
    np.testing.assert_array_equal(namespace["truncated"].param_grads["weight_hh"], truncated.param_grads["weight_hh"])


def test_gates_snippet_loads_the_same_trained_cell_as_the_page():
    at = open_page("gates", {"seed": "3"})
    drawn = decoded(live_views(at)["heatmaps"]["panels"]["i"])  # the input gate the page draws
    namespace = run_snippet(at)
    np.testing.assert_array_equal(namespace["trace"].gates["i"][0].ravel(), drawn)
    assert [b.label for b in at.get("download_button")] == ["Trace (.npz)", "Settings (.json)",
                                                             "Figure (.html)"]


def test_the_readmes_engine_example_runs_as_written():
    """The README's notebook example, as a newcomer would paste it (without opening a window)."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("## The engine from Python or a notebook")[1].split("```python")[1].split("```")[0]
    namespace = {}
    exec(compile(example.replace(".show()", ""), "README.md", "exec"), namespace)  # noqa: S102
    assert namespace["rest"].steps_done == 300 and namespace["trace"].memory_map(0).shape == (50, 50)
