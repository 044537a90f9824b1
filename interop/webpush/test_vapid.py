"""VAPID (RFC 8292) in both header forms: optional on v1 but verified when present, required
and bound to the registered key on v2. Every failure is 401 errno 109 + WWW-Authenticate."""

import time
from urllib.parse import urlsplit

import pytest
from py_vapid import Vapid, Vapid01
from py_vapid.jwt import sign as sign_jwt

SUB = "mailto:tests@example.com"
QUIET = 0.25


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def make_jwt(signer, endpoint, **changes):
    """An ES256 JWT with valid claims for `endpoint`, changed by `changes` (None removes one)."""
    claims = {"aud": origin(endpoint), "exp": int(time.time()) + 3600, "sub": SUB}
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return sign_jwt(claims, signer.private_key)


def auth(scheme, token, key):
    if scheme == "vapid":
        return {"Authorization": f"vapid t={token},k={key}"}
    return {"Authorization": f"WebPush {token}", "Crypto-Key": f"p256ecdsa={key}"}


def assert_vapid_rejected(app, resp):
    app.error(resp, 401, 109)
    assert resp.headers.get("WWW-Authenticate", "").lower().startswith("vapid"), resp.headers


@pytest.fixture(params=["vapid", "webpush"])
def scheme(request):
    return request.param


@pytest.fixture
def signer(scheme):
    """A key pair whose py_vapid class signs with `scheme` (Vapid02: vapid t=,k=; Vapid01: WebPush)."""
    v = Vapid() if scheme == "vapid" else Vapid01()
    v.generate_keys()
    return v


@pytest.fixture(params=["v1", "v2"])
def target(request, server, devices, app, vapid):
    """A connected device and a subscription: plain (v1) or restricted to `vapid` (v2)."""
    dev = devices(server)
    sub = dev.register(key=app.public_key(vapid)) if request.param == "v2" else dev.register()
    assert f"/wpush/{request.param}/" in sub.endpoint
    return dev, sub


def test_v1_accepts_both_schemes(server, devices, app, signer):
    dev = devices(server)
    sub = dev.register()
    app.created(app.push(sub, "signed v1", vapid=signer), server)
    assert dev.receive().plaintext == b"signed v1"


def test_v2_accepts_the_registered_key_in_both_schemes(server, devices, app, signer):
    dev = devices(server)
    sub = dev.register(key=app.public_key(signer))
    app.created(app.webpush(sub, "signed v2", vapid=signer), server)
    assert dev.receive().plaintext == b"signed v2"


def test_v2_rejects_a_push_without_vapid_or_with_another_key(server, devices, app, vapid, other_vapid):
    dev = devices(server)
    sub = dev.register(key=app.public_key(vapid))
    assert_vapid_rejected(app, app.push(sub, "unsigned"))
    assert_vapid_rejected(app, app.push(sub, "other key", vapid=other_vapid))
    dev.expect_nothing(QUIET)
    app.created(app.push(sub, "right key", vapid=vapid), server)
    assert dev.receive().plaintext == b"right key"
    dev.expect_nothing(QUIET)


def test_exp_just_under_24_hours_is_accepted(server, target, app, vapid, scheme):
    dev, sub = target
    token = make_jwt(vapid, sub.endpoint, exp=int(time.time()) + 23 * 3600)
    app.created(app.push(sub, "23 h", headers=auth(scheme, token, app.public_key(vapid))), server)
    assert dev.receive().plaintext == b"23 h"


# Each case: claim changes from valid claims (aud = the endpoint origin, exp = now + 1 h).
# The header always names `vapid`'s public key; "bad-signature" is signed by another key.
CLAIM_FAILURES = {
    "bad-signature": lambda aud, now: {},
    "wrong-aud-port": lambda aud, now: {"aud": "http://127.0.0.1:1"},
    "wrong-aud-scheme": lambda aud, now: {"aud": aud.replace("http://", "https://")},
    "expired": lambda aud, now: {"exp": now - 300},
    "exp-over-24h": lambda aud, now: {"exp": now + 25 * 3600},
    "missing-exp": lambda aud, now: {"exp": None},
}


@pytest.mark.parametrize("case", CLAIM_FAILURES)
def test_bad_jwt_is_rejected(server, target, app, vapid, other_vapid, scheme, case):
    dev, sub = target
    changes = CLAIM_FAILURES[case](origin(sub.endpoint), int(time.time()))
    token = make_jwt(other_vapid if case == "bad-signature" else vapid, sub.endpoint, **changes)
    assert_vapid_rejected(app, app.push(sub, case, headers=auth(scheme, token, app.public_key(vapid))))
    dev.expect_nothing(QUIET)


MALFORMED = {
    "jwt-not-a-jwt": lambda t, k: {"Authorization": f"vapid t=not-a-jwt,k={k}"},
    "jwt-without-signature": lambda t, k: {"Authorization": f"vapid t={t.rsplit('.', 1)[0]},k={k}"},
    "no-t": lambda t, k: {"Authorization": f"vapid k={k}"},
    "no-k": lambda t, k: {"Authorization": f"vapid t={t}"},
    "k-not-a-key": lambda t, k: {"Authorization": f"vapid t={t},k=bm90LWEta2V5"},
    "unknown-scheme": lambda t, k: {"Authorization": f"Bearer {t}"},
    "webpush-without-crypto-key": lambda t, k: {"Authorization": f"WebPush {t}"},
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_authorization_is_rejected(server, target, app, vapid, case):
    dev, sub = target
    headers = MALFORMED[case](make_jwt(vapid, sub.endpoint), app.public_key(vapid))
    assert_vapid_rejected(app, app.push(sub, case, headers=headers))
    dev.expect_nothing(QUIET)
