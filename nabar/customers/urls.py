from django.urls import path

from nabar.customers import views

app_name = "customers"

urlpatterns = [
    path("cases/<int:number>/addresses/", views.link, name="link"),
    path("cases/<int:number>/addresses/link/", views.link_submit, name="link_submit"),
]
