"""Live delivery to a connected device: what pywebpush encrypted is what the device decrypts,
relayed byte for byte with the headers the encoding needs."""

import os

import pytest

from device import b64url

# The largest plaintexts whose encrypted body is exactly the 4096-byte limit: aes128gcm adds
# an 86-byte header (salt, rs, keyid length, 65-byte key) plus a delimiter and a 16-byte tag;
# aesgcm adds 2 padding bytes and the tag.
MAX_AES128GCM = 4096 - 86 - 1 - 16
MAX_AESGCM = 4096 - 2 - 16


@pytest.mark.parametrize("data", [b"Hello, WebPush!", os.urandom(MAX_AES128GCM)], ids=["short", "max"])
def test_delivers_the_plaintext(server, devices, app, data):
    dev = devices(server)
    sub = dev.register()
    resp = app.push(sub, data, ttl=60)
    message_id = app.created(resp, server)
    assert resp.headers["TTL"] == "60"
    note = dev.receive()
    assert note.plaintext == data
    assert note.body == resp.request.body, "the body must be relayed untouched"
    assert note.channel_id == sub.channel_id
    assert note.version == message_id, "the Location id is the message's version"
    assert note.ttl == 60
    assert note.headers == {"encoding": "aes128gcm"}


def test_body_of_exactly_4096_bytes(server, devices, app):
    dev = devices(server)
    sub = dev.register()
    resp = app.push(sub, b"x" * MAX_AES128GCM)
    assert len(resp.request.body) == 4096
    app.created(resp, server)
    assert dev.receive().plaintext == b"x" * MAX_AES128GCM


def test_delivers_a_push_without_payload(server, devices, app):
    dev = devices(server)
    sub = dev.register()
    app.created(app.push(sub, None), server)
    note = dev.receive()
    assert note.channel_id == sub.channel_id
    assert "data" not in note.raw and "headers" not in note.raw, note.raw


def test_webpush_function(server, devices, app):
    # pywebpush's one-call API, as most app servers use it.
    dev = devices(server)
    sub = dev.register()
    app.created(app.webpush(sub, "one call", ttl=30), server)
    note = dev.receive()
    assert (note.plaintext, note.ttl) == (b"one call", 30)


@pytest.mark.parametrize("data", [b"legacy aesgcm", os.urandom(MAX_AESGCM)], ids=["short", "max"])
def test_legacy_aesgcm(server, devices, app, data):
    dev = devices(server)
    sub = dev.register()
    resp = app.push(sub, data, encoding="aesgcm")
    assert len(resp.request.body) <= 4096
    app.created(resp, server)
    note = dev.receive()
    sent = resp.request.headers
    assert note.headers == {"encoding": "aesgcm", "encryption": sent["Encryption"],
                            "crypto_key": sent["Crypto-Key"]}
    assert note.plaintext == data


def test_aesgcm_without_crypto_key_has_no_crypto_key_header(server, devices, app):
    # Crypto-Key dh= is optional for aesgcm; the server relays only what it got.
    dev = devices(server)
    sub = dev.register()
    enc = app.encrypted(sub, "no dh", encoding="aesgcm")
    resp = app.post(sub.endpoint, {"TTL": "60", "Content-Encoding": "aesgcm",
                                   "Encryption": "salt=" + enc["salt"].decode()}, enc["body"])
    app.created(resp, server)
    note = dev.recv()   # undecryptable without dh, so look at the message itself
    assert note["messageType"] == "notification" and note["channelID"] == sub.channel_id
    assert note["headers"] == {"encoding": "aesgcm", "encryption": "salt=" + enc["salt"].decode()}
    assert note["data"] == b64url(enc["body"])


def test_each_channel_gets_its_own_messages(server, devices, app):
    dev = devices(server)
    first, second = dev.register(), dev.register()
    app.created(app.push(second, "for the second"), server)
    note = dev.receive()
    assert (note.channel_id, note.plaintext) == (second.channel_id, b"for the second")
    dev.expect_nothing(0.3)


def test_short_endpoint_path_is_v1(server, devices, app):
    # /wpush/<token> is the same as /wpush/v1/<token>.
    dev = devices(server)
    sub = dev.register()
    sub.endpoint = sub.endpoint.replace("/wpush/v1/", "/wpush/")
    app.created(app.push(sub, "short path"), server)
    assert dev.receive().plaintext == b"short path"


@pytest.mark.parametrize("sent, used", [("2592000", 2592000), ("2592001", 2592000),
                                        ("99999999999", 2592000)])
def test_ttl_is_capped_at_30_days(server, devices, app, sent, used):
    dev = devices(server)
    sub = dev.register()
    resp = app.push(sub, "long lived", ttl=None, headers={"TTL": sent})
    app.created(resp, server)
    assert resp.headers["TTL"] == str(used)
    assert dev.receive().ttl == used


def test_ttl_zero_to_a_connected_device_is_delivered(server, devices, app):
    dev = devices(server)
    sub = dev.register()
    resp = app.push(sub, "right now", ttl=0)
    app.created(resp, server)
    assert resp.headers["TTL"] == "0"
    note = dev.receive()
    assert (note.plaintext, note.ttl) == (b"right now", 0)
