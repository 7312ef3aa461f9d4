"""Who can reach the server: loopback by default; anything wider must be asked for, and is said out loud.

The bearer tokens (and, in tester mode, routes that crash the process or break the gateway) are
only as private as the network they travel on. On loopback that is this machine; on any other
address it is whoever shares the LAN, so each widening needs its own explicit setting.
"""

from __future__ import annotations

import ipaddress
import ssl

from backend.settings import Settings


class ExposureRefused(Exception):
    """The settings would expose the server wider than they explicitly allow; the message says how."""


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        # A name other than localhost (or "" for every interface) may resolve to anything.
        return False


def check(settings: Settings) -> list[str]:
    """Raises ExposureRefused, or answers the warnings to log once the server starts."""
    tls = tls_files(settings)
    if is_loopback(settings.host):
        return []
    where = settings.host or "every interface"
    if not settings.allow_remote:
        raise ExposureRefused(
            f"Refusing to listen on {where}: only loopback (127.0.0.1) is served by default. "
            "Pass --allow-remote (SMARTCART_ALLOW_REMOTE=1) to serve other machines."
        )
    if settings.tester and not settings.allow_remote_tester:
        raise ExposureRefused(
            f"Refusing tester mode on {where}: its routes inject faults and crash the process. "
            "Pass --allow-remote-tester (SMARTCART_ALLOW_REMOTE_TESTER=1) if that is really meant."
        )
    if tls is None and not settings.allow_plain_http:
        raise ExposureRefused(
            f"Refusing plain HTTP on {where}: bearer tokens would cross the network readable. "
            "Set SMARTCART_TLS_CERT_FILE and SMARTCART_TLS_KEY_FILE (--tls-cert, --tls-key), "
            "or pass --allow-plain-http (SMARTCART_ALLOW_PLAIN_HTTP=1) behind a network you trust."
        )
    warnings = [f"serving {where}, not only this machine: anyone who can reach it can try the tokens"]
    if tls is None:
        warnings.append(f"PLAIN HTTP on {where}: bearer tokens and card data cross the network unencrypted")
    if settings.tester:
        warnings.append(f"tester routes (fault injection, crash) are reachable on {where}")
    return warnings


def tls_files(settings: Settings) -> tuple[str, str] | None:
    cert, key = settings.tls_cert_file, settings.tls_key_file
    if (cert is None) != (key is None):
        raise ExposureRefused("TLS needs both a certificate (tls_cert_file) and its key (tls_key_file).")
    return (str(cert), str(key)) if cert is not None and key is not None else None


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    files = tls_files(settings)
    if files is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(*files)
    except (OSError, ssl.SSLError) as exc:
        raise ExposureRefused(f"Cannot load the TLS certificate {files[0]} with key {files[1]}: {exc}") from None
    return context
