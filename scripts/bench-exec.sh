#!/usr/bin/env bash
# scripts/bench-exec.sh — what `vouch exec` costs before the execve.
# Compares, with hyperfine (median of many runs, no shell in between):
#   A  the client alone:                     psql -h 127.0.0.1 -p 1 -U app -d app
#   B  through vouch (credentials from env): vouch exec --iam-host RDS:5432 -- psql (same args)
#   C  the AWS CLI way:                      PGPASSWORD=$(aws rds generate-db-auth-token ...) psql (same args)
#   D  mariadb alone:                        mariadb -h 127.0.0.1 -P 1 -u app -e 'select 1'
#   E  through vouch, flavour cached:        vouch exec --iam-host RDS:3306 -- mariadb (same args)
#   F  as E with the flavour cache emptied before each run (the one-time
#      `mariadb --version` probe a first run pays)
#   G  as B, signing with a cached `vouch login` session (software key via the
#      local IAM Roles Anywhere endpoint) instead of environment credentials
#   H  Redshift: vouch exec -- psql to a cluster name (hostaddr 127.0.0.1,
#      port 1): one GetClusterCredentialsWithIAM call to the PostgreSQL rig's
#      local Redshift API on loopback, then psql
#   I  the AWS CLI way: aws redshift get-cluster-credentials-with-iam against
#      the same endpoint, then psql with the password (jq-free: --query)
# The clients start, try the closed port 1 on loopback and exit at once, so
# B - A and E - D are vouch's own work: parse, resolve (mariadb: its option
# files too), sign, execve. Target: <= 5 ms (median).
# Installs hyperfine if missing; builds vouch in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
command -v aws >/dev/null || python3 -m pip install -q awscli
cargo build --release --quiet --bin vouch
vouch="$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd)/vouch"
out=$(mktemp -d)
ra_dir=""
pg_dir=""
trap 'if [[ -n "$ra_dir" ]]; then bash rig/rolesanywhere-rig.sh stop "$ra_dir" >/dev/null 2>&1 || true; fi; if [[ -n "$pg_dir" ]]; then bash rig/pg-rig.sh stop "$pg_dir" >/dev/null 2>&1 || true; fi; rm -rf "$out"' EXIT

host=mydb.cluster-abc123.us-east-1.rds.amazonaws.com
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
export AWS_EC2_METADATA_DISABLED=true XDG_CACHE_HOME="$out/cache"
unset AWS_PROFILE AWS_SESSION_TOKEN
# The real psql binary, not Debian's perl wrapper in /usr/bin (which alone
# costs tens of ms and would drown the difference).
bindir=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
export PATH="$bindir:$PATH"
psql="$bindir/psql"
"$vouch" exec --explain -- psql -h "$host" -U app -d app >/dev/null   # writes the CA bundle once

runs=${RUNS:-300}
hyperfine -N -i --warmup 30 --runs "$runs" --export-json "$out/fast.json" \
  -n "A psql alone" "$psql -h 127.0.0.1 -p 1 -U app -d app" \
  -n "B vouch exec -- psql" "$vouch exec --iam-host $host:5432 -- psql -h 127.0.0.1 -p 1 -U app -d app" >/dev/null
my_args="-h 127.0.0.1 -P 1 -u app -e select1"
"$vouch" exec --iam-host "$host:3306" --explain -- mariadb $my_args >/dev/null   # probes the flavour once
hyperfine -N -i --warmup 30 --runs "$runs" --export-json "$out/my.json" \
  -n "D mariadb alone" "mariadb $my_args" \
  -n "E vouch exec -- mariadb (flavour cached)" "$vouch exec --iam-host $host:3306 -- mariadb $my_args" >/dev/null
hyperfine -N -i --warmup 5 --runs "${PROBE_RUNS:-100}" --export-json "$out/probe.json" \
  --prepare "rm -f $out/cache/vouch/client-flavours" \
  -n "F vouch exec -- mariadb (cache emptied: probe)" "$vouch exec --iam-host $host:3306 -- mariadb $my_args" >/dev/null
