"""The upload's meta part is checked whole: no field may carry more than its pattern allows."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from tui.server.errors import ApiError
from tui.server.meta import parse_meta


def _meta(**changed: str) -> bytes:
    data = {
        "pack": "en-basics", "pack_version": "1", "phrase_id": "good-morning", "text": "Good morning.",
        "lang": "en-US", "recorded_at": datetime.now(UTC).isoformat(), "client_attempt_id": str(uuid.uuid4()),
    }
    return json.dumps(data | changed).encode()


def test_a_well_formed_meta_is_read() -> None:
    meta = parse_meta(_meta())
    assert (meta.lang, meta.pack_version) == ("en-US", "1")


@pytest.mark.parametrize("field", ["lang", "pack_version"])
@pytest.mark.parametrize("tail", ["\n", "\n<b>", " "])
def test_a_value_with_anything_after_it_is_refused(field: str, tail: str) -> None:
    value = {"lang": "en-US", "pack_version": "1"}[field] + tail
    with pytest.raises(ApiError) as refused:
        parse_meta(_meta(**{field: value}))
    assert refused.value.status == 422
    assert f"meta.{field}" in refused.value.message
