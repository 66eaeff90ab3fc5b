"""A griffe extension for the API reference: doctest lines in a docstring (``>>>`` and the
expected output below them) are shown as Python console code blocks, not as prose."""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Wrap each run of doctest lines (a ``>>>`` line up to the next blank line) in a
    ``pycon`` fence.

    >>> fence_doctests("Example: 2 + 2.\\n\\n>>> 2 + 2\\n4")
    'Example: 2 + 2.\\n\\n```pycon\\n>>> 2 + 2\\n4\\n```'
    """
    out: list[str] = []
    inside = False
    for line in text.split("\n"):
        if not inside and line.lstrip().startswith(">>>"):
            out.append("```pycon")
            inside = True
        elif inside and not line.strip():
            out.append("```")
            inside = False
        out.append(line)
    if inside:
        out.append("```")
    return "\n".join(out)


class DoctestBlocks(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)
