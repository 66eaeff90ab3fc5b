"""The scenario library: saved scenarios with full version history, in a real database.

SQLAlchemy 2 (Core); SQLite file by default, any SQLAlchemy URL (e.g.
``postgresql+psycopg://user@host/db``) through ``FUNDMODEL_DB_URL`` or the ``url``
argument. Where the default file lives: :func:`default_database_url`.

* Every save is a new version (author, UTC time, note, SHA-256 of the text); renames,
  deletes and restores are versions too, so the history is complete.
* Optimistic concurrency: a save names the version it was based on; if the library has
  moved on, the save is refused (:class:`StaleVersionError`, naming both versions) and
  nothing is written. Concurrent savers are serialised by the database (``SELECT ... FOR
  UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and a unique (scenario,
  version) key backs the check.
* Reads never wait for writers: SQLite runs in WAL mode and reads are plain (deferred)
  transactions that see the last committed state; only writes take the write lock.
* Every write is one transaction: a process killed mid-save leaves the previous version
  intact.
* Deletes are soft: a deleted scenario leaves the list but keeps its history and can be
  restored.
* The schema is created and migrated on first use: ``schema_version`` records each
  applied migration of :data:`MIGRATIONS` (ordered, each in the same transaction).

Scenario text is stored as the YAML the user wrote (comments kept) and validated with
:meth:`fundmodel.inputs.scenario.Scenario.from_dict` before anything is written.
"""

from __future__ import annotations

import copy
import datetime as dt
import getpass
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from fundmodel.errors import FundmodelError, ScenarioNotFoundError, StaleVersionError, StoreError
from fundmodel.inputs import yaml_loader
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.scenario import Scenario, dump_scenario
from fundmodel.messages import Message, os_reason

#: Environment variable holding the database URL (any SQLAlchemy URL).
ENV_URL = "FUNDMODEL_DB_URL"
#: Environment variable naming the author of saves (default: the login name).
ENV_AUTHOR = "FUNDMODEL_AUTHOR"
#: File name of the default SQLite library.
DEFAULT_FILE = "fundmodel-scenarios.sqlite"
#: First line written on export; ``save`` reads the base version back from it.
EXPORT_HEADER = "# fundmodel scenario library: name={name} version={version}"
_HEADER_RE = re.compile(r"^# fundmodel scenario library: name=(?P<name>\".*\") version=(?P<version>\d+)\s*$")

NAME_MAX = 200


