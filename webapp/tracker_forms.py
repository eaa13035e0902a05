"""The tracker forms. Their rules reuse ``webapp.trackers`` so pages and API agree."""

from __future__ import annotations

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms import ValidationError as FieldError
from wtforms.widgets import NumberInput

from core.models import Tracker
from webapp.forms import source_choices
from webapp.trackers import (
    DEFAULT_INTERVAL_MINUTES,
    MAX_INTERVAL_MINUTES,
    MIN_INTERVAL_MINUTES,
    TrackerRequest,
    parse_email,
    parse_interval,
    parse_limit,
    parse_threshold,
    parse_webhook_url,
)
from webapp.validation import DEFAULT_LIMIT, MAX_LIMIT, ValidationError, parse_hashtag, parse_source


def _rule(parse):
    """A WTForms validator from one of our parsers. The parsed value goes to ``field.parsed``;
    the text stays as typed, so a form shown again with errors shows what the person wrote."""
    def validate(form, field) -> None:
        try:
            field.parsed = parse(field.data)
        except ValidationError as error:
            raise FieldError(error.message) from None
    return validate


def _source_or_default(value):
    return parse_source(value, default=current_app.config["DEFAULT_SOURCE"],
                        config=current_app.config)


def _percent_rule(form, field) -> None:
    text = (field.data or "").strip().rstrip("%").strip()
    if not text:
        field.parsed = None
        return
    try:
        percent = float(text)
    except ValueError:
        raise FieldError("The alert threshold must be a percentage between 0 and 100.") from None
    try:
        field.parsed = parse_threshold(percent / 100)
    except ValidationError:
        raise FieldError("The alert threshold must be a percentage between 0 and 100.") from None


class TrackerForm(FlaskForm):
    """Create or edit a tracker."""

    hashtag = StringField("Hashtag", validators=[_rule(parse_hashtag)])
    source = SelectField("Source", validate_choice=False,
                         validators=[_rule(_source_or_default)])
    # Text rather than IntegerField so a wrong value gets our message, not WTForms' own.
    interval_minutes = StringField(
        "Every (minutes)", default=str(DEFAULT_INTERVAL_MINUTES),
        validators=[_rule(parse_interval)],
        widget=NumberInput(min=MIN_INTERVAL_MINUTES, max=MAX_INTERVAL_MINUTES, step=1))
    limit = StringField("Tweets per run", default=str(DEFAULT_LIMIT),
                        validators=[_rule(parse_limit)],
                        widget=NumberInput(min=1, max=MAX_LIMIT, step=1))
    negative_alert_percent = StringField(
        "Alert when negative share reaches (%)", validators=[_percent_rule],
        widget=NumberInput(min=0, max=100, step="any"))
    alert_webhook_url = StringField("Send alerts to this webhook (optional)",
                                    validators=[_rule(parse_webhook_url)])
    alert_email = StringField("E-mail alerts to (optional)", validators=[_rule(parse_email)])
    enabled = BooleanField("Active", default=True)
    next = HiddenField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.source.choices = source_choices(current_app.config)

    def tracker_request(self) -> TrackerRequest:
        return TrackerRequest(
            hashtag=self.hashtag.parsed, source=self.source.parsed,
            interval_minutes=self.interval_minutes.parsed, limit=self.limit.parsed,
            enabled=bool(self.enabled.data),
            negative_alert_threshold=self.negative_alert_percent.parsed,
            alert_webhook_url=self.alert_webhook_url.parsed,
            alert_email=self.alert_email.parsed)

    @classmethod
    def for_tracker(cls, tracker: Tracker, **kwargs) -> TrackerForm:
        threshold = tracker.negative_alert_threshold
        return cls(
            hashtag=tracker.hashtag, source=tracker.source,
            interval_minutes=str(tracker.interval_minutes), limit=str(tracker.tweet_limit),
            negative_alert_percent="" if threshold is None else f"{threshold * 100:g}",
            alert_webhook_url=tracker.alert_webhook_url or "",
            alert_email=tracker.alert_email or "", enabled=tracker.enabled, **kwargs)


class TrackerActionForm(FlaskForm):
    """Pause, resume and delete buttons: the CSRF token and where to go back to."""

    next = HiddenField()
