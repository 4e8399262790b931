from django.urls import path

from nabar.contact import views

app_name = "contact"

urlpatterns = [
    path("o/<slug:slug>/", views.contact_page, name="page"),
    path("o/<slug:slug>/receipt/<str:token>/", views.receipt, name="receipt"),
    path("o/<slug:slug>/case/<str:token>/", views.case_page, name="case"),
    path("o/<slug:slug>/case/<str:token>/verdict/", views.case_verdict, name="verdict"),
    path(
        "o/<slug:slug>/case/<str:token>/files/<int:pk>/",
        views.case_attachment,
        name="attachment",
    ),
]
