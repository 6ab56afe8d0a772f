#!/usr/bin/env python3
# rig/redshift_endpoint.py — owns: a small local stand-in for the Redshift
# APIs that moto does not serve: GetClusterCredentialsWithIAM (and
# GetClusterCredentials, so one endpoint serves the end-to-end login) over
# the Query protocol, and Redshift Serverless GetCredentials over JSON 1.1.
# It checks requests as AWS does (SigV4 with the rig's fake keys: scope,
# service, region, date skew, signed headers, signature; the action allowed
# for the identity; the cluster or workgroup; parameters and their ranges)
# and answers in AWS's shapes, errors included.
#
# Each password it issues is recorded in the STORE file (user, SHA-256 of
# the password, expiry, database) that the rig's PostgreSQL checks logins
# against through PAM, as a real cluster learns of the temporary
# credentials its control plane issues. Only this endpoint writes it.
#
#   redshift_endpoint.py CONFIG.json      (stdlib only; listens on 127.0.0.1)
import base64
import calendar
import datetime
import fcntl
import hashlib
import hmac
import json
import os
import re
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

XMLNS = "http://redshift.amazonaws.com/doc/2012-12-01/"
ALGORITHM = "AWS4-HMAC-SHA256"
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/, ]+)/(\d{8})/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$"
)
DB_USER_RE = re.compile(r"^[A-Za-z0-9_+.@ -]{1,128}$", re.UNICODE)
MAX_BODY = 64 * 1024


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def sign_key(secret, date, region, service):
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def canonical_query(raw):
    pairs = urllib.parse.parse_qsl(raw, keep_blank_values=True)
    enc = lambda s: urllib.parse.quote(s, safe="-_.~")
    return "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(pairs))


