"""Messages for an offline device: stored, sent after hello oldest first in batches of 10,
kept until acked, and subject to TTL, topics, DELETE and the per-device limit.

Each "never delivered" check sends a control message after the one that must vanish, so a
device that receives nothing at all cannot pass it."""

import time

import pytest

STORES = ["memory", "sqlite", "memcache"]


@pytest.fixture
def offline(server, devices):
    """A device with one subscription, disconnected (reconnect() says hello with its uaid)."""
    dev = devices(server)
    sub = dev.register()
    dev.close()
    return dev, sub


def push_all(app, server, sub, texts, **kw):
    return [app.created(app.push(sub, text, **kw), server) for text in texts]


def plaintexts(notes):
    return [n.plaintext.decode() for n in notes]


def test_stored_messages_arrive_oldest_first_after_hello(server, offline, app):
    dev, sub = offline
    push_all(app, server, sub, ["first", "second", "third"])
    uaid = dev.uaid
    assert dev.reconnect()["uaid"] == uaid
    notes = dev.receive_all(3)
    assert plaintexts(notes) == ["first", "second", "third"]
    dev.ack(*notes)
    dev.expect_nothing()
    dev.reconnect()
    dev.expect_nothing()    # acked: gone for good


def test_a_stored_message_keeps_its_message_id(server, offline, app):
    # The version a device gets (and acks, and may de-duplicate on) is the id in Location,
    # and stays the same when the unacked message is sent again.
    dev, sub = offline
    [message_id] = push_all(app, server, sub, ["stored"])
    dev.reconnect()
    first = dev.receive()
    dev.reconnect()
    again = dev.receive()
    assert (first.version, again.version) == (message_id, message_id)


def test_unacked_messages_are_sent_again_acked_ones_never(server, devices, app):
    dev = devices(server)
    sub = dev.register()
    push_all(app, server, sub, ["live, unacked", "live, acked"])
    unacked, acked = dev.receive_all(2)
    dev.ack(acked)
    time.sleep(0.2)     # the ack has no reply; let it land before the socket closes
    dev.reconnect()
    again = dev.receive()
    assert (again.channel_id, again.plaintext) == (sub.channel_id, b"live, unacked")
    dev.expect_nothing()
    # Delivered from storage and still not acked: sent once more on the next hello.
    dev.reconnect()
    again = dev.receive()
    assert again.plaintext == b"live, unacked"
    dev.ack(again)
    time.sleep(0.2)
    dev.reconnect()
    dev.expect_nothing()


def test_a_redelivered_live_message_keeps_its_version(server, devices, app):
    dev = devices(server)
    sub = dev.register()
    [message_id] = push_all(app, server, sub, ["live"])
    live = dev.receive()
    dev.reconnect()
    assert (live.version, dev.receive().version) == (message_id, message_id)


def test_ttl_zero_to_an_offline_device_is_dropped(server, offline, app):
    dev, sub = offline
    resp = app.push(sub, "now or never", ttl=0)
    app.created(resp, server)
    assert resp.headers["TTL"] == "0"
    push_all(app, server, sub, ["control"])
    dev.reconnect()
    assert plaintexts([dev.receive()]) == ["control"]
    dev.expect_nothing()


def test_expired_messages_are_never_delivered(server, offline, app):
    dev, sub = offline
    push_all(app, server, sub, ["one second"], ttl=1)
    push_all(app, server, sub, ["two seconds"], ttl=2)
    push_all(app, server, sub, ["control"], ttl=60)
    time.sleep(3.2)
    dev.reconnect()
    assert plaintexts([dev.receive()]) == ["control"]
    dev.expect_nothing()


def test_a_newer_message_with_the_same_topic_replaces_the_stored_one(server, offline, app):
    dev, sub = offline
    push_all(app, server, sub, ["old news"], headers={"Topic": "news"})
    push_all(app, server, sub, ["weather"], headers={"Topic": "weather"})
    push_all(app, server, sub, ["new news"], headers={"Topic": "news"})
    dev.reconnect()
    assert sorted(plaintexts(dev.receive_all(2))) == ["new news", "weather"]
    dev.expect_nothing()


def test_delete_removes_a_stored_message(server, offline, app):
    dev, sub = offline
    doomed = app.push(sub, "deleted")
    app.created(doomed, server)
    push_all(app, server, sub, ["control"])
    assert app.delete(doomed.headers["Location"]).status_code == 204
    dev.reconnect()
    assert plaintexts([dev.receive()]) == ["control"]
    dev.expect_nothing()


def test_batches_of_ten_the_next_after_all_are_acked(server, offline, app):
    dev, sub = offline
    texts = [f"message {i:02}" for i in range(12)]
    push_all(app, server, sub, texts)
    dev.reconnect()
    batch = dev.receive_all(10)
    assert plaintexts(batch) == texts[:10]
    dev.expect_nothing(1.0)
    dev.ack(*batch[:9])
    dev.expect_nothing(0.8)     # one of the ten is still unacked
    dev.ack(batch[9])
    rest = dev.receive_all(2)
    assert plaintexts(rest) == texts[10:]
    dev.ack(*rest)
    dev.expect_nothing()


@pytest.mark.parametrize("store", STORES)
def test_the_per_device_limit_drops_the_oldest(make_server, devices, app, store):
    server = make_server(store, env={"SIMPLEPUSH_WEBPUSH_MAX_STORED_MESSAGES": "3"})
    dev = devices(server)
    sub = dev.register()
    dev.close()
    push_all(app, server, sub, [f"m{i}" for i in range(5)])
    dev.reconnect()
    assert plaintexts(dev.receive_all(3)) == ["m2", "m3", "m4"]
    dev.expect_nothing()
