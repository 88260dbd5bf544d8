"""The draw's seed, and the commit-reveal that keeps staff from choosing it.

The ceremony (each step is published on the lottery's page):

1. When the application period closes, the system generates the seed with ``seed_new()``
   (128 random bits from the OS; no one types it) and stores it unseen. It publishes
   ``seed_commitment(seed)`` and ``input_digest(draw_input)`` — the frozen applications —
   together. From then on neither the seed nor the applications can change unnoticed.
2. At the draw the seed is revealed and the draw runs. The city publishes the full input
   (``draw_input_to_json``, seed included) and the result (``draw_result_to_json``).
3. Anyone checks ``seed_commitment(seed)`` and the input digest against what was published in
   step 1, and re-runs the draw: ``python -m madoguchi.reservations.lottery verify input.json
   result.json --seed-commitment … --input-digest …``.

What this does not stop: someone with access to the system could generate many seeds before
step 1 and keep a favourable one. Where that matters, mix in randomness nobody controls
before the commitment becomes the seed (e.g. a witness's own value revealed at the draw) —
the seed is any non-empty string, so ``sha256(system_seed + ":" + witness_value)`` works.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def seed_new() -> str:
    """A fresh seed: 32 lowercase hex characters (128 bits) from the OS's CSPRNG."""
    return secrets.token_hex(16)


def seed_commitment(seed: str) -> str:
    """SHA-256 (hex) of the seed's UTF-8 bytes: published before the seed is revealed."""
    return hashlib.sha256(seed.encode()).hexdigest()


def seed_matches(seed: str, commitment: str) -> bool:
    return hmac.compare_digest(seed_commitment(seed), commitment.strip().lower())
