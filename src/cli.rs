//! The command line, as clap derive types. Parsing only: `app` turns these
//! into work.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Passwordless database logins for Amazon RDS and Aurora with IAM tokens.
#[derive(Debug, Parser)]
#[command(name = "vouch", version, about, long_about = None)]
pub struct Cli {
    /// Say on stderr which credentials, region and endpoint were used (never a secret).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run; boxing buys nothing
pub enum Command {
    /// Run a database client with a fresh IAM token: vouch exec -- psql -h HOST -U USER -d DB (or: -- mysql -h HOST -u USER DB)
    Exec(ExecArgs),
    /// Print a credential for another program to use.
    #[command(subcommand)]
    Credential(CredentialCommand),
    /// Get a session from the configured source (IAM Roles Anywhere with a
    /// key file; see `vouch status`) and cache it until it ends.
    Login(LoginArgs),
    /// Remove every cached session.
    Logout,
    /// Show the configured source and the cached session: who, from where,
    /// hardware-backed or not, time left.
    Status(StatusArgs),
    /// Print the shell completion script for SHELL (also checked in under
    /// completions/).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print, as shell code, the environment `vouch exec` would give a
    /// client: eval "$(vouch env --target prod)" or: vouch env -- psql -h HOST -U USER
    Env(EnvArgs),
    /// Print the shell hook that exports an allowed .vouch.toml's target on
    /// entering its folder and keeps the token fresh: eval "$(vouch hook zsh)"
    Hook {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print wrapper functions so plain `psql ...` runs `vouch exec -- psql
    /// ...`: eval "$(vouch alias zsh)"
    Alias {
        #[arg(value_enum)]
        shell: Shell,
        /// The clients to wrap (default: the supported psql and mysql
        /// families found on PATH).
        #[arg(value_name = "CLIENT")]
        clients: Vec<String>,
    },
    /// Trust a project's .vouch.toml (default: the nearest one at or above
    /// the current folder) with its current content.
    Allow {
        #[arg(value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
        path: Option<PathBuf>,
    },
    /// Stop trusting a project's .vouch.toml (default: the nearest one).
    Deny {
        #[arg(value_name = "PATH", value_hint = clap::ValueHint::AnyPath)]
        path: Option<PathBuf>,
    },
    /// What the shell hook runs when the folder or the clock calls for it.
    #[command(hide = true)]
    HookExport {
        #[arg(value_enum)]
        shell: Shell,
        #[arg(value_enum)]
        mode: HookMode,
        file: PathBuf,
    },
}

pub use crate::shell::Shell;

/// Why the hook asks: a folder was entered, or the token is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HookMode {
    Enter,
    /// Enter again, quietly if the file is still not allowed.
    Recheck,
    Refresh,
}

/// How `vouch env` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvFormat {
    Bash,
    Zsh,
    Fish,
    Json,
}

#[derive(Debug, Args)]
pub struct EnvArgs {
    /// The shell to write for, or json.
    #[arg(long, value_enum, default_value_t = EnvFormat::Bash)]
    pub shell: EnvFormat,

    /// A named target (config.toml, or an allowed .vouch.toml) instead of,
    /// or as defaults for, a client command line.
    #[arg(long, value_name = "NAME", value_hint = clap::ValueHint::Other)]
    pub target: Option<String>,

    /// As for exec.
    #[arg(long, value_name = "HOST[:PORT]")]
    pub iam_host: Option<String>,

    /// As for exec.
    #[arg(long, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,

    #[command(flatten)]
    pub aws: AwsOptions,

    #[command(flatten)]
    pub redshift: RedshiftOptions,

    /// A client command line whose connection to describe, after `--`.
    #[arg(
        value_name = "CLIENT",
        num_args = 0..,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_hint = clap::ValueHint::CommandWithArguments
    )]
    pub command: Vec<OsString>,
}

