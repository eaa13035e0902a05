"""/api/trackers: hashtags re-analysed on a schedule, and the alerts they raised."""

from __future__ import annotations

from flask import abort, current_app, jsonify, request, url_for

from webapp import trackers as tracker_service
from webapp.api import api_bp
from webapp.api.jobs import json_body
from webapp.api.params import hashtag_arg
from webapp.authz import acting_user_id
from webapp.extensions import limiter
from webapp.trackers import TrackerRequest


def _submit_limit() -> str:
    return current_app.config["JOB_SUBMIT_RATE_LIMIT"]


def _tracker_or_404(tracker_id: int):
    tracker = tracker_service.get_tracker(tracker_id)
    if tracker is None:
        abort(404, description=f"There is no tracker {tracker_id}.")
    return tracker


@api_bp.post("/trackers")
@limiter.limit(_submit_limit, methods=["POST"])
def create_tracker():
    tracker = tracker_service.create_tracker(TrackerRequest.from_mapping(
        json_body(), default_source=current_app.config["DEFAULT_SOURCE"]),
        created_by=acting_user_id())
    response = jsonify(tracker_service.tracker_to_dict(tracker))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_tracker", tracker_id=tracker.id)
    return response


@api_bp.get("/trackers")
def list_trackers():
    hashtag = hashtag_arg(request.args)
    trackers = tracker_service.list_trackers(hashtag_key=hashtag)
    return jsonify({"results": [tracker_service.tracker_to_dict(t) for t in trackers],
                    "total": len(trackers)})


@api_bp.get("/trackers/<int:tracker_id>")
def get_tracker(tracker_id: int):
    return jsonify(tracker_service.tracker_to_dict(_tracker_or_404(tracker_id)))


@api_bp.patch("/trackers/<int:tracker_id>")
def update_tracker(tracker_id: int):
    tracker = _tracker_or_404(tracker_id)
    changes = TrackerRequest.from_mapping(json_body(), partial=True)
    tracker = tracker_service.update_tracker(tracker, changes)
    return jsonify(tracker_service.tracker_to_dict(tracker))


@api_bp.delete("/trackers/<int:tracker_id>")
def delete_tracker(tracker_id: int):
    tracker_service.delete_tracker(_tracker_or_404(tracker_id))
    return "", 204


@api_bp.get("/trackers/<int:tracker_id>/alerts")
def tracker_alerts(tracker_id: int):
    _tracker_or_404(tracker_id)
    alerts = tracker_service.recent_alerts(tracker_id=tracker_id, limit=100)
    return jsonify({"results": [tracker_service.alert_to_dict(a) for a in alerts]})
