from django.urls import path

from nabar.waits import accuracy_views, views

app_name = "waits"

urlpatterns = [
    path("staffing/", views.staffing, name="staffing"),
    path("waits/accuracy/", accuracy_views.accuracy, name="accuracy"),
]
