"""The ``fundmodel`` command.

Each sub-command lives in a module of :mod:`fundmodel.cli` that defines
``register(subparsers)``; modules are discovered, so commands are added without
touching this file. Input errors end with a one-line message and exit code 2.

Every command takes ``--instrument NAME_OR_PATH`` (declared here, once): the parameter
package the command runs on (a bundled name such as ``2025`` or ``2022``, or a folder made
with ``fundmodel new-instrument``). Without it a command runs on its scenario's instrument,
else on 2025. Every command (each action of a command with actions) also takes ``--lang en|zh``
and ``--unit bn|yi`` (declared here, once): the language and money unit of what it prints,
its error messages included.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from fundmodel import __version__
from fundmodel.errors import FundmodelError
from fundmodel.inputs.parameters import using_instrument
from fundmodel.messages import LANGS, Message, render_error
from fundmodel.outputs.atomic import Terminated, install_signal_cleanup, remove_pending

if TYPE_CHECKING:
    from fundmodel.inputs.portfolio import Portfolio

#: Exit code for unreadable or invalid input (argparse uses 2 for usage errors too).
EXIT_INPUT_ERROR = 2
#: Exit code after Ctrl-C (128 + SIGINT), as shells report it.
EXIT_INTERRUPTED = 130


class CommandError(FundmodelError):
    """An error a command reports in one line (exit code given by ``code``)."""

    def __init__(self, message: str | Message, code: int = EXIT_INPUT_ERROR) -> None:
        super().__init__(message)
        self.code = code

    def render(self, lang: str = "en", unit: str = "bn") -> str:
        """The message in ``lang`` and money ``unit``."""
        return render_error(self, lang, unit)


class InvalidPortfolioError(CommandError):
    """A portfolio with validation errors ends the command with its report (exit 1), in
    the command's language and unit."""

    def __init__(self, portfolio: Portfolio, limit: int | None = 50) -> None:
        super().__init__(portfolio.report(limit=limit), code=1)
        self.portfolio, self.limit = portfolio, limit

    def render(self, lang: str = "en", unit: str = "bn") -> str:
        return self.portfolio.report(limit=self.limit, lang=lang, unit=unit)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
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
        for leaf in _leaf_parsers(command):
            add_language_options(leaf)
    return parser


def _leaf_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser``, or the parsers of its actions when it has actions (``scenarios list``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return [leaf for child in action.choices.values() for leaf in _leaf_parsers(child)]
    return [parser]


#: The money units a command prints in: bn RMB or 亿元.
CLI_UNITS = ("bn", "yi")


def add_language_options(parser: argparse.ArgumentParser) -> None:
    """``--lang`` and ``--unit``, which every command takes: the language and the money unit
    of its output and its messages (default English and bn RMB)."""
    parser.add_argument(
        "--lang", choices=LANGS, default="en", help="language of the output and messages: en or zh (default en)"
    )
    parser.add_argument(
        "--unit", choices=CLI_UNITS, default="bn", help="money unit of the output: bn (bn RMB) or yi (亿元); default bn"
    )


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


def error_line(text: str, lang: str = "en") -> str:
    """The one line an error ends a command with, in ``lang``.

    >>> error_line("a.csv: the file is empty")
    'fundmodel: error: a.csv: the file is empty'
    >>> error_line("a.csv：文件为空", "zh")
    'fundmodel：错误：a.csv：文件为空'
    """
    return Message("cli_error", {"message": text}).render(lang)


def wrote_scenarios(path: object, scenarios: int, seconds: float, lang: str = "en") -> str:
    """The line saying a file of ``scenarios`` scenarios was written, in ``lang``.

    >>> wrote_scenarios("book.xlsx", 2, 1.234, "zh")
    '已写入 book.xlsx（2 个情景，用时 1.23 秒）'
    """
    return Message("cli_wrote_scenarios", {"path": str(path), "n": scenarios, "seconds": seconds}).render(lang)


def warn(lines: Sequence[str]) -> None:
    """Print warnings (each names its file, row and column) on standard error."""
    for line in lines:
        print(f"fundmodel: warning: {line}", file=sys.stderr)


class OneLineParser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error: ``fundmodel: error: run: ...``,
    naming the command and where its options are listed (no usage dump), exit code 2."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("fundmodel").strip()
        text = Message("cli_usage_error", {"message": " ".join(message.split()), "help": f"{self.prog} --help"})
        self.exit(EXIT_INPUT_ERROR, f"fundmodel: error: {command + ': ' if command else ''}{text}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every error a user can cause ends in one line (exit 2), Ctrl-C in
    ``fundmodel: interrupted`` (exit 130) at any moment, SIGTERM in ``fundmodel: terminated``."""
    try:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)  # from here Ctrl-C unwinds
        return _run(argv)
    except KeyboardInterrupt:
        return _interrupted()


def _interrupted() -> int:
    """Remove partial files (a second Ctrl-C must not stop that) and say so in one line."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        remove_pending()
        print("fundmodel: interrupted", file=sys.stderr)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    return EXIT_INTERRUPTED


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    install_signal_cleanup()  # SIGTERM unwinds like Ctrl-C: no partial file is left
    lang, unit = getattr(args, "lang", "en"), getattr(args, "unit", "bn")
    try:
        with using_instrument(args.instrument):
            return int(args.handler(args) or 0)
    except CommandError as exc:
        print(error_line(exc.render(lang, unit), lang), file=sys.stderr)
        return exc.code
    except (FundmodelError, OSError) as exc:
        # A user's input or file; anything else is a bug and keeps its traceback.
        print(error_line(" ".join(render_error(exc, lang, unit).split()), lang), file=sys.stderr)
        return EXIT_INPUT_ERROR
    except MemoryError:
        print(error_line(Message("cli_out_of_memory").render(lang), lang), file=sys.stderr)
        return EXIT_INPUT_ERROR
    except Terminated as exc:
        print("fundmodel: terminated", file=sys.stderr)
        return 128 + exc.signum


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
