#!/usr/bin/env python3
# rig/selftest_verifier.py — owns: checking rig/verify_rds_token.py against
# botocore. Tokens come from pip's botocore (rig/botocore_token.py); the
# verifier runs as the rig runs it: /usr/bin/python3, token on stdin, PAM_USER
# in the env. Good tokens must pass; tampered, expired, foreign ones must not.
# Run with the python3 on PATH that has botocore. Last line: "N passed, N failed".
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from botocore_token import load_creds, make_token  # noqa: E402

VERIFIER = os.path.join(HERE, "verify_rds_token.py")
SYSTEM_PY = "/usr/bin/python3"

STATIC = load_creds("static")
TEMP = load_creds("temporary")
# A longer session token than the rig's (2,600 chars, with / + =).
_h, _b = b"vouch-rig long session token", b""
while len(_b) < 1940:
    _h = hashlib.sha512(_h).digest()
    _b += _h
LONG = {
    "access_key_id": "ASIAVOUCHRIGLONG0003",
    "secret_access_key": "vouchRigLongSecret/FAKE+0123456789abcdef",
    "session_token": "VOUCHRIGLONG/" + base64.b64encode(_b[:1940]).decode(),
}
assert len(LONG["session_token"]) >= 2000 and all(c in LONG["session_token"] for c in "/+=")

ALLOW = [
    "mydb.cluster-abc123.us-east-1.rds.amazonaws.com:5432",
    "mydb.cluster-abc123.us-east-1.rds.amazonaws.com:443",
    "db.eu.example:3306",
    "localhost:15432",
    "127.0.0.1:15432",
    "other.example:5432",
]
CONFIG = {
    "credentials": {
        c["access_key_id"]: {"secret": c["secret_access_key"], "session_token": c.get("session_token")}
        for c in (STATIC, TEMP, LONG)
    },
    "allow": ALLOW,
    "max_skew": 300,
}

passed = failed = 0


def run_verifier(token: str, pam_user: str, config_path: str):
    env = {"PAM_USER": pam_user, "PAM_SERVICE": "selftest", "PATH": "/usr/bin:/bin"}
    p = subprocess.run([SYSTEM_PY, VERIFIER, config_path], input=token.encode(), env=env,
                       capture_output=True, timeout=30)
    return p.returncode, p.stderr.decode(errors="replace").strip()


