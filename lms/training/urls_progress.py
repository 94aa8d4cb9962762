"""A plan's progress: figures, the people behind them, and both as files (``views_progress``)."""

from django.urls import path

from . import views_progress

urlpatterns = [
    path("<int:pk>/tien-do/", views_progress.plan_progress, name="plan_progress"),
    path("<int:pk>/tien-do/xuat/", views_progress.plan_progress_export, name="plan_progress_export"),
    path("<int:pk>/tien-do/can-bo/", views_progress.plan_progress_people, name="plan_progress_people"),
    path("<int:pk>/tien-do/can-bo/xuat/", views_progress.plan_people_export, name="plan_people_export"),
]
