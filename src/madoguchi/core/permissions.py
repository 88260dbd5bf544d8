"""Who may do what: permissions granted by department roles.

Checks live here and are called by services and selectors (``access_*``), so a
view that forgets a check still cannot leak data.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied

from madoguchi.core.models import Role, StaffUser


class Perm(StrEnum):
    RESIDENT_VIEW = "residents.view"
    RESIDENT_VIEW_REMOVED = "residents.view_removed"  # 除票
    RESIDENT_CHANGE = "residents.change"  # register 異動
    AUDIT_VIEW_OWN = "audit.view_own"
    AUDIT_VIEW_ALL = "audit.view_all"
    AUDIT_VERIFY = "audit.verify"
    MESSAGE_SEND = "messaging.send"  # LINE / e-mail delivery to residents
    LINE_MANAGE = "line.manage"  # the city's LINE account: rich menus, disaster mode
    CITIZEN_LINK = "citizens.link"  # issue counter codes that link an account to a 住民記録 person; revoke links
    FACILITY_MANAGE = "reservations.manage"  # facilities, units, rates, calendars, lotteries, classes
    BOOKING_VIEW = "reservations.view"  # bookings and the people who made them, 利用者登録
    BOOKING_CHANGE = "reservations.change"  # staff bookings and blocks, verify 利用者登録, cancel for closures
    FEE_REDUCTION_APPROVE = "reservations.approve_reduction"  # 減免 decisions
    PAYMENT_VIEW = "payments.view"  # payments and the daily reconciliation (収納消込)
    PAYMENT_CASH = "payments.cash"  # record cash received at the counter
    PAYMENT_REFUND = "payments.refund"  # refunds


# (department code, role) -> permissions. A department of None matches any department.
GRANTS: dict[tuple[str | None, Role], frozenset[Perm]] = {
    # 市民課: keeps the resident register.
    ("shimin", Role.CLERK): frozenset(
        {Perm.RESIDENT_VIEW, Perm.RESIDENT_VIEW_REMOVED, Perm.RESIDENT_CHANGE, Perm.CITIZEN_LINK, Perm.AUDIT_VIEW_OWN}
    ),
    ("shimin", Role.SUPERVISOR): frozenset(
        {
            Perm.RESIDENT_VIEW,
            Perm.RESIDENT_VIEW_REMOVED,
            Perm.RESIDENT_CHANGE,
            Perm.CITIZEN_LINK,
            Perm.AUDIT_VIEW_OWN,
            Perm.AUDIT_VIEW_ALL,
        }
    ),
    # 保険年金課: reads current residents to decide eligibility; cannot change the register.
    ("hoken_nenkin", Role.CLERK): frozenset({Perm.RESIDENT_VIEW, Perm.AUDIT_VIEW_OWN}),
    # 企画政策課 (DX推進): reviews the audit trail for the security PDCA (No.24), sees no resident data.
    ("kikaku", Role.ADMIN): frozenset(
        {Perm.AUDIT_VIEW_OWN, Perm.AUDIT_VIEW_ALL, Perm.AUDIT_VERIFY, Perm.MESSAGE_SEND, Perm.LINE_MANAGE}
    ),
    # 生涯学習課: runs the public facilities and the スマホ講座 (No.2, No.11); takes cash at the counter.
    ("shogai_gakushu", Role.CLERK): frozenset(
        {
            Perm.FACILITY_MANAGE,
            Perm.BOOKING_VIEW,
            Perm.BOOKING_CHANGE,
            Perm.PAYMENT_VIEW,
            Perm.PAYMENT_CASH,
            Perm.AUDIT_VIEW_OWN,
        }
    ),
    ("shogai_gakushu", Role.SUPERVISOR): frozenset(
        {
            Perm.FACILITY_MANAGE,
            Perm.BOOKING_VIEW,
            Perm.BOOKING_CHANGE,
            Perm.FEE_REDUCTION_APPROVE,
            Perm.PAYMENT_VIEW,
            Perm.PAYMENT_CASH,
            Perm.PAYMENT_REFUND,
            Perm.AUDIT_VIEW_OWN,
            Perm.AUDIT_VIEW_ALL,
        }
    ),
    # 会計課: reconciles what was received (収納消込) and issues refunds; sees no booking details.
    ("kaikei", Role.CLERK): frozenset({Perm.PAYMENT_VIEW, Perm.PAYMENT_REFUND, Perm.AUDIT_VIEW_OWN}),
    # System administrators run the platform; they do not browse resident data.
    (None, Role.SYSTEM_ADMIN): frozenset({Perm.AUDIT_VIEW_OWN, Perm.AUDIT_VIEW_ALL, Perm.AUDIT_VERIFY}),
}
# Every signed-in member of staff may review their own actions.
BASELINE: frozenset[Perm] = frozenset({Perm.AUDIT_VIEW_OWN})


def permissions_of(user: StaffUser) -> frozenset[Perm]:
    """All permissions the user holds through any of their department roles (cached per object)."""
    cached: frozenset[Perm] | None = getattr(user, "_madoguchi_perms", None)
    if cached is not None:
        return cached
    perms: set[Perm] = set()
    if user.is_authenticated and user.is_active and user.municipality_id is not None:
        perms |= BASELINE
        for dept_code, role in user.roles.filter(department__municipality_id=user.municipality_id).values_list(
            "department__code", "role"
        ):
            perms |= GRANTS.get((dept_code, Role(role)), frozenset())
            perms |= GRANTS.get((None, Role(role)), frozenset())
    result = frozenset(perms)
    user._madoguchi_perms = result  # type: ignore[attr-defined]
    return result


def has_perm(user: StaffUser, perm: Perm) -> bool:
    return perm in permissions_of(user)


def require(user: StaffUser, perm: Perm) -> None:
    """Raise PermissionDenied (shown as a Japanese 403 page) unless the user holds ``perm``."""
    if not has_perm(user, perm):
        raise PermissionDenied("この操作を行う権限がありません。")


def role_label(user: StaffUser) -> str:
    """A short description of the user's roles, kept with each audit event."""
    labels = [
        f"{dept} {Role(role).label}"
        for dept, role in user.roles.values_list("department__name", "role").order_by("department__code", "role")
    ]
    return "、".join(labels)
