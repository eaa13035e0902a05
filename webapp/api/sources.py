"""/api/sources: the source registry as this server sees it (what is configured, what is not)."""

from __future__ import annotations

from flask import current_app, jsonify

from core.sources import SOURCES, SourceInfo
from webapp.api import api_bp


def source_to_dict(source: SourceInfo) -> dict:
    config = current_app.config
    return {
        "name": source.name,
        "label": source.label,
        "summary": source.summary,
        "configured": source.is_configured(config),
        "required_settings": list(source.required_settings),
        "missing_settings": list(source.missing_settings(config)),
        "optional_settings": list(source.optional_settings),
        "capabilities": {"incremental": source.incremental,
                         "max_page_size": source.max_page_size,
                         "language_filter": source.language_filter},
    }


@api_bp.get("/sources")
def list_sources():
    return jsonify({"default": current_app.config["DEFAULT_SOURCE"],
                    "results": [source_to_dict(source) for source in SOURCES]})
