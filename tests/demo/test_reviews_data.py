import pytest
from django.urls import reverse

from evaluation.models import Review, family_satisfaction

pytestmark = pytest.mark.django_db


def test_the_demo_has_published_pending_and_rejected_reviews(demo_db, client):
    counts = {status: Review.objects.filter(status=status).count()
              for status in Review.Status.values}
    assert counts == {"pending": 1, "published": 5, "rejected": 1}
    pending = Review.objects.pending().select_related("author", "centre").get()
    assert (pending.author.username, pending.centre.name) == ("parent", "江阳区示范托育中心")
    rejected = Review.objects.get(status=Review.Status.REJECTED)
    summary = family_satisfaction(Review.objects.published().values_list("centre_id", flat=True))
    assert sorted(s["count"] for s in summary.values()) == [2, 3]
    first = next(centre for centre, s in summary.items() if s["count"] == 3)
    assert rejected.centre_id == first
    body = client.get(reverse("evaluation:public-centre-reviews", args=[first])).content
    assert rejected.comment not in body.decode()
