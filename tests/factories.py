"""Factories shared by every test module; registered as fixtures in conftest.py."""

import datetime as dt
import itertools

import factory
from django.utils import timezone

from accounts.identity import nik_hash
from accounts.models import Role, User
from accounts.nik import adult_on
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
    class Params:
        birth_date = dt.date(1990, 1, 15)  # what the NIK says; only the year (and a minor's 17th birthday) is kept

    role = Role.CITIZEN
    gender = "L"
    birth_year = factory.LazyAttribute(lambda o: o.birth_date.year)
    adult_on = factory.LazyAttribute(lambda o: adult_on(o.birth_date) if adult_on(o.birth_date) > timezone.localdate() else None)
    kelurahan = factory.LazyFunction(_kelurahan)
    email_verified_at = factory.LazyFunction(timezone.now)
    # Rounds require a verified residence by default (issue 12): the usual resident of a test is
    # verified; a test about an unverified one passes residence_verified_at=None.
    residence_verified_at = factory.LazyFunction(timezone.now)
    consent_version = "test"
    nik_hash = factory.LazyAttribute(lambda o: nik_hash(make_nik(birth=o.birth_date)))
    password = factory.PostGenerationMethodCall("set_password", "rahasia-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


# --- rounds and proposals (issue 3) ---------------------------------------------------------

from rounds.models import Area, AreaLevel, Category, Round  # noqa: E402
from wilayah.models import Kecamatan  # noqa: E402


def category_get(slug: str = "jalan-jembatan") -> Category:
    """Categories come from a data migration, which transactional tests flush: recreate on demand."""
    names = {"jalan-jembatan": ("Jalan dan jembatan", "Roads and bridges"),
             "drainase-banjir": ("Drainase dan pengendalian banjir", "Drainage and flood control"),
             "taman-rth": ("Taman dan ruang terbuka hijau", "Parks and green open space")}
    name, name_en = names.get(slug, (slug, slug))
    return Category.objects.get_or_create(slug=slug, defaults={"name": name, "name_en": name_en})[0]


class RoundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Round

    name = factory.Sequence(lambda n: f"Anggaran Partisipatif Uji {n}")
    year = 2027
    slug = factory.Sequence(lambda n: f"ap-uji-{n}")
    phase = "submission"


class AreaFactory(factory.django.DjangoModelFactory):
    """A kelurahan area (Gunung Bahagia unless told otherwise)."""

    class Meta:
        model = Area

    round = factory.SubFactory(RoundFactory)
    level = AreaLevel.KELURAHAN
    kelurahan = factory.LazyFunction(_kelurahan)
    code = factory.LazyAttribute(lambda o: o.kelurahan.code if o.kelurahan else (o.kecamatan.code if o.kecamatan else "64.71"))
    name = factory.LazyAttribute(lambda o: o.kelurahan.name if o.kelurahan else (o.kecamatan.name if o.kecamatan else "Kota Balikpapan"))
    budget = 1_000_000_000


def kecamatan_area(round_: Round, code: str = "64.71.05") -> Area:
    wilayah_ensure()
    kecamatan = Kecamatan.objects.get(code=code)
    return AreaFactory(round=round_, level=AreaLevel.KECAMATAN, kelurahan=None, kecamatan=kecamatan)


class ProposalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "proposals.Proposal"

    area = factory.SubFactory(AreaFactory)
    round = factory.LazyAttribute(lambda o: o.area.round)
    category = factory.LazyFunction(category_get)
    proposer = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Perbaikan drainase Jl. MT Haryono RT {n % 40 + 1:02d}")
    description = "Saluran tersumbat, banjir setiap hujan deras."
    estimated_cost = 250_000_000
    address = "Jl. MT Haryono, Gunung Bahagia"
    status = "submitted"
