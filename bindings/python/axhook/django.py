"""Django: a CSRF-exempt, POST-only view that answers aXcelerate deliveries with a ``Receiver``.

    urlpatterns = [path("webhooks/axcelerate", axhook.django.view(receiver))]
"""

from __future__ import annotations

from typing import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.core.exceptions import RequestDataTooBig
from django.http.request import RawPostDataException
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .receiver import BODY_ALREADY_PARSED, Receiver

__all__ = ["view"]


def view(receiver: Receiver) -> Callable[[HttpRequest], HttpResponse]:
    """The view: it reads ``request.body``, runs the receiver and answers the outcome's status
    with ``{"code": ...}``. A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is read up to the
    verifier's ``max_body_bytes`` instead, so that the verifier answers it. It is exempt from CSRF (aXcelerate sends no token: the signature is
    the proof) and answers 405 to anything but ``POST``."""

    @csrf_exempt
    @require_POST
    def receive_axcelerate(request: HttpRequest) -> HttpResponse:
        try:
            body = request.body
        except RawPostDataException:  # the stream was read before this view
            outcome = BODY_ALREADY_PARSED
        except RequestDataTooBig:
            # Over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB by default): read at most the
            # verifier's own limit + 1 byte, so that the verifier answers (413 body_too_large
            # when it is over that limit too) instead of Django's bare 400.
            body = request.read(receiver.verifier.max_body_bytes + 1)
            outcome = receiver.receive(request.headers, body)
        else:
            outcome = receiver.receive(request.headers, body)
        return JsonResponse({"code": outcome.code}, status=outcome.status)

    return receive_axcelerate
