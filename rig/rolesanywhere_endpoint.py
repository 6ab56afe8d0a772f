#!/usr/bin/python3
"""rig/rolesanywhere_endpoint.py — owns: a local IAM Roles Anywhere endpoint
for the tests. It answers `POST /sessions` (CreateSession) over HTTPS on
127.0.0.1 and checks each request the way AWS does: the X.509 SigV4
Authorization header, X-Amz-Date and its skew, the credential scope, the
leaf certificate and its serial, the signature (recomputed canonical request,
RSA PKCS#1 v1.5 or ECDSA over SHA-256), the chain up to a configured trust
anchor (validity at "now", CA and key-usage bits), and the body's ARNs and
duration. Success is AWS's 201 `credentialSet` answer; failures are AWS's
error types (X-Amzn-ErrorType header, JSON {"message": ...}). One log line a
request (accepted/rejected and why); never a credential or a signature.

Runs with Debian's /usr/bin/python3 and python3-cryptography (38 or later).

    rolesanywhere_endpoint.py CONFIG.json            serve
    rolesanywhere_endpoint.py send HOST:PORT CA.pem  send a raw HTTP request (stdin, bytes as
        given) over TLS trusting CA.pem; print the status code, a blank line, the body

CONFIG (JSON):
  listen, port        address (default 127.0.0.1) and TCP port
  tls_cert, tls_key   the server certificate and key (PEM)
  log                 log file (one line a request); default stderr
  region              the endpoint's region (scope and ARNs must name it)
  hosts               accepted Host header values (default: any)
  trust_anchors       [{"arn", "bundle": PEM file of CA certificate(s), "enabled"}]
  profiles            [{"arn", "durationSeconds" (max, default 3600), "roleArns": [...],
                        "enabled", "acceptRoleSessionName"}]
  credentials         {"accessKeyId", "secretAccessKey", "sessionToken"} handed out,
                      or absent/null: fresh random ASIA... keys for every session
  max_skew            allowed clock skew in seconds (default 300, as AWS)
  now                 fixed time "YYYY-MM-DDTHH:MM:SSZ" (default: the real clock)
"""

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import secrets
import ssl
import string
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

ALG_RSA = "AWS4-X509-RSA-SHA256"
ALG_EC = "AWS4-X509-ECDSA-SHA256"
SERVICE = "rolesanywhere"
REQUIRED_SIGNED = ("content-type", "host", "x-amz-date", "x-amz-x509")
CONTENT_TYPES = ("application/json", "application/x-amz-json-1.0")
MIN_DURATION, MAX_DURATION = 900, 43200
MAX_CHAIN = 5
MAX_BODY = 64 * 1024
WEAK_HASHES = ("md5", "sha1")
AMZ_DATE = re.compile(r"^(\d{8})T\d{6}Z$")
ARN_PART = r"arn:aws(?:-cn|-us-gov)?"
TA_ARN = re.compile(ARN_PART + r":rolesanywhere:([a-z0-9-]+):(\d{12}):trust-anchor/[0-9a-f-]{36}$")
PROFILE_ARN = re.compile(ARN_PART + r":rolesanywhere:([a-z0-9-]+):(\d{12}):profile/[0-9a-f-]{36}$")
ROLE_ARN = re.compile(r"(" + ARN_PART + r"):iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})$")
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")


class Reject(Exception):
    """A request AWS would refuse: HTTP status, error type, client message, log reason."""

    def __init__(self, status, kind, message, reason=None):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message
        self.reason = reason or message


def denied(message, reason=None):
    return Reject(403, "AccessDeniedException", message, reason)


def invalid(message, reason=None):
    return Reject(400, "ValidationException", message, reason)


def not_found(message, reason=None):
    return Reject(404, "ResourceNotFoundException", message, reason)


# ------------------------------------------------------------ certificates --

def utc(naive_or_aware):
    return naive_or_aware if naive_or_aware.tzinfo else naive_or_aware.replace(tzinfo=dt.timezone.utc)


def not_before(cert):
    return utc(getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before)


def not_after(cert):
    return utc(getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after)


