"""Network peers that misbehave on purpose, on 127.0.0.1: silent hosts and a stallable proxy."""

from __future__ import annotations

import contextlib
import socket
import threading


class Silent:
    """A host that accepts connections and never answers, until closed."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.accepted = 0
        self.released = threading.Event()
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.listener.accept()
                if self.released.is_set():  # released: answer nothing, hang up at once
                    conn.close()
                    continue
                self.accepted += 1
                self.held.append(conn)

    def close(self) -> None:
        self.released.set()
        for conn in self.held:
            conn.close()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self.listener.close()


class StallingProxy:
    """Relays TCP to a server; while stalled it relays nothing, as a stopped server answers.

    The proxy's kernel still accepts connections and acknowledges every byte, exactly what a
    client sees of a server process stopped with SIGSTOP.
    """

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.flowing = threading.Event()
        self.flowing.set()
        self.listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def stall(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                server = socket.create_connection(self.target)
                self._open += [client, server]
                for a, b in ((client, server), (server, client)):
                    threading.Thread(target=self._relay, args=(a, b), daemon=True).start()

    def _relay(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                self.flowing.wait()
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self.flowing.set()
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self._open:
            sock.close()
