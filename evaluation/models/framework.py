"""The quality framework as data: a versioned standard (``Framework``), its dimensions, the
indicators scored under them, and the grade bands that turn a total into a grade and stars.
``Framework.consolidate(scores)`` does the arithmetic of an assessment. The rules are in
docs/rules/quality-assessment.md.

A new version of a standard is a new ``Framework`` row with its own dimensions, indicators and
bands (``copy_as_new_version``); an assessment will keep pointing at the version it used.
A version that assessments use is not edited (``is_in_use``; the support admin shows it
read-only).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from luhuituo.core.exceptions import DomainError

# Scores, maximum scores and band edges are kept to hundredths.
PLACES = 2


class FrameworkError(DomainError):
    """A framework refuses a change or a set of scores."""


class Framework(models.Model):
    """One version of a quality standard, e.g. WS/T 821-2023 version 1."""

    code = models.CharField(pgettext_lazy("quality standard", "standard"), max_length=40,
                            help_text=gettext_lazy("e.g. WS/T 821-2023"))
    title = models.CharField(gettext_lazy("title"), max_length=200)
    version = models.PositiveSmallIntegerField(gettext_lazy("version"), default=1)
    total_points = models.PositiveIntegerField(gettext_lazy("total points"))
    veto_cap_stars = models.PositiveSmallIntegerField(
        gettext_lazy("stars at most after a failed veto item"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=gettext_lazy("A result with a failed veto item gets the best grade band with "
                               "at most this many stars. Not confirmed by the standard."))
    is_active = models.BooleanField(
        pgettext_lazy("framework version", "active"), default=False, editable=False,
        help_text=gettext_lazy("The version new assessments use; at most one per standard."))
    source = models.TextField(gettext_lazy("source and confidence"), blank=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = gettext_lazy("quality framework")
        verbose_name_plural = gettext_lazy("quality frameworks")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"],
                                    name="evaluation_framework_version"),
            models.UniqueConstraint(fields=["code"], condition=Q(is_active=True),
                                    name="evaluation_framework_one_active"),
            models.CheckConstraint(condition=Q(veto_cap_stars__gte=1, veto_cap_stars__lte=5),
                                   name="evaluation_framework_veto_cap_stars"),
        ]

    def __str__(self) -> str:
        return f"{self.code}（v{self.version}）"

    @property
    def is_in_use(self) -> bool:
        """Assessments score against this version: it is no longer edited (copy it instead)."""
        return self.assessments.exists()

    # Completeness ---------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """What keeps this version from being used: points that do not add up, indicators
        without a maximum score, totals no grade band covers. Empty when complete."""
        problems = []
        dimensions = list(self.dimensions.prefetch_related("indicators"))
        points = sum(d.points for d in dimensions)
        if points != self.total_points:
            problems.append(_("The dimensions' points add up to %(sum)s, not the framework's "
                              "%(total)s.") % {"sum": points, "total": self.total_points})
        for dimension in dimensions:
            indicators = list(dimension.indicators.all())
            unknown = [i for i in indicators if i.max_score is None]
            problems += [_("Indicator %(code)s has no maximum score yet.") % {"code": i.code}
                         for i in unknown]
            maxima = sum((i.max_score for i in indicators if i.max_score is not None),
                         Decimal(0))
            if not unknown and maxima != dimension.points:
                problems.append(
                    _("The indicators of dimension %(dimension)s add up to %(sum)s, not its "
                      "%(points)s points.")
                    % {"dimension": dimension, "sum": number_text(maxima),
                       "points": dimension.points})
        return problems + self._band_problems(list(self.bands.all()))

    def _band_problems(self, bands: list[GradeBand]) -> list[str]:
        """The bands must cover every total from 0 up, each total in exactly one band."""
        if not bands:
            return [_("There are no grade bands.")]
        problems = [_("Grade bands %(one)s and %(other)s overlap.")
                    % {"one": one.grade, "other": other.grade}
                    for n, one in enumerate(bands) for other in bands[n + 1:]
                    if one.overlaps(other)]
        if problems:
            return problems
        bands = sorted(bands, key=lambda b: b.min_total)
        if bands[0].min_total != 0:
            problems.append(_("The lowest grade band starts at %(start)s, not 0.")
                            % {"start": number_text(bands[0].min_total)})
        for lower, upper in itertools.pairwise(bands):
            if lower.max_total != upper.min_total:
                problems.append(_("No grade band covers totals from %(start)s up to %(end)s.")
                                % {"start": number_text(lower.max_total),
                                   "end": number_text(upper.min_total)})
        top = bands[-1].max_total
        if top is not None and top <= self.total_points:
            problems.append(_("No grade band covers totals of %(start)s and above.")
                            % {"start": number_text(top)})
        return problems

    def activate(self) -> None:
        """Make this the version new assessments use, retiring the active version of the same
        standard. Refused while ``problems()`` lists anything."""
        with transaction.atomic():
            _lock_versions(self.code)
            problems = self.problems()
            if problems:
                raise FrameworkError(
                    _("%(framework)s cannot be activated: %(problems)s")
                    % {"framework": self, "problems": " ".join(problems)})
            Framework.objects.filter(code=self.code, is_active=True).exclude(pk=self.pk).update(
                is_active=False)
            self.is_active = True
            self.save(update_fields=["is_active"])

    @transaction.atomic
    def copy_as_new_version(self) -> Framework:
        """A draft copy with the next version number and its own dimensions, indicators and
        bands: change the copy, never the version assessments used."""
        latest = max(_lock_versions(self.code))
        copy = Framework.objects.create(
            code=self.code, title=self.title, version=latest + 1,
            total_points=self.total_points, veto_cap_stars=self.veto_cap_stars,
            source=self.source)
        for dimension in self.dimensions.prefetch_related("indicators"):
            indicators = list(dimension.indicators.all())
            dimension.pk, dimension.framework = None, copy
            dimension._state.adding = True
            dimension.save()
            for indicator in indicators:
                indicator.pk, indicator.dimension = None, dimension
            Indicator.objects.bulk_create(indicators)
        GradeBand.objects.bulk_create([
            GradeBand(framework=copy, grade=b.grade, min_total=b.min_total,
                      max_total=b.max_total, stars=b.stars, verified=b.verified)
            for b in self.bands.all()])
        return copy

    # Consolidation --------------------------------------------------------------------------

    def consolidate(self, scores) -> Consolidation:
        """Consolidate an assessment's scores, ``{indicator id: score}`` with a score for every
        indicator of this framework: the dimension totals, the total, the failed veto items,
        the grade band of the total and the band after the veto cap. Reads, never writes.
        Refuses (``FrameworkError``) a score that is not a number, has more than two decimal
        places, is below 0 or above the indicator's maximum, or is missing."""
        dimensions = list(self.dimensions.all())
        indicators = list(
            Indicator.objects.filter(dimension__framework=self)
            .order_by("dimension__order", "dimension__code", "order", "code"))
        by_id = {indicator.pk: indicator for indicator in indicators}
        if set(scores) - set(by_id):
            raise FrameworkError(_("Scores were given for indicators that are not in "
                                   "%(framework)s.") % {"framework": self})
        missing = [indicator.code for indicator in indicators if indicator.pk not in scores]
        if missing:
            raise FrameworkError(_("These indicators have no score: %(codes)s.")
                                 % {"codes": ", ".join(missing)})

        totals = {dimension.pk: Decimal(0) for dimension in dimensions}
        failed = []
        for indicator in indicators:
            score = indicator.check_score(scores[indicator.pk])
            totals[indicator.dimension_id] += score
            if indicator.is_veto and score < indicator.max_score:
                failed.append(indicator)
        total = sum(totals.values(), Decimal(0))

        bands = list(self.bands.all())
        band = next((band for band in bands if band.covers(total)), None)
        if band is None:
            raise FrameworkError(_("No grade band of %(framework)s covers a total of "
                                   "%(total)s.") % {"framework": self, "total": number_text(total)})
        result = band
        if failed and band.stars > self.veto_cap_stars:
            allowed = [b for b in bands if b.stars <= self.veto_cap_stars]
            result = (max(allowed, key=lambda b: (b.stars, b.min_total)) if allowed
                      else min(bands, key=lambda b: (b.stars, b.min_total)))
        return Consolidation(
            dimension_totals={d.code: totals[d.pk] for d in dimensions},
            total=total, failed_vetoes=failed, band_by_score=band, band=result)


