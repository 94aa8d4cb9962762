from django.urls import path

from . import views, views_exports, views_lists

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("xuat/<slug:table>.<slug:fmt>", views.export, name="export"),
    path("xuat-danh-sach/", views_exports.export_start, name="export_start"),
    path("xuat-danh-sach/<int:pk>/", views_exports.export_detail, name="export_detail"),
    path("xuat-danh-sach/<int:pk>/tai-ve/", views_exports.export_download, name="export_download"),
    path("qua-han/", views_lists.overdue, name="overdue"),
    path("chua-bat-dau/", views_lists.not_started, name="not_started"),
    path("can-bo/<int:pk>/", views_lists.transcript, name="transcript"),
    path("can-bo/<int:pk>.pdf", views_lists.transcript_pdf, name="transcript_pdf"),
]
