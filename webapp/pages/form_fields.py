"""Form fields rendered once per set of values they show, per web process.

WTForms writes every HTML attribute through Python's string formatter: the home page's three
fields were a third of that page's time, and a tracker form's seven settings a quarter of a
hashtag's page. Those forms are shown fresh on nearly every visit, and a fresh field's HTML is
a function of its values (and a select's choices) alone, so each set of values is rendered by
its macro once. A form showing errors is always rendered afresh: its messages are its own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from flask import current_app
from flask_wtf import FlaskForm
from markupsafe import Markup

from webapp.pages import pages_bp

# Each set: the macro that renders it, and every field that macro shows.
FIELD_SETS = {
    "analyse_fields": ("_macros.html", ("hashtag", "limit", "source")),
    "tracker_settings": ("trackers/_macros.html", (
        "interval_minutes", "limit", "source", "negative_alert_percent", "alert_webhook_url",
        "alert_email", "enabled")),
}
CACHE = "tagpulse.form_fields"
KEPT = 256


@dataclass
class _RenderedFields:
    """Rendered sets by what they show; the oldest goes first when full."""

    html: dict[tuple, Markup] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _render(name: str, form: FlaskForm) -> Markup:
    template, _ = FIELD_SETS[name]
    html = getattr(current_app.jinja_env.get_template(template).module, name)(form)
    assert isinstance(html, Markup)  # autoescaped: what it interpolated is escaped already
    return html


def _shown(form: FlaskForm, names: tuple[str, ...]) -> tuple:
    """What the fields show: their values, and a select's options."""
    shown = []
    for name in names:
        field_ = form[name]
        choices = getattr(field_, "choices", None)
        shown.append((name, field_.data, None if choices is None else tuple(
            (choice.value, choice.label, choice.optgroup,
             tuple(sorted(choice.render_kw.items()))) for choice in choices)))
    return tuple(shown)


def form_fields_html(name: str, form: FlaskForm) -> Markup:
    """The macro ``name`` of ``FIELD_SETS`` applied to ``form``, from this process's cache
    of the last ``KEPT`` sets rendered when the form has no errors."""
    _, names = FIELD_SETS[name]
    if any(form[field_name].errors for field_name in names):
        return _render(name, form)
    cache = current_app.extensions.get(CACHE)
    if cache is None:
        cache = current_app.extensions.setdefault(CACHE, _RenderedFields())
    key = (name, type(form), _shown(form, names))
    html = cache.html.get(key)
    if html is None:
        html = _render(name, form)
        with cache.lock:
            if len(cache.html) >= KEPT:
                del cache.html[next(iter(cache.html))]
            cache.html[key] = html
    return html


pages_bp.add_app_template_global(form_fields_html, "form_fields_html")
