"""The address a request comes from, as far as our own proxies vouch for it."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's address: the right-most X-Forwarded-For entry that our own trusted proxies did not add.

    Each proxy appends the address its connection came from, and the nearest proxy is REMOTE_ADDR
    itself. Behind N trusted proxies the last N-1 entries are our own outer proxies and the entry
    before them was written by the outermost one: the address it saw. Everything further left is
    whatever the client sent, which it can rotate at will (so it must never key the login lockout)
    or set to a victim's address (so it must never put its failures in the victim's bucket).
    With N = 0 (the default: no proxy) the header is ignored altogether.

    django-ipware cannot be configured to do this: its proxy count counts the entries of the header
    and skips a header with a different number, falling back to REMOTE_ADDR (one bucket for all),
    and without a count it prefers the first public entry (the client's own). Used by the login
    lockout (AXES_CLIENT_IP_CALLABLE) and the password-reset throttle.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return remote
    # Fewer entries than proxies: the request entered through an inner proxy, and the left-most entry is
    # what that proxy saw. Something that is not an address (a proxy's "unknown", or junk where a
    # misconfigured proxy let the client's header through) is never stored as one: the connection's
    # address stands in, a bucket that no real client shares.
    return _address(hops[-min(proxies, len(hops))]) or remote


def _address(hop: str) -> str | None:
    """The address in one X-Forwarded-For entry (some proxies add a port), normalised; None if there is none."""
    hop = hop.strip()
    if hop.startswith("["):  # [2001:db8::1]:443
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:  # 203.0.113.9:4711
        hop = hop.partition(":")[0]
    try:
        address = ipaddress.ip_address(hop.partition("%")[0])  # no zone (fe80::1%eth0): the database refuses one
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped:  # one client, one bucket, whichever way it is written
        address = address.ipv4_mapped
    return str(address)
