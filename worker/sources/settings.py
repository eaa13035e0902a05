"""Reading a source's settings: plain values from the worker's configuration mapping."""

import math
from collections.abc import Mapping

from .base import SourceError


def number_setting(
    settings: Mapping[str, object], key: str, *, default: float, minimum: float, unit: str
) -> float:
    """The number under `key`, at least `minimum`; `default` when it is unset or empty.

    Values may be strings (from the environment) or numbers (from a config object).
    Raises SourceError with a message naming the setting when the value is unusable.
    """
    raw = settings.get(key)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = float(str(raw))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= minimum):
        raise SourceError(f"{key} must be a number of {unit}, at least {minimum:g}; got {raw!r}")
    return value