/// Which credential source to use, over the configuration file
/// (`~/.config/vouch/config.toml`) and the `VOUCH_*` variables.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceOptions {
    /// The credential source: aws-profile, yubikey, software-key, web-identity.
    #[arg(long, value_name = "SOURCE")]
    pub source: Option<String>,
    /// IAM Roles Anywhere trust anchor ARN.
    #[arg(long, value_name = "ARN")]
    pub trust_anchor_arn: Option<String>,
    /// IAM Roles Anywhere profile ARN.
    #[arg(long, value_name = "ARN")]
    pub profile_arn: Option<String>,
    /// The role to get a session for (Roles Anywhere or web identity).
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// The login session's duration (seconds, or like 1h, 90m; 15m to 12h).
    #[arg(long = "session-duration", value_name = "DURATION")]
    pub duration: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub source: SourceOptions,
    /// Get a new session even when the cached one is still valid.
    #[arg(long)]
    pub force: bool,
    /// How long to wait for the YubiKey to be plugged in (yubikey source).
    #[arg(long, value_name = "SECONDS", default_value_t = 15)]
    pub timeout: u64,
    /// The session's duration, as --session-duration.
    #[arg(
        long = "duration",
        value_name = "DURATION",
        conflicts_with = "duration"
    )]
    pub login_duration: Option<String>,
}

/// How `vouch status` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    Human,
    Json,
    Shell,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub source: SourceOptions,
    #[arg(long, value_enum, default_value_t = StatusFormat::Human)]
    pub format: StatusFormat,
    /// Also ask AWS who the credentials are (STS GetCallerIdentity: a network call).
    #[arg(long)]
    pub check: bool,
}

/// Options shared by everything that signs a token.
#[derive(Debug, Clone, Args)]
pub struct AwsOptions {
    /// AWS region of the database (default: from the endpoint's host name,
    /// then AWS_REGION, AWS_DEFAULT_REGION, the profile's region).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// AWS profile to take credentials from (default: AWS_PROFILE, then "default").
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    #[command(flatten)]
    pub source: SourceOptions,
}

/// Redshift: which cluster or workgroup, and what credentials to ask for.
#[derive(Debug, Clone, Default, Args)]
pub struct RedshiftOptions {
    /// Redshift: the provisioned cluster's identifier, when the host name
    /// does not carry it (a VPC endpoint, an NLB, a tunnel, a custom name).
    #[arg(long, value_name = "ID", conflicts_with = "workgroup")]
    pub cluster_id: Option<String>,

    /// Redshift Serverless: the workgroup's name, when the host name does
    /// not carry it.
    #[arg(long, value_name = "NAME")]
    pub workgroup: Option<String>,

    /// Redshift cluster: log in as this database user (GetClusterCredentials)
    /// instead of the one the IAM identity maps to
    /// (GetClusterCredentialsWithIAM). The bare name, without IAM:.
    #[arg(long, value_name = "USER")]
    pub db_user: Option<String>,

    /// Redshift cluster, with --db-user: create the user if it does not exist.
    #[arg(long, requires = "db_user")]
    pub auto_create: bool,

    /// Redshift cluster, with --db-user: database groups the user joins for
    /// this session (comma-separated).
    #[arg(
        long,
        value_name = "GROUP,...",
        value_delimiter = ',',
        requires = "db_user"
    )]
    pub db_groups: Vec<String>,

    /// Redshift: how long the database password lasts, 900 to 3600 seconds
    /// (default 900).
    #[arg(id = "password_duration", long = "duration", value_name = "SECONDS")]
    pub duration: Option<u64>,

    /// Set when the cluster or workgroup came from a named target: the
    /// target's host, the only one they apply to.
    #[arg(skip)]
    pub target_host: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// Sign the token for this RDS endpoint while the client connects where
    /// its own arguments say (a tunnel, an IP address). PORT defaults to the
    /// engine's default port (5432 for PostgreSQL clients, 3306 for MySQL
    /// and MariaDB clients).
    #[arg(long, value_name = "HOST[:PORT]")]
    pub iam_host: Option<String>,

    /// PEM file of root certificates to verify the server with, instead of
    /// the built-in RDS CA bundle.
    #[arg(long, value_name = "FILE")]
    pub ca_bundle: Option<PathBuf>,

    /// Print the resolved plan (endpoint, region, credential source, TLS,
    /// program, what is added) without any secret, and run nothing.
    #[arg(long)]
    pub explain: bool,

    /// Use a named target's host, port, user, database, region, iam-host
    /// and TLS settings as defaults the client's own arguments override
    /// (default: $VOUCH_TARGET). Targets come from an allowed .vouch.toml
    /// at or above the current folder, then config.toml.
    #[arg(long, value_name = "NAME", value_hint = clap::ValueHint::Other)]
    pub target: Option<String>,

    /// Set by `vouch env` and the hook: describe instead of running.
    #[arg(skip)]
    pub for_env: bool,

    /// A target already read (the hook's project file).
    #[arg(skip)]
    pub preset: Option<crate::named::Target>,

    #[command(flatten)]
    pub aws: AwsOptions,

    #[command(flatten)]
    pub redshift: RedshiftOptions,

    /// The client and its arguments, after `--`.
    #[arg(
        value_name = "CLIENT",
        required = true,
        num_args = 1..,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_hint = clap::ValueHint::CommandWithArguments
    )]
    pub command: Vec<OsString>,
}

