"""The scenario library against real databases: a SQLite file and a PostgreSQL server.

The PostgreSQL server comes from the ``pg_server`` / ``pg_url`` fixtures of conftest.py.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from _services import free_port, pg_dump_command, pg_restore_command
from sqlalchemy import create_engine, insert, select, text

from fundmodel.cli import main
from fundmodel.inputs.bundled import SCENARIO_DIR
from fundmodel.inputs.parameters import ParameterError
from fundmodel.store import (
    EDITOR,
    OWNER,
    VIEWER,
    AccessError,
    Identity,
    ScenarioNotFoundError,
    ScenarioStore,
    StaleVersionError,
    StoreError,
    database_url,
    default_database_path,
    migrate,
    overrides_diff,
    schema_version,
)

REPORTED = (SCENARIO_DIR / "fit_reported_2025.yaml").read_text(encoding="utf-8")
BASE_TEXT = "# my comment is kept\nscenario: {name: Base}\noverrides: {}\n"


def _edited(scale: float) -> str:
    return f"scenario: {{name: Edited}}\noverrides:\n  banks:\n    cdb: {{fund_share_scale: {scale}}}\n"


# ---------------------------------------------------------------- fixtures


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'library.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(url):
    with ScenarioStore(url) as s:
        yield s


# ---------------------------------------------------------------- basics


def test_schema_created_on_first_use(store):
    assert store.schema_applied == [1, 2, 3]
    with store.engine.connect() as conn:
        assert conn.execute(select(schema_version.c.version).order_by(schema_version.c.version)).scalars().all() == [
            1,
            2,
            3,
        ]
    again = ScenarioStore(store.url)
    assert again.schema_applied == []
    again.close()


def test_save_list_load_history(store):
    v1 = store.save("base", BASE_TEXT, author="ana", note="first")
    assert (v1.version, v1.author, v1.note, v1.action) == (1, "ana", "first", "save")
    v2 = store.save("base", _edited(0.9), base_version=1, author="bob")
    assert v2.version == 2
    store.save("reported", REPORTED, author="ana")
    listed = {i.name: i for i in store.list()}
    assert set(listed) == {"base", "reported"}
    assert (listed["base"].current_version, listed["base"].updated_by, listed["base"].created_by) == (2, "bob", "ana")
    assert store.load("base").overrides == {"banks": {"cdb": {"fund_share_scale": 0.9}}}
    assert store.get("base", 1).text == BASE_TEXT  # the text as written, comment included
    assert store.load("reported").run().total_investment_bn == pytest.approx(7080, rel=1e-3)
    history = store.history("base")
    assert [(h.version, h.author, h.note) for h in history] == [(1, "ana", "first"), (2, "bob", "")]
    assert history[0].created_at <= history[1].created_at
    assert history[0].created_at.tzinfo is not None
    with pytest.raises(ScenarioNotFoundError, match="has no version 3"):
        store.get("base", 3)
    with pytest.raises(ScenarioNotFoundError, match="no scenario named 'nope'"):
        store.load("nope")


def test_stale_save_is_refused_and_nothing_is_overwritten(store):
    store.save("s", BASE_TEXT, author="ana")
    store.save("s", _edited(0.9), base_version=1, author="bob")
    with pytest.raises(StaleVersionError) as err:
        store.save("s", _edited(0.5), base_version=1, author="cy")
    message = str(err.value)
    assert "based on version 1" in message and "has version 2" in message and "bob" in message
    with pytest.raises(StaleVersionError, match="already exists at version 2"):
        store.save("s", _edited(0.5), author="cy")
    assert [h.version for h in store.history("s")] == [1, 2]
    assert store.load("s").overrides["banks"]["cdb"]["fund_share_scale"] == 0.9


def test_invalid_scenario_is_refused_before_writing(store):
    bad = "scenario: {name: x}\noverrides: {fields: {nope: {capital_ratio: 0.2}}}\n"
    with pytest.raises(ParameterError, match=r"fields\.nope"):
        store.save("bad", bad, author="ana")
    assert store.list(include_deleted=True) == []
    with pytest.raises(StoreError, match="must not be empty"):
        store.save("  ", BASE_TEXT)


def test_rename_delete_restore(store):
    store.save("a", BASE_TEXT, author="ana")
    store.save("b", REPORTED, author="ana")
    with pytest.raises(StoreError, match="that name is taken"):
        store.rename("a", "b")
    store.rename("a", "c", author="bob")
    assert [i.name for i in store.list()] == ["b", "c"]
    with pytest.raises(ScenarioNotFoundError):
        store.load("a")
    store.delete("c", author="bob", base_version=2)
    assert [i.name for i in store.list()] == ["b"]
    assert [i.name for i in store.list(include_deleted=True)] == ["b", "c"]
    with pytest.raises(StoreError, match="was deleted by bob"):
        store.load("c")
    with pytest.raises(StoreError, match="restore it"):
        store.save("c", BASE_TEXT, base_version=3)
    store.restore("c", author="ana")
    assert store.load("c").name == "Base"
    assert [(h.version, h.action, h.name) for h in store.history("c")] == [
        (1, "save", "a"),
        (2, "rename", "c"),
        (3, "delete", "c"),
        (4, "restore", "c"),
    ]
    with pytest.raises(StaleVersionError, match="based on version 1"):
        store.delete("c", base_version=1)


# ----------------------------------------------------------- concurrency


def _race(url: str, name: str, base_version: int | None, texts: list[str]) -> tuple[list, list]:
    """Two writers, each with its own store (connection), saving at the same moment."""
    stores = [ScenarioStore(url) for _ in texts]
    barrier = threading.Barrier(len(texts))
    ok, refused = [], []

    def writer(i: int) -> None:
        barrier.wait()
        try:
            ok.append(stores[i].save(name, texts[i], base_version=base_version, author=f"writer{i}"))
        except StaleVersionError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for s in stores:
        s.close()
    return ok, refused


def test_two_concurrent_writers_one_refused_nothing_lost(store):
    store.save("shared", BASE_TEXT, author="ana")
    texts = [_edited(0.8), _edited(0.7)]
    ok, refused = _race(store.url, "shared", 1, texts)
    assert len(ok) == 1 and len(refused) == 1
    assert "version 1" in refused[0] and "version 2" in refused[0]
    history = store.history("shared")
    assert [h.version for h in history] == [1, 2]
    winner = int(ok[0].author[-1])
    assert store.get("shared").text == texts[winner]  # the winner's save is intact
    assert store.get("shared", 1).text == BASE_TEXT  # and so is the version both started from
    # the refused writer can merge and save on top of the winner
    assert store.save("shared", texts[1 - winner], base_version=2, author="merger").version == 3


def test_two_writers_creating_the_same_name(store):
    ok, refused = _race(store.url, "new", None, [_edited(0.8), _edited(0.7)])
    assert len(ok) == 1 and len(refused) == 1
    assert [h.version for h in store.history("new")] == [1]


# ----------------------------------------------------------------- crash

CRASHER = """
import sys, time
from fundmodel.store import ScenarioStore
store = ScenarioStore(sys.argv[1])
text = open(sys.argv[2], encoding="utf-8").read()
with store._transaction() as conn:
    store._save(conn, "crash", text, 1, "crasher", "never committed")
    print("inside the transaction", flush=True)
    time.sleep(120)
