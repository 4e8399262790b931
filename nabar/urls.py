from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from nabar.contact.views import home

urlpatterns = [
    path("", home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("nabar.accounts.urls")),
    path("", include("nabar.tickets.urls")),
    path("", include("nabar.mail.urls")),
    path("", include("nabar.customers.urls")),
    path("", include("nabar.contact.urls")),
    path("", include("nabar.routing.urls")),
    path("", include("nabar.sla.urls")),
    path("", include("nabar.waits.urls")),
    path("favicon.ico", RedirectView.as_view(url="/static/nabar/favicon.svg")),
]
