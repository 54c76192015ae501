"""conformance.shapes.model: shapes of JSON values, merging, the flat form, drift."""

from __future__ import annotations

import pytest

from conformance.shapes.files import dumps, from_document, to_document
from conformance.shapes.model import (
    APPEARED,
    DISAPPEARED,
    NULLABILITY_CHANGED,
    OPTIONALITY_CHANGED,
    STATUS_APPEARED,
    STATUS_DISAPPEARED,
    TYPE_CHANGED,
    Shape,
    body_shape,
    compare,
    compare_recordings,
    flatten,
    merge,
    merge_all,
    shape_of,
    split_path,
    summarize,
    unflatten,
)

ITEM = {"id": "a", "count": 3, "ratio": 1.5, "done": False, "parent": None, "labels": ["x"]}


def _flat(value: object) -> dict[str, str]:
    return flatten(shape_of(value))


def test_scalars_have_their_json_type() -> None:
    assert _flat("s") == {"$": "string"}
    assert _flat(1) == {"$": "integer"}
    assert _flat(1.0) == {"$": "number"}
    assert _flat(True) == {"$": "boolean"}  # not an integer, although bool is an int in Python
    assert _flat(None) == {"$": "null"}


def test_an_object_lists_every_field_and_never_a_value() -> None:
    flat = _flat(ITEM)
    assert flat == {
        "$": "object",
        "$.id": "string",
        "$.count": "integer",
        "$.ratio": "number",
        "$.done": "boolean",
        "$.parent": "null",
        "$.labels": "array",
        "$.labels[]": "string",
    }


def test_an_empty_array_has_no_item_shape() -> None:
    assert _flat({"results": []}) == {"$": "object", "$.results": "array"}


def test_array_items_merge_into_one_shape() -> None:
    flat = _flat([{"a": 1, "b": None}, {"a": 2, "b": "x", "c": True}])
    assert flat == {
        "$": "array",
        "$[]": "object",
        "$[].a": "integer",
        "$[].b": "string | null",
        "$[].c": "optional boolean",
    }


def test_merge_makes_unions_and_optional_fields() -> None:
    merged = merge(shape_of({"a": 1, "b": "x"}), shape_of({"a": None, "c": 2}))
    assert flatten(merged) == {
        "$": "object",
        "$.a": "integer | null",
        "$.b": "optional string",
        "$.c": "optional integer",
    }


def test_merge_with_null_keeps_the_object_fields_required() -> None:
    merged = merge(shape_of({"a": 1}), shape_of(None))
    assert flatten(merged) == {"$": "object | null", "$.a": "integer"}


def test_merge_all_of_nothing_is_none() -> None:
    assert merge_all([]) is None


def test_objects_keyed_by_data_are_maps() -> None:
    chart = {"2026-11-20": 3, "2026-11-21": 2}
    other_days = {"2026-12-01": 0}
    assert _flat({"chart": chart}) == {"$": "object", "$.chart": "object", "$.chart{}": "integer"}
    assert flatten(shape_of({"chart": chart})) == flatten(shape_of({"chart": other_days}))
    assert _flat({"00000000-0000-4000-8000-000000000001": "x"})["${}"] == "string"
    # an empty map merged with a full one: the values are not "optional"
    assert flatten(merge(shape_of({"c": {}}), shape_of({"c": chart})))["$.c{}"] == "integer"


def test_odd_field_names_are_quoted_and_round_trip() -> None:
    value = {"x-amz-date": "d", "a.b": 1, "ok": [{"in": None}]}
    flat = _flat(value)
    assert '$["x-amz-date"]' in flat and '$["a.b"]' in flat
    assert split_path('$["a.b"].c[]{}') == ["a.b", "c", "[]", "{}"]
    assert flatten(unflatten(flat)) == flat


def test_flat_form_round_trips() -> None:
    shape = merge(shape_of([ITEM]), shape_of([{**ITEM, "parent": "p", "extra": {"k": 1}}]))
    assert unflatten(flatten(shape)) == shape


def test_bad_paths_are_refused() -> None:
    for path in ("results", "$.", "$..a", '$["a"'):
        with pytest.raises(ValueError):
            split_path(path)


def test_body_shape_of_no_body_and_non_json() -> None:
    assert flatten(body_shape(b"")) == {"$": "no body"}
    assert flatten(body_shape(b"<html>", is_json=False)) == {"$": "not JSON"}
    assert flatten(body_shape(b"{}", {})) == {"$": "object"}


def test_same_shape_different_values_no_drift() -> None:
    other = {**ITEM, "id": "b", "count": 99, "labels": ["y", "z"]}
    assert compare(shape_of(ITEM), shape_of(other)) == []


