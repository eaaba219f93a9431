"""Notebooks written in the style of the dataflowr course's Module 2 practicals, for the tests.

Each practical is a list of cells (markdown text or code) as the course lays them out: the
classes in cells of their own, top-level training loops and plots, a later cell that
redefines ``add_bias`` with a frozen ``step`` for the loss heatmap, and, for the functional
practical, a cell that imports jax. ``empty`` versions have the course's comment-only bodies.
"""

from __future__ import annotations

import nbformat

IMPORTS = "import numpy as np\nimport matplotlib.pyplot as plt"
DATA = "w, b = 0.5, 2\nxx = np.arange(0, 1, .01)\nyy = np.exp(w * xx + b)\nplt.plot(yy)"
ADD_BIAS = """class add_bias(object):
    def __init__(self, b):
        self.b = b

    def forward(self, x):
        return x + self.b

    def backward(self, grad):
        self.grad = grad
        return grad

    def step(self, learning_rate):
        self.b -= learning_rate * self.grad"""
MULTIPLICATION = """class multiplication_weight(object):
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        self.x_seen = x
        return x * self.w

    def backward(self, grad):
        self.g = grad * self.x_seen
        return grad * self.w

    def step(self, learning_rate):
        self.w -= learning_rate * self.g"""
EXP = """class my_exp(object):
    def forward(self, x):
        self.out = np.exp(x)
        return self.out

    def backward(self, grad):
        return grad * self.out

    def step(self, learning_rate):
        pass"""
COMPOSITION = """class my_composition(object):
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def compute_loss(self, y_est, y_target):
        self.grad = 2 * (y_est - y_target)
        return (y_est - y_target) ** 2

    def backward(self):
        grad = self.grad
        for layer in self.layers[::-1]:
            grad = layer.backward(grad)
        return grad

    def step(self, learning_rate):
        for layer in self.layers:
            layer.step(learning_rate)"""
TRAINING = """my_neuron = my_composition([multiplication_weight(1.), add_bias(1.), my_exp()])
learning_rate = 1e-4
losses = []
for i in range(2500):
    idx = np.random.randint(len(xx))
    y_est = my_neuron.forward(xx[idx])
    losses.append(my_neuron.compute_loss(y_est, yy[idx]))
    my_neuron.backward()
    my_neuron.step(learning_rate)
print(2500, 'steps, w =', my_neuron.layers[0].w, 'b =', my_neuron.layers[1].b)"""
FIT = "plt.plot(xx, my_neuron.forward(xx))\nplt.plot(xx, yy, 'r')"
COS = """class my_cos(object):
    def forward(self, x):
        self.x_seen = x
        return np.cos(x)

    def backward(self, grad):
        return -np.sin(self.x_seen) * grad

    def step(self, learning_rate):
        pass"""
FROZEN_BIAS = """class add_bias(object):
    def __init__(self, b):
        self.b = b

    def forward(self, x):
        return x + self.b

    def backward(self, grad):
        return grad

    def step(self, learning_rate):
        pass"""
HEATMAP = """yy_cos = np.cos(2 * xx + 1)
ws, bs = np.linspace(0, 4, 30), np.linspace(-2, 2, 30)
grid = np.zeros((30, 30))
for i, w0 in enumerate(ws):
    for j, b0 in enumerate(bs):
        model = my_composition([multiplication_weight(w0), add_bias(b0), my_cos()])
        grid[i, j] = np.sum(model.compute_loss(model.forward(xx), yy_cos))
plt.imshow(grid)"""
def empty(source: str, indent: int = 8) -> str:
    """The course's empty practical: each body at ``indent`` is a comment only (which does not parse)."""
    out, margin = [], " " * indent
    for line in source.splitlines():
        if line.startswith(margin):
            if not out[-1].startswith(margin):
                out.append(margin + "# your code here")
            continue
        out.append(line)
    return "\n".join(out)


def practical2(multiplication: str = MULTIPLICATION, *, later: list[str] = (), blank: bool = False) -> list[str]:
    mult, exp, comp, cos = [empty(c) if blank else c for c in (multiplication, EXP, COMPOSITION, COS)]
    return ["# Practical 2: Simple implementation of backprop", IMPORTS, DATA, "We give `add_bias`:", ADD_BIAS,
            mult, exp, "## Composition", comp, TRAINING, FIT, "## Part 2: cos", cos, FROZEN_BIAS, HEATMAP, *later]


