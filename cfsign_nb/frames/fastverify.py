"""Signatures of the fast path's rows checked in bulk: decoded, their canned policies rebuilt, verified.

The rows are those :func:`~cfsign_nb.frames.fast.fast_canned` proved well formed; their
signatures are decoded four characters at a time over all rows, their policies built by Arrow
from the core's template, and each checked with :meth:`PublicKey.verifier
<cfsign_nb.keys.PublicKey.verifier>`. A row that does not verify goes per-row, where
:func:`cfsign_nb.diagnose` says why.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..encoding import CLOUDFRONT_ALPHABET
from ..keys import PublicKey
from ..protocol import CANNED_TEMPLATE, HASH_ALGORITHMS
from .fast import FastRows, lookup, pooled

__all__ = ["canned_policies", "decoded_signatures", "fast_verify"]

_SEXTETS = pa.array([max(CLOUDFRONT_ALPHABET.find(chr(b)), 0) for b in range(256)], pa.uint8())  # else 0
_HEAD, _MIDDLE, _TAIL = re.split(r"%s|%d", CANNED_TEMPLATE)  # around the resource and the expiry


def fast_verify(fast: FastRows, keys: Mapping[str, PublicKey]) -> None:
    """Verify fast rows in bulk, each distinct signed URL once.

    A row whose key is unknown or whose signature fails goes per-row, where ``diagnose()`` says why.
    """
    if not keys:
        return
    rows = np.flatnonzero(fast.mask)
    kid_codes, kids = pd.factorize(fast.kid[rows])
    verifiers = []  # per (key pair id, hash): the key's verify, or a refusal (diagnose() says why per-row)
    for kid_bytes in kids:
        key = keys.get(kid_bytes.decode())
        accepted = key is not None and key.accepted
        verifiers += [key.verifier(name) if accepted else _refuse for name in HASH_ALGORITHMS]  # type: ignore[union-attr]
    chosen = kid_codes * len(HASH_ALGORITHMS) + fast.sha256[rows]
    # A log repeats requests (range requests, playlist reloads): each distinct signed URL is verified once.
    # Resource, expiry and signature (the text up to the key pair id) and the verifier make it distinct.
    signed = pc.dictionary_encode(fast.strings(fast.start, fast.sig_end, rows)).indices
    distinct = np.asarray(signed, dtype=np.int64) * (len(kids) * len(HASH_ALGORITHMS)) + chosen
    _, first, again = np.unique(distinct, return_index=True, return_inverse=True)
    once = rows[first]
    jobs = zip(chosen[first].tolist(), decoded_signatures(fast, once), canned_policies(fast, once), strict=True)
    verified = np.array([verifiers[c](signature, data) for c, signature, data in jobs], dtype=bool)[again]
    fast.verified[rows] = verified
    fast.mask[rows[~verified]] = False


def _refuse(signature: bytes, data: bytes) -> bool:
    return False


def decoded_signatures(fast: FastRows, rows: np.ndarray) -> list[bytes]:
    """The decoded signatures of fast ``rows``: every four characters of all of them decoded at once.

    (The fast path has checked them as the strict decoder would: characters, padding, length.)
    """
    if not len(rows):
        return []
    text = fast.strings(fast.sig_start, fast.sig_end, rows)
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[: len(rows) + 1]
    chars = np.frombuffer(text.buffers()[2], dtype=np.uint8, count=int(offsets[-1]))
    # Each character's 6-bit value; the byte shifts below drop what spills over.
    quads = lookup(_SEXTETS, chars).reshape(-1, 4)
    decoded = pooled(len(quads) * 3).reshape(-1, 3)
    decoded[:, 0] = quads[:, 0] << 2 | quads[:, 1] >> 4
    decoded[:, 1] = quads[:, 1] << 4 | quads[:, 2] >> 2
    decoded[:, 2] = quads[:, 2] << 6 | quads[:, 3]
    data = decoded.tobytes()
    starts = (offsets[:-1] // 4 * 3).tolist()
    return [data[a : a + b] for a, b in zip(starts, fast.signature_bytes[rows].tolist(), strict=True)]


def canned_policies(fast: FastRows, rows: np.ndarray) -> list[bytes]:
    """The canned policy of each of fast ``rows``, as it was signed: built by Arrow, not per row."""
    resources = fast.strings(fast.start, fast.resource_end, rows)
    expiry = pc.cast(pa.array(fast.expires[rows]), pa.large_string())
    head, middle, tail, none = (pa.scalar(text, pa.large_string()) for text in (_HEAD, _MIDDLE, _TAIL, ""))
    policy = pc.binary_join_element_wise(head, resources, middle, expiry, tail, none)
    return policy.cast(pa.large_binary()).to_pylist()
