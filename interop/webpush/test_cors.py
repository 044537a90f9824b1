"""CORS, for app servers running in a browser: off by default, and with
SIMPLEPUSH_ENDPOINT_ENABLE_CORS=true preflights answered and responses readable."""

import pytest
import requests

ALLOWED = {"content-encoding", "encryption", "crypto-key", "ttl", "topic", "urgency",
           "authorization", "content-type"}


def names(value):
    return {part.strip().lower() for part in value.split(",") if part.strip()}


@pytest.fixture
def cors(make_server):
    return make_server("memory", env={"SIMPLEPUSH_ENDPOINT_ENABLE_CORS": "true"})


def preflight(url, method):
    return requests.options(url, timeout=10, headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-encoding, ttl, authorization"})


def test_preflight_of_the_push_endpoint(cors, devices):
    sub = devices(cors).register()
    resp = preflight(sub.endpoint, "POST")
    assert resp.status_code == 200, resp.text
    assert resp.headers.get("Access-Control-Allow-Origin") == "*"
    assert "post" in names(resp.headers.get("Access-Control-Allow-Methods", ""))
    assert ALLOWED <= names(resp.headers.get("Access-Control-Allow-Headers", "")), resp.headers


def test_preflight_of_a_message_url(cors, devices, app):
    dev = devices(cors)
    sub = dev.register()
    dev.close()
    location = app.push(sub, "to delete").headers["Location"]
    resp = preflight(location, "DELETE")
    assert resp.status_code == 200, resp.text
    assert resp.headers.get("Access-Control-Allow-Origin") == "*"
    assert "delete" in names(resp.headers.get("Access-Control-Allow-Methods", ""))


def test_push_responses_are_readable_cross_origin(cors, devices, app, vapid):
    dev = devices(cors)
    ok = app.push(dev.register(), "cors")
    app.created(ok, cors)
    refused = app.push(dev.register(key=app.public_key(vapid)), "unsigned")   # 401
    assert refused.status_code == 401
    for resp in (ok, refused):
        assert resp.headers.get("Access-Control-Allow-Origin") == "*", resp.headers
        exposed = names(resp.headers.get("Access-Control-Expose-Headers", ""))
        assert {"location", "www-authenticate"} <= exposed, resp.headers


def test_cors_is_off_by_default(server, devices, app):
    resp = app.push(devices(server).register(), "no cors")
    app.created(resp, server)
    assert "Access-Control-Allow-Origin" not in resp.headers
