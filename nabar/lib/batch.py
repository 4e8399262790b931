"""Work on many cases in one transaction, as one does on one.

Mail arrives in batches (an import, an IMAP fetch, a burst at the SMTP receiver). Processing a
batch inside ``collecting()`` keeps the code of the one-case actions and changes only how they
reach the database:

- reads that cannot change within the batch (the agents, the rules, the teams, the policies,
  the opening hours) are made once, through ``remember``;
- rows that nothing reads back within the batch (timeline events, SLA clocks, announced waits,
  outgoing mail) are written together when the batch ends, through ``create`` and ``update``,
  each with the time it was made, exactly as a row saved at once would have.

Outside ``collecting()`` every helper acts immediately, so an action called for one case behaves
as it always did. A batch is one transaction: when any case in it fails, the caller rolls the
whole batch back and processes its messages one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from typing import Any, TypeVar

try:
    import fcntl
except ImportError:  # not on every platform; the lock is only an optimisation
    fcntl = None  # type: ignore[assignment]

from django.db import connections, models, router, transaction

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

# Rows per INSERT statement: well under SQLite's limit on bound variables for our widest rows.
CHUNK = 100


class Batch:
    """What one batch remembered, and the rows and changes it will write at its end."""

    def __init__(self) -> None:
        self.memo: dict[Hashable, Any] = {}
        self._creates: dict[type[models.Model], list[models.Model]] = {}
        self._unwritten: set[int] = set()  # id() of the objects in _creates
        self._updates: dict[tuple[type[models.Model], tuple[str, ...]], dict[Any, Any]] = {}
        self._each_flush: list[Callable[[], None]] = []
        self._on_commit: dict[Hashable, list[Any]] = {}
        self._keys: dict[type[models.Model], list[int]] = {}

    def flush(self) -> None:
        """Write every pending row and change; models in the order they were first created."""
        for model, objs in self._creates.items():
            _insert(model, objs)
        self._creates.clear()
        self._unwritten.clear()
        for (model, fields), by_pk in self._updates.items():
            _update(model, fields, list(by_pk.values()))
        self._updates.clear()
        for callback in self._each_flush:
            callback()


_current: ContextVar[Batch | None] = ContextVar("nabar_batch", default=None)


def current() -> Batch | None:
    return _current.get()


@contextmanager
def collecting() -> Iterator[Batch]:
    """Collect the writes of the enclosed actions and write them when the block ends.

    Must be used inside ``transaction.atomic()``: the pending rows are written at the end of
    the block, before the transaction commits.
    """
    if _current.get() is not None:
        raise RuntimeError("batches do not nest")
    batch = Batch()
    token = _current.set(batch)
    try:
        yield batch
        batch.flush()
    finally:
        _current.reset(token)


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per batch (every time outside one)."""
    batch = _current.get()
    if batch is None:
        return compute()
    if key not in batch.memo:
        batch.memo[key] = compute()
    return batch.memo[key]


def create(obj: M) -> M:
    """Save a new row now, or at the end of the batch with the values it has now."""
    batch = _current.get()
    if batch is None:
        obj.save(force_insert=True)
        return obj
    if obj.pk is None and _keys_reservable(type(obj)):
        obj.pk = _next_key(batch, type(obj))  # written without reading its key back
    for field in _stamped_fields(type(obj)):
        # auto_now_add and similar stamp the row as if it were saved at this moment.
        setattr(obj, field.attname, field.pre_save(obj, add=True))
    batch._creates.setdefault(type(obj), []).append(obj)
    batch._unwritten.add(id(obj))
    return obj


def create_keyed(obj: M) -> M:
    """``create``, with the row's key given now, so rows pointing to it can be made before it is
    written (a case and its customer, whose events and messages follow them in the batch).

    The keys are taken from the table's own sequence, as an INSERT takes them, so a row saved
    any other way meanwhile gets a key after them. Nothing may read or save the row before the
    batch writes it, except through ``settle``. Foreign keys are checked at commit on both
    databases, so the order in which the batch writes its tables does not matter.
    """
    if _current.get() is None or not _keys_reservable(type(obj)):
        obj.save(force_insert=True)
        return obj
    return create(obj)  # which gives it its key


def _next_key(batch: Batch, model: type[models.Model]) -> int:
    keys = batch._keys.get(model)
    if not keys:
        keys = batch._keys[model] = reserve_keys(model, CHUNK)
    return keys.pop()