def check(name: str, token: str, pam_user: str, want_ok: bool, config_path: str, want_reason: str = ""):
    global passed, failed
    rc, err = run_verifier(token, pam_user, config_path)
    ok = (rc == 0) == want_ok and (not want_reason or want_reason in err)
    leaked = any(s and s in err for s in (token, token[-64:], STATIC["secret_access_key"],
                                          TEMP["secret_access_key"], TEMP["session_token"][:40],
                                          LONG["session_token"][:40]))
    if leaked:
        ok = False
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: rc={rc} want {'accept' if want_ok else 'reject'}"
              f"{' (' + want_reason + ')' if want_reason else ''}{' LEAKED A SECRET' if leaked else ''}; stderr: {err}")


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vouch-verifier-test.") as d:
        cfg = os.path.join(d, "config.json")
        with open(cfg, "w") as f:
            json.dump(CONFIG, f)
        cfg_region = os.path.join(d, "config-region.json")
        with open(cfg_region, "w") as f:
            json.dump(dict(CONFIG, regions=["us-east-1"]), f)

        rds = "mydb.cluster-abc123.us-east-1.rds.amazonaws.com"
        users = ["app", "app@corp", "a+b", "a b", "ünï"]
        targets = [  # (host as given to botocore, port, region)
            (rds, 5432, "us-east-1"),
            ("MyDB.Cluster-ABC123.us-east-1.RDS.amazonaws.com", 5432, "us-east-1"),  # botocore lowercases
            (rds, 443, "us-east-1"),  # botocore leaves :443 out of the signed host
            ("db.eu.example", 3306, "eu-west-2"),
            ("localhost", 15432, "cn-north-1"),
            ("127.0.0.1", 15432, "us-gov-west-1"),
        ]
        credsets = [("static", STATIC), ("temporary", TEMP), ("long-session", LONG)]

        # --- accepted ---------------------------------------------------------
        for cname, creds in credsets:
            for user in users:
                host, port, region = targets[0]
                t = make_token(creds, host, port, user, region)
                check(f"accept {cname} user={user!r} {host}:{port} len={len(t)}", t, user, True, cfg)
        for host, port, region in targets[1:]:
            for cname, creds in credsets[:2]:
                t = make_token(creds, host, port, "app", region)
                check(f"accept {cname} {host}:{port} {region}", t, "app", True, cfg)
        t = make_token(LONG, rds, 5432, "a b", "us-east-1")
        assert len(t) > 2600, len(t)
        check(f"accept long token ({len(t)} bytes, > 511)", t, "a b", True, cfg)
        check("accept token with trailing newline", t + "\n", "a b", True, cfg)
        check("accept 200 s clock skew (signed in the future)", make_token(STATIC, rds, 5432, "app", "us-east-1", 200),
              "app", True, cfg)
        check("accept 850 s old token", make_token(STATIC, rds, 5432, "app", "us-east-1", -850), "app", True, cfg)
        check("accept region us-east-1 with regions=[us-east-1]", make_token(STATIC, rds, 5432, "app", "us-east-1"),
              "app", True, cfg_region)

        # --- rejected ----------------------------------------------------------
        base = make_token(STATIC, rds, 5432, "app", "us-east-1")
        temp = make_token(TEMP, rds, 5432, "app", "us-east-1")
        sig = base[-64:]
        flipped = base[:-1] + ("0" if base[-1] != "0" else "1")
        check("reject tampered signature", flipped, "app", False, cfg, "signature does not match")
        check("reject signature of other case", base[:-64] + sig.upper(), "app", False, cfg, "X-Amz-Signature")
        check("reject token for app used as other", base, "other", False, cfg, "DBUser does not match")
        check("reject DBUser edited to other", base.replace("DBUser=app&", "DBUser=other&"), "other", False, cfg,
              "signature does not match")
        check("reject user case differs", base, "App", False, cfg, "DBUser does not match")
        check("reject host edited (allowlisted name)",
              base.replace(rds + ":5432", "other.example:5432", 1), "app", False, cfg, "signature does not match")
        check("reject host not in allowlist", make_token(STATIC, "evil.example", 5432, "app", "us-east-1"),
              "app", False, cfg, "not a name of this server")
        check("reject port not in allowlist", make_token(STATIC, rds, 5433, "app", "us-east-1"),
              "app", False, cfg, "not a name of this server")
        check("reject expired (signed 901 s ago)", make_token(STATIC, rds, 5432, "app", "us-east-1", -901),
              "app", False, cfg, "expired")
        check("reject expired temporary (signed 2 h ago)", make_token(TEMP, rds, 5432, "app", "us-east-1", -7200),
              "app", False, cfg, "expired")
        check("reject signed 400 s in the future", make_token(STATIC, rds, 5432, "app", "us-east-1", 400),
              "app", False, cfg, "in the future")
        check("reject wrong region with regions=[us-east-1]", make_token(STATIC, rds, 5432, "app", "eu-west-1"),
              "app", False, cfg_region, "region")
        unknown = {"access_key_id": "AKIAUNKNOWNKEY000000", "secret_access_key": STATIC["secret_access_key"]}
        check("reject unknown access key", make_token(unknown, rds, 5432, "app", "us-east-1"),
              "app", False, cfg, "unknown access key")
        wrong_secret = dict(STATIC, secret_access_key="x" * 40)
        check("reject wrong secret", make_token(wrong_secret, rds, 5432, "app", "us-east-1"),
              "app", False, cfg, "signature does not match")
        no_st = {k: v for k, v in TEMP.items() if k != "session_token"}
        check("reject temporary key without session token", make_token(no_st, rds, 5432, "app", "us-east-1"),
              "app", False, cfg, "X-Amz-Security-Token missing")
        wrong_st = dict(TEMP, session_token=TEMP["session_token"][:-4] + "AAA=")
        check("reject wrong session token", make_token(wrong_st, rds, 5432, "app", "us-east-1"),
              "app", False, cfg, "does not match the key's session token")
        static_with_st = dict(STATIC, session_token="abc")
        check("reject session token on a static key", make_token(static_with_st, rds, 5432, "app", "us-east-1"),
              "app", False, cfg, "for a key that has none")
        check("reject pam_exec-style truncation to 511 bytes", temp[:511], "app", False, cfg)
        check("reject https:// prefix", "https://" + base, "app", False, cfg, "scheme")
        check("reject Expires=901", base.replace("X-Amz-Expires=900", "X-Amz-Expires=901"), "app", False, cfg,
              "out of range")
        check("reject Expires=0", base.replace("X-Amz-Expires=900", "X-Amz-Expires=0"), "app", False, cfg,
              "out of range")
        check("reject Action=other", base.replace("Action=connect", "Action=connectx"), "app", False, cfg,
              "Action")
        check("reject algorithm", base.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"), "app", False, cfg,
              "Algorithm")
        check("reject service s3 in scope", base.replace("%2Frds-db%2F", "%2Fs3%2F"), "app", False, cfg, "rds-db")
        check("reject scope date != X-Amz-Date", base.replace("%2F" + base.split("X-Amz-Date=")[1][:8], "%2F20200101"),
              "app", False, cfg, "date")
        check("reject SignedHeaders=host;x-amz-date",
              base.replace("X-Amz-SignedHeaders=host", "X-Amz-SignedHeaders=host%3Bx-amz-date"), "app", False, cfg,
              "SignedHeaders")
        ab = make_token(STATIC, rds, 5432, "a+b", "us-east-1")
        check("reject raw '+' for %2B (non-canonical)", ab.replace("a%2Bb", "a+b"), "a+b", False, cfg, "canonical")
        check("reject lowercase escape %2f", base.replace("%2F", "%2f"), "app", False, cfg, "canonical")
        check("reject duplicate DBUser", base.replace("DBUser=app&", "DBUser=app&DBUser=app&"), "app", False, cfg,
              "duplicate")
        check("reject extra parameter", base.replace("Action=connect&", "Action=connect&Foo=bar&"), "app", False,
              cfg, "unexpected")
        check("reject missing signature", base[:base.index("&X-Amz-Signature=")], "app", False, cfg, "missing")
        check("reject empty token", "", "app", False, cfg, "empty")
        check("reject garbage", "not a token", "app", False, cfg)
        check("reject token for a b given as a+b user", make_token(STATIC, rds, 5432, "a b", "us-east-1"), "a+b",
              False, cfg, "DBUser does not match")

    print(f"verifier: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
