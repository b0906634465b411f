"""CloudFront distribution configs: the model, which cache behavior serves a path, and the checks.

:func:`load_distribution` reads what ``aws cloudfront get-distribution`` prints (:mod:`.model`);
:func:`match_behavior` and :func:`serves_host` answer which behavior and which hosts
(:mod:`.match`); :func:`check_request` and :func:`lint_distribution` find what is wrong (:mod:`.checks`).
"""

from .checks import check_request, lint_distribution
from .match import match_behavior, patterns_overlap, serves_host, url_path
from .model import MAX_PATH_PATTERN, Behavior, DistributionConfig, DistributionError, load_distribution

__all__ = [
    "MAX_PATH_PATTERN",
    "Behavior",
    "DistributionConfig",
    "DistributionError",
    "check_request",
    "lint_distribution",
    "load_distribution",
    "match_behavior",
    "patterns_overlap",
    "serves_host",
    "url_path",
]
