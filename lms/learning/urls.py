from django.urls import path

from . import views, views_quiz

app_name = "learning"

urlpatterns = [
    path("", views.my_learning, name="my_learning"),
    path("ghi-danh/<int:course_id>/", views.enrol, name="enrol"),
    path("bai-hoc/<int:lesson_id>/hoan-thanh/", views.lesson_done, name="lesson_done"),
    path("tiep-tuc/<int:enrollment_id>/", views.continue_learning, name="continue"),
    path("bai-kiem-tra/<int:quiz_id>/bat-dau/", views_quiz.quiz_start, name="quiz_start"),
    path("lan-lam/<int:attempt_id>/", views_quiz.attempt_page, name="attempt"),
    path("lan-lam/<int:attempt_id>/luu/", views_quiz.attempt_save, name="attempt_save"),
    path("lan-lam/<int:attempt_id>/nop-bai/", views_quiz.attempt_submit, name="attempt_submit"),
]
