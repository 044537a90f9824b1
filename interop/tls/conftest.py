"""Fixtures of the TLS and proxy tests: a CA per test, and servers stopped after it."""

import pytest

from certs import Authority
from tlsenv import Server


@pytest.fixture
def authority(tmp_path):
    ca = Authority()
    ca.path = ca.write_ca(tmp_path / "ca.pem")
    return ca


@pytest.fixture
def start(tmp_path, authority):
    servers = []

    def make(cert=None, key=None, env=None, tls=True):
        if cert is None and tls:
            cert, key, _ = authority.issue(tmp_path, f"server{len(servers)}")
        server = Server(tmp_path, cert, key, env)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()
