"""Bulk import of centres from the Excel template (批量导入).

A regulator uploads the template filled in (``start_import``); a durable background job
(``run_import``, luhuituo.core.jobs) calls ``run_import_job``, which reads the workbook, checks
every row with the Centre model's own rules (``CentreRowForm``: a ModelForm, so field validators and
the model's constraints run through ``full_clean``) plus the import's own (the district is in the
importer's jurisdiction, codes are unique within the file), then saves — or not, as the job's
mode says — in one transaction. Each imported centre gets its Filing: "filed" when the row
has a filing number, a draft otherwise.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException
from stdnum.cn import uscc as uscc_code

from luhuituo.core.audit import audit
from luhuituo.core.exceptions import DomainError
from luhuituo.core.jobs import enqueue
from luhuituo.core.models import Region, RegulatorScope, User
from luhuituo.core.verbs import Verb

from .models import Centre, Filing, FilingNumberSequence, ImportJob
from .validators import normalise_uscc

logger = logging.getLogger(__name__)

IMPORT_MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 5000
PROGRESS_EVERY = 20  # rows between two progress saves
FILING_NO_RE = re.compile(r"^\d{6}-\d{4}-\d{4}$")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The file's vocabulary is Chinese, like the paper forms it replaces: these labels are the
# format, not translatable text.
LEGAL_FORMS = {
    "事业单位": Centre.LegalForm.PUBLIC_INSTITUTION,
    "社会服务机构": Centre.LegalForm.SOCIAL_SERVICE_ORG,
    "企业": Centre.LegalForm.ENTERPRISE,
}
KINDS = {
    "社区": Centre.Kind.COMMUNITY,
    "托幼一体化": Centre.Kind.KINDERGARTEN_INTEGRATED,
    "医育结合": Centre.Kind.MEDICAL_INTEGRATED,
    "单位福利": Centre.Kind.EMPLOYER,
    "其他": Centre.Kind.OTHER,
}
SERVICE_FORMS = {
    "全日托": Centre.ServiceForm.FULL_DAY,
    "半日托": Centre.ServiceForm.HALF_DAY,
    "计时托": Centre.ServiceForm.HOURLY,
    "临时托": Centre.ServiceForm.TEMPORARY,
}
TENURES = {"自有": Centre.Tenure.OWNED, "租赁": Centre.Tenure.LEASED}
YES_NO = {"是": True, "否": False}
SERVICE_FORM_SEPARATORS = re.compile(r"[,，、;；/\s]+")


@dataclass(frozen=True)
class Column:
    field: str
    header: str
    help: str
    example: object
    text: bool = False  # formatted as text in the template: codes Excel would mangle as numbers


def _example_uscc() -> str:
    base = "91510502MA6ABCDE1"
    return base + uscc_code.calc_check_digit(base)


COLUMNS = [
    Column("name", "机构名称", gettext_lazy("Required. The centre's registered name."),
           "江阳区示例托育中心"),
    Column("region", "区县", gettext_lazy(
        "Required. The district or county, by name (江阳区) or division code (510502); it must "
        "be in your jurisdiction."), "江阳区", text=True),
    Column("legal_form", "法人类型",
           gettext_lazy("Required. One of: 事业单位, 社会服务机构, 企业."), "企业"),
    Column("uscc", "统一社会信用代码", gettext_lazy(
        "Required. 18 characters, as on the business licence; unique."), _example_uscc(),
           text=True),
    Column("kind", "机构类型", gettext_lazy(
        "Required. One of: 社区, 托幼一体化, 医育结合, 单位福利, 其他."), "社区"),
    Column("address", "地址", gettext_lazy("Required. The street address of the premises."),
           "泸州市江阳区示例路1号"),
    Column("latitude", "纬度", gettext_lazy(
        "Required. Decimal degrees (WGS-84), e.g. 28.8718; must lie within Luzhou."), 28.8718),
    Column("longitude", "经度", gettext_lazy(
        "Required. Decimal degrees (WGS-84), e.g. 105.4423; must lie within Luzhou."), 105.4423),
    Column("approved_places", "核定托位数", gettext_lazy("Required. A whole number above 0."),
           80),
    Column("service_forms", "服务形式", gettext_lazy(
        "Required. One or more of 全日托, 半日托, 计时托, 临时托, separated by commas or 、."),
           "全日托、半日托"),
    Column("provides_meals", "是否提供膳食", gettext_lazy("Required. 是 or 否."), "是"),
    Column("tenure", "场地性质", gettext_lazy("Required. 自有 (owned) or 租赁 (leased)."), "租赁"),
    Column("lease_start", "租赁开始日期", gettext_lazy(
        "Required for leased premises. A date, e.g. 2024-01-01."), date(2024, 1, 1)),
    Column("lease_end", "租赁结束日期", gettext_lazy(
        "Required for leased premises. A date after the start."), date(2029, 12, 31)),
    Column("contact_name", "联系人", gettext_lazy("Optional. The contact person."), "王老师"),
    Column("contact_phone", "联系电话", gettext_lazy(
        "Required. A mobile number or a landline with its area code, e.g. 0830-2345678."),
           "0830-2345678", text=True),
    Column("legal_representative", "法定代表人", gettext_lazy("Required."), "李某"),
    Column("principal_name", "机构负责人", gettext_lazy("Required."), "王某"),
    Column("filing_no", "备案编号", gettext_lazy(
        "Optional. For a centre already filed: the filing number, e.g. 510502-2024-0001; "
        "unique. Without it the centre starts with a draft filing."), "510502-2024-0001",
           text=True),
    Column("filed_on", "备案日期", gettext_lazy(
        "Optional, only with a filing number: the date of the filing receipt."),
           date(2024, 3, 1)),
]
HEADERS = {column.field: column.header for column in COLUMNS}
EXAMPLE = {column.field: column.example for column in COLUMNS}


class ImportFileError(DomainError):
    """The file as a whole cannot be imported; the message is for the user."""


# --- who may import where ------------------------------------------------------------------


def importer_scopes(user: User) -> list[RegulatorScope]:
    """The user's regulator scopes that allow registering centres (not an assessor's)."""
    return [s for s in user.regulator_scopes if s.role == RegulatorScope.Role.REGULATOR]


def can_import(user: User) -> bool:
    return user.is_authenticated and bool(importer_scopes(user))


class RegionLookup:
    """The city's districts by name and by code, and those the importer may import into."""

    def __init__(self, user: User):
        scopes = importer_scopes(user)
        city_ids = {s.region_id for s in scopes if s.region.is_city}
        direct_ids = {s.region_id for s in scopes}
        self.by_key: dict[str, Region] = {}
        self.allowed: list[Region] = []
        for region in Region.objects.districts():
            self.by_key[region.name] = region
            self.by_key[region.code] = region
            if region.pk in direct_ids or region.parent_id in city_ids:
                self.allowed.append(region)
        self.allowed_ids = {region.pk for region in self.allowed}

    def find(self, value: str) -> Region | None:
        return self.by_key.get(value.strip())


