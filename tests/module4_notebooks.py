"""Notebooks of Module 4's practical ("gradient descent optimization algorithms") as students hand them in.

The course's empty notebook, rebuilt here cell for cell in its order (the cells that set
``eta``/``gamma`` and run each optimiser where the course has them, its plotting and training
helpers rewritten, not copied), with the method cells filled in by a student's own code:
``bodies(...)`` picks, per optimiser, one of several correct formulations, a broken one, or the
course's unfilled starter. Used by tests/test_module4_course.py.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

SETUP = '''import numpy as np

import matplotlib.pyplot as plt

%matplotlib inline

def show_trace_2d(f, res, color='red'):
    """Plot the path of the optimiser over the contours of f."""
    xs, ys = zip(*res)
    plt.plot(xs, ys, '-o', color=color)
    g1, g2 = np.meshgrid(np.arange(-5.5, 3.5, 0.1), np.arange(min(-3.0, min(ys) - 1), max(1.0, max(ys) + 1), 0.1))
    plt.contour(g1, g2, f(g1, g2), colors='blue')
    plt.xlabel('x1')
    plt.ylabel('x2')'''

TRAIN = '''def train_2d(trainer):
    """20 steps of trainer(x1, x2, s1, s2) from (-5, -2), zero states; the positions visited."""
    x1, x2, s1, s2 = -5, -2, 0, 0
    path = [(x1, x2)]
    for i in range(20):
        x1, x2, s1, s2 = trainer(x1, x2, s1, s2)
        path.append((x1, x2))
    print('epoch %d, x1 %f, x2 %f' % (i + 1, x1, x2))
    return path'''

TRAIN_ADAM = '''def train_adam_2d(trainer):
    """As train_2d, with states of three numbers and the step number passed on."""
    x1, x2, s1, s2 = -5, -2, [0, 0, 0], [0, 0, 0]
    path = [(x1, x2)]
    for i in range(20):
        x1, x2, s1, s2 = trainer(x1, x2, s1, s2, i)
        path.append((x1, x2))
    print('epoch %d, x1 %f, x2 %f' % (i + 1, x1, x2))
    return path'''

GD = '''eta = 0.4

def f_2d(x1, x2):
    return 0.1 * x1 ** 2 + 2 * x2 ** 2

def gd_2d(x1, x2, s1, s2):
    return (x1 - eta * 0.2 * x1, x2 - eta * 4 * x2, 0, 0)'''

#: optimiser -> formulation -> its cell (the course's set-up lines of that cell included)
BODIES = {
    "momentum": {
        "empty": "eta, gamma = 0.4, 0.5\n\ndef momentum_2d(x1, x2, v1, v2):\n    v1 = # your code\n    v2 = # your code\n"
                 "    return x1 - v1, x2 - v2, v1, v2",
        "plain": "eta, gamma = 0.4, 0.5\n\ndef momentum_2d(x1, x2, v1, v2):\n    v1 = gamma * v1 + eta * 0.2 * x1\n"
                 "    v2 = gamma * v2 + eta * 4 * x2\n    return x1 - v1, x2 - v2, v1, v2",
        "float32": "eta, gamma = 0.4, 0.5\n\ndef momentum_2d(x1, x2, v1, v2):\n    x1, x2, v1, v2 = (np.float32(u) for u in (x1, x2, v1, v2))\n"
                   "    v1 = np.float32(gamma) * v1 + np.float32(eta) * np.float32(0.2) * x1\n"
                   "    v2 = np.float32(gamma) * v2 + np.float32(eta) * np.float32(4) * x2\n    return x1 - v1, x2 - v2, v1, v2",
        "other": "eta, gamma = 0.4, 0.5\n\ndef momentum_2d(x1, x2, v1, v2):\n    grad = (0.2 * x1, 4 * x2)\n"
                 "    v1, v2 = [eta * g + gamma * v for g, v in zip(grad, (v1, v2))]\n    return x1 - v1, x2 - v2, v1, v2",
        "broken": "eta, gamma = 0.4, 0.5\n\ndef momentum_2d(x1, x2, v1, v2):\n    v1 = gamma * v1 + 0.2 * x1\n"
                  "    v2 = gamma * v2 + 4 * x2\n    return x1 - v1, x2 - v2, v1, v2",
    },
    "nesterov": {
        "empty": "eta, gamma = 0.05, 0.9\n\ndef Nesterov_2d(x1, x2, v1, v2):\n    v1 = # your code\n    v2 = # your code\n"
                 "    return x1 - v1, x2 - v2, v1, v2",
        "plain": "eta, gamma = 0.05, 0.9\n\ndef Nesterov_2d(x1, x2, v1, v2):\n    v1 = gamma * v1 + eta * 0.2 * (x1 - gamma * v1)\n"
                 "    v2 = gamma * v2 + eta * 4 * (x2 - gamma * v2)\n    return x1 - v1, x2 - v2, v1, v2",
        "float32": "eta, gamma = 0.05, 0.9\n\ndef Nesterov_2d(x1, x2, v1, v2):\n    f = np.float32\n"
                   "    ahead1, ahead2 = f(x1) - f(gamma) * f(v1), f(x2) - f(gamma) * f(v2)\n"
                   "    v1 = f(gamma) * f(v1) + f(eta) * f(0.2) * ahead1\n    v2 = f(gamma) * f(v2) + f(eta) * f(4) * ahead2\n"
                   "    return f(x1) - v1, f(x2) - v2, v1, v2",
        "other": "eta, gamma = 0.05, 0.9\n\ndef Nesterov_2d(x1, x2, v1, v2):\n    y1, y2 = x1 - gamma * v1, x2 - gamma * v2  # look ahead\n"
                 "    v1 = eta * (0.2 * y1) + gamma * v1\n    v2 = eta * (4 * y2) + gamma * v2\n    return x1 - v1, x2 - v2, v1, v2",
        "broken": "eta, gamma = 0.05, 0.9\n\ndef Nesterov_2d(x1, x2, v1, v2):\n    v1 = gamma * v1 + eta * 0.2 * (x1 + gamma * v1)\n"
                  "    v2 = gamma * v2 + eta * 4 * (x2 + gamma * v2)\n    return x1 - v1, x2 - v2, v1, v2",
    },
    "adagrad": {
        "empty": "import math\n\ndef adagrad_2d(x1, x2, s1, s2):\n    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6\n    #\n"
                 "    # your code here (hint: use math.sqrt)\n    #\n    return x1, x2, s1, s2",
        "plain": "import math\n\ndef adagrad_2d(x1, x2, s1, s2):\n    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6\n    s1 += g1 ** 2\n"
                 "    s2 += g2 ** 2\n    x1 -= eta / math.sqrt(s1 + eps) * g1\n    x2 -= eta / math.sqrt(s2 + eps) * g2\n"
                 "    return x1, x2, s1, s2",
        "float32": "import math\n\ndef adagrad_2d(x1, x2, s1, s2):\n    x1, x2, s1, s2 = np.float32(x1), np.float32(x2), np.float32(s1), np.float32(s2)\n"
                   "    g1, g2, eps = np.float32(0.2) * x1, np.float32(4) * x2, np.float32(1e-6)\n    s1 = s1 + g1 * g1\n"
                   "    s2 = s2 + g2 * g2\n    x1 = x1 - np.float32(eta) * g1 / np.sqrt(s1 + eps)\n"
                   "    x2 = x2 - np.float32(eta) * g2 / np.sqrt(s2 + eps)\n    return x1, x2, s1, s2",
        "other": "import math\n\ndef adagrad_2d(x1, x2, s1, s2):\n    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6\n"
                 "    s1, s2 = s1 + g1 * g1, s2 + g2 * g2\n    x1 = x1 - eta * g1 / np.sqrt(s1 + eps)\n"
                 "    x2 = x2 - eta * g2 / np.sqrt(s2 + eps)\n    return x1, x2, s1, s2",
        "broken": "import math\n\ndef adagrad_2d(x1, x2, s1, s2):\n    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6\n    s1 = g1 ** 2\n"
                  "    s2 = g2 ** 2\n    x1 -= eta / math.sqrt(s1 + eps) * g1\n    x2 -= eta / math.sqrt(s2 + eps) * g2\n"
                  "    return x1, x2, s1, s2",
    },
    "rmsprop": {
        "empty": "def rmsprop_2d(x1, x2, s1, s2):\n    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6\n    #\n    # your code here\n"
                 "    #\n    return x1, x2, s1, s2",
        "plain": "def rmsprop_2d(x1, x2, s1, s2):\n    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6\n"
                 "    s1 = gamma * s1 + (1 - gamma) * g1 ** 2\n    s2 = gamma * s2 + (1 - gamma) * g2 ** 2\n"
                 "    x1 -= eta / math.sqrt(s1 + eps) * g1\n    x2 -= eta / math.sqrt(s2 + eps) * g2\n    return x1, x2, s1, s2",
        "float32": "def rmsprop_2d(x1, x2, s1, s2):\n    f = np.float32\n    g1, g2, eps = f(0.2) * f(x1), f(4) * f(x2), f(1e-6)\n"
                   "    s1 = f(gamma) * f(s1) + (f(1) - f(gamma)) * g1 ** 2\n    s2 = f(gamma) * f(s2) + (f(1) - f(gamma)) * g2 ** 2\n"
                   "    return f(x1) - f(eta) / np.sqrt(s1 + eps) * g1, f(x2) - f(eta) / np.sqrt(s2 + eps) * g2, s1, s2",
        "other": "def rmsprop_2d(x1, x2, s1, s2):\n    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6\n"
                 "    s1 += (1 - gamma) * (g1 ** 2 - s1)  # the same leaky average\n    s2 += (1 - gamma) * (g2 ** 2 - s2)\n"
                 "    x1 -= eta * g1 / math.sqrt(s1 + eps)\n    x2 -= eta * g2 / math.sqrt(s2 + eps)\n    return x1, x2, s1, s2",
        "broken": "def rmsprop_2d(x1, x2, s1, s2):\n    g1, g2, eps = 0.2 * x1, 4 * x2, 1e-6\n"
                  "    s1 = gamma * s1 + g1 ** 2\n    s2 = gamma * s2 + g2 ** 2\n"
                  "    x1 -= eta / math.sqrt(s1 + eps) * g1\n    x2 -= eta / math.sqrt(s2 + eps) * g2\n    return x1, x2, s1, s2",
    },
    "adam": {
        "empty": "def adam_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                 "    #\n    # your code here\n    #\n    return x1, x2, s1, s2",
        "plain": "def adam_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                 "    m1 = beta1 * s1[0] + (1 - beta1) * g1\n    m2 = beta1 * s2[0] + (1 - beta1) * g2\n"
                 "    r1 = beta2 * s1[1] + (1 - beta2) * g1 ** 2\n    r2 = beta2 * s2[1] + (1 - beta2) * g2 ** 2\n"
                 "    c1, c2 = 1 - beta1 ** (t + 1), 1 - beta2 ** (t + 1)\n"
                 "    x1 = x1 - eta * (m1 / c1) / (math.sqrt(r1 / c2) + eps)\n    x2 = x2 - eta * (m2 / c1) / (math.sqrt(r2 / c2) + eps)\n"
                 "    return x1, x2, [m1, r1, 0], [m2, r2, 0]",
        "float32": "def adam_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                   "    f = np.float32\n    out = []\n    for x, s, g in ((x1, s1, g1), (x2, s2, g2)):\n"
                   "        m = f(beta1) * f(s[0]) + f(1 - beta1) * f(g)\n        r = f(beta2) * f(s[1]) + f(1 - beta2) * f(g) ** 2\n"
                   "        step = f(eta) * (m / f(1 - beta1 ** (t + 1))) / (np.sqrt(r / f(1 - beta2 ** (t + 1))) + f(eps))\n"
                   "        out.append((f(x) - step, [m, r, 0]))\n    return out[0][0], out[1][0], out[0][1], out[1][1]",
        "other": "def adam_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                 "    # the states are updated in place: [second moment, first moment, unused]\n"
                 "    s1[1] = beta1 * s1[1] + (1 - beta1) * g1; s2[1] = beta1 * s2[1] + (1 - beta1) * g2\n"
                 "    s1[0] = beta2 * s1[0] + (1 - beta2) * g1 * g1; s2[0] = beta2 * s2[0] + (1 - beta2) * g2 * g2\n"
                 "    lr = eta * np.sqrt(1 - beta2 ** (t + 1)) / (1 - beta1 ** (t + 1))\n"
                 "    x1 -= lr * s1[1] / (np.sqrt(s1[0]) + eps * np.sqrt(1 - beta2 ** (t + 1)))\n"
                 "    x2 -= lr * s2[1] / (np.sqrt(s2[0]) + eps * np.sqrt(1 - beta2 ** (t + 1)))\n    return x1, x2, s1, s2",
        "broken": "def adam_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                  "    m1 = beta1 * s1[0] + (1 - beta1) * g1\n    m2 = beta1 * s2[0] + (1 - beta1) * g2\n"
                  "    r1 = beta2 * s1[1] + (1 - beta2) * g1 ** 2\n    r2 = beta2 * s2[1] + (1 - beta2) * g2 ** 2\n"
                  "    x1 = x1 - eta * m1 / (math.sqrt(r1) + eps)\n    x2 = x2 - eta * m2 / (math.sqrt(r2) + eps)\n"
                  "    return x1, x2, [m1, r1, 0], [m2, r2, 0]",
    },
    "amsgrad": {
        "empty": "def amsgrad_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                 "    #\n    # your code here\n    #\n    return x1, x2, s1, s2",
        "plain": "def amsgrad_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                 "    m1 = beta1 * s1[0] + (1 - beta1) * g1\n    m2 = beta1 * s2[0] + (1 - beta1) * g2\n"
                 "    r1 = beta2 * s1[1] + (1 - beta2) * g1 ** 2\n    r2 = beta2 * s2[1] + (1 - beta2) * g2 ** 2\n"
                 "    top1, top2 = max(s1[2], r1), max(s2[2], r2)\n"
                 "    x1 = x1 - eta * m1 / (math.sqrt(top1) + eps)\n    x2 = x2 - eta * m2 / (math.sqrt(top2) + eps)\n"
                 "    return x1, x2, [m1, r1, top1], [m2, r2, top2]",
        "float32": "def amsgrad_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                   "    f = np.float32\n    out = []\n    for x, s, g in ((x1, s1, g1), (x2, s2, g2)):\n"
                   "        m = f(beta1) * f(s[0]) + f(1 - beta1) * f(g)\n        r = f(beta2) * f(s[1]) + f(1 - beta2) * f(g) ** 2\n"
                   "        top = np.maximum(f(s[2]), r)\n        out.append((f(x) - f(eta) * m / (np.sqrt(top) + f(eps)), [m, r, top]))\n"
                   "    return out[0][0], out[1][0], out[0][1], out[1][1]",
        "other": "def amsgrad_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                 "    new = []\n    for s, g in ((s1, g1), (s2, g2)):  # my states: [largest average, average, average of squares]\n"
                 "        avg = beta1 * s[1] + (1 - beta1) * g\n        sq = beta2 * s[2] + (1 - beta2) * g * g\n"
                 "        new.append([sq if sq > s[0] else s[0], avg, sq])\n"
                 "    x1 -= eta * new[0][1] / (np.sqrt(new[0][0]) + eps)\n    x2 -= eta * new[1][1] / (np.sqrt(new[1][0]) + eps)\n"
                 "    return x1, x2, new[0], new[1]",
        "broken": "def amsgrad_2d(x1, x2, s1, s2 , t):\n    beta1, beta2, eps = 0.9, 0.99, 1e-6\n    g1, g2 = 0.2 * x1, 4 * x2\n"
                  "    m1 = beta1 * s1[0] + (1 - beta1) * g1\n    m2 = beta1 * s2[0] + (1 - beta1) * g2\n"
                  "    r1 = beta2 * s1[1] + (1 - beta2) * g1 ** 2\n    r2 = beta2 * s2[1] + (1 - beta2) * g2 ** 2\n"
                  "    x1 = x1 - eta * m1 / (math.sqrt(r1) + eps)\n    x2 = x2 - eta * m2 / (math.sqrt(r2) + eps)\n"
                  "    return x1, x2, [m1, r1, r1], [m2, r2, r2]",
    },
}
METHODS = tuple(BODIES)
#: the check each optimiser is graded by
CHECK = {"momentum": "momentum_runs", "nesterov": "nesterov_run", "adagrad": "adagrad_runs",
         "rmsprop": "rmsprop_run", "adam": "adam_runs", "amsgrad": "amsgrad_run"}


def cells(kind: dict[str, str]) -> list[str]:
    """The notebook's code cells in the course's order, each optimiser's cell of formulation ``kind[method]``."""
    b = {m: BODIES[m][kind[m]] for m in METHODS}
    return [SETUP, TRAIN, GD, "show_trace_2d(f_2d, train_2d(gd_2d))", "eta = 0.6\nshow_trace_2d(f_2d, train_2d(gd_2d))",
            b["momentum"], "show_trace_2d(f_2d, train_2d(momentum_2d))", "eta = 0.6\nshow_trace_2d(f_2d, train_2d(momentum_2d))",
            "eta, gamma = 0.05, 0.9\nshow_trace_2d(f_2d, train_2d(momentum_2d))",
            b["nesterov"], "show_trace_2d(f_2d, train_2d(Nesterov_2d))\nshow_trace_2d(f_2d, train_2d(momentum_2d), color= 'green')",
            b["adagrad"], "eta = 0.4\nshow_trace_2d(f_2d, train_2d(adagrad_2d))", "eta = 2\nshow_trace_2d(f_2d, train_2d(adagrad_2d))",
            b["rmsprop"], "eta, gamma = 0.4, 0.9\nshow_trace_2d(f_2d, train_2d(rmsprop_2d))",
            b["adam"], TRAIN_ADAM, "eta = 0.8\nshow_trace_2d(f_2d, train_adam_2d(adam_2d))",
            b["amsgrad"], "eta = 1\nshow_trace_2d(f_2d, train_adam_2d(amsgrad_2d))\n"
                          "show_trace_2d(f_2d, train_adam_2d(adam_2d), color ='green')"]


def kinds(default: str, **chosen: str) -> dict[str, str]:
    return {m: chosen.get(m, default) for m in METHODS}


def write(path: Path, kind: dict[str, str]) -> Path:
    """The notebook, with a markdown title above each section as the course has them."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("Code adapted from the optimization chapter of Dive into Deep Learning")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in cells(kind)]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(path))
    return path
