"""Tries to open a TCP connection to the port named in its folder."""
import socket
from pathlib import Path

from arena.agents import Agent


class SubmittedAgent(Agent):
    def predict(self, obs):
        port = int(Path("port.txt").read_text())
        socket.create_connection(("127.0.0.1", port), timeout=0.5).sendall(b"secret")
        return 0
