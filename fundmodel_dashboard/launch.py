"""``fundmodel-dashboard``: start the dashboard of an installed fundmodel.

``streamlit run`` reads ``.streamlit/config.toml`` from the working directory only, so the
launcher passes the settings of the shipped ``config.toml`` as flags; any other arguments
go to Streamlit (for example ``--server.port 8600``).
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
APP = HERE / "app.py"
CONFIG = HERE / "config.toml"


def config_flags(path: Path = CONFIG) -> list[str]:
    """The settings of a Streamlit config file as command-line flags.

    >>> "--server.maxUploadSize=20" in config_flags()
    True
    """
    with path.open("rb") as fh:
        config = tomllib.load(fh)
    return [f"--{section}.{key}={value}" for section, values in config.items() for key, value in values.items()]


def preload() -> None:
    """Import the app's modules in the server process before it serves: the first planner to
    open the page after a start does not wait for pandas, SQLAlchemy, SciPy and the model to load."""
    import fundmodel_dashboard.main  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    from streamlit.web import cli as stcli

    preload()
    sys.argv = ["streamlit", "run", str(APP), *config_flags(), *(sys.argv[1:] if argv is None else argv)]
    return stcli.main()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
