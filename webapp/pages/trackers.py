"""Tracker pages and form posts: create, edit, pause, resume and delete trackers.

The home and hashtag pages show trackers through the partials ``templates/trackers/_*.html``;
their forms post here, and each post redirects back with a flash message.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from core.models import Tracker
from webapp import jobs as job_service
from webapp import trackers as tracker_service
from webapp.authz import acting_user_id
from webapp.errors import error_response
from webapp.pages.form_fields import form_fields_html
from webapp.tracker_forms import TrackerActionForm, TrackerForm
from webapp.validation import ValidationError

trackers_pages_bp = Blueprint("trackers_pages", __name__)

OK, ERROR = "tracker-ok", "tracker-error"  # flash categories; the partials show these
SUMMARY_ALERTS = 5
TAG_ALERTS = 10
TRACKER_RUNS = 10  # a tracker's page lists its newest runs; the hashtag's page has them all


@trackers_pages_bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    return error_response(
        400, "This form could not be verified: its security token was missing or did not match. "
             "Go back, reload the page and submit it again.")


def safe_next(target: str | None, default: str) -> str:
    """A path on this site to go back to; anything else (another host, a scheme) is ignored."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target


def back(form) -> str:
    return safe_next(form.next.data, url_for("trackers_pages.index"))


def tracker_or_404(tracker_id: int) -> Tracker:
    tracker = tracker_service.get_tracker(tracker_id)
    if tracker is None:
        abort(404, description=f"There is no tracker {tracker_id}.")
    return tracker


def first_error(form) -> str:
    for name, errors in form.errors.items():
        if errors:
            label = getattr(form, name).label.text if hasattr(form, name) else name
            return f"{label}: {errors[0]}"
    return "The form could not be read; reload the page and try again."


@trackers_pages_bp.get("/trackers")
def index():
    return render_template("trackers/index.html", form=new_tracker_form(None))


@trackers_pages_bp.post("/trackers")
def create():
    """Like the analyse form: on an error the form comes back as typed, every wrong field
    marked with its own message (on the trackers page, which holds the whole form)."""
    form = TrackerForm()
    if not form.validate():
        return render_template("trackers/index.html", form=form), 422
    try:
        tracker = tracker_service.create_tracker(form.tracker_request(),
                                                 created_by=acting_user_id())
    except ValidationError as error:
        getattr(form, error.field or "", form.hashtag).errors.append(error.message)
        return render_template("trackers/index.html", form=form), 422
    flash(f"#{tracker.hashtag} is tracked every {every(tracker.interval_minutes)}; "
          "the first run starts shortly.", OK)
    return redirect(back(form), 303)


@trackers_pages_bp.get("/trackers/<int:tracker_id>")
def edit(tracker_id: int):
    tracker = tracker_or_404(tracker_id)
    form = TrackerForm.for_tracker(tracker, formdata=None, next=request.args.get("next", ""))
    return render_edit(tracker, form)


def render_edit(tracker: Tracker, form: TrackerForm, status: int = 200):
    alerts = tracker_service.recent_alerts(tracker_id=tracker.id, limit=TAG_ALERTS)
    listed = tracker_service.tracker_listing(tracker.id)
    runs = job_service.tracker_runs(tracker.id, TRACKER_RUNS)
    return render_template("trackers/edit.html", tracker=tracker, form=form, alerts=alerts,
                           deliveries=tracker_service.recent_deliveries(tracker.id),
                           last_run=listed.last_run if listed is not None else None,
                           run_items=job_service.collapse_empty_runs(runs)), status


@trackers_pages_bp.post("/trackers/<int:tracker_id>")
def update(tracker_id: int):
    tracker = tracker_or_404(tracker_id)
    form = TrackerForm()
    if not form.validate():
        return render_edit(tracker, form, 422)
    try:
        tracker = tracker_service.update_tracker(tracker, form.tracker_request())
    except ValidationError as error:
        getattr(form, error.field or "", form.hashtag).errors.append(error.message)
        return render_edit(tracker, form, 422)
    flash(f"The tracker for #{tracker.hashtag} was saved.", OK)
    return redirect(back(form), 303)


def _set_enabled(tracker_id: int, enabled: bool, done: str):
    tracker = tracker_or_404(tracker_id)
    form = TrackerActionForm()
    if form.validate():
        tracker_service.set_enabled(tracker, enabled)
        flash(done.format(hashtag=tracker.hashtag), OK)
    return redirect(back(form), 303)


@trackers_pages_bp.post("/trackers/<int:tracker_id>/pause")
def pause(tracker_id: int):
    return _set_enabled(tracker_id, False, "Tracking of #{hashtag} is paused.")


@trackers_pages_bp.post("/trackers/<int:tracker_id>/resume")
def resume(tracker_id: int):
    return _set_enabled(tracker_id, True, "Tracking of #{hashtag} is resumed.")


@trackers_pages_bp.get("/trackers/<int:tracker_id>/delete")
def confirm_delete(tracker_id: int):
    """Deleting asks first, on a page of its own (no script needed)."""
    tracker = tracker_or_404(tracker_id)
    return render_template("trackers/delete.html", tracker=tracker,
                           form=TrackerActionForm(formdata=None,
                                                  next=safe_next(request.args.get("next"), "")))


@trackers_pages_bp.post("/trackers/<int:tracker_id>/delete")
def remove(tracker_id: int):
    tracker = tracker_or_404(tracker_id)
    form = TrackerActionForm()
    if form.validate():
        hashtag = tracker.hashtag
        tracker_service.delete_tracker(tracker)
        flash(f"The tracker for #{hashtag} was deleted; its past runs stay in the history.", OK)
    return redirect(back(form), 303)


def every(minutes: int) -> str:
    """'5 minutes', 'hour', '2 hours', 'day', '1 day 6 hours'."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}{'s' if n > 1 else ''}"
             for n, unit in ((days, "day"), (hours, "hour"), (mins, "minute")) if n]
    if len(parts) == 1 and parts[0].startswith("1 "):
        return parts[0][2:]
    return " ".join(parts)


def new_tracker_form(hashtag: str | None) -> TrackerForm:
    return TrackerForm(formdata=None, hashtag=hashtag or "", next=request.full_path.rstrip("?"),
                       source=current_app.config["DEFAULT_SOURCE"])


NEW_SETTINGS = "tagpulse.new_tracker_settings"


def new_tracker_settings_html() -> Markup:
    """A new tracker's settings as the hashtag page offers them. A fresh form's fields show
    the form's defaults and the app's sources, nothing of the request, so each web process
    builds that form once rather than on every view of a hashtag (building it, and a form for
    the tracker actions, was a twelfth of the page's Python time)."""
    html = current_app.extensions.get(NEW_SETTINGS)
    if html is None:
        html = current_app.extensions[NEW_SETTINGS] = form_fields_html(
            "tracker_settings", new_tracker_form(None))
    return html


def action_form() -> TrackerActionForm:
    return TrackerActionForm(formdata=None, next=request.full_path.rstrip("?"))


# Helpers the partials call: the pages that include them pass only their own context.
for name, value in {
    "tracker_list": lambda hashtag_key=None: tracker_service.list_trackers(
        hashtag_key=hashtag_key),
    "tracker_alerts": lambda hashtag_key=None, limit=SUMMARY_ALERTS:
        tracker_service.recent_alerts(hashtag_key=hashtag_key, limit=limit),
    "new_tracker_settings_html": new_tracker_settings_html,
    "tracker_action_form": action_form,
    "tracker_every": every,
}.items():
    trackers_pages_bp.add_app_template_global(value, name)
