"""steepest.playground.messages: whatever a page (or anyone) sends is checked
before anything acts on it, and a refusal says why."""

from __future__ import annotations

import json

import pytest

from steepest.errors import ConfigError
from steepest.playground.messages import DIGITS_MESSAGES, parse


def test_good_messages():
    assert parse('{"type": "play"}', 1000).type == "play"
    m = parse(json.dumps({"type": "set_weight", "layer": 1, "row": 0, "col": 2,
                          "value": -0.5}), 1000)
    assert m.fields == {"layer": 1, "row": 0, "col": 2, "value": -0.5}
    m = parse('{"type": "surface", "first": [0, 1, 2], "second": [1, 0, 0]}', 1000)
    assert m.fields == {"first": (0, 1, 2), "second": (1, 0, 0)}
    assert parse('{"type": "panels", "shown": ["doctor"]}', 1000).fields == {
        "shown": frozenset({"doctor"})}
    learn = parse('{"type": "learn", "label": 3, "rate": 0.1}', 1000, DIGITS_MESSAGES)
    assert learn.fields == {"label": 3, "rate": 0.1}


@pytest.mark.parametrize(("text", "message"), [
    ("x" * 2000, "a message of 2,000 characters is too long (at most 1,000)"),
    ("not json", "a message must be a JSON object (Expecting value"),
    ("[1, 2]", "a message must be an object, got list"),
    ('{"type": "play", "value": NaN}', "a message must be a JSON object (NaN is not a number"),
    ('{"type": "fly"}', "unknown message type 'fly'; expected one of hello, settings"),
    ('{"kind": "play"}', "unknown message type 'None'"),
    ('{"type": "play", "now": true}', "a play message takes no fields; unknown: now"),
    ('{"type": "fast"}', "a fast message takes on; missing: on"),
    ('{"type": "fast", "on": "yes"}', "fast.on must be true or false, got str"),
    ('{"type": "settings", "settings": [1]}', "settings.settings must be an object, got list"),
    ('{"type": "set_weight", "layer": -1, "row": 0, "col": 0, "value": 1}',
     "set_weight.layer must be a whole number >= 0, got -1"),
    ('{"type": "set_weight", "layer": 0, "row": 0, "col": 0, "value": 1e999}',
     "set_weight.value must be a number, got inf"),
    ('{"type": "surface", "first": [0, 0], "second": [0, 0, 1]}',
     "surface.first must be [layer, row, col], got [0, 0]"),
    ('{"type": "panels", "shown": ["everything"]}', "panels.shown must list panels among "
                                                    "gradients, doctor"),
])
def test_garbage_is_refused_with_a_reason(text, message):
    with pytest.raises(ConfigError) as info:
        parse(text, 1000)
    assert message in str(info.value)


def test_nesting_too_deep_for_the_parser_is_refused_too():
    with pytest.raises(ConfigError, match="a message must be a JSON object"):
        parse("[" * 30_000 + "]" * 30_000, 65536)


def test_the_digits_page_has_its_own_messages():
    with pytest.raises(ConfigError, match="unknown message type 'play'; expected one of "
                                          "hello, undo, learn"):
        parse('{"type": "play"}', 1000, DIGITS_MESSAGES)
