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


def notebook(cells: list[str]) -> nbformat.NotebookNode:
    """Cells that start with ``#`` or a capital letter are markdown, the others code."""
    book = nbformat.v4.new_notebook()
    for text in cells:
        markdown = text.startswith("#") or text[:1].isupper()
        book.cells.append(nbformat.v4.new_markdown_cell(text) if markdown else nbformat.v4.new_code_cell(text))
    return book


def code_number(book: nbformat.NotebookNode, source: str) -> int:
    """1-based number among code cells of the (first) cell whose source is ``source``."""
    code = [c.source for c in book.cells if c.cell_type == "code"]
    return code.index(source) + 1
