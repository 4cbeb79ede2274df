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


def resample_seed(fingerprint: str | None, seed: int) -> int:
    """The seed of a run's or a comparison's resampling: from its test rows' fingerprint and
    the configured `data.seed`, so other rows get another pattern and changing `data.seed`
    still changes it. Without a fingerprint (files from before it was recorded), `seed`.

    >>> resample_seed("ab12", 0) == resample_seed("ab12", 0) != resample_seed("ab13", 0)
    True
    >>> resample_seed("ab12", 0) != resample_seed("ab12", 1), resample_seed(None, 7)
    (True, 7)
    """
    if fingerprint is None:
        return seed
    # 53 bits: recorded in evaluation.json, and a JavaScript reader keeps integers that size.
    return seed_from_fingerprint(f"{fingerprint}#seed={seed}") >> 10
