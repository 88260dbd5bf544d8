"""使用料の計算: a pure function, so every combination of rules can be tested and snapshot.

fee = round( base × category multiplier × (100 + Σ surcharges %) / 100 × (100 − 減免 %) / 100 )

Surcharges are percentages of the multiplied base and add up (土日祝 30% and 営利 100%
make 130%), as most municipal 使用料条例 write them. Rounding happens once, at the end,
as the facility's rule says; all arithmetic before it is exact (Fraction).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from madoguchi.reservations.models.facilities import Rounding


@dataclass(frozen=True)
class FeeRules:
    """The rules that applied, kept in the booking as they were that day."""

    base: int  # yen: the frame's rate, or the hourly rate
    per_hour: bool
    minutes: int
    category: str
    multiplier: str  # Decimal as text, so the snapshot is exact JSON
    surcharges: tuple[tuple[str, int], ...] = ()  # (label, percent)
    reduction: tuple[str, int] | None = None  # (label, percent)
    rounding: str = Rounding.FLOOR_10


@dataclass(frozen=True)
class FeeQuote:
    amount: int
    rules: FeeRules
    lines: list[tuple[str, str]] = field(default_factory=list)  # what a resident sees: (項目, 金額)

    def snapshot(self) -> dict[str, Any]:
        return {"amount": self.amount, "rules": asdict(self.rules), "lines": self.lines}


def _round(value: Fraction, rule: str) -> int:
    if rule == Rounding.NONE:
        return int(value)  # 1円未満切り捨て
    step = 100 if rule == Rounding.FLOOR_100 else 10
    if rule == Rounding.ROUND_10:
        return int((value / step + Fraction(1, 2)) // 1) * step
    return int(value // step) * step


def fee_compute(rules: FeeRules) -> FeeQuote:
    base = Fraction(rules.base)
    if rules.per_hour:
        base = base * rules.minutes / 60
    multiplied = base * Fraction(Decimal(rules.multiplier))
    surcharge_pct = sum(pct for _, pct in rules.surcharges)
    subtotal = multiplied * (100 + surcharge_pct) / 100
    reduction_pct = rules.reduction[1] if rules.reduction else 0
    amount = _round(subtotal * (100 - reduction_pct) / 100, rules.rounding)
    lines: list[tuple[str, str]] = [
        ("基本使用料", f"{_yen(base)}" + (f"（{rules.minutes}分）" if rules.per_hour else "")),
    ]
    if Decimal(rules.multiplier) != 1:
        lines.append((f"{rules.category}の倍率", f"×{Decimal(rules.multiplier).normalize()}"))
    lines += [(f"{label}の加算", f"+{pct}%") for label, pct in rules.surcharges]
    if rules.reduction:
        lines.append((f"減免（{rules.reduction[0]}）", f"−{rules.reduction[1]}%"))
    lines.append(("合計", f"{amount:,}円"))
    return FeeQuote(amount=amount, rules=rules, lines=lines)


def _yen(value: Fraction) -> str:
    return f"{int(value):,}円" if value.denominator == 1 else f"{float(value):,.1f}円"


def cancellation_fee(*, paid: int, tiers: list[tuple[int, int]], days_before: int) -> int:
    """取消料: the percent of the tier with the largest ``min_days_before`` ≤ ``days_before``.

    ``tiers`` is [(min_days_before, percent)]. No tier matching means 100%.
    Yen below one are cut off (the city never charges a fraction).
    """
    pct = 100
    for min_days, tier_pct in sorted(tiers, reverse=True):
        if days_before >= min_days:
            pct = tier_pct
            break
    return paid * pct // 100