def load_pem_bundle(path):
    with open(path, "rb") as f:
        data = f.read()
    blocks = re.findall(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", data, re.S)
    if not blocks:
        raise ValueError(f"no certificate in {path}")
    return [x509.load_pem_x509_certificate(b) for b in blocks]


def ext(cert, cls):
    try:
        return cert.extensions.get_extension_for_class(cls).value
    except x509.ExtensionNotFound:
        return None


def is_ca(cert):
    bc = ext(cert, x509.BasicConstraints)
    ku = ext(cert, x509.KeyUsage)
    return bool(bc and bc.ca and ku and ku.key_cert_sign)


def cert_name(cert):
    return cert.subject.rfc4514_string()


def signed_by(cert, issuer):
    """True if issuer's key made cert's signature (SHA-256 or stronger)."""
    if cert.issuer != issuer.subject:
        return False
    try:
        h = cert.signature_hash_algorithm
    except Exception:  # RSA-PSS, Ed25519 ...: not what Roles Anywhere takes
        return False
    if h is None or h.name in WEAK_HASHES:
        return False
    key = issuer.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), h)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(h))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def check_validity(cert, now, what):
    if now < not_before(cert):
        raise denied("Certificate is not yet valid", f"{what} {cert_name(cert)} not valid before {not_before(cert):%Y-%m-%dT%H:%M:%SZ}")
    if now > not_after(cert):
        raise denied("Certificate expired", f"{what} {cert_name(cert)} expired {not_after(cert):%Y-%m-%dT%H:%M:%SZ}")


def check_weak_hash(cert, what):
    try:
        h = cert.signature_hash_algorithm
    except Exception:
        h = None
    if h is None or h.name in WEAK_HASHES:
        raise denied("Untrusted signing certificate", f"{what} {cert_name(cert)} is not signed with SHA-256 or stronger")


def verify_chain(leaf, chain, anchors, now):
    """Walk leaf -> chain certificates -> a trust anchor certificate.
    Raises Reject (403) unless the path is complete and every link is valid."""
    current = leaf
    pool = list(chain)
    for _ in range(MAX_CHAIN + 2):
        for anchor in anchors:
            if signed_by(current, anchor):
                if not is_ca(anchor):
                    raise denied("Untrusted signing certificate",
                                 f"signature ok; trust anchor {cert_name(anchor)} is not a CA certificate "
                                 "(needs basicConstraints CA:TRUE and keyUsage keyCertSign, as CreateTrustAnchor does)")
                check_validity(anchor, now, "trust anchor")
                return anchor
        nxt = next((c for c in pool if signed_by(current, c)), None)
        if nxt is None:
            raise denied("Untrusted signing certificate",
                         f"no path from {cert_name(current)} (issuer {current.issuer.rfc4514_string()}) to the trust anchor")
        if not is_ca(nxt):
            raise denied("Untrusted signing certificate", f"chain certificate {cert_name(nxt)} is not a CA certificate")
        check_validity(nxt, now, "chain certificate")
        check_weak_hash(nxt, "chain certificate")
        pool.remove(nxt)
        current = nxt
    raise denied("Untrusted signing certificate", "certificate path too long")


def decode_der(b64, what):
    try:
        der = base64.b64decode(b64.strip(), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError) as e:
        raise invalid(f"Invalid {what}", f"{what} is not a base64 DER certificate ({e.__class__.__name__})")


# ------------------------------------------------------------ signing -------

def uri_encode(s):
    return quote(s, safe="-_.~")


