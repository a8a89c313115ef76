"""The Django receiver of `make conformance` (tests/conformance.py): axhook.django's view as
POST /webhooks/axcelerate on 127.0.0.1:$PORT (a one-file project served by runserver, without
its autoreloader), verifying with $AXHOOK_KEY (label `current`, defaults otherwise) and
deduplicating in the core's MemoryStore. Django's own body limit (DATA_UPLOAD_MAX_MEMORY_SIZE)
keeps its default of 2.5 MiB; the view reads a body over it up to the verifier's limit instead,
so any body over 1 MiB is answered 413 by the verifier."""


import django
from django.conf import settings

settings.configure(
    DEBUG=False,
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    SECRET_KEY="conformance-only-not-a-secret",
    MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
    LOGGING_CONFIG=None,
)
django.setup()

from django.core.management import call_command
from django.http import HttpRequest, JsonResponse

import axhook

from effects import effects as current_effects, record  # tests/apps/python-shared


def effects(request: HttpRequest) -> JsonResponse:
    return JsonResponse(current_effects())


def health(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


# readme: Python · Django
import os
from django.urls import path
import axhook.django

verifier = axhook.Verifier({"current": os.environ["AXHOOK_KEY"]})
receiver = axhook.Receiver(verifier)  # MemoryStore; SqliteStore or RedisStore across processes

@receiver.on("*")  # or "contact.*", "student.enrolment_created"...
def handle(delivery: axhook.Delivery) -> None:
    record(delivery)  # raise → 500 handler_failed, and aXcelerate retries

urlpatterns = [path("webhooks/axcelerate", axhook.django.view(receiver))]  # in urls.py
# readme: end

urlpatterns += [path("effects", effects), path("health", health)]

if __name__ == "__main__":
    call_command("runserver", f"127.0.0.1:{os.environ['PORT']}", use_reloader=False)
