"""Strings that libraries Nåbar uses show to its readers, marked for the project's catalogue.

django-tasks-db labels its model's fields and django-tasks names a task's status with lazy
translations, but neither ships a Swedish catalogue. ``makemessages`` only collects strings from
the project's own source, so they are listed here for it to find; Django then finds their
translations in the project's catalogue. Nothing imports this module.
"""

from django.utils.translation import gettext_noop, pgettext_lazy

# django_tasks_db.models.DBTaskResult: the model and its fields.
TASK_RESULT_LABELS = (
    gettext_noop("Task Result"),
    gettext_noop("Task Results"),
    gettext_noop("enqueued at"),
    gettext_noop("started at"),
    gettext_noop("finished at"),
    gettext_noop("args kwargs"),
    gettext_noop("task path"),
    gettext_noop("worker id"),
    gettext_noop("queue name"),
    gettext_noop("backend name"),
    gettext_noop("run after"),
    gettext_noop("return value"),
    gettext_noop("exception class path"),
    gettext_noop("traceback"),
)

# django_tasks.base.TaskResultStatus: the status of a task, in the admin's list and filter.
TASK_STATUSES = (
    pgettext_lazy("Task", "Ready"),
    pgettext_lazy("Task", "Running"),
    pgettext_lazy("Task", "Failed"),
    pgettext_lazy("Task", "Successful"),
)
