"""The device side of the WebSocket in its WebPush flavour: hello, register, unregister,
ping and the messages Firefox sends that must be accepted silently."""

import re
import time
import uuid

import pytest
from websockets.exceptions import ConnectionClosed

from device import b64url

UAID = re.compile(r"[0-9a-f]{32}")
TOKEN = r"[A-Za-z0-9_-]+"


def test_hello_reply(server, devices):
    dev = devices(server)
    assert dev.hello["status"] == 200
    assert dev.hello["use_webpush"] is True
    assert dev.hello["broadcasts"] == {}
    assert UAID.fullmatch(dev.hello["uaid"]), dev.hello


def test_hello_keeps_the_uaid_of_a_registered_device(server, devices):
    dev = devices(server)
    dev.register()
    first = dev.uaid
    assert dev.reconnect()["uaid"] == first


def test_hello_replaces_a_uaid_the_store_does_not_know(server, devices):
    dev = devices(server)
    # Never seen at all:
    unknown = uuid.uuid4().hex
    dev.close()
    assert dev.connect(uaid=unknown)["uaid"] != unknown
    # Seen, but never registered a channel, so not a WebPush device of the store:
    idle = dev.uaid
    dev.close()
    reply = dev.connect(uaid=idle)
    assert UAID.fullmatch(reply["uaid"]) and reply["uaid"] != idle


def test_register_endpoints(server, devices, vapid, app):
    dev = devices(server)
    plain = dev.register()
    assert re.fullmatch(re.escape(server.base) + "/wpush/v1/" + TOKEN, plain.endpoint), plain.endpoint
    # With a key (unpadded, and padded as Firefox sends it) the endpoint is v2.
    key = app.public_key(vapid)
    for sent in (key, key + "=" * (-len(key) % 4)):
        restricted = dev.register(key=sent)
        assert re.fullmatch(re.escape(server.base) + "/wpush/v2/" + TOKEN, restricted.endpoint)
    assert len({s.endpoint for s in dev.subs.values()}) == 3, "each channel has its own endpoint"


@pytest.mark.parametrize("key", [
    "not base64url!!",
    b64url(b"0123456789"),                  # decodes, but is no 65-byte key
    b64url(b"\x04" + b"\x00" * 64),         # 65 bytes, not a point on P-256
], ids=["garbage", "short", "off-curve"])
def test_register_with_a_bad_key_is_400_and_the_connection_stays(server, devices, key):
    dev = devices(server)
    channel = str(uuid.uuid4())
    reply = dev.register_raw(key=key, channel_id=channel)
    assert reply.get("messageType") == "register" and reply.get("status") == 400, reply
    assert reply.get("channelID") == channel and "pushEndpoint" not in reply, reply
    dev.register()      # still usable


def test_unregister_then_push_is_410(server, devices, app):
    dev = devices(server)
    sub = dev.register()
    reply = dev.unregister(sub)
    assert reply == {"messageType": "unregister", "channelID": sub.channel_id, "status": 200}
    resp = app.push(sub, "after unregister")
    app.error(resp, 410, 106)
    assert resp.headers.get("Cache-Control") == "max-age=86400"
    dev.expect_nothing(0.3)


def test_ping(server, devices):
    assert devices(server).ping() == {}


def test_pinging_too_often_closes_the_connection(server, devices):
    dev = devices(server)
    assert dev.ping() == {}
    dev.send({})        # a second ping well within 20 s
    deadline, closed = time.monotonic() + 5, False
    while not closed and time.monotonic() < deadline:
        try:
            dev.ws.recv(timeout=0.5)           # a reply may come before the close
        except TimeoutError:
            pass
        except ConnectionClosed:
            closed = True
    assert closed, "connection still open 5 s after an excessive ping"


def test_broadcast_subscribe_and_nack_are_accepted(server, devices, app):
    dev = devices(server)
    sub = dev.register()
    # What Firefox sends ~17 s after connecting: no reply, no error, no close.
    dev.send({"messageType": "broadcast_subscribe",
              "broadcasts": {"remote-settings/monitor_changes": '"0"'}})
    dev.expect_nothing(0.5)
    app.created(app.push(sub, "nack me"), server)
    note = dev.receive()
    dev.send({"messageType": "nack", "version": note.version, "code": 302})
    dev.expect_nothing(0.5)
    dev.register()      # the connection still answers
