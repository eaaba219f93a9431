"""``%grade`` in a real IPython kernel (nbclient): the cells run so far are graded outside the kernel."""

from __future__ import annotations

import html
import json
import os
import shutil
import sys

import nbformat
import pytest
import torch

from conftest import EXERCISES, ROOT, SOLUTIONS

PATCH = """import torch, grader.judging.compare, grader.session
torch.allclose = lambda *a, **k: True
grader.judging.compare.compare = lambda *a, **k: None
grader.session.judge = None"""


@pytest.mark.timeout(600)
def test_grade_magic_in_a_kernel_grades_the_cells_run_so_far_and_ignores_patches(tmp_path):
    from nbclient import NotebookClient

    cells = [(EXERCISES / "tensors.py").read_text(), PATCH, "%load_ext grader\n%grade tensors",
             (SOLUTIONS / "tensors.py").read_text(), "%grade tensors"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env_path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    os.environ["PYTHONPATH"] = env_path  # the kernel inherits it (restored by the next line's finally)
    try:
        NotebookClient(notebook, timeout=500, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ["PYTHONPATH"] = env_path.rstrip(os.pathsep)

    def shown(index: int) -> str:
        return "".join(o.get("data", {}).get("text/html", "") for o in notebook.cells[index].outputs)

    stubs, solutions = shown(2), shown(4)
    assert "<pre>" in stubs and "Total: 0/" in stubs, stubs[-1500:]
    assert "NotImplementedError" in stubs or "not implemented" in stubs.lower(), stubs[-1500:]
    assert "Total: 19/19" in solutions, solutions[-1500:]


def test_the_check_cell_graded_from_the_file_is_no_magic_to_note():
    from grader.authoring.notebooks_build import GRADE_CELL
    from grader.submissions.notebook import program

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                               nbformat.v4.new_code_cell(GRADE_CELL.format(name="tensors"))])
    _, names, notes, _ = program(notebook)
    assert names == {"x"} and notes == []
    notebook.cells.append(nbformat.v4.new_code_cell("%matplotlib inline"))
    assert any("IPython magics" in note for note in program(notebook)[2])


#: what a worker is, printed from a cell of the graded history (the kernel itself stays root)
WHO_RUNS_IT = """import os, torch
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
print("uid", os.getuid(), "caps", status["CapEff"].strip(), "seccomp", status["Seccomp"].strip(), "torch", torch.__version__)"""
#: Docker's default capabilities (Colab's runtime is such a container): no CAP_SYS_ADMIN, so no namespace or mount
CONTAINER_CAPS = "chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_bind_service,net_raw,sys_chroot,mknod,audit_write,setfcap"


@pytest.mark.skipif(os.geteuid() != 0, reason="Colab runs its kernel as root; only then are privileges dropped")
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv (util-linux) takes the kernel's capabilities away")
@pytest.mark.timeout(600)
def test_grade_magic_as_colab_runs_it_root_without_bubblewrap_or_namespaces(tmp_path, monkeypatch):
    """Colab: a root kernel in a container (no CAP_SYS_ADMIN), no bwrap, no notebook file, its own torch."""
    from nbclient import NotebookClient

    from grader.isolation.confine import UID_BASE

    spec = tmp_path / "kernels" / "colab-like"
    spec.mkdir(parents=True)
    caps = "-all," + ",".join(f"+{cap}" for cap in CONTAINER_CAPS.split(","))
    argv = [shutil.which("setpriv"), f"--bounding-set={caps}", "--inh-caps=-all", "--",
            sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    # PATH holds this Python's folder only: no bwrap to find (Colab has none), as the sandbox probes it
    env = {"PATH": os.path.dirname(sys.executable), "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "colab-like", "language": "python", "env": env}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    cells = [(SOLUTIONS / "tensors.py").read_text(), WHO_RUNS_IT, "%load_ext grader\n%grade tensors"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(notebook, timeout=500, kernel_name="colab-like", resources={"metadata": {"path": str(tmp_path)}}).execute()

    in_kernel = "".join(o.get("text", "") for o in notebook.cells[1].outputs).split()
    assert in_kernel[:2] == ["uid", "0"] and in_kernel[3] != "0000000000000000", in_kernel  # the kernel: root, some caps
    assert int(in_kernel[3], 16) & (1 << 21) == 0, in_kernel  # but not CAP_SYS_ADMIN (bit 21)
    shown = html.unescape("".join(o.get("data", {}).get("text/html", "") for o in notebook.cells[2].outputs))
    assert "Total: 19/19" in shown and "sandbox: process" in shown, shown[-1500:]
    [line] = [line.split("| ", 1)[1] for line in shown.splitlines() if line.strip().startswith("| uid ")]
    facts = dict(zip(line.split()[::2], line.split()[1::2]))
    assert int(facts["uid"]) > UID_BASE and facts["caps"] == "0000000000000000" and facts["seccomp"] == "2", line
    assert facts["torch"] == torch.__version__, line  # the kernel's torch graded it (Colab's is kept)
