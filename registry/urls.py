"""Registry URLs. Centre side under /centre/, regulator side under /regulator/, public pages
at the root. Names are ``registry:<noun>-<verb>``."""

from django.urls import path

from .views import centre, changes, filing, imports, photos, public, regulator, regulator_centres

app_name = "registry"

urlpatterns = [
    # --- centre side: the centre's own data ---------------------------------------------------
    path("centre/", centre.centre_home, name="centre-home"),
    path("centre/new/", centre.centre_create, name="centre-create"),
    path("centre/<int:centre_id>/", centre.centre_overview, name="centre-overview"),
    path("centre/<int:centre_id>/profile/", centre.centre_profile, name="centre-profile"),
    path("centre/<int:centre_id>/fees/", centre.fee_schedule, name="fee-schedule"),
    path("centre/<int:centre_id>/inclusive/", centre.inclusive_status, name="inclusive-status"),
    path("centre/<int:centre_id>/classes/", centre.class_list, name="class-list"),
    path("centre/<int:centre_id>/classes/new/", centre.class_edit, name="class-create"),
    path("centre/<int:centre_id>/classes/<int:pk>/", centre.class_edit, name="class-edit"),
    path("centre/<int:centre_id>/classes/<int:pk>/delete/", centre.class_delete,
         name="class-delete"),
    path("centre/<int:centre_id>/staff/", centre.staff_list, name="staff-list"),
    path("centre/<int:centre_id>/staff/new/", centre.staff_edit, name="staff-create"),
    path("centre/<int:centre_id>/staff/<int:pk>/", centre.staff_edit, name="staff-edit"),
    path("centre/<int:centre_id>/staff/<int:pk>/training/", centre.training_add,
         name="training-add"),
    path("centre/<int:centre_id>/members/", centre.member_list, name="member-list"),
    # --- centre side: the filing ----------------------------------------------------------------
    path("centre/<int:centre_id>/filing/", filing.filing_detail, name="filing-detail"),
    path("centre/<int:centre_id>/filing/upload/", filing.material_upload, name="material-upload"),
    path("centre/<int:centre_id>/filing/submit/", filing.filing_submit, name="filing-submit"),
    path("centre/<int:centre_id>/filing/rectification/", filing.filing_rectification,
         name="filing-rectification"),
    path("centre/<int:centre_id>/filing/termination/", filing.filing_termination,
         name="filing-termination"),
    path("centre/<int:centre_id>/filing/renew/", filing.certificate_renew,
         name="certificate-renew"),
    path("centre/<int:centre_id>/changes/", changes.change_list, name="change-list"),
    path("centre/<int:centre_id>/changes/new/", changes.change_create, name="change-create"),
    path("regulator/changes/<int:pk>/decide/", changes.change_decide, name="change-decide"),
    path("filing-materials/<int:pk>/", filing.material_file, name="material-file"),
    path("filings/<int:centre_id>/receipt.pdf", filing.receipt_pdf, name="receipt-pdf"),
    path("filings/<int:centre_id>/notice.pdf", filing.notice_pdf, name="notice-pdf"),
    # --- regulator side ---------------------------------------------------------------------
    path("regulator/filings/", regulator.filing_queue, name="filing-queue"),
    path("regulator/filings/<int:centre_id>/", regulator.filing_review, name="review"),
    path("regulator/filings/<int:centre_id>/decide/", regulator.filing_decide,
         name="filing-decide"),
    path("regulator/centres/", regulator_centres.centre_list, name="centre-list"),
    path("regulator/centres/export/", regulator_centres.centre_export, name="centre-export"),
    path("regulator/centres/<int:centre_id>/", regulator_centres.centre_detail,
         name="centre-detail"),
    path("regulator/centres/<int:centre_id>/certificates/<int:pk>/review/",
         regulator_centres.certificate_review, name="certificate-review"),
    path("regulator/centres/<int:centre_id>/inclusive/", regulator_centres.inclusive_decide,
         name="inclusive-decide"),
    path("regulator/staff/duplicates/", regulator_centres.duplicate_staff, name="duplicate-staff"),
    path("regulator/import/", imports.import_start, name="import-start"),
    path("regulator/import/template.xlsx", imports.import_template, name="import-template"),
    path("regulator/import/<int:pk>/", imports.import_status, name="import-status"),
    # --- public -------------------------------------------------------------------------------
    path("centres/", public.verified_centres, name="public-centres"),
    path("centres/disclosures/", public.disclosures, name="public-disclosures"),
    path("verify/<str:token>/", public.verify_receipt, name="verify"),
    path("centre/<int:centre_id>/photos/", photos.photo_list, name="photo-list"),
    path("centre/<int:centre_id>/photos/upload/", photos.photo_upload, name="photo-upload"),
    path("centre/<int:centre_id>/photos/<int:pk>/delete/", photos.photo_delete,
         name="photo-delete"),
    path("photos/<int:pk>/", photos.photo_file, name="photo-file"),
]
