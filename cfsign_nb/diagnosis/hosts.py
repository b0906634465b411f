"""Origins' own endpoints: host names that CloudFront never answers for, recognised by their labels.

A CloudFront-signed URL for ``bucket.s3.amazonaws.com`` or an API Gateway, load balancer,
MediaPackage, MediaStore or Lambda function URL goes straight to the origin: no CloudFront
edge sees it, so its signature is checked by no one and the origin refuses it (or, worse, serves
it unsigned). Names are read label by label from the right (no regular expression over the
untrusted host), so any host costs at most a few comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass

_AWS_SUFFIXES = (("amazonaws", "com"), ("amazonaws", "com", "cn"))
_SERVICE_LABELS = 5
"""How many labels left of ``amazonaws.com`` name the service and region (the rest is the customer's)."""


@dataclass(frozen=True)
class OriginEndpoint:
    """What a host is (``kind``, e.g. "an S3 REST endpoint") and the resource it names, if it shows (a bucket)."""

    kind: str
    name: str | None = None

    def __str__(self) -> str:
        return f"{self.kind} ({self.name[:100]!r})" if self.name else self.kind


def origin_endpoint(host: str) -> OriginEndpoint | None:
    """The origin endpoint ``host`` names (S3, API Gateway, ELB, MediaPackage, MediaStore, Lambda URL...), or None.

    ``host`` is a bare host name (no port); None for CloudFront's own names and every other host.
    """
    name = host.strip().lower().rstrip(".")
    if not name or len(name) > 253 or name.endswith(".cloudfront.net"):
        return None
    labels = name.split(".")
    if labels[-2:] == ["on", "aws"] and len(labels) >= 5 and labels[-4] == "lambda-url":
        return OriginEndpoint("a Lambda function URL")
    for suffix in _AWS_SUFFIXES:
        if len(labels) > len(suffix) and tuple(labels[-len(suffix):]) == suffix:
            return _aws_endpoint(labels[: -len(suffix)])
    if labels[-2:] == ["elasticbeanstalk", "com"] and len(labels) >= 3:
        return OriginEndpoint("an Elastic Beanstalk environment")
    return None


def _aws_endpoint(labels: list[str]) -> OriginEndpoint | None:
    """Which AWS endpoint the labels left of ``amazonaws.com`` name (customer part first, region last)."""
    service = labels[-_SERVICE_LABELS:]
    offset = len(labels) - len(service)
    if len(labels) >= 3 and labels[-2] == "execute-api":
        return OriginEndpoint("an API Gateway endpoint", labels[0])
    if "elb" in service:
        return OriginEndpoint("an Elastic Load Balancing load balancer", labels[0])
    if len(labels) >= 3 and labels[-2] in ("mediapackage", "mediapackagev2"):
        return OriginEndpoint("an AWS Elemental MediaPackage endpoint")
    if len(labels) >= 4 and labels[-2] == "mediastore" and labels[-3] == "data":
        return OriginEndpoint("an AWS Elemental MediaStore container", labels[0])
    if len(labels) >= 2 and (labels[-1] == "compute" or labels[-1].startswith("compute-")):
        return OriginEndpoint("an EC2 instance")
    for i in range(len(service) - 1, -1, -1):  # the rightmost s3 label: a bucket name may hold "s3" too
        label = service[i]
        if label == "s3" or label.startswith("s3-"):
            position = offset + i
            bucket = ".".join(labels[:position]) or None
            if label.startswith("s3-website") or (position + 1 < len(labels) and labels[position + 1] == "s3-website"):
                return OriginEndpoint("an S3 website endpoint", bucket)
            if label.startswith("s3-accesspoint") or "accesspoint" in service:
                return OriginEndpoint("an S3 access point", bucket)
            if label.startswith("s3-object-lambda"):
                return OriginEndpoint("an S3 Object Lambda access point", bucket)
            return OriginEndpoint("an S3 REST endpoint", bucket)
    return None
