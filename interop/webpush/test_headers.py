"""Request validation on the app-server side: every header error has its status and errno,
a JSON error body, and nothing reaches the device."""

import os
import random
import string

import pytest

# Largest plaintexts that still encrypt to 4096 bytes (see test_delivery.py).
MAX_AES128GCM, MAX_AESGCM = 4096 - 86 - 1 - 16, 4096 - 2 - 16

QUIET = 0.3     # a rejected push would arrive within milliseconds if it were delivered


@pytest.fixture
def online(server, devices):
    dev = devices(server)
    return dev, dev.register()


def test_missing_ttl_is_111(online, app):
    dev, sub = online
    # pywebpush always sends a TTL, so this one is posted by hand (its body still pywebpush's).
    enc = app.encrypted(sub, "no ttl")
    app.error(app.post(sub.endpoint, {"Content-Encoding": "aes128gcm"}, enc["body"]), 400, 111)
    dev.expect_nothing(QUIET)


@pytest.mark.parametrize("ttl", ["-1", "-86400", "abc", "1.5"])
def test_negative_or_non_integer_ttl_is_114(online, app, ttl):
    dev, sub = online
    app.error(app.push(sub, "bad ttl", ttl=None, headers={"TTL": ttl}), 400, 114)
    dev.expect_nothing(QUIET)


@pytest.mark.parametrize("topic", ["a" * 33, "has space", "dot.ted", "slash/", "ünï"])
def test_bad_topic_is_113(online, app, topic):
    dev, sub = online
    app.error(app.push(sub, "bad topic", headers={"Topic": topic}), 400, 113)
    dev.expect_nothing(QUIET)


def test_good_topics_are_accepted(server, online, app):
    dev, sub = online
    for topic in ("a" * 32, "Az09_-"):
        app.created(app.push(sub, topic, headers={"Topic": topic}), server)
        assert dev.receive().plaintext == topic.encode()


def test_bad_urgency_is_400(online, app):
    dev, sub = online
    app.error(app.push(sub, "bad urgency", headers={"Urgency": "urgent"}), 400, 112)
    dev.expect_nothing(QUIET)


def test_every_urgency_is_accepted(server, online, app):
    dev, sub = online
    for urgency in ("very-low", "low", "normal", "high"):
        app.created(app.push(sub, urgency, headers={"Urgency": urgency}), server)
        assert dev.receive().plaintext == urgency.encode()


@pytest.mark.parametrize("encoding", [None, "gzip", "aesgcm128x"], ids=["missing", "gzip", "unknown"])
def test_body_without_a_known_content_encoding_is_110(online, app, encoding):
    dev, sub = online
    enc = app.encrypted(sub, "encoding?")
    headers = {"TTL": "60"}
    if encoding:
        headers["Content-Encoding"] = encoding
    app.error(app.post(sub.endpoint, headers, enc["body"]), 400, 110)
    dev.expect_nothing(QUIET)


@pytest.mark.parametrize("encryption", [None, "rs=4096"], ids=["no-header", "no-salt"])
def test_aesgcm_without_encryption_salt_is_110(online, app, encryption):
    dev, sub = online
    enc = app.encrypted(sub, "where is the salt", encoding="aesgcm")
    headers = {"TTL": "60", "Content-Encoding": "aesgcm", "Crypto-Key": "dh=" + enc["crypto_key"].decode()}
    if encryption:
        headers["Encryption"] = encryption
    app.error(app.post(sub.endpoint, headers, enc["body"]), 400, 110)
    dev.expect_nothing(QUIET)


@pytest.mark.parametrize("encoding, size", [("aes128gcm", MAX_AES128GCM + 1), ("aesgcm", MAX_AESGCM + 1),
                                            ("aes128gcm", 8000)])
def test_body_over_4096_bytes_is_413(online, app, encoding, size):
    dev, sub = online
    resp = app.push(sub, os.urandom(size), encoding=encoding)
    assert len(resp.request.body) > 4096
    app.error(resp, 413, 104)
    dev.expect_nothing(QUIET)


def test_garbled_tokens_are_404(server, online, app):
    dev, sub = online
    token = sub.endpoint.rsplit("/", 1)[1]
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    alphabet = string.ascii_letters + string.digits + "-_"
    lookalike = "".join(random.choice(alphabet) for _ in token)
    for bad in ("garbage", flipped, lookalike, token[:-4]):
        for version in ("v1/", "v2/", ""):
            resp = app.post(f"{server.base}/wpush/{version}{bad}", {"TTL": "60"})
            app.error(resp, 404, 102)
    dev.expect_nothing(QUIET)


def test_delete_of_a_garbled_message_id_is_404(server, app):
    app.error(app.delete(f"{server.base}/m/not-a-message-id"), 404, 102)
