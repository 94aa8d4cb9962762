from django.urls import path

from . import views_hr

app_name = "hr_certificates"

urlpatterns = [
    path("", views_hr.search, name="search"),
    path("<int:pk>/", views_hr.detail, name="detail"),
    path("<int:pk>/tai-ve/", views_hr.download, name="download"),
    path("<int:pk>/cap-lai/", views_hr.reissue, name="reissue"),
    path("<int:pk>/thu-hoi/", views_hr.revoke, name="revoke"),
    path("tai-zip/", views_hr.archive_start, name="archive_start"),
    path("tai-zip/<int:pk>/", views_hr.archive_detail, name="archive_detail"),
    path("tai-zip/<int:pk>/tai-ve/", views_hr.archive_download, name="archive_download"),
]