def verify_sigv4(cfg, method, path, query, headers, body, service, now):
    """The identity (config entry) that signed the request, or ApiError."""
    auth = headers.get("authorization", "")
    m = AUTH_RE.match(auth)
    if not m:
        raise ApiError(403, "IncompleteSignature", "Authorization header requires Credential, SignedHeaders and Signature.")
    akid, sdate, region, svc, signed, sig = m.groups()
    ident = cfg["identities"].get(akid)
    if ident is None:
        raise ApiError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    if svc != service:
        raise ApiError(403, "SignatureDoesNotMatch", f"Credential should be scoped to correct service: '{service}'.")
    amz_date = headers.get("x-amz-date", "")
    if not re.fullmatch(r"\d{8}T\d{6}Z", amz_date) or amz_date[:8] != sdate:
        raise ApiError(403, "SignatureDoesNotMatch", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.")
    signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    if abs(now - signed_at) > cfg.get("max_skew", 300):
        raise ApiError(403, "SignatureDoesNotMatch", "Signature expired: the request time is too far from the server's.")
    names = signed.split(";")
    if "host" not in names or "x-amz-date" not in names or names != sorted(names):
        raise ApiError(403, "SignatureDoesNotMatch", "host and x-amz-date must be signed.")
    want_token = ident.get("session_token")
    got_token = headers.get("x-amz-security-token")
    if want_token:
        if got_token is None or "x-amz-security-token" not in names:
            raise ApiError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
        if not hmac.compare_digest(got_token.encode(), want_token.encode()):
            raise ApiError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    elif got_token is not None:
        raise ApiError(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
    payload_hash = hashlib.sha256(body).hexdigest()
    declared = headers.get("x-amz-content-sha256")
    if declared is not None and declared != payload_hash:
        raise ApiError(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
    canon_headers = ""
    for n in names:
        if n not in headers:
            raise ApiError(403, "SignatureDoesNotMatch", f"signed header {n} is missing")
        canon_headers += n + ":" + " ".join(headers[n].split()) + "\n"
    creq = "\n".join([method, path or "/", canonical_query(query), canon_headers, signed, payload_hash])
    scope = f"{sdate}/{region}/{service}/aws4_request"
    sts = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    want = hmac.new(sign_key(ident["secret"], sdate, region, service), sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        raise ApiError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
    return akid, ident, region


def allowed(ident, action, resource):
    if action not in ident.get("allow", []):
        raise ApiError(403, "AccessDenied",
                       f"User: {ident['arn']} is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action")


def iam_db_user(ident):
    """The database user Redshift derives from an IAM identity."""
    arn = ident["arn"]
    kind, _, name = arn.split(":", 5)[5].partition("/")
    if kind == "user":
        return "IAM:" + name.rsplit("/", 1)[-1]
    if kind == "assumed-role":
        return "IAMR:" + name.split("/", 1)[0]
    raise ApiError(400, "InvalidParameterValue", "the identity cannot be mapped to a database user")


def duration_of(raw, name):
    if raw is None or raw == "":
        return 900
    if not re.fullmatch(r"-?\d{1,9}", str(raw)):
        raise ApiError(400, "InvalidParameterValue", f"{name} must be an integer")
    d = int(raw)
    if not 900 <= d <= 3600:
        raise ApiError(400, "InvalidParameterValue", f"{name} must be between 900 and 3600 seconds.")
    return d


def new_password():
    # Redshift's temporary passwords: long, base64 alphabet with / + =.
    return base64.b64encode(secrets.token_bytes(96)).decode()


def issue(cfg, user, db, scope, duration, now):
    password = new_password()
    expires = now + duration
    rec = {"user": user, "sha256": hashlib.sha256(password.encode()).hexdigest(),
           "expires": expires, "duration": duration, "db": db, "for": scope}
    with open(cfg["store"], "a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(json.dumps(rec) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return password, expires


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def query_api(cfg, form, ident, region, now):
    action = form.get("Action")
    if form.get("Version") != "2012-12-01":
        raise ApiError(400, "InvalidAction", "Version must be 2012-12-01")
    if action not in ("GetClusterCredentialsWithIAM", "GetClusterCredentials"):
        raise ApiError(400, "InvalidAction", f"The action {action} is not valid for this web service.")
    cluster_id = form.get("ClusterIdentifier")
    if not cluster_id:
        raise ApiError(400, "MissingParameter", "The request must contain the parameter ClusterIdentifier.")
    account = ident["arn"].split(":")[4]
    cluster = cfg["clusters"].get(cluster_id)
    db = form.get("DbName")
    duration = duration_of(form.get("DurationSeconds"), "DurationSeconds")
    if action == "GetClusterCredentialsWithIAM":
        resource = f"arn:aws:redshift:{region}:{account}:dbname:{cluster_id}/{db or '*'}"
        allowed(ident, "redshift:GetClusterCredentialsWithIAM", resource)
        if cluster is None or cluster["region"] != region:
            raise ApiError(404, "ClusterNotFound", f"Cluster {cluster_id} not found.")
        user = iam_db_user(ident)
    else:
        user_raw = form.get("DbUser")
        if not user_raw:
            raise ApiError(400, "MissingParameter", "The request must contain the parameter DbUser.")
        if ":" in user_raw or "/" in user_raw or not DB_USER_RE.match(user_raw):
            raise ApiError(400, "InvalidParameterValue", "DbUser is not a valid database user name.")
        resource = f"arn:aws:redshift:{region}:{account}:dbuser:{cluster_id}/{user_raw}"
        allowed(ident, "redshift:GetClusterCredentials", resource)
        auto = form.get("AutoCreate", "false").lower() == "true"
        groups = [v for k, v in form.items() if re.fullmatch(r"DbGroups\.(member|DbGroup)\.\d+", k)]
        if auto:
            allowed(ident, "redshift:CreateClusterUser", resource)
        if groups:
            allowed(ident, "redshift:JoinGroup", f"arn:aws:redshift:{region}:{account}:dbgroup:{cluster_id}/{groups[0]}")
        if cluster is None or cluster["region"] != region:
            raise ApiError(404, "ClusterNotFound", f"Cluster {cluster_id} not found.")
        user = ("IAMA:" if auto else "IAM:") + user_raw
    if db is not None and db not in cluster["databases"]:
        raise ApiError(400, "InvalidParameterValue", f"Database {db} does not exist.")
    password, expires = issue(cfg, user, db, f"cluster:{cluster_id}", duration, now)
    fields = f"<DbUser>{xml_escape(user)}</DbUser><DbPassword>{xml_escape(password)}</DbPassword><Expiration>{iso(expires)}</Expiration>"
    if action == "GetClusterCredentialsWithIAM":
        fields += f"<NextRefreshTime>{iso(now + 600)}</NextRefreshTime>"
    return (f'<{action}Response xmlns="{XMLNS}"><{action}Result>{fields}</{action}Result>'
            f"<ResponseMetadata><RequestId>{secrets.token_hex(16)}</RequestId></ResponseMetadata></{action}Response>")


def serverless_api(cfg, req, ident, region, now):
    if not isinstance(req, dict):
        raise ApiError(400, "ValidationException", "the request body is not a JSON object")
    wg = req.get("workgroupName")
    if req.get("customDomainName"):
        raise ApiError(400, "ValidationException", "customDomainName is not served by this test endpoint")
    if not isinstance(wg, str) or not wg:
        raise ApiError(400, "ValidationException", "workgroupName is required")
    account = ident["arn"].split(":")[4]
    allowed(ident, "redshift-serverless:GetCredentials",
            f"arn:aws:redshift-serverless:{region}:{account}:workgroup/{wg}")
    w = cfg["workgroups"].get(wg)
    if w is None or w["region"] != region:
        raise ApiError(400, "ResourceNotFoundException", f"Workgroup {wg} not found.")
    db = req.get("dbName")
    if db is not None and db not in w["databases"]:
        raise ApiError(400, "ValidationException", f"Database {db} does not exist.")
    duration = duration_of(req.get("durationSeconds"), "durationSeconds")
    user = iam_db_user(ident)
    password, expires = issue(cfg, user, db, f"workgroup:{wg}", duration, now)
    return {"dbUser": user, "dbPassword": password, "expiration": expires, "nextRefreshTime": now + 600}


class Handler(BaseHTTPRequestHandler):
    server_version = "vouch-redshift-rig"
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # no request lines with secrets in logs
        sys.stderr.write("redshift-endpoint: " + (fmt % args).split("?")[0] + "\n")

    def send(self, status, ctype, payload, extra=()):
        data = payload.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(16))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        cfg = self.server.cfg
        now = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return self.send(413, "text/plain", "too large")
        body = self.rfile.read(length)
        headers = {k.lower(): v for k, v in self.headers.items()}
        path, _, query = self.path.partition("?")
        target = headers.get("x-amz-target")
        serverless = target is not None
        try:
            if serverless:
                if target != "RedshiftServerless.GetCredentials":
                    raise ApiError(400, "UnknownOperationException", f"unknown operation {target}")
                _, ident, region = verify_sigv4(cfg, "POST", path, query, headers, body, "redshift-serverless", now)
                try:
                    req = json.loads(body or b"{}")
                except ValueError:
                    raise ApiError(400, "SerializationException", "the body is not JSON") from None
                out = serverless_api(cfg, req, ident, region, now)
                return self.send(200, "application/x-amz-json-1.1", json.dumps(out))
            _, ident, region = verify_sigv4(cfg, "POST", path, query, headers, body, "redshift", now)
            form = dict(urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            return self.send(200, "text/xml", query_api(cfg, form, ident, region, now))
        except ApiError as e:
            if serverless:
                # The JSON protocol's names for the Query protocol's codes.
                code = {"AccessDenied": "AccessDeniedException",
                        "InvalidParameterValue": "ValidationException"}.get(e.code, e.code)
                return self.send(e.status if e.status != 404 else 400, "application/x-amz-json-1.1",
                                 json.dumps({"__type": code, "message": e.message}),
                                 [("x-amzn-ErrorType", code)])
            kind = "Sender" if e.status < 500 else "Receiver"
            return self.send(e.status, "text/xml",
                             f'<ErrorResponse xmlns="{XMLNS}"><Error><Type>{kind}</Type><Code>{e.code}</Code>'
                             f"<Message>{xml_escape(e.message)}</Message></Error>"
                             f"<RequestId>{secrets.token_hex(16)}</RequestId></ErrorResponse>")


def main(argv):
    if len(argv) != 2:
        print("usage: redshift_endpoint.py CONFIG.json", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    srv = ThreadingHTTPServer(("127.0.0.1", int(cfg["port"])), Handler)
    srv.cfg = cfg
    print(f"redshift-endpoint: listening on 127.0.0.1:{cfg['port']}", file=sys.stderr, flush=True)
    srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
