from django.urls import path

from nabar.mail import views

app_name = "mail"

urlpatterns = [
    path("cases/<int:number>/images/<int:pk>/", views.inline_image, name="inline_image"),
]
