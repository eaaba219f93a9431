"""``--similarity``: near-copies rank first, independent solutions and starter code do not."""

from __future__ import annotations

from conftest import EXERCISES
from grader.batch.similarity import similar_pairs, source_of, starter_code

STUB = (EXERCISES / "broadcasting.py").read_text()

#: function name -> (first student's body, an independent student's body)
BODIES = {
    "broadcast_shape": (
        """    a, b = list(shape_a), list(shape_b)
    width = max(len(a), len(b))
    a = [1] * (width - len(a)) + a
    b = [1] * (width - len(b)) + b
    result = []
    for left, right in zip(a, b):
        if left != right and left != 1 and right != 1:
            raise ValueError(f"incompatible sizes {left} and {right}")
        result.append(right if left == 1 else left)
    return tuple(result)
""",
        """    out = []
    i = 1
    while i <= max(len(shape_a), len(shape_b)):
        x = shape_a[-i] if i <= len(shape_a) else 1
        y = shape_b[-i] if i <= len(shape_b) else 1
        if 1 not in (x, y) and x != y:
            raise ValueError("shapes do not broadcast")
        out.insert(0, max(x, y) if min(x, y) != 0 else 0)
        i += 1
    return tuple(out)
"""),
    "expand_pair": (
        """    shape = broadcast_shape(a.shape, b.shape)
    return a.expand(*shape), b.expand(*shape)
""",
        """    return tuple(torch.broadcast_tensors(a, b))
"""),
    "outer_sum": (
        """    column = col.reshape(-1, 1)
    line = row.reshape(1, -1)
    return column + line
""",
        """    return col.view(-1)[:, None] + row.view(-1)[None, :]
"""),
    "pairwise_sq_dists": (
        """    difference = x[:, None, :] - y[None, :, :]
    squared = difference * difference
    return squared.sum(dim=-1)
""",
        """    xx = (x ** 2).sum(1, keepdim=True)
    yy = (y ** 2).sum(1)
    return torch.clamp(xx - 2 * x @ y.T + yy, min=0)
"""),
}

RENAMES = {"left": "p", "right": "q", "result": "dims", "width": "n", "column": "c2", "line": "r2",
           "difference": "delta", "squared": "sq", "shape": "target"}


def solved(which: int) -> str:
    """The stub with every ``raise NotImplementedError`` replaced by one student's body."""
    text = STUB
    for name, bodies in BODIES.items():
        text = text.replace(f'    raise NotImplementedError("{name}: your code here")\n', bodies[which])
    assert "NotImplementedError" not in text.split('"""')[-1]
    return text


def renamed_and_reordered(text: str) -> str:
    import re

    for old, new in RENAMES.items():
        text = re.sub(rf"\b{old}\b(?!_)", new, text)
    head, *functions = text.split("\n\ndef ")
    return "\n\ndef ".join([head, *reversed(functions)])


def test_near_copies_rank_first_and_independent_solutions_do_not():
    original = solved(0)
    copy = renamed_and_reordered(original)
    assert copy != original and "delta" in copy
    sources = {"alice": original, "bob": copy, "carol": solved(1), "dave": STUB, "erin": solved(1).replace(
        "torch.clamp(xx - 2 * x @ y.T + yy, min=0)", "((x[:, None] - y[None]) ** 2).sum(-1)")}
    pairs = similar_pairs(sources, starter_code())
    assert {pairs[0].a, pairs[0].b} == {"alice", "bob"}
    assert pairs[0].overlap_a > 0.5 and pairs[0].overlap_b > 0.5 and pairs[0].regions
    for pair in pairs:
        if {pair.a, pair.b} == {"alice", "carol"}:
            assert pair.score < 0.2
    # the stub alone shares nothing with anyone: starter code is boilerplate
    assert all("dave" not in (p.a, p.b) or p.score < 0.05 for p in pairs)


def test_independent_correct_solutions_share_little():
    pairs = similar_pairs({"alice": solved(0), "carol": solved(1)}, starter_code())
    assert not pairs or pairs[0].score < 0.2


HELPER = """

def check_shapes(tensors, expected_shapes):
    \"\"\"Given to students: raise if any tensor's shape is not the expected one.\"\"\"
    for index, (tensor, expected) in enumerate(zip(tensors, expected_shapes)):
        if tuple(tensor.shape) != tuple(expected):
            raise ValueError(f"tensor {index} has shape {tuple(tensor.shape)}, expected {tuple(expected)}")
    return True
"""


def test_starter_code_is_boilerplate():
    """Code every student got from the course (a helper in the stub) does not make two
    independent solutions alike."""
    sources = {"alice": solved(0) + HELPER, "carol": solved(1) + HELPER}
    without = similar_pairs(sources, [])
    with_starter = similar_pairs(sources, [STUB + HELPER])
    assert without and without[0].score > 0.2
    assert not with_starter or with_starter[0].score < without[0].score / 2


def test_sources_of_folders_modules_and_notebooks(tmp_path):
    import nbformat

    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "broadcasting.py").write_text("x = 1\n")
    (tmp_path / "one.py").write_text("y = 2\n")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("text"), nbformat.v4.new_code_cell("z = 3")]
    nbformat.write(notebook, str(tmp_path / "nb.ipynb"))
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert [source_of(tmp_path / n).strip() for n in ("folder", "one.py", "nb.ipynb", "bad.ipynb")] == \
        ["x = 1", "y = 2", "z = 3", ""]
