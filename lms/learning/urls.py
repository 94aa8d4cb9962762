from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("ghi-danh/<int:course_id>/", views.enrol, name="enrol"),
    path("bai-hoc/<int:lesson_id>/hoan-thanh/", views.lesson_done, name="lesson_done"),
    path("tiep-tuc/<int:enrollment_id>/", views.continue_learning, name="continue"),
]
