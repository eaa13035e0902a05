"""The HTML forms. Their validators reuse ``webapp.validation`` so pages and API agree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms import ValidationError as FieldError
from wtforms.validators import DataRequired
from wtforms.widgets import NumberInput

from core.models import JOB_STATUSES
from core.sources import SOURCES
from webapp.validation import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    JobRequest,
    ValidationError,
    parse_hashtag,
    parse_int,
    parse_source,
)


def source_choices(config: Mapping[str, Any]) -> list[SelectChoice]:
    """Every source of the registry; one that is not configured is shown disabled, with the
    setting to set, so people see what exists and what it takes."""
    choices = []
    for source in SOURCES:
        hint = source.setup_hint(config)
        label = f"{source.label} ({hint})" if hint else source.label
        choices.append(SelectChoice(source.name, label,
                                    render_kw={"disabled": True} if hint else {}))
    return choices


def _hashtag_rule(form, field) -> None:
    try:
        field.data = parse_hashtag(field.data)
    except ValidationError as error:
        raise FieldError(error.message) from None


def _optional_hashtag_rule(form, field) -> None:
    if field.data and field.data.strip():
        _hashtag_rule(form, field)
    else:
        field.data = None


def _limit_rule(form, field) -> None:
    if field.data is None or not str(field.data).strip():
        field.data = DEFAULT_LIMIT
        return
    try:
        field.data = parse_int(field.data, "limit", low=1, high=MAX_LIMIT, what="The tweet limit")
    except ValidationError as error:
        raise FieldError(error.message) from None


def _source_rule(form, field) -> None:
    try:
        field.data = parse_source(field.data, default=current_app.config["DEFAULT_SOURCE"],
                                  config=current_app.config)
    except ValidationError as error:
        raise FieldError(error.message) from None


def _text_length_rule(form, field) -> None:
    limit = current_app.config["PREDICT_MAX_CHARS"]
    if field.data and len(field.data) > limit:
        raise FieldError(f"The text can be at most {limit} characters long.")


class AnalyseForm(FlaskForm):
    """Home page: the hashtag to analyse, and optionally how many tweets and from where."""

    hashtag = StringField("Hashtag", validators=[_hashtag_rule])
    # Text rather than IntegerField so a wrong value gets our message, not WTForms' own.
    limit = StringField("Tweets", default=str(DEFAULT_LIMIT), validators=[_limit_rule],
                        widget=NumberInput(min=1, max=MAX_LIMIT, step=1))
    source = SelectField("Source", validate_choice=False, validators=[_source_rule])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source.choices = source_choices(current_app.config)

    def job_request(self) -> JobRequest:
        return JobRequest(hashtag=self.hashtag.data, limit=self.limit.data,
                          source=self.source.data)


class RerunForm(FlaskForm):
    """A failed job's re-run button: nothing but the CSRF token."""


class PredictForm(FlaskForm):
    """Try the model: one text."""

    text = TextAreaField("Text to score", validators=[
        DataRequired("Type a sentence or paste a tweet to score."), _text_length_rule])


class HistoryFilterForm(FlaskForm):
    """History search: a GET form, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    hashtag = StringField("Hashtag", validators=[_optional_hashtag_rule])
    status = SelectField("Status", default="", choices=[SelectChoice("", "Any status")] + [
        SelectChoice(status, status.capitalize()) for status in JOB_STATUSES])
