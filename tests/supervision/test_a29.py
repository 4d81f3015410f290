"""Rule A29 (issue "Rules that can be dodged", item 5): an inclusive centre's monthly care fee
above PUHUI_PRICE_RATIO × the monthly per-capita disposable income of its district (else its
city), with the figure, year and source in the message; checked monthly and whenever a fee
schedule or the inclusive status changes."""

import datetime as dt
import logging
from decimal import Decimal

import pytest

from luhuituo.core import jobs
from luhuituo.core.models import DisposableIncome, Job
from registry import centres as centre_services
from registry import inclusive
from registry.models import Filing
from supervision.checks import engine, registry
from supervision.models import Alert
from tests.factories import (
    CentreFactory,
    CentreUserFactory,
    FeeScheduleFactory,
    MembershipFactory,
    RegulatorFactory,
    region,
)
from tests.queries import query_count

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 28, 2, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def incomes():
    """Only the figures a test loads: 泸州市, urban residents, 2025: 48,000 → a cap of 1,200."""
    DisposableIncome.objects.all().delete()
    return DisposableIncome.objects.create(
        region=region("510500"), year=2025, kind="urban", annual_yuan=48_000,
        source="泸州市2025年国民经济和社会发展统计公报")


@pytest.fixture
def regulator():
    return RegulatorFactory(username="jy", region_code="510502")


def inclusive_centre(regulator, fee, *, code="510502", status=Filing.Status.VERIFIED,
                     **fees):
    centre = CentreFactory(region=region(code), filing=status)
    FeeScheduleFactory(centre=centre, effective_from=dt.date(2026, 1, 1),
                       toddler_small_fee=Decimal(fee), **fees)
    inclusive.recognise_inclusive(centre=centre, by=regulator, effective_on=dt.date(2026, 2, 1),
                                  basis="江卫发〔2026〕1号")
    return centre


def alerts():
    return list(Alert.objects.open().filter(rule="A29"))


def test_a29_is_registered_orange_and_monthly():
    rule = registry.get("A29")
    assert rule.severity == "orange" and rule.schedule == "monthly"
    assert "A29" in registry.rules_for_schedule("monthly")


def test_a_fee_above_the_cap_raises_an_alert_with_fee_cap_income_year_and_source(regulator):
    centre = inclusive_centre(regulator, 1250, infant_fee=Decimal(1400))
    result = engine.run_rule("A29", NOW)
    assert result.created == 1
    (alert,) = alerts()
    assert (alert.centre_id, alert.severity) == (centre.pk, "orange")
    assert alert.subject_id == centre.fee_schedules.get().pk
    for shown in ("1,250", "1,400", "1,200", "48,000", "2025", "泸州市",
                  "泸州市2025年国民经济和社会发展统计公报", "30"):
        assert shown in alert.message, (shown, alert.message)


def test_a_fee_exactly_at_the_cap_raises_nothing(regulator):
    inclusive_centre(regulator, 1200)
    assert engine.run_rule("A29", NOW).created == 0


def test_centres_not_inclusive_or_not_operating_raise_nothing(regulator):
    not_inclusive = CentreFactory(filing=Filing.Status.VERIFIED)
    FeeScheduleFactory(centre=not_inclusive, toddler_small_fee=Decimal(2000))
    suspended = inclusive_centre(regulator, 2000)
    Filing.objects.filter(centre=suspended).update(status=Filing.Status.SUSPENDED)
    assert engine.run_rule("A29", NOW).created == 0


def test_the_district_figure_comes_before_the_citys(regulator):
    DisposableIncome.objects.create(region=region("510502"), year=2025, kind="urban",
                                    annual_yuan=40_000, source="江阳区2025年统计公报")
    inclusive_centre(regulator, 1100)  # under the city's cap (1,200), above 江阳区's (1,000)
    inclusive_centre(RegulatorFactory(username="nx", region_code="510503"), 1100, code="510503")
    engine.run_rule("A29", NOW)
    (alert,) = alerts()
    assert "江阳区" in alert.message and "1,000" in alert.message


