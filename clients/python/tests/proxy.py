"""A TCP proxy whose open connections can be frozen: data stops flowing both ways but nothing is closed,
as when a network path dies silently. New connections flow normally."""

from __future__ import annotations

import socket
import threading


class FreezableProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.listener.getsockname()[1])
        self._lock = threading.Lock()
        self._conns: list[tuple[socket.socket, socket.socket, threading.Event]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def freeze(self) -> None:
        """Stops forwarding on every connection open now (later ones are not affected)."""
        with self._lock:
            for _, _, frozen in self._conns:
                frozen.set()

    def close(self) -> None:
        self.listener.close()
        with self._lock:
            for a, b, _ in self._conns:
                a.close()
                b.close()

    def _accept(self) -> None:
        while True:
            try:
                down, _ = self.listener.accept()
                up = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                return
            frozen = threading.Event()
            with self._lock:
                self._conns.append((down, up, frozen))
            threading.Thread(target=self._pump, args=(down, up, frozen), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, down, frozen), daemon=True).start()

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, frozen: threading.Event) -> None:
        try:
            while data := src.recv(65536):
                if not frozen.is_set():
                    dst.sendall(data)
        except OSError:
            pass
