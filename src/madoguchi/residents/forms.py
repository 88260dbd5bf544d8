"""Forms for the register's staff screens. Errors are Japanese and sit next to their field."""

from __future__ import annotations

from typing import Any

from django import forms

from madoguchi.core.fields import FuriganaField, NormalizedCharField, PostalCodeField, WarekiDateField
from madoguchi.core.forms import REQUIRED, JapaneseForm
from madoguchi.core.postal import lookup as postal_lookup
from madoguchi.residents.models import Relationship, Sex


class SearchForm(JapaneseForm):
    q = NormalizedCharField(label="氏名・フリガナ・宛名番号", required=False, max_length=60)
    birth_date = WarekiDateField(label="生年月日", required=False)
    town = NormalizedCharField(label="町名", required=False, max_length=40)
    include_removed = forms.BooleanField(label="除票も含める", required=False)

    def __init__(
        self, *args: Any, can_see_removed: bool = False, towns: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not can_see_removed:
            del self.fields["include_removed"]
        self.towns = towns or []
        self.fields["q"].widget.attrs.update({"autocomplete": "off", "autofocus": True})
        self.fields["town"].widget.attrs["list"] = "town-list"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("q") or data.get("birth_date") or data.get("town")):
            raise forms.ValidationError("氏名・フリガナ・宛名番号、生年月日、町名のいずれかを入力してください。")
        return data


class DatesForm(JapaneseForm):
    occurred_on = WarekiDateField(label="異動日")
    notified_on = WarekiDateField(label="届出日")


class MoveOutForm(DatesForm):
    destination = NormalizedCharField(label="転出先の住所", max_length=120)


class DeathForm(DatesForm):
    occurred_on = WarekiDateField(label="死亡日")


class AddressFormMixin(forms.Form):
    postal_code = PostalCodeField(label="郵便番号")
    town = NormalizedCharField(
        label="町名", max_length=40, required=False, help_text="空欄のときは郵便番号から自動で入ります。"
    )
    banchi = NormalizedCharField(label="番地", max_length=40, help_text="例: 1630")
    katagaki = NormalizedCharField(label="方書", max_length=80, required=False, help_text="アパート名・部屋番号など")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        code = data.get("postal_code")
        if code and not data.get("town"):
            found = postal_lookup(code)
            if found and found.town:
                data["town"] = found.town
            else:
                self.add_error("town", "町名を入力してください。")
        return data


class MoveWithinForm(AddressFormMixin, DatesForm):
    pass


class HeadChangeForm(DatesForm):
    new_head = forms.TypedChoiceField(label="新しい世帯主", coerce=int)
    former_head_relationship = forms.ChoiceField(
        label="これまでの世帯主の新しい続柄",
        required=False,
        choices=[("", "（世帯主が転出・死亡済みのときは不要）")]
        + [c for c in Relationship.choices if c[0] != Relationship.HEAD],
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        new_head: forms.TypedChoiceField = self.fields["new_head"]  # type: ignore[assignment]
        new_head.choices = [("", "選んでください"), *list(members or [])]


class PersonFieldsForm(JapaneseForm):
    family_name = NormalizedCharField(label="氏", max_length=30)
    given_name = NormalizedCharField(label="名", max_length=30)
    family_name_kana = FuriganaField(label="氏（フリガナ）", max_length=60)
    given_name_kana = FuriganaField(label="名（フリガナ）", max_length=60)
    birth_date = WarekiDateField(label="生年月日")
    sex = forms.ChoiceField(label="性別", choices=[("", "選んでください"), *Sex.choices])
    relationship = forms.ChoiceField(label="続柄", choices=[("", "選んでください"), *Relationship.choices])


class BirthForm(PersonFieldsForm):
    notified_on = WarekiDateField(label="届出日")


class MoveInForm(AddressFormMixin, PersonFieldsForm):
    occurred_on = WarekiDateField(label="転入日")
    notified_on = WarekiDateField(label="届出日")
    moved_from = NormalizedCharField(label="転入前の住所", max_length=120)
    household_number = NormalizedCharField(
        label="入る世帯の世帯番号", required=False, max_length=15, help_text="新しい世帯をつくるときは空欄"
    )
    is_foreign = forms.BooleanField(label="外国人住民", required=False)
    alphabet_name = NormalizedCharField(label="アルファベット氏名", required=False, max_length=100)
    nationality = NormalizedCharField(label="国籍・地域", required=False, max_length=40)
    residence_status = NormalizedCharField(label="在留資格", required=False, max_length=40)
    residence_until = WarekiDateField(label="在留期間の満了日", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The address is taken from the household when joining one.
        for name in ("postal_code", "town", "banchi"):
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("household_number"):
            for name in ("postal_code", "banchi"):
                if not data.get(name) and name not in self.errors:
                    self.add_error(name, REQUIRED.format(label=self.fields[name].label))
        return data
