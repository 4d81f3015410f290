"""审计动作 — every action the audit trail records, one enumeration with display labels.

The audit trail stores the code (``filing_accepted``); pages show the label, which completes
"<who> …" in the reader's language. A service passes ``Verb.FILING_ACCEPTED``; ``audit()``
refuses a verb that is not listed here, so no free string reaches the trail. An app that adds
a workflow adds its verbs here (codes are plain strings: the kernel imports no app).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Verb(models.TextChoices):
    # accounts (core)
    LOGIN = "login", _("logged in")
    LOGOUT = "logout", _("logged out")
    LOGIN_ADDRESS_LIMITED = "login_address_limited", _(
        "was refused a login: too many failures from one address")
    PASSWORD_CHANGE = "password_change", _("changed the password")
    ACCOUNT_SETUP = "account_setup", _("set up the account")
    CALENDAR_YEAR_ENTERED = "calendar_year_entered", _("entered a year's working-day calendar")

    # centres (registry)
    CENTRE_REGISTERED = "centre_registered", _("registered the centre")
    CENTRE_PROFILE_UPDATED = "centre_profile_updated", _("updated the centre's details")
    CENTRE_PHOTO_ADDED = "centre_photo_added", _("added a photo")
    CENTRE_PHOTO_DELETED = "centre_photo_deleted", _("deleted a photo")
    CENTRE_IMPORT = "centre_import", _("imported centres")
    CENTRE_EXPORT = "centre_export", _("exported the centre list")
    CLASS_CREATED = "class_created", _("added a class")
    CLASS_UPDATED = "class_updated", _("changed a class")
    CLASS_DELETED = "class_deleted", _("deleted a class")
    STAFF_CREATED = "staff_created", _("added a staff member")
    STAFF_UPDATED = "staff_updated", _("changed a staff record")
    TRAINING_RECORD_ADDED = "training_record_added", _("added a training record")
    FEE_SCHEDULE_ADDED = "fee_schedule_added", _("published a fee schedule")
    INSURANCE_POLICY_ADDED = "insurance_policy_added", _("recorded an insurance policy")
    MEMBER_INVITED = "member_invited", _("gave an account access")
    MEMBER_DEACTIVATED = "member_deactivated", _("removed an account's access")
    MEMBER_ACCOUNT_CREATED = "member_account_created", _("created an account for a colleague")

    # filing (registry)
    FILING_SUBMITTED = "filing_submitted", _("submitted the filing")
    FILING_RESUBMITTED = "filing_resubmitted", _("submitted the filing again")
    FILING_RETURNED = "filing_returned", _("returned the filing for correction")
    FILING_ACCEPTED = "filing_accepted", _("accepted the filing and issued the receipt")
    FILING_VERIFICATION_STARTED = "filing_verification_started", _("started verification")
    FILING_VERIFIED = "filing_verified", _("verified the centre")
    FILING_NONCONFORMING = "filing_nonconforming", _("found the centre non-conforming")
    FILING_RECTIFICATION = "filing_rectification", _("reported the rectification")
    FILING_SUSPENDED = "filing_suspended", _("suspended the centre")
    FILING_SUSPENSION_LIFTED = "filing_suspension_lifted", _("lifted the suspension")
    FILING_TERMINATION = "filing_termination", _("asked to terminate")
    FILING_DEREGISTERED = "filing_deregistered", _("deregistered the filing")
    FILING_MATERIAL_UPLOADED = "filing_material_uploaded", _("uploaded a material")
    CERTIFICATE_RENEWED = "certificate_renewed", _("uploaded a renewed certificate")
    CERTIFICATE_ACCEPTED = "certificate_accepted", _("accepted a renewed certificate")
    CERTIFICATE_RETURNED = "certificate_returned", _("returned a renewed certificate")
    CHANGE_SUBMITTED = "change_submitted", _("filed a change")
    CHANGE_ACCEPTED = "change_accepted", _("accepted a change filing")
    CHANGE_RETURNED = "change_returned", _("returned a change filing")
    CHANGE_VERIFIED = "change_verified", _("verified a change filing")
    CHANGE_NONCONFORMING = "change_nonconforming", _("found a change filing non-conforming")
    INCLUSIVE_APPLIED = "inclusive_applied", _("applied for inclusive recognition")
    INCLUSIVE_DECLINED = "inclusive_declined", _("declined the application for inclusive "
                                                 "recognition")
    INCLUSIVE_RECOGNISED = "inclusive_recognised", _("recognised the centre as inclusive")
    INCLUSIVE_REVOKED = "inclusive_revoked", _("revoked the centre's inclusive recognition")

    # children (supervision)
    CHILD_ENROLLED = "child_enrolled", _("enrolled a child")
    CHILD_UPDATED = "child_updated", _("corrected a child's details")
    CHILD_MOVED = "child_moved", _("moved a child to another class")
    CHILD_WITHDRAWN = "child_withdrawn", _("recorded a child's withdrawal")
    CHILD_READMITTED = "child_readmitted", _("readmitted a child")
    GUARDIAN_ADDED = "guardian_added", _("added a guardian")
    GUARDIAN_UPDATED = "guardian_updated", _("corrected a guardian's details")
    CONSENT_RECORDED = "consent_recorded", _("recorded a guardian's consent")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("recorded the withdrawal of a consent")
    HEALTH_CHECK_RECORDED = "health_check_recorded", _("recorded a health check")
    VACCINATION_CHECK_RECORDED = "vaccination_check_recorded", _("recorded a vaccination check")
    CHILDREN_REPORT_SUBMITTED = "children_report_submitted", _("sent the children report")
    ANNUAL_REPORT_SUBMITTED = "annual_report_submitted", _("submitted an annual report")
    ANNUAL_REPORT_CORRECTED = "annual_report_corrected", _("corrected an annual report")

    # daily records and safety (supervision)
    CLASS_DAY_SAVED = "class_day_saved", _("saved a class's daily record")
    GUARDIAN_TOLD = "guardian_told", _(
        "recorded that a guardian was told of an abnormal check")
    INCIDENT_REPORTED = "incident_reported", _("reported an incident")
    INCIDENT_GUARDIAN_NOTIFIED = "incident_guardian_notified", _(
        "recorded that the guardians were told of an incident")
    INCIDENT_AUTHORITY_REPORTED = "incident_authority_reported", _(
        "recorded the report of an incident to the authorities")
    INCIDENT_INVESTIGATION_STARTED = "incident_investigation_started", _(
        "started investigating an incident")
    INCIDENT_CLOSED = "incident_closed", _("closed an incident")
    DRILL_RECORDED = "drill_recorded", _("recorded a drill")
    SAFETY_CHECK_RECORDED = "safety_check_recorded", _("recorded a safety check")
    HAZARD_REPORTED = "hazard_reported", _("reported a hazard")
    HAZARD_FIXED = "hazard_fixed", _("marked a hazard as fixed")

    # inspections, rectification, complaints (supervision)
    INSPECTION_PLANNED = "inspection_planned", _("planned an inspection")
    INSPECTION_STARTED = "inspection_started", _("started an inspection")
    INSPECTION_ANSWERS_SAVED = "inspection_answers_saved", _("filled in an inspection checklist")
    FINDING_ADDED = "finding_added", _("recorded a finding")
    INSPECTION_FINDINGS_ISSUED = "inspection_findings_issued", _(
        "issued the findings of an inspection")
    INSPECTION_RECTIFICATION_ORDERED = "inspection_rectification_ordered", _(
        "ordered rectification after an inspection")
    INSPECTION_CLOSED = "inspection_closed", _("closed an inspection")
    INSPECTIONS_EXPORTED = "inspections_exported", _("exported the inspections")
    RANDOM_DRAW_MADE = "random_draw_made", _("drew centres and inspectors at random")
    RANDOM_DRAW_VERIFIED = "random_draw_verified", _("verified a random draw")
    INSPECTOR_CONFLICT_DECLARED = "inspector_conflict_declared", _(
        "recorded an inspector's conflict of interest")
    RECTIFICATION_ORDER_ISSUED = "rectification_order_issued", _("issued a rectification order")
    RECTIFICATION_ACKNOWLEDGED = "rectification_acknowledged", _(
        "acknowledged a rectification order")
    RECTIFICATION_SUBMITTED = "rectification_submitted", _("reported the rectification done")
    RECTIFICATION_CLOSED = "rectification_closed", _("verified and closed a rectification order")
    RECTIFICATION_REOPENED = "rectification_reopened", _("re-opened a rectification order")
    COMPLAINT_RECEIVED = "complaint_received", _("recorded a complaint")
    COMPLAINT_ASSIGNED = "complaint_assigned", _("assigned a complaint")
    COMPLAINT_LINKED = "complaint_linked", _("linked a complaint to an inspection")
    COMPLAINT_ANSWERED = "complaint_answered", _("answered a complaint")
    COMPLAINT_CLOSED = "complaint_closed", _("closed a complaint")

    # reviews (evaluation)
    REVIEW_SUBMITTED = "review_submitted", _("reviewed a centre")
    REVIEW_PUBLISHED = "review_published", _("published a review")
    REVIEW_REJECTED = "review_rejected", _("rejected a review")
    REVIEW_REPLIED = "review_replied", _("replied to a review")

    # alerts (supervision)
    ALERT_ACKNOWLEDGED = "alert_acknowledged", _("acknowledged an alert")
    ALERT_ASSIGNED = "alert_assigned", _("assigned an alert")
    ALERT_NOTED = "alert_noted", _("added a note to an alert")
    ALERT_RESOLVED = "alert_resolved", _("resolved an alert")
    # evaluation: the staff ban list
    BAN_ENTERED = "ban_entered", _("entered a ban list entry")
    BAN_PROPOSED = "ban_proposed", _("proposed a ban list entry")
    BAN_CONFIRMED = "ban_confirmed", _("confirmed a ban list entry")
    BAN_LIFTED = "ban_lifted", _("lifted a ban list entry")

    # credit records (evaluation)
    CREDIT_APPEALED = "credit_appealed", _("appealed a credit event")
    CREDIT_APPEAL_UPHELD = "credit_appeal_upheld", _("upheld a credit appeal")
    CREDIT_APPEAL_REJECTED = "credit_appeal_rejected", _("rejected a credit appeal")
    CREDIT_COMMENDED = "credit_commended", _("entered a commendation")
    CREDIT_EXPORT = "credit_export", _("exported the credit grades")

    # quality assessments and star ratings (evaluation)
    ASSESSMENT_STARTED = "assessment_started", _("started a self-assessment")
    ASSESSMENT_ASSIGNED = "assessment_assigned", _("assigned an on-site assessment")
    ASSESSMENT_SCORED = "assessment_scored", _("scored an indicator")
    ASSESSMENT_SUBMITTED = "assessment_submitted", _("submitted an assessment")
    ASSESSMENT_RETURNED = "assessment_returned", _("returned an assessment for correction")
    ASSESSMENT_APPROVED = "assessment_approved", _("approved an assessment")
    ASSESSMENT_CANCELLED = "assessment_cancelled", _("cancelled an assessment")
    RATING_PUBLISHED = "rating_published", _("published a star rating")
    RATING_REVIEW_OPENED = "rating_review_opened", _("opened a downgrade review")
    RATING_KEPT = "rating_kept", _("kept a star rating after review")
    RATING_DOWNGRADED = "rating_downgraded", _("downgraded a star rating")
    ASSESSMENT_EXPORT = "assessment_export", _("exported the assessments")
    RATING_EXPORT = "rating_export", _("exported the star ratings")

    # the parent portal (parents)
    ARTICLE_SAVED = "article_saved", _("saved an article for parents")
    ARTICLE_PUBLISHED = "article_published", _("published an article for parents")
    ARTICLE_WITHDRAWN = "article_withdrawn", _("withdrew an article for parents")
    # parent accounts and linking (parents)
    PARENT_REGISTERED = "parent_registered", _("registered a parent account")
    LINKING_CODE_ISSUED = "linking_code_issued", _("issued a linking code for a guardian")
    LINKING_CODE_USED = "linking_code_used", _("linked the account to a child with a code")
    LINKING_CODE_FAILED = "linking_code_failed", _("entered a wrong linking code")
    APPLICANT_CHILD_ADDED = "applicant_child_added", _(
        "added a child to apply for a place, with consent to the child privacy rules")
    APPLICATION_SUBMITTED = "application_submitted", _("applied for a place")
    APPLICATION_WAITLISTED = "application_waitlisted", _(
        "put an application on the waiting list")
    APPLICATION_ACCEPTED = "application_accepted", _("accepted an application")
    APPLICATION_DECLINED = "application_declined", _("declined an application")
    APPLICATION_WITHDRAWN = "application_withdrawn", _("withdrew an application")
    APPLICATION_CLOSED = "application_closed", _(
        "closed an application: the child was placed at another centre")


# The dotted codes used before the enumeration, and what they became (data migration
# core.0007 rewrites stored events; nothing writes the old codes any more).
RENAMED = {
    "alert.acknowledge": Verb.ALERT_ACKNOWLEDGED,
    "alert.assign": Verb.ALERT_ASSIGNED,
    "alert.note": Verb.ALERT_NOTED,
    "alert.resolve": Verb.ALERT_RESOLVED,
    "daily.class_day_saved": Verb.CLASS_DAY_SAVED,
    "incident.reported": Verb.INCIDENT_REPORTED,
    "incident.guardian_notified": Verb.INCIDENT_GUARDIAN_NOTIFIED,
    "incident.authority_reported": Verb.INCIDENT_AUTHORITY_REPORTED,
    "incident.investigation_started": Verb.INCIDENT_INVESTIGATION_STARTED,
    "incident.closed": Verb.INCIDENT_CLOSED,
    "safety.drill_recorded": Verb.DRILL_RECORDED,
    "safety.check_recorded": Verb.SAFETY_CHECK_RECORDED,
    "safety.hazard_reported": Verb.HAZARD_REPORTED,
    "safety.hazard_fixed": Verb.HAZARD_FIXED,
}


def verb_choices() -> list[tuple[str, str]]:
    """The field's choices, as a callable so that adding a verb needs no migration."""
    return Verb.choices
