
use builtin;
use str;

set edit:completion:arg-completer[vouch] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'vouch'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'vouch'= {
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand exec 'Run a database client with a fresh IAM token: vouch exec -- psql -h HOST -U USER -d DB (or: -- mysql -h HOST -u USER DB)'
            cand credential 'Print a credential for another program to use'
            cand login 'Get a session from the configured source (IAM Roles Anywhere with a key file; see `vouch status`) and cache it until it ends'
            cand logout 'Remove every cached session'
            cand status 'Show the configured source and the cached session: who, from where, hardware-backed or not, time left'
            cand completions 'Print the shell completion script for SHELL (also checked in under completions/)'
            cand env 'Print, as shell code, the environment `vouch exec` would give a client: eval "$(vouch env --target prod)" or: vouch env -- psql -h HOST -U USER'
            cand hook 'Print the shell hook that exports an allowed .vouch.toml''s target on entering its folder and keeps the token fresh: eval "$(vouch hook zsh)"'
            cand alias 'Print wrapper functions so plain `psql ...` runs `vouch exec -- psql ...`: eval "$(vouch alias zsh)"'
            cand allow 'Trust a project''s .vouch.toml (default: the nearest one at or above the current folder) with its current content'
            cand deny 'Stop trusting a project''s .vouch.toml (default: the nearest one)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vouch;exec'= {
            cand --iam-host 'Sign the token for this RDS endpoint while the client connects where its own arguments say (a tunnel, an IP address). PORT defaults to the engine''s default port (5432 for PostgreSQL clients, 3306 for MySQL and MariaDB clients)'
            cand --ca-bundle 'PEM file of root certificates to verify the server with, instead of the built-in RDS CA bundle'
            cand --target 'Use a named target''s host, port, user, database, region, iam-host and TLS settings as defaults the client''s own arguments override (default: $VOUCH_TARGET). Targets come from an allowed .vouch.toml at or above the current folder, then config.toml'
            cand --region 'AWS region of the database (default: from the endpoint''s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile''s region)'
            cand --profile 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")'
            cand --source 'The credential source: aws-profile, yubikey, software-key, web-identity'
            cand --trust-anchor-arn 'IAM Roles Anywhere trust anchor ARN'
            cand --profile-arn 'IAM Roles Anywhere profile ARN'
            cand --role-arn 'The role to get a session for (Roles Anywhere or web identity)'
            cand --session-duration 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)'
            cand --cluster-id 'Redshift: the provisioned cluster''s identifier, when the host name does not carry it (a VPC endpoint, an NLB, a tunnel, a custom name)'
            cand --workgroup 'Redshift Serverless: the workgroup''s name, when the host name does not carry it'
            cand --db-user 'Redshift cluster: log in as this database user (GetClusterCredentials) instead of the one the IAM identity maps to (GetClusterCredentialsWithIAM). The bare name, without IAM:'
            cand --db-groups 'Redshift cluster, with --db-user: database groups the user joins for this session (comma-separated)'
            cand --duration 'Redshift: how long the database password lasts, 900 to 3600 seconds (default 900)'
            cand --explain 'Print the resolved plan (endpoint, region, credential source, TLS, program, what is added) without any secret, and run nothing'
            cand --auto-create 'Redshift cluster, with --db-user: create the user if it does not exist'
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;credential'= {
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand rds 'Print an RDS IAM auth token followed by one newline'
            cand aws 'Print the session''s AWS credentials as `credential_process` JSON, for `credential_process = vouch credential aws` in ~/.aws/config'
            cand redshift 'Print temporary Redshift database credentials (DbUser, DbPassword, Expiration) as the AWS CLI''s JSON, or as shell variables'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vouch;credential;rds'= {
            cand --hostname 'The RDS endpoint the token is for'
            cand --username 'The database user to log in as'
            cand --port 'The port the database listens on'
            cand --region 'AWS region of the database (default: from the endpoint''s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile''s region)'
            cand --profile 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")'
            cand --source 'The credential source: aws-profile, yubikey, software-key, web-identity'
            cand --trust-anchor-arn 'IAM Roles Anywhere trust anchor ARN'
            cand --profile-arn 'IAM Roles Anywhere profile ARN'
            cand --role-arn 'The role to get a session for (Roles Anywhere or web identity)'
            cand --session-duration 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)'
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;credential;aws'= {
            cand --source 'The credential source: aws-profile, yubikey, software-key, web-identity'
            cand --trust-anchor-arn 'IAM Roles Anywhere trust anchor ARN'
            cand --profile-arn 'IAM Roles Anywhere profile ARN'
            cand --role-arn 'The role to get a session for (Roles Anywhere or web identity)'
            cand --session-duration 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)'
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;credential;redshift'= {
            cand --cluster-id 'The provisioned cluster''s identifier'
            cand --workgroup 'The Serverless workgroup''s name'
            cand --db-name 'The database the credentials are for'
            cand --db-user 'Cluster: this database user (GetClusterCredentials) instead of the IAM identity''s (GetClusterCredentialsWithIAM)'
            cand --db-groups 'Cluster, with --db-user: groups to join for this session (comma-separated)'
            cand --duration 'How long the password lasts, 900 to 3600 seconds (default 900)'
            cand --format 'Output format'
            cand --region 'AWS region of the database (default: from the endpoint''s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile''s region)'
            cand --profile 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")'
            cand --source 'The credential source: aws-profile, yubikey, software-key, web-identity'
            cand --trust-anchor-arn 'IAM Roles Anywhere trust anchor ARN'
            cand --profile-arn 'IAM Roles Anywhere profile ARN'
            cand --role-arn 'The role to get a session for (Roles Anywhere or web identity)'
            cand --session-duration 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)'
            cand --auto-create 'Cluster, with --db-user: create the user if it does not exist'
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'vouch;credential;help'= {
            cand rds 'Print an RDS IAM auth token followed by one newline'
            cand aws 'Print the session''s AWS credentials as `credential_process` JSON, for `credential_process = vouch credential aws` in ~/.aws/config'
            cand redshift 'Print temporary Redshift database credentials (DbUser, DbPassword, Expiration) as the AWS CLI''s JSON, or as shell variables'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vouch;credential;help;rds'= {
        }
        &'vouch;credential;help;aws'= {
        }
        &'vouch;credential;help;redshift'= {
        }
        &'vouch;credential;help;help'= {
        }
        &'vouch;login'= {
            cand --source 'The credential source: aws-profile, yubikey, software-key, web-identity'
            cand --trust-anchor-arn 'IAM Roles Anywhere trust anchor ARN'
            cand --profile-arn 'IAM Roles Anywhere profile ARN'
            cand --role-arn 'The role to get a session for (Roles Anywhere or web identity)'
            cand --session-duration 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)'
            cand --timeout 'How long to wait for the YubiKey to be plugged in (yubikey source)'
            cand --duration 'The session''s duration, as --session-duration'
            cand --force 'Get a new session even when the cached one is still valid'
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;logout'= {
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;status'= {
            cand --source 'The credential source: aws-profile, yubikey, software-key, web-identity'
            cand --trust-anchor-arn 'IAM Roles Anywhere trust anchor ARN'
            cand --profile-arn 'IAM Roles Anywhere profile ARN'
            cand --role-arn 'The role to get a session for (Roles Anywhere or web identity)'
            cand --session-duration 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)'
            cand --format 'format'
            cand --check 'Also ask AWS who the credentials are (STS GetCallerIdentity: a network call)'
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;completions'= {
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;env'= {
            cand --shell 'The shell to write for, or json'
            cand --target 'A named target (config.toml, or an allowed .vouch.toml) instead of, or as defaults for, a client command line'
            cand --iam-host 'As for exec'
            cand --ca-bundle 'As for exec'
            cand --region 'AWS region of the database (default: from the endpoint''s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile''s region)'
            cand --profile 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")'
            cand --source 'The credential source: aws-profile, yubikey, software-key, web-identity'
            cand --trust-anchor-arn 'IAM Roles Anywhere trust anchor ARN'
            cand --profile-arn 'IAM Roles Anywhere profile ARN'
            cand --role-arn 'The role to get a session for (Roles Anywhere or web identity)'
            cand --session-duration 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)'
            cand --cluster-id 'Redshift: the provisioned cluster''s identifier, when the host name does not carry it (a VPC endpoint, an NLB, a tunnel, a custom name)'
            cand --workgroup 'Redshift Serverless: the workgroup''s name, when the host name does not carry it'
            cand --db-user 'Redshift cluster: log in as this database user (GetClusterCredentials) instead of the one the IAM identity maps to (GetClusterCredentialsWithIAM). The bare name, without IAM:'
            cand --db-groups 'Redshift cluster, with --db-user: database groups the user joins for this session (comma-separated)'
            cand --duration 'Redshift: how long the database password lasts, 900 to 3600 seconds (default 900)'
            cand --auto-create 'Redshift cluster, with --db-user: create the user if it does not exist'
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;hook'= {
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;alias'= {
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;allow'= {
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;deny'= {
            cand -v 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand --verbose 'Say on stderr which credentials, region and endpoint were used (never a secret)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'vouch;help'= {
            cand exec 'Run a database client with a fresh IAM token: vouch exec -- psql -h HOST -U USER -d DB (or: -- mysql -h HOST -u USER DB)'
            cand credential 'Print a credential for another program to use'
            cand login 'Get a session from the configured source (IAM Roles Anywhere with a key file; see `vouch status`) and cache it until it ends'
            cand logout 'Remove every cached session'
            cand status 'Show the configured source and the cached session: who, from where, hardware-backed or not, time left'
            cand completions 'Print the shell completion script for SHELL (also checked in under completions/)'
            cand env 'Print, as shell code, the environment `vouch exec` would give a client: eval "$(vouch env --target prod)" or: vouch env -- psql -h HOST -U USER'
            cand hook 'Print the shell hook that exports an allowed .vouch.toml''s target on entering its folder and keeps the token fresh: eval "$(vouch hook zsh)"'
            cand alias 'Print wrapper functions so plain `psql ...` runs `vouch exec -- psql ...`: eval "$(vouch alias zsh)"'
            cand allow 'Trust a project''s .vouch.toml (default: the nearest one at or above the current folder) with its current content'
            cand deny 'Stop trusting a project''s .vouch.toml (default: the nearest one)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'vouch;help;exec'= {
        }
        &'vouch;help;credential'= {
            cand rds 'Print an RDS IAM auth token followed by one newline'
            cand aws 'Print the session''s AWS credentials as `credential_process` JSON, for `credential_process = vouch credential aws` in ~/.aws/config'
            cand redshift 'Print temporary Redshift database credentials (DbUser, DbPassword, Expiration) as the AWS CLI''s JSON, or as shell variables'
        }
        &'vouch;help;credential;rds'= {
        }
        &'vouch;help;credential;aws'= {
        }
        &'vouch;help;credential;redshift'= {
        }
        &'vouch;help;login'= {
        }
        &'vouch;help;logout'= {
        }
        &'vouch;help;status'= {
        }
        &'vouch;help;completions'= {
        }
        &'vouch;help;env'= {
        }
        &'vouch;help;hook'= {
        }
        &'vouch;help;alias'= {
        }
        &'vouch;help;allow'= {
        }
        &'vouch;help;deny'= {
        }
        &'vouch;help;help'= {
        }
    ]
    $completions[$command]
}
