"""A bootstrap seed that follows the test rows instead of always being 0.

With a fixed seed every comparison reuses the same resampling pattern, so one unlucky pattern
would bias every verdict the same way; a seed derived from the rows' fingerprint (the hash a
run directory already records for its test set) is different for different test sets yet
reproducible: the same rows always give the same intervals.
"""

from __future__ import annotations

import hashlib


def seed_from_fingerprint(fingerprint: str) -> int:
    """A non-negative 63-bit seed from any fingerprint string (a hex digest, a file hash).

    >>> seed_from_fingerprint("sha256:0f3a") == seed_from_fingerprint("sha256:0f3a")
    True
    >>> 0 <= seed_from_fingerprint("") < 2**63
    True
    """
    if not isinstance(fingerprint, str):
        raise ValueError(f"The 'fingerprint' parameter must be a string. Got {fingerprint!r}.")
    # Hashed again so short or structured fingerprints still spread over the whole range.
    digest = hashlib.sha256(fingerprint.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1
