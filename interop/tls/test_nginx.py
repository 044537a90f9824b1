"""TLS terminated by a real nginx in front of the server, with the sample config from README.md:
devices on wss:// through it get endpoints on the proxy's public URL (X-Forwarded-* headers),
updates and WebPush pushes sent there arrive, and VAPID's audience is that public origin."""

import base64
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
import uuid

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid02
from pywebpush import webpush
from websockets.sync.client import connect

from tlsenv import ROOT, accepts, client_context, curl_put, free_port, receive

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def readme_sample():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    block = re.search(r"<!-- nginx-sample:begin -->\s*```nginx\n(.*?)```\s*<!-- nginx-sample:end -->", text, re.S)
    assert block, "README.md has no nginx sample between its markers"
    return block.group(1)


class Proxy:
    """nginx on a free loopback port with README's server block, pointed at `server`."""

    def __init__(self, workdir, server, cert, key, port=None):
        self.port = port or free_port()
        sample = readme_sample()
        for old, new in [("listen 443 ssl;", f"listen 127.0.0.1:{self.port} ssl;"),
                         ("/etc/ssl/push.example.com/fullchain.pem", cert),
                         ("/etc/ssl/push.example.com/privkey.pem", key),
                         ("127.0.0.1:8080", f"127.0.0.1:{server.ws_port}"),
                         ("127.0.0.1:8081", f"127.0.0.1:{server.http_port}")]:
            assert old in sample, f"the README sample no longer has {old!r}"
            sample = sample.replace(old, new)
        prefix = workdir / f"nginx-{self.port}"
        prefix.mkdir()
        self.error_log = prefix / "error.log"
        config = prefix / "nginx.conf"
        config.write_text(f"""daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {self.error_log} info;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{sample}
}}
""")
        self.proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(config), "-e", str(self.error_log)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not accepts(self.port):
            assert self.proc.poll() is None and time.monotonic() < deadline, f"nginx did not start:\n{self.log()}"
            time.sleep(0.05)

    def log(self):
        return self.error_log.read_text(errors="replace") if self.error_log.exists() else ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


@pytest.fixture
def proxied(tmp_path, start, authority):
    """A plain server behind nginx, which has a certificate for localhost from the test CA."""
    proxies = []

    def make(env=None, port=None):
        server = start(tls=False, env=env)
        cert, key, _ = authority.issue(tmp_path, f"proxy{len(proxies)}")
        proxy = Proxy(tmp_path, server, cert, key, port)
        proxies.append(proxy)
        return server, proxy

    yield make
    for proxy in proxies:
        proxy.stop()


FORWARDED = {"SIMPLEPUSH_ENDPOINT_FORWARDED_HEADERS": "true"}


@contextlib.contextmanager
def registered(url, ca_path=None, hello=None, register_extra=None, headers=None):
    """A device on `url` that said hello and registered a channel: (ws, channel, endpoint)."""
    context = client_context(ca_path) if url.startswith("wss:") else None
    with connect(url, ssl=context, additional_headers=headers, open_timeout=10) as ws:
        ws.send(json.dumps(hello or {"messageType": "hello", "uaid": "", "channelIDs": []}))
        assert receive(ws, "hello")["status"] == 200
        channel = str(uuid.uuid4())
        ws.send(json.dumps({"messageType": "register", "channelID": channel, **(register_extra or {})}))
        reply = receive(ws, "register")
        assert reply["status"] == 200, reply
        yield ws, channel, reply["pushEndpoint"]


def test_a_device_through_nginx_gets_an_endpoint_on_the_public_url(proxied, authority):
    server, proxy = proxied(FORWARDED)
    with registered(f"wss://localhost:{proxy.port}/", authority.path) as (ws, channel, endpoint):
        assert endpoint.startswith(f"https://localhost:{proxy.port}/update/"), endpoint
        assert curl_put(endpoint, authority.path, "version=3") == 200
        update = receive(ws, "notification")["updates"][0]
        assert (update["channelID"], update["version"]) == (channel, 3)


