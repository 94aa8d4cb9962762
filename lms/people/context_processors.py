from django.utils.functional import SimpleLazyObject

from .scopes import scope_for


def hr(request):
    """``is_hr`` for templates: evaluated only when a template asks (the header does, when logged in)."""
    return {"is_hr": SimpleLazyObject(lambda: not scope_for(request.user).is_empty)}
