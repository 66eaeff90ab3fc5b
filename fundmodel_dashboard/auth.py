"""Sign-in for a dashboard shared by a team: OpenID Connect through Streamlit's ``st.login``.

Configured in ``.streamlit/secrets.toml`` (never in the repository; see docs/deployment.md)::

    [auth]
    redirect_uri = "https://fundmodel.example.org/oauth2callback"
    cookie_secret = "a long random string"
    client_id = "fundmodel"
    client_secret = "..."
    server_metadata_url = "https://idp.example.org/.well-known/openid-configuration"

    [fundmodel_auth]              # optional
    identity_claim = "email"      # the claim naming who signed in (default: email, else sub)
    role_claim = "fundmodel_role" # a claim holding viewer / editor / owner (a string or a list)

Without an ``[auth]`` section nothing here does anything: one user, the local library, as
before. With one, no page is drawn before sign-in, and every write to the library is made
by the signed-in identity with its role: from the role claim when the provider sends one,
else from the library's role table, else viewer (:meth:`ScenarioStore.identity_for`).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from fundmodel.labels import label
from fundmodel.store import ScenarioStore, strongest_role
from fundmodel_dashboard.widgets import lang

#: The optional section of the secrets file with the claim names.
SECTION = "fundmodel_auth"
DEFAULT_IDENTITY_CLAIM = "email"
DEFAULT_ROLE_CLAIM = "fundmodel_role"


def t_auth(term: str, **values: Any) -> str:
    """A sign-in or library text (fundmodel.labels) in the session's language, with ``values`` filled in."""
    return label(term, lang()).format(**values)


def _secrets() -> Any:
    """The secrets (empty when there is no secrets file)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return {}
        return st.secrets
    except Exception:  # a broken secrets file: Streamlit reports it itself when st.login reads it
        return {}


def configured() -> bool:
    """True when the secrets file has an ``[auth]`` section."""
    return "auth" in _secrets()


def _setting(key: str, default: str) -> str:
    section = _secrets().get(SECTION, {})
    return str(section.get(key, default)) if section else default


def signed_in_claims() -> dict[str, Any]:
    """The signed-in user's claims (empty when nobody is signed in)."""
    return st.user.to_dict() if st.user.is_logged_in else {}


def identity_name(claims: dict[str, Any]) -> str | None:
    """Who signed in: the configured identity claim, else ``sub``.

    >>> identity_name({"email": "ana@office.example", "sub": "42"})
    'ana@office.example'
    """
    value = claims.get(_setting("identity_claim", DEFAULT_IDENTITY_CLAIM)) or claims.get("sub")
    return str(value) if value else None


def bind(store: ScenarioStore) -> ScenarioStore:
    """``store`` as the signed-in identity writes to it; unchanged without an ``[auth]``
    configuration. Configured but not signed in, every write is refused (a viewer)."""
    if not configured():
        return store
    claims = signed_in_claims()
    name = identity_name(claims) or "(not signed in)"
    claimed = strongest_role(claims.get(_setting("role_claim", DEFAULT_ROLE_CLAIM))) if claims else None
    return store.acting_as(store.identity_for(name, claimed) if claims else store.identity_for(name, "viewer"))


def require_sign_in() -> None:
    """Without ``[auth]``: nothing. With it: before sign-in, only the sign-in button (the page
    stops there); after, who is signed in and a sign-out button in the sidebar."""
    if not configured():
        return
    if not st.user.is_logged_in:
        st.title(t_auth("sign_in_title"))
        st.write(t_auth("sign_in_help"))
        if st.button(t_auth("sign_in"), key="auth_sign_in", type="primary"):
            st.login()
        st.stop()
    claims = signed_in_claims()
    with st.sidebar:
        st.caption(identity_name(claims) or "")
        if st.button(t_auth("sign_out"), key="auth_sign_out"):
            st.logout()