#[derive(Debug, Subcommand)]
pub enum CredentialCommand {
    /// Print an RDS IAM auth token followed by one newline.
    Rds(RdsCredentialArgs),
    /// Print the session's AWS credentials as `credential_process` JSON, for
    /// `credential_process = vouch credential aws` in ~/.aws/config.
    Aws(AwsCredentialArgs),
    /// Print temporary Redshift database credentials (DbUser, DbPassword,
    /// Expiration) as the AWS CLI's JSON, or as shell variables.
    Redshift(RedshiftCredentialArgs),
}

/// How `vouch credential redshift` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CredentialFormat {
    /// `{"DbUser": ..., "DbPassword": ..., "Expiration": ...}`, as `aws redshift get-cluster-credentials` prints it.
    Json,
    /// `export PGUSER='...';`, `export PGPASSWORD='...';` and `export VOUCH_EXPIRES_AT='...';` lines for eval.
    Env,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("service").required(true).args(["cluster_id", "workgroup"])))]
pub struct RedshiftCredentialArgs {
    /// The provisioned cluster's identifier.
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,

    /// The Serverless workgroup's name.
    #[arg(long, value_name = "NAME")]
    pub workgroup: Option<String>,

    /// The database the credentials are for.
    #[arg(long, value_name = "NAME")]
    pub db_name: Option<String>,

    /// Cluster: this database user (GetClusterCredentials) instead of the
    /// IAM identity's (GetClusterCredentialsWithIAM).
    #[arg(long, value_name = "USER")]
    pub db_user: Option<String>,

    /// Cluster, with --db-user: create the user if it does not exist.
    #[arg(long, requires = "db_user")]
    pub auto_create: bool,

    /// Cluster, with --db-user: groups to join for this session (comma-separated).
    #[arg(
        long,
        value_name = "GROUP,...",
        value_delimiter = ',',
        requires = "db_user"
    )]
    pub db_groups: Vec<String>,

    /// How long the password lasts, 900 to 3600 seconds (default 900).
    #[arg(id = "password_duration", long = "duration", value_name = "SECONDS")]
    pub duration: Option<u64>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CredentialFormat::Json)]
    pub format: CredentialFormat,

    #[command(flatten)]
    pub aws: AwsOptions,
}

#[derive(Debug, Args)]
pub struct AwsCredentialArgs {
    #[command(flatten)]
    pub source: SourceOptions,
}

#[derive(Debug, Args)]
pub struct RdsCredentialArgs {
    /// The RDS endpoint the token is for.
    #[arg(long, value_name = "HOST")]
    pub hostname: String,

    /// The database user to log in as.
    #[arg(long, value_name = "USER")]
    pub username: String,

    /// The port the database listens on.
    #[arg(long, default_value_t = 5432, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,

    #[command(flatten)]
    pub aws: AwsOptions,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn exec_takes_the_client_after_double_dash() {
        let cli = Cli::try_parse_from([
            "vouch",
            "exec",
            "--region",
            "eu-west-1",
            "--",
            "psql",
            "-h",
            "x",
            "--region",
            "y",
        ])
        .unwrap();
        let Command::Exec(e) = cli.command else {
            panic!()
        };
        assert_eq!(e.aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            e.command,
            ["psql", "-h", "x", "--region", "y"].map(OsString::from)
        );
    }

    #[test]
    fn exec_needs_a_client() {
        assert!(Cli::try_parse_from(["vouch", "exec", "--"]).is_err());
    }
}