# G: a session from `vouch login` (the endpoint hands out fake keys).
ra_env=$(bash rig/rolesanywhere-rig.sh start RIG_PORT="${RA_PORT:-14490}" | tail -n 1)
ra_dir=$(dirname "$ra_env")
(
  # shellcheck disable=SC1090
  . "$ra_env"
  export HOME="$out/home"
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY XDG_RUNTIME_DIR
  mkdir -p "$HOME/.config/vouch"
  cat > "$HOME/.config/vouch/config.toml" <<TOML
source = "software-key"
[software-key]
certificate = "$RA_EC_CERT"
private_key = "$RA_EC_KEY"
trust_anchor_arn = "$RA_TRUST_ANCHOR_ARN"
profile_arn = "$RA_PROFILE_ARN"
role_arn = "$RA_ROLE_ARN"
endpoint = "$RA_URL"
ca_bundle = "$RA_CA"
TOML
  chmod 600 "$HOME/.config/vouch/config.toml"
  "$vouch" login 2>/dev/null
  "$vouch" exec --explain -- psql -h "$host" -U app -d app >/dev/null
  hyperfine -N -i --warmup 30 --runs "$runs" --export-json "$out/session.json" \
    -n "G vouch exec -- psql (cached login session)" \
    "$vouch exec --iam-host $host:5432 -- psql -h 127.0.0.1 -p 1 -U app -d app" >/dev/null
)
hyperfine -i --warmup 2 --runs "${AWS_RUNS:-10}" --export-json "$out/aws.json" \
  -n "C aws rds generate-db-auth-token + psql" \
  "PGPASSWORD=\$(aws rds generate-db-auth-token --hostname $host --port 5432 --username app --region us-east-1) $psql -h 127.0.0.1 -p 1 -U app -d app" >/dev/null

# H, I: Redshift through the PostgreSQL rig's local Redshift API.
pg_env=$(bash rig/pg-rig.sh start RIG_PORT="${PG_PORT:-15480}" RIG_REDSHIFT_PORT="${RS_PORT:-15487}" | tail -n 1)
pg_dir=$(dirname "$pg_env")
(
  # shellcheck disable=SC1090
  . "$pg_env"
  export AWS_ACCESS_KEY_ID="$RIG_AKID" AWS_SECRET_ACCESS_KEY="$RIG_SECRET" AWS_DEFAULT_REGION=us-east-1 \
         AWS_ENDPOINT_URL_REDSHIFT="$RIG_REDSHIFT_URL"
  conn="host=$RIG_REDSHIFT_CLUSTER_HOST hostaddr=127.0.0.1 port=1 dbname=dev"
  hyperfine -N -i --warmup 10 --runs "${RS_RUNS:-100}" --export-json "$out/redshift.json" \
    -n "H vouch exec -- psql (Redshift, one API call)" \
    "$vouch exec --ca-bundle $RIG_CA -- psql '$conn'" >/dev/null
  hyperfine -i --warmup 2 --runs "${AWS_RUNS:-10}" --export-json "$out/redshift-aws.json" \
    -n "I aws redshift get-cluster-credentials-with-iam + psql" \
    "PGPASSWORD=\$(aws redshift get-cluster-credentials-with-iam --cluster-identifier analytics --db-name dev --query DbPassword --output text) PGUSER=IAM:alice $psql '$conn'" >/dev/null
)

python3 - "$out/fast.json" "$out/aws.json" "$out/my.json" "$out/probe.json" "$out/session.json" "$out/redshift.json" "$out/redshift-aws.json" <<'PY'
import json, statistics, sys
rows = []
for f in sys.argv[1:]:
    for r in json.load(open(f))["results"]:
        rows.append((r["command"], statistics.median(r["times"]) * 1000, statistics.mean(r["times"]) * 1000, len(r["times"])))
print(f"{'command':45} {'median ms':>10} {'mean ms':>9} {'runs':>5}")
for name, med, mean, n in rows:
    print(f"{name:45} {med:10.2f} {mean:9.2f} {n:5}")
a, b, c, d, e, f, g, h, i = (r[1] for r in rows)
print(f"\nvouch adds {b - a:.2f} ms (median) before psql starts; the AWS CLI path costs {c - a:.0f} ms more than psql alone.")
print(f"vouch adds {e - d:.2f} ms (median) before mariadb starts with the flavour cached; {f - d:.2f} ms on a run that probes `mariadb --version`.")
print(f"with a cached vouch login session vouch adds {g - a:.2f} ms (median) before psql starts.")
print(f"Redshift: vouch adds {h - a:.2f} ms (median, one API call on loopback) before psql starts; the AWS CLI path {i - a:.0f} ms.")
PY
