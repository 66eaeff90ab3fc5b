"""``fundmodel-dashboard``: start the dashboard of an installed fundmodel.

``streamlit run`` reads ``.streamlit/config.toml`` from the working directory only, so the
launcher passes the settings of the shipped ``config.toml`` as flags; any other arguments
go to Streamlit (for example ``--server.port 8600``).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import sys
import threading
import tomllib
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
APP = HERE / "app.py"
CONFIG = HERE / "config.toml"
#: Modules the pages import when they first run, and the first table sent (pandas to Arrow).
PAGE_IMPORTS = (
    "fundmodel_dashboard.basis",
    "fundmodel.analysis.decomposition",
    "fundmodel.analysis.uncertainty",
    "pyarrow.pandas_compat",
    "streamlit.material_icon_names",
)


def config_flags(path: Path = CONFIG) -> list[str]:
    """The settings of a Streamlit config file as command-line flags.

    >>> "--server.maxUploadSize=20" in config_flags()
    True
    """
    with path.open("rb") as fh:
        config = tomllib.load(fh)
    return [f"--{section}.{key}={value}" for section, values in config.items() for key, value in values.items()]


def preload() -> threading.Thread:
    """Import the app's modules in the server process before it serves, then, in the
    background while the server starts, run what a new session opens on into the caches
    (:func:`fundmodel_dashboard.state.warm_default`): the first planner to open the page after a
    start does not wait for pandas, SQLAlchemy, SciPy, the model or the project selection.
    A session that asks for the run meanwhile waits for it (Streamlit's cache locks the key).

    Then what is loaded by then (modules, the bundled scenarios and portfolio, the default run)
    is moved out of the garbage collector's sight (``gc.freeze``): it lives as long as the server,
    and Streamlit's full collection after every script run (``runner.postScriptGC``) walked all
    of it, about 0.1 s of CPU holding the interpreter's lock on every page load and key press.
    Each run's own garbage is still collected."""
    import fundmodel_dashboard.main  # noqa: F401
    from fundmodel_dashboard import state

    # What the pages import on their first run (a page runs as a script, its imports then).
    for module in PAGE_IMPORTS:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    # Streamlit checks once per process, on the first element sent, whether it runs in a REPL by
    # walking the stack and resolving every loaded module's file (0.3 s of the first session).
    # The launcher runs it with `streamlit run`, never in a REPL: the check is marked as done.
    from streamlit import delta_generator

    delta_generator._use_warning_has_been_displayed = True

    def warm() -> None:
        # a failure here is the first session's to report, with the page's own message
        with contextlib.suppress(Exception):
            state.warm_default()
        gc.collect()  # what is garbage already is freed, not frozen
        gc.freeze()

    thread = threading.Thread(target=warm, name="fundmodel-warm-up", daemon=True)
    thread.start()
    return thread


def main(argv: Sequence[str] | None = None) -> int:
    from streamlit.web import cli as stcli

    preload()
    sys.argv = ["streamlit", "run", str(APP), *config_flags(), *(sys.argv[1:] if argv is None else argv)]
    return stcli.main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