def insert_now(objs: list[M]) -> None:
    """Write these new rows of one model now, in one statement, as a batch writes its rows.

    Inside a transaction (on SQLite, the write transaction): their keys come from the table's
    sequence as ``reserve_keys`` takes them.
    """
    if not objs:
        return
    model = type(objs[0])
    if not _keys_reservable(model):
        model._base_manager.bulk_create(objs)
        return
    keys = reserve_keys(model, len(objs))
    fields = _stamped_fields(model)
    for obj in objs:
        obj.pk = keys.pop()
        for field in fields:
            setattr(obj, field.attname, field.pre_save(obj, add=True))
    _insert_keyed(model, objs)


def reserve_keys(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys of ``model``'s table, in descending order (pop the next).

    On SQLite this must run in the write transaction (``BEGIN IMMEDIATE``), which holds the
    database until it commits.
    """
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    assert opts.pk is not None
    table, column = opts.db_table, str(opts.pk.column)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return sorted((row[0] for row in cursor.fetchall()), reverse=True)
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT max(coalesce((SELECT max({connection.ops.quote_name(column)}) FROM {quoted}), 0),"
            " coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
            [table],
        )
        last = int(cursor.fetchone()[0])
        cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [last + count, table])
        if not cursor.rowcount:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, last + count]
            )
    return list(range(last + count, last, -1))


@cache
def _keys_reservable(model: type[models.Model]) -> bool:
    """Whether ``reserve_keys`` can take keys for this model (an automatic integer key)."""
    connection = connections[router.db_for_write(model)]
    opts = model._meta
    return connection.vendor in {"postgresql", "sqlite"} and opts.pk is opts.auto_field


def update(obj: M, fields: list[str]) -> None:
    """Save these fields of a row now, or at the end of the batch (the last values win)."""
    batch = _current.get()
    if batch is None:
        obj.save(update_fields=fields)
        return
    opts = obj._meta
    names = list(fields)
    for field in opts.concrete_fields:
        if getattr(field, "auto_now", False) and field.name not in names:
            names.append(field.name)
    for name in names:
        concrete = opts.get_field(name)
        assert isinstance(concrete, models.Field)
        setattr(obj, concrete.attname, concrete.pre_save(obj, add=False))
    if id(obj) in batch._unwritten:
        return  # its INSERT, still to come, writes the values it has then
    key = (type(obj), tuple(sorted(names)))
    batch._updates.setdefault(key, {})[obj.pk] = obj


def on_commit_many(key: Hashable, item: Any, run: Callable[[list[Any]], None]) -> None:
    """Run ``run(items)`` after the transaction commits: once per item, or once per batch.

    A batch gathers the items under ``key`` and hands them over together, so that for example
    the delivery tasks of a batch's receipts are queued in one transaction instead of one each.
    """
    batch = _current.get()
    if batch is None:
        transaction.on_commit(lambda: run([item]))
        return
    items = batch._on_commit.get(key)
    if items is None:
        items = batch._on_commit[key] = []
        transaction.on_commit(lambda: _run_together(run, items))
    items.append(item)


def _run_together(run: Callable[[list[Any]], None], items: list[Any]) -> None:
    with transaction.atomic():
        run(items)


@cache
def _insert_fields(model: type[models.Model]) -> list[Any]:
    """The columns an INSERT writes: all but the automatic key and generated columns."""
    opts = model._meta
    return [
        f
        for f in opts.concrete_fields
        if f is not opts.auto_field and not getattr(f, "generated", False)
    ]


@cache
def _stamped_fields(model: type[models.Model]) -> list[Any]:
    """The insert columns whose field may change the value as the row is saved (``pre_save``:
    ``auto_now_add``, files); every other field saves the value it holds."""
    return [f for f in _insert_fields(model) if type(f).pre_save is not models.Field.pre_save]


# Fields that save a str, int or bool value, or None, exactly as it is (``get_db_prep_save`` is
# the identity for them); only these exact classes, not subclasses that may convert.
_AS_IS = {
    models.CharField,
    models.TextField,
    models.EmailField,
    models.SlugField,
    models.URLField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
    models.BooleanField,
    models.AutoField,
    models.BigAutoField,
}
_PLAIN_VALUES = {str, int, bool}

# How ``_row`` hands a column's value to the driver: as it is when the field saves it unchanged
# (a plain value, or None, in a field of ``_AS_IS``); an aware datetime through the backend's own
# adapter, the last step of DateTimeField's conversion; anything else through the field.
_KEEP, _DATETIME, _CONVERT = range(3)


def _kind(field: Any) -> int:
    """Which of the three ways the values of this field are converted."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if type(target) in _AS_IS:
        return _KEEP
    if type(field) is models.DateTimeField:
        return _DATETIME
    return _CONVERT


@cache
def _value_kinds(model: type[models.Model]) -> list[int]:
    """Per insert column (key first): ``_kind``."""
    opts = model._meta
    return [_kind(field) for field in [opts.auto_field, *_insert_fields(model)]]


@cache
def _relations(model: type[models.Model]) -> list[Any]:
    return [f for f in _insert_fields(model) if f.is_relation]


def _take_related_keys(obj: models.Model, relations: list[Any], operation: str) -> None:
    """Let ``obj`` take the keys of related rows it was given before they had one, as saving does.

    That is Django's ``_prepare_related_fields_for_save``, which looks at every field of every
    row; it runs here only for a row with a related row that has no key or another key than the
    row holds (usually none: a batch gives keys as rows are made), so its errors stay the same.
    """
    cached = obj._state.fields_cache
    for field in relations:
        related = cached.get(field.cache_name)
        if related is not None and (
            related.pk is None
            or getattr(related, field.target_field.attname) != getattr(obj, field.attname)
        ):
            obj._prepare_related_fields_for_save(operation_name=operation)  # type: ignore[attr-defined]
            return


def _row(obj: models.Model, spec: list[tuple[Any, int]], connection: Any) -> list[Any]:
    """The values of the fields of ``spec`` of ``obj`` as the driver takes them (``get_db_prep_save``)."""
    adapt_datetime = connection.ops.adapt_datetimefield_value
    row = []
    for field, kind in spec:
        value = getattr(obj, field.attname)
        if kind == _KEEP:
            if (
                value is not None
                and type(value) not in _PLAIN_VALUES
                and not isinstance(value, str)
            ):
                value = field.get_db_prep_save(value, connection=connection)
        elif kind == _DATETIME and value is None:
            pass
        elif kind == _DATETIME and type(value) is datetime and value.tzinfo is not None:
            value = adapt_datetime(value)
        else:
            value = field.get_db_prep_save(value, connection=connection)
        row.append(value)
    return row


@cache
def _plain_placeholders(model: type[models.Model]) -> bool:
    """Whether every insert column takes its value as a plain ``%s`` (a binary column does on
    PostgreSQL and SQLite, the only databases batches give keys on; some fields need SQL of
    their own)."""
    return all(
        isinstance(field, models.BinaryField) or not hasattr(field, "get_placeholder")
        for field in [model._meta.auto_field, *_insert_fields(model)]
    )


def _insert(model: type[models.Model], objs: list[models.Model]) -> None:
    """INSERT the rows as they are (their pre-save values were set when they were made)."""
    keyed = [obj for obj in objs if obj.pk is not None]
    if keyed:
        _insert_keyed(model, keyed)
    if len(keyed) < len(objs):
        plain = [obj for obj in objs if obj.pk is None]
        _insert_rows(model, plain, _insert_fields(model), model._meta.db_returning_fields)


def _insert_keyed(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Rows that have their keys: one INSERT statement run for every row, nothing to read back.

    The values are converted by each field (``get_db_prep_save``) as Django's own INSERT does;
    only the query building per statement is left out, which was a third of a batch's writing.
    """
    db = router.db_for_write(model)
    connection = connections[db]
    opts = model._meta
    fields = [opts.auto_field, *_insert_fields(model)]
    if not _plain_placeholders(model):
        _insert_rows(model, list(objs), fields, [])  # a field with its own SQL placeholder
        return
    relations = _relations(model)
    for obj in objs:
        # A related row made earlier in the batch has its key now.
        _take_related_keys(obj, relations, "bulk_create")
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(opts.db_table)} ({', '.join(quote(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    spec = list(zip(fields, _value_kinds(model), strict=True))
    rows = [_row(obj, spec, connection) for obj in objs]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: a quarter of the time of one INSERT per row (measured on 1,000 events).
            columns = ", ".join(quote(f.column) for f in fields)
            with cursor.cursor.copy(f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # One statement, prepared once, run for every row.
            cursor.executemany(sql, rows)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = db


def _insert_rows(
    model: type[models.Model], objs: list[models.Model], fields: list[Any], returning: list[Any]
) -> None:
    db = router.db_for_write(model)
    for obj in objs:
        # A related row saved earlier in the batch now has its key.
        obj._prepare_related_fields_for_save(operation_name="bulk_create")  # type: ignore[attr-defined]
    for start in range(0, len(objs), CHUNK):
        chunk = objs[start : start + CHUNK]
        rows = model._base_manager._insert(  # type: ignore[attr-defined]
            chunk, fields=fields, returning_fields=returning, raw=True, using=db
        )
        for obj, row in zip(chunk, rows or [], strict=False):
            for field, value in zip(returning, row, strict=True):
                setattr(obj, field.attname, value)
        for obj in chunk:
            obj._state.adding = False
            obj._state.db = db


def know(key: Hashable, value: Any) -> None:
    """Tell the batch a value it would otherwise read (a case opened in it has sent no mail)."""
    batch = _current.get()
    if batch is not None:
        batch.memo[key] = value


def settle(key: Hashable) -> None:
    """Write the pending rows now if the batch knows ``key`` (before something reads them)."""
    batch = _current.get()
    if batch is not None and key in batch.memo:
        batch.flush()


def _update(model: type[models.Model], names: tuple[str, ...], objs: list[models.Model]) -> None:
    """UPDATE these fields of these rows, each row with its own values.

    PostgreSQL takes the rows as a list of values in one statement per ``CHUNK`` rows; SQLite
    runs one prepared statement for every row (``executemany``), which costs it no round trips.
    """
    opts = model._meta
    connection = connections[router.db_for_write(model)]
    fields = [opts.get_field(name) for name in names]
    concrete = [f for f in fields if isinstance(f, models.Field)]
    assert len(concrete) == len(fields)
    assert opts.pk is not None
    relations = [f for f in concrete if f.is_relation]
    for obj in objs:
        # A related row created in the batch has its key now.
        _take_related_keys(obj, relations, "bulk_update")
    spec = [(f, _kind(f)) for f in [*concrete, opts.pk]]
    rows = [_row(obj, spec, connection) for obj in objs]
    quote = connection.ops.quote_name
    table, key = quote(opts.db_table), quote(str(opts.pk.column))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # executemany would wait for the server once per row (measured: 0.2 ms a row).
            columns = [quote(str(f.column)) for f in concrete]
            assignments = ", ".join(f"{c} = v.{c}" for c in columns)
            # Typed placeholders: the list's columns would otherwise be text.
            one = f"({', '.join(f'%s::{f.db_type(connection)}' for f, _ in spec)})"
            for start in range(0, len(rows), CHUNK):
                chunk = rows[start : start + CHUNK]
                cursor.execute(
                    f"UPDATE {table} SET {assignments}"
                    f" FROM (VALUES {', '.join([one] * len(chunk))})"
                    f" AS v({', '.join(columns)}, nabar_key) WHERE {table}.{key} = v.nabar_key",
                    [value for row in chunk for value in row],
                )
        else:
            assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in concrete)
            cursor.executemany(f"UPDATE {table} SET {assignments} WHERE {key} = %s", rows)


def atomic() -> AbstractContextManager[Any]:
    """``transaction.atomic()``, except inside a batch, which is one transaction already.

    A failure inside a batch rolls the whole batch back (and its messages are then processed
    one by one), so a savepoint per action would only cost two statements each.
    """
    return nullcontext() if _current.get() is not None else transaction.atomic()


def on_flush(callback: Callable[[], None]) -> None:
    """Run ``callback`` each time the batch has written its rows, or now outside a batch."""
    batch = _current.get()
    if batch is None:
        callback()
    else:
        batch._each_flush.append(callback)


def write_fields(model: type[models.Model], fields: list[str], objs: list[Any]) -> None:
    """UPDATE these fields of these rows now, one statement run for every row."""
    if objs:
        _update(model, tuple(fields), objs)


def take(key: Hashable) -> Any:
    """The value the batch was told under ``key``, once (None outside a batch or if not told)."""
    batch = _current.get()
    return None if batch is None else batch.memo.pop(key, None)


@contextmanager
def one_writer() -> Iterator[None]:
    """On SQLite, let one batch write at a time, and the next start the moment it commits.

    SQLite has one writer at a time; a second one polls for the lock with sleeps that grow to
    tens of milliseconds. Batches on several workers instead wait for an operating-system file
    lock beside the database file, which wakes the next one at once, so one worker writes
    while another parses its mail. Other databases, and SQLite in memory, need nothing.
    """
    connection = connections["default"]
    name = str(connection.settings_dict.get("NAME") or "")
    if connection.vendor != "sqlite" or not name or "memory" in name or fcntl is None:
        yield
        return
    with open(f"{name}.batch-lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
