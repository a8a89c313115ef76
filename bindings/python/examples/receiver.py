import axhook
from axhook.testing import sample_message, signed_delivery

# Keys are labelled so that you can rotate them; the matching label is reported.
verifier = axhook.Verifier({"current": "my-private-key", "previous": "my-old-key"})
receiver = axhook.Receiver(verifier, axhook.MemoryStore())


@receiver.on("contact.*")
def contact_changed(delivery: axhook.Delivery) -> None:
    contact_id = delivery.message["contact"]["id"]
    print(f"contact {contact_id}: {delivery.event} (key {delivery.key_label})")


# What aXcelerate would POST (in a real service: the request's headers and raw body bytes).
message = sample_message("contact.contact_updated")
headers, body = signed_delivery("contact.contact_updated", message, "my-private-key")

outcome = receiver.receive(headers, body)
assert (outcome.status, outcome.code) == (200, "processed")

# aXcelerate retries until it sees a 2xx: a retry is answered 200 without running the handler.
assert receiver.receive(headers, body).code == "duplicate"

# A tampered body is refused with a stable code and the status to answer.
try:
    verifier.verify(headers, body.replace(b"Ada", b"Eve"))
except axhook.SignatureError as refused:
    assert (refused.code, refused.status) == ("signature_mismatch", 401)
