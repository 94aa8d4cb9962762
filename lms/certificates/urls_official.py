from django.urls import path

from . import views_official

app_name = "my_certificates"

urlpatterns = [
    path("", views_official.my_certificates, name="list"),
    path("<int:certificate_id>/tai-ve/", views_official.download, name="download"),
    path("<int:certificate_id>/hoc-lai/", views_official.recertify, name="recertify"),
]
