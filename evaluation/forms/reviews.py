"""Forms of reviews: the guardian's review, the regulator's moderation, the moderation list's
filters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import FilterForm, IdField, SearchField
from luhuituo.core.submissions import OneTimeForm

from ..models.reviews import (
    ASPECTS,
    COMMENT_MAX_LENGTH,
    RATING_MAX,
    RATING_MIN,
    Aspect,
    Review,
    rating_field,
)

RATING_CHOICES = [(n, str(n)) for n in range(RATING_MAX, RATING_MIN - 1, -1)]


class ReviewForm(OneTimeForm):
    """A rating from 1 to 5 for every aspect, and an optional comment."""

    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional, at most %(n)d characters. Do not name children or staff.")
        % {"n": COMMENT_MAX_LENGTH})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for aspect in reversed(ASPECTS):
            field = forms.TypedChoiceField(
                label=Aspect(aspect).label, choices=RATING_CHOICES, coerce=int,
                widget=forms.RadioSelect,
                help_text=_("5 is excellent, 1 is poor."),
                error_messages={"required": _("Give a rating from 1 to 5."),
                                "invalid_choice": _("Give a rating from 1 to 5.")})
            self.fields = {rating_field(aspect): field, **self.fields}

    def ratings(self) -> dict[str, int]:
        return {a: self.cleaned_data[rating_field(a)] for a in ASPECTS}


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for rejection"), max_length=200,
                             help_text=_("The author is told this reason."),
                             error_messages={"required": _("Give the reason for rejecting "
                                                           "the review.")})


class ReviewFilterForm(FilterForm):
    """Awaiting moderation unless another status (or all) is asked for."""

    ALL = "all"
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[*Review.Status.choices, (ALL, _("All"))])
    q = SearchField(label=_("Centre"), placeholder=_("Name of the centre"))


class ReplyForm(forms.Form):
    """The centre manager's one reply to a published review."""

    review = IdField(required=True)
    reply = forms.CharField(label=_("Your reply"), max_length=COMMENT_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Shown under the review on the public page. You can "
                                        "reply once."),
                            error_messages={"required": _("Write the reply.")})
