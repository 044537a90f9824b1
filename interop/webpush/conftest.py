"""Fixtures for the end-to-end WebPush tests: real servers on loopback ports, one per store,
a device client (device.py) and an app-server side that sends with pywebpush."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from http import HTTPStatus

import pytest
import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from py_vapid import Vapid
from pywebpush import WebPusher, WebPushException, webpush

from device import Device, b64url

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("WEBPUSH_SERVER_BINARY",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".build", "debug", "simplepush"))
STORES = ["memory", "sqlite", "memcache"]
TEST_TIMEOUT = float(os.environ.get("WEBPUSH_TEST_TIMEOUT", "60"))
START_TIMEOUT = 20.0

# Loopback only: never let a proxy setting of the environment intercept the tests.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop_process(proc: subprocess.Popen):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class Memcached:
    """A private memcached on a free port (no UDP)."""

    def __init__(self, workdir):
        self.port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        cmd = ["memcached", "-l", "127.0.0.1", "-p", str(self.port), "-U", "0"]
        if os.geteuid() == 0:
            cmd += ["-u", "root"]   # memcached refuses to run as root without -u
        self.proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not accepts(self.port):
            assert self.proc.poll() is None and time.monotonic() < deadline, "memcached did not start"
            time.sleep(0.05)

    def stop(self):
        stop_process(self.proc)


class Server:
    """One simplepush process; restart() keeps its directory (sqlite file, token key) and ports."""

    def __init__(self, store, workdir, env=None, memcached=None):
        self.store, self.workdir = store, str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.ws_port = free_port()
        self.http_port = free_port()
        while self.http_port == self.ws_port:
            self.http_port = free_port()
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.ws_url = f"ws://127.0.0.1:{self.ws_port}/"
        self.log_path = os.path.join(self.workdir, "console.log")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SIMPLEPUSH_")}
        if store == "memcache":
            self.env["SIMPLEPUSH_STORAGE_MEMCACHE_SERVER"] = memcached.addr
        self.env.update(env or {})
        self.proc = None
        self.start()

    def start(self):
        if not os.access(BINARY, os.X_OK):
            pytest.fail(f"server binary {BINARY} is missing (build it first: swift build, or make test)")
        cmd = [BINARY, "serve", "--ws-addr", f"127.0.0.1:{self.ws_port}",
               "--endpoint-addr", f"127.0.0.1:{self.http_port}",
               "--storage", self.store, "--log-level", "info"]
        with open(self.log_path, "ab") as log:
            log.write(f"==== start {' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(cmd, cwd=self.workdir, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while not (accepts(self.ws_port) and accepts(self.http_port)):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                stop_process(self.proc)
                pytest.fail(f"{self.store} server did not come up:\n{self.log()}")
            time.sleep(0.05)

    def stop(self):
        if self.proc is not None:
            stop_process(self.proc)

    def restart(self):
        self.stop()
        self.start()

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self, since=0) -> str:
        with open(self.log_path, "rb") as f:
            f.seek(since)
            return f.read().decode(errors="replace")

    def log_size(self) -> int:
        return os.path.getsize(self.log_path)

    def device(self) -> Device:
        """A connected device (hello done)."""
        dev = Device(self.ws_url)
        dev.connect()
        return dev


# --- per-test guard and failure reports ------------------------------------------------


class TestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _deadline():
    """Fail (not hang) a test that runs longer than WEBPUSH_TEST_TIMEOUT seconds."""
    def expire(signum, frame):
        raise TestTimeout(f"test exceeded {TEST_TIMEOUT}s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, TEST_TIMEOUT)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def watch(request, server):
    """Attach the server's console output during this test to the report if the test fails."""
    request.node.__dict__.setdefault("_webpush_servers", []).append((server, server.log_size()))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for server, since in item.__dict__.get("_webpush_servers", []):
            report.sections.append((f"server console ({server.store}, {server.log_path})",
                                    server.log(since)[-20000:]))


# --- servers --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def memcached(tmp_path_factory):
    if shutil.which("memcached") is None:
        pytest.fail("memcached is not installed")
    mc = Memcached(tmp_path_factory.mktemp("memcached"))
    yield mc
    mc.stop()


@pytest.fixture
def private_memcached(tmp_path):
    """A memcached of this test alone (it may stop it)."""
    mc = Memcached(tmp_path)
    yield mc
    mc.stop()


@pytest.fixture(scope="session", params=STORES)
def shared_server(request, tmp_path_factory):
    store = request.param
    mc = request.getfixturevalue("memcached") if store == "memcache" else None
    server = Server(store, tmp_path_factory.mktemp(f"server-{store}"), memcached=mc)
    yield server
    server.stop()


@pytest.fixture
def server(shared_server, request):
    """The running server of one store (shared by the tests of that store; each test uses
    its own devices, so they do not see each other). Restarted if a previous test killed it."""
    if not shared_server.alive:
        shared_server.start()
    watch(request, shared_server)
    return shared_server