def test_a_webpush_push_through_nginx_is_checked_against_the_public_origin(proxied, authority):
    server, proxy = proxied(FORWARDED)
    vapid = Vapid02()
    vapid.generate_keys()
    application_key = base64.urlsafe_b64encode(
        vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)).rstrip(b"=").decode()
    with registered(f"wss://localhost:{proxy.port}/", authority.path,
                    hello={"messageType": "hello", "uaid": "", "use_webpush": True},
                    register_extra={"key": application_key}) as (ws, channel, endpoint):
        assert endpoint.startswith(f"https://localhost:{proxy.port}/wpush/v2/"), endpoint
        device_key = ec.generate_private_key(ec.SECP256R1())
        keys = {"p256dh": base64.urlsafe_b64encode(device_key.public_key().public_bytes(
                    Encoding.X962, PublicFormat.UncompressedPoint)).rstrip(b"=").decode(),
                "auth": base64.urlsafe_b64encode(os.urandom(16)).rstrip(b"=").decode()}
        with requests.Session() as session:
            session.trust_env = False
            session.verify = authority.path
            # pywebpush signs aud = the endpoint's origin: the proxy's, not the listener's.
            answer = webpush({"endpoint": endpoint, "keys": keys}, data="through the proxy", vapid_private_key=vapid,
                             vapid_claims={"sub": "mailto:proxy-test@example.com"}, content_encoding="aes128gcm",
                             ttl=60, timeout=10, requests_session=session)
            assert answer.status_code == 201, answer.text
            assert answer.headers["Location"].startswith(f"https://localhost:{proxy.port}/m/"), answer.headers
        notification = receive(ws, "notification")
        assert notification["channelID"] == channel


def test_without_forwarded_headers_the_configured_url_stands(proxied, authority):
    server, proxy = proxied()
    with registered(f"wss://localhost:{proxy.port}/", authority.path) as (_, _, endpoint):
        assert endpoint.startswith(f"http://127.0.0.1:{server.http_port}/update/"), endpoint


@pytest.mark.parametrize("headers", [
    {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example/path?x="},
    {"X-Forwarded-Proto": "javascript", "X-Forwarded-Host": "push.example.com"},
    {"X-Forwarded-Host": "push.example.com"},
], ids=["host_with_a_path", "unknown_scheme", "no_scheme"])
def test_malformed_forwarded_headers_are_ignored(start, headers):
    server = start(tls=False, env=FORWARDED)
    with registered(f"ws://127.0.0.1:{server.ws_port}/", headers=headers) as (_, _, endpoint):
        assert endpoint.startswith(f"http://127.0.0.1:{server.http_port}/update/"), endpoint


def test_only_listed_hosts_are_taken_from_the_headers(proxied, authority):
    port = free_port()
    server, proxy = proxied({**FORWARDED, "SIMPLEPUSH_ENDPOINT_FORWARDED_HOSTS": f"push.example.com,localhost:{port}"}, port=port)
    with registered(f"wss://localhost:{proxy.port}/", authority.path) as (_, _, endpoint):
        assert endpoint.startswith(f"https://localhost:{proxy.port}/update/"), "a listed host: " + endpoint
    server, proxy = proxied({**FORWARDED, "SIMPLEPUSH_ENDPOINT_FORWARDED_HOSTS": "push.example.com"})
    with registered(f"wss://localhost:{proxy.port}/", authority.path) as (_, _, endpoint):
        assert endpoint.startswith(f"http://127.0.0.1:{server.http_port}/update/"), "an unlisted host: " + endpoint


def test_an_explicit_url_wins_over_forwarded_headers(proxied, authority):
    server, proxy = proxied({**FORWARDED, "SIMPLEPUSH_ENDPOINT_URL": "https://push.example.com/"})
    with registered(f"wss://localhost:{proxy.port}/", authority.path) as (_, _, endpoint):
        assert endpoint.startswith("https://push.example.com/update/"), endpoint
