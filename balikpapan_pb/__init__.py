"""The project's package. Celery's app (balikpapan_pb/celery.py) is not imported here: a command
that sends no task (`manage.py tally --sync`, `migrate`) never loads Celery (issue 16). It is
created by `celery -A balikpapan_pb`, by the web entry points (wsgi.py, asgi.py) and by every
tasks module before it declares its tasks, so that each `shared_task` binds to it wherever a
task is sent; `balikpapan_pb.celery_app` names it, as Celery's Django guide has it."""

__all__ = ("celery_app",)


def __getattr__(name: str):
    if name == "celery_app":
        from .celery import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
