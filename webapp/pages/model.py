"""Try the model: score one text through a worker and show label, score and probabilities."""

from __future__ import annotations

from flask import render_template
from werkzeug.exceptions import GatewayTimeout, ServiceUnavailable

from webapp.forms import PredictForm
from webapp.pages import pages_bp
from webapp.scoring import score_texts

UNAVAILABLE = ("The model is not answering right now (no scoring worker is free). "
               "Try again in a moment.")


@pages_bp.route("/model", methods=["GET", "POST"])
def model():
    form = PredictForm()
    result, problem, status = None, None, 200
    if form.validate_on_submit():
        try:
            result = score_texts([form.text.data])[0]
        except (GatewayTimeout, ServiceUnavailable) as error:
            problem, status = UNAVAILABLE, error.code
    elif form.errors:
        status = 422
    return render_template("model/try.html", form=form, result=result, problem=problem), status
