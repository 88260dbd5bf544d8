"""Every action the code writes to the audit trail has a Japanese name on the audit screen."""

from __future__ import annotations

import re
from pathlib import Path

from madoguchi.core.templatetags.madoguchi import audit_action

SRC = Path(__file__).resolve().parents[2] / "src" / "madoguchi"
# action="booking.hold", _audit(intent, "payment.cash", audit_citizen(citizen, "class.enroll", …
WRITES = re.compile(r'(?:action=|_audit\(\w+, |audit_citizen\(\w+, |_audit_citizen\(\w+, )"([a-z_]+\.[a-z_]+)"')


def test_every_audited_action__has_a_japanese_label() -> None:
    actions = {m for path in SRC.rglob("*.py") for m in WRITES.findall(path.read_text(encoding="utf-8"))}
    assert len(actions) > 60  # the pattern still finds the writes
    unnamed = sorted(a for a in actions if audit_action(a) == a)
    assert unnamed == [], unnamed
