#!/usr/bin/python3
# rig/verify_rds_token.py — owns: checking an RDS IAM auth token the way RDS
# does, for the local test rig. Stdlib only, run with /usr/bin/python3 (no
# pyenv, no pip packages, no botocore: it is an independent implementation).
#
#   verify_rds_token.py CONFIG.json   (token on stdin, PAM_USER in the env)
#
# CONFIG: {"credentials": {"AKID": {"secret": "...", "session_token": null|"..."}},
#          "allow": ["host:port", ...], "max_skew": 300,
#          "regions": ["us-east-1"]}   (optional: like RDS, reject a token
#                                       signed for another region)
# With "redshift_store": PATH in CONFIG, a login as a Redshift temporary
# user (IAM:..., IAMA:..., IAMR:...) is checked against the passwords the
# rig's Redshift endpoint (redshift_endpoint.py) issued: the SHA-256 of the
# password for that very user, not yet expired. Nothing else gets in so.
#
# Exit 0 = accept, 1 = reject (any failure). One line on stderr says why; it
# never contains the token, the signature, a secret or a session token.
#
# Strictness beyond SigV4 itself: keys and values in the query must be in the
# canonical encoding botocore writes (RFC 3986, only A-Za-z0-9-_.~ unescaped,
# uppercase hex), so a raw '+' or '%2f' is rejected rather than guessed at.
# Like botocore, the signed host is the lowercased host, and the port is left
# out of the signed host header when it is 443 (the token still carries it).
import hashlib
import hmac
import json
import os
import re
import sys
import time
import calendar

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "rds-db"
UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
REQUIRED = (
    "Action", "DBUser", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
    "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature",
)
KNOWN = frozenset(REQUIRED + ("X-Amz-Security-Token",))
DATE_RE = re.compile(r"^(\d{8})T(\d{6})Z$")
PORT_RE = re.compile(r"^[0-9]{1,5}$")
REGION_RE = re.compile(r"^[a-z0-9-]{1,64}$")
SIG_RE = re.compile(r"^[0-9a-f]{64}$")
MAX_TOKEN = 64 * 1024


class Reject(Exception):
    pass


def encode(raw: bytes) -> str:
    """RFC 3986 percent-encoding as SigV4 wants it."""
    return "".join(chr(b) if b in UNRESERVED else "%%%02X" % b for b in raw)


