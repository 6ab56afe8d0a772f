//! The exec plan: the program to run, its argv, and the environment changes,
//! as a plain value that tests compare and `--explain` prints. Values marked
//! secret are never printed.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

/// One environment variable vouch sets for the client.
#[derive(Clone, PartialEq, Eq)]
pub struct EnvSet {
    pub name: &'static str,
    pub value: String,
    pub secret: bool,
}

impl fmt::Debug for EnvSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secret {
            write!(f, "{}=<secret>", self.name)
        } else {
            write!(f, "{}={:?}", self.name, self.value)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecPlan {
    /// The resolved program file.
    pub program: PathBuf,
    /// argv, argv[0] included, exactly as the user gave it.
    pub argv: Vec<OsString>,
    /// Variables to set (replacing inherited values).
    pub set: Vec<EnvSet>,
    /// Variables to remove from the inherited environment.
    pub unset: Vec<&'static str>,
}

impl ExecPlan {
    /// The child's environment: the parent's, less `unset` and anything
    /// `set` replaces, plus `set`.
    pub fn child_env<I>(&self, parent: I) -> Vec<(OsString, OsString)>
    where
        I: IntoIterator<Item = (OsString, OsString)>,
    {
        let mut env: Vec<(OsString, OsString)> = parent
            .into_iter()
            .filter(|(k, _)| {
                !self.unset.iter().any(|u| k == u) && !self.set.iter().any(|s| k == s.name)
            })
            .collect();
        env.extend(
            self.set
                .iter()
                .map(|s| (OsString::from(s.name), OsString::from(&s.value))),
        );
        env
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_env_replaces_and_unsets() {
        let plan = ExecPlan {
            program: "/usr/bin/psql".into(),
            argv: vec!["psql".into()],
            set: vec![
                EnvSet {
                    name: "PGPASSWORD",
                    value: "tok".into(),
                    secret: true,
                },
                EnvSet {
                    name: "PGSSLMODE",
                    value: "verify-full".into(),
                    secret: false,
                },
            ],
            unset: vec!["PGPASSFILE"],
        };
        let parent = [
            ("PGPASSWORD", "old"),
            ("HOME", "/h"),
            ("PGPASSFILE", "/p"),
            ("PGSSLMODE", "prefer"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let env = plan.child_env(parent);
        let want = [
            ("HOME", "/h"),
            ("PGPASSWORD", "tok"),
            ("PGSSLMODE", "verify-full"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        assert_eq!(env, want);
        assert!(
            !format!("{plan:?}").contains("tok\""),
            "secret in Debug: {plan:?}"
        );
    }
}
