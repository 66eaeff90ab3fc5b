"""``fundmodel scenarios``: the scenario library (save, list, show, history, export, rename,
delete, restore, official, roles, grant).

The library is a database: SQLite by default, any SQLAlchemy URL with ``--db`` or
``FUNDMODEL_DB_URL`` (see :mod:`fundmodel.store`). Exit codes: 0 done, 2 bad input or
a refused operation, 3 a change refused because the library has a newer version.

A shared library (one whose role table has a row: ``fundmodel scenarios grant``) checks
every write against the writer's role, as the dashboard does: the writer is ``--author``,
else ``FUNDMODEL_AUTHOR``, else the login name, and its role is the one the role table
gives it (viewer when it is not listed).
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from fundmodel.cli import CommandError
from fundmodel.inputs import yaml_loader
from fundmodel.inputs.parameters import ParameterError
from fundmodel.labels import label
from fundmodel.messages import Message, message_or_text
from fundmodel.outputs.atomic import check_output_path, write_text
from fundmodel.outputs.report import text_table
from fundmodel.store import (
    ENV_AUTHOR,
    ENV_URL,
    ROLES,
    ScenarioStore,
    StaleVersionError,
    default_author,
    format_change,
    format_time_cst_utc,
    scenario_from_text,
    split_export_header,
)

#: Exit code when a change is refused because the library has a newer version.
EXIT_STALE = 3


def register(sub: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="URL_OR_PATH",
        help=f"library database: a SQLAlchemy URL or a SQLite file (default: ${ENV_URL}, else a file in the "
        "user's data directory)",
    )
    author = argparse.ArgumentParser(add_help=False)
    author.add_argument(
        "--author",
        help=f"who makes the change (default: ${ENV_AUTHOR}, else the login name); in a shared library the "
        "identity whose role (from the role table) is checked",
    )
    author.add_argument("--note", default="", help="a note kept with the version")

    p = sub.add_parser("scenarios", help="the scenario library: save, list, show, history, export, rename, delete")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    a = actions.add_parser("list", parents=[common], help="list the saved scenarios")
    a.add_argument("--all", action="store_true", help="include deleted scenarios")
    a.add_argument("--format", choices=["table", "json"], default="table")
    a.set_defaults(handler=_guard(handle_list))

    a = actions.add_parser("save", parents=[common, author], help="save a scenario file as a new version")
    a.add_argument("file", metavar="FILE", help="scenario YAML")
    a.add_argument("--name", help="name in the library (default: the file name without .yaml)")
    a.add_argument(
        "--base-version",
        type=int,
        metavar="N",
        help="the version your file was made from (required to update an existing scenario; read from the "
        "header of an exported file)",
    )
    a.set_defaults(handler=_guard(handle_save))

    a = actions.add_parser("show", parents=[common], help="show a version (default: the latest)")
    a.add_argument("name")
    a.add_argument("--version", type=int, metavar="N")
    a.add_argument("--format", choices=["yaml", "json"], default="yaml")
    a.set_defaults(handler=_guard(handle_show))

    a = actions.add_parser("history", parents=[common], help="every version of a scenario")
    a.add_argument("name")
    a.add_argument("--format", choices=["table", "json"], default="table")
    a.add_argument("--diff", action="store_true", help="under each version, what it changed in the overrides")
    a.set_defaults(handler=_guard(handle_history))

    a = actions.add_parser("export", parents=[common], help="write a version as a scenario file")
    a.add_argument("name")
    a.add_argument("--version", type=int, metavar="N")
    a.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    a.set_defaults(handler=_guard(handle_export))

    a = actions.add_parser("rename", parents=[common, author], help="rename a scenario")
    a.add_argument("name")
    a.add_argument("new_name")
    a.add_argument("--base-version", type=int, metavar="N", help="refuse if the library has moved past N")
    a.set_defaults(handler=_guard(handle_rename))

    a = actions.add_parser("delete", parents=[common, author], help="delete a scenario (soft: history is kept)")
    a.add_argument("name")
    a.add_argument("--base-version", type=int, metavar="N", help="refuse if the library has moved past N")
    a.set_defaults(handler=_guard(handle_delete))

    a = actions.add_parser("restore", parents=[common, author], help="restore a deleted scenario")
    a.add_argument("name")
    a.set_defaults(handler=_guard(handle_restore))

    a = actions.add_parser(
        "official", parents=[common, author], help="mark a scenario official (owners only save new versions)"
    )
    a.add_argument("name")
    a.add_argument("--unset", action="store_true", help="remove the mark")
    a.set_defaults(handler=_guard(handle_official))

    a = actions.add_parser("roles", parents=[common], help="the role table of a shared library")
    a.set_defaults(handler=_guard(handle_roles))

    a = actions.add_parser(
        "grant", parents=[common, author], help="give an identity a role (the first grant makes the library shared)"
    )
    a.add_argument("identity", help="the signed-in name (e-mail or login)")
    a.add_argument("role", choices=ROLES)
    a.set_defaults(handler=_guard(handle_grant))


def _guard(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Database failures after opening (connection lost, lock timeout) end in one line."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
            raise CommandError(Message("library_database_error", {"reason": reason})) from None

    return run


def _say(args: argparse.Namespace, message_id: str, **params: object) -> None:
    """Print a message of the table in the command's language."""
    print(Message(message_id, params).render(args.lang, args.unit))


def _store(args: argparse.Namespace) -> ScenarioStore:
    """The library; in a shared one, bound to the writer's identity and role."""
    store = ScenarioStore(args.db)
    if store.roles_enabled():
        return store.acting_as(store.identity_for(getattr(args, "author", None) or default_author()))
    return store


