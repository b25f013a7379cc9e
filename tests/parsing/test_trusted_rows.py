"""The table readers' row models (``tables.trusted``) equal the validated ones, exactly.

``trusted(Model)`` skips the validation pass of a dict whose values already have their field's
exact type. Every model the readers make is compared here with ``model_validate`` of the same
dict (values, their types, field order, the fields set), on every fixture page, on spam-glued
pages and on random dicts; a dict with a value validation would convert is shown to differ, so
the comparison can fail.
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

import pytest
from pydantic import BaseModel

from parsing import ParseError, parse_document
from parsing.interpret import tables
from parsing.models import ActiveDisclosure, ApplicationRow, ReviewLitigation
from tests.parsing.digit_cases import GLUE_BASES, REPORTS, fixture_pages, glue_spam, raw_report

_MODELS = {
    "_new_application": ApplicationRow,
    "_new_active": ActiveDisclosure,
    "_new_review": ReviewLitigation,
}


def _typed(value: Any) -> Any:
    """A value with the type of every part spelled out (1 == 1.0 == True otherwise)."""
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def _state(model: BaseModel) -> tuple[Any, ...]:
    return (
        type(model),
        list(model.__dict__),
        {k: _typed(v) for k, v in model.__dict__.items()},
        model.model_fields_set,
        model.__pydantic_extra__,
        model.__pydantic_private__,
        repr(model),
        model.model_dump_json(),
    )


def _checking(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make every reader model both ways and compare (the count of models compared)."""
    made = [0]
    for name, model in _MODELS.items():
        fast = getattr(tables, name)
        full = model.__pydantic_validator__.validate_python

        def both(values: dict[str, object], fast: Any = fast, full: Any = full) -> BaseModel:
            reference = full(dict(values))
            got: BaseModel = fast(values)
            assert _state(got) == _state(reference), values
            made[0] += 1
            return got

        monkeypatch.setattr(tables, name, both)
    return made


def test_every_fixture_page_makes_the_validated_models(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _checking(monkeypatch)
    for raw in fixture_pages().values():
        with contextlib.suppress(ParseError):
            parse_document(raw)
    assert made[0] > 1000


def test_spam_glued_pages_make_the_validated_models(monkeypatch: pytest.MonkeyPatch) -> None:
    made = _checking(monkeypatch)
    rng = random.Random(11)
    pages = {b: (REPORTS / b / "input.html").read_text("utf-8") for b in GLUE_BASES}
    for _ in range(40):
        base = rng.choice(GLUE_BASES)
        with contextlib.suppress(ParseError):
            parse_document(raw_report(base, glue_spam(rng, pages[base], cells=4)))
    assert made[0] > 1000


def _random_value(rng: random.Random, annotation: str) -> object:
    if "list" in annotation:
        item = "int" if "int" in annotation else "str"
        return [_random_value(rng, item + " | None") for _ in range(rng.randint(0, 7))]
    if "None" in annotation and rng.random() < 0.3:
        return None
    if "float" in annotation:
        return rng.choice([0.0, 1.0, -3.0, 7540.77, 1e9])
    if "int" in annotation:
        return rng.randint(-5, 10**6)
    return rng.choice(["", "规章", "html_table", "1,038", "增77", "review"])


@pytest.mark.parametrize("model", list(_MODELS.values()))
def test_random_typed_dicts_make_the_validated_models(model: type[BaseModel]) -> None:
    build = tables.trusted(model)
    full = model.__pydantic_validator__.validate_python
    rng = random.Random(5)
    fields = model.model_fields
    for _ in range(3000):
        names = [n for n, f in fields.items() if f.is_required() or rng.random() < 0.6]
        if rng.random() < 0.2:
            rng.shuffle(names)  # out of order: the model's order all the same
        values = {n: _random_value(rng, str(fields[n].annotation)) for n in names}
        assert _state(build(values)) == _state(full(dict(values))), values


def test_a_value_validation_converts_is_caught() -> None:
    """The comparison sees a value whose type validation would change (an int for a float)."""
    values: dict[str, object] = {"article": "20.1", "item": "规章", "metric": "made", "value": 1}
    fast = tables.trusted(ActiveDisclosure)(dict(values))
    full = ActiveDisclosure.model_validate(values)
    assert fast == full  # 1 == 1.0: equality alone would not see it
    assert _state(fast) != _state(full)


def test_a_shared_mutable_default_is_refused() -> None:
    class WithList(BaseModel):
        items: list[int] = []

    with pytest.raises(TypeError):
        tables.trusted(WithList)
