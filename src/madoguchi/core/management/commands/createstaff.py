"""Create a staff account with one department role; asks for the password twice."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from madoguchi.core.models import Department, Municipality, Role, StaffRole, StaffUser


class Command(BaseCommand):
    help = "Create a staff account: createstaff USERNAME --municipality 082155 --department shimin --role clerk"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--municipality", required=True)
        parser.add_argument("--department", required=True)
        parser.add_argument("--role", required=True, choices=[r.value for r in Role])
        parser.add_argument("--display-name", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            municipality = Municipality.objects.get(code=opts["municipality"])
            department = Department.objects.get(municipality=municipality, code=opts["department"])
        except (Municipality.DoesNotExist, Department.DoesNotExist) as exc:
            raise CommandError(f"not found: {exc}") from None
        if StaffUser.objects.filter(username=opts["username"]).exists():
            raise CommandError("そのユーザー名はすでに使われています。")
        user = StaffUser(username=opts["username"], municipality=municipality, display_name=opts["display_name"])
        password = getpass.getpass("パスワード: ")
        if password != getpass.getpass("パスワード（確認）: "):
            raise CommandError("パスワードが一致しません。")
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        user.set_password(password)
        with transaction.atomic():
            user.save()
            StaffRole.objects.create(user=user, department=department, role=opts["role"])
        self.stdout.write(f"created {user.username}; the second factor is set up at first sign-in")
