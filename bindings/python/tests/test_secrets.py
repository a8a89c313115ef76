"""Secret hygiene (issue 9): no object of the Python API that holds a key (Verifier, Receiver,
the dedupe stores' URLs) and no function that takes one (``axhook.testing.sign`` and
``signed_delivery``) ever shows it — nor the signature it would produce for the body at hand —
in ``repr()``, ``str()``, an exception (message, ``args``, attributes, chained causes, formatted
traceback), a pickling or copying error, or a log record."""

from __future__ import annotations

import copy
import logging
import pickle
import traceback
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, List

import pytest

import axhook
import axhook.testing
from axhook.testing import sign, signed_delivery

SECRET = "s3cr3t-Pr1vate-KEY"
CLIENT_SECRET = "cl1ent-S3cret-key"
MARKERS = [SECRET, CLIENT_SECRET, "s3cr3t", "S3cret", SECRET.upper(), SECRET.lower()]


def texts_of_exception(e: BaseException) -> List[str]:
    """Everything an error reporter might record of an exception and its chain."""
    out: List[str] = []
    seen = set()
    current: Any = e
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out += [str(current), repr(current), repr(current.args)]
        out += [repr(v) for v in vars(current).values()] if hasattr(current, "__dict__") else []
        for attr in ("object", "reason", "code", "status"):
            if hasattr(current, attr):
                out.append(repr(getattr(current, attr)))
        out += traceback.format_exception(type(current), current, current.__traceback__)
        current = current.__cause__ or current.__context__
    return out


def assert_clean(texts: Iterable[str], *also: str) -> None:
    for text in texts:
        for marker in MARKERS + list(also):
            assert marker not in text, f"{marker!r} shown in {text!r}"


def raised(fn: Callable[[], Any]) -> BaseException:
    with pytest.raises(BaseException) as info:
        fn()
    return info.value


@pytest.fixture
def verifier() -> axhook.Verifier:
    return axhook.Verifier(
        {"current": SECRET, "padded": " " + SECRET + "\n"},
        client_keys={9: {"acme": CLIENT_SECRET}},
        allowed_client_ids=[9, 12345678],
    )


def test_reprs_show_labels_never_keys(verifier: axhook.Verifier) -> None:
    receiver = axhook.Receiver(verifier, axhook.MemoryStore())
    texts = [repr(verifier), str(verifier), format(verifier), repr(receiver), str(receiver)]
    assert_clean(texts)
    assert "current" in repr(verifier) and "padded" in repr(verifier)
    assert "REDACTED" in repr(verifier) and "1 clients" in repr(verifier)
    # Nothing on the object hands the key back either.
    public = [a for a in dir(verifier) if not a.startswith("_")]
    assert public == ["max_body_bytes", "verify"]
    assert not hasattr(verifier, "__dict__")


@pytest.mark.parametrize("how", ["pickle", "copy", "deepcopy", "reduce"])
def test_pickling_and_copying_a_verifier_refuse_without_the_key(
    verifier: axhook.Verifier, how: str
) -> None:
    receiver = axhook.Receiver(verifier)
    for obj in (verifier, receiver):
        action: Callable[[], Any] = {
            "pickle": lambda: pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL),
            "copy": lambda: copy.copy(obj),
            "deepcopy": lambda: copy.deepcopy(obj),
            "reduce": lambda: obj.__reduce_ex__(2),
        }[how]
        try:
            result = action()
        except TypeError as e:
            assert_clean(texts_of_exception(e))
            assert "pickle" in str(e) or "copy" in str(e) or "Verifier" in str(e), e
        else:
            # The Receiver is a plain Python object: a shallow copy or its reduce tuple may
            # succeed, sharing the same native verifier (so pickling it still fails above).
            assert how in ("copy", "reduce") and obj is receiver, (how, obj)
            assert_clean([repr(result)])


def test_a_verifier_cannot_be_pickled_inside_anything(verifier: axhook.Verifier) -> None:
    e = raised(lambda: pickle.dumps({"settings": [verifier]}))
    assert isinstance(e, TypeError)
    assert_clean(texts_of_exception(e))


BAD_KEYS: List[Any] = [
    {"current": SECRET + "\ud800"},  # a lone surrogate: no UTF-8 form
    {"current": SECRET.encode()},
    {"current": [SECRET]},
    {"current": None},
    {"current": 7, "previous": SECRET},
    {"current": ""},
    {1: SECRET},
    [("current", SECRET)],
    SECRET,
    SECRET.encode(),
]


@pytest.mark.parametrize("keys", BAD_KEYS, ids=range(len(BAD_KEYS)))
def test_configuration_errors_do_not_show_keys(keys: Any) -> None:
    e = raised(lambda: axhook.Verifier(keys))
    assert isinstance(e, (TypeError, axhook.ConfigError)), repr(type(e))
    assert_clean(texts_of_exception(e))


@pytest.mark.parametrize(
    "client_keys",
    [
        {9: {"acme": CLIENT_SECRET + "\udfff"}},
        {9: {"acme": CLIENT_SECRET.encode()}},
        {9: CLIENT_SECRET},
        {"9": {"acme": CLIENT_SECRET}},
        {-9: {"acme": CLIENT_SECRET}},
        {9: {"acme": ""}},
    ],
)
def test_client_key_errors_do_not_show_keys(client_keys: Any) -> None:
    e = raised(lambda: axhook.Verifier({"current": SECRET}, client_keys=client_keys))
    assert isinstance(e, (TypeError, ValueError, OverflowError)), repr(type(e))
    assert_clean(texts_of_exception(e))


