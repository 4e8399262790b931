from django.urls import path

from nabar.sla import views

app_name = "sla"

urlpatterns = [
    path("sla/", views.policies, name="policies"),
    path("sla/policy/", views.edit_policy, name="edit_policy"),
    path("sla/policy/reset/", views.reset_policy, name="reset_policy"),
    path("sla/holidays/", views.add_holiday, name="add_holiday"),
    path("sla/holidays/<int:pk>/remove/", views.remove_holiday, name="remove_holiday"),
    path("sla/compliance/", views.compliance, name="compliance"),
]
