"""The project's size rule: no function longer than 60 lines (README, conventions).

A function's length is its lines from ``def`` to its last line, its docstring not counted (a
long parameter list counts; a long docstring does not). Methods and nested functions are
measured too.
"""

from __future__ import annotations

import ast

import pytest
from conftest import REPO

MAX_LINES = 60
CHECKED = ("src/motifrep", "workflow/scripts", "bench")


def function_lengths(source: str) -> list[tuple[str, int, int]]:
    """``(name, first line, length without docstring)`` of every function in ``source``."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                length -= first.end_lineno - first.lineno + 1
            out.append((node.name, node.lineno, length))
    return out


def test_function_lengths_counts_code_not_docstring():
    source = 'def f(a,\n      b):\n    """Doc\n\n    more.\n    """\n    x = 1\n\n    return x\n'
    # 9 lines, 4 of them the docstring
    assert function_lengths(source) == [("f", 1, 5)]


@pytest.mark.parametrize("folder", CHECKED)
def test_no_function_over_60_lines(folder):
    too_long = [
        f"{path.relative_to(REPO)}:{line} {name}: {length} lines"
        for path in sorted((REPO / folder).rglob("*.py"))
        for name, line, length in function_lengths(path.read_text())
        if length > MAX_LINES
    ]
    assert not too_long, f"over {MAX_LINES} lines (docstring not counted): " + "; ".join(too_long)
