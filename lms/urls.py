from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import errors
from lms.api.v1 import api
from lms.people import views_profile
from lms.people.forms_accounts import OfficialPasswordResetForm

urlpatterns = [
    # Shadows Wagtail's own "failwhale/" (an exception on purpose): superusers only, a 404 to others.
    path("admin/failwhale/", errors.failwhale),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("dang-nhap/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "mat-khau/quen/",
        auth_views.PasswordResetView.as_view(form_class=OfficialPasswordResetForm),
        name="password_reset",
    ),
    path("mat-khau/quen/da-gui/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mat-khau/dat-lai/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mat-khau/dat-lai/xong/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("mat-khau/doi/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("mat-khau/doi/xong/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("ho-so/", views_profile.profile, name="profile"),
    path("hoc-tap/", include("lms.learning.urls")),
    path("nhan-su/chung-nhan/", include("lms.certificates.urls_hr")),
    path("nhan-su/bao-cao/", include("lms.reports.urls")),
    path("nhan-su/api/", include("lms.api.urls")),
    path("nhan-su/ke-hoach/", include("lms.training.urls")),
    path("nhan-su/", include("lms.people.urls")),
    path("verify/", include("lms.certificates.urls")),
    path("chung-nhan/", include("lms.certificates.urls_official")),
    path("thong-bao/", include("lms.notifications.urls")),
]

if settings.DEBUG or getattr(settings, "SERVE_MEDIA", False):
    # The demo serves its own uploads; in production the reverse proxy serves /media/.
    from django.urls import re_path
    from django.views.static import serve

    urlpatterns += [re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})]

# Wagtail serves every other path from the page tree; it must come last.
urlpatterns += [path("", include(wagtail_urls))]
