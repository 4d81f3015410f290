"""Item 17: a centre's public contact phone is an organisation's number, shown whole to the
regulators; people's numbers (guardians, complainants, accounts) stay masked."""

import pytest
from django.urls import reverse

from registry.models import Centre, Filing
from supervision.services import complaints as complaint_service
from tests.factories import filing_for

pytestmark = pytest.mark.django_db
CENTRE_PHONE = "08303123456"
CENTRE_MOBILE = "13912340000"


@pytest.mark.parametrize("phone", [CENTRE_PHONE, CENTRE_MOBILE])
def test_the_regulator_sees_the_centre_phone_whole(client_for, district_regulator, centre_a,
                                                   phone):
    Centre.objects.filter(pk=centre_a.pk).update(contact_name="张老师", contact_phone=phone)
    filing_for(centre_a, Filing.Status.SUBMITTED)
    client = client_for(district_regulator)
    for url in (reverse("registry:centre-detail", args=[centre_a.pk]),
                reverse("registry:review", args=[centre_a.pk])):
        body = client.get(url).content.decode()
        assert phone in body, url
        assert "****" not in body.split(phone)[0][-40:], url


def test_peoples_numbers_stay_masked(client_for, district_regulator, centre_a):
    complaint = complaint_service.receive_complaint(
        centre=centre_a, channel="hotline", category="safety", summary="午睡无人看护",
        details="详情", complainant_name="周女士", complainant_phone="13912345678",
        by=district_regulator)
    body = client_for(district_regulator).get(
        reverse("supervision:complaint-detail", args=[complaint.pk])).content.decode()
    assert "13912345678" not in body and "139****5678" in body


def test_masking_is_for_people_only():
    from luhuituo.core.masking import mask_phone, organisation_phone

    assert mask_phone("13912345678") == "139****5678"
    assert organisation_phone(" 0830-3123456 ") == "0830-3123456"
