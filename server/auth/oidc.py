"""Sign-in through the force's identity provider: OpenID Connect (authorization code flow).

Authlib does the protocol: state and nonce, PKCE (S256) with the verifier kept in the signed
session cookie until the callback, the code exchanged over the back channel, and the ID token's
signature (the provider's JWKS), issuer, audience, expiry, nonce and at_hash checked. This module
then reads the claims as Microsoft Entra ID sends them:

- `tid`, the tenant: must be the force's (OIDC_TENANT_ID), so nobody from another organisation
  on the same platform gets in;
- `oid`, the person's stable id: stored on the officer (`provider_object_id`) and used to find
  them at every later sign-in; never the email, which changes and is reassigned;
- `roles`, the app roles assigned at the provider, mapped by OIDC_ROLE_MAP: no mapped role, no
  sign-in; a role changed or removed there takes effect at the next sign-in;
- OIDC_LINK_CLAIM (a shoulder number): at a first sign-in it links an officer already in
  Beatbook, or names the new one; OIDC_TEAM_CLAIM: the team, when the provider sends it (else
  the team an administrator assigned is kept).

A deactivated officer is refused whatever the provider says. Nothing here logs a token, a code
or a claim beyond the officer's id and the reason for a refusal.
"""
from __future__ import annotations

import logging

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, session, url_for
from joserfc import errors as jose_errors
from requests import RequestException
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..admin.service import apply_provider_claims
from ..core.db import db
from ..core.seclog import security_event
from .models import Officer

log = logging.getLogger(__name__)
EXTENSION = "beatbook_oidc"
PROVIDER = "force"
HTTP_TIMEOUT_SECONDS = 10


class SignInRefused(Exception):
    """A sign-in through the provider that did not work: `reason` for the security log,
    `message` for the person, `status` 400 (the exchange went wrong) or 403 (refused)."""

    def __init__(self, reason: str, message: str, status: int = 403):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


def init_oidc(app: Flask) -> None:
    """Register the provider's client when OIDC_ISSUER is set (server/config.py checked the rest)."""
    issuer = app.config.get("OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    client = oauth.register(
        PROVIDER,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile", "code_challenge_method": "S256",
                       "timeout": HTTP_TIMEOUT_SECONDS},
    )
    app.extensions[EXTENSION] = client


def enabled() -> bool:
    return EXTENSION in current_app.extensions


def _client():
    return current_app.extensions[EXTENSION]


def begin():
    """The redirect to the provider's sign-in page; state, nonce and the PKCE verifier go into
    this browser's session, so only this browser can finish this sign-in."""
    try:
        # prompt=login: phones are shared, so whoever holds this one signs in themselves, never
        # silently as the last officer the provider remembers in this browser.
        return _client().authorize_redirect(url_for("auth.oidc_callback", _external=True), prompt="login")
    except (RequestException, ValueError, RuntimeError) as exc:
        raise _unreachable(exc) from None


def finish(args) -> dict:
    """Exchange the code the provider sent back for an ID token; its checked claims."""
    client = _client()
    if args.get("error"):
        # The provider refused (the person cancelled, or is not assigned to the app): its error
        # code only; its description may carry personal details.
        raise SignInRefused(f"provider_{str(args['error'])[:40]}",
                            "The identity provider did not sign you in. Try again, or ask your administrator "
                            "whether you have access to Beatbook.", 403)
    state = args.get("state")
    started = client.framework.get_state_data(session, state) if state else None
    if not started:
        raise SignInRefused("state", "This sign-in was not started in this browser or has already been used. "
                                     "Start again from Beatbook's sign-in screen.", 400)
    client.framework.clear_state_data(session, state)  # one use, whatever happens next
    if not args.get("code"):
        raise SignInRefused("code_missing", "The identity provider sent no sign-in code. Start again.", 400)
    try:
        token = client.fetch_access_token(code=args["code"], state=state, redirect_uri=started["redirect_uri"],
                                          code_verifier=started["code_verifier"])
    except OAuthError as exc:
        # invalid_grant: the code was used already, has expired, or was issued to another client.
        raise SignInRefused(f"token_{str(exc.error or 'error')[:40]}",
                            "The identity provider would not confirm this sign-in (the link may have been "
                            "used already). Start again.", 400) from None
    except (RequestException, ValueError, RuntimeError) as exc:
        raise _unreachable(exc) from None
    return verified_claims(token, started["nonce"])


def verified_claims(token: dict, nonce: str) -> dict:
    """The ID token's claims once its signature (the issuer's JWKS), issuer, audience (this app's
    client id), expiry, nonce (this sign-in's) and at_hash are checked."""
    if not token.get("id_token"):
        raise SignInRefused("id_token_missing", "The identity provider sent no ID token. Start again.", 400)
    cfg = current_app.config
    try:
        claims = _client().parse_id_token(
            token, nonce=nonce, claims_options={"iss": {"essential": True, "value": cfg["OIDC_ISSUER"]}},
            leeway=cfg["OIDC_CLOCK_SKEW_SECONDS"])
    except jose_errors.JoseError as exc:
        raise SignInRefused(_token_reason(exc), "The identity provider's answer could not be trusted, so you "
                                                "are not signed in. Start again; if it keeps happening, tell "
                                                "your administrator.", 400) from None
    except (RequestException, ValueError, RuntimeError) as exc:
        raise _unreachable(exc) from None
    return dict(claims)