@dataclass(frozen=True)
class Consolidation:
    """The arithmetic of one assessment (``Framework.consolidate``)."""

    dimension_totals: dict[str, Decimal]  # by dimension code, in the dimensions' order
    total: Decimal
    failed_vetoes: list[Indicator]         # in the indicators' order
    band_by_score: GradeBand               # the band the total falls in
    band: GradeBand                        # the result: band_by_score, or lower after the cap

    @property
    def grade(self) -> str:
        return self.band.grade

    @property
    def stars(self) -> int:
        return self.band.stars

    @property
    def capped(self) -> bool:
        """A failed veto item lowered the result below the band of the total."""
        return self.band != self.band_by_score


class Dimension(models.Model):
    """一级维度 — one of a framework's dimensions (a chapter of WS/T 821) with its points."""

    framework = models.ForeignKey(Framework, models.CASCADE, related_name="dimensions",
                                  verbose_name=gettext_lazy("framework"))
    order = models.PositiveSmallIntegerField(pgettext_lazy("position in a list", "order"))
    code = models.CharField(
        gettext_lazy("code"), max_length=10,
        validators=[RegexValidator(r"^[0-9]+\Z",
                                   gettext_lazy("A dimension's code is a number."))],
        help_text=gettext_lazy("The chapter of the standard, e.g. 9"))
    name = models.CharField(gettext_lazy("name"), max_length=100)
    points = models.PositiveIntegerField(pgettext_lazy("score", "points"))
    verified = models.BooleanField(
        pgettext_lazy("checked against the source", "verified"), default=False,
        help_text=gettext_lazy("The name and points were checked against the standard's text."))

    class Meta:
        ordering = ["framework", "order", "code"]
        verbose_name = gettext_lazy("dimension")
        verbose_name_plural = gettext_lazy("dimensions")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"],
                                    name="evaluation_dimension_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Indicator(models.Model):
    """An indicator scored in an assessment, e.g. 9.4.3. Its code starts with its dimension's
    code, so codes are unique within a framework."""

    dimension = models.ForeignKey(Dimension, models.CASCADE, related_name="indicators",
                                  verbose_name=gettext_lazy("dimension"))
    order = models.PositiveSmallIntegerField(pgettext_lazy("position in a list", "order"))
    code = models.CharField(
        gettext_lazy("code"), max_length=20,
        validators=[RegexValidator(
            r"^[0-9]+(\.[0-9]+)+\Z",
            gettext_lazy("An indicator's code is numbers joined by dots, e.g. 9.4.3."))])
    text = models.TextField(gettext_lazy("indicator text"))
    max_score = models.DecimalField(
        gettext_lazy("maximum score"), max_digits=7, decimal_places=PLACES, null=True,
        blank=True, validators=[MinValueValidator(0)],
        help_text=gettext_lazy("Empty while not known: the indicator cannot be scored then."))
    is_veto = models.BooleanField(
        gettext_lazy("veto item"), default=False,
        help_text=gettext_lazy("A basic indicator (一票否决): scored below its maximum, it "
                               "caps the result."))
    evidence_hint = models.TextField(gettext_lazy("evidence expected"), blank=True)
    verified = models.BooleanField(
        pgettext_lazy("checked against the source", "verified"), default=False,
        help_text=gettext_lazy("The code, text, maximum score and veto flag were checked "
                               "against the standard's text."))

    class Meta:
        ordering = ["dimension", "order", "code"]
        verbose_name = gettext_lazy("indicator")
        verbose_name_plural = gettext_lazy("indicators")
        constraints = [
            models.UniqueConstraint(fields=["dimension", "code"],
                                    name="evaluation_indicator_code"),
            models.CheckConstraint(condition=Q(max_score__gte=0) | Q(max_score__isnull=True),
                                   name="evaluation_indicator_max_score"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"

    def clean(self) -> None:
        super().clean()
        if self.dimension_id and self.code and not self.code.startswith(
                f"{self.dimension.code}."):
            prefix = f"{self.dimension.code}."
            raise ValidationError({"code": _(
                "An indicator of dimension %(dimension)s has a code starting with "
                "%(prefix)s.") % {"dimension": self.dimension, "prefix": prefix}})

    def check_score(self, value) -> Decimal:
        """``value`` as a score of this indicator, or ``FrameworkError``."""
        code = {"code": self.code}
        if self.max_score is None:
            raise FrameworkError(_("The maximum score of indicator %(code)s is not known yet, "
                                   "so it cannot be scored.") % code)
        score = None
        if isinstance(value, Decimal | int | str | float) and not isinstance(value, bool):
            try:
                score = Decimal(str(value).strip())
            except InvalidOperation:
                score = None
        if score is None or not score.is_finite():
            raise FrameworkError(_("The score of indicator %(code)s is not a number.") % code)
        if score.normalize().as_tuple().exponent < -PLACES:
            raise FrameworkError(_("The score of indicator %(code)s has more than two decimal "
                                   "places.") % code)
        if score < 0:
            raise FrameworkError(_("The score of indicator %(code)s cannot be below 0.") % code)
        if score > self.max_score:
            raise FrameworkError(_("The score of indicator %(code)s cannot be above its maximum "
                                   "of %(max)s.") % (code | {"max": number_text(self.max_score)}))
        return score


class GradeBand(models.Model):
    """A grade and its stars for totals from ``min_total`` (included) up to ``max_total`` (not
    included; empty: no upper end). A framework's bands never overlap."""

    framework = models.ForeignKey(Framework, models.CASCADE, related_name="bands",
                                  verbose_name=gettext_lazy("framework"))
    grade = models.CharField(pgettext_lazy("quality rating", "grade"), max_length=10)
    min_total = models.DecimalField(gettext_lazy("from total"), max_digits=7,
                                    decimal_places=PLACES, validators=[MinValueValidator(0)],
                                    help_text=gettext_lazy("Included."))
    max_total = models.DecimalField(
        gettext_lazy("up to total"), max_digits=7, decimal_places=PLACES, null=True, blank=True,
        help_text=gettext_lazy("Not included; empty for the top band."))
    stars = models.PositiveSmallIntegerField(
        gettext_lazy("stars"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    verified = models.BooleanField(
        pgettext_lazy("checked against the source", "verified"), default=False,
        help_text=gettext_lazy("The edges and stars were confirmed by the standard or the "
                               "health commission."))

    class Meta:
        ordering = ["framework", "-min_total"]
        verbose_name = gettext_lazy("grade band")
        verbose_name_plural = gettext_lazy("grade bands")
        constraints = [
            models.UniqueConstraint(fields=["framework", "grade"],
                                    name="evaluation_gradeband_grade"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5),
                                   name="evaluation_gradeband_stars"),
            models.CheckConstraint(condition=Q(min_total__gte=0),
                                   name="evaluation_gradeband_min_total"),
            models.CheckConstraint(condition=Q(max_total__isnull=True)
                                   | Q(max_total__gt=models.F("min_total")),
                                   name="evaluation_gradeband_max_total"),
        ]

    def __str__(self) -> str:
        return self.grade

    def covers(self, total: Decimal) -> bool:
        return self.min_total <= total and (self.max_total is None or total < self.max_total)

    def overlaps(self, other: GradeBand) -> bool:
        return ((other.max_total is None or self.min_total < other.max_total)
                and (self.max_total is None or other.min_total < self.max_total))

    # Set by the admin's band formset, which checks the bands it saves together against one
    # another instead of against the rows they replace.
    checked_with_siblings = False

    def clean(self) -> None:
        super().clean()
        if self.min_total is None:
            return
        if self.max_total is not None and self.max_total <= self.min_total:
            raise ValidationError({"max_total": _("A band ends above where it starts.")})
        if self.checked_with_siblings or not self.framework_id:
            return
        others = GradeBand.objects.filter(framework_id=self.framework_id).exclude(pk=self.pk)
        clash = next((other for other in others if self.overlaps(other)), None)
        if clash is not None:
            raise ValidationError({"min_total": _("This band overlaps grade band %(grade)s.")
                                   % {"grade": clash.grade}})


def _lock_versions(code: str) -> list[int]:
    """Lock the versions of a standard (two activations or two copies at once wait for each
    other) and return their numbers."""
    return list(Framework.objects.select_for_update().filter(code=code)
                .values_list("version", flat=True))


def number_text(value) -> str:
    """A number without trailing zeros: 82.5, 900."""
    return f"{Decimal(value).normalize():f}"
