"""The address a class can open. A teacher who opens the app on the server itself sees
localhost in the address bar; a link to students built from it would reach nobody."""

import ipaddress
import os
import socket
from urllib.parse import urlsplit

PUBLIC_ENV = "RNNVIZ_PUBLIC_URL"  # e.g. https://rnnviz.example.edu: behind a proxy, the address to give out
LOOPBACK_NAMES = {"localhost", "ip6-localhost"}


def _loopback(host):
    if not host or host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def network_address():
    """This machine's address on its network, as the operating system would route to it (a UDP
    socket's connect sends nothing), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, never reached
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if _loopback(address) else address


def base(page_url, listening, announced, public=None, network=network_address):
    """(scheme://host[:port] of links for a class, a warning for the teacher or None).

    page_url: the address this page was opened at; listening: Streamlit's server.address (None or
    empty: every interface); announced: browser.serverAddress; public: RNNVIZ_PUBLIC_URL."""
    if public:
        return public.rstrip("/"), None
    here = urlsplit(page_url)
    own = f"{here.scheme}://{here.netloc}"
    if not _loopback(here.hostname):
        return own, None
    port = f":{here.port}" if here.port else ""
    if announced and not _loopback(announced):
        return f"{here.scheme}://{announced}{port}", None
    if not listening or listening in ("0.0.0.0", "::"):
        address = network()
        if address:
            return f"{here.scheme}://{address}{port}", None
    elif not _loopback(listening):
        return f"{here.scheme}://{listening}{port}", None
    return own, (f"This link says {here.hostname}, which only this computer can open. For a class, start "
                 f"the app with --server.address 0.0.0.0 and open it at this computer's network address, "
                 f"or set {PUBLIC_ENV} to the address the students use.")


def for_class(page_url):
    """base() for this server's settings."""
    import streamlit as st

    return base(page_url or "http://localhost:8501", st.get_option("server.address"),
                st.get_option("browser.serverAddress"), os.environ.get(PUBLIC_ENV))