def handle_list(args: argparse.Namespace) -> int:
    with _store(args) as store:
        items = store.list(include_deleted=args.all)
    if args.format == "json":
        print(json.dumps([i.to_dict() for i in items], ensure_ascii=False, indent=2))
        return 0
    lang = args.lang
    rows = [
        [
            Message("library_deleted_name", {"name": i.name}).render(lang) if i.deleted else i.name,
            str(i.current_version),
            format_time_cst_utc(i.updated_at),
            i.updated_by,
        ]
        for i in items
    ]
    heads = [label("name", lang), label("version", lang), label("saved_at", lang), label("author", lang)]
    print(text_table(heads, rows) if rows else Message("library_empty").render(lang))
    return 0


def handle_save(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        content = yaml_loader.read_bytes(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(Message("library_not_utf8", {"file": str(path), "reason": exc.reason})) from None
    body, _, exported_name = split_export_header(content)
    scenario_from_text(body, path.name)  # refused before the library is opened (or created)
    name = args.name or exported_name or path.stem
    with _store(args) as store:
        try:
            info = store.save(name, content, base_version=args.base_version, author=args.author, note=args.note)
        except StaleVersionError as exc:
            raise CommandError(exc.text or str(exc), code=EXIT_STALE) from None
    when = format_time_cst_utc(info.created_at)
    _say(args, "library_saved", name=repr(info.name), version=info.version, author=info.author, time=when)
    return 0


def handle_show(args: argparse.Namespace) -> int:
    with _store(args) as store:
        stored = store.get(args.name, args.version)
    stored.scenario()  # refuse to show text that no longer validates without saying so
    if args.format == "json":
        print(json.dumps({**stored.info.to_dict(), "text": stored.text}, ensure_ascii=False, indent=2))
    else:
        i = stored.info
        params = {"name": i.name, "version": i.version, "action": _action(i.action), "author": i.author}
        head = Message("library_show_head", {**params, "time": format_time_cst_utc(i.created_at)}).render(args.lang)
        sys.stdout.write(
            f"# {head}"
            + (f"{'：' if args.lang == 'zh' else ': '}{i.note}" if i.note else "")
            + "\n"
            + stored.text
            + ("" if stored.text.endswith("\n") else "\n")
        )
    return 0


def handle_history(args: argparse.Namespace) -> int:
    with _store(args) as store:
        versions = store.history(args.name)
    if args.format == "json":
        print(json.dumps([v.to_dict() for v in versions], ensure_ascii=False, indent=2))
        return 0
    lang = args.lang
    rows = [
        [str(v.version), _action(v.action).render(lang), v.name, v.author, format_time_cst_utc(v.created_at), v.note]
        for v in versions
    ]
    action = Message("library_action").render(lang)
    heads = [label("version", lang), action, label("name", lang), label("author", lang), label("saved_at", lang)]
    table = text_table([*heads, label("note", lang)], rows)
    if not args.diff:
        print(table)
        return 0
    lines = table.splitlines()
    head, body = lines[: len(lines) - len(rows)], lines[len(lines) - len(rows) :]
    print("\n".join(head))
    for line, v in zip(body, versions, strict=True):
        print(line)
        for change in v.changes:
            print(f"    {format_change(change)}")
    return 0


def handle_export(args: argparse.Namespace) -> int:
    suffixes = (".yaml", ".yml")
    if args.out is not None:  # refused before the library is opened
        check_output_path(args.out, suffixes=suffixes)
    with _store(args) as store:
        text = store.get(args.name, args.version).export_text()
    if args.out is not None:
        write_text(args.out, text, suffixes=suffixes)
        _say(args, "library_wrote", path=str(args.out))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def handle_rename(args: argparse.Namespace) -> int:
    with _store(args) as store:
        try:
            info = store.rename(args.name, args.new_name, args.author, args.base_version, args.note)
        except StaleVersionError as exc:
            raise CommandError(exc.text or str(exc), code=EXIT_STALE) from None
    _say(args, "library_renamed", name=repr(args.name), new=repr(info.name), version=info.version)
    return 0


def handle_delete(args: argparse.Namespace) -> int:
    with _store(args) as store:
        try:
            info = store.delete(args.name, args.author, args.base_version, args.note)
        except StaleVersionError as exc:
            raise CommandError(exc.text or str(exc), code=EXIT_STALE) from None
    restore = "fundmodel scenarios restore"
    _say(args, "library_deleted", name=repr(args.name), version=info.version, command=restore)
    return 0


def handle_restore(args: argparse.Namespace) -> int:
    with _store(args) as store:
        info = store.restore(args.name, args.author, args.note)
    _say(args, "library_restored", name=repr(args.name), version=info.version)
    return 0


def handle_official(args: argparse.Namespace) -> int:
    with _store(args) as store:
        info = store.set_official(args.name, not args.unset, args.note, args.author)
    which = "library_not_official" if args.unset else "library_official"
    _say(args, which, name=repr(args.name), version=info.version)
    return 0


def handle_roles(args: argparse.Namespace) -> int:
    with _store(args) as store:
        roles = store.roles()
    lang = args.lang
    rows = [[name, label(f"role_{role}", lang)] for name, role in sorted(roles.items())]
    heads = [Message("library_identity").render(lang), Message("library_role").render(lang)]
    print(text_table(heads, rows) if rows else Message("library_no_roles").render(lang))
    return 0


def _action(action: str) -> Message:
    """What a version of the library did (``save``, ``rename``, ... as stored) as a message."""
    return message_or_text(f"library_action_{action}", action)


def handle_grant(args: argparse.Namespace) -> int:
    with _store(args) as store:
        store.grant(args.identity, args.role)
    _say(args, "library_granted", identity=args.identity, role=label(f"role_{args.role}", args.lang))
    return 0