FUNCTIONAL_ADD = """def add(x, b):
    return x + b

def add_make_vjp(x, b):
    def vjp(u):
        return u, u
    return vjp

add.make_vjp = add_make_vjp"""
FUNCTIONAL_EXERCISE = """def dot(x, W):
    return np.dot(x, W)

def dot_make_vjp(x, W):
    def vjp(u):
        return np.dot(u, W.T), np.einsum('na,nb->nab', x, u)
    return vjp

dot.make_vjp = dot_make_vjp

def squared_loss(y_pred, y):
    return np.array([np.sum((y - y_pred) ** 2)])

def squared_loss_make_vjp(y_pred, y):
    def vjp(u):
        return 2 * (y_pred - y), np.zeros_like(y)
    return vjp

squared_loss.make_vjp = squared_loss_make_vjp"""
FUNCTIONAL_SETUP = """rng = np.random.RandomState(0)
x = rng.random((30, 2)).astype('float32')
y = np.expand_dims(np.dot(x, [2., -3.]) + 1., axis=1).astype('float32')

def create_feed_forward(y, seed=0):
    rng = np.random.RandomState(seed)
    return [dot, add, squared_loss], [rng.randn(2, 1), rng.randn(1), y]"""
FUNCTIONAL_CHAIN = """def evaluate_chain(x, funcs, params, return_all=False):
    all_x = [x]
    for f, p in zip(funcs, params):
        all_x.append(f(all_x[-1], p))
    return all_x if return_all else all_x[-1]"""
FUNCTIONAL_BACKWARD = """def backward_diff_chain(x, funcs, params):
    xs = evaluate_chain(x, funcs, params, return_all=True)
    u, J = None, [None] * len(funcs)
    for k, (f, p, xk) in reversed(list(enumerate(zip(funcs, params, xs)))):
        u, J[k] = f.make_vjp(xk, p)(u)
    return xs[-1], u, J"""
FUNCTIONAL_SGD = """def optim_SGD(grads, learning_rate=1e-2):
    return [-learning_rate * g.sum(0) for g in grads]

def update_params(updates, params):
    return [p + u for p, u in zip(params, updates)]"""
FUNCTIONAL_TRAIN = """funcs, params = create_feed_forward(y=y, seed=0)
for epoch in range(10):
    loss, grad_x, grads = backward_diff_chain(x, funcs, params)
    print("progress:", "epoch:", epoch, "loss", loss)
    params = update_params(optim_SGD(grads), params)"""
JAX = "import jax\nimport jax.numpy as jnp\nimport haiku as hk\nimport optax\nprint(jax.__version__)"


def functional(exercise: str = FUNCTIONAL_EXERCISE, *, blank: bool = False) -> list[str]:
    parts = [exercise, FUNCTIONAL_CHAIN, FUNCTIONAL_BACKWARD, FUNCTIONAL_SGD]
    exercise, chain, backward, sgd = [empty(p, 4) if blank else p for p in parts]
    return ["# Autodiff and Backpropagation", "import numpy as np", FUNCTIONAL_ADD, exercise, "# Setup",
            FUNCTIONAL_SETUP, chain, backward, sgd, FUNCTIONAL_TRAIN, "### Jax implementation", JAX]


class Code(str):
    """A code cell whatever its first character (``My_add_bias.b`` would otherwise read as markdown)."""


def notebook(cells: list[str]) -> nbformat.NotebookNode:
    """Cells that start with ``#`` or a capital letter are markdown, the others (and :class:`Code`) code."""
    book = nbformat.v4.new_notebook()
    for text in cells:
        markdown = not isinstance(text, Code) and (text.startswith("#") or text[:1].isupper())
        book.cells.append(nbformat.v4.new_markdown_cell(text) if markdown else nbformat.v4.new_code_cell(text))
    return book


def code_number(book: nbformat.NotebookNode, source: str) -> int:
    """1-based number among code cells of the (first) cell whose source is ``source``."""
    code = [c.source for c in book.cells if c.cell_type == "code"]
    return code.index(source) + 1


# --------------------------------------------------------------------------------------------
# Practical 2 as the course hands it out: its empty notebook's cells, in its order, with its
# names and signatures (``compute_loss(self, y, y_est)``, ``multiplication_weight`` and ``my_exp``
# in one cell, the ``my_fit`` loop the student completes), filled in by a student's own code.

