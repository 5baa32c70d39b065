"""NIK parsing as pure code: no database."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.nik import NikError, parse_nik

TODAY = dt.date(2026, 11, 23)


def build(region: str, birth: dt.date, female: bool, serial: int) -> str:
    day = birth.day + (40 if female else 0)
    return f"{region}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


@given(
    birth=st.dates(min_value=dt.date(1927, 1, 1), max_value=TODAY),
    female=st.booleans(),
    serial=st.integers(min_value=1, max_value=9999),
    region=st.sampled_from(["647101", "647105", "317401", "640201"]),
)
def test_every_valid_nik_parses_to_its_date_and_gender(birth, female, serial, region):
    info = parse_nik(build(region, birth, female, serial), today=TODAY)
    assert info.birth_date == birth
    assert info.gender == ("P" if female else "L")
    assert info.serial == serial
    assert info.region == region


@given(serial=st.integers(min_value=1, max_value=9999), female=st.booleans())
def test_separators_people_type_are_ignored(serial, female):
    nik = build("647105", dt.date(1990, 3, 9), female, serial)
    spaced = f"{nik[:4]} {nik[4:8]}-{nik[8:12]}.{nik[12:]}"
    assert parse_nik(spaced, today=TODAY) == parse_nik(nik, today=TODAY)


@given(text=st.text(min_size=1, max_size=20).filter(lambda s: any(c.isalpha() for c in s)))
def test_letters_fail(text):
    with pytest.raises(NikError) as error:
        parse_nik(text, today=TODAY)
    assert error.value.code in {"not_digits", "empty"}


@given(length=st.integers(min_value=1, max_value=30).filter(lambda n: n != 16))
def test_wrong_lengths_fail(length):
    with pytest.raises(NikError) as error:
        parse_nik("6" * length, today=TODAY)
    assert error.value.code == "length"


@given(birth=st.dates(min_value=dt.date(1930, 1, 1), max_value=TODAY), female=st.booleans())
def test_serial_0000_fails(birth, female):
    with pytest.raises(NikError) as error:
        parse_nik(build("647105", birth, female, 0), today=TODAY)
    assert error.value.code == "serial"


@pytest.mark.parametrize(
    "ddmmyy, code",
    [
        ("310290", "date"),   # 31 February
        ("300201", "date"),   # 30 February
        ("290201", "date"),   # 29 February 2001 is not a leap year
        ("320190", "date"),   # day 32
        ("000190", "date"),   # day 0
        ("720190", "date"),   # woman, day 32
        ("400190", "date"),   # day 40: neither a man's nor a woman's day
        ("151390", "month"),
        ("150090", "month"),
    ],
)
def test_impossible_dates_fail(ddmmyy, code):
    with pytest.raises(NikError) as error:
        parse_nik(f"647105{ddmmyy}0001", today=TODAY)
    assert error.value.code == code


def test_leap_day_is_a_real_date():
    assert parse_nik("6471052902000001", today=TODAY).birth_date == dt.date(2000, 2, 29)
    assert parse_nik("6471056902000001", today=TODAY).gender == "P"


def test_unknown_province_and_zero_region_fail():
    with pytest.raises(NikError) as error:
        parse_nik("9971051501900001", today=TODAY)
    assert error.value.code == "province"
    with pytest.raises(NikError) as error:
        parse_nik("6400051501900001", today=TODAY)
    assert error.value.code == "region"


def test_two_digit_year_chooses_the_century_that_is_not_in_the_future():
    assert parse_nik("6471051501260001", today=TODAY).birth_date == dt.date(2026, 1, 15)
    assert parse_nik("6471051512260001", today=TODAY).birth_date == dt.date(1926, 12, 15)


def test_age_counts_birthdays():
    info = parse_nik("6471052311090001", today=TODAY)  # born 23 Nov 2009
    assert info.age_on(TODAY) == 17
    assert info.age_on(TODAY - dt.timedelta(days=1)) == 16