def test_other_configuration_errors_do_not_show_keys() -> None:
    for kwargs in (
        {"max_age": -1},
        {"max_future_skew": float("nan")},
        {"max_body_bytes": -1},
        {"allowed_client_ids": "12"},
    ):
        e = raised(lambda: axhook.Verifier({"current": SECRET}, **kwargs))
        assert_clean(texts_of_exception(e))


def test_testing_helpers_do_not_show_keys() -> None:
    for fn in (
        lambda: sign(b"{}", SECRET + "\ud800"),
        lambda: signed_delivery("contact.contact_created", {}, SECRET + "\udc00"),
        lambda: sign(b"{}", SECRET.encode()),  # type: ignore[arg-type]
        lambda: signed_delivery("contact.contact_created", {}, SECRET, version=2),
    ):
        e = raised(fn)
        assert_clean(texts_of_exception(e))


def refusals() -> List[Any]:
    """(headers, body) pairs refused at every stage, some of them signed with the right key."""
    good_h, good_b = signed_delivery("contact.contact_created", {"a": 1}, SECRET)
    cases = [
        (good_h, good_b.replace(b'"a"', b'"b"')),  # tampered
        (dict(good_h, **{"Ax-Signature": sign(good_b, SECRET.upper())}), good_b),  # wrong key
        (dict(good_h, **{"Ax-Signature": sign(good_b, SECRET.strip() + " ")}), good_b),
        (dict(good_h, **{"Ax-Signature": sign(good_b, SECRET)[:63]}), good_b),
        (dict(good_h, **{"Ax-Signature": SECRET}), good_b),  # the key sent as the signature
        ({"Ax-Signature-Version": "0"}, good_b),  # downgrade
        ({"Ax-Signature-Version": "2", "Ax-Signature": sign(good_b, SECRET)}, good_b),
        signed_delivery("contact.contact_created", {"a": 1}, CLIENT_SECRET, client_id=12345678),
        signed_delivery("contact.contact_created", {"a": 1}, SECRET, client_id=9),
        signed_delivery("contact.contact_created", {"a": 1}, SECRET, client_id=10),
    ]
    for bad in (b"{", b'{"type":1}', b"x" * (2 << 20)):
        cases.append(({"Ax-Signature-Version": "1", "Ax-Signature": sign(bad, SECRET)}, bad))
    long_ago = datetime(2020, 1, 1, tzinfo=timezone.utc)
    cases.append(signed_delivery("contact.contact_created", {}, SECRET, timestamp=long_ago))
    return cases


def test_refusals_show_neither_key_nor_expected_signature(
    verifier: axhook.Verifier, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = axhook.Receiver(verifier)
    codes = set()
    for headers, body in refusals():
        expected = [sign(body, SECRET), sign(body, CLIENT_SECRET), sign(body, " " + SECRET + "\n")]
        try:
            verifier.verify(headers, body)
        except axhook.VerificationError as e:
            codes.add(e.code)
            assert_clean(texts_of_exception(e), *expected)
            assert_clean([repr(pickle.loads(pickle.dumps(e)))], *expected)
        with caplog.at_level(logging.DEBUG, logger="axhook"):
            outcome = receiver.receive(headers, body)
        assert_clean([repr(outcome), outcome.message, caplog.text], *expected)
        assert_clean([r.getMessage() for r in caplog.records], *expected)
        caplog.clear()
    assert {
        "signature_mismatch",
        "malformed_signature",
        "unsupported_signature_version",
        "unsigned_rejected",
        "body_too_large",
        "client_not_allowed",
        "timestamp_too_old",
        "malformed_json",
        "invalid_field",
    } <= codes, codes


def test_accepted_deliveries_and_outcomes_do_not_show_keys(
    verifier: axhook.Verifier, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = axhook.Receiver(verifier)

    @receiver.on("contact.*")
    def fails(delivery: axhook.Delivery) -> None:
        raise RuntimeError("handler broke")

    headers, body = signed_delivery("contact.contact_created", {"a": 1}, CLIENT_SECRET, client_id=9)
    delivery = verifier.verify(headers, body)
    assert delivery.key_label == "acme"
    assert_clean([repr(delivery), str(delivery)])
    with caplog.at_level(logging.DEBUG, logger="axhook"):
        outcome = receiver.receive(headers, body)
    assert outcome.code == "handler_failed"
    assert_clean([repr(outcome), outcome.message, caplog.text])


def test_store_urls_hide_passwords(tmp_path: Any) -> None:
    url = "redis://user:" + SECRET + "@127.0.0.1:1/"
    store = axhook.RedisStore(url, timeout=timedelta(seconds=0.2))
    receiver = axhook.Receiver(axhook.Verifier({"k": "v"}), store)
    assert_clean([repr(store), str(store), repr(receiver)])
    e = raised(lambda: store.claim("1:m"))
    assert isinstance(e, axhook.StoreUnavailable)
    assert_clean(texts_of_exception(e))
    e = raised(lambda: pickle.dumps(store))
    assert_clean(texts_of_exception(e))
    bad = raised(lambda: axhook.RedisStore("redis://user:" + SECRET + "@[::1"))
    assert_clean(texts_of_exception(bad))
