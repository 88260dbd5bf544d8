"""Demo municipalities, departments and one staff account per role (demo mode only)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from madoguchi.core.models import Department, Municipality, Role, StaffRole, StaffUser
from madoguchi.core.services import DEPARTMENTS

DEMO_PASSWORD = "madoguchi-demo"  # noqa: S105 - shown on the demo login page by design

KITAIBARAKI = ("082155", "北茨城市", "茨城県", "キタイバラキシ")
TAKAHAGI = ("082147", "高萩市", "茨城県", "タカハギシ")


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    department: str
    role: Role
    municipality_code: str

    @property
    def description(self) -> str:
        dept = dict(DEPARTMENTS)[self.department]
        return f"{dept} {self.role.label}"


DEMO_ACCOUNTS = [
    DemoAccount("shimin-clerk", "市民課 担当 窓口花子", "shimin", Role.CLERK, KITAIBARAKI[0]),
    DemoAccount("shimin-chief", "市民課 係長 台帳太郎", "shimin", Role.SUPERVISOR, KITAIBARAKI[0]),
    DemoAccount("hoken-clerk", "保険年金課 担当 国保一郎", "hoken_nenkin", Role.CLERK, KITAIBARAKI[0]),
    DemoAccount("kikaku-admin", "企画政策課 管理者 推進次郎", "kikaku", Role.ADMIN, KITAIBARAKI[0]),
    DemoAccount("shogai-clerk", "生涯学習課 担当 施設予約子", "shogai_gakushu", Role.CLERK, KITAIBARAKI[0]),
    DemoAccount("shogai-chief", "生涯学習課 係長 講座四郎", "shogai_gakushu", Role.SUPERVISOR, KITAIBARAKI[0]),
    DemoAccount("kaikei-clerk", "会計課 担当 収納五郎", "kaikei", Role.CLERK, KITAIBARAKI[0]),
    DemoAccount("sysadmin", "総務課 システム管理者 情報三郎", "somu", Role.SYSTEM_ADMIN, KITAIBARAKI[0]),
    DemoAccount("takahagi-clerk", "高萩市 市民課 担当", "shimin", Role.CLERK, TAKAHAGI[0]),
]


@transaction.atomic
def ensure_demo_staff() -> list[StaffUser]:
    users = []
    for account in DEMO_ACCOUNTS:
        municipality = Municipality.objects.get(code=account.municipality_code)
        user, created = StaffUser.objects.get_or_create(
            username=account.username,
            defaults={"municipality": municipality, "display_name": account.display_name},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        department = Department.objects.get(municipality=municipality, code=account.department)
        StaffRole.objects.get_or_create(user=user, department=department, role=account.role)
        users.append(user)
    return users
