#!/usr/bin/env python3
# tests/support/botocore_tokens.py — the reference for vouch's RDS tokens:
# reads a JSON list of cases on stdin, signs each with botocore's
# generate_db_auth_token at the case's frozen time, prints the tokens as a
# JSON list. Run with the python3 that has botocore (pip).
import datetime
import json
import sys

import botocore.auth
import botocore.session


def main() -> None:
    cases = json.load(sys.stdin)
    out = []
    real = botocore.auth.get_current_datetime
    session = botocore.session.get_session()  # one session: service models load once
    try:
        for c in cases:
            when = datetime.datetime.fromtimestamp(c["time"], datetime.timezone.utc).replace(tzinfo=None)
            botocore.auth.get_current_datetime = lambda when=when: when
            client = session.create_client(
                "rds",
                region_name=c["region"],
                aws_access_key_id=c["access_key_id"],
                aws_secret_access_key=c["secret_access_key"],
                aws_session_token=c.get("session_token"),
            )
            out.append(client.generate_db_auth_token(c["host"], c["port"], c["user"]))
    finally:
        botocore.auth.get_current_datetime = real
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
