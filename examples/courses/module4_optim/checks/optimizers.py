"""Checks of optimizers.py (12 points): each optimiser as the course's notebook runs it.

Every check replays the course's own runs of one optimiser: ``train_2d`` (or ``train_adam_2d``)
from (-5, -2), 20 steps, with the learning rate ``eta`` and decay ``gamma`` the course's cells set
before that run (the notebook's globals: each check sets them itself, whatever later cells of
the student's notebook rebind them to). The positions are judged at a tolerance derived from
the reference's own float32-versus-float64 spread (``spread=``), so a float32 implementation or
``np.sqrt`` for ``math.sqrt`` keeps full marks. Where the starter code fixes what the state is
(momentum and Nesterov return ``x1 - v1, x2 - v2, v1, v2``), the velocities are judged too;
Adagrad's to AMSGrad's states are the student's to lay out, so only their trajectory counts.
"""

from grader.authoring.check import check, with_globals

from .helpers import runs

#: 20 x the reference's float32 spread (about 4e-7 on these runs) + 1e-9: a correct float32
#: implementation moves by about the spread; a wrong update rule moves by 1e-3 and more.
SPREAD = (20, 1e-9)


@check(points=2, spread=SPREAD)
def momentum_runs(sub, case):
    "momentum_2d: positions and velocities with eta, gamma = 0.4, 0.5, then eta = 0.6, then eta, gamma = 0.05, 0.9."
    return runs(case, with_globals(sub.momentum_2d, eta=0.4, gamma=0.5), with_globals(sub.momentum_2d, eta=0.6, gamma=0.5),
                with_globals(sub.momentum_2d, eta=0.05, gamma=0.9), states=True)


@check(points=2, spread=SPREAD)
def nesterov_run(sub, case):
    "Nesterov_2d: positions and velocities with eta, gamma = 0.05, 0.9."
    return runs(case, with_globals(sub.Nesterov_2d, eta=0.05, gamma=0.9), states=True)


@check(points=2, spread=SPREAD)
def adagrad_runs(sub, case):
    "adagrad_2d: the trajectory with eta = 0.4, then eta = 2."
    return runs(case, with_globals(sub.adagrad_2d, eta=0.4), with_globals(sub.adagrad_2d, eta=2))


@check(points=2, spread=SPREAD)
def rmsprop_run(sub, case):
    "rmsprop_2d: the trajectory with eta, gamma = 0.4, 0.9."
    return runs(case, with_globals(sub.rmsprop_2d, eta=0.4, gamma=0.9))


@check(points=2, spread=SPREAD)
def adam_runs(sub, case):
    "adam_2d (run by train_adam_2d): the trajectory with eta = 0.8, then eta = 1."
    return runs(case, with_globals(sub.adam_2d, eta=0.8), with_globals(sub.adam_2d, eta=1), adam=True)


@check(points=2, spread=SPREAD)
def amsgrad_run(sub, case):
    "amsgrad_2d (run by train_adam_2d): the trajectory with eta = 1."
    return runs(case, with_globals(sub.amsgrad_2d, eta=1), adam=True)
