"""The catalogue of tweet sources: the names the web app validates and the worker builds.

The sources themselves (clients, parsing) live in ``worker.sources``; the web app needs only
their names, so it never imports worker code.
"""

SOURCE_NAMES = ("sample", "x")
"""The sources a job can name; "sample" is the default, needing no network or credentials."""