# ------------------------------------------------------------------ schema

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("description", String(200), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

scenarios = Table(
    "scenarios",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(NAME_MAX), nullable=False, unique=True),
    Column("current_version", Integer, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("deleted_at", DateTime, nullable=True),
    Column("deleted_by", String(200), nullable=True),
    # added by migration 3
    Column("official", Boolean, nullable=False, default=False),
)

scenario_versions = Table(
    "scenario_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("scenario_id", Integer, ForeignKey("scenarios.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("name", String(NAME_MAX), nullable=False),
    Column("content", Text, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("note", Text, nullable=False),
    # added by migration 2
    Column("action", String(20), nullable=False),
    Column("content_sha256", String(64), nullable=True),
    # added by migration 3: JSON list of {"path", "old", "new"} (see overrides_diff)
    Column("changes", Text, nullable=True),
    UniqueConstraint("scenario_id", "version", name="uq_scenario_version"),
)

library_roles = Table(
    "library_roles",
    metadata,
    Column("identity", String(200), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("granted_by", String(200), nullable=False),
    Column("granted_at", DateTime, nullable=False),
)


def _migration_1(conn: Connection) -> None:
    """Scenarios and their versions (the schema as first released, frozen here)."""
    md = MetaData()
    Table(
        "scenarios",
        md,
        Column("id", Integer, primary_key=True),
        Column("name", String(NAME_MAX), nullable=False, unique=True),
        Column("current_version", Integer, nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("created_by", String(200), nullable=False),
        Column("deleted_at", DateTime, nullable=True),
        Column("deleted_by", String(200), nullable=True),
    )
    Table(
        "scenario_versions",
        md,
        Column("id", Integer, primary_key=True),
        Column("scenario_id", Integer, ForeignKey("scenarios.id"), nullable=False),
        Column("version", Integer, nullable=False),
        Column("name", String(NAME_MAX), nullable=False),
        Column("content", Text, nullable=False),
        Column("author", String(200), nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("note", Text, nullable=False),
        UniqueConstraint("scenario_id", "version", name="uq_scenario_version"),
    )
    md.create_all(conn)


def _migration_2(conn: Connection) -> None:
    """What each version did (save / rename / delete / restore) and a SHA-256 of its text."""
    conn.execute(text("ALTER TABLE scenario_versions ADD COLUMN action VARCHAR(20) NOT NULL DEFAULT 'save'"))
    conn.execute(text("ALTER TABLE scenario_versions ADD COLUMN content_sha256 VARCHAR(64)"))
    rows = conn.execute(select(scenario_versions.c.id, scenario_versions.c.content)).all()
    for row in rows:
        conn.execute(
            update(scenario_versions)
            .where(scenario_versions.c.id == row.id)
            .values(content_sha256=_sha256(row.content))
        )


def _migration_3(conn: Connection) -> None:
    """Roles and audit: ``scenarios.official``, ``scenario_versions.changes`` (the overrides'
    diff against the previous version, filled in for the versions already there) and the
    ``library_roles`` table."""
    conn.execute(text("ALTER TABLE scenarios ADD COLUMN official BOOLEAN NOT NULL DEFAULT FALSE"))
    conn.execute(text("ALTER TABLE scenario_versions ADD COLUMN changes TEXT"))
    md = MetaData()
    Table(
        "library_roles",
        md,
        Column("identity", String(200), primary_key=True),
        Column("role", String(20), nullable=False),
        Column("granted_by", String(200), nullable=False),
        Column("granted_at", DateTime, nullable=False),
    )
    md.create_all(conn)
    v = scenario_versions
    rows = conn.execute(select(v.c.id, v.c.scenario_id, v.c.content).order_by(v.c.scenario_id, v.c.version)).all()
    previous: dict[int, str | None] = {}
    for row in rows:
        changes = overrides_diff(_overrides_of(previous.get(row.scenario_id)), _overrides_of(row.content))
        conn.execute(update(v).where(v.c.id == row.id).values(changes=json.dumps(changes, ensure_ascii=False)))
        previous[row.scenario_id] = row.content


#: Ordered migrations: (version, description, function). Never edit an applied one; append.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "scenarios and scenario_versions", _migration_1),
    (2, "scenario_versions.action and content_sha256", _migration_2),
    (3, "roles and audit: scenarios.official, scenario_versions.changes, library_roles", _migration_3),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def migrate(conn: Connection, target: int | None = None) -> list[int]:
    """Apply the migrations not yet recorded in ``schema_version`` (up to ``target``), in
    order, on ``conn`` (inside the caller's transaction). Returns the versions applied.

    A database newer than this code is refused rather than touched.
    """
    schema_version.create(conn, checkfirst=True)
    applied = set(conn.execute(select(schema_version.c.version)).scalars())
    newest = max(applied, default=0)
    if newest > SCHEMA_VERSION:
        raise StoreError(Message("store_schema_newer", {"found": newest, "known": SCHEMA_VERSION}))
    done = []
    for version, description, apply in MIGRATIONS:
        if version in applied or (target is not None and version > target):
            continue
        apply(conn)
        conn.execute(insert(schema_version).values(version=version, description=description, applied_at=_now()))
        done.append(version)
    return done


# ---------------------------------------------------------------- records


@dataclass(frozen=True)
class VersionInfo:
    """One version of a scenario. Times are UTC."""

    name: str
    version: int
    author: str
    created_at: dt.datetime
    note: str
    action: str
    content_sha256: str
    #: What the version changed in the overrides (see :func:`overrides_diff`).
    changes: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "author": self.author,
            "created_at": self.created_at.isoformat(),
            "created_at_cst": self.created_at.astimezone(CST).isoformat(),
            "note": self.note,
            "action": self.action,
            "content_sha256": self.content_sha256,
            "changes": list(self.changes),
        }


@dataclass(frozen=True)
class ScenarioInfo:
    """A scenario in the library: its latest version and whether it is deleted."""

    name: str
    current_version: int
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    deleted_at: dt.datetime | None
    deleted_by: str | None
    #: Only an owner saves a new version of an official scenario (see :func:`is_official`).
    official: bool = False

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "current_version": self.current_version,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "updated_at": self.updated_at.isoformat(),
            "updated_by": self.updated_by,
            "deleted_at": self.deleted_at.isoformat() if self.deleted_at else None,
            "deleted_by": self.deleted_by,
            "official": self.official,
        }


@dataclass(frozen=True)
class StoredScenario:
    """A version's text (the scenario YAML as saved) and its metadata."""

    info: VersionInfo
    text: str

    def scenario(self) -> Scenario:
        """The validated :class:`Scenario` (errors name ``library:<name>@v<version>``)."""
        return scenario_from_text(self.text, f"library:{self.info.name}@v{self.info.version}")

    def export_text(self) -> str:
        """The YAML with a first line recording name and version, so that a later save
        of the edited file is checked against this version."""
        name = json.dumps(self.info.name, ensure_ascii=False)
        return EXPORT_HEADER.format(name=name, version=self.info.version) + "\n" + self.text


# ---------------------------------------------------------------- helpers


def _now() -> dt.datetime:
    """Current UTC time, naive (the library stores UTC throughout)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None else None


def _sha256(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def default_author() -> str:
    """``FUNDMODEL_AUTHOR``, else the login name."""
    author = os.environ.get(ENV_AUTHOR)
    if author:
        return author
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def default_database_path() -> Path:
    """``$XDG_DATA_HOME/fundmodel/`` (or ``~/.local/share/fundmodel/``) +
    ``fundmodel-scenarios.sqlite``; ``./fundmodel-scenarios.sqlite`` when there is no home."""
    base = os.environ.get("XDG_DATA_HOME")
    if not base:
        home = Path.home() if os.environ.get("HOME") else None
        if home is None:
            return Path.cwd() / DEFAULT_FILE
        base = str(home / ".local" / "share")
    return Path(base) / "fundmodel" / DEFAULT_FILE


def database_url(db: str | None = None) -> str:
    """The library's URL: ``db`` (a SQLAlchemy URL, or a file path for SQLite), else
    ``FUNDMODEL_DB_URL``, else SQLite at :func:`default_database_path`."""
    value = db or os.environ.get(ENV_URL) or ""
    if not value:
        return f"sqlite:///{default_database_path()}"
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def scenario_from_text(content: str, source: str) -> Scenario:
    """Parse and validate scenario YAML text (errors name ``source``)."""
    return Scenario.from_dict(yaml_loader.loads(content, source), source=source)


def split_export_header(content: str) -> tuple[str, int | None, str | None]:
    """Remove the export header line; return (text, base version, name) it recorded."""
    first, _, rest = content.partition("\n")
    match = _HEADER_RE.match(first)
    if not match:
        return content, None, None
    try:
        name = json.loads(match["name"])
    except json.JSONDecodeError:
        return content, None, None
    return rest, int(match["version"]), name


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise StoreError(Message("store_name_empty"))
    name = name.strip()
    if len(name) > NAME_MAX:
        raise StoreError(Message("store_name_long", {"n": len(name), "most": NAME_MAX}))
    if any(ord(ch) < 32 for ch in name):
        raise StoreError(Message("store_name_control", {"name": repr(name)}))
    return name


# ------------------------------------------------------------ audit helpers

#: China Standard Time (UTC+8 all year: China keeps no daylight saving time).
CST = dt.timezone(dt.timedelta(hours=8), "CST")


def format_time_cst_utc(value: dt.datetime) -> str:
    """A stored UTC time as shown in the audit trail: China Standard Time, then UTC.

    >>> format_time_cst_utc(dt.datetime(2025, 10, 31, 17, 30, tzinfo=dt.UTC))
    '2025-11-01 01:30:00 CST (2025-10-31 17:30:00 UTC)'
    """
    utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return f"{utc.astimezone(CST):%Y-%m-%d %H:%M:%S} CST ({utc:%Y-%m-%d %H:%M:%S} UTC)"


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: value} if prefix else {}


def overrides_diff(old: dict | None, new: dict | None) -> list[dict[str, Any]]:
    """What changed between two override mappings, one entry per leaf (dotted path), sorted
    by path; ``old`` / ``new`` is ``None`` where the leaf was absent.

    >>> overrides_diff({"banks": {"cdb": {"fund_share_scale": 0.9}}},
    ...                {"banks": {"cdb": {"fund_share_scale": 0.8}}, "years": 3})
    [{'path': 'banks.cdb.fund_share_scale', 'old': 0.9, 'new': 0.8}, {'path': 'years', 'old': None, 'new': 3}]
    """
    before, after = _flatten(old or {}), _flatten(new or {})
    return [
        {"path": path, "old": before.get(path), "new": after.get(path)}
        for path in sorted(set(before) | set(after))
        if before.get(path) != after.get(path) or (path in before) != (path in after)
    ]


def format_change(change: dict[str, Any]) -> str:
    """One line of a diff: ``path: old -> new`` (``-`` where absent).

    >>> format_change({"path": "banks.cdb.fund_share_scale", "old": 0.9, "new": 0.8})
    'banks.cdb.fund_share_scale: 0.9 -> 0.8'
    """
    old = "-" if change["old"] is None else json.dumps(change["old"], ensure_ascii=False)
    new = "-" if change["new"] is None else json.dumps(change["new"], ensure_ascii=False)
    return f"{change['path']}: {old} -> {new}"


def _overrides_of(content: str | None) -> dict:
    """The overrides mapping of a stored text (empty when there is none or it does not parse)."""
    if content is None:
        return {}
    try:
        data = yaml_loader.loads(content, "library")
    except FundmodelError:
        return {}
    overrides = data.get("overrides") if isinstance(data, dict) else None
    return overrides if isinstance(overrides, dict) else {}


# ------------------------------------------------------------------ roles

VIEWER, EDITOR, OWNER = "viewer", "editor", "owner"
#: The roles, least to most rights: viewer reads, compares and exports; editor also saves,
#: renames and deletes scenarios it created and proposes changes to others' (a copy under a
#: new name); owner also saves new versions of official scenarios (each with a note) and
#: marks scenarios official.
ROLES = (VIEWER, EDITOR, OWNER)


class AccessError(StoreError):
    """The signed-in identity's role does not allow the change."""


@dataclass(frozen=True)
class Identity:
    """Who makes a change: the signed-in name (e-mail or login) and its role."""

    name: str
    role: str

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            params = {"role": repr(self.role), "identity": repr(self.name), "roles": ", ".join(ROLES)}
            raise AccessError(Message("store_unknown_role", params))
        if not self.name or not self.name.strip():
            raise AccessError(Message("store_identity_unnamed"))


def strongest_role(values: Any) -> str | None:
    """The strongest known role among ``values`` (a claim: one string or a list), else None.

    >>> strongest_role(["staff", "editor", "viewer"])
    'editor'
    >>> strongest_role("planner") is None
    True
    """
    items = [values] if isinstance(values, str) else list(values or [])
    known = [ROLES.index(str(v).strip().lower()) for v in items if str(v).strip().lower() in ROLES]
    return ROLES[max(known)] if known else None


def bundled_official_names() -> frozenset[str]:
    """Names of the bundled baselines (file stems of the bundled scenarios): official in any
    library that holds a scenario of that name."""
    return frozenset(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def proposal_name(name: str, identity: str) -> str:
    """Where an editor's proposed change to someone else's scenario is saved.

    >>> proposal_name("baseline", "ana@example.org")
    'baseline (proposal by ana@example.org)'
    """
    return f"{name} (proposal by {identity})"


# ------------------------------------------------------------------ store


class ScenarioStore:
    """The scenario library at ``url`` (see :func:`database_url`); schema created and
    migrated on first use.

    >>> store = ScenarioStore("sqlite://")          # in memory
    >>> store.save("base", "scenario: {name: Base}\\noverrides: {}\\n", author="ana").version
    1
    """

    def __init__(self, url: str | None = None, *, engine: Engine | None = None) -> None:
        self.url = database_url(url)
        #: Who writes through this store; ``None``: the local single-user library (no role checks).
        self.identity: Identity | None = None
        try:
            self.engine = engine or self._create_engine(self.url)
            self.schema_applied = self._migrate()
        except SQLAlchemyError as exc:
            where = _safe_url(self.url)
            raise StoreError(Message("store_cannot_open", {"where": where, "reason": _reason(exc)})) from None
        except ImportError as exc:  # the URL's database driver is not installed
            module = (exc.name or "").split(".")[0]
            package = _DRIVER_PACKAGES.get(module, module or "the database driver")
            params = {"where": _safe_url(self.url), "module": repr(module), "package": package}
            raise StoreError(Message("store_no_driver", params)) from None

    # --- connection -------------------------------------------------------
    @staticmethod
    def _create_engine(url: str) -> Engine:
        if url.startswith("sqlite"):
            path = url.split(":///", 1)[1] if ":///" in url else ""
            if path and path != ":memory:":
                folder = Path(path).parent
                found = next((p for p in (folder, *folder.parents) if p.exists()), folder)
                try:
                    if not found.is_dir():
                        raise NotADirectoryError(0, f"{found} is a file, not a folder")
                    folder.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    reason = os_reason(exc) if exc.errno else exc.strerror or exc
                    raise StoreError(Message("store_cannot_open", {"where": path, "reason": reason})) from None
            engine = create_engine(url, connect_args={"timeout": 60})

            @event.listens_for(engine, "connect")
            def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
                # SQLAlchemy's begin emits BEGIN ourselves (below); WAL lets readers go on
                # while a writer holds its transaction.
                dbapi_connection.isolation_level = None
                dbapi_connection.execute("PRAGMA foreign_keys = ON")
                dbapi_connection.execute("PRAGMA journal_mode = WAL")

            @event.listens_for(engine, "begin")
            def _sqlite_begin(conn: Connection) -> None:
                # A write takes the write lock at the start (BEGIN IMMEDIATE), so two writers
                # queue instead of failing at their first write; a read is a plain BEGIN.
                conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

            return engine
        return create_engine(url, pool_pre_ping=True)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back on any error."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_WRITE: True})
            with conn.begin():
                yield conn

    def _schema_is_current(self) -> bool:
        """Whether every migration is applied, found in a read (no write lock: opening a
        library that is up to date never waits for a writer)."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table(schema_version.name):
                return False
            applied = set(conn.execute(select(schema_version.c.version)).scalars())
        return {m[0] for m in MIGRATIONS} <= applied and max(applied) <= SCHEMA_VERSION

    def _migrate(self) -> list[int]:
        if self._schema_is_current():
            return []
        with self._transaction() as conn:
            if self.dialect == "postgresql":
                # one migrator at a time across processes (released at commit)
                conn.execute(text("SELECT pg_advisory_xact_lock(7263524)"))
            return migrate(conn)

    def close(self) -> None:
        self.engine.dispose()

    def acting_as(self, identity: Identity) -> ScenarioStore:
        """The same library (same connections), with every write made by ``identity``: its
        name is the author whatever a caller types, and its role is checked."""
        bound = copy.copy(self)
        bound.identity = identity
        return bound

    # --- roles ------------------------------------------------------------
    def roles(self) -> dict[str, str]:
        """The role table: identity -> role."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(library_roles.c.identity, library_roles.c.role)).all()
        return {r.identity: r.role for r in rows}

    def roles_enabled(self) -> bool:
        """A library is shared (role checks on every write) once its role table has a row."""
        with self.engine.connect() as conn:
            return conn.execute(select(library_roles.c.identity).limit(1)).first() is not None

    def role_of(self, name: str) -> str | None:
        """The role the table gives ``name`` (None when it is not listed)."""
        return self.roles().get(name)

    def identity_for(self, name: str, claimed_role: str | None = None) -> Identity:
        """``name``'s identity: the role from the provider's claim when it has one, else from
        the role table, else viewer."""
        return Identity(name, claimed_role or self.role_of(name) or VIEWER)

    def grant(self, name: str, role: str) -> None:
        """Give ``name`` a role in the table (replacing its old one). Only an owner grants,
        except the first grant of a library, which must make an owner."""
        name = _check_name(name)
        Identity(name, role)  # validates the role
        with self._transaction() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(7263525)"))
            first = conn.execute(select(library_roles.c.identity).limit(1)).first() is None
            granter = self.identity.name if self.identity else default_author()
            if first and role != OWNER:
                raise AccessError(Message("store_first_role_owner", {"owner": repr(OWNER)}))
            if not first and (self.identity is None or self.identity.role != OWNER):
                raise AccessError(Message("store_only_owner_grants", {"who": granter, "role": self._role_label()}))
            conn.execute(delete(library_roles).where(library_roles.c.identity == name))
            conn.execute(insert(library_roles).values(identity=name, role=role, granted_by=granter, granted_at=_now()))

    def _role_label(self) -> Message:
        return Message(f"store_role_{self.identity.role}") if self.identity else Message("store_not_signed_in")

    def is_official(self, name: str) -> bool:
        """A bundled baseline's name, or a scenario marked official."""
        if name in bundled_official_names():
            return True
        with self.engine.connect() as conn:
            row = self._row(conn, name)
        return bool(row is not None and row.official)

    def _authorize(self, action: str, name: str, row: Any, note: str, new_name: str | None = None) -> None:
        """Refuse (:class:`AccessError`) what the bound identity's role does not allow."""
        who = self.identity
        if who is None:
            return
        if who.role == VIEWER:
            params = {"who": who.name, "action": Message(f"store_action_{action}"), "name": repr(name)}
            raise AccessError(Message("store_viewer_cannot", params))
        official = name in bundled_official_names() or bool(row is not None and row.official)
        official = official or (new_name is not None and new_name in bundled_official_names())
        if official and who.role != OWNER:
            params = {"name": repr(name), "action": Message(f"store_action_{action}"), "who": who.name}
            params |= {"role": Message(f"store_role_{who.role}"), "proposal": repr(proposal_name(name, who.name))}
            raise AccessError(Message("store_official_owner_only", params))
        if official and action == "save" and not note.strip():
            raise AccessError(Message("store_official_needs_note", {"name": repr(name)}))
        if who.role == EDITOR and row is not None and row.created_by != who.name:
            params = {"name": repr(name), "creator": row.created_by, "proposal": repr(proposal_name(name, who.name))}
            raise AccessError(Message("store_editor_own_only", params))

    def __enter__(self) -> ScenarioStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading -------------------------------------------------------------
    def _row(self, conn: Connection, name: str, lock: bool = False) -> Any:
        query = select(scenarios).where(scenarios.c.name == name)
        if lock and self.dialect != "sqlite":
            query = query.with_for_update()
        return conn.execute(query).first()

    def _require(self, conn: Connection, name: str, lock: bool = False, allow_deleted: bool = False) -> Any:
        row = self._row(conn, name, lock)
        if row is None:
            raise ScenarioNotFoundError(Message("store_not_found", {"name": repr(name), "where": self._where()}))
        if row.deleted_at is not None and not allow_deleted:
            params = {"name": repr(name), "who": row.deleted_by, "time": format_time_cst_utc(row.deleted_at)}
            raise StoreError(Message("store_deleted_restore_first", {**params, "version": row.current_version}))
        return row

    def _where(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def list(self, include_deleted: bool = False) -> list[ScenarioInfo]:
        """Every scenario (latest version first by name); deleted ones only if asked."""
        v = scenario_versions
        query = (
            select(scenarios, v.c.author, v.c.created_at.label("updated_at"))
            .join(v, (v.c.scenario_id == scenarios.c.id) & (v.c.version == scenarios.c.current_version))
            .order_by(scenarios.c.name)
        )
        if not include_deleted:
            query = query.where(scenarios.c.deleted_at.is_(None))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            ScenarioInfo(
                name=r.name,
                current_version=r.current_version,
                created_at=_utc(r.created_at),
                created_by=r.created_by,
                updated_at=_utc(r.updated_at),
                updated_by=r.author,
                deleted_at=_utc(r.deleted_at),
                deleted_by=r.deleted_by,
                official=bool(r.official) or r.name in bundled_official_names(),
            )
            for r in rows
        ]

    def get(self, name: str, version: int | None = None, include_deleted: bool = False) -> StoredScenario:
        """A version's text and metadata (default: the latest)."""
        with self.engine.connect() as conn:
            row = self._require(conn, name, allow_deleted=include_deleted)
            wanted = row.current_version if version is None else int(version)
            v = conn.execute(
                select(scenario_versions).where(
                    (scenario_versions.c.scenario_id == row.id) & (scenario_versions.c.version == wanted)
                )
            ).first()
        if v is None:
            params = {"name": repr(name), "wanted": wanted, "latest": row.current_version}
            raise ScenarioNotFoundError(Message("store_no_version", params))
        return StoredScenario(info=_version_info(v), text=v.content)

    def load(self, name: str, version: int | None = None) -> Scenario:
        """The validated :class:`Scenario` of a version (default: the latest)."""
        return self.get(name, version).scenario()

    def history(self, name: str) -> list[VersionInfo]:
        """Every version of a scenario, oldest first (deleted scenarios too)."""
        with self.engine.connect() as conn:
            row = self._require(conn, name, allow_deleted=True)
            rows = conn.execute(
                select(scenario_versions)
                .where(scenario_versions.c.scenario_id == row.id)
                .order_by(scenario_versions.c.version)
            ).all()
        return [_version_info(r) for r in rows]

    # --- writing -------------------------------------------------------------
    def save(
        self,
        name: str,
        content: str | Scenario | dict,
        base_version: int | None = None,
        author: str | None = None,
        note: str = "",
    ) -> VersionInfo:
        """Save a new version of ``name`` (or create it at version 1).

        ``content``: scenario YAML text (kept as written), a mapping, or a
        :class:`Scenario`; validated first. ``base_version``: the version this one was
        made from - required when the scenario exists; if the library holds a newer one,
        :class:`StaleVersionError` is raised and nothing is written. An export header in
        the text (see :meth:`StoredScenario.export_text`) naming this scenario supplies
        ``base_version``.
        """
        name = _check_name(name)
        body = _content_text(content)
        body, header_version, header_name = split_export_header(body)
        if base_version is None and header_name == name:
            base_version = header_version  # exported from this scenario; saved under another name it is new
        scenario_from_text(body, f"{name} (not saved)")  # validate before touching the database
        author = self.identity.name if self.identity else (author or default_author())
        try:
            with self._transaction() as conn:
                return self._save(conn, name, body, base_version, author, note)
        except IntegrityError:
            # a concurrent writer created the scenario or took this version number first
            latest = self._latest(name)
            params = {"name": repr(name), "latest": latest, "base": _describe_base(base_version)}
            raise StaleVersionError(Message("store_saved_concurrently", params)) from None

    def _latest(self, name: str) -> int | None:
        with self.engine.connect() as conn:
            row = self._row(conn, name)
        return row.current_version if row is not None else None

    def _save(
        self, conn: Connection, name: str, body: str, base_version: int | None, author: str, note: str
    ) -> VersionInfo:
        now = _now()
        row = self._row(conn, name, lock=True)
        self._authorize("save", name, row, note)
        previous = None
        if row is None:
            if base_version not in (None, 0):
                raise StaleVersionError(Message("store_base_of_missing", {"name": repr(name), "base": base_version}))
            scenario_id = conn.execute(
                insert(scenarios).values(name=name, current_version=1, created_at=now, created_by=author)
            ).inserted_primary_key[0]
            version = 1
        else:
            if row.deleted_at is not None:
                params = {"name": repr(name), "who": row.deleted_by, "time": format_time_cst_utc(row.deleted_at)}
                raise StoreError(Message("store_deleted_save", params))
            if base_version is None:
                params = {"name": repr(name), "latest": row.current_version}
                raise StaleVersionError(Message("store_exists_say_base", params))
            if base_version != row.current_version:
                latest = conn.execute(
                    select(scenario_versions.c.author, scenario_versions.c.created_at).where(
                        (scenario_versions.c.scenario_id == row.id)
                        & (scenario_versions.c.version == row.current_version)
                    )
                ).first()
                params = {"name": repr(name), "base": base_version, "latest": row.current_version}
                params |= {"who": latest.author, "time": format_time_cst_utc(latest.created_at)}
                raise StaleVersionError(Message("store_save_stale", params))
            scenario_id = row.id
            version = row.current_version + 1
            previous = self._content(conn, row)
            done = conn.execute(
                update(scenarios)
                .where((scenarios.c.id == scenario_id) & (scenarios.c.current_version == base_version))
                .values(current_version=version)
            )
            if done.rowcount != 1:  # belt and braces: someone moved it between our read and write
                raise StaleVersionError(
                    Message("store_changed_while_saving", {"name": repr(name), "base": base_version})
                )
        changes = overrides_diff(_overrides_of(previous), _overrides_of(body))
        return self._add_version(conn, scenario_id, version, name, body, author, note, "save", now, changes)

    @staticmethod
    def _content(conn: Connection, row: Any) -> str:
        """The text of a scenario's current version."""
        v = scenario_versions
        return conn.execute(
            select(v.c.content).where((v.c.scenario_id == row.id) & (v.c.version == row.current_version))
        ).scalar_one()

    def _add_version(
        self,
        conn: Connection,
        scenario_id: int,
        version: int,
        name: str,
        body: str,
        author: str,
        note: str,
        action: str,
        now: dt.datetime,
        changes: list[dict[str, Any]] | None = None,
    ) -> VersionInfo:
        sha = _sha256(body)
        changes = changes or []
        conn.execute(
            insert(scenario_versions).values(
                scenario_id=scenario_id,
                version=version,
                name=name,
                content=body,
                author=author,
                created_at=now,
                note=note,
                action=action,
                content_sha256=sha,
                changes=json.dumps(changes, ensure_ascii=False),
            )
        )
        return VersionInfo(name, version, author, _utc(now), note, action, sha, tuple(changes))

    def _change(
        self,
        name: str,
        action: str,
        author: str | None,
        note: str,
        base_version: int | None,
        new_name: str | None = None,
    ) -> VersionInfo:
        """Rename, delete, restore or mark (un)official: a new version carrying the latest text,
        in one transaction."""
        author = self.identity.name if self.identity else (author or default_author())
        with self._transaction() as conn:
            row = self._require(conn, name, lock=True, allow_deleted=action == "restore")
            if action in ("official", "unofficial"):
                if self.identity is not None and self.identity.role != OWNER:
                    raise AccessError(Message("store_only_owner_official", {"who": author, "role": self._role_label()}))
            else:
                self._authorize(action, name, row, note, new_name)
            if action == "restore" and row.deleted_at is None:
                raise StoreError(Message("store_not_deleted", {"name": repr(name)}))
            if base_version is not None and base_version != row.current_version:
                params = {"name": repr(name), "action": Message(f"store_action_{action}"), "base": base_version}
                raise StaleVersionError(Message("store_change_stale", {**params, "latest": row.current_version}))
            body = self._content(conn, row)
            now = _now()
            version = row.current_version + 1
            values: dict[str, Any] = {"current_version": version}
            label = name
            if action == "rename":
                assert new_name is not None
                label = new_name
                if self._row(conn, new_name) is not None:
                    raise StoreError(Message("store_name_taken", {"name": repr(name), "new": repr(new_name)}))
                values["name"] = new_name
                note = note or f"renamed from {name!r}"
            elif action == "delete":
                values.update(deleted_at=now, deleted_by=author)
            elif action == "restore":
                values.update(deleted_at=None, deleted_by=None)
            elif action in ("official", "unofficial"):
                values["official"] = action == "official"
            done = conn.execute(
                update(scenarios)
                .where((scenarios.c.id == row.id) & (scenarios.c.current_version == row.current_version))
                .values(**values)
            )
            if done.rowcount != 1:
                params = {"name": repr(name), "action": Message(f"store_action_{action}")}
                raise StaleVersionError(Message("store_changed_during", params))
            return self._add_version(conn, row.id, version, label, body, author, note, action, now)

    def rename(
        self, name: str, new_name: str, author: str | None = None, base_version: int | None = None, note: str = ""
    ) -> VersionInfo:
        """Rename a scenario (a new version; the history follows the new name)."""
        try:
            return self._change(_check_name(name), "rename", author, note, base_version, _check_name(new_name))
        except IntegrityError:
            raise StoreError(Message("store_name_taken", {"name": repr(name), "new": repr(new_name)})) from None

    def delete(
        self, name: str, author: str | None = None, base_version: int | None = None, note: str = ""
    ) -> VersionInfo:
        """Soft-delete: the scenario leaves the list; its history stays and it can be restored."""
        return self._change(_check_name(name), "delete", author, note, base_version)

    def restore(self, name: str, author: str | None = None, note: str = "") -> VersionInfo:
        """Undo a soft delete."""
        return self._change(_check_name(name), "restore", author, note, None)

    def set_official(self, name: str, official: bool = True, note: str = "", author: str | None = None) -> VersionInfo:
        """Mark a scenario official (only an owner then saves new versions of it) or not; owners only."""
        return self._change(_check_name(name), "official" if official else "unofficial", author, note, None)

    def propose(self, name: str, content: str | Scenario | dict, note: str = "") -> VersionInfo:
        """An editor's proposed change to a scenario it may not change: saved as (a new version
        of) :func:`proposal_name`, its note naming the version it proposes to change."""
        if self.identity is None:
            raise AccessError("a proposal needs a signed-in identity")
        target = _check_name(name)
        with self.engine.connect() as conn:
            row = self._require(conn, target)
        where = proposal_name(target, self.identity.name)
        label = f"proposal for {target!r} version {row.current_version}" + (f": {note}" if note else "")
        return self.save(where, content, base_version=self._latest(where), note=label)


#: Execution option that marks a connection as a writer (SQLite: BEGIN IMMEDIATE).
_WRITE = "fundmodel_write"

#: The package to install for a database driver module that is missing.
_DRIVER_PACKAGES = {
    "psycopg": "'psycopg[binary]'",
    "psycopg2": "psycopg2-binary",
    "pymysql": "pymysql",
    "MySQLdb": "mysqlclient",
    "asyncpg": "asyncpg",
    "pg8000": "pg8000",
    "oracledb": "oracledb",
    "pyodbc": "pyodbc",
}


def _safe_url(url: str) -> str:
    """The URL without its password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(unparsable URL)"


def _reason(exc: SQLAlchemyError) -> str:
    """One line: the driver's own message when there is one."""
    orig = getattr(exc, "orig", None)
    return " ".join(str(orig or exc).split())[:300]


def _describe_base(base_version: int | None) -> Message:
    if base_version in (None, 0):
        return Message("store_base_none")
    return Message("store_base_version", {"version": base_version})


def _version_info(row: Any) -> VersionInfo:
    return VersionInfo(
        name=row.name,
        version=row.version,
        author=row.author,
        created_at=_utc(row.created_at),
        note=row.note,
        action=row.action,
        content_sha256=row.content_sha256 or _sha256(row.content),
        changes=tuple(json.loads(row.changes)) if row.changes else (),
    )


def _content_text(content: str | Scenario | dict) -> str:
    """Scenario content as YAML text: text as given; a mapping or Scenario dumped."""
    if isinstance(content, str):
        return content
    if isinstance(content, Scenario):
        return content.to_yaml()
    if isinstance(content, dict):
        return dump_scenario(content)
    raise StoreError(f"cannot save {type(content).__name__}: give YAML text, a mapping or a Scenario")


__all__ = [
    "CST",
    "EDITOR",
    "ENV_URL",
    "MIGRATIONS",
    "OWNER",
    "ROLES",
    "SCHEMA_VERSION",
    "VIEWER",
    "AccessError",
    "Identity",
    "ScenarioInfo",
    "ScenarioNotFoundError",
    "ScenarioStore",
    "StaleVersionError",
    "StoreError",
    "StoredScenario",
    "VersionInfo",
    "database_url",
    "default_database_path",
    "format_change",
    "format_time_cst_utc",
    "migrate",
    "overrides_diff",
    "proposal_name",
]
