"""``-k EXPR``: choose checks by name, as pytest does.

An expression combines substrings of check ids (``tensors.mixed_sums_dtypes``) with
``and``, ``or``, ``not`` and parentheses: ``-k "tensors and not dtype"``.
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class SelectionError(ValueError):
    pass


class Selection:
    """A parsed ``-k`` expression; an empty one selects everything."""

    def __init__(self, expression: str = "") -> None:
        self.expression = expression.strip()
        self.tokens = TOKEN.findall(self.expression)
        if self.tokens:
            self.tree, rest = self._or(0)
            if rest != len(self.tokens):
                raise SelectionError(f"cannot parse -k expression {expression!r}")

    def matches(self, check_id: str) -> bool:
        return not self.tokens or self._eval(self.tree, check_id)

    def _or(self, i):
        left, i = self._and(i)
        while i < len(self.tokens) and self.tokens[i] == "or":
            right, i = self._and(i + 1)
            left = ("or", left, right)
        return left, i

    def _and(self, i):
        left, i = self._not(i)
        while i < len(self.tokens) and self.tokens[i] == "and":
            right, i = self._not(i + 1)
            left = ("and", left, right)
        return left, i

    def _not(self, i):
        if i < len(self.tokens) and self.tokens[i] == "not":
            inner, i = self._not(i + 1)
            return ("not", inner), i
        if i < len(self.tokens) and self.tokens[i] == "(":
            inner, i = self._or(i + 1)
            if i >= len(self.tokens) or self.tokens[i] != ")":
                raise SelectionError(f"unbalanced parentheses in -k {self.expression!r}")
            return inner, i + 1
        if i >= len(self.tokens) or self.tokens[i] in ("and", "or", ")"):
            raise SelectionError(f"cannot parse -k expression {self.expression!r}")
        return ("has", self.tokens[i]), i + 1

    def _eval(self, node, check_id: str) -> bool:
        op = node[0]
        if op == "has":
            return node[1].lower() in check_id.lower()
        if op == "not":
            return not self._eval(node[1], check_id)
        left = self._eval(node[1], check_id)
        return (left or self._eval(node[2], check_id)) if op == "or" else (left and self._eval(node[2], check_id))
