"""The feed URL follows the password: Django calls `password_changed` of every entry of
AUTH_PASSWORD_VALIDATORS whenever a user's password is set and saved (Change password, the
admin, `manage.py changepassword`), so this entry retires the user's feed URL then."""

from django.contrib.auth.models import AbstractBaseUser


class NewFeedTokenOnPasswordChange:
    """Not a rule about passwords (validate accepts all): a changed password gives the user a
    new calendar feed token, so a leaked feed URL stops working along with the old password."""

    def validate(self, password: str, user: AbstractBaseUser | None = None) -> None:
        return None

    def password_changed(self, password: str, user: AbstractBaseUser | None = None) -> None:
        if user is None or user.pk is None:
            return
        from order_calendar.services import feed_token_regenerate  # apps are loaded by now

        feed_token_regenerate(user=user)

    def get_help_text(self) -> str:
        return "Changing your password also gives you a new calendar feed URL."
