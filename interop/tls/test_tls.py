"""TLS on both listeners, end to end: a real server with a certificate from a CA made for the
run, Python's ssl module and the websockets library on the device side, curl for app servers."""

import json
import os
import signal
import socket
import ssl
import subprocess
import time
import uuid

import pytest
from websockets.sync.client import connect

from certs import Authority
from tlsenv import BINARY, client_context, curl_put, free_port, receive


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3], ids=["tls1.2", "tls1.3"])
def test_a_device_on_wss_gets_an_update_put_over_https(start, authority, version):
    server = start()
    context = client_context(authority.path, version)
    with connect(f"wss://127.0.0.1:{server.ws_port}/", ssl=context, open_timeout=10) as ws:
        assert ws.socket.version() == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
        ws.send(json.dumps({"messageType": "hello", "uaid": "", "channelIDs": []}))
        assert receive(ws, "hello")["status"] == 200
        channel = str(uuid.uuid4())
        ws.send(json.dumps({"messageType": "register", "channelID": channel}))
        endpoint = receive(ws, "register")["pushEndpoint"]
        # The endpoint the device is given is the https one.
        assert endpoint.startswith(f"https://127.0.0.1:{server.http_port}/update/"), endpoint
        assert curl_put(endpoint, authority.path, "version=7") == 200
        update = receive(ws, "notification")["updates"][0]
        assert (update["channelID"], update["version"]) == (channel, 7)


def test_alpn_offers_http11(start, authority):
    server = start()
    context = client_context(authority.path)
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", server.ws_port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.selected_alpn_protocol() == "http/1.1"


def test_a_certificate_from_another_ca_or_expired_is_refused_by_the_client(start, authority, tmp_path):
    stranger = Authority("someone else")
    cert, key, _ = stranger.issue(tmp_path, "stranger")
    untrusted = start(cert, key)
    with pytest.raises(ssl.SSLCertVerificationError):
        connect(f"wss://127.0.0.1:{untrusted.ws_port}/", ssl=client_context(authority.path), open_timeout=10)
    cert, key, _ = authority.issue(tmp_path, "expired", expired=True)
    expired = start(cert, key)
    with pytest.raises(ssl.SSLCertVerificationError, match="expired"):
        connect(f"wss://127.0.0.1:{expired.ws_port}/", ssl=client_context(authority.path), open_timeout=10)
    done = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", authority.path,
                           f"https://127.0.0.1:{expired.http_port}/status/"], capture_output=True, text=True)
    assert done.returncode != 0 and "expired" in done.stderr, done.stderr


def test_plain_http_on_the_tls_port_is_answered_in_plain_text_and_closed(start):
    server = start()
    with socket.create_connection(("127.0.0.1", server.ws_port), timeout=10) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\r\n")
        answer = b""
        while chunk := raw.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 "), answer
    assert b"wss://" in answer


@pytest.mark.parametrize("listener", ["websocket", "endpoint"])
@pytest.mark.parametrize("sent", [b"", b"\x16\x03\x01\x02\x00\x01"], ids=["silent", "half_client_hello"])
def test_a_stalled_handshake_is_dropped_at_the_deadline(start, sent, listener):
    # The device listener's handshake deadline, the endpoint's header timeout.
    server = start(env={"SIMPLEPUSH_WEBSOCKET_HANDSHAKE_TIMEOUT": "1", "SIMPLEPUSH_ENDPOINT_HEADER_TIMEOUT": "1"})
    port = server.ws_port if listener == "websocket" else server.http_port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        raw.sendall(sent)
        began = time.monotonic()
        assert raw.recv(4096) == b""
        assert time.monotonic() - began < 5


def test_a_reconnect_resumes_its_session(start, authority):
    server = start()
    context = client_context(authority.path, ssl.TLSVersion.TLSv1_3)

    def status(session=None):
        with socket.create_connection(("127.0.0.1", server.ws_port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1", session=session) as tls:
                tls.sendall(b"GET /status/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = b""
                while chunk := tls.recv(4096):
                    answer += chunk
                assert answer.startswith(b"HTTP/1.1 200 "), answer
                return tls.session, tls.session_reused

    session, reused = status()
    assert not reused
    _, reused = status(session)
    assert reused


def peer_serial(port, ca_path):
    context = client_context(ca_path)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            from cryptography import x509
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True)).serial_number


def test_sighup_reloads_both_certificates_for_new_connections(start, authority, tmp_path):
    cert, key, first = authority.issue(tmp_path, "live")
    server = start(cert, key)
    assert peer_serial(server.ws_port, authority.path) == first
    assert peer_serial(server.http_port, authority.path) == first
    with connect(f"wss://127.0.0.1:{server.ws_port}/", ssl=client_context(authority.path), open_timeout=10) as ws:
        ws.send(json.dumps({"messageType": "hello", "uaid": "", "channelIDs": []}))
        assert receive(ws, "hello")["status"] == 200
        _, _, second = authority.issue(tmp_path, "live")     # renewed over the same files
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while peer_serial(server.ws_port, authority.path) != second:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
        assert peer_serial(server.http_port, authority.path) == second
        # The connection made before the reload goes on.
        ws.send(json.dumps({"messageType": "register", "channelID": str(uuid.uuid4())}))
        assert receive(ws, "register")["status"] == 200


def test_a_broken_certificate_on_reload_keeps_the_running_one(start, authority, tmp_path):
    cert, key, first = authority.issue(tmp_path, "live")
    server = start(cert, key)
    with open(key, "w") as f:
        f.write("not a key\n")
    server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "certificate reload failed" not in server.log():
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.1)
    assert peer_serial(server.ws_port, authority.path) == first
    assert peer_serial(server.http_port, authority.path) == first


def test_a_key_that_does_not_match_stops_the_start_with_a_clear_error(authority, tmp_path):
    cert, _, _ = authority.issue(tmp_path, "one")
    _, other_key, _ = authority.issue(tmp_path, "two")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMPLEPUSH_")}
    env.update({"SIMPLEPUSH_WEBSOCKET_LISTENER_CERT_FILE": cert, "SIMPLEPUSH_WEBSOCKET_LISTENER_KEY_FILE": other_key})
    done = subprocess.run([BINARY, "serve", "--ws-addr", f"127.0.0.1:{free_port()}", "--endpoint-addr",
                           f"127.0.0.1:{free_port()}", "--storage", "memory"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "websocket.listener TLS" in done.stdout + done.stderr, done.stdout + done.stderr
    env.pop("SIMPLEPUSH_WEBSOCKET_LISTENER_KEY_FILE")
    done = subprocess.run([BINARY, "serve", "--storage", "memory"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "cert_file and key_file go together" in done.stdout + done.stderr, done.stdout + done.stderr
