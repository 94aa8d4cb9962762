from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<int:pk>/da-doc/", views.read, name="read"),
    path("da-doc-het/", views.read_all, name="read_all"),
]