# --- the upload ----------------------------------------------------------------------------


def check_workbook_upload(uploaded) -> None:
    """An .xlsx file by content (a zip holding a workbook part), at most IMPORT_MAX_BYTES."""
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if uploaded.size > IMPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s."), code="too_large",
            params={"size": filesizeformat(uploaded.size),
                    "limit": filesizeformat(IMPORT_MAX_BYTES)},
        )
    not_xlsx = ValidationError(
        _("This is not an Excel workbook (.xlsx): download the template, fill it in and upload "
          "it as .xlsx."), code="not_xlsx",
    )
    uploaded.seek(0)
    if uploaded.read(4) != b"PK\x03\x04":
        raise not_xlsx
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise not_xlsx
    except zipfile.BadZipFile:
        raise not_xlsx from None
    finally:
        uploaded.seek(0)


@transaction.atomic
def start_import(*, by: User, uploaded, mode: str, language: str) -> ImportJob:
    """Store the file as a new job and queue the task once the job is committed."""
    job = ImportJob(created_by=by, mode=mode, language=language,
                    original_name=(uploaded.name or "")[:200])
    job.file.save(uploaded.name or "import.xlsx", uploaded, save=False)
    job.save()
    job.task = enqueue("registry.imports.run_import", job_id=job.pk)
    job.save(update_fields=["task"])
    return job


# --- the template --------------------------------------------------------------------------


