//! Profiles: which profile is active, where the two shared files are, and
//! the profile maps botocore builds from them. Pure: reads go through
//! [`World`].
//!
//! botocore's rules, from `session.py`, `configprovider.py` and
//! `configloader.py`:
//! - the profile is `--profile`, else `AWS_DEFAULT_PROFILE`, else
//!   `AWS_PROFILE` (yes, the old name wins), else `default`; a profile that
//!   was *named* (by the flag or either variable, even `default`) must exist
//!   in one of the files;
//! - files: `AWS_CONFIG_FILE` (default `~/.aws/config`) and
//!   `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`), with
//!   `$VAR`/`${VAR}` and a leading `~` expanded; a missing or unreadable file
//!   counts as empty, one that does not parse is an error;
//! - config sections: `[default]`, and any section whose name *starts with*
//!   `profile` and shell-splits into exactly two words (`[profile dev]`,
//!   `[profile "my dev"]`), the second word being the name; likewise
//!   `[sso-session NAME]`; a later section for the same name replaces an
//!   earlier one (`[default]` then `[profile default]`);
//! - credentials sections are named literally (`[dev]`);
//! - the *merged* profile (what assume-role, SSO, web identity,
//!   credential_process and `region` read) is the config profile with the
//!   credentials-file keys laid over it; static keys are read from each file
//!   separately.

use super::ini::{self, Ini, Props};
use super::shlex;
use super::ChainOptions;
use crate::error::{Error, Result};
use crate::world::World;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

/// Where the active profile's name came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameSource {
    Flag,
    AwsDefaultProfile,
    AwsProfile,
    Implicit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProfileName {
    pub name: String,
    pub source: NameSource,
}

impl ProfileName {
    pub(crate) fn select(opts: &ChainOptions, world: &dyn World) -> ProfileName {
        let nonempty = |v: Option<String>| v.filter(|s| !s.is_empty());
        if let Some(p) = opts.profile.clone().filter(|p| !p.is_empty()) {
            return ProfileName {
                name: p,
                source: NameSource::Flag,
            };
        }
        if let Some(p) = nonempty(world.var("AWS_DEFAULT_PROFILE")) {
            return ProfileName {
                name: p,
                source: NameSource::AwsDefaultProfile,
            };
        }
        if let Some(p) = nonempty(world.var("AWS_PROFILE")) {
            return ProfileName {
                name: p,
                source: NameSource::AwsProfile,
            };
        }
        ProfileName {
            name: "default".into(),
            source: NameSource::Implicit,
        }
    }

    /// A named profile must exist.
    pub(crate) fn must_exist(&self) -> bool {
        self.source != NameSource::Implicit
    }

    /// `--profile` takes the environment-variable keys out of the chain.
    pub(crate) fn disables_env(&self) -> bool {
        self.source == NameSource::Flag
    }

    pub(crate) fn how_named(&self) -> &'static str {
        match self.source {
            NameSource::Flag => "--profile",
            NameSource::AwsDefaultProfile => "AWS_DEFAULT_PROFILE",
            NameSource::AwsProfile => "AWS_PROFILE",
            NameSource::Implicit => "the default",
        }
    }
}

/// What reading one of the shared files found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileState {
    Loaded(Ini),
    Missing,
    /// Exists but cannot be read (a directory, no permission): botocore
    /// treats it as empty.
    Unreadable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SharedFile {
    pub path: PathBuf,
    pub state: FileState,
}

impl SharedFile {
    pub(crate) fn exists(&self) -> bool {
        matches!(self.state, FileState::Loaded(_))
    }

    /// `/home/u/.aws/config (not found)` and the like, for messages.
    pub(crate) fn describe(&self) -> String {
        match &self.state {
            FileState::Loaded(_) => self.path.display().to_string(),
            FileState::Missing => format!("{} (not found)", self.path.display()),
            FileState::Unreadable(e) => format!("{} (unreadable: {e})", self.path.display()),
        }
    }
}

/// Both files, parsed, with the config file's profile map built.
#[derive(Debug, Clone)]
pub(crate) struct ProfileFiles {
    pub config: SharedFile,
    pub credentials: SharedFile,
    config_profiles: HashMap<String, Props>,
    sso_sessions: HashMap<String, Props>,
}

