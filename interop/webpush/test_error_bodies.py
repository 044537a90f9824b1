"""Error bodies: {"code","errno","error","message","more_info"}, where `error` is the reason
phrase of the status (as autopush sends it), for every error status a push can get."""

import os

import pytest


def failing_pushes(server, dev, app, vapid):
    """One request per error status: name -> (response, status, errno)."""
    plain = dev.register()
    gone = dev.register()
    dev.unregister(gone)
    restricted = dev.register(key=app.public_key(vapid))
    return {
        "400": (app.push(plain, "x", ttl=None, headers={"TTL": "-5"}), 400, 114),
        "401": (app.push(restricted, "unsigned"), 401, 109),
        "404": (app.post(f"{server.base}/wpush/v1/garbage", {"TTL": "60"}), 404, 102),
        "410": (app.push(gone, "gone"), 410, 106),
        "413": (app.push(plain, os.urandom(5000)), 413, 104),
    }


@pytest.mark.parametrize("status", ["400", "401", "404", "410", "413"])
def test_error_body_members(server, devices, app, vapid, phrases, status):
    resp, code, errno = failing_pushes(server, devices(server), app, vapid)[status]
    body = app.error(resp, code, errno)
    assert set(body) == {"code", "errno", "error", "message", "more_info"}, body
    assert body["error"] in phrases(code), f"error must be the reason phrase of {code}: {body}"
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
