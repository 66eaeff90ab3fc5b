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
import re
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from fundmodel import __version__
from fundmodel.errors import FundmodelError
from fundmodel.inputs.parameters import using_instrument
from fundmodel.message_table import LANGS, argv_lang
from fundmodel.messages import Message, render_error
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


def build_parser(lang: str = "en") -> argparse.ArgumentParser:
    """The parser of every command; its usage errors in ``lang`` (see :func:`argv_lang`)."""
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
    for each in _all_parsers(parser):
        each.lang = lang
    return parser


def _all_parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """``parser`` and every parser under it (commands and their actions)."""
    children = [
        child
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for child in action.choices.values()
    ]
    return [parser, *(each for child in children for each in _all_parsers(child))]


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


def warn(lines: Sequence[str], lang: str = "en") -> None:
    """Print warnings (each names its file, row and column) on standard error, in ``lang``."""
    for line in lines:
        print(Message("cli_warning", {"message": line}).render(lang), file=sys.stderr)


class OneLineParser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error: ``fundmodel: error: run: ...``,
    naming the command and where its options are listed (no usage dump), exit code 2, in
    the parser's ``lang`` (argparse's own sentences by :func:`usage_message`)."""

    lang = "en"

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("fundmodel").strip()
        params = {"message": usage_message(message), "help": f"{self.prog} --help"}
        text = Message("cli_usage_error", params).render(self.lang)
        if command:
            text = Message("cli_in_command", {"command": command, "message": text}).render(self.lang)
        self.exit(EXIT_INPUT_ERROR, error_line(text, self.lang) + "\n")


#: argparse's own sentences (Python 3.11-3.13, ``argparse._(...)``) and the message id each
#: is said by; a sentence argparse words differently in another version falls back to
#: ``cli_usage_other``, which keeps argparse's text and says in the user's language that the
#: command line is wrong.
ARGPARSE_SENTENCES: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (?P<args>.+)", "cli_arg_required"),
    (r"unrecognized arguments: (?P<args>.+)", "cli_arg_unrecognized"),
    (r"one of the arguments (?P<args>.+) is required", "cli_arg_one_of_required"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", "cli_arg_ambiguous"),
    (r"argument (?P<argument>[^:]+): (?P<detail>.+)", "cli_arg_argument"),
    (r"invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)", "cli_arg_invalid_choice"),
    (r"invalid (?P<type>\w+) value: (?P<value>.+)", "cli_arg_invalid_value"),
    (r"expected one argument", "cli_arg_expected_one"),
    (r"expected at most one argument", "cli_arg_expected_at_most_one"),
    (r"expected at least one argument", "cli_arg_expected_at_least_one"),
    (r"expected (?P<n>\d+) arguments?", "cli_arg_expected_n"),
    (r"not allowed with argument (?P<other>.+)", "cli_arg_not_allowed_with"),
    (r"ignored explicit argument (?P<value>.+)", "cli_arg_ignored_explicit"),
)


def usage_message(text: str) -> Message:
    """argparse's error sentence as a message (its options, values and choices kept).

    A table of argparse's sentences rather than a gettext catalog for the ``argparse``
    domain: a catalog is compiled, global to the process (``gettext.textdomain``) and
    chosen by the environment's locale, whereas ``--lang`` is one command's option.

    >>> usage_message("argument --limit: invalid int value: 'x'").render("zh")
    "参数 --limit：无效的整数值：'x'"
    >>> usage_message("the following arguments are required: --portfolio").render("zh")
    '缺少必需的参数：--portfolio'
    """
    text = " ".join(text.split())
    for pattern, message_id in ARGPARSE_SENTENCES:
        found = re.fullmatch(pattern, text)
        if found:
            params = found.groupdict()
            if "detail" in params:
                params["detail"] = usage_message(params["detail"])
            if params.get("type") in ("int", "float"):  # a type= function's name otherwise
                params["type"] = Message(f"cli_type_{params['type']}")
            return Message(message_id, params)
    return Message("cli_usage_other", {"text": text})


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every error a user can cause ends in one line (exit 2), Ctrl-C in
    ``fundmodel: interrupted`` (exit 130) at any moment, SIGTERM in ``fundmodel: terminated``."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)  # from here Ctrl-C unwinds
        return _run(argv)
    except KeyboardInterrupt:
        return _interrupted(argv_lang(argv))


def _interrupted(lang: str = "en") -> int:
    """Remove partial files (a second Ctrl-C must not stop that) and say so in one line."""
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    try:
        remove_pending()
        print(Message("cli_interrupted").render(lang), file=sys.stderr)
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)
    return EXIT_INTERRUPTED


def _run(argv: Sequence[str]) -> int:
    args = build_parser(argv_lang(argv)).parse_args(argv)
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
        print(Message("cli_terminated").render(lang), file=sys.stderr)
        return 128 + exc.signum


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