def test_a_missing_income_figure_raises_no_alert_but_is_logged(regulator, caplog, settings):
    inclusive_centre(regulator, 5000)
    settings.PUHUI_INCOME_KIND = "all"  # only the urban figure is loaded
    with caplog.at_level(logging.WARNING, logger="supervision.checks.rules.pricing"):
        assert engine.run_rule("A29", NOW).created == 0
    assert "泸州市/江阳区" in caplog.text and "not checked" in caplog.text


def test_the_year_and_the_ratio_are_settings(regulator, settings):
    DisposableIncome.objects.create(region=region("510500"), year=2024, kind="urban",
                                    annual_yuan=36_000, source="2024 bulletin")
    inclusive_centre(regulator, 1000)
    assert engine.run_rule("A29", NOW).created == 0  # 2025: cap 1,200
    settings.PUHUI_INCOME_YEAR = 2024  # cap 900
    assert engine.run_rule("A29", NOW).created == 1
    assert "2024 bulletin" in alerts()[0].message
    settings.PUHUI_INCOME_YEAR = 0
    settings.PUHUI_PRICE_RATIO = Decimal("0.20")  # 2025 at 20%: cap 800
    engine.run_rule("A29", NOW)
    assert "800" in alerts()[0].message


def test_revoking_the_status_clears_the_alert(regulator):
    centre = inclusive_centre(regulator, 1300)
    engine.run_rule("A29", NOW)
    assert len(alerts()) == 1
    inclusive.revoke_inclusive(centre=centre, by=regulator, effective_on=TODAY,
                               basis="不再符合普惠条件")
    assert engine.run_rule("A29", NOW).resolved == 1


def test_a_new_fee_schedule_queues_the_check(regulator, django_capture_on_commit_callbacks):
    centre = inclusive_centre(regulator, 1000)
    Job.objects.all().delete()
    manager = CentreUserFactory()
    MembershipFactory(user=manager, centre=centre, role="manager")
    with django_capture_on_commit_callbacks(execute=False):
        centre_services.add_fee_schedule(centre=centre, by=manager, data={
            "effective_from": dt.date(2026, 11, 1), "toddler_small_fee": Decimal(1500)})
    job = Job.objects.get()
    assert (job.task, job.kwargs) == ("supervision.checks.engine.run_rules", {"codes": ["A29"]})
    assert jobs.run(job.pk) == Job.Status.DONE
    assert Alert.objects.filter(rule="A29", centre=centre).exists()


def test_recognition_queues_the_check_too(regulator, django_capture_on_commit_callbacks):
    Job.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=False):
        inclusive_centre(regulator, 1500)
    assert Job.objects.filter(task="supervision.checks.engine.run_rules",
                              kwargs={"codes": ["A29"]}).count() == 1  # coalesced


def test_a29_queries_do_not_grow_with_centres(regulator):
    for fee in (1300, 1100):
        inclusive_centre(regulator, fee)
    few, _result = query_count(lambda: list(registry.get("A29").func(NOW)))
    for fee in (1300, 1400, 900, 1250):
        inclusive_centre(regulator, fee)
    inclusive_centre(RegulatorFactory(username="nx", region_code="510503"), 1500, code="510503")
    many, hits = query_count(lambda: list(registry.get("A29").func(NOW)))
    assert len(hits) == 5  # 1,300 twice, 1,400, 1,250, 1,500 (纳溪区)
    assert many == few


def test_the_alert_leads_to_the_fees(regulator):
    from django.urls import reverse

    from supervision.views.alerts import subject_url

    centre = inclusive_centre(regulator, 1300)
    engine.run_rule("A29", NOW)
    (alert,) = alerts()
    manager = CentreUserFactory()
    MembershipFactory(user=manager, centre=centre, role="manager")
    assert subject_url(alert, regulator) == reverse("registry:centre-detail", args=[centre.pk])
    assert subject_url(alert, manager) == reverse("registry:fee-schedule", args=[centre.pk])
