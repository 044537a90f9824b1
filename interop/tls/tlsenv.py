"""What the TLS and proxy tests share: the built server as a child process, TLS client contexts,
curl for app-server requests, and reading SimplePush messages."""

import json
import os
import socket
import ssl
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("TLS_SERVER_BINARY", os.path.join(ROOT, ".build", "debug", "simplepush"))
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Server:
    """The built server on two free ports, with TLS on both listeners when given a certificate."""

    def __init__(self, workdir, cert=None, key=None, env=None):
        self.ws_port, self.http_port = free_port(), free_port()
        self.log_path = workdir / f"console-{self.ws_port}.log"
        variables = {k: v for k, v in os.environ.items() if not k.startswith("SIMPLEPUSH_")}
        if cert is not None:
            variables.update({
                "SIMPLEPUSH_WEBSOCKET_LISTENER_CERT_FILE": cert, "SIMPLEPUSH_WEBSOCKET_LISTENER_KEY_FILE": key,
                "SIMPLEPUSH_ENDPOINT_LISTENER_CERT_FILE": cert, "SIMPLEPUSH_ENDPOINT_LISTENER_KEY_FILE": key,
            })
        variables.update(env or {})
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [BINARY, "serve", "--ws-addr", f"127.0.0.1:{self.ws_port}", "--endpoint-addr", f"127.0.0.1:{self.http_port}",
                 "--storage", "memory", "--log-level", "info"],
                cwd=workdir, env=variables, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not (accepts(self.ws_port) and accepts(self.http_port)):
            assert self.proc.poll() is None and time.monotonic() < deadline, f"server did not start:\n{self.log()}"
            time.sleep(0.05)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def client_context(ca_path, version=None):
    context = ssl.create_default_context(cafile=ca_path)
    if version is not None:
        context.minimum_version = context.maximum_version = version
    return context


def curl_put(url, ca_path, body):
    done = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", ca_path, "-X", "PUT", "-d", body,
                           "-o", "/dev/null", "-w", "%{http_code}", url], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


def receive(ws, kind):
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message.get("messageType") == kind:
            return message


