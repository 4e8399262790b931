from django.urls import path

from nabar.tickets import views

app_name = "tickets"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("cases/<int:number>/", views.detail, name="detail"),
    path("cases/<int:number>/reply/", views.reply, name="reply"),
    path("cases/<int:number>/note/", views.note, name="note"),
    path("cases/<int:number>/status/", views.status, name="status"),
    path("cases/<int:number>/owner/", views.owner, name="owner"),
    path("cases/<int:number>/files/<int:pk>/", views.attachment, name="attachment"),
    path("cases/<int:number>/transfer/", views.transfer, name="transfer"),
    path("cases/<int:number>/take/", views.take, name="take"),
    path("cases/<int:number>/category/", views.category, name="category"),
    path("cases/<int:number>/priority/", views.priority, name="priority"),
    path("cases/<int:number>/language/", views.language, name="language"),
    path("cases/<int:number>/merge/", views.merge, name="merge"),
    path("cases/<int:number>/messages/<int:pk>/split/", views.split, name="split"),
    path("alerts/", views.alerts, name="alerts"),
]
