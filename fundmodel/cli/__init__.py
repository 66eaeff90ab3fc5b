"""The ``fundmodel`` command.

Each sub-command lives in a module of :mod:`fundmodel.cli` that defines
``register(subparsers)``; modules are discovered, so commands are added without
touching this file. Input errors end with a one-line message and exit code 2.

Every command takes ``--instrument NAME_OR_PATH`` (declared here, once): the parameter
package the command runs on (a bundled name such as ``2025`` or ``2022``, or a folder made
with ``fundmodel new-instrument``). Without it a command runs on its scenario's instrument,
else on 2025.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from collections.abc import Sequence

from fundmodel import __version__
from fundmodel.errors import FundmodelError
from fundmodel.inputs.parameters import using_instrument
from fundmodel.outputs.atomic import Terminated, install_signal_cleanup

#: Exit code for unreadable or invalid input (argparse uses 2 for usage errors too).
EXIT_INPUT_ERROR = 2
#: Exit code after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


class CommandError(FundmodelError):
    """An error a command reports in one line (exit code given by ``code``)."""

    def __init__(self, message: str, code: int = EXIT_INPUT_ERROR) -> None:
        super().__init__(message)
        self.code = code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fundmodel",
        description="Leverage and project portfolios of China's policy-based financial instruments "
        "(the 2025 instrument by default, its 2022 precedent, or any parameter package).",
    )
    parser.add_argument("--version", action="version", version=f"fundmodel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "register"):
            module.register(sub)
    for command in sub.choices.values():
        add_instrument_option(command)
    return parser


def add_instrument_option(parser: argparse.ArgumentParser) -> None:
    """``--instrument NAME_OR_PATH``, the one option every command shares."""
    parser.add_argument(
        "--instrument",
        metavar="NAME_OR_PATH",
        default=None,
        help="instrument (parameter package): a bundled name (2025, 2022) or a package folder; "
        "default: the scenario's instrument, else 2025",
    )


def stamped_json(text: str, instrument: str) -> str:
    """A command's JSON document with the instrument it ran on as its first key, so that every
    result records its instrument (the one place that adds it).

    >>> print(stamped_json('{"total": 1}', "2022"))
    {
      "instrument": "2022",
      "total": 1
    }
    """
    return json.dumps({"instrument": instrument, **json.loads(text)}, ensure_ascii=False, indent=2)


def warn(lines: Sequence[str]) -> None:
    """Print warnings (each names its file, row and column) on standard error."""
    for line in lines:
        print(f"fundmodel: warning: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        parser = build_parser()
    except KeyboardInterrupt:  # Ctrl-C while the commands load
        print("fundmodel: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    args = parser.parse_args(argv)
    install_signal_cleanup()  # SIGTERM unwinds like Ctrl-C: no partial file is left
    try:
        with using_instrument(args.instrument):
            return int(args.handler(args) or 0)
    except CommandError as exc:
        print(f"fundmodel: error: {exc}", file=sys.stderr)
        return exc.code
    except (FundmodelError, OSError) as exc:
        # A user's input or file; anything else is a bug and keeps its traceback.
        message = " ".join(str(exc).split())
        print(f"fundmodel: error: {message}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except MemoryError:
        print("fundmodel: error: out of memory (an input far larger than it looks?)", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except Terminated as exc:
        print("fundmodel: terminated", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print("fundmodel: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
