# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_vouch_global_optspecs
    string join \n v/verbose h/help V/version
end

function __fish_vouch_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_vouch_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_vouch_using_subcommand
    set -l cmd (__fish_vouch_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c vouch -n "__fish_vouch_needs_command" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_needs_command" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_needs_command" -s V -l version -d 'Print version'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "exec" -d 'Run a database client with a fresh IAM token: vouch exec -- psql -h HOST -U USER -d DB (or: -- mysql -h HOST -u USER DB)'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "credential" -d 'Print a credential for another program to use'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "login" -d 'Get a session from the configured source (IAM Roles Anywhere with a key file; see `vouch status`) and cache it until it ends'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "logout" -d 'Remove every cached session'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "status" -d 'Show the configured source and the cached session: who, from where, hardware-backed or not, time left'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "completions" -d 'Print the shell completion script for SHELL (also checked in under completions/)'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "env" -d 'Print, as shell code, the environment `vouch exec` would give a client: eval "$(vouch env --target prod)" or: vouch env -- psql -h HOST -U USER'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "hook" -d 'Print the shell hook that exports an allowed .vouch.toml\'s target on entering its folder and keeps the token fresh: eval "$(vouch hook zsh)"'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "alias" -d 'Print wrapper functions so plain `psql ...` runs `vouch exec -- psql ...`: eval "$(vouch alias zsh)"'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "allow" -d 'Trust a project\'s .vouch.toml (default: the nearest one at or above the current folder) with its current content'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "deny" -d 'Stop trusting a project\'s .vouch.toml (default: the nearest one)'
complete -c vouch -n "__fish_vouch_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l iam-host -d 'Sign the token for this RDS endpoint while the client connects where its own arguments say (a tunnel, an IP address). PORT defaults to the engine\'s default port (5432 for PostgreSQL clients, 3306 for MySQL and MariaDB clients)' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l ca-bundle -d 'PEM file of root certificates to verify the server with, instead of the built-in RDS CA bundle' -r -F
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l target -d 'Use a named target\'s host, port, user, database, region, iam-host and TLS settings as defaults the client\'s own arguments override (default: $VOUCH_TARGET). Targets come from an allowed .vouch.toml at or above the current folder, then config.toml' -r -f
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l region -d 'AWS region of the database (default: from the endpoint\'s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile\'s region)' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l profile -d 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l source -d 'The credential source: aws-profile, yubikey, software-key, web-identity' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l trust-anchor-arn -d 'IAM Roles Anywhere trust anchor ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l profile-arn -d 'IAM Roles Anywhere profile ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l role-arn -d 'The role to get a session for (Roles Anywhere or web identity)' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l session-duration -d 'The login session\'s duration (seconds, or like 1h, 90m; 15m to 12h)' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l cluster-id -d 'Redshift: the provisioned cluster\'s identifier, when the host name does not carry it (a VPC endpoint, an NLB, a tunnel, a custom name)' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l workgroup -d 'Redshift Serverless: the workgroup\'s name, when the host name does not carry it' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l db-user -d 'Redshift cluster: log in as this database user (GetClusterCredentials) instead of the one the IAM identity maps to (GetClusterCredentialsWithIAM). The bare name, without IAM:' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l db-groups -d 'Redshift cluster, with --db-user: database groups the user joins for this session (comma-separated)' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l duration -d 'Redshift: how long the database password lasts, 900 to 3600 seconds (default 900)' -r
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l explain -d 'Print the resolved plan (endpoint, region, credential source, TLS, program, what is added) without any secret, and run nothing'
complete -c vouch -n "__fish_vouch_using_subcommand exec" -l auto-create -d 'Redshift cluster, with --db-user: create the user if it does not exist'
complete -c vouch -n "__fish_vouch_using_subcommand exec" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand exec" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and not __fish_seen_subcommand_from rds aws redshift help" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and not __fish_seen_subcommand_from rds aws redshift help" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and not __fish_seen_subcommand_from rds aws redshift help" -f -a "rds" -d 'Print an RDS IAM auth token followed by one newline'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and not __fish_seen_subcommand_from rds aws redshift help" -f -a "aws" -d 'Print the session\'s AWS credentials as `credential_process` JSON, for `credential_process = vouch credential aws` in ~/.aws/config'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and not __fish_seen_subcommand_from rds aws redshift help" -f -a "redshift" -d 'Print temporary Redshift database credentials (DbUser, DbPassword, Expiration) as the AWS CLI\'s JSON, or as shell variables'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and not __fish_seen_subcommand_from rds aws redshift help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l hostname -d 'The RDS endpoint the token is for' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l username -d 'The database user to log in as' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l port -d 'The port the database listens on' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l region -d 'AWS region of the database (default: from the endpoint\'s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile\'s region)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l profile -d 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l source -d 'The credential source: aws-profile, yubikey, software-key, web-identity' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l trust-anchor-arn -d 'IAM Roles Anywhere trust anchor ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l profile-arn -d 'IAM Roles Anywhere profile ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l role-arn -d 'The role to get a session for (Roles Anywhere or web identity)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -l session-duration -d 'The login session\'s duration (seconds, or like 1h, 90m; 15m to 12h)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from rds" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from aws" -l source -d 'The credential source: aws-profile, yubikey, software-key, web-identity' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from aws" -l trust-anchor-arn -d 'IAM Roles Anywhere trust anchor ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from aws" -l profile-arn -d 'IAM Roles Anywhere profile ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from aws" -l role-arn -d 'The role to get a session for (Roles Anywhere or web identity)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from aws" -l session-duration -d 'The login session\'s duration (seconds, or like 1h, 90m; 15m to 12h)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from aws" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from aws" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l cluster-id -d 'The provisioned cluster\'s identifier' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l workgroup -d 'The Serverless workgroup\'s name' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l db-name -d 'The database the credentials are for' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l db-user -d 'Cluster: this database user (GetClusterCredentials) instead of the IAM identity\'s (GetClusterCredentialsWithIAM)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l db-groups -d 'Cluster, with --db-user: groups to join for this session (comma-separated)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l duration -d 'How long the password lasts, 900 to 3600 seconds (default 900)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l format -d 'Output format' -r -f -a "json\t'`{"DbUser": ..., "DbPassword": ..., "Expiration": ...}`, as `aws redshift get-cluster-credentials` prints it'
env\t'`export PGUSER=\'...\';`, `export PGPASSWORD=\'...\';` and `export VOUCH_EXPIRES_AT=\'...\';` lines for eval'"
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l region -d 'AWS region of the database (default: from the endpoint\'s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile\'s region)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l profile -d 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l source -d 'The credential source: aws-profile, yubikey, software-key, web-identity' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l trust-anchor-arn -d 'IAM Roles Anywhere trust anchor ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l profile-arn -d 'IAM Roles Anywhere profile ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l role-arn -d 'The role to get a session for (Roles Anywhere or web identity)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l session-duration -d 'The login session\'s duration (seconds, or like 1h, 90m; 15m to 12h)' -r
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -l auto-create -d 'Cluster, with --db-user: create the user if it does not exist'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from redshift" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from help" -f -a "rds" -d 'Print an RDS IAM auth token followed by one newline'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from help" -f -a "aws" -d 'Print the session\'s AWS credentials as `credential_process` JSON, for `credential_process = vouch credential aws` in ~/.aws/config'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from help" -f -a "redshift" -d 'Print temporary Redshift database credentials (DbUser, DbPassword, Expiration) as the AWS CLI\'s JSON, or as shell variables'
complete -c vouch -n "__fish_vouch_using_subcommand credential; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vouch -n "__fish_vouch_using_subcommand login" -l source -d 'The credential source: aws-profile, yubikey, software-key, web-identity' -r
complete -c vouch -n "__fish_vouch_using_subcommand login" -l trust-anchor-arn -d 'IAM Roles Anywhere trust anchor ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand login" -l profile-arn -d 'IAM Roles Anywhere profile ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand login" -l role-arn -d 'The role to get a session for (Roles Anywhere or web identity)' -r
complete -c vouch -n "__fish_vouch_using_subcommand login" -l session-duration -d 'The login session\'s duration (seconds, or like 1h, 90m; 15m to 12h)' -r
complete -c vouch -n "__fish_vouch_using_subcommand login" -l timeout -d 'How long to wait for the YubiKey to be plugged in (yubikey source)' -r
complete -c vouch -n "__fish_vouch_using_subcommand login" -l duration -d 'The session\'s duration, as --session-duration' -r
complete -c vouch -n "__fish_vouch_using_subcommand login" -l force -d 'Get a new session even when the cached one is still valid'
complete -c vouch -n "__fish_vouch_using_subcommand login" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand login" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand logout" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand logout" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand status" -l source -d 'The credential source: aws-profile, yubikey, software-key, web-identity' -r
complete -c vouch -n "__fish_vouch_using_subcommand status" -l trust-anchor-arn -d 'IAM Roles Anywhere trust anchor ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand status" -l profile-arn -d 'IAM Roles Anywhere profile ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand status" -l role-arn -d 'The role to get a session for (Roles Anywhere or web identity)' -r
complete -c vouch -n "__fish_vouch_using_subcommand status" -l session-duration -d 'The login session\'s duration (seconds, or like 1h, 90m; 15m to 12h)' -r
complete -c vouch -n "__fish_vouch_using_subcommand status" -l format -r -f -a "human\t''
json\t''
shell\t''"
complete -c vouch -n "__fish_vouch_using_subcommand status" -l check -d 'Also ask AWS who the credentials are (STS GetCallerIdentity: a network call)'
complete -c vouch -n "__fish_vouch_using_subcommand status" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand status" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand completions" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand completions" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand env" -l shell -d 'The shell to write for, or json' -r -f -a "bash\t''
zsh\t''
fish\t''
json\t''"
complete -c vouch -n "__fish_vouch_using_subcommand env" -l target -d 'A named target (config.toml, or an allowed .vouch.toml) instead of, or as defaults for, a client command line' -r -f
complete -c vouch -n "__fish_vouch_using_subcommand env" -l iam-host -d 'As for exec' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l ca-bundle -d 'As for exec' -r -F
complete -c vouch -n "__fish_vouch_using_subcommand env" -l region -d 'AWS region of the database (default: from the endpoint\'s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile\'s region)' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l profile -d 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l source -d 'The credential source: aws-profile, yubikey, software-key, web-identity' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l trust-anchor-arn -d 'IAM Roles Anywhere trust anchor ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l profile-arn -d 'IAM Roles Anywhere profile ARN' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l role-arn -d 'The role to get a session for (Roles Anywhere or web identity)' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l session-duration -d 'The login session\'s duration (seconds, or like 1h, 90m; 15m to 12h)' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l cluster-id -d 'Redshift: the provisioned cluster\'s identifier, when the host name does not carry it (a VPC endpoint, an NLB, a tunnel, a custom name)' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l workgroup -d 'Redshift Serverless: the workgroup\'s name, when the host name does not carry it' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l db-user -d 'Redshift cluster: log in as this database user (GetClusterCredentials) instead of the one the IAM identity maps to (GetClusterCredentialsWithIAM). The bare name, without IAM:' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l db-groups -d 'Redshift cluster, with --db-user: database groups the user joins for this session (comma-separated)' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l duration -d 'Redshift: how long the database password lasts, 900 to 3600 seconds (default 900)' -r
complete -c vouch -n "__fish_vouch_using_subcommand env" -l auto-create -d 'Redshift cluster, with --db-user: create the user if it does not exist'
complete -c vouch -n "__fish_vouch_using_subcommand env" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand env" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand hook" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand hook" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand alias" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand alias" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand allow" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand allow" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand deny" -s v -l verbose -d 'Say on stderr which credentials, region and endpoint were used (never a secret)'
complete -c vouch -n "__fish_vouch_using_subcommand deny" -s h -l help -d 'Print help'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "exec" -d 'Run a database client with a fresh IAM token: vouch exec -- psql -h HOST -U USER -d DB (or: -- mysql -h HOST -u USER DB)'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "credential" -d 'Print a credential for another program to use'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "login" -d 'Get a session from the configured source (IAM Roles Anywhere with a key file; see `vouch status`) and cache it until it ends'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "logout" -d 'Remove every cached session'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "status" -d 'Show the configured source and the cached session: who, from where, hardware-backed or not, time left'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "completions" -d 'Print the shell completion script for SHELL (also checked in under completions/)'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "env" -d 'Print, as shell code, the environment `vouch exec` would give a client: eval "$(vouch env --target prod)" or: vouch env -- psql -h HOST -U USER'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "hook" -d 'Print the shell hook that exports an allowed .vouch.toml\'s target on entering its folder and keeps the token fresh: eval "$(vouch hook zsh)"'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "alias" -d 'Print wrapper functions so plain `psql ...` runs `vouch exec -- psql ...`: eval "$(vouch alias zsh)"'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "allow" -d 'Trust a project\'s .vouch.toml (default: the nearest one at or above the current folder) with its current content'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "deny" -d 'Stop trusting a project\'s .vouch.toml (default: the nearest one)'
complete -c vouch -n "__fish_vouch_using_subcommand help; and not __fish_seen_subcommand_from exec credential login logout status completions env hook alias allow deny help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c vouch -n "__fish_vouch_using_subcommand help; and __fish_seen_subcommand_from credential" -f -a "rds" -d 'Print an RDS IAM auth token followed by one newline'
complete -c vouch -n "__fish_vouch_using_subcommand help; and __fish_seen_subcommand_from credential" -f -a "aws" -d 'Print the session\'s AWS credentials as `credential_process` JSON, for `credential_process = vouch credential aws` in ~/.aws/config'
complete -c vouch -n "__fish_vouch_using_subcommand help; and __fish_seen_subcommand_from credential" -f -a "redshift" -d 'Print temporary Redshift database credentials (DbUser, DbPassword, Expiration) as the AWS CLI\'s JSON, or as shell variables'
