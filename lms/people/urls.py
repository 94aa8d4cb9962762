from django.urls import path

from . import views_hr, views_import

app_name = "people"

urlpatterns = [
    path("", views_hr.official_list, name="official_list"),
    path("can-bo/<int:pk>/", views_hr.official_detail, name="official_detail"),
    path("can-bo/xuat.csv", views_hr.official_export, name="official_export"),
    path("nhap/", views_import.import_start, name="import_start"),
    path("nhap/<int:pk>/", views_import.import_detail, name="import_detail"),
    path("nhap/<int:pk>/xac-nhan/", views_import.import_confirm, name="import_confirm"),
    path("nhap/<int:pk>/kiem-tra-lai/", views_import.import_retry, name="import_retry"),
    path("nhap/mau.csv", views_import.import_template, {"fmt": "csv"}, name="import_template_csv"),
    path("nhap/mau.xlsx", views_import.import_template, {"fmt": "xlsx"}, name="import_template_xlsx"),
]
