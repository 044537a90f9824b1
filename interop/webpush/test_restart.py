"""Restarts and storage failures: what is stored in sqlite survives the process, a memory
store forgets its devices, and a store that is down is a 503."""


def test_sqlite_storage_survives_a_restart(make_server, devices, app):
    server = make_server("sqlite")
    dev = devices(server)
    sub = dev.register()
    uaid = dev.uaid
    dev.close()
    app.created(app.push(sub, "before the restart"), server)
    server.restart()    # same directory: same database and token key
    assert dev.reconnect()["uaid"] == uaid
    note = dev.receive()
    assert (note.channel_id, note.plaintext) == (sub.channel_id, b"before the restart")
    dev.ack(note)
    dev.reconnect()
    dev.expect_nothing()    # the ack removed it from the database
    # The endpoint handed out before the restart still reaches the device.
    app.created(app.push(sub, "after the restart"), server)
    assert dev.receive().plaintext == b"after the restart"


def test_memory_store_forgets_the_device_410_103(make_server, devices, app):
    server = make_server("memory")
    dev = devices(server)
    sub = dev.register()
    dev.close()
    server.restart()    # the token key survives in the directory, the devices do not
    resp = app.push(sub, "to nobody")
    app.error(resp, 410, 103)
    assert resp.headers.get("Cache-Control") == "max-age=86400"


def test_storage_down_is_503_with_retry_after(make_server, private_memcached, devices, app):
    server = make_server("memcache", memcached=private_memcached)
    dev = devices(server)
    sub = dev.register()
    dev.close()
    private_memcached.stop()
    resp = app.push(sub, "nowhere to store")
    app.error(resp, 503, 201)
    assert resp.headers.get("Retry-After", "").isdigit(), resp.headers
