"""Sign-in for real: headless Chromium through the OpenID Connect redirect flow of a local
provider (tests/_oidc_provider.py) into two dashboard processes sharing one PostgreSQL
library; then the roles on the library and the audit trail, as a user sees them.

Users: a viewer and an editor by the provider's role claim; an owner with no role claim,
whose role comes from the library's role table. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from _oidc_provider import Provider
from _services import ROOT, dashboard, free_port

from fundmodel.store import EDITOR, OWNER, VIEWER, ScenarioStore

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]
OUT = ROOT / "test-output"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.postgres,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (.ci/run)"),
]

CLIENT_ID, CLIENT_SECRET = "fundmodel-dashboard", secrets.token_urlsafe(16)
VI, ED, OLGA = "vi@office.example", "ed@office.example", "olga@office.example"
USERS = {
    "vi": {"email": VI, "name": "Vi Viewer", "fundmodel_role": VIEWER},
    "ed": {"email": ED, "name": "Ed Editor", "fundmodel_role": [EDITOR, "staff"]},
    "olga": {"email": OLGA, "name": "Olga Owner"},  # no role claim: the role table says owner
}
SEEDED = "scenario: {name: Baseline}\noverrides: {}\n"


def secrets_file(path: Path, dashboard_port: int, provider: Provider) -> Path:
    """The ``.streamlit/secrets.toml`` a server would hold (docs/deployment.md)."""
    path.write_text(
        f"""[auth]
redirect_uri = "http://127.0.0.1:{dashboard_port}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(32)}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{provider.metadata_url}"

[fundmodel_auth]
identity_claim = "email"
role_claim = "fundmodel_role"
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory, pg_server):
    """The provider, a seeded library and two dashboard processes on it."""
    tmp = tmp_path_factory.mktemp("auth")
    from sqlalchemy import create_engine, text

    db = f"auth_{secrets.token_hex(4)}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    url = pg_server.rsplit("/", 1)[0] + "/" + db
    with ScenarioStore(url) as store:
        store.grant(OLGA, OWNER)
        store.acting_as(store.identity_for(OLGA)).save("baseline", SEEDED, note="seeded")
    ports = [free_port(), free_port()]
    with Provider(CLIENT_ID, CLIENT_SECRET, USERS) as provider:
        files = [secrets_file(tmp / f"secrets{i}.toml", port, provider) for i, port in enumerate(ports)]
        env = {"FUNDMODEL_DB_URL": url}
        with dashboard(ports[0], env, files[0]) as first, dashboard(ports[1], env, files[1]) as second:
            yield {"urls": (first, second), "db": url, "provider": provider}
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _idle(page) -> None:
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=30_000)
    page.wait_for_timeout(300)


def sign_in(browser, url: str, login: str):
    """A fresh browser session signed in as ``login`` through the provider's pages."""
    context = browser.new_context(viewport={"width": 1480, "height": 1100})
    # traffic only to 127.0.0.1 (the dashboard and the provider)
    context.route(
        "**/*", lambda route: route.continue_() if route.request.url.startswith("http://127.0.0.1:") else route.abort()
    )
    page = context.new_page()
    page.goto(url)
    page.get_by_role("heading", name="fundmodel: sign in").wait_for(timeout=60_000)
    # nothing of the model before sign-in: no navigation, no pages
    assert page.get_by_role("link", name="Overview").count() == 0
    assert page.get_by_role("heading", name="Overview").count() == 0
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=f"Sign in as {login}").click()  # the provider's page
    page.get_by_role("heading", name="Overview").wait_for(timeout=60_000)
    _idle(page)
    assert page.get_by_text(USERS[login]["email"]).first.is_visible()
    return page


def library(page) -> None:
    origin = "/".join(page.url.split("/")[:3])
    page.goto(f"{origin}/scenarios")  # a new session of the same sign-in (the cookie)
    page.get_by_role("heading", name="Scenarios").first.wait_for(timeout=60_000)
    _idle(page)
    _idle(page)
    press(page.get_by_role("tab", name="Library"))
    page.get_by_role("button", name="Load this scenario").wait_for(timeout=30_000)
    page.get_by_text("Signed in as ").wait_for(timeout=30_000)
    _idle(page)


