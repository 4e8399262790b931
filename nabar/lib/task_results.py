"""The database task backend (django-tasks-db), named in the reader's language in the admin.

django-tasks-db names its app with a plain English string, which the admin's index and sidebar
would show to every reader. Listed in ``INSTALLED_APPS`` in its place.
"""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TaskResultsConfig(TasksAppConfig):
    verbose_name = _("Background tasks")  # type: ignore[assignment]
