#!/usr/bin/env python3
# rig/botocore_token.py — owns: making reference RDS IAM tokens with pip's
# botocore (the behaviour vouch must match) for the rig's self-tests.
# Run with the python3 on PATH that has botocore (not /usr/bin/python3).
#
#   botocore_token.py --host H --port P --user U [--region R]
#                     [--creds static|temporary|FILE.json] [--at-offset SECONDS]
#
# --creds static|temporary picks from rig/test-credentials.json; FILE.json may
# be {"access_key_id", "secret_access_key", "session_token"?}. --at-offset signs
# as if the clock were that many seconds off (negative = in the past).
# Prints the token (no newline).
import argparse
import datetime
import json
import os
import sys

import botocore.auth
import botocore.session

HERE = os.path.dirname(os.path.abspath(__file__))
CREDS_FILE = os.path.join(HERE, "test-credentials.json")


def load_creds(which: str) -> dict:
    if which in ("static", "temporary"):
        with open(CREDS_FILE, encoding="utf-8") as f:
            return json.load(f)[which]
    with open(which, encoding="utf-8") as f:
        return json.load(f)


_clients = {}


def _client(creds: dict, region: str):
    key = (creds["access_key_id"], creds["secret_access_key"], creds.get("session_token"), region)
    if key not in _clients:
        session = botocore.session.get_session()
        session.set_credentials(*key[:3])
        _clients[key] = session.create_client("rds", region_name=region)
    return _clients[key]


def make_token(creds: dict, host: str, port: int, user: str, region: str, at_offset: float = 0) -> str:
    """generate_db_auth_token with the given credentials and, optionally, a shifted clock."""
    client = _client(creds, region)
    real = botocore.auth.get_current_datetime
    if at_offset:
        def shifted(remove_tzinfo=True):
            return real(remove_tzinfo) + datetime.timedelta(seconds=at_offset)
        botocore.auth.get_current_datetime = shifted
    try:
        return client.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)
    finally:
        botocore.auth.get_current_datetime = real


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--creds", default="static")
    ap.add_argument("--at-offset", type=float, default=0)
    a = ap.parse_args()
    sys.stdout.write(make_token(load_creds(a.creds), a.host, a.port, a.user, a.region, a.at_offset))
    return 0


if __name__ == "__main__":
    sys.exit(main())
