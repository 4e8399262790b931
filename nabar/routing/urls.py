from django.urls import path

from nabar.routing import views

app_name = "routing"

urlpatterns = [
    path("settings/routing/", views.settings_page, name="settings"),
    path("settings/routing/organisation/", views.organisation_settings, name="organisation"),
    path("settings/routing/rules/new/", views.rule_edit, name="rule_new"),
    path("settings/routing/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("settings/routing/rules/<int:pk>/move/", views.rule_move, name="rule_move"),
    path("settings/routing/rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("settings/routing/teams/new/", views.team_edit, name="team_new"),
    path("settings/routing/teams/<int:pk>/", views.team_edit, name="team_edit"),
    path("settings/routing/agents/<int:pk>/", views.agent_edit, name="agent_edit"),
    path("settings/urgency/", views.urgency_page, name="urgency"),
    path("settings/urgency/new/", views.urgency_edit, name="urgency_new"),
    path("settings/urgency/<int:pk>/", views.urgency_edit, name="urgency_edit"),
    path("settings/urgency/<int:pk>/delete/", views.urgency_delete, name="urgency_delete"),
    path("triage/", views.triage, name="triage"),
    path("reports/routing/", views.report, name="report"),
]
