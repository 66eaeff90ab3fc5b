"""``fundmodel new-instrument NAME --from 2025``: copy an instrument's parameter package for editing."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from fundmodel.cli import CommandError
from fundmodel.inputs.parameters import SECTION_FILES, bundled_instruments, instrument_dir, load_parameters
from fundmodel.messages import Message


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "new-instrument",
        help="copy an instrument's parameter package into a new folder, to edit for a new round",
        description="Copy the six YAML files of an instrument (a bundled name or a package folder) into DIR/NAME. "
        "Edit them, then run any command with --instrument DIR/NAME; the package is validated strictly when loaded "
        "(a field without a cap, an allocation that does not match the fields and banks, a bank without a quota, "
        "a parameter without its description in English and Chinese (description, description_zh): "
        "each an error naming file and key).",
    )
    p.add_argument("name", metavar="NAME", help="name of the new instrument (the folder's name)")
    p.add_argument(
        "--from",
        dest="source",
        metavar="NAME_OR_PATH",
        default=bundled_instruments()[0],
        help=f"instrument to copy (default {bundled_instruments()[0]})",
    )
    p.add_argument("--dir", metavar="PATH", default=".", help="folder to create NAME in (default: the current one)")
    p.set_defaults(handler=handle)


def copy_package(source: str, target: Path) -> Path:
    """Copy ``source``'s parameter files (not its reported outturn, which belongs to it) to
    ``target``, whole or not at all: into a temporary folder beside it, then renamed."""
    if target.exists():
        raise CommandError(Message("new_instrument_exists", {"path": str(target)}))
    if not target.parent.is_dir():
        raise CommandError(Message("new_instrument_no_folder", {"path": str(target.parent)}))
    folder = instrument_dir(source)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for name in SECTION_FILES.values():
            shutil.copy2(folder / name, staging / name)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def handle(args: argparse.Namespace) -> int:
    name = args.name.strip()
    if not name or Path(name).name != name or name in (".", ".."):
        raise CommandError(Message("new_instrument_bad_name", {"name": repr(args.name)}))
    target = copy_package(args.source, Path(args.dir) / name)
    params = load_parameters(instrument=target)  # a copy of a valid package loads
    counts = {"fields": len(params.field_ids), "banks": len(params.bank_ids), "source": args.source}
    print(Message("new_instrument_wrote", {"path": str(target), **counts}).render(args.lang))
    return 0
