"""The regulator's article form and the public list's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from luhuituo.core.forms import FilterForm, SearchField, no_control_characters
from luhuituo.core.models import Region

from ..models import Article, clean_body


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "category", "region", "summary", "body", "source"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14}),
                   "summary": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "title": {"required": _("Give the article a title.")},
            "category": {"required": _("Choose a category.")},
            "body": {"required": _("Write the article's text.")},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        regions = Region.objects.filter(pk__in=user.scope_region_ids).order_by("code")
        self.fields["region"].queryset = regions
        self.fields["region"].required = not user.is_city_regulator
        self.fields["region"].empty_label = (_("The whole city") if user.is_city_regulator
                                             else None)
        for name in ("title", "summary", "source"):
            self.fields[name].validators.append(no_control_characters)

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not clean_body(body).strip():
            raise forms.ValidationError(_("Nothing of the text is left once cleaned: write "
                                          "paragraphs of text."))
        return body

    def clean(self):
        data = super().clean()
        probe = Article(region=data.get("region"))
        if "region" in data and not probe.can_edit(self.user):
            self.add_error("region", _("You can write for the regions you oversee only."))
        return data


class ArticleFilterForm(FilterForm):
    q = SearchField(placeholder=_("Title"))
    category = forms.ChoiceField(label=_("Category"), required=False,
                                 choices=[("", _("All")), *Article.Category.choices])
