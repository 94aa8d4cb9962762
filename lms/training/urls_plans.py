"""HR's pages for training plans, mounted at /nhan-su/ke-hoach/ (``urls``: app ``training``)."""

from django.urls import path

from . import views_people, views_plans

urlpatterns = [
    path("", views_plans.plan_list, name="plan_list"),
    path("tao/", views_plans.plan_create, name="plan_create"),
    path("<int:pk>/", views_plans.plan_detail, name="plan_detail"),
    path("<int:pk>/sua/", views_plans.plan_edit, name="plan_edit"),
    path("<int:pk>/kich-hoat/", views_plans.plan_activate, name="plan_activate"),
    path("<int:pk>/dong/", views_plans.plan_close, name="plan_close"),
    path("<int:pk>/xoa/", views_plans.plan_delete, name="plan_delete"),
    path("<int:pk>/xem-truoc/", views_plans.plan_preview, name="plan_preview"),
    path("<int:pk>/xem-truoc.xlsx", views_plans.plan_preview_xlsx, name="plan_preview_xlsx"),
    path("<int:pk>/chua-gui-thu/", views_people.plan_not_emailed, name="plan_not_emailed"),
    path("<int:pk>/yeu-cau/them/", views_plans.requirement_add, name="requirement_add"),
    path("yeu-cau/<int:pk>/sua/", views_plans.requirement_edit, name="requirement_edit"),
    path("yeu-cau/<int:pk>/xoa/", views_plans.requirement_delete, name="requirement_delete"),
    path("yeu-cau/<int:pk>/can-bo/", views_people.requirement_people, name="requirement_people"),
    path("yeu-cau/<int:pk>/loai-tru/", views_people.requirement_exclude, name="requirement_exclude"),
    path(
        "yeu-cau/<int:pk>/loai-tru/<int:exclusion_id>/bo/",
        views_people.requirement_include,
        name="requirement_include",
    ),
    path("nghia-vu/<int:pk>/gia-han/", views_people.obligation_extend, name="obligation_extend"),
]
