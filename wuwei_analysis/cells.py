"""Reading a notebook's parameter names from cell source, without a kernel or pandas.

The build reads the names a notebook's ``parameters`` cell declares; a running notebook reads
the names papermill's ``injected-parameters`` cell assigns. Both use :func:`assigned_names`.
"""

from __future__ import annotations

import ast
import re

# A top-level ``name = …`` or ``name: type = …`` line, for source that does not parse.
_ASSIGNMENT_LINE = re.compile(r"^([A-Za-z_]\w*)\s*(?::[^=\n]*)?=(?!=)", flags=re.M)


def assigned_names(source: str) -> set[str]:
    """Names a cell assigns at top level: ``a = 1``, ``a = b = 1`` and ``a: int = 1``.

    Source that does not parse (IPython magics, a typo) falls back to reading
    ``name = …`` lines, so one bad line does not hide every parameter.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set(_ASSIGNMENT_LINE.findall(source))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        else:
            continue
        names.update(target.id for target in targets if isinstance(target, ast.Name))
    return names
