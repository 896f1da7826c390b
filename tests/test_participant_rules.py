"""The plain rules of a session's participants: the NIK check and the coverage, without an app."""
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from app.bimtek.coverage import coverage, is_pengurus
from app.bimtek.nik import (BAD_BIRTH_DATE, BAD_REGION, BAD_SERIAL, NOT_SIXTEEN, birth_date, is_woman, nik_problem,
                            normalized)

VALID = "3517084507850001"  # Diwek, Jombang; a woman born 5 July 1985; serial 0001


def test_a_valid_nik_passes_and_tells_a_womans_birth_date():
    assert nik_problem(VALID) is None
    assert birth_date(VALID) == (5, 7, 85) and is_woman(VALID)
    assert nik_problem("3517080507850001") is None and not is_woman("3517080507850001")


def test_each_part_of_a_nik_is_checked():
    assert nik_problem(VALID[:15]) == NOT_SIXTEEN
    assert nik_problem(VALID + "1") == NOT_SIXTEEN
    assert nik_problem("35170845078500O1") == NOT_SIXTEEN  # a letter O
    assert nik_problem("٣٥١٧٠٨٤٥٠٧٨٥٠٠٠١") == NOT_SIXTEEN  # digits, but not ASCII ones
    assert nik_problem("1017084507850001") == BAD_REGION  # no province 10
    assert nik_problem("9717084507850001") == BAD_REGION
    assert nik_problem("3500084507850001") == BAD_REGION  # regency 00
    assert nik_problem("3517004507850001") == BAD_REGION  # kecamatan 00
    assert nik_problem("3517083207850001") == BAD_BIRTH_DATE  # day 32
    assert nik_problem("3517087207850001") == BAD_BIRTH_DATE  # a woman's day 32
    assert nik_problem("3517080013850001") == BAD_BIRTH_DATE  # month 13
    assert nik_problem("3517083102850001") == BAD_BIRTH_DATE  # 31 February
    assert nik_problem("3517082902010001") == BAD_BIRTH_DATE  # 29 February of neither 1901 nor 2001
    assert nik_problem("3517082902040001") is None  # 29 February 2004
    assert nik_problem("3517084507850000") == BAD_SERIAL


def test_a_nik_is_typed_with_spaces_or_dots():
    assert normalized(" 3517.0845 0785-0001 ") == VALID


@given(st.integers(11, 96), st.integers(1, 99), st.integers(1, 99), st.dates(date(1930, 1, 1), date(2029, 12, 31)),
       st.booleans(), st.integers(1, 9999))
def test_every_nik_made_by_the_rules_passes(province, regency, district, born, woman, serial):
    nik = f"{province:02}{regency:02}{district:02}{born.day + 40 * woman:02}{born:%m%y}{serial:04}"
    assert nik_problem(nik) is None
    assert birth_date(nik) == (born.day, born.month, born.year % 100) and is_woman(nik) == woman


@given(st.text(max_size=20))
def test_any_text_gets_a_message_or_passes_and_never_raises(text):
    problem = nik_problem(normalized(text))
    assert problem in (None, NOT_SIXTEEN, BAD_REGION, BAD_BIRTH_DATE, BAD_SERIAL)
    if problem is None:
        assert len(normalized(text)) == 16 and normalized(text).isdigit()


@given(st.text("0123456789", min_size=0, max_size=30).filter(lambda s: len(s) != 16))
def test_any_other_number_of_digits_is_not_sixteen(digits):
    assert nik_problem(digits) == NOT_SIXTEEN


def test_coverage_counts_participants_cooperatives_without_and_with_too_few_pengurus():
    found = coverage([1, 2, 3, 4], [(1, "pengurus:ketua"), (1, "pengurus:sekretaris"), (2, "pengurus:ketua"),
                                    (2, "pengawas:ketua"), (3, "Manajer Usaha"), (9, "pengurus:ketua")])
    assert (found.total, found.cooperatives, found.reached) == (5, 4, 3)
    assert found.without == (4,)
    assert found.few_pengurus == (2, 3)
    assert is_pengurus("pengurus:bendahara") and not is_pengurus("pengawas:anggota")
    assert not is_pengurus("Manajer Usaha")


@given(st.lists(st.tuples(st.integers(1, 6), st.sampled_from(["pengurus:ketua", "pengawas:ketua", "Staf"]))))
def test_coverage_partitions_the_cooperatives(participants):
    ids = [1, 2, 3, 4, 5]
    found = coverage(ids, participants)
    assert found.total == sum(1 for c, _ in participants if c in ids)
    assert not set(found.without) & set(found.few_pengurus)
    for i in ids:
        sent = [p for c, p in participants if c == i]
        assert (i in found.without) == (not sent)
        assert (i in found.few_pengurus) == (bool(sent) and sum(map(is_pengurus, sent)) < 2)


def test_nothing_to_cover():
    assert coverage([], [(1, "pengurus:ketua")]) == coverage([], [])
    assert coverage([], []).reached == 0
