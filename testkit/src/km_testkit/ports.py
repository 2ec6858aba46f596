"""Free TCP ports on the loopback interface, for servers the tests start."""

import socket

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port of ``host`` that nothing listens on right now.

    The port is released before it is returned: a server started just after gets it,
    and a client connecting to it meanwhile is refused (what the "unreachable server"
    tests want).
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])
