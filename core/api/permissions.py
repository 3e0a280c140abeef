"""The API asks the same model permissions the pages ask: view to read, add/change/delete to
write, and a bound action's own permission (`required_permission` on the view's action)."""

from rest_framework.permissions import DjangoModelPermissions


class ModelPermissions(DjangoModelPermissions):
    """DjangoModelPermissions that also needs the view permission to read. A view may set
    `permission_model` (the model whose permissions count, e.g. the order for its lines) and
    an action may carry `required_permission` ("app.codename")."""

    perms_map = {
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
        "POST": ["%(app_label)s.add_%(model_name)s"],
        "PUT": ["%(app_label)s.change_%(model_name)s"],
        "PATCH": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.delete_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        handler = getattr(view, getattr(view, "action", None) or "", None)
        required = getattr(handler, "required_permission", None)
        if required:
            needed = [required] if isinstance(required, str) else list(required)
            return request.user.has_perms(needed)
        model = getattr(view, "permission_model", None)
        if model is None:
            return super().has_permission(request, view)
        perms = self.get_required_permissions(request.method, model)
        return request.user.has_perms(perms)
