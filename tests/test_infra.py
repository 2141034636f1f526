"""infra/site.yaml: lints clean with cfn-lint and keeps the properties the site relies on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cfnlint.api import ManualArgs, lint
from cfnlint.decode import decode_str

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "site.yaml"


def _lint(text: str) -> list[str]:
    matches = lint(text, config=ManualArgs(regions=["us-east-1"], include_checks=["I"]))
    return [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in matches]


@pytest.fixture(scope="module")
def template() -> dict:
    doc, errors = decode_str(TEMPLATE.read_text())
    assert not errors
    return doc


@pytest.fixture(scope="module")
def resources(template) -> dict:
    return template["Resources"]


def test_cfn_lint_is_clean():
    assert _lint(TEMPLATE.read_text()) == []


def test_cfn_lint_catches_a_broken_template():
    broken = TEMPLATE.read_text().replace("HttpVersion: http2and3", "HttpVersion: http4")
    assert any("http4" in problem for problem in _lint(broken))


def test_bucket_is_private_and_encrypted(resources):
    bucket = resources["SiteBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"  # ETag stays MD5


def test_only_this_distribution_reads_the_bucket(resources):
    statements = resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allow, records, deny = statements
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    # deploy's records (owed invalidations name taken-down decks; the headers it set):
    # never served
    assert records["Effect"] == "Deny" and records["Action"] == "s3:GetObject"
    assert records["Resource"]["Fn::Sub"].endswith("/*.deckgen/*")
    assert allow["Action"] == "s3:GetObject"
    assert "${Distribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert deny["Effect"] == "Deny" and deny["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    oac = resources["OriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")


def test_distribution_serves_fast_and_maps_404(resources):
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    assert config["HttpVersion"] == "http2and3" and config["DefaultRootObject"] == "index.html"
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["Compress"] is True
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
    origin = config["Origins"][0]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    errors = {e["ErrorCode"]: (e["ResponseCode"], e["ResponsePagePath"])
              for e in config["CustomErrorResponses"]}
    assert errors == {403: (404, "/404.html"), 404: (404, "/404.html")}


def test_security_headers(resources):
    headers = resources["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = headers["SecurityHeadersConfig"]
    csp = [d.strip() for d in security["ContentSecurityPolicy"]["ContentSecurityPolicy"].split(";")]
    assert csp[0] == "default-src 'self'" and "img-src 'self' data:" in csp
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert not any("unsafe-inline" in d or "unsafe-eval" in d for d in csp)
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["FrameOptions"]["FrameOption"] == "DENY"
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    assert security["ContentTypeOptions"]["Override"] is True


def test_custom_domain_is_optional_and_needs_a_certificate(template):
    params = template["Parameters"]
    assert params["DomainName"]["Default"] == "" and params["CertificateArn"]["Default"] == ""
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    assert config["Aliases"]["Fn::If"][0] == "HasDomain"
    assert config["ViewerCertificate"]["Fn::If"][0] == "HasDomain"
    assert "DomainNeedsCertificate" in template["Rules"]
    assert {"BucketName", "DistributionId"} <= set(template["Outputs"])


def test_a_site_deployed_under_a_prefix_is_served_from_the_root(template):
    """QA: with no OriginPath a site deployed with --prefix gallery had no page at / and
    no 404 page; SitePrefix (empty by default) maps the origin to that folder."""
    param = template["Parameters"]["SitePrefix"]
    assert param["Default"] == ""
    pattern = re.compile(param["AllowedPattern"])
    assert all(pattern.fullmatch(p) for p in ("", "gallery", "sites/gallery", "v1.2_x~y"))
    assert not any(pattern.fullmatch(p) for p in ("/gallery", "gallery/", "a//b", "a b"))
    origin = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"][
        "Origins"][0]
    assert origin["OriginPath"] == {"Fn::If": ["HasSitePrefix", {"Fn::Sub": "/${SitePrefix}"},
                                               {"Ref": "AWS::NoValue"}]}
    assert template["Conditions"]["HasSitePrefix"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "SitePrefix"}, ""]}]}
