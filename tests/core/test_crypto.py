import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from luhuituo.core import crypto
from luhuituo.core.masking import mask_id_number, mask_phone
from luhuituo.core.models import User
from tests.factories import UserFactory

ID_NUMBER = "510502199001011248"  # 江阳区, born 1990-01-01, valid check digit


def test_the_sample_id_number_is_valid():
    assert ric.is_valid(ID_NUMBER)


@pytest.mark.django_db
def test_a_raw_id_number_is_never_stored_in_clear():
    user = UserFactory(id_number=ID_NUMBER)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, id_number_digest FROM core_user WHERE id = %s",
                       [user.pk])
        stored, digest = cursor.fetchone()
        # Nowhere in the whole table, in any column, in any spelling.
        cursor.execute("SELECT count(*) FROM core_user AS u WHERE u::text LIKE %s",
                       [f"%{ID_NUMBER[6:14]}%"])
        rows_with_birth_date = cursor.fetchone()[0]
    assert ID_NUMBER not in stored
    assert stored.startswith("gAAAA")  # a Fernet token
    assert digest == crypto.blind_index(ID_NUMBER, "ric")
    assert rows_with_birth_date == 0
    assert User.objects.get(pk=user.pk).id_number == ID_NUMBER


@pytest.mark.django_db
def test_find_a_person_by_blind_index_whatever_the_spelling():
    user = UserFactory(id_number=ID_NUMBER)
    UserFactory(id_number="510503198502023468")
    typed = "510502 19900101 1248".lower()
    found = User.objects.filter(id_number_digest=crypto.blind_index(typed, "ric"))
    assert list(found) == [user]


@pytest.mark.django_db
def test_the_same_id_number_cannot_belong_to_two_accounts():
    from django.db import IntegrityError, transaction

    UserFactory(id_number=ID_NUMBER)
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(id_number=" ".join([ID_NUMBER[:6], ID_NUMBER[6:]]))


def test_encryption_differs_each_time_and_round_trips():
    a, b = crypto.encrypt(ID_NUMBER), crypto.encrypt(ID_NUMBER)
    assert a != b
    assert crypto.decrypt(a) == crypto.decrypt(b) == ID_NUMBER


def test_rotated_keys_still_decrypt(settings):
    from cryptography.fernet import Fernet

    old_token = crypto.encrypt(ID_NUMBER)
    new_key = Fernet.generate_key().decode()
    original = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = f"{new_key},{original}"
    settings.BLIND_INDEX_KEY = "a-fixed-index-key"
    crypto.clear_key_cache()
    try:
        assert crypto.decrypt(old_token) == ID_NUMBER
        assert Fernet(new_key.encode()).decrypt(crypto.encrypt("x").encode()) == b"x"
    finally:
        settings.FIELD_ENCRYPTION_KEY = original
        crypto.clear_key_cache()


def test_masks():
    assert mask_id_number(ID_NUMBER) == "510502********1248"
    assert mask_id_number("51050219900101123x") == "510502********123X"
    assert mask_phone("13800005678") == "138****5678"
    assert mask_phone("+86 138 0000 5678") == "138****5678"
    assert mask_phone("08302345678") == "*******5678"
    assert mask_id_number("") == mask_phone(None) == ""


@given(st.from_regex(r"[1-6]\d{16}[\dX]", fullmatch=True))
def test_a_masked_id_number_keeps_only_region_and_last_four(number):
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert set(masked[6:14]) == {"*"}


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_a_masked_mobile_hides_the_middle_four(number):
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[-4:]


@pytest.mark.django_db
def test_masking_filters_in_templates(client):
    user = UserFactory(id_number=ID_NUMBER, mobile="13800005678")
    client.force_login(user)
    body = client.get("/account/").content.decode()
    assert "510502********1248" in body and "138****5678" in body
    assert ID_NUMBER not in body and "13800005678" not in body


def test_mask_name():
    from luhuituo.core.masking import mask_name

    assert mask_name("刘一诺") == "刘*诺"
    assert mask_name("王芳") == "王*"
    assert mask_name("欧阳子涵") == "欧**涵"
    assert mask_name("") == "" and mask_name(None) == "" and mask_name("李") == "李"
