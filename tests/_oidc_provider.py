"""A small OpenID Connect provider for the sign-in tests, on 127.0.0.1.

Serves discovery, JWKS, authorize (a page with one button per test user), token
(authorization code with PKCE S256, client secret by HTTP Basic or form) and userinfo. ID
tokens are RS256 JWTs signed with joserfc (the JOSE library of the Authlib project); each
carries the user's claims, among them its role claim. Codes are single-use.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey


class Provider:
    """The provider: ``users`` maps a login to its claims (``sub`` is the login)."""

    def __init__(self, client_id: str, client_secret: str, users: dict[str, dict[str, Any]]) -> None:
        self.client_id, self.client_secret, self.users = client_id, client_secret, users
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig", "alg": "RS256"})
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, str] = {}
        self.sign_ins: list[str] = []  # logins, in order, that got tokens
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Provider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
        }

    def claims(self, login: str) -> dict[str, Any]:
        return {"sub": login, **self.users[login]}

    def issue(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (HTTP status, JSON body)."""
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if client_id != self.client_id or secret != self.client_secret:
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri") or grant["expires"] < time.time():
            return 400, {"error": "invalid_grant"}
        if grant.get("code_challenge"):
            digest = hashlib.sha256(form.get("code_verifier", "").encode("ascii")).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii") != grant["code_challenge"]:
                return 400, {"error": "invalid_grant", "error_description": "PKCE verifier does not match"}
        now = int(time.time())
        claims = {
            **self.claims(grant["login"]),
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 600,
            "auth_time": now,
        }
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
        access = secrets.token_urlsafe(24)
        self.access_tokens[access] = grant["login"]
        self.sign_ins.append(grant["login"])
        body = {"access_token": access, "token_type": "Bearer", "expires_in": 600, "id_token": id_token}
        return 200, {**body, "scope": grant["scope"]}


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: str | dict, content_type: str = "application/json", **headers: str):
            data = (json.dumps(body) if isinstance(body, dict) else body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/.well-known/openid-configuration":
                self._send(200, provider.metadata())
            elif url.path == "/jwks":
                self._send(200, {"keys": [provider.key.as_dict(private=False)]})
            elif url.path == "/authorize":
                if query.get("client_id") != provider.client_id or query.get("response_type") != "code":
                    self._send(400, {"error": "invalid_request"})
                    return
                hidden = "".join(
                    f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in query.items()
                )
                buttons = "".join(
                    f'<button type="submit" name="login" value="{html.escape(login)}">Sign in as {html.escape(login)}'
                    "</button>"
                    for login in provider.users
                )
                page = f'<!doctype html><title>Test provider</title><form method="post">{hidden}{buttons}</form>'
                self._send(200, page, "text/html; charset=utf-8")
            elif url.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
                login = provider.access_tokens.get(token)
                if login is None:
                    self._send(401, {"error": "invalid_token"})
                else:
                    self._send(200, provider.claims(login))
            else:
                self._send(404, {"error": "not_found"})

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            return dict(urllib.parse.parse_qsl(self.rfile.read(length).decode("utf-8")))

        def do_POST(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            form = self._form()
            if url.path == "/authorize":
                if form.get("login") not in provider.users or form.get("client_id") != provider.client_id:
                    self._send(400, {"error": "access_denied"})
                    return
                code = secrets.token_urlsafe(24)
                provider.codes[code] = {
                    "login": form["login"],
                    "redirect_uri": form.get("redirect_uri", ""),
                    "nonce": form.get("nonce"),
                    "scope": form.get("scope", "openid"),
                    "code_challenge": form.get("code_challenge"),
                    "expires": time.time() + 120,
                }
                target = form.get("redirect_uri", "")
                params = urllib.parse.urlencode({"code": code, "state": form.get("state", "")})
                self._send(302, "", "text/plain", Location=f"{target}{'&' if '?' in target else '?'}{params}")
            elif url.path == "/token":
                basic = None
                header = self.headers.get("Authorization", "")
                if header.startswith("Basic "):
                    user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
                    basic = (urllib.parse.unquote(user), urllib.parse.unquote(password))
                status, body = provider.issue(form, basic)
                self._send(status, body)
            else:
                self._send(404, {"error": "not_found"})

    return Handler
