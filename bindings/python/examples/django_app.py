"""A one-file Django project that receives aXcelerate webhooks. In a real project the settings
are yours and the last line goes in a urls.py."""

import os

import django
from django.conf import settings
from django.urls import path

import axhook
import axhook.django

if not settings.configured:
    settings.configure(
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["localhost", "testserver"],
        SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "not-a-secret"),
        MIDDLEWARE=["django.middleware.csrf.CsrfViewMiddleware"],
    )
    django.setup()

verifier = axhook.Verifier({"current": os.environ.get("AXCELERATE_KEY", "my-private-key")})
receiver = axhook.Receiver(verifier)


@receiver.on("student.*")
def enrolment_changed(delivery: axhook.Delivery) -> None:
    print(delivery.type, delivery.message["enrolment"]["id"])


urlpatterns = [path("webhooks/axcelerate", axhook.django.view(receiver))]
