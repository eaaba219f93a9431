"""Checks of exercises/broadcasting.py (20 points)."""

from grader.authoring.check import check, raises, shares_memory

_COMPATIBLE = [
    ((3, 1), (4,)),
    ((5, 1, 7), (2, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((1,), (1,)),
    ((0,), (1,)),
    ((1, 0), (3, 1)),
    ((8, 1, 6, 1), (7, 1, 5)),
    ((4, 3), (4, 3)),
]

_INCOMPATIBLE = [
    ((3,), (4,)),
    ((2, 3), (3, 2)),
    ((3,), (3, 2)),  # compatible only if (wrongly) aligned from the left
    ((2, 1), (8, 4, 3)),
    ((0,), (2,)),
    ((2,), (0,)),  # a 0 on the right is not a 1: `sb <= 1` would broadcast it
]


def _random_compatible(rng):
    """A pair of broadcastable shapes drawn with ``rng``."""
    n = int(rng.integers(1, 5))
    full = [int(s) for s in rng.integers(2, 6, size=n)]
    a, b = [], []
    for s in full:
        r = rng.random()
        a.append(1 if r < 0.3 else s)
        b.append(1 if 0.3 <= r < 0.6 else s)
    a = a[int(rng.integers(0, n)):]
    b = b[int(rng.integers(0, n)):]
    return tuple(a), tuple(b)


def _random_incompatible(rng):
    """A pair of shapes that differ (neither being 1) in one position aligned from the right."""
    n = int(rng.integers(1, 4))
    a = [int(v) for v in rng.integers(1, 6, size=n)]
    b = a[n - int(rng.integers(1, n + 1)):]
    k = int(rng.integers(1, len(b) + 1))
    s = int(rng.integers(2, 6))
    a[-k], b[-k] = s, s + 1
    return tuple(a), tuple(b)


def _as_shape(out):
    try:
        return tuple(int(s) for s in out)
    except TypeError:
        return out


@check(points=5, cases=2)
def broadcast_shape_compatible(sub, case):
    "broadcast_shape aligns shapes from the right and takes the non-1 size in each position."
    pairs = list(_COMPATIBLE) + [_random_compatible(case.np) for _ in range(6)]
    big = int(case.np.integers(300, 400))
    pairs.append(((2, big), (int(str(big)),)))  # equal sizes held by two int objects: `is` is not `==`
    return [_as_shape(sub.broadcast_shape(a, b)) for a, b in pairs]


@check(points=3, cases=2)
def broadcast_shape_incompatible(sub, case):
    "broadcast_shape raises ValueError when two aligned sizes differ and neither is 1, and only then."
    pairs = list(_INCOMPATIBLE) + [_random_incompatible(case.np) for _ in range(3)]
    # compatible pairs among them: raising for everything is not knowing when to raise
    pairs += [_COMPATIBLE[1], _COMPATIBLE[2], _random_compatible(case.np)]
    return [raises(lambda: _as_shape(sub.broadcast_shape(a, b))) for a, b in pairs]


@check(points=4, cases=2)
def expand_pair_views(sub, case):
    "expand_pair returns both tensors at the common shape, as views sharing memory with the inputs."
    a = case.randn(3, 1)
    b = case.randn(1, 4)
    c = case.randn(2, 1, 5)
    d = case.randn(5)
    ea, eb = sub.expand_pair(a, b)
    ec, ed = sub.expand_pair(c, d)
    return {
        "values": [ea.contiguous(), eb.contiguous(), ec.contiguous(), ed.contiguous()],
        "views": [shares_memory(ea, a), shares_memory(eb, b), shares_memory(ec, c), shares_memory(ed, d)],
    }


@check(points=4, cases=2)
def outer_sum_all_shapes(sub, case):
    "outer_sum returns the (n, m) table col[i] + row[j] for col (n,) or (n, 1) and row (m,) or (1, m)."
    col = case.randn(4)
    row = case.randn(4)  # n == m on purpose: a plain col + row would "work" with shape (4,)
    row5 = case.randn(5)
    return [
        sub.outer_sum(col, row),
        sub.outer_sum(col.reshape(4, 1), row),
        sub.outer_sum(col, row.reshape(1, 4)),
        sub.outer_sum(col.reshape(4, 1), row5.reshape(1, 5)),
    ]


@check(points=4, dtype="promote", tf32=True, cases=3)
def pairwise_sq_dists_values(sub, case):
    "pairwise_sq_dists returns the (n, m) squared distances between the rows of x and of y."
    x = case.randn(6, 5)
    y = case.randn(7, 5)
    return sub.pairwise_sq_dists(x, y)