def decode(s: str, what: str) -> bytes:
    """Strict percent-decoding: the input must already be canonical."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "%":
            h = s[i + 1:i + 3]
            if len(h) != 2 or not re.fullmatch(r"[0-9A-Fa-f]{2}", h):
                raise Reject(f"bad percent-escape in {what}")
            out.append(int(h, 16))
            i += 3
        else:
            if ord(c) > 127:
                raise Reject(f"non-ASCII character in {what}")
            out.append(ord(c))
            i += 1
    raw = bytes(out)
    if encode(raw) != s:
        raise Reject(f"{what} is not canonically percent-encoded")
    return raw


def split_authority(auth: str):
    if auth.startswith("["):
        end = auth.find("]")
        if end < 0 or auth[end + 1:end + 2] != ":":
            raise Reject("bad host:port")
        host, port = auth[:end + 1], auth[end + 2:]
    else:
        host, sep, port = auth.rpartition(":")
        if not sep:
            raise Reject("no port in token")
    if not host or not PORT_RE.match(port) or not 0 < int(port) < 65536:
        raise Reject("bad host:port")
    if any(c in host for c in "@/?#% \t\\") or any(ord(c) < 33 or ord(c) > 126 for c in host):
        raise Reject("bad host")
    return host.lower(), port


def derive_key(secret: str, date: str, region: str) -> bytes:
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, SERVICE, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def verify(token: str, pam_user: bytes, config: dict, now: float) -> str:
    """Returns a short description on success, raises Reject otherwise."""
    if not token:
        raise Reject("empty token")
    if len(token) > MAX_TOKEN:
        raise Reject("token too long")
    if "://" in token.split("/", 1)[0] or token.lower().startswith(("http:", "https:")):
        raise Reject("token has a URL scheme (RDS wants it without https://)")
    authority, sep, rest = token.partition("/")
    if not sep or not rest.startswith("?"):
        raise Reject("token is not HOST:PORT/?QUERY")
    if "#" in rest:
        raise Reject("fragment in token")
    host, port = split_authority(authority)
    query = rest[1:]

    params = {}
    for pair in query.split("&"):
        k, eq, v = pair.partition("=")
        if not eq:
            raise Reject("query item without '='")
        key = decode(k, "a query key").decode("ascii", "replace")
        if key not in KNOWN:
            raise Reject(f"unexpected query parameter {key!r}")
        if key in params:
            raise Reject(f"duplicate query parameter {key}")
        params[key] = (k, v)
    for key in REQUIRED:
        if key not in params:
            raise Reject(f"missing {key}")

    def val(key: str) -> str:
        return decode(params[key][1], key).decode("utf-8", "strict")

    if val("Action") != "connect":
        raise Reject("Action is not connect")
    db_user = decode(params["DBUser"][1], "DBUser")
    if not hmac.compare_digest(db_user, pam_user):
        raise Reject("DBUser does not match the login user")
    if val("X-Amz-Algorithm") != ALGORITHM:
        raise Reject("X-Amz-Algorithm is not " + ALGORITHM)

    date = val("X-Amz-Date")
    m = DATE_RE.match(date)
    if not m:
        raise Reject("bad X-Amz-Date")
    try:
        signed_at = calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise Reject("bad X-Amz-Date") from None

    cred = val("X-Amz-Credential").split("/")
    if len(cred) != 5:
        raise Reject("bad X-Amz-Credential")
    akid, cdate, region, service, term = cred
    if service != SERVICE:
        raise Reject("credential scope service is not rds-db")
    if term != "aws4_request":
        raise Reject("credential scope does not end in aws4_request")
    if cdate != m.group(1):
        raise Reject("credential scope date differs from X-Amz-Date")
    if not REGION_RE.match(region):
        raise Reject("bad region in credential scope")
    regions = config.get("regions") or []
    if regions and region not in regions:
        raise Reject(f"token signed for region {region}, this server is in {'/'.join(regions)}")
    creds = config.get("credentials", {})
    if akid not in creds:
        raise Reject(f"unknown access key {akid[:24]!r}")
    key_conf = creds[akid]
    want_st = key_conf.get("session_token")
    if "X-Amz-Security-Token" in params:
        if not want_st:
            raise Reject("X-Amz-Security-Token given for a key that has none")
        got_st = decode(params["X-Amz-Security-Token"][1], "X-Amz-Security-Token")
        if not hmac.compare_digest(got_st, want_st.encode()):
            raise Reject("X-Amz-Security-Token does not match the key's session token")
    elif want_st:
        raise Reject("X-Amz-Security-Token missing for temporary credentials")

    exp_s = val("X-Amz-Expires")
    if not re.fullmatch(r"[0-9]{1,6}", exp_s):
        raise Reject("bad X-Amz-Expires")
    expires = int(exp_s)
    if not 0 < expires <= 900:
        raise Reject("X-Amz-Expires out of range (0, 900]")
    if now >= signed_at + expires:
        raise Reject(f"token expired {int(now - signed_at - expires)} s ago")
    max_skew = int(config.get("max_skew", 300))
    if signed_at - now > max_skew:
        raise Reject(f"X-Amz-Date is {int(signed_at - now)} s in the future")
    if val("X-Amz-SignedHeaders") != "host":
        raise Reject("X-Amz-SignedHeaders is not host")

    hostport = f"{host}:{port}"
    if hostport not in set(a.lower() for a in config.get("allow", [])):
        raise Reject(f"token is for {hostport}, not a name of this server")

    sig = params["X-Amz-Signature"][1]
    if not SIG_RE.match(sig):
        raise Reject("bad X-Amz-Signature")
    signed_host = host if port == "443" else hostport
    canonical_query = "&".join(
        f"{k}={v}" for k, v in sorted(params[key] for key in params if key != "X-Amz-Signature")
    )
    creq = "\n".join(["GET", "/", canonical_query, "host:" + signed_host, "", "host", EMPTY_SHA256])
    scope = f"{cdate}/{region}/{SERVICE}/aws4_request"
    sts = "\n".join([ALGORITHM, date, scope, hashlib.sha256(creq.encode()).hexdigest()])
    want = hmac.new(derive_key(key_conf["secret"], cdate, region), sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, sig):
        raise Reject("signature does not match")
    return f"key={akid} region={region} host={hostport} age={int(now - signed_at)}s"


REDSHIFT_PREFIXES = (b"IAM:", b"IAMA:", b"IAMR:")


def verify_redshift(password: str, pam_user: bytes, config: dict, now: float) -> str:
    """A temporary Redshift password issued for this user and still valid."""
    store = config.get("redshift_store")
    if not store:
        raise Reject("no Redshift credentials are issued for this server")
    digest = hashlib.sha256(password.encode()).hexdigest()
    user = pam_user.decode("utf-8", "strict")
    try:
        with open(store, encoding="utf-8") as f:
            records = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        raise Reject(f"cannot read the issued credentials: {type(e).__name__}") from None
    mine = [r for r in records if r.get("user") == user]
    if not mine:
        raise Reject("no credentials were issued for this user")
    for r in mine:
        if hmac.compare_digest(r.get("sha256", ""), digest):
            if now >= r.get("expires", 0):
                raise Reject(f"the issued password expired {int(now - r['expires'])} s ago")
            return f"redshift user={user} for={r.get('for')} left={int(r['expires'] - now)}s"
    raise Reject("the password is not one issued for this user")


def main(argv) -> int:
    user_disp = os.environ.get("PAM_USER", "?")
    rhost = os.environ.get("PAM_RHOST", "-")
    prefix = f"vouch-rig verify: user={user_disp!r} rhost={rhost}"
    try:
        if len(argv) != 2:
            raise Reject("usage: verify_rds_token.py CONFIG.json < token")
        pam_user = os.environb.get(b"PAM_USER")
        if pam_user is None:
            raise Reject("PAM_USER not set")
        try:
            with open(argv[1], encoding="utf-8") as f:
                config = json.load(f)
        except (OSError, ValueError) as e:
            raise Reject(f"cannot read config: {type(e).__name__}") from None
        raw = sys.stdin.buffer.read(MAX_TOKEN + 1)
        try:
            token = raw.decode("ascii").strip()
        except UnicodeDecodeError:
            raise Reject("token is not ASCII") from None
        if pam_user.startswith(REDSHIFT_PREFIXES):
            info = verify_redshift(token, pam_user, config, time.time())
        else:
            info = verify(token, pam_user, config, time.time())
    except Reject as e:
        print(f"{prefix}: REJECT: {e}", file=sys.stderr, flush=True)
        return 1
    except Exception as e:  # never a traceback (it could show the token)
        print(f"{prefix}: REJECT: internal error {type(e).__name__}", file=sys.stderr, flush=True)
        return 1
    print(f"{prefix}: ACCEPT: {info}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