def template_workbook() -> bytes:
    """The template: the header row and one example row, and a sheet explaining each column."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "托育机构"
    sheet.append([column.header for column in COLUMNS])
    sheet.append([column.example for column in COLUMNS])
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        header = sheet.cell(row=1, column=index)
        header.font = bold
        letter = header.column_letter
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 4)
        if column.text:
            for row in range(2, 1002):
                sheet.cell(row=row, column=index).number_format = "@"
        elif isinstance(column.example, date):
            sheet.cell(row=2, column=index).number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("填写说明")
    notes.append([_("Column"), _("How to fill it in")])
    for cell in notes[1]:
        cell.font = bold
    for column in COLUMNS:
        notes.append([column.header, str(column.help)])
    notes.append([])
    notes.append([_("Notes"), _(
        "One centre per row, from row 2 of the first sheet. The example row is ignored if you "
        "leave it unchanged. Rows with errors are listed with their row number after the check."
    )])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 90

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- reading -------------------------------------------------------------------------------


def _cell(value):
    """Excel's typed values as the row form expects them."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return int(value)  # phone numbers and places typed as numbers: 80.0 → 80
    if isinstance(value, datetime):
        return value.date()
    return value


def _is_example(values: dict) -> bool:
    return values["name"] == EXAMPLE["name"] and values["uscc"] == EXAMPLE["uscc"]


def read_rows(fileobj) -> list[tuple[int, dict]]:
    """(Excel row number, {field: value}) for every non-empty row of the first sheet."""
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError,
            OSError) as exc:
        raise ImportFileError(_("The file could not be read as an Excel workbook (.xlsx).")
                              ) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None) or ()
        positions = {str(h).strip(): i for i, h in enumerate(header) if h is not None}
        missing = [column.header for column in COLUMNS if column.header not in positions]
        if missing:
            raise ImportFileError(_(
                "The first row must hold the template's column names; missing: %(columns)s."
            ) % {"columns": "、".join(missing)})
        result = []
        for row_no, values in enumerate(rows, start=2):
            cells = {
                column.field: _cell(values[positions[column.header]])
                if positions[column.header] < len(values) else None
                for column in COLUMNS
            }
            if all(v is None or v == "" for v in cells.values()) or _is_example(cells):
                continue
            if len(result) == MAX_ROWS:
                raise ImportFileError(_(
                    "The file has more than %(max)d centres: split it into several files."
                ) % {"max": MAX_ROWS})
            result.append((row_no, cells))
    finally:
        workbook.close()
    if not result:
        raise ImportFileError(_("The file has no centres in it: fill in one row per centre "
                                "under the column names."))
    return result


# --- checking one row ----------------------------------------------------------------------


def _not_one_of(value, labels) -> ValidationError:
    return ValidationError(
        _("“%(value)s” is not one of: %(choices)s."), code="invalid_choice",
        params={"value": value, "choices": "、".join(labels)},
    )


class LabelChoiceField(forms.TypedChoiceField):
    """A choice written in the file as its Chinese label: 事业单位 → public_institution."""

    def __init__(self, labels: dict, **kwargs):
        self.labels = labels
        super().__init__(choices=[(label, label) for label in labels], coerce=labels.__getitem__,
                         **kwargs)

    def validate(self, value):
        if value not in self.empty_values and value not in self.labels:
            raise _not_one_of(value, self.labels)
        super().validate(value)


