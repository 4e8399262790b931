"""The admin's list of background tasks, headed in the reader's language.

django-tasks-db's own admin class heads two columns with plain English strings and shows the
task by a name that imports the task; this subclass gives them translated headings. The model's
field labels and the status names are translated in the project's catalogue
(see ``third_party_strings``).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult


class TaskResultAdmin(DBTaskResultAdmin):
    list_display = (
        "id",
        "task",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "priority",
        "queue_name",
    )

    @admin.display(description=_("task"), ordering="task_path")
    def task(self, obj: DBTaskResult) -> str:
        # The task's dotted path: its name without importing it, which needs the backend that
        # queued it to be the one configured now.
        return str(obj.task_path)

    @admin.display(description=_("traceback"))
    def formatted_traceback(self, obj: DBTaskResult) -> str:
        return super().formatted_traceback(obj)

    @admin.display(description=_("run after"))
    def display_run_after(self, obj: DBTaskResult) -> datetime | str:
        return super().display_run_after(obj)


if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
admin.site.register(DBTaskResult, TaskResultAdmin)