@pytest.fixture
def make_server(request, tmp_path):
    """make_server(store, env={...}, memcached=None) -> a private Server, stopped after the test."""
    started = []

    def make(store, env=None, memcached=None):
        if store == "memcache" and memcached is None:
            memcached = request.getfixturevalue("memcached")
        server = Server(store, tmp_path / f"{store}-{len(started)}", env=env, memcached=memcached)
        started.append(server)
        watch(request, server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def devices():
    """devices(server) -> a connected Device, closed after the test."""
    opened = []

    def open_device(server):
        dev = server.device()
        opened.append(dev)
        return dev

    yield open_device
    for dev in opened:
        try:
            dev.close()
        except Exception:
            pass


# --- VAPID keys and the app-server side -----------------------------------------------


@pytest.fixture
def vapid():
    """A fresh VAPID key pair (py_vapid, RFC 8292 'vapid t=,k=' scheme)."""
    v = Vapid()
    v.generate_keys()
    return v


@pytest.fixture
def other_vapid():
    v = Vapid()
    v.generate_keys()
    return v


def public_key(v) -> str:
    """The raw uncompressed P-256 public key of a Vapid, base64url without padding."""
    return b64url(v.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint))


class AppServer:
    """The sending side: pywebpush for everything it can express, requests for the rest."""

    SUB = "mailto:tests@example.com"

    public_key = staticmethod(public_key)

    def push(self, sub, data=None, ttl=60, encoding="aes128gcm", headers=None, vapid=None):
        """WebPusher.send; ttl=None leaves the TTL to `headers`. Returns the response."""
        headers = dict(headers or {})
        if vapid is not None:
            headers.update(self.vapid_headers(vapid, sub.endpoint))
        return WebPusher(sub.info).send(data, headers, ttl=ttl or 0, content_encoding=encoding,
                                        timeout=10)

    def webpush(self, sub, data=None, vapid=None, ttl=60, encoding="aes128gcm"):
        """pywebpush.webpush() as an app server calls it; returns the response even on errors."""
        claims = {"sub": self.SUB} if vapid is not None else None
        try:
            return webpush(sub.info, data, vapid_private_key=vapid, vapid_claims=claims, ttl=ttl,
                           content_encoding=encoding, timeout=10)
        except WebPushException as e:
            assert e.response is not None, str(e)
            return e.response

    def vapid_headers(self, v, endpoint, **claims):
        """py_vapid's own headers for `v` (scheme by its class), aud = the endpoint's origin."""
        all_claims = {"sub": self.SUB, "aud": origin(endpoint), "exp": int(time.time()) + 3600}
        all_claims.update(claims)
        return v.sign(all_claims)

    def encrypted(self, sub, data, encoding="aes128gcm") -> dict:
        """pywebpush's encryption of `data` for `sub` (body, and salt/crypto_key for aesgcm)."""
        return WebPusher(sub.info).encode(data.encode() if isinstance(data, str) else data, encoding)

    @staticmethod
    def post(url, headers=None, body=None):
        """A raw POST for headers pywebpush cannot produce."""
        return requests.post(url, headers=headers or {}, data=body, timeout=10)

    @staticmethod
    def delete(url):
        return requests.delete(url, timeout=10)

    @staticmethod
    def created(resp, server):
        """201, empty body, Location <base>/m/<id>, TTL header; returns the message id."""
        assert resp.status_code == 201, f"{resp.status_code} {resp.text}"
        assert resp.content == b"", resp.content
        location = resp.headers.get("Location", "")
        m = re.fullmatch(re.escape(server.base) + r"/m/([A-Za-z0-9_-]+)", location)
        assert m, f"Location {location!r} is not {server.base}/m/<id>"
        assert re.fullmatch(r"\d+", resp.headers.get("TTL", "")), resp.headers
        return m.group(1)

    @staticmethod
    def error(resp, status, errno):
        """An error response: the status and the JSON body with all its members. (That
        `error` is the reason phrase is checked once per status by test_error_bodies.py,
        so that one defect there does not hide the others.)"""
        assert resp.status_code == status, f"expected {status} errno {errno}, got {resp.status_code} {resp.text}"
        body = json.loads(resp.text)
        assert body.get("code") == status, body
        assert body.get("errno") == errno, body
        assert isinstance(body.get("error"), str), body
        assert isinstance(body.get("message"), str) and body["message"], body
        assert re.match(r"https?://", str(body.get("more_info"))), body
        return body


def reason_phrases(status):
    # 413 has had three names across the HTTP RFCs; any of them is a reason phrase.
    extra = {413: {"Payload Too Large", "Content Too Large", "Request Entity Too Large"}}
    return {HTTPStatus(status).phrase} | extra.get(status, set())


def origin(url):
    m = re.match(r"(https?://[^/]+)", url)
    return m.group(1)


@pytest.fixture
def app():
    return AppServer()


@pytest.fixture
def phrases():
    """phrases(status) -> the reason phrases HTTP has given that status."""
    return reason_phrases