class CentreRowForm(forms.ModelForm):
    """One row of the file. The model's full_clean checks the field validators (credit code,
    phone), the unique credit code and the lease order; this form adds what only an import
    knows: required columns, the Chinese labels, the importer's jurisdiction, the city's
    bounds and codes repeated within the file."""

    REQUIRED = ["name", "uscc", "address", "contact_phone", "legal_representative",
                "principal_name"]

    region = forms.CharField()
    legal_form = LabelChoiceField(LEGAL_FORMS)
    kind = LabelChoiceField(KINDS)
    provides_meals = LabelChoiceField(YES_NO)
    tenure = LabelChoiceField(TENURES)
    service_forms = forms.CharField()
    latitude = forms.DecimalField()
    longitude = forms.DecimalField()
    approved_places = forms.IntegerField(min_value=1)
    lease_start = forms.DateField(required=False)
    lease_end = forms.DateField(required=False)
    filing_no = forms.CharField(required=False)
    filed_on = forms.DateField(required=False)

    class Meta:
        model = Centre
        fields = ["name", "region", "legal_form", "uscc", "kind", "address",
                  "latitude", "longitude", "approved_places", "service_forms", "provides_meals",
                  "tenure", "lease_start", "lease_end", "contact_name", "contact_phone",
                  "legal_representative", "principal_name"]

    def __init__(self, data, *, row: int, regions: RegionLookup, seen: dict[str, dict], **kw):
        super().__init__(data, **kw)
        self.row = row
        self.regions = regions
        self.seen = seen
        for name in self.REQUIRED:
            self.fields[name].required = True

    def _once_in_file(self, kind: str, value: str) -> None:
        first = self.seen.setdefault(kind, {}).setdefault(value, self.row)
        if first != self.row:
            raise ValidationError(_("Row %(row)d of this file has the same value."),
                                  code="duplicate_in_file", params={"row": first})

    def clean_region(self):
        value = str(self.cleaned_data["region"])
        region = self.regions.find(value)
        if region is None:
            raise ValidationError(
                _("“%(value)s” is not a district or county of the city: write its name (江阳区) "
                  "or its division code (510502)."), code="unknown_region",
                params={"value": value})
        if region.pk not in self.regions.allowed_ids:
            raise ValidationError(
                _("%(region)s is outside your jurisdiction; you can import centres in: "
                  "%(allowed)s."), code="outside_scope",
                params={"region": region.name,
                        "allowed": "、".join(r.name for r in self.regions.allowed)})
        return region

    def clean_uscc(self):
        value = normalise_uscc(self.cleaned_data["uscc"])
        self._once_in_file("uscc", value)
        return value

    def _within(self, field: str, axis: str, label: str) -> Decimal:
        value = self.cleaned_data[field]
        low, high = settings.CITY_BOUNDS[axis]
        if not low <= value <= high:
            raise ValidationError(
                _("This point is outside Luzhou: the %(axis)s must be between %(low)s and "
                  "%(high)s."), code="outside_city",
                params={"axis": label, "low": low, "high": high})
        return value.quantize(Decimal("0.000001"))

    def clean_latitude(self):
        return self._within("latitude", "lat", _("latitude"))

    def clean_longitude(self):
        return self._within("longitude", "lng", _("longitude"))

    def clean_service_forms(self):
        parts = [p for p in SERVICE_FORM_SEPARATORS.split(self.cleaned_data["service_forms"])
                 if p]
        unknown = [p for p in parts if p not in SERVICE_FORMS]
        if unknown or not parts:
            raise _not_one_of("、".join(unknown), SERVICE_FORMS)
        return list(dict.fromkeys(SERVICE_FORMS[p] for p in parts))

    def clean_filing_no(self):
        value = str(self.cleaned_data["filing_no"] or "").strip()
        if not value:
            return ""
        if not FILING_NO_RE.match(value):
            raise ValidationError(
                _("A filing number has the form 510502-2024-0001 (division code, year, number)."),
                code="invalid_filing_no")
        self._once_in_file("filing_no", value)
        try:
            Filing(filing_no=value).validate_unique()
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["filing_no"]) from None
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("tenure") == Centre.Tenure.LEASED:
            for field in ("lease_start", "lease_end"):
                if field in cleaned and not cleaned[field]:
                    self.add_error(field, ValidationError(
                        _("Required for leased premises."), code="required_for_lease"))
        filed_on = cleaned.get("filed_on")
        if filed_on and not cleaned.get("filing_no") and "filing_no" not in self.errors:
            self.add_error("filed_on", ValidationError(
                _("A filing date needs a filing number."), code="date_without_number"))
        elif filed_on and filed_on > timezone.localdate():
            self.add_error("filed_on", ValidationError(
                _("The filing date cannot be in the future."), code="future"))
        return cleaned

    def filing(self, centre: Centre, now: datetime) -> Filing:
        filing_no = self.cleaned_data["filing_no"]
        if not filing_no:
            return Filing(centre=centre)
        filed_on = self.cleaned_data["filed_on"]
        # Noon, so the receipt's date survives any time-zone conversion.
        filed_at = timezone.make_aware(datetime.combine(filed_on, time(12))) if filed_on else now
        return Filing(centre=centre, status=Filing.Status.FILED, filing_no=filing_no,
                      filed_at=filed_at)


# The Centre's constraints report to the whole row; these are the columns they are about.
CONSTRAINT_COLUMNS = {"registry_centre_unique_uscc": "uscc",
                      "registry_centre_lease_order": "lease_end"}


def _constraint_field(message: str) -> str:
    for constraint in Centre._meta.constraints:
        if message == str(constraint.get_violation_error_message()):
            return CONSTRAINT_COLUMNS.get(constraint.name, "")
    return ""


def row_errors(row: int, form: CentreRowForm) -> list[dict]:
    """{row, column, message} for each problem, with the column's header as in the file."""
    errors = []
    for field, field_errors in form.errors.as_data().items():
        for error in field_errors:
            for message in error.messages:
                column = _constraint_field(message) if field == NON_FIELD_ERRORS else field
                errors.append({"row": row, "column": HEADERS.get(column, ""),
                               "message": message})
    return errors