def press(locator) -> None:
    """Click in the page's own script: Streamlit's main block may still be settling its scroll
    position, which can keep Playwright's scroll-into-view waiting."""
    locator.wait_for(timeout=30_000)
    locator.evaluate("e => e.click()")


def fill(page, key: str, value: str) -> None:
    box = page.locator(f".st-key-{key} input")
    box.fill(value)
    box.press("Enter")
    _idle(page)


def save(page) -> None:
    press(page.locator(".st-key-library_save button"))
    _idle(page)


def history_text(page) -> str:
    press(page.get_by_text("Version history", exact=True))
    _idle(page)
    return page.locator('[data-testid="stTable"]').last.inner_text()


def shot(page, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=OUT / f"{name}.png", full_page=True)


def test_viewer_cannot_save(setup, browser):
    page = sign_in(browser, setup["urls"][0], "vi")
    library(page)
    page.get_by_text(f"Signed in as {VI} (viewer)").wait_for(timeout=30_000)
    page.get_by_text("Viewers read, compare and export").wait_for(timeout=30_000)
    assert page.locator(".st-key-library_save").count() == 0
    assert page.locator(".st-key-library_rename").count() == 0
    assert "seeded" in history_text(page)  # reading is allowed
    shot(page, "auth_viewer_library")
    page.context.close()


def test_editor_cannot_change_an_official_scenario_but_saves_its_own(setup, browser):
    page = sign_in(browser, setup["urls"][0], "ed")
    library(page)
    page.get_by_text(f"Signed in as {ED} (editor)").wait_for(timeout=30_000)
    assert page.locator(".st-key-library_save_author").count() == 0  # no typed author
    fill(page, "library_save_name", "baseline")
    page.get_by_text("baseline is official: only an owner saves a new version").wait_for(timeout=30_000)
    fill(page, "library_save_note", "lower the CDB share")
    save(page)
    page.get_by_text("'baseline' is official: only an owner can save it").wait_for(timeout=30_000)
    fill(page, "library_save_name", "ed plan")
    save(page)
    page.get_by_text("Saved as “ed plan”, version 1.").wait_for(timeout=30_000)
    shot(page, "auth_editor_library")
    page.context.close()
    with ScenarioStore(setup["db"]) as store:
        assert [(h.version, h.author) for h in store.history("baseline")] == [(1, OLGA)]
        assert [(h.version, h.author, h.note) for h in store.history("ed plan")] == [(1, ED, "lower the CDB share")]


def test_owner_saves_official_and_a_stale_save_in_the_other_process_is_refused(setup, browser):
    first, second = setup["urls"]
    pages = [sign_in(browser, first, "olga"), sign_in(browser, second, "olga")]
    for page in pages:  # both load version 1 of the official baseline
        library(page)
        page.get_by_text(f"Signed in as {OLGA} (owner of the official scenarios)").wait_for(timeout=30_000)
        press(page.locator(".st-key-library_load button"))
        _idle(page)
        fill(page, "library_save_name", "baseline")
    a, b = pages
    # an owner must say why an official scenario changes
    save(b)
    b.get_by_text("'baseline' is official: a new version needs a note").wait_for(timeout=30_000)
    fill(b, "library_save_note", "2026 budget baseline")
    save(b)
    b.get_by_text("Saved as “baseline”, version 2.").wait_for(timeout=30_000)
    # the other process, still on version 1: refused, nothing overwritten
    fill(a, "library_save_note", "stale edit")
    save(a)
    a.get_by_text("your save is based on version 1, but the library has version 2").wait_for(timeout=30_000)
    shot(a, "auth_owner_stale")
    table = history_text(a)
    assert "2026 budget baseline" in table and "stale edit" not in table
    assert table.count(OLGA) == 2 and "CST (" in table and "UTC)" in table
    for page in pages:
        page.context.close()
    with ScenarioStore(setup["db"]) as store:
        assert [(h.version, h.author, h.note) for h in store.history("baseline")] == [
            (1, OLGA, "seeded"),
            (2, OLGA, "2026 budget baseline"),
        ]
    assert setup["provider"].sign_ins.count("olga") == 2
