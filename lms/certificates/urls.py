from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("", views.verify_upload, name="verify_upload"),
    path("chung-thu-goc.pem", views.root_certificate, name="root_certificate"),
    path("<str:code>/", views.verify_code, name="verify"),
]
