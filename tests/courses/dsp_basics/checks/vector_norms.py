"""Checks of vector_norms.py (10 points)."""

from grader.authoring.check import check, raises


@check(points=4, cases=2)
def lp_norms(sub, case):
    "lp_norm gives the 1-, 2-, 3- and infinity-norm of a vector."
    x = case.randn(6)
    return [sub.lp_norm(x, p) for p in (1, 2, 3, float("inf"))]


@check(points=3)
def frobenius_norm(sub, case):
    "frobenius gives the square root of the sum of the squares of a matrix."
    return sub.frobenius(case.randn(3, 4))


@check(points=3)
def rows_normalized(sub, case):
    "normalize_rows divides each row by its L2 norm and refuses a 1-D or 3-D tensor."
    return {"rows": sub.normalize_rows(case.randn(3, 4)), "one_d": raises(sub.normalize_rows, case.randn(4)),
            "three_d": raises(sub.normalize_rows, case.randn(2, 3, 4))}
