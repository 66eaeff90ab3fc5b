"""Every file fundmodel writes appears whole or not at all.

A file is written beside its target under a hidden name (``.NAME.partial-PID.SUFFIX``, the
suffix kept so that writers that check it still work), flushed to disk, then renamed over the
target in one step. The partial file is removed when the writer fails, on Ctrl-C (SIGINT) and
on SIGTERM (see :func:`install_signal_cleanup`). Before anything is written the target is
checked: not empty, not a folder, in a folder that exists, not one of the command's inputs,
and with a suffix that matches what is written.

Writers that produce the file themselves (openpyxl's ``save``) use :func:`atomic_path`::

    with atomic_path("book.xlsx", suffixes=(".xlsx",), inputs=[source]) as partial:
        workbook.save(partial)

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> write_text(folder / "a.yaml", "x: 1\\n", suffixes=(".yaml",)).read_text()
'x: 1\\n'
>>> sorted(p.name for p in folder.iterdir())  # no partial file left
['a.yaml']
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

from fundmodel.errors import InputError
from fundmodel.inputs.limits import quoted
from fundmodel.messages import Message

#: Partial files being written now, removed should the process be stopped by a signal.
_PENDING: set[Path] = set()


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM (or SIGHUP): unwinds like Ctrl-C, so partial files go."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    remove_pending()
    raise Terminated(signum)


def install_signal_cleanup() -> None:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` so that every ``finally`` runs and
    partial files are removed (only in the main thread; SIGINT already raises
    KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), _on_signal)


def remove_pending() -> None:
    """Remove every partial file this process is writing."""
    for path in list(_PENDING):
        with suppress(OSError):
            path.unlink()
        _PENDING.discard(path)


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    with suppress(OSError):
        return a.exists() and b.exists() and os.path.samefile(a, b)
    return False


def check_output_path(
    target: str | os.PathLike, *, inputs: Iterable[str | os.PathLike | None] = (), suffixes: Iterable[str] = ()
) -> Path:
    """The output path, refused (one line naming it and the rule) when it is empty, a
    folder, in a folder that does not exist, one of ``inputs``, or without one of
    ``suffixes`` (lower case, with the dot).

    >>> check_output_path("out.csv", suffixes=(".csv",)).name
    'out.csv'
    >>> check_output_path("out.csv", suffixes=(".xlsx",))
    Traceback (most recent call last):
    ...
    fundmodel.errors.InputError: out.csv: this output is written as .xlsx; give a file name ending in .xlsx
    """
    text = os.fspath(target)
    if not str(text).strip():
        raise InputError(Message("output_name_empty"))
    path = Path(text).expanduser()
    shown = quoted(str(path), 200).strip("'")
    allowed = tuple(s.lower() for s in suffixes)
    if allowed and path.suffix.lower() not in allowed:
        raise InputError(Message("output_suffix", {"file": shown, "suffixes": " / ".join(allowed)}))
    if path.is_dir():
        raise InputError(Message("output_is_folder", {"file": shown}))
    parent = path.parent
    if not parent.exists():
        raise InputError(Message("output_no_folder", {"file": shown, "folder": quoted(str(parent), 200)}))
    if not parent.is_dir():
        raise InputError(Message("output_parent_is_file", {"file": shown, "folder": quoted(str(parent), 200)}))
    for source in inputs:
        if source is not None and _same_file(path, Path(source)):
            raise InputError(Message("output_is_input", {"file": shown}))
    return path


@contextmanager
def atomic_path(
    target: str | os.PathLike, *, inputs: Iterable[str | os.PathLike | None] = (), suffixes: Iterable[str] = ()
) -> Iterator[Path]:
    """Yield a partial path beside ``target`` to write to; when the block ends normally it
    replaces ``target`` in one rename, otherwise (an error, Ctrl-C, SIGTERM) it is removed."""
    path = check_output_path(target, inputs=inputs, suffixes=suffixes)
    partial = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    _PENDING.add(partial)
    try:
        yield partial
        if not partial.exists():
            raise InputError(Message("output_nothing_written", {"file": str(path)}))
        with open(partial, "rb+") as handle:  # on disk before the rename makes it visible
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        _PENDING.discard(partial)
        with suppress(OSError):
            partial.unlink()


def write_bytes(
    target: str | os.PathLike,
    data: bytes,
    *,
    inputs: Iterable[str | os.PathLike | None] = (),
    suffixes: Iterable[str] = (),
) -> Path:
    """Write ``data`` to ``target`` whole or not at all; returns the path written."""
    with atomic_path(target, inputs=inputs, suffixes=suffixes) as partial, open(partial, "wb") as handle:
        handle.write(data)
    return Path(target)


def write_text(
    target: str | os.PathLike,
    text: str,
    *,
    inputs: Iterable[str | os.PathLike | None] = (),
    suffixes: Iterable[str] = (),
    encoding: str = "utf-8",
) -> Path:
    """Write ``text`` to ``target`` whole or not at all; returns the path written."""
    return write_bytes(target, text.encode(encoding), inputs=inputs, suffixes=suffixes)
