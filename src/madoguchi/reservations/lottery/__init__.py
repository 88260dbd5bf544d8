"""The facility lottery (抽選): a pure, reproducible draw and its published form.

No models, no database: the reservations app persists applications and results and calls
``draw``. The algorithm is specified in ``draw.py``'s docstring, the published JSON in
``published.py``'s, the seed's commit-reveal in ``seed.py``'s.
"""

from .draw import (
    ALGORITHM,
    Application,
    Caps,
    DrawInput,
    DrawResult,
    InvalidDrawInput,
    Outcome,
    Slot,
    draw,
    draw_order,
)
from .published import (
    INPUT_SCHEMA,
    RESULT_SCHEMA,
    draw_input_from_json,
    draw_input_to_json,
    draw_result_from_json,
    draw_result_to_json,
    input_digest,
    pseudonym,
)
from .seed import seed_commitment, seed_matches, seed_new

__all__ = [
    "ALGORITHM",
    "INPUT_SCHEMA",
    "RESULT_SCHEMA",
    "Application",
    "Caps",
    "DrawInput",
    "DrawResult",
    "InvalidDrawInput",
    "Outcome",
    "Slot",
    "draw",
    "draw_input_from_json",
    "draw_input_to_json",
    "draw_order",
    "draw_result_from_json",
    "draw_result_to_json",
    "input_digest",
    "pseudonym",
    "seed_commitment",
    "seed_matches",
    "seed_new",
]
