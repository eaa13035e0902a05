"""Remembered links are the links Flask builds, for each place the app is reached from."""

from __future__ import annotations

import pytest
from flask import Blueprint, Flask, url_for
from werkzeug.routing import BuildError, MapAdapter

from webapp import urls
from webapp.urls import TagpulseFlask


def _apps() -> tuple[Flask, Flask]:
    """The same routes on plain Flask and on TagpulseFlask."""
    built = []
    for cls in (Flask, TagpulseFlask):
        app = cls(__name__)
        for name in ("red", "blue"):
            blueprint = Blueprint(name, __name__, url_prefix=f"/{name}")
            blueprint.add_url_rule("/items/<int:item_id>", "item", lambda item_id: "")
            blueprint.add_url_rule("/", "index", lambda: "")
            app.register_blueprint(blueprint)
        app.add_url_rule("/tags/<tag>", "tag", lambda tag: "")
        built.append(app)
    return built[0], built[1]


CALLS = [
    ("tag", {"tag": "love"}),
    ("tag", {"tag": "café", "range": "30d", "page": 2}),
    ("tag", {"tag": "café", "page": 2, "range": "30d"}),  # query order kept as given
    ("tag", {"tag": "x", "page": 1}),
    ("tag", {"tag": "x", "page": True}),  # equal keys, different links
    ("tag", {"tag": "x", "page": 1.0}),
    ("tag", {"tag": "a b/c?d"}),
    ("tag", {"tag": "x", "word": ["one", "two"]}),  # unhashable: built every time
    (".item", {"item_id": 7}),
    (".index", {}),
    ("static", {"filename": "app.css"}),
]
# Places that differ in one thing each: the blueprint, the mount point, the host, the scheme.
WHERE = [
    {"path": "/red/"},
    {"path": "/blue/"},
    {"path": "/red/", "base_url": "http://localhost/mounted/"},
    {"path": "/red/", "base_url": "http://other.test/"},
    {"path": "/red/", "base_url": "https://localhost/"},
]


def test_each_link_is_the_one_flask_builds_wherever_the_request_came_in():
    plain, remembering = _apps()
    for _ in range(2):  # the second round answers from what the first remembered
        for where in WHERE:
            for endpoint, values in CALLS:
                with plain.test_request_context(**where):
                    expected = url_for(endpoint, **values)
                with remembering.test_request_context(**where):
                    assert url_for(endpoint, **values) == expected, (endpoint, values, where)
            with remembering.test_request_context(**where):
                assert url_for("tag", tag="x", _anchor="top").endswith("/tags/x#top")
                assert url_for("tag", tag="x", _external=True).startswith(("http:", "https:"))


def test_a_link_to_another_host_stays_external_from_there():
    # With SERVER_NAME set, a rule on a subdomain is relative from that subdomain only.
    app = TagpulseFlask(__name__, subdomain_matching=True)
    app.config["SERVER_NAME"] = "example.test"
    app.add_url_rule("/x", "api_x", lambda: "", subdomain="api")
    app.add_url_rule("/", "home", lambda: "")
    for _ in range(2):
        with app.test_request_context("/", base_url="http://api.example.test/"):
            assert url_for("api_x") == "/x"
        with app.test_request_context("/", base_url="http://example.test/"):
            assert url_for("api_x") == "http://api.example.test/x"
        with app.test_request_context("/", base_url="https://example.test/"):
            assert url_for("api_x") == "https://api.example.test/x"


def test_a_link_is_built_once_per_place(monkeypatch):
    _, app = _apps()
    builds = []
    original = MapAdapter.build

    def counting(self, *args, **kwargs):
        builds.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(MapAdapter, "build", counting)
    for _ in range(3):
        with app.test_request_context("/red/"):
            url_for("tag", tag="love", range="7d")
            url_for(".index")
    assert builds == ["tag", "red.index"]
    with app.test_request_context("/blue/"):
        assert url_for(".index") == "/blue/"
    with app.test_request_context("/red/", base_url="http://example.test/mounted/"):
        assert url_for("tag", tag="love", range="7d") == "/mounted/tags/love?range=7d"
    assert builds == ["tag", "red.index", "blue.index", "tag"]


def test_url_defaults_and_failures_go_to_flask(monkeypatch):
    _, app = _apps()
    app.url_defaults(lambda endpoint, values: values.setdefault("lang", "en")
                     if endpoint == "tag" else None)
    with app.test_request_context("/"):
        assert url_for("tag", tag="x") == "/tags/x?lang=en"
        with pytest.raises(BuildError):
            url_for("nowhere")
    assert app._links == {}


def test_the_kept_links_stay_bounded(monkeypatch):
    monkeypatch.setattr(urls, "LINKS_KEPT", 5)
    _, app = _apps()
    with app.test_request_context("/"):
        for n in range(12):
            assert url_for("tag", tag=f"t{n}") == f"/tags/t{n}"
    assert 0 < len(app._links) <= 5
