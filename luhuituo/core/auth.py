"""Login with a username or a mainland mobile number, and a password."""

from django.contrib.auth.backends import ModelBackend

from .models import User
from .validators import is_mobile, normalise_mobile


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        identifier = username.strip()
        if is_mobile(identifier):
            user = User.objects.filter(mobile=normalise_mobile(identifier)).first()
        else:
            user = User.objects.filter(username__iexact=identifier).first()
        if user is None:
            # Spend the same time hashing as for a real user, so timing does not tell.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
