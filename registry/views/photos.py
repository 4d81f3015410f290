"""A centre's photos: the members' page (the manager adds and deletes them) and the photo file
itself, served to anyone once the centre is listed publicly and, before that, only to the
centre's members and the regulators responsible."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from luhuituo.core.exceptions import DomainError
from luhuituo.core.submissions import submit_once
from luhuituo.core.uploads import file_response

from ..centres import MAX_CENTRE_PHOTOS, add_centre_photo, delete_centre_photo
from ..forms_photos import CentrePhotoForm
from ..models import CentrePhoto
from ..permissions import centre_member_required

# How long browsers (and, for a public centre, shared caches) may keep a photo: one taken down
# may linger that long.
PHOTO_MAX_AGE = 60 * 60


def _render_photos(request: HttpRequest, form: CentrePhotoForm | None = None, *,
                   status: int = 200) -> HttpResponse:
    centre = request.centre
    is_manager = request.membership.is_manager
    photos = list(centre.photos.all())
    if is_manager and form is None:
        form = CentrePhotoForm()
    return render(request, "registry/centre/photos.html", {
        "centre": centre, "membership": request.membership, "photos": photos,
        "form": form if is_manager else None, "max_photos": MAX_CENTRE_PHOTOS,
        "full": len(photos) >= MAX_CENTRE_PHOTOS,
        "listed_publicly": centre.filing.is_listed_publicly,
    }, status=status)


@require_GET
@centre_member_required
def photo_list(request: HttpRequest, centre_id: int) -> HttpResponse:
    return _render_photos(request)


@require_POST
@centre_member_required(manager=True)
def photo_upload(request: HttpRequest, centre_id: int) -> HttpResponse:
    form = CentrePhotoForm(request.POST, request.FILES)

    def add(data):
        try:
            return add_centre_photo(centre=request.centre, by=request.user,
                                    uploaded=data["image"], caption=data["caption"],
                                    request=request)
        except ValidationError as exc:  # the file, or one photo too many
            raise DomainError(" ".join(exc.messages),
                              field=None if exc.code == "too_many" else "image") from None

    call = submit_once(request, form, add, url=reverse("registry:photo-list", args=[centre_id]))
    if call.ok:
        if not call.repeat:
            messages.success(request, _("The photo has been added."))
        return redirect(call.url)
    return _render_photos(request, form, status=422)


@require_POST
@centre_member_required(manager=True)
def photo_delete(request: HttpRequest, centre_id: int, pk: int) -> HttpResponse:
    photo = get_object_or_404(request.centre.photos.select_related("centre"), pk=pk)
    delete_centre_photo(photo=photo, by=request.user, request=request)
    messages.success(request, _("The photo has been deleted."))
    return redirect("registry:photo-list", centre_id)


@require_GET
def photo_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The image: public for a publicly listed centre; otherwise for the centre's members and
    the regulators responsible, 404 for anyone else."""
    photo = CentrePhoto.objects.public().filter(pk=pk).first()
    public = photo is not None
    if not public:
        photo = get_object_or_404(CentrePhoto.objects.visible_to(request.user), pk=pk)
    return file_response(photo.image, content_type=photo.content_type, public=public,
                         max_age=PHOTO_MAX_AGE)