# --- saving --------------------------------------------------------------------------------


def _advance_filing_sequences(filing_numbers: list[str]) -> None:
    """Imported numbers take their place in the district's sequence, so the next number the
    platform issues (services.next_filing_number) does not collide with them."""
    highest: dict[tuple[str, int], int] = {}
    for number in filing_numbers:
        code, year, seq = number.split("-")
        key = (code, int(year))
        highest[key] = max(highest.get(key, 0), int(seq))
    regions = Region.objects.in_bulk([code for code, _year in highest], field_name="code")
    for (code, year), seq in sorted(highest.items()):
        if code not in regions:
            continue
        sequence, _created = FilingNumberSequence.objects.select_for_update().get_or_create(
            region=regions[code], year=year)
        if sequence.last < seq:
            sequence.last = seq
            sequence.save(update_fields=["last"])


def save_centres(rows: list[CentreRowForm]) -> int:
    """Create the centres and their filings; the caller holds the transaction."""
    now = timezone.now()
    centres = Centre.objects.bulk_create([form.instance for form in rows])
    Filing.objects.bulk_create([form.filing(c, now) for form, c in zip(rows, centres,
                                                                       strict=True)])
    _advance_filing_sequences([f.cleaned_data["filing_no"] for f in rows
                               if f.cleaned_data["filing_no"]])
    return len(centres)


# --- the job -------------------------------------------------------------------------------


def _finish(job: ImportJob, status: str, *, errors: list[dict], valid_rows: int = 0) -> None:
    """Record the outcome and audit the job, once."""
    job.status = status
    job.errors = errors
    job.finished_at = timezone.now()
    job.save()
    audit(Verb.CENTRE_IMPORT, actor=job.created_by, target=job, mode=job.mode, status=status,
          file=job.original_name, rows=job.total, valid_rows=valid_rows,
          rows_with_errors=len({e["row"] for e in errors if e["row"] is not None}),
          imported=job.imported)


def _fail(job: ImportJob, message: str) -> None:
    job.imported = 0
    _finish(job, ImportJob.Status.FAILED,
            errors=[{"row": None, "column": "", "message": str(message)}])


def _check_and_save(job: ImportJob) -> None:
    with job.file.open("rb") as fileobj:
        rows = read_rows(fileobj)
    job.total, job.processed = len(rows), 0
    job.save(update_fields=["total", "processed"])

    regions = RegionLookup(job.created_by)
    seen: dict[str, dict] = {}
    valid: list[CentreRowForm] = []
    errors: list[dict] = []
    for count, (row, values) in enumerate(rows, start=1):
        form = CentreRowForm(values, row=row, regions=regions, seen=seen)
        if form.is_valid():
            valid.append(form)
        else:
            errors.extend(row_errors(row, form))
        if count % PROGRESS_EVERY == 0:
            job.processed = count
            job.save(update_fields=["processed"])
    job.processed = job.total

    save = job.mode == ImportJob.Mode.VALID_ROWS or (job.mode == ImportJob.Mode.ALL
                                                     and not errors)
    with transaction.atomic():
        job.imported = save_centres(valid) if save and valid else 0
        _finish(job, ImportJob.Status.DONE, errors=errors, valid_rows=len(valid))


def run_import_job(job: ImportJob) -> ImportJob:
    """Check the job's file and import it as its mode says. Never raises for a bad file or a
    bad row: the job ends "done" with its row errors, or "failed" with the reason, and in
    either case nothing is half-saved."""
    if job.is_finished:  # a redelivered task
        return job
    job.status = ImportJob.Status.RUNNING
    job.save(update_fields=["status"])
    with translation.override(job.language):
        try:
            _check_and_save(job)
        except ImportFileError as exc:
            _fail(job, str(exc))
        except IntegrityError:
            logger.warning("import job %s: conflict while saving", job.pk, exc_info=True)
            _fail(job, _("Another centre with one of these credit codes or filing numbers was "
                         "registered while the file was being checked, so nothing was "
                         "imported. Upload the file again."))
        except Exception:
            logger.exception("import job %s failed", job.pk)
            _fail(job, _("The import stopped because of an unexpected error, and nothing was "
                         "imported. Try again later, or contact support with the file."))
    return job


def run_import(*, job_id: int) -> None:
    """The background job (luhuituo.core.jobs) that runs an uploaded import."""
    run_import_job(ImportJob.objects.select_related("created_by").get(pk=job_id))
