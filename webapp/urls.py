"""Links built once per web process: Flask's ``url_for``, remembered per arguments.

A page builds 20 to 30 links (the navigation, the range picker, pagination, a tracker's
actions), and werkzeug builds each afresh: 5 to 16 µs apiece, about 7 % of a hashtag page's
CPU (py-spy). A link inside a request depends only on the endpoint, its values and where the
request came in (script root, host, scheme: werkzeug's adapter is bound to them), so those
make the key. Whatever else could change a link (an anchor, a method, a scheme or external URL
asked for, ``url_defaults`` callbacks, values that cannot be hashed, no request) goes straight
to Flask, as does a link that fails to build.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, request

# Distinct links kept per process; when full it starts again (a page's links are few and the
# same on every view, so a refill is cheap, and a crawler's thousands of tags stay bounded).
LINKS_KEPT = 8192


class TagpulseFlask(Flask):
    """Flask, with ``url_for`` remembering the links it built within requests."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._links: dict[tuple, str] = {}

    def url_for(self, endpoint: str, /, *, _anchor: str | None = None,
                _method: str | None = None, _scheme: str | None = None,
                _external: bool | None = None, **values: Any) -> str:
        if (_anchor is not None or _method is not None or _scheme is not None or _external
                or not has_request_context() or any(self.url_default_functions.values())):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method,
                                   _scheme=_scheme, _external=_external, **values)
        incoming = request._get_current_object()  # one proxy lookup, not five
        # The type goes in with each value: 1, 1.0 and True are equal keys but different links.
        key = (endpoint, incoming.blueprint if endpoint[:1] == "." else None,
               incoming.root_path, incoming.host, incoming.scheme,
               *[(name, value.__class__, value) for name, value in values.items()])
        try:
            return self._links[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable value (a list for a repeated query argument)
            return super().url_for(endpoint, _external=_external, **values)
        link = super().url_for(endpoint, _external=_external, **values)
        if len(self._links) >= LINKS_KEPT:
            self._links.clear()
        self._links[key] = link
        return link