"""


def test_killed_mid_save_leaves_previous_version_intact(store, tmp_path):
    store.save("crash", BASE_TEXT, author="ana")
    script = tmp_path / "crasher.py"
    script.write_text(CRASHER, encoding="utf-8")
    new_text = tmp_path / "new.yaml"
    new_text.write_text(_edited(0.6), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), store.url, str(new_text)],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},  # this checkout's fundmodel
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.strip() == "inside the transaction", proc.stderr.read()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    # the version being written is gone; the previous one is intact and loadable
    fresh = ScenarioStore(store.url)
    assert [h.version for h in fresh.history("crash")] == [1]
    assert fresh.get("crash").text == BASE_TEXT
    assert fresh.load("crash").name == "Base"
    # and the library is not left locked: the next save goes through
    assert fresh.save("crash", _edited(0.6), base_version=1, author="ana").version == 2
    fresh.close()


# ------------------------------------------------------------- migrations


def test_migrates_an_old_schema_and_refuses_a_newer_one(url):
    engine = create_engine(url)
    with engine.begin() as conn:
        assert migrate(conn, target=1) == [1]
        conn.execute(
            text(
                "INSERT INTO scenarios (id, name, current_version, created_at, created_by) "
                "VALUES (1, 'old', 1, :t, 'ana')"
            ),
            {"t": "2025-10-31 12:00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO scenario_versions (scenario_id, version, name, content, author, created_at, note) "
                "VALUES (1, 1, 'old', :c, 'ana', :t, 'from v1')"
            ),
            {"c": BASE_TEXT, "t": "2025-10-31 12:00:00"},
        )
    engine.dispose()
    with ScenarioStore(url) as store:
        assert store.schema_applied == [2, 3]
        [h] = store.history("old")
        assert (h.action, h.note, len(h.content_sha256)) == ("save", "from v1", 64)
        assert store.load("old").name == "Base"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            insert(schema_version).values(version=99, description="future", applied_at=datetime.datetime(2030, 1, 1))
        )
    engine.dispose()
    with pytest.raises(StoreError, match="schema is version 99, newer"):
        ScenarioStore(url)


# ------------------------------------------------------------ settings


def test_database_url_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("FUNDMODEL_DB_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_database_path() == tmp_path / "xdg" / "fundmodel" / "fundmodel-scenarios.sqlite"
    assert database_url() == f"sqlite:///{tmp_path / 'xdg' / 'fundmodel' / 'fundmodel-scenarios.sqlite'}"
    monkeypatch.setenv("FUNDMODEL_DB_URL", "postgresql+psycopg://u@h/db")
    assert database_url() == "postgresql+psycopg://u@h/db"
    assert database_url(str(tmp_path / "x.sqlite")) == f"sqlite:///{tmp_path / 'x.sqlite'}"


def test_unreachable_database_is_one_clear_error():
    with pytest.raises(
        StoreError, match=r"cannot open the scenario library at postgresql\+psycopg://postgres@127\.0\.0\.1:"
    ):
        ScenarioStore(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere")


def test_export_header_carries_name_and_version(store):
    name = 'it\'s "ours"'
    store.save(name, BASE_TEXT, author="ana")
    exported = store.get(name).export_text()
    assert exported.splitlines()[1] == "# my comment is kept"
    info = store.save(name, exported, author="ana")  # base version 1 read from the header
    assert info.version == 2
    assert store.get(name).text == BASE_TEXT  # the header is not stored
    with pytest.raises(StaleVersionError, match="based on version 1"):
        store.save(name, exported)
    # saved under another name, the export is a new scenario (its header is about the old one)
    assert store.save("copy", exported, author="ana").version == 1


# ------------------------------------------------------------------ CLI


def test_cli_library_round_trip(url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FUNDMODEL_DB_URL", url)
    monkeypatch.setenv("FUNDMODEL_AUTHOR", "ana")
    source = tmp_path / "reported.yaml"
    source.write_text(REPORTED, encoding="utf-8")
    assert main(["scenarios", "save", str(source), "--note", "from the file"]) == 0
    assert "saved 'reported' version 1" in capsys.readouterr().out
    exported = tmp_path / "edit.yaml"
    assert main(["scenarios", "export", "reported", "--out", str(exported)]) == 0
    edited = exported.read_text(encoding="utf-8").replace("0.7898", "0.75")
    exported.write_text(edited, encoding="utf-8")
    # a colleague saves first (from the same version 1) ...
    colleague = tmp_path / "colleague.yaml"
    colleague.write_text(exported.read_text(encoding="utf-8").replace("0.75", "0.8"), encoding="utf-8")
    assert main(["scenarios", "save", str(colleague), "--author", "bob"]) == 0
    capsys.readouterr()
    # ... so our save, based on version 1 by the export header, is refused (exit 3)
    assert main(["scenarios", "save", str(exported)]) == 3
    err = capsys.readouterr().err
    assert "based on version 1" in err and "version 2" in err and err.count("\n") == 1
    assert main(["scenarios", "save", str(exported), "--base-version", "2"]) == 0
    assert main(["scenarios", "history", "reported"]) == 0
    out = capsys.readouterr().out
    assert "from the file" in out and "bob" in out and "\n3 " in out
    assert main(["scenarios", "show", "reported", "--version", "2"]) == 0
    assert "fund_share_scale: 0.8}" in capsys.readouterr().out
    assert main(["scenarios", "delete", "reported"]) == 0
    assert main(["scenarios", "list"]) == 0
    assert "(no saved scenarios)" in capsys.readouterr().out
    assert main(["scenarios", "restore", "reported"]) == 0
    assert main(["scenarios", "rename", "reported", "outturn"]) == 0
    assert main(["scenarios", "list", "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert '"name": "outturn"' in out and '"current_version": 6' in out
    assert main(["scenarios", "show", "missing"]) == 2
    assert "no scenario named 'missing'" in capsys.readouterr().err


# ------------------------------------------------------- roles and audit

OLGA, ED, EVE, VI = "olga@office.example", "ed@office.example", "eve@office.example", "vi@office.example"


def test_roles_viewer_editor_owner(store):
    with pytest.raises(AccessError, match="first role granted in a library must be 'owner'"):
        store.grant(ED, EDITOR)
    assert not store.roles_enabled()
    store.grant(OLGA, OWNER)  # the first grant, by whoever runs it, makes the library shared
    assert store.roles_enabled()
    with pytest.raises(AccessError, match="only an owner grants roles"):
        store.grant(ED, OWNER)
    owner = store.acting_as(store.identity_for(OLGA))
    owner.grant(ED, EDITOR)
    owner.grant(VI, VIEWER)
    assert store.roles() == {OLGA: OWNER, ED: EDITOR, VI: VIEWER}
    editor = store.acting_as(store.identity_for(ED))
    eve = store.acting_as(store.identity_for(EVE, claimed_role=EDITOR))  # a role from the provider's claim
    viewer = store.acting_as(store.identity_for(VI))
    stranger = store.identity_for("nobody@office.example")
    assert (editor.identity.role, eve.identity.role, stranger.role) == (EDITOR, EDITOR, VIEWER)

    # a viewer reads but never writes
    with pytest.raises(AccessError, match="is a viewer"):
        viewer.save("mine", BASE_TEXT)
    # an editor saves its own scenarios; the author is the identity, not what was typed
    v1 = editor.save("mine", BASE_TEXT, author="typed name")
    assert v1.author == ED
    assert editor.save("mine", _edited(0.9), base_version=1).version == 2
    editor.rename("mine", "ours")
    # ... but not someone else's: that is a proposal
    with pytest.raises(AccessError, match=f"created by {ED}: an editor changes only its own"):
        eve.save("ours", _edited(0.8), base_version=3)
    with pytest.raises(AccessError, match="an editor changes only its own"):
        eve.delete("ours")
    assert viewer.load("ours").overrides == {"banks": {"cdb": {"fund_share_scale": 0.9}}}

    # the bundled baselines are official: an owner saves them, always with a note
    with pytest.raises(AccessError, match="'baseline' is official: only an owner can save it"):
        editor.save("baseline", BASE_TEXT)
    with pytest.raises(AccessError, match="needs a note"):
        owner.save("baseline", BASE_TEXT)
    assert owner.save("baseline", BASE_TEXT, note="2026 baseline").author == OLGA
    with pytest.raises(AccessError, match="only an owner can save it"):
        editor.save("baseline", _edited(0.8), base_version=1, note="please")
    proposal = editor.propose("baseline", _edited(0.8), note="lower CDB share")
    assert (proposal.name, proposal.author) == (f"baseline (proposal by {ED})", ED)
    assert proposal.note == "proposal for 'baseline' version 1: lower CDB share"
    assert [i.name for i in store.list() if i.official] == ["baseline"]

    # any scenario an owner marks official follows the same rule
    with pytest.raises(AccessError, match="only an owner marks"):
        editor.set_official("ours")
    owner.set_official("ours", note="adopted")
    with pytest.raises(AccessError, match="'ours' is official"):
        editor.save("ours", _edited(0.8), base_version=4, note="x")
    assert owner.save("ours", _edited(0.8), base_version=4, note="agreed at the 3 Dec meeting").version == 5
    history = store.history("ours")
    assert [(h.action, h.author) for h in history] == [
        ("save", ED),
        ("save", ED),
        ("rename", ED),
        ("official", OLGA),
        ("save", OLGA),
    ]
    assert history[-1].changes == ({"path": "banks.cdb.fund_share_scale", "old": 0.9, "new": 0.8},)


def test_every_version_records_the_diff_of_its_overrides(store):
    store.save("s", BASE_TEXT, author="ana")
    store.save("s", _edited(0.9), base_version=1, author="ana")
    two_banks = _edited(0.8) + "    exim: {fund_share_scale: 1.1}\n"
    store.save("s", two_banks, base_version=2, author="ana")
    store.save("s", BASE_TEXT, base_version=3, author="ana")
    store.rename("s", "t", author="ana")
    reread = ScenarioStore(store.url)
    changes = [list(h.changes) for h in reread.history("t")]
    reread.close()
    assert changes == [
        [],  # version 1 overrides nothing
        [{"path": "banks.cdb.fund_share_scale", "old": None, "new": 0.9}],
        [
            {"path": "banks.cdb.fund_share_scale", "old": 0.9, "new": 0.8},
            {"path": "banks.exim.fund_share_scale", "old": None, "new": 1.1},
        ],
        [
            {"path": "banks.cdb.fund_share_scale", "old": 0.8, "new": None},
            {"path": "banks.exim.fund_share_scale", "old": 1.1, "new": None},
        ],
        [],  # a rename changes no override
    ]
    shown = store.history("t")[1].to_dict()
    utc = datetime.datetime.fromisoformat(shown["created_at"])
    cst = datetime.datetime.fromisoformat(shown["created_at_cst"])
    assert cst == utc and cst.utcoffset() == datetime.timedelta(hours=8)


def test_overrides_diff_by_hand():
    assert overrides_diff({}, {}) == []
    assert overrides_diff({"a": {"b": 1, "c": 2}}, {"a": {"b": 1, "c": 3}, "d": [1, 2]}) == [
        {"path": "a.c", "old": 2, "new": 3},
        {"path": "d", "old": None, "new": [1, 2]},
    ]
    with pytest.raises(AccessError, match="unknown role 'admin'"):
        Identity("x", "admin")


def test_migration_3_backfills_the_diff_of_existing_versions(url):
    engine = create_engine(url)
    with engine.begin() as conn:
        assert migrate(conn, target=2) == [1, 2]
        conn.execute(
            text(
                "INSERT INTO scenarios (id, name, current_version, created_at, created_by) "
                "VALUES (1, 'old', 2, :t, 'ana')"
            ),
            {"t": "2025-10-31 12:00:00"},
        )
        for version, content in [(1, BASE_TEXT), (2, _edited(0.9))]:
            conn.execute(
                text(
                    "INSERT INTO scenario_versions (scenario_id, version, name, content, author, created_at, note, "
                    "action) VALUES (1, :v, 'old', :c, 'ana', :t, '', 'save')"
                ),
                {"v": version, "c": content, "t": "2025-10-31 12:00:00"},
            )
    engine.dispose()
    with ScenarioStore(url) as store:
        assert store.schema_applied == [3]
        assert [list(h.changes) for h in store.history("old")] == [
            [],
            [{"path": "banks.cdb.fund_share_scale", "old": None, "new": 0.9}],
        ]
        [info] = store.list()
        assert not info.official and store.roles() == {}
        assert info.updated_at.isoformat() == "2025-10-31T12:00:00+00:00"


def test_cli_shared_library_checks_roles_and_shows_the_diff(url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("FUNDMODEL_DB_URL", url)
    monkeypatch.setenv("FUNDMODEL_AUTHOR", ED)
    source = tmp_path / "plan.yaml"
    source.write_text(BASE_TEXT, encoding="utf-8")
    assert main(["scenarios", "roles"]) == 0
    assert "(no roles" in capsys.readouterr().out
    assert main(["scenarios", "grant", OLGA, "owner", "--author", OLGA]) == 0
    capsys.readouterr()
    # ed is not in the role table: a viewer
    assert main(["scenarios", "save", str(source)]) == 2
    assert f"{ED} is a viewer" in capsys.readouterr().err
    assert main(["scenarios", "grant", ED, "editor"]) == 2  # only an owner grants
    assert "only an owner grants" in capsys.readouterr().err
    assert main(["scenarios", "grant", ED, "editor", "--author", OLGA]) == 0
    assert main(["scenarios", "save", str(source), "--author", ED]) == 0
    source.write_text(_edited(0.9), encoding="utf-8")
    assert main(["scenarios", "save", str(source), "--base-version", "1"]) == 0
    assert main(["scenarios", "official", "plan"]) == 2
    assert main(["scenarios", "official", "plan", "--author", OLGA]) == 0
    source.write_text(_edited(0.8), encoding="utf-8")
    assert main(["scenarios", "save", str(source), "--base-version", "3"]) == 2
    assert "'plan' is official" in capsys.readouterr().err
    assert main(["scenarios", "save", str(source), "--base-version", "3", "--author", OLGA]) == 2
    assert "needs a note" in capsys.readouterr().err
    args = ["scenarios", "save", str(source), "--base-version", "3", "--author", OLGA, "--note", "agreed"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(["scenarios", "history", "plan", "--diff"]) == 0
    out = capsys.readouterr().out
    assert "banks.cdb.fund_share_scale: - -> 0.9" in out
    assert "banks.cdb.fund_share_scale: 0.9 -> 0.8" in out
    assert out.count(ED) == 2 and out.count(OLGA) == 2
    assert " CST (" in out and " UTC)" in out
    lines = out.splitlines()
    assert lines[lines.index("    banks.cdb.fund_share_scale: 0.9 -> 0.8") - 1].split()[:2] == ["4", "save"]


@pytest.mark.postgres
def test_backup_and_restore_with_pg_dump(pg_url, tmp_path):
    """docs/deployment.md's backup and restore: every version, identity and role comes back."""
    import glob

    from sqlalchemy.engine import make_url

    bindir = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_dump"))[-1]).parent
    where = make_url(pg_url)
    with ScenarioStore(pg_url) as store:
        store.grant(OLGA, OWNER)
        owner = store.acting_as(store.identity_for(OLGA))
        owner.save("baseline", BASE_TEXT, note="seeded")
        owner.save("baseline", _edited(0.9), base_version=1, note="2026 budget")
        before = [v.to_dict() for v in store.history("baseline")]
    dump = tmp_path / "library.dump"
    subprocess.run(pg_dump_command(bindir, where.host, where.port, where.database, dump), check=True)
    admin = create_engine(where.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{where.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{where.database}"'))
    admin.dispose()
    subprocess.run(pg_restore_command(bindir, where.host, where.port, where.database, dump), check=True)
    with ScenarioStore(pg_url) as restored:
        assert restored.schema_applied == []
        assert [v.to_dict() for v in restored.history("baseline")] == before
        assert restored.roles() == {OLGA: OWNER}
        assert restored.load("baseline").overrides == {"banks": {"cdb": {"fund_share_scale": 0.9}}}
