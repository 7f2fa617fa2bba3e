from __future__ import annotations

import socket

import pytest


def test_sockets_to_the_internet_fail_the_test() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(AssertionError, match="reach the network"):
            sock.connect(("93.184.216.34", 80))
    finally:
        sock.close()


def test_loopback_is_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        client.connect(server.getsockname())
        assert client.getpeername() == server.getsockname()
    finally:
        client.close()
        server.close()
