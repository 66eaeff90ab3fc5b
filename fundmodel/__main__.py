"""``python -m fundmodel`` and the ``fundmodel`` command.

Ctrl-C at any moment ends the command with one line and exit code 130, never a traceback:
while the libraries load (numpy and pandas take a second or more) a SIGINT handler ends the
process at once (nothing has been written yet); from then on :func:`fundmodel.cli.main`
turns Ctrl-C into the same line after removing any partial output file.
"""

from __future__ import annotations

import os
import signal
import sys

from fundmodel.message_table import argv_lang, templates

#: Exit code of Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130


def _interrupted_while_loading(_signum: int, _frame: object) -> None:
    line = templates()["cli_interrupted"][argv_lang(sys.argv[1:])]  # the standard library only: no numpy yet
    os.write(2, (line + "\n").encode())
    os._exit(EXIT_INTERRUPTED)  # no Python code of the command has run: nothing to clean up


def main() -> int:
    """Run the command of ``sys.argv``; the ``fundmodel`` script's entry point."""
    signal.signal(signal.SIGINT, _interrupted_while_loading)
    from fundmodel.cli import main as run_command  # it takes Ctrl-C over once loaded

    code = run_command()
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the command is over: its exit code stands
    return code


if __name__ == "__main__":
    sys.exit(main())
