
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'vouch' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'vouch'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'vouch' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a database client with a fresh IAM token: vouch exec -- psql -h HOST -U USER -d DB (or: -- mysql -h HOST -u USER DB)')
            [CompletionResult]::new('credential', 'credential', [CompletionResultType]::ParameterValue, 'Print a credential for another program to use')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Get a session from the configured source (IAM Roles Anywhere with a key file; see `vouch status`) and cache it until it ends')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove every cached session')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the configured source and the cached session: who, from where, hardware-backed or not, time left')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL (also checked in under completions/)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print, as shell code, the environment `vouch exec` would give a client: eval "$(vouch env --target prod)" or: vouch env -- psql -h HOST -U USER')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Print the shell hook that exports an allowed .vouch.toml''s target on entering its folder and keeps the token fresh: eval "$(vouch hook zsh)"')
            [CompletionResult]::new('alias', 'alias', [CompletionResultType]::ParameterValue, 'Print wrapper functions so plain `psql ...` runs `vouch exec -- psql ...`: eval "$(vouch alias zsh)"')
            [CompletionResult]::new('allow', 'allow', [CompletionResultType]::ParameterValue, 'Trust a project''s .vouch.toml (default: the nearest one at or above the current folder) with its current content')
            [CompletionResult]::new('deny', 'deny', [CompletionResultType]::ParameterValue, 'Stop trusting a project''s .vouch.toml (default: the nearest one)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vouch;exec' {
            [CompletionResult]::new('--iam-host', '--iam-host', [CompletionResultType]::ParameterName, 'Sign the token for this RDS endpoint while the client connects where its own arguments say (a tunnel, an IP address). PORT defaults to the engine''s default port (5432 for PostgreSQL clients, 3306 for MySQL and MariaDB clients)')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'PEM file of root certificates to verify the server with, instead of the built-in RDS CA bundle')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Use a named target''s host, port, user, database, region, iam-host and TLS settings as defaults the client''s own arguments override (default: $VOUCH_TARGET). Targets come from an allowed .vouch.toml at or above the current folder, then config.toml')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the database (default: from the endpoint''s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile''s region)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The credential source: aws-profile, yubikey, software-key, web-identity')
            [CompletionResult]::new('--trust-anchor-arn', '--trust-anchor-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere trust anchor ARN')
            [CompletionResult]::new('--profile-arn', '--profile-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere profile ARN')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role to get a session for (Roles Anywhere or web identity)')
            [CompletionResult]::new('--session-duration', '--session-duration', [CompletionResultType]::ParameterName, 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)')
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'Redshift: the provisioned cluster''s identifier, when the host name does not carry it (a VPC endpoint, an NLB, a tunnel, a custom name)')
            [CompletionResult]::new('--workgroup', '--workgroup', [CompletionResultType]::ParameterName, 'Redshift Serverless: the workgroup''s name, when the host name does not carry it')
            [CompletionResult]::new('--db-user', '--db-user', [CompletionResultType]::ParameterName, 'Redshift cluster: log in as this database user (GetClusterCredentials) instead of the one the IAM identity maps to (GetClusterCredentialsWithIAM). The bare name, without IAM:')
            [CompletionResult]::new('--db-groups', '--db-groups', [CompletionResultType]::ParameterName, 'Redshift cluster, with --db-user: database groups the user joins for this session (comma-separated)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Redshift: how long the database password lasts, 900 to 3600 seconds (default 900)')
            [CompletionResult]::new('--explain', '--explain', [CompletionResultType]::ParameterName, 'Print the resolved plan (endpoint, region, credential source, TLS, program, what is added) without any secret, and run nothing')
            [CompletionResult]::new('--auto-create', '--auto-create', [CompletionResultType]::ParameterName, 'Redshift cluster, with --db-user: create the user if it does not exist')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;credential' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('rds', 'rds', [CompletionResultType]::ParameterValue, 'Print an RDS IAM auth token followed by one newline')
            [CompletionResult]::new('aws', 'aws', [CompletionResultType]::ParameterValue, 'Print the session''s AWS credentials as `credential_process` JSON, for `credential_process = vouch credential aws` in ~/.aws/config')
            [CompletionResult]::new('redshift', 'redshift', [CompletionResultType]::ParameterValue, 'Print temporary Redshift database credentials (DbUser, DbPassword, Expiration) as the AWS CLI''s JSON, or as shell variables')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vouch;credential;rds' {
            [CompletionResult]::new('--hostname', '--hostname', [CompletionResultType]::ParameterName, 'The RDS endpoint the token is for')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'The database user to log in as')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The port the database listens on')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the database (default: from the endpoint''s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile''s region)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The credential source: aws-profile, yubikey, software-key, web-identity')
            [CompletionResult]::new('--trust-anchor-arn', '--trust-anchor-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere trust anchor ARN')
            [CompletionResult]::new('--profile-arn', '--profile-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere profile ARN')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role to get a session for (Roles Anywhere or web identity)')
            [CompletionResult]::new('--session-duration', '--session-duration', [CompletionResultType]::ParameterName, 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;credential;aws' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The credential source: aws-profile, yubikey, software-key, web-identity')
            [CompletionResult]::new('--trust-anchor-arn', '--trust-anchor-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere trust anchor ARN')
            [CompletionResult]::new('--profile-arn', '--profile-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere profile ARN')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role to get a session for (Roles Anywhere or web identity)')
            [CompletionResult]::new('--session-duration', '--session-duration', [CompletionResultType]::ParameterName, 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;credential;redshift' {
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'The provisioned cluster''s identifier')
            [CompletionResult]::new('--workgroup', '--workgroup', [CompletionResultType]::ParameterName, 'The Serverless workgroup''s name')
            [CompletionResult]::new('--db-name', '--db-name', [CompletionResultType]::ParameterName, 'The database the credentials are for')
            [CompletionResult]::new('--db-user', '--db-user', [CompletionResultType]::ParameterName, 'Cluster: this database user (GetClusterCredentials) instead of the IAM identity''s (GetClusterCredentialsWithIAM)')
            [CompletionResult]::new('--db-groups', '--db-groups', [CompletionResultType]::ParameterName, 'Cluster, with --db-user: groups to join for this session (comma-separated)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'How long the password lasts, 900 to 3600 seconds (default 900)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the database (default: from the endpoint''s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile''s region)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The credential source: aws-profile, yubikey, software-key, web-identity')
            [CompletionResult]::new('--trust-anchor-arn', '--trust-anchor-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere trust anchor ARN')
            [CompletionResult]::new('--profile-arn', '--profile-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere profile ARN')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role to get a session for (Roles Anywhere or web identity)')
            [CompletionResult]::new('--session-duration', '--session-duration', [CompletionResultType]::ParameterName, 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)')
            [CompletionResult]::new('--auto-create', '--auto-create', [CompletionResultType]::ParameterName, 'Cluster, with --db-user: create the user if it does not exist')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'vouch;credential;help' {
            [CompletionResult]::new('rds', 'rds', [CompletionResultType]::ParameterValue, 'Print an RDS IAM auth token followed by one newline')
            [CompletionResult]::new('aws', 'aws', [CompletionResultType]::ParameterValue, 'Print the session''s AWS credentials as `credential_process` JSON, for `credential_process = vouch credential aws` in ~/.aws/config')
            [CompletionResult]::new('redshift', 'redshift', [CompletionResultType]::ParameterValue, 'Print temporary Redshift database credentials (DbUser, DbPassword, Expiration) as the AWS CLI''s JSON, or as shell variables')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vouch;credential;help;rds' {
            break
        }
        'vouch;credential;help;aws' {
            break
        }
        'vouch;credential;help;redshift' {
            break
        }
        'vouch;credential;help;help' {
            break
        }
        'vouch;login' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The credential source: aws-profile, yubikey, software-key, web-identity')
            [CompletionResult]::new('--trust-anchor-arn', '--trust-anchor-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere trust anchor ARN')
            [CompletionResult]::new('--profile-arn', '--profile-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere profile ARN')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role to get a session for (Roles Anywhere or web identity)')
            [CompletionResult]::new('--session-duration', '--session-duration', [CompletionResultType]::ParameterName, 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for the YubiKey to be plugged in (yubikey source)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'The session''s duration, as --session-duration')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Get a new session even when the cached one is still valid')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;logout' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;status' {
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The credential source: aws-profile, yubikey, software-key, web-identity')
            [CompletionResult]::new('--trust-anchor-arn', '--trust-anchor-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere trust anchor ARN')
            [CompletionResult]::new('--profile-arn', '--profile-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere profile ARN')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role to get a session for (Roles Anywhere or web identity)')
            [CompletionResult]::new('--session-duration', '--session-duration', [CompletionResultType]::ParameterName, 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'format')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Also ask AWS who the credentials are (STS GetCallerIdentity: a network call)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;completions' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;env' {
            [CompletionResult]::new('--shell', '--shell', [CompletionResultType]::ParameterName, 'The shell to write for, or json')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'A named target (config.toml, or an allowed .vouch.toml) instead of, or as defaults for, a client command line')
            [CompletionResult]::new('--iam-host', '--iam-host', [CompletionResultType]::ParameterName, 'As for exec')
            [CompletionResult]::new('--ca-bundle', '--ca-bundle', [CompletionResultType]::ParameterName, 'As for exec')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region of the database (default: from the endpoint''s host name, then AWS_REGION, AWS_DEFAULT_REGION, the profile''s region)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'AWS profile to take credentials from (default: AWS_PROFILE, then "default")')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'The credential source: aws-profile, yubikey, software-key, web-identity')
            [CompletionResult]::new('--trust-anchor-arn', '--trust-anchor-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere trust anchor ARN')
            [CompletionResult]::new('--profile-arn', '--profile-arn', [CompletionResultType]::ParameterName, 'IAM Roles Anywhere profile ARN')
            [CompletionResult]::new('--role-arn', '--role-arn', [CompletionResultType]::ParameterName, 'The role to get a session for (Roles Anywhere or web identity)')
            [CompletionResult]::new('--session-duration', '--session-duration', [CompletionResultType]::ParameterName, 'The login session''s duration (seconds, or like 1h, 90m; 15m to 12h)')
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'Redshift: the provisioned cluster''s identifier, when the host name does not carry it (a VPC endpoint, an NLB, a tunnel, a custom name)')
            [CompletionResult]::new('--workgroup', '--workgroup', [CompletionResultType]::ParameterName, 'Redshift Serverless: the workgroup''s name, when the host name does not carry it')
            [CompletionResult]::new('--db-user', '--db-user', [CompletionResultType]::ParameterName, 'Redshift cluster: log in as this database user (GetClusterCredentials) instead of the one the IAM identity maps to (GetClusterCredentialsWithIAM). The bare name, without IAM:')
            [CompletionResult]::new('--db-groups', '--db-groups', [CompletionResultType]::ParameterName, 'Redshift cluster, with --db-user: database groups the user joins for this session (comma-separated)')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Redshift: how long the database password lasts, 900 to 3600 seconds (default 900)')
            [CompletionResult]::new('--auto-create', '--auto-create', [CompletionResultType]::ParameterName, 'Redshift cluster, with --db-user: create the user if it does not exist')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;hook' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;alias' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;allow' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;deny' {
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which credentials, region and endpoint were used (never a secret)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'vouch;help' {
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a database client with a fresh IAM token: vouch exec -- psql -h HOST -U USER -d DB (or: -- mysql -h HOST -u USER DB)')
            [CompletionResult]::new('credential', 'credential', [CompletionResultType]::ParameterValue, 'Print a credential for another program to use')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Get a session from the configured source (IAM Roles Anywhere with a key file; see `vouch status`) and cache it until it ends')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove every cached session')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the configured source and the cached session: who, from where, hardware-backed or not, time left')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completion script for SHELL (also checked in under completions/)')
            [CompletionResult]::new('env', 'env', [CompletionResultType]::ParameterValue, 'Print, as shell code, the environment `vouch exec` would give a client: eval "$(vouch env --target prod)" or: vouch env -- psql -h HOST -U USER')
            [CompletionResult]::new('hook', 'hook', [CompletionResultType]::ParameterValue, 'Print the shell hook that exports an allowed .vouch.toml''s target on entering its folder and keeps the token fresh: eval "$(vouch hook zsh)"')
            [CompletionResult]::new('alias', 'alias', [CompletionResultType]::ParameterValue, 'Print wrapper functions so plain `psql ...` runs `vouch exec -- psql ...`: eval "$(vouch alias zsh)"')
            [CompletionResult]::new('allow', 'allow', [CompletionResultType]::ParameterValue, 'Trust a project''s .vouch.toml (default: the nearest one at or above the current folder) with its current content')
            [CompletionResult]::new('deny', 'deny', [CompletionResultType]::ParameterValue, 'Stop trusting a project''s .vouch.toml (default: the nearest one)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'vouch;help;exec' {
            break
        }
        'vouch;help;credential' {
            [CompletionResult]::new('rds', 'rds', [CompletionResultType]::ParameterValue, 'Print an RDS IAM auth token followed by one newline')
            [CompletionResult]::new('aws', 'aws', [CompletionResultType]::ParameterValue, 'Print the session''s AWS credentials as `credential_process` JSON, for `credential_process = vouch credential aws` in ~/.aws/config')
            [CompletionResult]::new('redshift', 'redshift', [CompletionResultType]::ParameterValue, 'Print temporary Redshift database credentials (DbUser, DbPassword, Expiration) as the AWS CLI''s JSON, or as shell variables')
            break
        }
        'vouch;help;credential;rds' {
            break
        }
        'vouch;help;credential;aws' {
            break
        }
        'vouch;help;credential;redshift' {
            break
        }
        'vouch;help;login' {
            break
        }
        'vouch;help;logout' {
            break
        }
        'vouch;help;status' {
            break
        }
        'vouch;help;completions' {
            break
        }
        'vouch;help;env' {
            break
        }
        'vouch;help;hook' {
            break
        }
        'vouch;help;alias' {
            break
        }
        'vouch;help;allow' {
            break
        }
        'vouch;help;deny' {
            break
        }
        'vouch;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
