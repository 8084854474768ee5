"""`kokoro serve --wyoming-zeroconf`: announce the Wyoming service by mDNS (DNS-SD), the way
Home Assistant discovers Wyoming services: a `_wyoming._tcp.local.` service whose address and
port are the listener's. python-zeroconf (LGPL-2.1-or-later, the `zeroconf` extra) does it.
"""

from __future__ import annotations

from typing import Any

from kokoro_cli.errors import UsageError

SERVICE_TYPE = "_wyoming._tcp.local."  # what Home Assistant's zeroconf discovery listens for


def address_of(host: str) -> str:
    """The address to announce: the bound one, or for a wildcard bind the address this machine
    would send multicast from (a UDP connect picks it from the routes; nothing is sent)."""
    import socket

    if host not in ("0.0.0.0", "::", ""):
        return host
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("224.0.0.251", 5353))  # mDNS's group
        return str(probe.getsockname()[0])
    except OSError:
        raise UsageError(
            "--wyoming-zeroconf cannot tell this machine's network address; "
            "bind to it: --wyoming tcp://ADDRESS:10200"
        ) from None
    finally:
        probe.close()


def check(host: str) -> None:
    """Refuse to announce a service nobody else can reach (bound to loopback)."""
    import ipaddress

    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        raise UsageError(
            f"--wyoming-zeroconf announces the service to the network, but it listens on {host} "
            "only; use --wyoming tcp://0.0.0.0:10200"
        )
    try:
        import zeroconf  # noqa: F401
    except ModuleNotFoundError:
        raise UsageError(
            "--wyoming-zeroconf needs the zeroconf package: pip install 'kokoro-cli[zeroconf]'"
        ) from None
    address_of(host)  # a wildcard bind on a machine without a network: say so now


async def register(name: str, host: str, port: int) -> tuple[Any, Any]:
    """Announce `name` as a Wyoming service at host:port by mDNS; (zeroconf, info) to undo it."""
    import socket

    from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

    address = address_of(host)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    info = AsyncServiceInfo(
        SERVICE_TYPE,
        f"{name}.{SERVICE_TYPE}",
        addresses=[socket.inet_pton(family, address)],
        port=port,
        server=f"{socket.gethostname()}.local.",
    )
    zc = AsyncZeroconf()
    await zc.async_register_service(info)
    return zc, info


async def unregister(zc: Any, info: Any) -> None:
    """Say goodbye (clients drop the service at once), then close the mDNS sockets."""
    try:
        await zc.async_unregister_service(info)
    finally:
        await zc.async_close()