def test_each_kind_of_drift_is_one_line() -> None:
    recorded = merge(
        shape_of({"a": 1, "b": "x", "gone": {"deep": 1}, "n": None, "o": 1}),
        shape_of({"a": 1, "b": "x", "gone": {"deep": 1}, "n": "s"}),
    )
    observed = shape_of({"a": "1", "b": "x", "new": {"deep": 1}, "n": "s", "o": 2})
    drifts = compare(recorded, observed)
    kinds = {(d.path, d.kind) for d in drifts}
    assert kinds == {
        ("$.a", TYPE_CHANGED),
        ("$.gone", DISAPPEARED),  # once: not its sub-field again
        ("$.new", APPEARED),
        ("$.n", NULLABILITY_CHANGED),
        ("$.o", OPTIONALITY_CHANGED),
    }
    lines = {str(d) for d in drifts}
    assert "$.a: type changed: integer -> string" in lines
    assert "$.gone: field disappeared (was object)" in lines
    assert "$.new: field appeared (object)" in lines


def test_an_object_becoming_a_scalar_is_one_drift() -> None:
    drifts = compare(shape_of({"s": {"id": "x"}}), shape_of({"s": "x"}))
    assert [(d.path, d.kind) for d in drifts] == [("$.s", TYPE_CHANGED)]


def test_array_items_seen_only_on_one_side_drift() -> None:
    drifts = compare(shape_of({"r": [1]}), shape_of({"r": []}))
    assert [(d.path, d.kind) for d in drifts] == [("$.r[]", DISAPPEARED)]


def _recording() -> dict[tuple[str, str, int], Shape]:
    return {
        ("GET", "/a/", 200): shape_of({"id": "x"}),
        ("GET", "/a/", 404): shape_of({"error": "no"}),
        ("POST", "/a/", 201): shape_of({"id": "x"}),
    }


def test_compare_recordings_reports_statuses_and_fields_with_where() -> None:
    observed = {
        ("GET", "/a/", 200): shape_of({"id": "x", "more": 1}),
        ("GET", "/a/", 404): shape_of({"error": "no"}),
        ("POST", "/a/", 200): shape_of({"id": "x"}),
        ("GET", "/b/", 200): shape_of({}),
    }
    drifts = compare_recordings(_recording(), observed, {("GET", "/a/"), ("POST", "/a/")})
    lines = [str(d) for d in drifts]
    assert lines == [
        "GET /a/ 200  $.more: field appeared (integer)",
        f"POST /a/ 200  {STATUS_APPEARED}",
        f"POST /a/ 201  {STATUS_DISAPPEARED}",
    ]
    assert summarize(drifts) == {APPEARED: 1, STATUS_APPEARED: 1, STATUS_DISAPPEARED: 1}
    assert len(compare_recordings(_recording(), observed)) == 4  # /b/ too without a filter


def test_document_is_stable_sorted_and_round_trips() -> None:
    not_recorded = {"POST /z/ 2xx": "upload: needs object storage"}
    document = to_document(_recording(), not_recorded, server_version="1.3.1")
    assert list(document["shapes"]) == ["GET /a/", "POST /a/"]
    assert list(document["shapes"]["GET /a/"]) == ["200", "404"]
    assert document["operations"] == 2 and document["responses"] == 3
    text = dumps(document)
    assert text == dumps(
        to_document(
            dict(reversed(_recording().items())),
            not_recorded,
            server_version="1.3.1",
            recorded_on=None,
        )
    )
    loaded = from_document(document)
    assert loaded.recording == _recording()
    assert loaded.header["server_version"] == "1.3.1"
    served = from_document({**document, "not_recorded": {"POST /m/": "not served by the target"}})
    assert served.not_served == {("POST", "/m/")}


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError):
        from_document({"format": 99, "shapes": {}})


def test_a_sample_within_what_the_recording_saw_is_no_drift() -> None:
    """One run's observation against a recording merged over several: fewer types, or an
    optional field absent, is no drift; a type or a null the recording never saw still is."""
    recorded = shape_of({"by": "someone", "when": None})
    recorded = merge(recorded, shape_of({"by": None, "when": None, "extra": 1}))
    assert compare(recorded, shape_of({"by": "x", "when": None}), sample=True) == []
    assert compare(recorded, shape_of({"by": None, "when": None}), sample=True) == []
    kinds = [d.kind for d in compare(recorded, shape_of({"by": 1, "when": "t"}), sample=True)]
    assert kinds == [TYPE_CHANGED, TYPE_CHANGED]
    assert compare(recorded, shape_of({"by": "x", "when": None}))  # strictly, it is a drift
