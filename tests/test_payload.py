import datetime
import decimal
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from django_resque.exceptions import MalformedPayload
from django_resque.jobs.payload import Payload, decode, to_json_args
from django_resque.jobs.registry import is_job_name


def test_payload_bytes_are_what_ruby_resque_writes_for_the_same_call():
    # Ruby: Resque.enqueue(Emailer, "a@example.com", "Hi") writes exactly this.
    assert Payload("Emailer", ["a@example.com", "Hi"]).encode() == (
        '{"class":"Emailer","args":["a@example.com","Hi"]}'
    )


def test_payload_keeps_non_ascii_as_utf8_and_nested_values_compact():
    encoded = Payload("Billing::Charge", [{"name": "Zoë", "items": [1, 2.5, None, True]}]).encode()
    assert (
        encoded == '{"class":"Billing::Charge","args":[{"name":"Zoë","items":[1,2.5,null,true]}]}'
    )


def test_extras_come_after_class_and_args():
    encoded = Payload("a.b", [1], {"k": 2}, id="abc").encode()
    assert encoded == '{"class":"a.b","args":[1],"kwargs":{"k":2},"id":"abc"}'
    assert list(json.loads(encoded)) == ["class", "args", "kwargs", "id"]


@pytest.mark.parametrize(
    ("value", "advice"),
    [
        (datetime.datetime(2026, 1, 1), "ISO 8601"),
        (decimal.Decimal("1.5"), "str(value)"),
        (b"bytes", "base64"),
        ({1, 2}, "list"),
        (object(), "strings, numbers"),
        (float("nan"), "JSON cannot carry"),
    ],
)
def test_non_json_arguments_raise_type_error_saying_what_to_pass(value, advice):
    with pytest.raises(TypeError, match="JSON") as excinfo:
        to_json_args([1, [value]], {})
    assert advice in str(excinfo.value)
    assert "args[1][0]" in str(excinfo.value)


def test_dict_keys_that_are_not_strings_are_refused():
    with pytest.raises(TypeError, match="keys must be strings"):
        to_json_args([], {"options": {1: "one"}})


def test_tuples_travel_as_lists():
    assert to_json_args([(1, 2)], {}) == ([(1, 2)], {})
    assert Payload("x", [(1, 2)]).encode() == '{"class":"x","args":[[1,2]]}'


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe",
        b"[1,2]",
        b'"a string"',
        b'{"args":[]}',
        b'{"class":"","args":[]}',
        b'{"class":5,"args":[]}',
        b'{"class":"x","args":{"a":1}}',
        b'{"class":"x","args":[],"kwargs":[1]}',
    ],
)
def test_malformed_payloads_are_refused_with_a_clear_error(raw):
    with pytest.raises(MalformedPayload):
        decode(raw)


def test_decode_reads_payloads_of_every_resque_implementation():
    ruby = decode(b'{"class":"Emailer","args":[1]}')
    node = decode(b'{"class":"Emailer","queue":"mail","args":[1]}')
    php = decode(b'{"class":"Emailer","args":[{"a":1}],"id":"0123","prefix":"","queue_time":1.5}')
    assert (ruby.job_name, ruby.args, ruby.id) == ("Emailer", [1], None)
    assert node.extras == {"queue": "mail"}
    assert php.id == "0123" and php.extras == {"prefix": "", "queue_time": 1.5}
    assert decode(b'{"class":"x"}').args == []


# --- any bytes a queue can hold decode to a job or to MalformedPayload, never anything else ---
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
_payload_like = st.fixed_dictionaries(
    {"class": st.text() | _json_values, "args": _json_values},
    optional={"kwargs": _json_values, "id": st.text() | _json_values, "x": _json_values},
)


def _check_decoded(raw: bytes) -> None:
    try:
        payload = decode(raw)
    except MalformedPayload:
        return
    assert is_job_name(payload.job_name)
    payload.encode().encode("utf-8")  # whatever decoded can be written back (retries, records)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_decode_to_a_payload_or_malformed_payload(raw):
    _check_decoded(raw)


@settings(max_examples=300, deadline=None)
@given(_payload_like)
def test_any_json_object_decodes_to_a_payload_or_malformed_payload(obj):
    text = json.dumps(obj, ensure_ascii=True)  # \u escapes, lone surrogates included
    _check_decoded(text.encode())
    _check_decoded(json.dumps(obj, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize(
    "raw",
    [
        b'{"class":"x\\u0000","args":[]}',
        b'{"class":"x\\ud800","args":[]}',
        b'{"class":"x\\nB","args":[]}',
        b'{"class":"a.b","args":["\\udfff"]}',
        b'{"class":"a.b","args":[],"id":"a\\nb"}',
        b"[" * 1500 + b"]" * 1500,
        b'{"class":"a.b","args":' + b"[" * 1500 + b"]" * 1500 + b"}",
    ],
)
def test_payloads_that_would_stop_a_worker_are_malformed(raw):
    with pytest.raises(MalformedPayload):
        decode(raw)


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_malformed_since_they_could_not_be_written_back(constant):
    with pytest.raises(MalformedPayload, match="not UTF-8 JSON"):
        decode(b'{"class":"a.b","args":[' + constant + b"]}")
