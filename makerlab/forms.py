from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator


class _BoundedUsernameMixin:
    """Refuse an over-long username before it reaches authentication.

    Django's AuthenticationForm sets max_length on the username after the field is built, so the
    length is never validated; an over-long name would reach django-axes' attempt log and fail there.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class StaffLoginForm(_BoundedUsernameMixin, AuthenticationForm):
    pass


class AdminLoginForm(_BoundedUsernameMixin, AdminAuthenticationForm):
    pass
