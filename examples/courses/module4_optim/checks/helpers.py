"""How the course runs an optimiser, as the checks of optimizers.py replay it.

``train_2d`` and ``train_adam_2d`` of the course's notebook start at (-5, -2) with zero states
and call the optimiser 20 times (``train_adam_2d`` with states of three zeros and the step
``t`` = 0, 1, ...). :func:`run` does the same and keeps every position (and, where the
course's starter code fixes what the state is, every state) as plain floats; :func:`runs`
replays the course's runs of one optimiser (each with the globals the course set for it) in
float64 as the course does and, for the reference only, in float32: the spread between the two
sets the tolerance.
"""

import numpy as np

from grader.authoring.check import sensitive, with_globals

START, STEPS = (-5, -2), 20
_float, _range, _list = float, range, list  # bound before any student code runs


def run(trainer, adam: bool = False, states: bool = False, number=int):
    """Positions (and states) of 20 steps of ``trainer`` from the course's start point."""
    x1, x2 = number(START[0]), number(START[1])
    s1, s2 = ([number(0)] * 3, [number(0)] * 3) if adam else (number(0), number(0))
    positions, kept = [(_float(x1), _float(x2))], []
    for t in _range(STEPS):
        x1, x2, s1, s2 = trainer(x1, x2, s1, s2, t) if adam else trainer(x1, x2, s1, s2)
        positions.append((_float(x1), _float(x2)))
        if states:
            kept.append((_float(s1), _float(s2)))
    return {"positions": positions, "states": kept} if states else positions


def runs(case, *trainers, **how) -> dict:
    """Each of ``trainers`` (an optimiser with its globals set, ``with_globals(sub.adam_2d, eta=0.8)``)
    run in float64 and, on the reference, in float32: inputs, states and float globals."""
    value = [run(trainer, **how) for trainer in trainers]
    low = [run(in_float32(trainer), number=np.float32, **how) for trainer in trainers] if case.reference else None
    return sensitive(value, low)


def in_float32(fn):
    """The reference's ``fn`` with its float globals (``eta``, ``gamma``) in float32."""
    return with_globals(fn, **{k: np.float32(v) for k, v in fn.__globals__.items() if type(v) is float})
