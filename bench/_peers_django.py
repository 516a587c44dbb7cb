"""django-fsm-2 with django-fsm-log as a contender of the peer benchmark: a Django model
whose ``FSMField`` moves through ``@transition`` methods, each step in its own
``transaction.atomic()`` (the case loaded, the transition, ``save``), and django-fsm-log's
``StateLog`` row written by its ``post_transition`` receiver inside the same transaction.

Django is configured in-process (``settings.configure``) on the SQLite file the round gives;
this module is itself the Django app ``peers`` (no models module: the model is declared once
the app registry is ready); ``migrate`` creates the tables of the installed apps and the
schema editor the model's. Every new
connection is put in WAL with ``synchronous=FULL`` by a ``connection_created`` receiver, and
``atomic()`` begins with ``BEGIN IMMEDIATE`` (the backend's ``transaction_mode``), as
jingban's own transactions do.
"""

from __future__ import annotations

from typing import Any

import django
from _peers_common import (
    APPLICANT_ID,
    APPLICANT_NAME,
    COMPLETED,
    OPEN_ACTOR,
    TRANSITIONS,
    Peer,
    RowCheck,
    case_number,
    read_pragmas,
    set_pragmas,
)
from django.apps import AppConfig
from django.conf import settings

APP_LABEL = "peers"


class PeersApp(AppConfig):
    """This module as a Django app, so that its model has an app to belong to."""

    name = __name__
    label = APP_LABEL
    default_auto_field = "django.db.models.AutoField"


def _on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
    """WAL and ``synchronous=FULL`` on every SQLite connection Django opens."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            set_pragmas(cursor)


def _configure(path: str) -> None:
    settings.configure(
        DEBUG=False,
        USE_TZ=True,
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",  # StateLog.by refers to the user model
            "django_fsm_log",
            f"{__name__}.PeersApp",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": path,
                "OPTIONS": {"transaction_mode": "IMMEDIATE"},
            }
        },
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    from django.db.backends.signals import connection_created

    connection_created.connect(_on_connect)
    django.setup()


def _declare_model() -> Any:
    """The case model, with one ``@transition`` per step; ``fsm_log_description`` makes the
    ``description`` argument of each call the log row's description (here: the actor)."""
    from django.db import models
    from django_fsm import FSMField, transition
    from django_fsm_log.decorators import fsm_log_description

    states = [TRANSITIONS[0][1], *(target for _, _, target, _ in TRANSITIONS)]

    class Application(models.Model):
        number = models.CharField(max_length=32)
        applicant_name = models.CharField(max_length=64)
        applicant_id = models.CharField(max_length=18)
        state = FSMField(default=states[0], choices=[(s, s) for s in states], protected=True)

        class Meta:
            app_label = APP_LABEL

        @fsm_log_description
        @transition(field=state, source="new", target="submitted")
        def open(self, description: str | None = None) -> None:
            """Registered at the counter."""

        @fsm_log_description
        @transition(field=state, source="submitted", target="accepted")
        def accept(self, description: str | None = None) -> None:
            """Accepted for processing."""

        @fsm_log_description
        @transition(field=state, source="accepted", target="reviewed")
        def approve(self, description: str | None = None) -> None:
            """Approved on review."""

        @fsm_log_description
        @transition(field=state, source="reviewed", target="paid")
        def pay(self, description: str | None = None) -> None:
            """Paid out."""

        @fsm_log_description
        @transition(field=state, source="paid", target="completed")
        def complete(self, description: str | None = None) -> None:
            """Closed."""

    declared = sorted(
        (t.name, t.source, t.target) for t in Application().get_all_state_transitions()
    )
    assert declared == sorted(t[:3] for t in TRANSITIONS), declared
    return Application


class DjangoFsm(Peer):
    """Django's ORM, django-fsm-2's transitions, django-fsm-log's StateLog."""

    label = "django-fsm-2 + django-fsm-log"
    check = RowCheck(
        f"{APP_LABEL}_application", "state", COMPLETED, "django_fsm_log_statelog", "object_id"
    )

    def prepare(self, path: str) -> None:
        _configure(path)
        from django.core.management import call_command
        from django.db import connection, transaction

        self.model = _declare_model()
        self.atomic = transaction.atomic
        call_command("migrate", verbosity=0)  # contenttypes, auth, django_fsm_log
        with connection.schema_editor() as editor:
            editor.create_model(self.model)

    def open_case(self, seq: int) -> int:
        with self.atomic():
            case = self.model.objects.create(
                number=case_number(seq), applicant_name=APPLICANT_NAME, applicant_id=APPLICANT_ID
            )
            case.open(description=OPEN_ACTOR)
            case.save(update_fields=["state"])
        return int(case.pk)

    def step(self, key: int, action: str, actor: str) -> None:
        with self.atomic():
            case = self.model.objects.get(pk=key)
            getattr(case, action)(description=actor)
            case.save(update_fields=["state"])

    def problems(self, path: str) -> list[str]:
        """Every StateLog row names its actor (the ``description`` of its transition)."""
        from django_fsm_log.models import StateLog

        unnamed = StateLog.objects.filter(description__isnull=True).count()
        return [f"{unnamed} StateLog rows without their actor"] if unnamed else []

    def pragmas(self) -> tuple[str, int]:
        from django.db import connection

        with connection.cursor() as cursor:
            return read_pragmas(cursor)

    def close(self) -> None:
        from django.db import connections

        connections.close_all()
