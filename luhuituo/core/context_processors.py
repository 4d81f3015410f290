from django.conf import settings


def platform(request):
    """Header data for every page: the platform name and the unread notification count."""
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = user.notifications.unread().count()
    return {"platform_name": settings.PLATFORM_NAME, "unread_notifications": unread}