impl ProfileFiles {
    pub(crate) fn load(world: &dyn World) -> Result<ProfileFiles> {
        let config = read(world, config_path(world))?;
        let credentials = read(world, credentials_path(world))?;
        let mut config_profiles = HashMap::new();
        let mut sso_sessions = HashMap::new();
        if let FileState::Loaded(ini) = &config.state {
            for (name, props) in &ini.sections {
                if name.starts_with("profile") {
                    if let Some(n) = two_word_name(name) {
                        config_profiles.insert(n, props.clone());
                    }
                } else if name.starts_with("sso-session") {
                    if let Some(n) = two_word_name(name) {
                        sso_sessions.insert(n, props.clone());
                    }
                } else if name == "default" {
                    config_profiles.insert(name.clone(), props.clone());
                }
            }
        }
        Ok(ProfileFiles {
            config,
            credentials,
            config_profiles,
            sso_sessions,
        })
    }

    pub(crate) fn config_profile(&self, name: &str) -> Option<&Props> {
        self.config_profiles.get(name)
    }

    pub(crate) fn credentials_profile(&self, name: &str) -> Option<&Props> {
        match &self.credentials.state {
            FileState::Loaded(ini) => ini.section(name),
            _ => None,
        }
    }

    pub(crate) fn exists(&self, name: &str) -> bool {
        self.config_profile(name).is_some() || self.credentials_profile(name).is_some()
    }

