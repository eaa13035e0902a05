"""The session shortcuts answer exactly as Flask's own signed-cookie sessions do.

``webapp.security.CookieSessionInterface`` skips work for a request without a session cookie
and for a session that is empty and unchanged. Each case below runs on two apps with the same
views, one with Flask's interface and one with ours, and compares what a browser would see:
the session cookie set or deleted, ``Vary``, and what the view read back.
"""

from __future__ import annotations

import pytest
from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface

from webapp.security import CookieSessionInterface


def _app(interface) -> Flask:
    app = Flask(__name__)
    app.secret_key = "test-secret"
    app.session_interface = interface

    @app.get("/untouched")
    def untouched():
        return "ok"

    @app.get("/read")
    def read():
        return repr(session.get("who"))

    @app.get("/read-varied")
    def read_varied():
        # A view that varies on something else already: Cookie joins it in the same header.
        return repr(session.get("who")), {"Vary": "Accept-Encoding"}

    @app.get("/write")
    def write():
        session["who"] = "ada"
        return "ok"

    @app.get("/clear")
    def clear():
        session.clear()
        return "ok"

    @app.get("/permanent")
    def permanent():
        session.permanent = True
        return repr(session.get("who"))

    return app


def _signed_session(app: Flask) -> str:
    """A valid session cookie holding who=ada, as ``app`` signs it."""
    with app.test_client() as client:
        client.get("/write")
        return client.get_cookie("session").value


CASES = [
    ("/untouched", None),
    ("/read", None),
    ("/read-varied", None),
    ("/write", None),
    ("/clear", None),
    ("/permanent", None),
    ("/untouched", "valid"),
    ("/read", "valid"),
    ("/read-varied", "valid"),
    ("/write", "valid"),
    ("/clear", "valid"),
    ("/permanent", "valid"),
    ("/read", "forged"),
    ("/clear", "forged"),
    ("/read", "other-cookie-only"),
]


def _answer(app: Flask, path: str, cookie: str | None) -> tuple:
    client = app.test_client()
    if cookie == "valid":
        client.set_cookie("session", _signed_session(app))
    elif cookie == "forged":
        client.set_cookie("session", "eyJ3aG8iOiJldmUifQ.forged.signature")
    elif cookie == "other-cookie-only":
        client.set_cookie("theme", "dark")
    response = client.get(path)
    set_cookies = sorted(
        # The expiry of a permanent session's cookie moves with the clock: compare the rest.
        "; ".join(part for part in header.split("; ") if not part.startswith("Expires="))
        for header in response.headers.getlist("Set-Cookie"))
    # The Vary header as sent, not parsed: the shortcut writes it itself.
    return (response.status_code, response.get_data(as_text=True), set_cookies,
            response.headers.getlist("Vary"))


@pytest.mark.parametrize(("path", "cookie"), CASES)
def test_the_session_is_read_and_saved_as_flask_does(path, cookie):
    flask_app = _app(SecureCookieSessionInterface())
    our_app = _app(CookieSessionInterface())

    assert _answer(our_app, path, cookie) == _answer(flask_app, path, cookie)


def test_a_read_session_varies_on_cookie_and_a_written_one_is_sent():
    """The comparison above would pass if both sides were wrong the same way: pin down what
    Flask's behaviour is for the two cases the shortcut answers itself."""
    app = _app(CookieSessionInterface())

    assert _answer(app, "/read", None) == (200, "None", [], ["Cookie"])
    assert _answer(app, "/read-varied", None) == (200, "None", [], ["Accept-Encoding, Cookie"])
    assert _answer(app, "/untouched", None) == (200, "ok", [], [])
    status, _body, set_cookies, vary = _answer(app, "/write", None)
    assert status == 200 and vary == ["Cookie"]
    assert len(set_cookies) == 1 and set_cookies[0].startswith("session=")
    assert _answer(app, "/read", "valid")[:2] == (200, "'ada'")