COURSE_SGD_BIAS = [
    "Consider first a simpler problem: estimate `b` in `z = x + b` by SGD with `add_bias`.",
    "zz = xx + 5\nMy_add_bias = add_bias(1)",
    Code("j = 10\nz_pred = My_add_bias.forward(xx[j])\nz_pred"),
    "grad = 2 * (z_pred - zz[j])",
    Code("My_add_bias.backward(grad)"),
    Code("My_add_bias.step(1e-2)\nMy_add_bias.b"),
    Code("My_add_bias = add_bias(1)\nestimated_b = [1]\nfor i in range(500):\n    j = np.random.randint(1, len(xx))\n"
         "    z_pred = My_add_bias.forward(xx[j])\n    _ = My_add_bias.backward(2 * (z_pred - zz[j]))\n"
         "    My_add_bias.step(1e-2)\n    estimated_b.append(My_add_bias.b)"),
    "plt.plot(estimated_b)",
]
STUDENT_LAYERS = """class multiplication_weight(object):
    def __init__(self, w):
        # keep the weight
        self.w = w

    def forward(self, x):
        # w times x; x is needed again in backward
        self.input = x
        return self.w * x

    def backward(self, grad):
        # dloss/dw for the step, dloss/dx backward
        self.dw = grad * self.input
        return grad * self.w

    def step(self, learning_rate):
        self.w = self.w - learning_rate * self.dw

class my_exp(object):
    # no parameter
    def forward(self, x):
        self.value = np.exp(x)
        return self.value

    def backward(self, grad):
        return grad * self.value

    def step(self, learning_rate):
        # nothing to update
        pass"""
STUDENT_COMPOSITION = """class my_composition(object):
    def __init__(self, layers):
        self.layers = layers

    def forward(self, x):
        out = x
        for layer in self.layers:
            out = layer.forward(out)
        return out

    def compute_loss(self, y, y_est):
        # the L2 loss; its gradient with respect to y_est starts backward
        self.dloss = 2 * (y_est - y)
        return (y - y_est) ** 2

    def backward(self):
        g = self.dloss
        for layer in reversed(self.layers):
            g = layer.backward(g)

    def step(self, learning_rate):
        for layer in self.layers:
            layer.step(learning_rate)"""
STUDENT_FIT = """my_fit = my_composition([multiplication_weight(1), add_bias(1), my_exp()])
learning_rate = 1e-4
losses = []
ws = []
bs = []
for i in range(5000):
    j = np.random.randint(1, len(xx))
    y_est = my_fit.forward(xx[j])
    losses.append(my_fit.compute_loss(yy[j], y_est))
    my_fit.backward()
    my_fit.step(learning_rate)
    ws.append(my_fit.layers[0].w)
    bs.append(my_fit.layers[1].b)
print('fitted w =', my_fit.layers[0].w, 'b =', my_fit.layers[1].b)"""
STUDENT_COS = """class my_cos(object):
    def forward(self, x):
        self.input = x
        return np.cos(x)

    def backward(self, grad):
        return -grad * np.sin(self.input)

    def step(self, learning_rate):
        pass"""
STUDENT_CHALLENGE = """xx = np.arange(-10, 10, .01)
yy = np.exp(0.5 * np.cos(xx) + 2)
cos_fit = my_composition([my_cos(), multiplication_weight(1.), add_bias(1.), my_exp()])
for i in range(3000):
    j = np.random.randint(1, len(xx))
    cos_fit.compute_loss(yy[j], cos_fit.forward(xx[j]))
    cos_fit.backward()
    cos_fit.step(1e-4)
print('challenge: w =', cos_fit.layers[1].w, 'b =', cos_fit.layers[2].b)"""


def practical2_course(*, imports: str = IMPORTS, layers: str = STUDENT_LAYERS, composition: str = STUDENT_COMPOSITION,
                      fit: str = STUDENT_FIT, cos: str = STUDENT_COS, challenge: str = STUDENT_CHALLENGE) -> list[str]:
    """The course's empty Practical 2 in its order, each part to fill given as the student wrote it."""
    return ["# Practical 2: Simple implementation of backprop", imports,
            "w, b = 0.5, 2\nxx = np.arange(0, 1, .01)\nyy = np.exp(w * xx + b)", "plt.plot(yy)",
            "Implement `(.*w)`, `(.+b)` and `exp(.)` with forward, backward and step methods; `add_bias` is given:",
            ADD_BIAS, *COURSE_SGD_BIAS, "Now it is your turn: `(.*w)` and `exp(.)`.", layers,
            "Compose the operations: forward, backward, step and compute_loss.", composition,
            "The training loop: keep the loss, weight and bias.", fit,
            Code("my_fit.layers[0].w"), Code("my_fit.layers[1].b"),
            "plt.plot(losses)", "plt.plot(bs)", "plt.plot(ws)",
            "## Challenge: exp(w cos(x) + b)", cos, challenge]