    /// The config profile with the credentials file's keys laid over it.
    pub(crate) fn merged(&self, name: &str) -> Props {
        let mut props = self.config_profile(name).cloned().unwrap_or_default();
        if let Some(c) = self.credentials_profile(name) {
            props.extend(c.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        props
    }

    pub(crate) fn sso_session(&self, name: &str) -> Option<&Props> {
        self.sso_sessions.get(name)
    }
}

/// `profile dev` → `dev`; `profile "my dev"` → `my dev`; anything that does
/// not shell-split into exactly two words → not a profile.
fn two_word_name(section: &str) -> Option<String> {
    let mut words = shlex::split(section).ok()?;
    (words.len() == 2).then(|| words.swap_remove(1))
}

fn read(world: &dyn World, path: PathBuf) -> Result<SharedFile> {
    let state = match world.read_to_string(&path) {
        Ok(text) => FileState::Loaded(ini::parse(&text).map_err(|e| {
            Error::config(format!(
                "cannot parse AWS profile file {}: {e}",
                path.display()
            ))
        })?),
        Err(e) if e.kind() == io::ErrorKind::NotFound => FileState::Missing,
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            return Err(Error::config(format!(
                "cannot parse AWS profile file {}: not valid UTF-8",
                path.display()
            )))
        }
        Err(e) => FileState::Unreadable(e.to_string()),
    };
    Ok(SharedFile { path, state })
}

pub(crate) fn config_path(world: &dyn World) -> PathBuf {
    file_path(world, "AWS_CONFIG_FILE", "config")
}

pub(crate) fn credentials_path(world: &dyn World) -> PathBuf {
    file_path(world, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

fn file_path(world: &dyn World, var: &str, default_name: &str) -> PathBuf {
    let raw = world
        .var(var)
        .unwrap_or_else(|| format!("~/.aws/{default_name}"));
    expand_user(world, &expand_vars(world, &raw))
}

/// Python's `os.path.expandvars`: `$NAME` and `${NAME}` (NAME of word
/// characters), left as written when the variable is unset.
fn expand_vars(world: &dyn World, s: &str) -> String {
    if !s.contains('$') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, consumed) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) => (&braced[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (consumed > 0 && !name.is_empty())
            .then(|| world.var(name))
            .flatten()
        {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[i..i + 1 + consumed]),
        }
        rest = &rest[i + 1 + consumed..];
    }
    out.push_str(rest);
    out
}

/// Python's `os.path.expanduser` for `~` and `~/...` (not `~user`).
fn expand_user(world: &dyn World, s: &str) -> PathBuf {
    let Some(rest) = s.strip_prefix('~') else {
        return PathBuf::from(s);
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return PathBuf::from(s);
    }
    match world.home() {
        Some(home) => {
            let home = home.to_string_lossy();
            let joined = format!("{}{rest}", home.trim_end_matches('/'));
            PathBuf::from(if joined.is_empty() {
                "/".to_owned()
            } else {
                joined
            })
        }
        None => PathBuf::from(s),
    }
}

/// A profile key's text; a nested sub-section where a value belongs is a
/// configuration error.
pub(crate) fn text<'a>(
    props: &'a Props,
    key: &str,
    profile: &str,
    path: &Path,
) -> Result<Option<&'a str>> {
    match props.get(key) {
        None => Ok(None),
        Some(v) => v.text().map(Some).ok_or_else(|| {
            Error::config(format!(
                "`{key}` of profile \"{profile}\" ({}) is a nested section, not a value",
                path.display()
            ))
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::FakeWorld;

    fn opts(p: Option<&str>) -> ChainOptions {
        ChainOptions {
            profile: p.map(str::to_owned),
        }
    }

    #[test]
    fn profile_name_precedence() {
        let w = FakeWorld::new()
            .var("AWS_PROFILE", "p")
            .var("AWS_DEFAULT_PROFILE", "dp");
        assert_eq!(
            ProfileName::select(&opts(Some("f")), &w).source,
            NameSource::Flag
        );
        let n = ProfileName::select(&opts(None), &w);
        assert_eq!(
            (n.name.as_str(), n.source),
            ("dp", NameSource::AwsDefaultProfile)
        );
        let w = FakeWorld::new()
            .var("AWS_PROFILE", "p")
            .var("AWS_DEFAULT_PROFILE", "");
        assert_eq!(ProfileName::select(&opts(None), &w).name, "p");
        let n = ProfileName::select(&opts(None), &FakeWorld::new());
        assert_eq!((n.name.as_str(), n.must_exist()), ("default", false));
        assert!(ProfileName::select(&opts(Some("x")), &w).disables_env());
        assert!(!ProfileName::select(&opts(None), &w).disables_env());
    }

    #[test]
    fn file_paths_expand_home_and_vars() {
        let w = FakeWorld::new().var("HOME", "/home/u/");
        assert_eq!(config_path(&w), PathBuf::from("/home/u/.aws/config"));
        assert_eq!(
            credentials_path(&w),
            PathBuf::from("/home/u/.aws/credentials")
        );
        let w = w
            .var("AWS_CONFIG_FILE", "$XDG/aws/${NAME}.ini")
            .var("XDG", "/x")
            .var("NAME", "cfg")
            .var("AWS_SHARED_CREDENTIALS_FILE", "~/c/$UNSET/${ALSO_UNSET}/$");
        assert_eq!(config_path(&w), PathBuf::from("/x/aws/cfg.ini"));
        assert_eq!(
            credentials_path(&w),
            PathBuf::from("/home/u/c/$UNSET/${ALSO_UNSET}/$")
        );
        let w = FakeWorld::new()
            .var("HOME", "/h")
            .var("AWS_CONFIG_FILE", "~other/x");
        assert_eq!(config_path(&w), PathBuf::from("~other/x"));
    }

    #[test]
    fn profile_map_like_botocore() {
        let w = FakeWorld::new()
            .var("HOME", "/h")
            .file(
                "/h/.aws/config",
                "[default]\nregion=a\n[profile default]\nregion=b\n[profile \"my dev\"]\nregion=q\n\
                 [profile  sp ]\nregion=s\n[profilex]\nregion=z\n[profile a b]\nregion=no\n\
                 [dev]\nregion=not-a-profile\n[sso-session corp]\nsso_region=eu-west-1\n\
                 [profile both]\nregion=cfg\nrole_arn=arn:cfg\n",
            )
            .file("/h/.aws/credentials", "[dev]\naws_access_key_id=K\n[both]\nregion=cred\n");
        let f = ProfileFiles::load(&w).unwrap();
        let region = |p: &str| {
            f.merged(p)
                .get("region")
                .and_then(|v| v.text().map(str::to_owned))
        };
        assert_eq!(region("default").as_deref(), Some("b"));
        assert_eq!(region("my dev").as_deref(), Some("q"));
        assert_eq!(region("sp").as_deref(), Some("s"));
        assert!(f.config_profile("profilex").is_none());
        assert!(f.config_profile("a b").is_none() && f.config_profile("b").is_none());
        // `[dev]` in the config file is not a profile, but the credentials file's `[dev]` is.
        assert!(f.config_profile("dev").is_none());
        assert!(f.exists("dev"));
        assert_eq!(region("dev"), None);
        // Credentials-file keys override config-file keys in the merged view.
        assert_eq!(region("both").as_deref(), Some("cred"));
        assert!(f.merged("both").contains_key("role_arn"));
        assert!(f.sso_session("corp").is_some());
        assert!(!f.exists("nope"));
    }

    #[test]
    fn missing_unreadable_and_broken_files() {
        let w = FakeWorld::new().var("HOME", "/h");
        let f = ProfileFiles::load(&w).unwrap();
        assert_eq!(f.config.state, FileState::Missing);
        assert_eq!(f.config.describe(), "/h/.aws/config (not found)");
        let w = w.file("/h/.aws/credentials", "[a]\nx=1\n[a]\n");
        let e = ProfileFiles::load(&w).unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::Configuration);
        assert!(
            e.message.contains("/h/.aws/credentials") && e.message.contains("line 3"),
            "{e}"
        );
    }
}
