"""HR pages for API tokens: list one's own, create one (its secret shown once, on the page the
creation returns, and never again), revoke one's own."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lms.people.permissions import hr_required

from . import tokens
from .forms import TokenForm
from .models import ApiToken


def _list(request, form, status=200):
    own = ApiToken.objects.filter(user=request.user)
    return render(request, "api/token_list.html", {"tokens": own, "form": form}, status=status)


@hr_required()
@require_GET
def token_list(request):
    return _list(request, TokenForm())


@hr_required()
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _list(request, form, status=400)
    token, secret = tokens.issue(request.user, form.cleaned_data["name"], form.cleaned_data["days"])
    # The secret exists only in this response: rendered here rather than after a redirect, so it is
    # never stored (not even in the session), and never cached.
    response = render(request, "api/token_created.html", {"token": token, "secret": secret})
    add_never_cache_headers(response)
    return response


@hr_required()
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.revoke(token)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": token.name})
    return redirect("api_tokens:list")
