"""``fundmodel mapping``: keep the column mapping of a template received every month.

``fundmodel mapping save NAME --map HEADER=COLUMN_ID ...`` writes the profile NAME (under
``$XDG_DATA_HOME/fundmodel/mappings``); ``--mapping-profile NAME`` on ``validate`` and every
command that takes ``--portfolio`` applies it. ``list`` names the profiles kept, ``show``
prints one.
"""

from __future__ import annotations

import argparse

from fundmodel.cli import CommandError
from fundmodel.cli.run import add_input_unit_option, add_map_option, column_map_args
from fundmodel.inputs.portfolio.mapping import (
    ColumnMapping,
    load_mapping_profile,
    mapping_profiles,
    mapping_yaml,
    mappings_dir,
    profile_path,
    save_mapping_profile,
)
from fundmodel.messages import Message


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mapping", help="keep named column mappings (profiles) for templates received every month")
    actions = p.add_subparsers(dest="mapping_command", required=True, metavar="ACTION")
    save = actions.add_parser(
        "save",
        help="save a profile from --map options (and/or --mapping FILE, --mapping-profile NAME)",
    )
    save.add_argument("name", metavar="NAME", help="profile name (letters, digits, _ and -)")
    add_input_unit_option(save)
    add_map_option(save)
    save.set_defaults(handler=handle_save)
    listing = actions.add_parser("list", help="the profiles kept, and where")
    listing.set_defaults(handler=handle_list)
    show = actions.add_parser("show", help="print a profile")
    show.add_argument("name", metavar="NAME")
    show.set_defaults(handler=handle_show)


def handle_save(args: argparse.Namespace) -> int:
    columns, _, unit = column_map_args(args)
    if not columns:
        raise CommandError(Message("mapping_save_nothing"))
    path = save_mapping_profile(args.name, ColumnMapping(columns, unit))
    print(Message("mapping_saved", {"name": args.name, "columns": len(columns), "path": str(path)}).render(args.lang))
    return 0


def handle_list(args: argparse.Namespace) -> int:
    names = ", ".join(mapping_profiles()) or Message("mapping_profiles_none")
    print(Message("mapping_profiles_list", {"folder": str(mappings_dir()), "names": names}).render(args.lang))
    return 0


def handle_show(args: argparse.Namespace) -> int:
    mapping = load_mapping_profile(args.name)
    print(f"# {profile_path(args.name)}")
    print(mapping_yaml(mapping), end="")
    return 0
