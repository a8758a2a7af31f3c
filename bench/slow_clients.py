"""Slow-header clients for bench/slowloris.py: sockets that send a request's headers a byte at a time."""

from __future__ import annotations

import socket
import threading
import time

# The header that never ends: one byte of it per tick.
SLOW_REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 100_000


class SlowClients:
    """`count` sockets, each sending SLOW_REQUEST one byte every `interval` seconds from its own address;
    one the server closes (408, reset) is counted and opened again, as an attacker would."""

    def __init__(self, port: int, count: int, interval: float):
        self.port, self.count, self.interval = port, count, interval
        self.sockets: list[socket.socket | None] = [None] * count
        self.sent = [0] * count
        self.closed_by_server = 0
        self.connect_failures = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SlowClients:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join()
        for sock in self.sockets:
            if sock is not None:
                sock.close()

    def counts(self) -> dict:
        return {
            "slow_open_at_end": sum(sock is not None for sock in self.sockets),
            "slow_closed_by_server": self.closed_by_server,
            "slow_connect_failures": self.connect_failures,
        }

    def _open(self, number: int) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((f"127.0.1.{number % 250 + 1}", 0))
            sock.settimeout(2)
            sock.connect(("127.0.0.1", self.port))
            sock.setblocking(False)
        except OSError:
            sock.close()
            self.connect_failures += 1
            return
        self.sockets[number], self.sent[number] = sock, 0

    def _tick(self, number: int) -> None:
        sock = self.sockets[number]
        if sock is None:
            self._open(number)
            sock = self.sockets[number]
            if sock is None:
                return
        try:
            if sock.recv(4096) is not None:  # anything at all (b"" or a 408): the server gave up on us
                raise ConnectionResetError
        except BlockingIOError:
            pass  # nothing to read: still open
        except OSError:
            sock.close()
            self.sockets[number] = None
            self.closed_by_server += 1
            return
        try:
            sock.send(SLOW_REQUEST[self.sent[number] : self.sent[number] + 1])
            self.sent[number] += 1
        except OSError:
            sock.close()
            self.sockets[number] = None
            self.closed_by_server += 1

    def _run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            for number in range(self.count):
                self._tick(number)
            self.stopping.wait(max(0.0, self.interval - (time.monotonic() - started)))
