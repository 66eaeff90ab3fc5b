"""The message table and the language a command line asks for, with the standard library
only: what Ctrl-C says while numpy and pandas are still loading (:mod:`fundmodel.__main__`)
comes from the same table as every other message (:mod:`fundmodel.messages` renders it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from functools import cache
from importlib import resources

LANGS = ("en", "zh")


@cache
def templates() -> dict[str, dict[str, str]]:
    """The message table (``fundmodel/inputs/data/messages.csv``): id -> {"en": template, "zh": template}.

    >>> templates()["cli_interrupted"]["zh"]
    'fundmodel：已中断'
    """
    text = resources.files("fundmodel.inputs.data").joinpath("messages.csv").read_text(encoding="utf-8")
    return {row["id"]: {"en": row["en"], "zh": row["zh"]} for row in csv.DictReader(io.StringIO(text))}


def argv_lang(argv: Sequence[str]) -> str:
    """The ``--lang`` of a command line, read before the line is parsed, so that an error in
    parsing it (or Ctrl-C at any moment) is said in the user's language; "en" without one.

    >>> argv_lang(["run", "--format", "xx", "--lang", "zh"]), argv_lang(["run", "--lang=zh"])
    ('zh', 'zh')
    >>> argv_lang(["run", "--lang"]), argv_lang(["run", "--lang", "fr"]), argv_lang(["--", "--lang", "zh"])
    ('en', 'en', 'en')
    """
    found = "en"
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else arg.removeprefix("--lang=")
        if (arg == "--lang" or arg.startswith("--lang=")) and value in LANGS:
            found = value
    return found
