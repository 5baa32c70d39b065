"""Factories shared by every test module; registered as fixtures in conftest.py."""

import datetime as dt
import itertools

import factory
from django.utils import timezone

from accounts.identity import nik_hash
from accounts.models import Role, User
from wilayah.models import Kelurahan
from wilayah.services import wilayah_ensure

_serials = itertools.count(1)


def make_nik(*, birth: dt.date = dt.date(1990, 1, 15), female: bool = False, region: str = "647105") -> str:
    """A structurally valid, unique NIK."""
    day = birth.day + (40 if female else 0)
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{next(_serials) % 9999 + 1:04d}"


def _kelurahan(code: str = "64.71.05.1006") -> Kelurahan:
    wilayah_ensure()
    return Kelurahan.objects.get(code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"warga{n}@example.test")
    full_name = factory.Faker("name", locale="id_ID")
    role = Role.CITIZEN
    birth_date = dt.date(1990, 1, 15)
    gender = "L"
    kelurahan = factory.LazyFunction(_kelurahan)
    email_verified_at = factory.LazyFunction(timezone.now)
    consent_version = "test"
    nik_last4 = ""
    nik_hash = factory.LazyAttribute(lambda o: nik_hash(make_nik(birth=o.birth_date)))
    password = factory.PostGenerationMethodCall("set_password", "rahasia-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
