"""Deterministic demo register: households and people shaped like Kitaibaraki's.

The same seed gives the same people on every machine. Ages follow a city where
about 37% are 65 or older; flags follow age and household (後期高齢者医療 from 75,
国民健康保険 per household, 児童手当 to the parent of children under 18 …).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction

from madoguchi.core.audit import audit_record
from madoguchi.core.models import Municipality
from madoguchi.residents import identifiers
from madoguchi.residents.demo_names import FAMILY_NAMES, FOREIGN_RESIDENTS, GIVEN_NAMES
from madoguchi.residents.keys import apply_search_keys
from madoguchi.residents.models import (
    CareLevel,
    DisabilityCertificate,
    Household,
    Movement,
    MovementKind,
    PensionType,
    Person,
    Relationship,
    ResidentStatus,
    Sex,
)
from madoguchi.residents.towns import town_addresses

# Ages are computed against this date so the data do not drift with the clock.
AS_OF = dt.date(2026, 4, 1)
BUILDINGS = [
    "コーポ磯原",
    "ハイツ大津",
    "メゾン中郷",
    "パークサイド関本",
    "グリーンハイツ",
    "サンライズ平潟",
    "レジデンス華川",
]


@dataclass
class _Member:
    age: int
    sex: str
    relationship: str
    given_pool: str | None = None


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._family = [f[:2] for f in FAMILY_NAMES]
        self._family_weights = [f[2] for f in FAMILY_NAMES]
        self._codes: set[str] = set()

    def family_name(self) -> tuple[str, str]:
        return self.rng.choices(self._family, self._family_weights)[0]

    def given_name(self, sex: str, birth_year: int) -> tuple[str, str]:
        era = (
            "prewar"
            if birth_year < 1946
            else "showa"
            if birth_year < 1989
            else "heisei"
            if birth_year < 2019
            else "reiwa"
        )
        return self.rng.choice(GIVEN_NAMES[(sex, era)])

    def birth_date(self, age: int) -> dt.date:
        year = AS_OF.year - age - 1
        start = dt.date(year, AS_OF.month, AS_OF.day) + dt.timedelta(days=1)
        return start + dt.timedelta(days=self.rng.randrange(365))

    def resident_code(self) -> str:
        while True:
            code = identifiers.make_resident_code(str(self.rng.randrange(10**9, 10**10)))
            if code not in self._codes:
                self._codes.add(code)
                return code

    def age(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def household(self) -> list[_Member]:
        """Members of one household; the first is the head."""
        r, age = self.rng, self.age
        kind = r.choices(
            [
                "elder_single",
                "elder_couple",
                "couple",
                "family",
                "single_parent",
                "three_gen",
                "single",
                "elder_with_child",
            ],
            [17, 21, 6, 14, 3, 13, 14, 12],
        )[0]
        sex = r.choice([Sex.MALE, Sex.FEMALE])
        if kind == "elder_single":
            return [_Member(age(65, 99), r.choice([Sex.FEMALE, Sex.FEMALE, Sex.MALE]), Relationship.HEAD)]
        if kind == "elder_couple":
            a = age(65, 92)
            return [
                _Member(a, Sex.MALE, Relationship.HEAD),
                _Member(max(60, a + r.randint(-5, 2)), Sex.FEMALE, Relationship.SPOUSE),
            ]
        if kind == "couple":
            a = age(23, 64)
            return [
                _Member(a, Sex.MALE, Relationship.HEAD),
                _Member(max(20, a + r.randint(-6, 3)), Sex.FEMALE, Relationship.SPOUSE),
            ]
        if kind == "single":
            return [_Member(age(18, 64), sex, Relationship.HEAD)]
        if kind == "elder_with_child":
            a = age(70, 95)
            return [
                _Member(a, sex, Relationship.HEAD),
                _Member(a - r.randint(25, 35), r.choice(list(Sex)), Relationship.CHILD),
            ]
        parent = age(34, 64)
        kids = [
            _Member(max(0, parent - age(29, 46)), r.choice(list(Sex)), Relationship.CHILD)
            for _ in range(r.choice([1, 1, 1, 2, 2, 3]))
        ]
        if kind == "single_parent":
            return [_Member(parent, r.choice([Sex.FEMALE, Sex.FEMALE, Sex.MALE]), Relationship.HEAD), *kids]
        family = [
            _Member(parent, Sex.MALE, Relationship.HEAD),
            _Member(max(20, parent + r.randint(-5, 3)), Sex.FEMALE, Relationship.SPOUSE),
            *kids,
        ]
        if kind == "three_gen":
            grand = parent + r.randint(25, 33)
            family.append(_Member(grand, Sex.FEMALE, Relationship.PARENT))
            if r.random() < 0.5:
                family.append(_Member(grand + r.randint(0, 4), Sex.MALE, Relationship.PARENT))
        return family


def _flags(person: Person, age: int, household_nhi: bool, rng: random.Random) -> None:
    person.late_elderly_insurance = age >= 75
    person.national_health_insurance = household_nhi and age < 75
    person.long_term_care_insured = age >= 40
    if age >= 75:
        person.care_level = rng.choices(
            [
                CareLevel.NONE,
                CareLevel.SUPPORT_1,
                CareLevel.SUPPORT_2,
                CareLevel.CARE_1,
                CareLevel.CARE_2,
                CareLevel.CARE_3,
                CareLevel.CARE_4,
                CareLevel.CARE_5,
            ],
            [68, 5, 5, 7, 5, 4, 3, 3],
        )[0]
    elif age >= 65:
        person.care_level = rng.choices([CareLevel.NONE, CareLevel.SUPPORT_1, CareLevel.CARE_1], [95, 3, 2])[0]
    if age >= 65:
        person.pension_type = PensionType.RECIPIENT
    elif 20 <= age < 60:
        if household_nhi:
            person.pension_type = PensionType.TYPE_1
        elif person.relationship == Relationship.SPOUSE and rng.random() < 0.5:
            person.pension_type = PensionType.TYPE_3
        else:
            person.pension_type = PensionType.TYPE_2
    if rng.random() < (0.02 + age / 1000):
        person.disability_certificate = rng.choice(
            [
                DisabilityCertificate.PHYSICAL,
                DisabilityCertificate.PHYSICAL,
                DisabilityCertificate.INTELLECTUAL,
                DisabilityCertificate.MENTAL,
            ]
        )
    person.seal_registered = age >= 15 and rng.random() < 0.6
    heavy_care = person.care_level in (CareLevel.CARE_3, CareLevel.CARE_4, CareLevel.CARE_5)
    person.evacuation_support = heavy_care or (
        person.disability_certificate == DisabilityCertificate.PHYSICAL and age >= 65
    )


def _address(gen: _Generator, towns: list, weights: list[int]) -> tuple[str, str, str, str]:
    place = gen.rng.choices(towns, weights)[0]
    banchi = str(gen.rng.randint(1, 2500))
    if gen.rng.random() < 0.3:
        banchi += f"-{gen.rng.randint(1, 30)}"
    katagaki = ""
    if gen.rng.random() < 0.12:
        katagaki = f"{gen.rng.choice(BUILDINGS)} {gen.rng.randint(1, 3)}0{gen.rng.randint(1, 8)}"
    return place.postal_code, place.town, banchi, katagaki


@transaction.atomic
def seed_residents(municipality: Municipality, *, residents: int, seed: int = 82155) -> tuple[int, int]:
    """Create about ``residents`` people in households. Returns (households, people)."""
    gen = _Generator(seed)
    towns = list(town_addresses(municipality))
    if not towns:
        raise ValueError(f"no towns found for {municipality.code}")
    # The central districts are larger.
    weights = [8 if a.town.startswith(("磯原町磯原", "大津町", "中郷町", "関南町神岡")) else 3 for a in towns]

    plans: list[tuple[tuple[str, str, str, str], list[_Member], bool, tuple[str, str] | None]] = []
    total = 0
    foreign_every = 100  # about 1% of households are foreign residents
    while total < residents:
        members = gen.household()
        foreign = FOREIGN_RESIDENTS[len(plans) % len(FOREIGN_RESIDENTS)] if len(plans) % foreign_every == 7 else None
        if foreign:
            members = [_Member(gen.age(20, 45), foreign[6], Relationship.HEAD)]
        plans.append((_address(gen, towns, weights), members, gen.rng.random() < 0.3, foreign and foreign[:2]))
        total += len(members)

    first_household = identifiers.reserve(municipality, "household", len(plans))
    first_atena = identifiers.reserve(municipality, "atena", total)
    households = [
        Household(
            municipality=municipality,
            number=str(first_household + i).zfill(identifiers.HOUSEHOLD_DIGITS),
            postal_code=addr[0],
            town=addr[1],
            banchi=addr[2],
            katagaki=addr[3],
            created_on=AS_OF - dt.timedelta(days=gen.rng.randrange(1, 365 * 40)),
        )
        for i, (addr, *_rest) in enumerate(plans)
    ]
    Household.objects.bulk_create(households, batch_size=2000)
    if households[0].pk is None:  # backends that do not return ids
        households = list(Household.objects.filter(municipality=municipality).order_by("number"))

    people: list[Person] = []
    heads: list[int] = []
    atena = first_atena
    for household, (addr, members, nhi, foreign_name) in zip(households, plans, strict=True):
        family = gen.family_name()
        heads.append(len(people))
        for member in members:
            birth = gen.birth_date(member.age)
            given = gen.given_name(member.sex, birth.year)
            person = Person(
                municipality=municipality,
                atena_number=str(atena).zfill(identifiers.ATENA_DIGITS),
                resident_code=gen.resident_code(),
                household=household,
                relationship=member.relationship,
                family_name=family[0],
                given_name=given[0],
                family_name_kana=family[1],
                given_name_kana=given[1],
                birth_date=birth,
                sex=member.sex,
                postal_code=addr[0],
                town=addr[1],
                banchi=addr[2],
                katagaki=addr[3],
                became_resident_on=max(birth, household.created_on),
            )
            if member.relationship == Relationship.SPOUSE and gen.rng.random() < 0.9:
                person.former_family_name = gen.family_name()[0]
            if foreign_name:
                data = next(f for f in FOREIGN_RESIDENTS if f[:2] == foreign_name)
                person.is_foreign = True
                person.family_name, person.given_name = data[0], data[1]
                person.family_name_kana, person.given_name_kana = data[2], data[3]
                person.alphabet_name = f"{data[0]} {data[1]}"
                person.nationality, person.residence_status = data[4], data[5]
                if data[5] not in ("永住者", "特別永住者"):
                    person.residence_until = AS_OF + dt.timedelta(days=gen.rng.randrange(60, 365 * 3))
            _flags(person, member.age, nhi, gen.rng)
            apply_search_keys(person)
            people.append(person)
            atena += 1
        # 児童手当 goes to the head when the household has children under 18.
        if any(m.age < 18 for m in members[1:]):
            people[heads[-1]].child_allowance = True

    # About 1% of people are 除票 (moved out or died last year), kept for history.
    for person in gen.rng.sample(people, k=max(1, len(people) // 100)):
        if person.relationship == Relationship.HEAD or (AS_OF - person.birth_date).days < 400:
            continue
        died = gen.rng.random() < 0.5 and (AS_OF - person.birth_date).days > 365 * 60
        person.status = ResidentStatus.REMOVED
        person.removed_on = AS_OF - dt.timedelta(days=gen.rng.randrange(1, 365))
        person.removal_reason = MovementKind.DEATH if died else MovementKind.MOVE_OUT
        if not died:
            person.moved_out_to = gen.rng.choice(
                ["茨城県日立市", "茨城県水戸市", "東京都江東区", "福島県いわき市", "茨城県つくば市"]
            )

    Person.objects.bulk_create(people, batch_size=2000)
    if people[0].pk is None:
        people = list(Person.objects.filter(municipality=municipality).order_by("atena_number"))
    for household, head_index in zip(households, heads, strict=True):
        household.head_id = people[head_index].pk
    Household.objects.bulk_update(households, ["head"], batch_size=2000)

    movements = [
        Movement(
            municipality=municipality,
            person=person,
            kind=MovementKind.INITIAL,
            occurred_on=person.became_resident_on,
            notified_on=person.became_resident_on,
            recorded_at=dt.datetime.combine(AS_OF, dt.time(8, 30), tzinfo=dt.UTC),
            note="旧システムからの移行",
        )
        for person in people
    ]
    movements += [
        Movement(
            municipality=municipality,
            person=person,
            kind=person.removal_reason,
            occurred_on=person.removed_on,
            notified_on=person.removed_on,
            recorded_at=dt.datetime.combine(person.removed_on, dt.time(10, 0), tzinfo=dt.UTC),
            note=person.moved_out_to,
        )
        for person in people
        if person.status == ResidentStatus.REMOVED and person.removed_on is not None
    ]
    Movement.objects.bulk_create(movements, batch_size=5000)
    audit_record(
        municipality=municipality, actor=None, action="seed.demo", reason=f"{len(people)}人・{len(households)}世帯"
    )
    return len(households), len(people)


def has_residents(municipality: Municipality) -> bool:
    return Person.objects.filter(municipality=municipality).exists()


__all__ = ["AS_OF", "has_residents", "seed_residents"]
