"""Ports for the local stack and the tests come from below the ephemeral range, where no
outgoing connection takes one between the moment it is found free and the moment it is
bound (deploy/local/ports.py)."""

from __future__ import annotations

import socket

from deploy.local.ports import _below_ephemeral, free_port


def test_free_ports_are_below_the_ephemeral_range_bindable_and_never_handed_twice() -> None:
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(p in _below_ephemeral() for p in ports)
    low = _below_ephemeral().stop
    with socket.socket() as outgoing:  # what an outgoing connection's source port is
        outgoing.bind(("127.0.0.1", 0))
        assert outgoing.getsockname()[1] >= low
    for port in ports[:20]:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