def canonical_query(raw):
    if not raw:
        return "", []
    pairs = []
    for part in raw.split("&"):
        if not part:
            continue
        k, _, v = part.partition("=")
        pairs.append((unquote(k), unquote(v)))
    enc = sorted((uri_encode(k), uri_encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in enc), pairs


def header_value(values):
    return ",".join(" ".join(v.split()) for v in values)


def parse_authorization(value):
    alg, sep, rest = value.strip().partition(" ")
    if not sep:
        raise denied("Authorization header requires Credential, SignedHeaders and Signature",
                     "malformed Authorization header")
    fields = {}
    for part in rest.split(","):
        k, eq, v = part.strip().partition("=")
        if not eq or k in fields:
            raise denied("Authorization header requires Credential, SignedHeaders and Signature",
                         f"malformed Authorization component {k!r}")
        fields[k] = v
    if set(fields) != {"Credential", "SignedHeaders", "Signature"}:
        raise denied("Authorization header requires Credential, SignedHeaders and Signature",
                     f"Authorization has {sorted(fields)}")
    return alg, fields


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------ the endpoint --

class Endpoint:
    def __init__(self, cfg):
        self.cfg = cfg
        self.region = cfg["region"]
        self.hosts = cfg.get("hosts")
        self.max_skew = int(cfg.get("max_skew", 300))
        self.fixed_now = None
        if cfg.get("now"):
            self.fixed_now = dt.datetime.strptime(cfg["now"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        self.anchors = {}
        for ta in cfg["trust_anchors"]:
            certs = load_pem_bundle(ta["bundle"])
            self.anchors[ta["arn"]] = {"certs": certs, "enabled": ta.get("enabled", True)}
            for c in certs:
                if not is_ca(c):
                    log_line(self, f"config: warning: trust anchor {ta['arn']} holds {cert_name(c)}, not a CA "
                                   "certificate (CreateTrustAnchor refuses it; requests under it are rejected)")
        self.profiles = {p["arn"]: p for p in cfg["profiles"]}
        self.creds = cfg.get("credentials")
        self.log_lock = threading.Lock()

    def now(self):
        return self.fixed_now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)

    # One CreateSession; returns the response body or raises Reject.
    def create_session(self, method, path, raw_query, headers, body, info):
        now = self.now()
        if method != "POST" or path != "/sessions":
            raise Reject(404, "UnknownOperationException", "Unknown operation", f"{method} {path}")

        # --- Authorization header form ---
        auth = headers.get("authorization")
        if not auth:
            raise denied("Missing Authentication Token", "no Authorization header")
        if len(auth) != 1:
            raise denied("Multiple Authorization headers", "multiple Authorization headers")
        alg, f = parse_authorization(auth[0])
        info["alg"] = alg
        if alg not in (ALG_RSA, ALG_EC):
            raise denied("Unsupported signing algorithm", f"algorithm {alg!r}")
        cred = f["Credential"].split("/")
        if len(cred) != 5:
            raise denied("Invalid credential scope", f"Credential {f['Credential']!r} is not serial/date/region/service/aws4_request")
        serial, sdate, sregion, sservice, term = cred
        info["serial"] = serial
        if not re.fullmatch(r"[0-9]{1,60}", serial):
            raise denied("Invalid credential: the serial number must be decimal", f"serial {serial!r} not decimal")
        if term != "aws4_request":
            raise denied("Invalid credential scope", f"scope terminator {term!r}")
        if sservice != SERVICE:
            raise denied("Invalid credential scope", f"scope service {sservice!r}, want {SERVICE}")
        if sregion != self.region:
            raise denied("Invalid credential scope", f"scope region {sregion!r}, want {self.region}")
        signed = f["SignedHeaders"].split(";")
        if signed != sorted(signed) or any(h != h.lower() or not h for h in signed) or len(set(signed)) != len(signed):
            raise denied("Invalid SignedHeaders", f"SignedHeaders {f['SignedHeaders']!r} not lowercase, sorted, unique")
        need = list(REQUIRED_SIGNED) + (["x-amz-x509-chain"] if "x-amz-x509-chain" in headers else [])
        missing = [h for h in need if h not in signed]
        if missing:
            raise denied("Invalid SignedHeaders", f"SignedHeaders lacks {';'.join(missing)}")
        absent = [h for h in signed if h not in headers]
        if absent:
            raise denied("Invalid SignedHeaders", f"signed header(s) {';'.join(absent)} not in the request")
        sig_hex = f["Signature"]
        if not re.fullmatch(r"(?:[0-9a-f]{2})+", sig_hex):
            raise denied("Invalid signature", "Signature is not lowercase hex")

        # --- X-Amz-Date ---
        amz_date = header_value(headers["x-amz-date"])
        m = AMZ_DATE.match(amz_date)
        try:
            when = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc) if m else None
        except ValueError:
            when = None
        if when is None:
            raise denied("Invalid X-Amz-Date", f"X-Amz-Date {amz_date!r} not YYYYMMDDTHHMMSSZ")
        if m.group(1) != sdate:
            raise denied("Invalid credential scope", f"scope date {sdate} is not the X-Amz-Date date {m.group(1)}")
        skew = (when - now).total_seconds()
        if skew < -self.max_skew:
            raise denied("Signature expired", f"X-Amz-Date {amz_date} is {-skew:.0f}s before now {iso(now)} (max {self.max_skew}s)")
        if skew > self.max_skew:
            raise denied("Signature not yet current", f"X-Amz-Date {amz_date} is {skew:.0f}s after now {iso(now)} (max {self.max_skew}s)")

        # --- Host and Content-Type ---
        host = header_value(headers["host"])
        if self.hosts is not None and host.lower() not in self.hosts:
            raise denied("Invalid host", f"Host {host!r} not one of {self.hosts}")
        ctype = header_value(headers["content-type"]).split(";")[0].strip().lower()
        if ctype not in CONTENT_TYPES:
            raise invalid("Unsupported content type", f"Content-Type {ctype!r}")

        # --- the leaf certificate ---
        x509_values = headers["x-amz-x509"]
        if len(x509_values) != 1:
            raise denied("Invalid X-Amz-X509", "multiple X-Amz-X509 headers")
        leaf = decode_der(x509_values[0], "X-Amz-X509")
        info["subject"] = cert_name(leaf)
        if leaf.version != x509.Version.v3:
            raise denied("Untrusted signing certificate", "leaf is not X.509 v3")
        if int(serial) != leaf.serial_number:
            raise denied("Invalid credential: the serial number does not match the signing certificate",
                         f"Credential serial {serial} != certificate serial {leaf.serial_number}")
        key = leaf.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            want_alg = ALG_RSA
        elif isinstance(key, ec.EllipticCurvePublicKey):
            want_alg = ALG_EC
        else:
            raise denied("Unsupported key type", f"leaf key {type(key).__name__}")
        if alg != want_alg:
            raise denied("Invalid signature", f"algorithm {alg} does not match the certificate's key ({want_alg})")

        # --- the signature over the recomputed canonical request ---
        cquery, qpairs = canonical_query(raw_query)
        cheaders = "".join(f"{h}:{header_value(headers[h])}\n" for h in signed)
        creq = "\n".join(["POST", "/sessions", cquery, cheaders, ";".join(signed), hashlib.sha256(body).hexdigest()])
        scope = f"{sdate}/{sregion}/{SERVICE}/aws4_request"
        sts = "\n".join([alg, amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
        sig = bytes.fromhex(sig_hex)
        try:
            if want_alg == ALG_RSA:
                key.verify(sig, sts.encode(), padding.PKCS1v15(), hashes.SHA256())
            else:
                key.verify(sig, sts.encode(), ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            raise denied("Invalid signature", f"signature does not verify (canonical request sha256 {hashlib.sha256(creq.encode()).hexdigest()})")

        # --- the leaf's own properties ---
        bc = ext(leaf, x509.BasicConstraints)
        if bc is not None and bc.ca:
            raise denied("Untrusted signing certificate", "signature ok; the leaf is a CA certificate")
        ku = ext(leaf, x509.KeyUsage)
        if ku is None or not ku.digital_signature:
            raise denied("Untrusted signing certificate", "signature ok; the leaf has no digitalSignature key usage")
        check_weak_hash(leaf, "leaf")
        check_validity(leaf, now, "leaf")

        # --- the request body (and the query string, as the Go helper sends) ---
        if len(body) == 0:
            req = {}
        else:
            try:
                req = json.loads(body)
            except ValueError:
                raise invalid("Request body is not valid JSON", "body is not JSON")
            if not isinstance(req, dict):
                raise invalid("Request body must be a JSON object", "body is not a JSON object")
        for k, v in qpairs:
            if k in ("profileArn", "roleArn", "trustAnchorArn", "durationSeconds", "roleSessionName"):
                if k == "durationSeconds":
                    if not re.fullmatch(r"[0-9]{1,9}", v):
                        raise invalid("durationSeconds must be a number", f"query durationSeconds {v!r}")
                    v = int(v)
                if k in req and req[k] != v:
                    raise invalid(f"Conflicting values for {k}", f"{k} differs between query and body")
                req[k] = v
        for k in ("trustAnchorArn", "profileArn", "roleArn"):
            if not isinstance(req.get(k), str) or not req[k]:
                raise invalid(f"{k} is required", f"no {k}")
        ta_arn, p_arn, role_arn = req["trustAnchorArn"], req["profileArn"], req["roleArn"]
        info["profile"] = p_arn
        dur = req.get("durationSeconds", 3600)
        if not isinstance(dur, int) or isinstance(dur, bool):
            raise invalid("durationSeconds must be an integer", f"durationSeconds {dur!r}")
        if not MIN_DURATION <= dur <= MAX_DURATION:
            raise invalid(f"durationSeconds must be between {MIN_DURATION} and {MAX_DURATION}", f"durationSeconds {dur}")
        mta, mp, mr = TA_ARN.match(ta_arn), PROFILE_ARN.match(p_arn), ROLE_ARN.match(role_arn)
        if not mta:
            raise invalid("Invalid trustAnchorArn", f"trustAnchorArn {ta_arn!r} malformed")
        if not mp:
            raise invalid("Invalid profileArn", f"profileArn {p_arn!r} malformed")
        if not mr:
            raise invalid("Invalid roleArn", f"roleArn {role_arn!r} malformed")
        if mta.group(1) != self.region or mp.group(1) != self.region:
            raise invalid("Resource ARN region does not match the endpoint region",
                          f"ARN region {mta.group(1)}/{mp.group(1)}, endpoint {self.region}")
        if not (mta.group(2) == mp.group(2) == mr.group(2)):
            raise invalid("Trust anchor, profile and role must be in the same account", "account mismatch")
        anchor = self.anchors.get(ta_arn)
        if anchor is None:
            raise not_found("Trust anchor not found", f"unknown trust anchor {ta_arn}")
        profile = self.profiles.get(p_arn)
        if profile is None:
            raise not_found("Profile not found", f"unknown profile {p_arn}")
        if not anchor["enabled"]:
            raise denied("Trust anchor is disabled", f"trust anchor {ta_arn} disabled")
        if not profile.get("enabled", True):
            raise denied("Profile is disabled", f"profile {p_arn} disabled")
        if role_arn not in profile.get("roleArns", []):
            raise denied("Role is not allowed by the profile", f"role {role_arn} not in profile {p_arn}")
        rsn = req.get("roleSessionName")
        if rsn is not None:
            if not profile.get("acceptRoleSessionName", False):
                raise invalid("Profile does not accept a role session name", "roleSessionName given, profile does not accept it")
            if not isinstance(rsn, str) or not SESSION_NAME.match(rsn):
                raise invalid("Invalid roleSessionName", f"roleSessionName {rsn!r}")
        ip = req.get("instanceProperties")
        if ip is not None and not (isinstance(ip, dict) and all(isinstance(a, str) and isinstance(b, str) for a, b in ip.items())):
            raise invalid("instanceProperties must map strings to strings", "bad instanceProperties")

        # --- the chain up to the trust anchor ---
        chain = []
        if "x-amz-x509-chain" in headers:
            parts = [p for v in headers["x-amz-x509-chain"] for p in v.split(",")]
            if len(parts) > MAX_CHAIN:
                raise invalid(f"X-Amz-X509-Chain holds at most {MAX_CHAIN} certificates", f"{len(parts)} chain certificates")
            chain = [decode_der(p, "X-Amz-X509-Chain") for p in parts]
        verify_chain(leaf, chain, anchor["certs"], now)

        # --- the answer ---
        effective = min(dur, int(profile.get("durationSeconds", 3600)))
        info["duration"] = effective
        account, partition = mr.group(2), mr.group(1)[4:]
        session_name = rsn or format(leaf.serial_number, "x")
        cn = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        source_identity = f"CN={cn[0].value}" if cn else cert_name(leaf)
        creds = self.creds or random_credentials()
        role_id = "AROA" + hashlib.sha256(role_arn.encode()).hexdigest()[:17].upper()
        subject_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{ta_arn}|{leaf.subject.rfc4514_string()}")
        return {
            "credentialSet": [{
                "assumedRoleUser": {
                    "arn": f"arn:{partition}:sts::{account}:assumed-role/{mr.group(3)}/{session_name}",
                    "assumedRoleId": f"{role_id}:{session_name}",
                },
                "credentials": {
                    "accessKeyId": creds["accessKeyId"],
                    "expiration": iso(now + dt.timedelta(seconds=effective)),
                    "secretAccessKey": creds["secretAccessKey"],
                    "sessionToken": creds["sessionToken"],
                },
                "packedPolicySize": 0,
                "roleArn": role_arn,
                "sourceIdentity": source_identity,
            }],
            "subjectArn": f"arn:{partition}:rolesanywhere:{self.region}:{account}:subject/{subject_id}",
        }


def random_credentials():
    up = string.ascii_uppercase + string.digits
    return {
        "accessKeyId": "ASIA" + "".join(secrets.choice(up) for _ in range(16)),
        "secretAccessKey": base64.b64encode(secrets.token_bytes(30)).decode(),
        "sessionToken": base64.b64encode(secrets.token_bytes(600)).decode(),
    }


LOG = {"file": None, "lock": threading.Lock()}


def log_line(_endpoint, text):
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    line = f"{stamp} vouch-ra: {text}\n"
    with LOG["lock"]:
        (LOG["file"] or sys.stderr).write(line)
        (LOG["file"] or sys.stderr).flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vouch-rolesanywhere-rig"
    sys_version = ""

    def log_message(self, *args):  # the endpoint logs its own line
        pass

    def send_json(self, status, obj, kind=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if kind:
            self.send_header("X-Amzn-ErrorType", kind)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        ep = self.server.endpoint
        info = {}
        path, _, query = self.path.partition("?")
        headers = {}
        for k, v in self.headers.items():
            headers.setdefault(k.lower(), []).append(v)
        try:
            if "transfer-encoding" in headers:
                raise Reject(411, "LengthRequiredException", "Content-Length required", "Transfer-Encoding body")
            try:
                length = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                raise invalid("Invalid Content-Length", "bad Content-Length")
            if length < 0 or length > MAX_BODY:
                self.close_connection = True
                raise Reject(413, "ValidationException", "Request too large", f"Content-Length {length}")
            body = self.rfile.read(length) if length else b""
            resp = ep.create_session(self.command, path, query, headers, body, info)
        except Reject as r:
            self.send_json(r.status, {"message": r.message}, r.kind)
            log_line(ep, f"REJECT {r.status} {r.kind}: {r.reason}{describe(info)}")
            return
        except Exception as e:  # a bug in the endpoint: answer like AWS's 500, log the type
            self.send_json(500, {"message": "Internal failure"}, "InternalServerException")
            log_line(ep, f"ERROR 500 {e.__class__.__name__}: {e}{describe(info)}")
            return
        self.send_json(201, resp)
        log_line(ep, f"ACCEPT 201 duration {info['duration']}s role {resp['credentialSet'][0]['roleArn']}"
                     f"{describe(info)}")

    do_POST = do_GET = do_PUT = do_DELETE = do_PATCH = handle_any


def describe(info):
    parts = [f"{k}={info[k]!r}" for k in ("alg", "serial", "subject", "profile") if k in info]
    return (" [" + " ".join(parts) + "]") if parts else ""


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, endpoint, ctx):
        self.endpoint = endpoint
        self.ctx = ctx
        super().__init__(addr, Handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        return sock, addr

    def finish_request(self, request, client_address):
        # TLS handshake in the worker thread, so one slow client cannot stall the others.
        request.settimeout(30)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log_line(self.endpoint, f"TLS handshake failed from {client_address[0]}: {e.__class__.__name__}")
            return
        self.RequestHandlerClass(tls, client_address, self)

    def handle_error(self, request, client_address):
        log_line(self.endpoint, f"ERROR connection from {client_address[0]}: {sys.exc_info()[1]!r}")


def send(hostport, ca):
    """A raw request from stdin, as is, to hostport over TLS; prints 'STATUS\n\nBODY'."""
    import http.client
    import socket
    host, _, port = hostport.rpartition(":")
    raw = sys.stdin.buffer.read()
    ctx = ssl.create_default_context(cafile=ca)
    with socket.create_connection((host, int(port)), timeout=20) as s:
        with ctx.wrap_socket(s, server_hostname=host) as t:
            t.sendall(raw)
            resp = http.client.HTTPResponse(t, method=raw.split(b" ", 1)[0].decode())
            resp.begin()
            body = resp.read()
    kind = resp.getheader("X-Amzn-ErrorType") or ""
    sys.stdout.write(f"{resp.status} {kind}\n\n{body.decode()}\n")
    return 0


def main(argv):
    if len(argv) == 4 and argv[1] == "send":
        return send(argv[2], argv[3])
    if len(argv) != 2:
        sys.stderr.write("usage: rolesanywhere_endpoint.py CONFIG.json | send HOST:PORT CA.pem <REQUEST\n")
        return 2
    with open(argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    if cfg.get("log"):
        LOG["file"] = open(cfg["log"], "a", encoding="utf-8")
    endpoint = Endpoint(cfg)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cfg["tls_cert"], cfg["tls_key"])
    server = TLSServer((cfg.get("listen", "127.0.0.1"), int(cfg["port"])), endpoint, ctx)
    log_line(endpoint, f"listening on https://{cfg.get('listen', '127.0.0.1')}:{cfg['port']} region {endpoint.region}"
                       f"{' fixed now ' + cfg['now'] if cfg.get('now') else ''}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
