"""The parent portal's demo: articles, applications in every state (with waiting positions and
a closed one), an account linked by a code with attendance to see, an unused code, and a
complaint with a photo — all written through the services."""

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from parents.models import Application, Article, ComplaintPhoto, LinkingCode
from parents.services.applications import waiting_position
from supervision.models import Attendance, Complaint, Guardian

pytestmark = pytest.mark.django_db
S = Application.Status


def test_the_demo_parent_portal(demo_db, client, rf, settings):
    published = Article.objects.published()
    assert published.count() >= 3
    assert {a.category for a in published} == {"policy", "subsidy", "guide"}
    assert all("<script" not in a.body for a in published)

    mine = Application.objects.filter(child__parent__username="parent2")
    assert {a.status for a in mine} == {S.SUBMITTED, S.WAITLISTED, S.ACCEPTED, S.DECLINED,
                                        S.WITHDRAWN, S.CLOSED}
    waiting = mine.get(status=S.WAITLISTED)
    assert waiting_position(waiting) == 2
    assert waiting_position(Application.objects.get(child__parent__username="parent3")) == 1
    assert mine.get(status=S.DECLINED).decline_reason
    accepted = mine.get(status=S.ACCEPTED)
    assert accepted.enrolled_child.guardians.get().user.username == "parent2"

    linked = Guardian.objects.get(user__username="parent3")
    assert Attendance.objects.filter(child=linked.child).exists()
    assert LinkingCode.objects.filter(guardian=linked, used_at__isnull=False).exists()
    assert LinkingCode.objects.usable().filter(
        guardian__child__centre__name="江阳区示范托育中心").count() == 1

    complaint = Complaint.objects.get(parent__username="parent2")
    photo = ComplaintPhoto.objects.get(complaint=complaint)
    assert photo.content_type == "image/png" and photo.file.size > 0

    for username in ("parent2", "parent3"):
        user = authenticate(rf.post("/login/"), username=username,
                            password=settings.DEMO_PASSWORD)
        assert user is not None, username
    client.force_login(user.__class__.objects.get(username="parent2"),
                       backend="luhuituo.core.auth.UsernameOrMobileBackend")
    page = client.get(reverse("parents:application-list"))
    assert page.status_code == 200
    assert "孙小满" in page.content.decode()
    assert client.get(reverse("parents:complaint-detail", args=[complaint.pk])).status_code == 200
    assert client.get(reverse("parents:complaint-photo", args=[photo.pk])).status_code == 200
    client.force_login(linked.user, backend="luhuituo.core.auth.UsernameOrMobileBackend")
    page = client.get(reverse("supervision:my-child-detail", args=[linked.child_id]))
    assert page.status_code == 200 and linked.child.name in page.content.decode()