def _token_reason(exc: Exception) -> str:
    """A short reason for the security log, never the token."""
    if isinstance(exc, jose_errors.ExpiredTokenError):
        return "id_token_expired"
    if isinstance(exc, (jose_errors.BadSignatureError, jose_errors.InvalidKeyIdError,
                        jose_errors.MissingKeyError, jose_errors.UnsupportedAlgorithmError)):
        return "id_token_signature"
    if isinstance(exc, (jose_errors.InvalidClaimError, jose_errors.MissingClaimError)):
        return f"id_token_{_CLAIM_NAMES.get(exc.claim, 'claims')}"
    return "id_token_invalid"


_CLAIM_NAMES = {"iss": "issuer", "aud": "audience", "azp": "audience", "nonce": "nonce", "exp": "expired",
                "iat": "issued_at", "at_hash": "at_hash", "sub": "subject"}


def _unreachable(exc: Exception) -> SignInRefused:
    log.warning("identity provider unreachable: %s", type(exc).__name__)
    return SignInRefused("provider_unreachable", "The identity provider cannot be reached just now. "
                                                 "Try again in a minute.", 503)


# ---- claims -> officer ------------------------------------------------------------------

def role_for(provider_roles) -> str | None:
    """The Beatbook role for the provider's app roles: the first in OIDC_ROLE_MAP they hold."""
    held = set(provider_roles) if isinstance(provider_roles, (list, tuple)) else set()
    for provider_role, role in current_app.config["OIDC_ROLE_MAP"].items():
        if provider_role in held:
            return role
    return None


def _claim_text(claims: dict, name: str | None, limit: int) -> str | None:
    value = claims.get(name) if name else None
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if value is None:
        return None
    value = str(value).strip()
    return value[:limit] if value else None


def officer_for(claims: dict) -> Officer:
    """Find, link or create the officer these checked claims describe, with the role and team the
    provider gives now; refuse who may not sign in. Commits."""
    try:
        return _officer_for(claims)
    except IntegrityError:
        # The same person's first sign-in on two phones at once: the other one created or linked
        # the officer first; this one finds them.
        db.session.rollback()
        return _officer_for(claims)


def _officer_for(claims: dict) -> Officer:
    cfg = current_app.config
    tenant = cfg.get("OIDC_TENANT_ID")
    if tenant and claims.get("tid") != tenant:
        raise SignInRefused("tenant", "This account belongs to another organisation; sign in with your "
                                      "force account.")
    oid = _claim_text(claims, "oid", 64) or None
    if not oid:
        raise SignInRefused("oid_missing", "The identity provider did not say who you are (no oid claim). "
                                           "Tell your administrator.")
    role = role_for(claims.get("roles"))
    if role is None:
        raise SignInRefused("no_role", "Your account has no Beatbook role at the identity provider. Ask your "
                                       "administrator to assign you one.")
    officer = db.session.scalar(select(Officer).where(Officer.provider_object_id == oid).with_for_update())
    created = False
    if officer is None:
        officer, created = _link_or_create(claims, oid, role)
    if not officer.active:
        raise SignInRefused("deactivated", "Your Beatbook account is switched off. Ask your administrator.")
    # The provider is the authority for role and (when a team claim is set up) team; the administrative
    # audit trail and the team history record what it changed.
    changes = apply_provider_claims(officer, role, _claim_text(claims, cfg.get("OIDC_TEAM_CLAIM"), 64),
                                    created=created)
    db.session.commit()
    for field, (before, after) in changes.items():
        security_event(f"officer_{field}_changed", officer=officer.id, before=before, after=after,
                       source="identity_provider")
    return officer


def _link_or_create(claims: dict, oid: str, role: str) -> tuple[Officer, bool]:
    """The officer with the link claim's shoulder number, now linked, or a new one: (officer, created)."""
    cfg = current_app.config
    number = _claim_text(claims, cfg.get("OIDC_LINK_CLAIM"), 16)
    number = number.upper() if number else None
    if number is None:
        raise SignInRefused("link_claim_missing", "The identity provider did not send your shoulder number, so "
                                                  "Beatbook cannot tell which officer you are. Tell your "
                                                  "administrator.")
    officer = db.session.scalar(select(Officer).where(Officer.shoulder_number == number).with_for_update())
    if officer is not None:
        if officer.provider_object_id and officer.provider_object_id != oid:
            raise SignInRefused("linked_elsewhere", f"Shoulder number {number} is already linked to another "
                                                    "account at the identity provider. Tell your administrator.")
        officer.provider_object_id = oid
        security_event("officer_linked", officer=officer.id, source="identity_provider")
        return officer, False
    name = _claim_text(claims, "name", 100) or number
    officer = Officer(shoulder_number=number, display_name=name, role=role, team=None, active=True,
                      provider_object_id=oid)
    officer.set_no_password()
    db.session.add(officer)
    db.session.flush()
    security_event("officer_created", officer=officer.id, role=role, source="identity_provider")
    return officer, True
