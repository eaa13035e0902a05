"""Home: the hashtag form, the latest analyses and the tracked hashtags."""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for

from core.sources import SAMPLE_EXAMPLE_HASHTAGS
from webapp import jobs as job_service
from webapp.authz import acting_user_id
from webapp.extensions import limit_job_submissions
from webapp.forms import AnalyseForm
from webapp.pages import pages_bp

LATEST = 6


def analyse_form() -> AnalyseForm:
    form = AnalyseForm()
    if not form.is_submitted():
        form.source.data = current_app.config.get("DEFAULT_SOURCE", "sample")
        # The sample hashtags below link here with ?hashtag=…&source=sample to fill the form.
        suggested = request.args.get("hashtag", "")
        if suggested in SAMPLE_EXAMPLE_HASHTAGS:
            form.hashtag.data = suggested
            form.source.data = "sample"
    return form


@pages_bp.route("/", methods=["GET", "POST"])
@limit_job_submissions(methods=["POST"])
def home():
    form = analyse_form()
    if form.validate_on_submit():
        job = job_service.create_job(form.job_request(), created_by=acting_user_id())
        return redirect(url_for("pages.job", job_id=job.id), 303)
    # Runs that found nothing new are not results: they stay out of the latest analyses.
    latest = job_service.latest_results(LATEST)
    status = 422 if form.errors else 200
    return render_template("home.html", form=form, latest=latest,
                           sample_hashtags=SAMPLE_EXAMPLE_HASHTAGS), status
