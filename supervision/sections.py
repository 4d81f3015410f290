"""What supervision contributes to pages it shares with other apps (luhuituo.core.sections):
children, daily records, incidents, safety, inspections, annual reports and alerts in the
centre's own navigation, the same subjects on the regulator's page of a centre, and the centre's
random inspection results (一公开) in the public list of centres."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from luhuituo.core.sections import Link, register


def _centre_url(name: str):
    return lambda centre: reverse(f"supervision:{name}", args=[centre.pk])


def _list_url(name: str, **query):
    def url(centre):
        values = {key: getter(centre) for key, getter in query.items()}
        return f"{reverse(f'supervision:{name}')}?{urlencode(values)}"

    return url


register(
    "centre-nav",
    Link(_("Children"), _centre_url("child-list"), 80, ("child-", "children-report")),
    Link(_("Daily records"), _centre_url("daily-today"), 90, ("daily-today", "class-day")),
    Link(_("Incidents"), _centre_url("incident-list"), 100, ("incident-",)),
    Link(_("Safety"), _centre_url("safety-records"), 110,
         ("safety-records", "drill-create", "safety-check-create", "hazard-")),
    Link(_("Inspections"), _centre_url("centre-inspections"), 120,
         ("centre-inspections", "centre-rectification")),
    Link(_("Annual reports"), _centre_url("annual-reports"), 125,
         ("annual-reports", "annual-report-correct")),
    Link(_("Alerts"), _centre_url("centre-alerts"), 130, ("centre-alerts",)),
)

register(
    "regulator-centre",
    Link(_("Alerts"), _list_url("alert-inbox", q=lambda c: c.name), 10),
    Link(_("Children"), _centre_url("regulator-child-list"), 20),
    Link(_("Incidents"), _list_url("regulator-incident-list", q=lambda c: c.name), 30),
    Link(_("Plan an inspection"), _list_url("inspection-plan", centre=lambda c: c.pk), 40),
    Link(_("Issue a rectification order"),
         _list_url("rectification-create", centre=lambda c: c.pk), 50),
    Link(_("Annual reports"), _list_url("regulator-annual-reports",
                                        district=lambda c: c.region.code), 70),
)

register(
    "public-centre",
    Link(_("Random inspection results"), _centre_url("public-centre-random-results"), 10),
)
