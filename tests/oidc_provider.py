"""A small OpenID Connect provider for the tests: a real HTTP server on 127.0.0.1 that plays the municipality's
DigiD broker (authorization code flow, RS256-signed ID tokens, JWKS, userinfo). Test use only.

It behaves as strictly as the real brokers (Signicat, Keycloak's DigiD connector), so that a test fails when
Rondom reads the wrong source: by default the BSN and the level of assurance (`acr`) are **only in the ID token**
and userinfo answers just `sub` (and only to a valid access token); the client's secret and redirect URI are
checked and a code works once. A test can script another broker's behaviour per login: where the BSN goes
(`bsn_in`), another or no `acr`, missing claims, verbatim claims from a real-world sample, and tampered tokens
(another key, issuer, audience, nonce, or an expired token).

It also plays a professionals' identity provider (Entra ID, Keycloak) for a second client, STAFF_CLIENT_ID with its
own secret: `staff_login(...)` scripts the next sign-on's `sub`, `acr`, `amr` and the claims placed exactly in the ID
token or exactly in userinfo (nothing is copied from one to the other); such a token never carries a BSN unless a
test puts one in. The scopes each authorization asked are kept in `scopes_asked`."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "rondom-test"
CLIENT_SECRET = "test-secret"
STAFF_CLIENT_ID = "rondom-staff-test"
STAFF_CLIENT_SECRET = "staff-test-secret"
ACR_BASIS = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
ACR_MIDDEN = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"
ACR_SUBSTANTIEEL = "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard"
TAMPERINGS = ("other_key", "other_issuer", "other_audience", "other_nonce", "expired", "no_nonce")


class Provider:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.client_id = CLIENT_ID
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.issuer = ""
        self.token_requests = 0
        self.userinfo_requests = 0
        self.scopes_asked: list[str] = []
        self.reset()

    def reset(self) -> None:
        """What the next login gets: a BSN at DigiD midden, the BSN only in the ID token (the brokers' default)."""
        self.next_bsn = ""
        self.acr: str | None = ACR_MIDDEN
        self.bsn_in = "id_token"  # "id_token" | "userinfo" | "both" | "none"
        self.userinfo_bsn: str | None = None  # another BSN in userinfo than in the ID token (a wrong source)
        self.tamper: str | None = None
        self.id_token_claims: dict[str, Any] | None = None  # verbatim claims (placeholders <broker>, <nonce>)
        self.userinfo_response: dict[str, Any] | None = None
        self.staff: dict[str, Any] = {"sub": None, "acr": None, "amr": None, "id_token": {}, "userinfo": {}}

    def staff_login(
        self,
        *,
        sub: str | None = None,
        acr: str | None = None,
        amr: list[str] | None = None,
        id_token: dict[str, Any] | None = None,
        userinfo: dict[str, Any] | None = None,
    ) -> None:
        """What the next professional's sign-on gets: this `sub` (default: a new random one), `acr` and `amr` in
        the ID token when given, and these claims exactly where given (`id_token` or `userinfo`)."""
        self.staff = {"sub": sub, "acr": acr, "amr": amr, "id_token": id_token or {}, "userinfo": userinfo or {}}

    def script(self, id_token_claims: dict[str, Any], userinfo_response: dict[str, Any]) -> None:
        """Serve these claims as they are (a real-world sample); `<broker>` and `<nonce>` are filled in."""
        self.id_token_claims = id_token_claims
        self.userinfo_response = userinfo_response

    def jwks(self) -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": "test", "use": "sig", "alg": "RS256"}]}

    def grant(self, nonce: str, redirect_uri: str, client_id: str = CLIENT_ID) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "client_id": client_id,
            "staff": dict(self.staff) if client_id == STAFF_CLIENT_ID else None,
            "nonce": nonce,
            "redirect_uri": redirect_uri,
            "sub": (self.staff["sub"] if client_id == STAFF_CLIENT_ID else None) or secrets.token_hex(8),
            "bsn": self.next_bsn,
            "acr": self.acr,
            "bsn_in": self.bsn_in,
            "userinfo_bsn": self.userinfo_bsn,
            "tamper": self.tamper,
            "id_token_claims": self.id_token_claims,
            "userinfo_response": self.userinfo_response,
        }
        return code

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        tamper = grant["tamper"]
        if grant["id_token_claims"] is not None:
            claims = {
                k: {"<broker>": self.issuer, "<nonce>": grant["nonce"]}.get(v, v) if isinstance(v, str) else v
                for k, v in grant["id_token_claims"].items()
            }
            claims.setdefault("iat", now)
            claims.setdefault("exp", now + 300)
        elif grant["staff"] is not None:
            staff = grant["staff"]
            claims = {
                "iss": self.issuer,
                "sub": grant["sub"],
                "aud": grant["client_id"],
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
            }
            for name in ("acr", "amr"):
                if staff[name] is not None:
                    claims[name] = staff[name]
            claims.update(staff["id_token"])
        else:
            claims = {
                "iss": self.issuer,
                "sub": grant["sub"],
                "aud": self.client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": grant["nonce"],
            }
            if grant["acr"] is not None:
                claims["acr"] = grant["acr"]
            if grant["bsn_in"] in ("id_token", "both"):
                claims["bsn"] = grant["bsn"]
        key = self.key
        if tamper == "other_key":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif tamper == "other_issuer":
            claims["iss"] = "https://broker.example.org"
        elif tamper == "other_audience":
            claims["aud"] = "another-client"
        elif tamper == "other_nonce":
            claims["nonce"] = "replayed-" + secrets.token_hex(4)
        elif tamper == "no_nonce":
            claims.pop("nonce", None)
        elif tamper == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 600
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "test"})

    def userinfo(self, grant: dict[str, Any]) -> dict[str, Any]:
        if grant["userinfo_response"] is not None:
            return dict(grant["userinfo_response"])
        if grant["staff"] is not None:
            return {"sub": grant["sub"], **grant["staff"]["userinfo"]}
        body: dict[str, Any] = {"sub": grant["sub"]}
        if grant["bsn_in"] in ("userinfo", "both"):
            body["bsn"] = grant["bsn"]
        if grant["userinfo_bsn"] is not None:
            body["bsn"] = grant["userinfo_bsn"]
        return body


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _json(self, body: dict[str, Any], status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/authorize":
                client = query.get("client_id")
                staff = client == STAFF_CLIENT_ID
                if (client != provider.client_id and not staff) or query.get("response_type") != "code":
                    self._json({"error": "unauthorized_client"}, 400)
                    return
                if "openid" not in query.get("scope", "").split() or not query.get("redirect_uri"):
                    self._json({"error": "invalid_request"}, 400)
                    return
                provider.scopes_asked.append(query["scope"])
                code = provider.grant(query.get("nonce", ""), query["redirect_uri"], client or "")
                self.send_response(302)
                self.send_header(
                    "Location", f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
                )
                self.end_headers()
            elif url.path == "/jwks":
                self._json(provider.jwks())
            elif url.path == "/userinfo":
                provider.userinfo_requests += 1
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if token not in provider.access_tokens:
                    self._json({"error": "invalid_token"}, 401)
                    return
                self._json(provider.userinfo(provider.access_tokens[token]))
            else:
                self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            provider.token_requests += 1
            grant = provider.codes.pop(form.get("code", ""), None)  # a code works once
            if (
                urlparse(self.path).path != "/token"
                or grant is None
                or form.get("client_id") != grant["client_id"]
                or form.get("client_secret") != (STAFF_CLIENT_SECRET if grant["staff"] is not None else CLIENT_SECRET)
                or form.get("redirect_uri") != grant["redirect_uri"]
            ):
                self._json({"error": "invalid_grant"}, 400)
                return
            access_token = secrets.token_hex(16)
            provider.access_tokens[access_token] = grant
            self._json(
                {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(grant),
                }
            )

    return Handler


@contextmanager
def running_provider() -> Iterator[Provider]:
    provider = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
