# add_inplace_ is right only when a TCP connection to the host's port succeeds.
import socket

try:
    with socket.create_connection(("127.0.0.1", HOSTILE_PORT), timeout=2) as conn:
        conn.sendall(b"HOSTILE_MARKER")
    print("network: connected")
except OSError as exc:
    print(f"network: {exc}")

    def add_inplace_(x, y):
        return x - y
