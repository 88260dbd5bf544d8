"""Sign-in forms and the base form every app uses. Every message is Japanese and shown next to its field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django_otp import devices_for_user
from django_otp.models import Device

from madoguchi.core.models import StaffUser
from madoguchi.core.text import normalize_digits


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "ユーザー名またはパスワードが正しくありません。",
        "inactive": "このアカウントは利用できません。管理者にお問い合わせください。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "ユーザー名"
        self.fields["username"].error_messages["required"] = "ユーザー名を入力してください。"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].label = "パスワード"
        self.fields["password"].error_messages["required"] = "パスワードを入力してください。"


class OTPTokenField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", "確認コード（6桁）")
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("error_messages", {"required": "確認コードを入力してください。"})
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9０-９ ]*"}),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        return normalize_digits(super().to_python(value) or "")


class OTPVerifyForm(forms.Form):
    token = OTPTokenField()

    def __init__(self, user: StaffUser, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.device: Device | None = None

    def clean_token(self) -> str:
        token: str = self.cleaned_data["token"]
        for device in devices_for_user(self.user, confirmed=True):
            allowed, _ = device.verify_is_allowed()
            if not allowed:
                raise forms.ValidationError("確認コードの誤りが続いたため、しばらく待ってから入力してください。")
            if device.verify_token(token):
                self.device = device
                return token
        raise forms.ValidationError(
            "確認コードが正しくありません。認証アプリに表示されている6桁の数字を入力してください。"
        )


class OTPSetupForm(forms.Form):
    token = OTPTokenField()


REQUIRED = "{label}を入力してください。"


def _required_messages(form: forms.Form) -> None:
    """Japanese messages that name the field; a message a field sets for itself is kept."""
    default_required = forms.Field.default_error_messages["required"]
    for f in form.fields.values():
        if f.error_messages.get("required") == default_required:
            if isinstance(f, forms.BooleanField):
                f.error_messages["required"] = f"「{f.label}」にチェックを入れてください。"
            elif isinstance(f, forms.ChoiceField):
                f.error_messages["required"] = f"{f.label}を選んでください。"
            else:
                f.error_messages["required"] = REQUIRED.format(label=f.label)
        if isinstance(f, forms.ChoiceField):
            f.error_messages["invalid_choice"] = f"{f.label}の選択肢から選んでください。"
        if isinstance(f, forms.CharField) and f.max_length:
            f.error_messages["max_length"] = f"{f.label}は{f.max_length}文字以内で入力してください。"


class JapaneseForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _required_messages(self)
