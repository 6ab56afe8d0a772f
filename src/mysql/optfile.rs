//! Option files (`my.cnf`), read as the clients' `my_load_defaults`
//! (mysys `my_default.c` in MariaDB, `my_default.cc` in Oracle MySQL) reads
//! them: which files, in which order, which `[group]`s, and what each line
//! becomes. The result is the list of `--name=value` arguments the client
//! puts in front of its own command line; parsing those with the client's
//! option grammar is [`super::options`]' business, not this module's.
//!
//! The files, in order (each skipped silently when it does not exist):
//!
//! * MariaDB: `/etc/my.cnf`, `/etc/mysql/my.cnf`, `$MARIADB_HOME/my.cnf`
//!   (or, only when `MARIADB_HOME` is unset, `$MYSQL_HOME/my.cnf`), the
//!   `--defaults-extra-file`, `~/.my.cnf`.
//! * Oracle: `/etc/my.cnf`, `/etc/mysql/my.cnf`, `SYSCONFDIR/my.cnf` (a
//!   build setting; see [`load_with`]), `$MYSQL_HOME/my.cnf`, the
//!   `--defaults-extra-file`, `~/.my.cnf`, and then the obfuscated login
//!   file `~/.mylogin.cnf` (`MYSQL_TEST_LOGIN_FILE` overrides its path).
//!   The login file is read even with `--no-defaults` or `--defaults-file`
//!   (not with `--no-login-paths`); vouch never decrypts it and only
//!   reports it ([`Loaded::login_file`]).
//!
//! A directory already in the list is moved to its end (mysys
//! `add_directory`), so `MYSQL_HOME=/etc` reads `/etc/my.cnf` after
//! `/etc/mysql/my.cnf`. `--defaults-file` replaces the whole list (the extra
//! file is then not read); it and `--defaults-extra-file` must be openable
//! ("Could not open required defaults file", and the client stops).
//! `--no-defaults` reads nothing. Relative names are taken from the current
//! directory and a leading `~/` is the home directory (`$HOME`).
//!
//! Groups: the client's groups plus each with the suffix from
//! `--defaults-group-suffix`, else (MariaDB) `MARIADB_GROUP_SUFFIX`, else
//! `MYSQL_GROUP_SUFFIX`. Group names match case-insensitively and in full
//! (`[client  ]` and `[CLIENT]` are `client`, `[ client]` is not). Options
//! come out in file order, whatever group they were in.
//!
//! Lines: the C code reads with `fgets` into a 4096-byte buffer, so a line
//! longer than 4094 bytes is read as several lines (and counted so). A line
//! is cut at a NUL byte. Leading and trailing white space (latin1: space,
//! `\t \n \v \f \r` and 0xA0) is dropped; `#` or `;` first means a comment;
//! `!include FILE` and `!includedir DIR` (only names ending in `.cnf`, in
//! byte order) are directives; `[name]` opens a group (text after `]` is
//! ignored); anything else before the first group is a fatal error, and so
//! is a `[` without `]`. An option line is `name`, or `name = value`: a `#`
//! outside quotes ends the line, white space around name and value goes,
//! one pair of matching quotes around the whole value goes, and the escapes
//! `\n \t \r \b \s \" \' \\` are replaced (any other `\x` stays as
//! written). Names are kept exactly as written (`_` and case included; the
//! clients' `my_getopt` treats `_` and `-` alike, so the grammar module
//! normalises them).
//!
//! Include errors: a fatal error in an included file is printed by the
//! client, which then carries on with the including file, keeping the
//! included file's options up to the error; vouch does the same and reports
//! the error as a warning. Includes nest at most 10 deep. A world-writable
//! file is ignored with a warning ("World-writable config file '...' is
//! ignored").
//!
//! Option values are never put in messages: any of them may be a password.

use std::ffi::OsString;
use std::fmt;
use std::io::ErrorKind;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use super::Flavour;
use crate::error::{Error, Result};
use crate::world::World;

/// `fgets(buff, sizeof(buff) - 1, fp)` with a 4096-byte buffer: at most
/// 4094 bytes per read.
const MAX_LINE: usize = 4094;
/// mysys `max_recursion_level`: files at this depth cannot include more.
const MAX_INCLUDE_DEPTH: u32 = 10;
/// mysys ignores a file name of `FN_REFLEN - 3` or more bytes.
const MAX_PATH: usize = 512 - 3;

/// The leading option-file arguments of the client's command line
/// (`--no-defaults`, `--defaults-file=`, `--defaults-extra-file=`,
/// `--defaults-group-suffix=`, and Oracle's `--login-path=` and
/// `--no-login-paths`), already parsed by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Leading {
    pub no_defaults: bool,
    pub defaults_file: Option<PathBuf>,
    pub extra_file: Option<PathBuf>,
    pub group_suffix: Option<String>,
    /// Oracle: the login path to read from `~/.mylogin.cnf`.
    pub login_path: Option<String>,
    /// Oracle 8.1 and later: do not read `~/.mylogin.cnf`.
    pub no_login_paths: bool,
}

/// One option from an option file, as the client inserts it into argv
/// (`--name` or `--name=value`).
#[derive(Clone, PartialEq, Eq)]
pub struct FileOption {
    /// As written: `loose-` prefixes, `_` and case are kept.
    pub name: String,
    /// `None` for a line without `=`; escapes and quotes already resolved.
    pub value: Option<String>,
    pub file: PathBuf,
    /// The line as the client counts it (see the module notes on long lines).
    pub line: usize,
    /// The group it was in, as written in the file (without brackets).
    pub group: String,
}

impl FileOption {
    /// The argument the client builds: `--name` or `--name=value`.
    pub fn arg(&self) -> String {
        match &self.value {
            Some(v) => format!("--{}={v}", self.name),
            None => format!("--{}", self.name),
        }
    }

    /// Whether the value may be a secret and must not be shown: names that
    /// mention a password or are a prefix of `password` (my_getopt accepts
    /// unambiguous prefixes), with or without `loose-`.
    pub fn is_secret(&self) -> bool {
        let n = self.name.to_ascii_lowercase().replace('_', "-");
        let n = n.strip_prefix("loose-").unwrap_or(&n);
        n.contains("pass")
            || n.contains("secret")
            || n.contains("token")
            || (!n.is_empty() && "password".starts_with(n))
    }
}

impl fmt::Debug for FileOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let value = match &self.value {
            None => None,
            Some(_) if self.is_secret() => Some("<hidden>"),
            Some(v) => Some(v.as_str()),
        };
        f.debug_struct("FileOption")
            .field("name", &self.name)
            .field("value", &value)
            .field("file", &self.file)
            .field("line", &self.line)
            .field("group", &self.group)
            .finish()
    }
}

/// Everything [`load`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Loaded {
    /// The options of the wanted groups, in the order the client inserts them.
    pub options: Vec<FileOption>,
    /// Every option file opened, includes too, in order.
    pub files: Vec<PathBuf>,
    /// What the client would print on stderr and carry on after (ignored
    /// world-writable files, errors in included files, skipped directives),
    /// and what vouch notices besides (unreadable files, split long lines).
    pub warnings: Vec<String>,
    /// Oracle: the login file the client will also read after these options
    /// (it overrides them). vouch cannot see what is in it.
    pub login_file: Option<PathBuf>,
}

/// The option files the client reads, in order (the top-level ones, not
/// their includes; the Oracle login file last). For messages and `--explain`.
pub fn files(flavour: Flavour, leading: &Leading, world: &dyn World) -> Vec<PathBuf> {
    files_with(flavour, leading, None, world)
}

/// [`files`] for an Oracle build with a `SYSCONFDIR` (ignored for MariaDB,
/// whose Debian build has none).
pub fn files_with(
    flavour: Flavour,
    leading: &Leading,
    sysconfdir: Option<&Path>,
    world: &dyn World,
) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = plan(flavour, leading, sysconfdir, world)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    out.extend(login_file_path(flavour, leading, world));
    out
}

/// Every option from `groups` (e.g. `["mysql", "client", ...]`, without the
/// suffixed names; they are added here) in the order the client would
/// insert them, for a build without `SYSCONFDIR`.
pub fn load(
    flavour: Flavour,
    leading: &Leading,
    groups: &[&str],
    world: &dyn World,
) -> Result<Loaded> {
    load_with(flavour, leading, groups, None, world)
}

/// [`load`] for an Oracle build whose `SYSCONFDIR` is `sysconfdir` (RPM
/// builds: `/etc`, which moves `/etc/my.cnf` after `/etc/mysql/my.cnf`;
/// Debian packages: `/etc/mysql`, the same order as none).
pub fn load_with(
    flavour: Flavour,
    leading: &Leading,
    groups: &[&str],
    sysconfdir: Option<&Path>,
    world: &dyn World,
) -> Result<Loaded> {
    let suffix = if leading.no_defaults {
        None
    } else {
        group_suffix(flavour, leading, world)
    };
    let mut wanted: Vec<Vec<u8>> = groups.iter().map(|g| g.as_bytes().to_vec()).collect();
    if let Some(s) = &suffix {
        wanted.extend(groups.iter().map(|g| format!("{g}{s}").into_bytes()));
    }
    let mut loader = Loader {
        world,
        groups: wanted,
        home: world.var("HOME"),
        out: Loaded::default(),
    };
    for (path, required) in plan(flavour, leading, sysconfdir, world) {
        let found = loader.file(&path, 0)?;
        if !found && required {
            return Err(Error::config(format!(
                "option file {} (given by {}) cannot be opened; the client stops with \"Could not open required defaults file\"; fix the path or create the file",
                path.display(),
                if leading.defaults_file.is_some() {
                    "--defaults-file"
                } else {
                    "--defaults-extra-file"
                }
            )));
        }
    }
    if let Some(login) = login_file_path(flavour, leading, world) {
        loader.login_file(&login);
    }
    Ok(loader.out)
}

/// The file the user named with a leading `--defaults-file` (else
/// `--defaults-extra-file`), as the client will open it: `~/` expanded
/// from `$HOME` (left as written when `HOME` is unset, as in mysys),
/// relative to the working directory otherwise.
pub fn user_file(leading: &Leading, world: &dyn World) -> Option<PathBuf> {
    let f = leading
        .defaults_file
        .as_ref()
        .or(leading.extra_file.as_ref())?;
    Some(unpack_home(f, world.var("HOME").as_deref()))
}

/// The group suffix in force: the argument, else the environment.
fn group_suffix(flavour: Flavour, leading: &Leading, world: &dyn World) -> Option<String> {
    if let Some(s) = &leading.group_suffix {
        return Some(s.clone());
    }
    if flavour == Flavour::MariaDb {
        // A set-but-empty MARIADB_GROUP_SUFFIX hides MYSQL_GROUP_SUFFIX.
        if let Some(s) = world.var("MARIADB_GROUP_SUFFIX") {
            return Some(s);
        }
    }
    world.var("MYSQL_GROUP_SUFFIX")
}

/// The top-level files and whether each must be openable.
fn plan(
    flavour: Flavour,
    leading: &Leading,
    sysconfdir: Option<&Path>,
    world: &dyn World,
) -> Vec<(PathBuf, bool)> {
    // mycli reads option files its own way (see super::mycli), not mysys'.
    if leading.no_defaults || flavour == Flavour::Mycli {
        return Vec::new();
    }
    let home = world.var("HOME");
    if let Some(f) = &leading.defaults_file {
        return vec![(unpack_home(f, home.as_deref()), true)];
    }
    // mysys init_default_directories; "" is the extra file's place.
    let mut dirs: Vec<String> = Vec::new();
    let mut add = |d: &str| {
        let d = normalize_dirname(d);
        dirs.retain(|x| *x != d);
        dirs.push(d);
    };
    add("/etc/");
    add("/etc/mysql/");
    match flavour {
        Flavour::Oracle { .. } => {
            if let Some(s) = sysconfdir.and_then(Path::to_str).filter(|s| !s.is_empty()) {
                add(s);
            }
            if let Some(h) = world.var("MYSQL_HOME") {
                add(&h);
            }
        }
        Flavour::MariaDb => {
            if let Some(h) = world
                .var("MARIADB_HOME")
                .or_else(|| world.var("MYSQL_HOME"))
            {
                add(&h);
            }
        }
        Flavour::Mycli => {}
    }
    add("");
    add("~/");
    let mut files = Vec::new();
    for d in dirs {
        if d.is_empty() {
            if let Some(extra) = &leading.extra_file {
                files.push((unpack_home(extra, home.as_deref()), true));
            }
        } else {
            // "Add . to filenames in home": any directory starting with ~.
            let name = if d.starts_with('~') {
                ".my.cnf"
            } else {
                "my.cnf"
            };
            let path = PathBuf::from(format!("{d}{name}"));
            files.push((unpack_home(&path, home.as_deref()), false));
        }
    }
    files
}

/// Oracle's `my_default_get_login_file`, unless the client will not read it.
fn login_file_path(flavour: Flavour, leading: &Leading, world: &dyn World) -> Option<PathBuf> {
    if !matches!(flavour, Flavour::Oracle { .. }) || leading.no_login_paths {
        return None;
    }
    if let Some(f) = world.var("MYSQL_TEST_LOGIN_FILE") {
        return Some(PathBuf::from(f));
    }
    world
        .var("HOME")
        .map(|h| PathBuf::from(format!("{h}/.mylogin.cnf")))
}

/// mysys `normalize_dirname`: a trailing `/`, `//` and `/./` collapsed and
/// `dir/../` removed, lexically. Used to spot directories listed twice.
fn normalize_dirname(dir: &str) -> String {
    if dir.is_empty() {
        return String::new();
    }
    let absolute = dir.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in dir.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != ".." && *p != "~") => {
                parts.pop();
            }
            ".." if absolute && parts.is_empty() => {}
            p => parts.push(p),
        }
    }
    let mut out = String::from(if absolute { "/" } else { "" });
    for p in parts {
        out.push_str(p);
        out.push('/');
    }
    if out.is_empty() {
        out.push_str("./");
    }
    out
}

/// mysys `unpack_filename` for the cases that matter: a leading `~/` (or a
/// lone `~`) becomes `$HOME` (without its trailing `/`). With `HOME` unset
/// the name stays as written, as in mysys.
fn unpack_home(path: &Path, home: Option<&str>) -> PathBuf {
    let bytes = path.as_os_str().as_bytes();
    let Some(home) = home else {
        return path.to_path_buf();
    };
    let rest = if bytes == b"~" {
        &b""[..]
    } else if let Some(rest) = bytes.strip_prefix(b"~/") {
        rest
    } else {
        return path.to_path_buf();
    };
    let mut out = home.trim_end_matches('/').as_bytes().to_vec();
    out.push(b'/');
    out.extend_from_slice(rest);
    PathBuf::from(OsString::from_vec(out))
}

/// `my_isspace(&my_charset_latin1, c)`, checked against `my_print_defaults`.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

/// latin1 `my_toupper`.
fn upper(c: u8) -> u8 {
    match c {
        b'a'..=b'z' => c - 32,
        0xe0..=0xfe if c != 0xf7 => c - 32,
        _ => c,
    }
}

/// The lines as `fgets` returns them: each ends at `\n` (kept) or after
/// [`MAX_LINE`] bytes, and is then cut at its first NUL (C strings).
fn c_lines(text: &[u8]) -> impl Iterator<Item = (&[u8], bool)> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let limit = rest.len().min(MAX_LINE);
        let (len, split) = match rest[..limit].iter().position(|&c| c == b'\n') {
            Some(i) => (i + 1, false),
            None => (limit, limit == MAX_LINE && rest.len() > MAX_LINE),
        };
        let (line, tail) = rest.split_at(len);
        rest = tail;
        let line = match line.iter().position(|&c| c == 0) {
            Some(nul) => &line[..nul],
            None => line,
        };
        Some((line, split))
    })
}

/// The group state of one file (MariaDB's `found_group`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    None,
    Parse,
    Skip,
}

struct Loader<'a> {
    world: &'a dyn World,
    groups: Vec<Vec<u8>>,
    home: Option<String>,
    out: Loaded,
}

impl Loader<'_> {
    fn wanted(&self, group: &[u8]) -> bool {
        self.groups.iter().any(|g| {
            g.len() == group.len() && g.iter().zip(group).all(|(a, b)| upper(*a) == upper(*b))
        })
    }

    /// mysys `search_default_file_with_ext`: `Ok(false)` when the file is
    /// not there or cannot be opened, `Ok(true)` when it was dealt with
    /// (read, or ignored as world-writable), `Err` for a fatal error.
    fn file(&mut self, path: &Path, depth: u32) -> Result<bool> {
        let shown = path.display();
        if path.as_os_str().len() >= MAX_PATH {
            self.out.warnings.push(format!(
                "option file name {shown} is too long; the client ignores it"
            ));
            return Ok(true);
        }
        let meta = match self.world.metadata(path) {
            Ok(m) => m,
            Err(_) => return Ok(false),
        };
        if meta.is_file && meta.mode & 0o002 != 0 {
            self.out.warnings.push(format!(
                "World-writable config file '{shown}' is ignored (the client ignores it too; run chmod o-w on it)"
            ));
            return Ok(true);
        }
        let text = match self.world.read(path) {
            Ok(t) => t,
            // fopen of a directory works; reading it gives nothing.
            Err(e) if e.kind() == ErrorKind::IsADirectory => Vec::new(),
            Err(e) => {
                self.out.warnings.push(format!(
                    "cannot read option file {shown}: {e}; the client skips it too"
                ));
                return Ok(false);
            }
        };
        self.out.files.push(path.to_path_buf());
        let mut group = Group::None;
        let mut group_name = String::new();
        for (n, (line, split)) in c_lines(&text).enumerate() {
            let line_no = n + 1;
            if split {
                self.out.warnings.push(format!(
                    "option file {shown}, line {line_no}: longer than {MAX_LINE} bytes; the client reads the rest as another line"
                ));
            }
            let at = |what: &str| format!("option file {shown}, line {line_no}: {what}");
            let mut p = 0;
            while p < line.len() && is_space(line[p]) {
                p += 1;
            }
            match line.get(p) {
                None | Some(b'#') | Some(b';') => continue,
                Some(b'!') => {
                    self.directive(line, p, path, line_no, depth)?;
                    continue;
                }
                Some(b'[') => {
                    let Some(close) = line[p + 1..].iter().position(|&c| c == b']') else {
                        return Err(Error::config(at(
                            "'[' without a closing ']'; the client stops here (\"Wrong group definition\"); fix the group line",
                        )));
                    };
                    let mut end = p + 1 + close;
                    while is_space(line[end - 1]) {
                        end -= 1;
                    }
                    let name = &line[p + 1..end];
                    group = if self.wanted(name) {
                        Group::Parse
                    } else {
                        Group::Skip
                    };
                    group_name = String::from_utf8_lossy(name).into_owned();
                    continue;
                }
                Some(_) => {}
            }
            match group {
                Group::None => {
                    let hint = if n == 0 && line.starts_with(b"\xef\xbb\xbf") {
                        " (the file starts with a UTF-8 byte-order mark; save it without one)"
                    } else {
                        ""
                    };
                    return Err(Error::config(at(&format!(
                        "option before any [group]; the client stops here (\"Found option without preceding group\"); put it under a group such as [client]{hint}"
                    ))));
                }
                Group::Skip => continue,
                Group::Parse => {}
            }
            let (name, value) = parse_option(line, p);
            if name.is_empty() {
                return Err(Error::config(at(
                    "option without a name (a line starting with '='); the client cannot use it; remove the line",
                )));
            }
            let (Ok(name), Ok(value)) = (
                String::from_utf8(name),
                value.map(String::from_utf8).transpose(),
            ) else {
                return Err(Error::config(at(
                    "the option's name or value is not valid UTF-8 (the client passes such bytes on, vouch cannot check them); save the file as UTF-8",
                )));
            };
            self.out.options.push(FileOption {
                name,
                value,
                file: path.to_path_buf(),
                line: line_no,
                group: group_name.clone(),
            });
        }
        Ok(true)
    }

    /// A `!` line starting at `line[p]`.
    fn directive(
        &mut self,
        line: &[u8],
        p: usize,
        path: &Path,
        line_no: usize,
        depth: u32,
    ) -> Result<()> {
        let shown = path.display();
        if depth >= MAX_INCLUDE_DEPTH {
            self.out.warnings.push(format!(
                "option file {shown}, line {line_no}: directive skipped, includes nest at most {MAX_INCLUDE_DEPTH} deep (the client skips it too)"
            ));
            return Ok(());
        }
        let mut q = p + 1;
        while q < line.len() && is_space(line[q]) {
            q += 1;
        }
        let rest = &line[q..];
        let keyword =
            |k: &[u8]| rest.starts_with(k) && rest.get(k.len()).is_some_and(|&c| is_space(c));
        let (dir, kw_len) = if keyword(b"includedir") {
            (true, "includedir".len())
        } else if keyword(b"include") {
            (false, "include".len())
        } else {
            return Ok(()); // any other directive is ignored
        };
        let Some(arg) = directive_argument(line, q + kw_len) else {
            return Err(Error::config(format!(
                "option file {shown}, line {line_no}: !{} without a name; the client stops here (\"Wrong '!{}' directive\"); give a name (and end the file with a newline: on a last line without one the client drops the last character)",
                if dir { "includedir" } else { "include" },
                if dir { "includedir" } else { "include" },
            )));
        };
        let arg = PathBuf::from(OsString::from_vec(arg.to_vec()));
        if dir {
            // my_dir does no ~ expansion.
            let mut names = match self.world.read_dir(&arg) {
                Ok(n) => n,
                Err(e) => {
                    return Err(Error::config(format!(
                        "option file {shown}, line {line_no}: cannot read directory {} named by !includedir ({e}); the client stops here; fix or remove the line",
                        arg.display()
                    )))
                }
            };
            names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            for name in names {
                if !name.as_bytes().ends_with(b".cnf") {
                    continue;
                }
                let file = unpack_home(&arg.join(&name), self.home.as_deref());
                self.included(&file, depth);
            }
        } else {
            let file = unpack_home(&arg, self.home.as_deref());
            self.included(&file, depth);
        }
        Ok(())
    }

    /// An included file: missing is fine, errors are the client's warnings.
    fn included(&mut self, file: &Path, depth: u32) {
        if let Err(e) = self.file(file, depth + 1) {
            self.out.warnings.push(format!(
                "{} (in an included file: the client reports it and goes on without the rest of that file)",
                e.message
            ));
        }
    }

    /// Oracle's login file: vouch does not read it, but says whether the
    /// client will (it ignores one that others can access).
    fn login_file(&mut self, path: &Path) {
        let Ok(meta) = self.world.metadata(path) else {
            return;
        };
        // mysys check_file_permissions: S_IXUSR | S_IRWXG | S_IRWXO.
        if meta.is_file && meta.mode & 0o177 != 0 {
            self.out.warnings.push(format!(
                "login path file {} is accessible by others; the client ignores it (chmod 600 it)",
                path.display()
            ));
        } else {
            self.out.login_file = Some(path.to_path_buf());
        }
    }
}

/// mysys `get_argument`: the name after an `!include`/`!includedir`
/// keyword ending at `line[start]`, with its quirk: the last byte is taken
/// for the newline `fgets` left, so on a last line without one the name
/// loses its last character. `None` when nothing is left.
fn directive_argument(line: &[u8], start: usize) -> Option<&[u8]> {
    let mut ptr = start;
    while ptr < line.len() && is_space(line[ptr]) {
        ptr += 1;
    }
    // end = ptr + strlen(ptr) - 1; while isspace(end[-1]) end--;
    let mut end = line.len() as isize - 1;
    while end >= 1 && is_space(line[(end - 1) as usize]) {
        end -= 1;
    }
    if end <= ptr as isize {
        return None;
    }
    Some(&line[ptr..end as usize])
}

/// mysys `remove_end_comment`: where a `#` outside quotes starts.
fn comment_start(line: &[u8], from: usize) -> usize {
    let mut quote = 0u8;
    let mut escape = false;
    for (i, &c) in line.iter().enumerate().skip(from) {
        if (c == b'\'' || c == b'"') && !escape {
            if quote == 0 {
                quote = c;
            } else if quote == c {
                quote = 0;
            }
        }
        if quote == 0 && c == b'#' {
            return i;
        }
        escape = quote != 0 && c == b'\\' && !escape;
    }
    line.len()
}

/// An option line from `line[p]` (not white space): the name and the value
/// bytes, as `search_default_file_with_ext` builds `--name=value`.
fn parse_option(line: &[u8], p: usize) -> (Vec<u8>, Option<Vec<u8>>) {
    let line = &line[..comment_start(line, p)];
    let eq = line[p..].iter().position(|&c| c == b'=').map(|i| p + i);
    let mut end = eq.unwrap_or(line.len());
    while end > p && is_space(line[end - 1]) {
        end -= 1;
    }
    let name = line[p..end].to_vec();
    let Some(eq) = eq else {
        return (name, None);
    };
    let mut v = eq + 1;
    while v < line.len() && is_space(line[v]) {
        v += 1;
    }
    let mut v_end = line.len();
    while v_end > v && is_space(line[v_end - 1]) {
        v_end -= 1;
    }
    if v < v_end
        && (line[v] == b'"' || line[v] == b'\'')
        && v + 1 < v_end
        && line[v_end - 1] == line[v]
    {
        v += 1;
        v_end -= 1;
    }
    let raw = &line[v..v_end];
    let mut value = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            i += 1;
            match raw[i] {
                b'n' => value.push(b'\n'),
                b't' => value.push(b'\t'),
                b'r' => value.push(b'\r'),
                b'b' => value.push(0x08),
                b's' => value.push(b' '),
                c @ (b'"' | b'\'' | b'\\') => value.push(c),
                c => value.extend_from_slice(&[b'\\', c]),
            }
        } else {
            value.push(raw[i]);
        }
        i += 1;
    }
    (name, Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::FakeWorld;

    const MARIA: Flavour = Flavour::MariaDb;
    const ORACLE: Flavour = Flavour::Oracle { major: 8, minor: 4 };
    const GROUPS: &[&str] = &["mysql", "client"];

    fn world() -> FakeWorld {
        FakeWorld::new().var("HOME", "/home/alice")
    }

    fn paths(v: &[&str]) -> Vec<PathBuf> {
        v.iter().map(PathBuf::from).collect()
    }

    fn df(path: &str) -> Leading {
        Leading {
            defaults_file: Some(path.into()),
            ..Leading::default()
        }
    }

    /// `--name=value` lines, as my_print_defaults prints them.
    fn args(l: &Loaded) -> Vec<String> {
        l.options.iter().map(FileOption::arg).collect()
    }

    fn load_one(text: &str) -> Result<Loaded> {
        let w = world().file("/t.cnf", text);
        load(MARIA, &df("/t.cnf"), GROUPS, &w)
    }

    #[test]
    fn mariadb_file_order() {
        let w = world();
        let none = Leading::default();
        assert_eq!(
            files(MARIA, &none, &w),
            paths(&["/etc/my.cnf", "/etc/mysql/my.cnf", "/home/alice/.my.cnf"])
        );
        let extra = Leading {
            extra_file: Some("~/x.cnf".into()),
            ..Leading::default()
        };
        let w2 = world().var("MYSQL_HOME", "/opt/m");
        assert_eq!(
            files(MARIA, &extra, &w2),
            paths(&[
                "/etc/my.cnf",
                "/etc/mysql/my.cnf",
                "/opt/m/my.cnf",
                "/home/alice/x.cnf",
                "/home/alice/.my.cnf"
            ])
        );
        // MARIADB_HOME wins; a set-but-empty one hides MYSQL_HOME.
        let w3 = world()
            .var("MYSQL_HOME", "/opt/m")
            .var("MARIADB_HOME", "/opt/a");
        assert_eq!(files(MARIA, &none, &w3)[2], PathBuf::from("/opt/a/my.cnf"));
        let w4 = world().var("MYSQL_HOME", "/opt/m").var("MARIADB_HOME", "");
        assert_eq!(files(MARIA, &none, &w4).len(), 3);
        // A directory listed again moves to the end.
        let w5 = world().var("MYSQL_HOME", "/etc");
        assert_eq!(
            files(MARIA, &none, &w5),
            paths(&["/etc/mysql/my.cnf", "/etc/my.cnf", "/home/alice/.my.cnf"])
        );
        let w6 = world().var("MYSQL_HOME", "/tmp//x/..");
        assert_eq!(files(MARIA, &none, &w6)[2], PathBuf::from("/tmp/my.cnf"));
        // MYSQL_HOME=~ is the home directory: read once, as .my.cnf.
        let w7 = world().var("MYSQL_HOME", "~");
        assert_eq!(files(MARIA, &none, &w7).len(), 3);
        // Relative directories stay relative (to the current directory).
        let w8 = world().var("MYSQL_HOME", "rel");
        assert_eq!(files(MARIA, &none, &w8)[2], PathBuf::from("rel/my.cnf"));
        assert_eq!(files(MARIA, &df("a.cnf"), &w), paths(&["a.cnf"]));
        let no = Leading {
            no_defaults: true,
            ..Leading::default()
        };
        assert!(files(MARIA, &no, &w).is_empty());
    }

    #[test]
    fn oracle_file_order_and_login_file() {
        let w = world()
            .var("MYSQL_HOME", "/opt/m")
            .var("MARIADB_HOME", "/no");
        let extra = Leading {
            extra_file: Some("/x.cnf".into()),
            ..Leading::default()
        };
        assert_eq!(
            files(ORACLE, &extra, &w),
            paths(&[
                "/etc/my.cnf",
                "/etc/mysql/my.cnf",
                "/opt/m/my.cnf",
                "/x.cnf",
                "/home/alice/.my.cnf",
                "/home/alice/.mylogin.cnf"
            ])
        );
        // An RPM build (SYSCONFDIR=/etc) reads /etc/my.cnf second.
        assert_eq!(
            files_with(
                ORACLE,
                &Leading::default(),
                Some(Path::new("/etc")),
                &world()
            )[..2],
            paths(&["/etc/mysql/my.cnf", "/etc/my.cnf"])[..]
        );
        // --defaults-file and --no-defaults still leave the login file.
        assert_eq!(
            files(ORACLE, &df("/d.cnf"), &world()),
            paths(&["/d.cnf", "/home/alice/.mylogin.cnf"])
        );
        let no = Leading {
            no_defaults: true,
            ..Leading::default()
        };
        assert_eq!(
            files(ORACLE, &no, &world()),
            paths(&["/home/alice/.mylogin.cnf"])
        );
        let w2 = world().var("MYSQL_TEST_LOGIN_FILE", "/l.cnf");
        assert_eq!(files(ORACLE, &no, &w2), paths(&["/l.cnf"]));
        let nlp = Leading {
            no_login_paths: true,
            ..no
        };
        assert!(files(ORACLE, &nlp, &w2).is_empty());
    }

    #[test]
    fn mycli_reads_no_mysys_option_files() {
        let w = world().file("/etc/my.cnf", "[client]\nuser=x\n");
        assert!(files(Flavour::Mycli, &Leading::default(), &w).is_empty());
        let l = load(Flavour::Mycli, &Leading::default(), GROUPS, &w).unwrap();
        assert!(l.options.is_empty() && l.login_file.is_none());
    }

    #[test]
    fn login_file_is_reported_not_read() {
        let w = world()
            .file("/home/alice/.mylogin.cnf", "\u{1}garbage")
            .mode("/home/alice/.mylogin.cnf", 0o600);
        let l = load(ORACLE, &Leading::default(), GROUPS, &w).unwrap();
        assert_eq!(
            l.login_file,
            Some(PathBuf::from("/home/alice/.mylogin.cnf"))
        );
        assert!(l.options.is_empty() && l.files.is_empty());
        let w = w.mode("/home/alice/.mylogin.cnf", 0o640);
        let l = load(ORACLE, &Leading::default(), GROUPS, &w).unwrap();
        assert_eq!(l.login_file, None);
        assert!(
            l.warnings[0].contains("accessible by others"),
            "{:?}",
            l.warnings
        );
        let w = world().file("/home/alice/.mylogin.cnf", "x");
        assert_eq!(
            load(MARIA, &Leading::default(), GROUPS, &w)
                .unwrap()
                .login_file,
            None
        );
    }

    #[test]
    fn options_in_file_order_across_files() {
        let w = world()
            .file("/etc/my.cnf", "[client]\nhost=etc\n")
            .file("/etc/mysql/my.cnf", "[mysqld]\nport=1\n[mysql]\nport=2\n")
            .file("/x.cnf", "[client]\nuser=extra\n")
            .file("/home/alice/.my.cnf", "[CLIENT]\nhost=home\n");
        let extra = Leading {
            extra_file: Some("/x.cnf".into()),
            ..Leading::default()
        };
        let l = load(MARIA, &extra, GROUPS, &w).unwrap();
        assert_eq!(
            args(&l),
            ["--host=etc", "--port=2", "--user=extra", "--host=home"]
        );
        assert_eq!(l.options[3].file, PathBuf::from("/home/alice/.my.cnf"));
        assert_eq!(l.options[3].line, 2);
        assert_eq!(l.options[3].group, "CLIENT");
        assert_eq!(l.files.len(), 4);
        // --defaults-file reads that file only, not the extra file.
        let only = Leading {
            defaults_file: Some("/x.cnf".into()),
            extra_file: Some("/etc/my.cnf".into()),
            ..Leading::default()
        };
        assert_eq!(
            args(&load(MARIA, &only, GROUPS, &w).unwrap()),
            ["--user=extra"]
        );
        let no = Leading {
            no_defaults: true,
            ..Leading::default()
        };
        assert!(load(MARIA, &no, GROUPS, &w).unwrap().options.is_empty());
    }

    #[test]
    fn missing_required_files_are_errors_missing_defaults_are_not() {
        let w = world();
        assert!(load(MARIA, &Leading::default(), GROUPS, &w)
            .unwrap()
            .options
            .is_empty());
        let e = load(MARIA, &df("/nope.cnf"), GROUPS, &w).unwrap_err();
        assert!(e.message.contains("/nope.cnf") && e.message.contains("--defaults-file"));
        assert_eq!(e.code, crate::error::ExitCode::Configuration);
        let extra = Leading {
            extra_file: Some("rel.cnf".into()),
            ..Leading::default()
        };
        let e = load(ORACLE, &extra, GROUPS, &w).unwrap_err();
        assert!(e.message.contains("rel.cnf") && e.message.contains("--defaults-extra-file"));
        // A directory given as --defaults-file opens and reads as empty.
        let w = world().file("/d/x", "");
        assert!(load(MARIA, &df("/d"), GROUPS, &w)
            .unwrap()
            .options
            .is_empty());
    }

    #[test]
    fn group_suffix_from_argument_and_environment() {
        let text =
            "[client_X]\nuser=sx\n[client]\nuser=c\n[mysql_x]\nuser=mx\n[client_y]\nuser=y\n";
        let w = world().file("/t.cnf", text);
        let mut lead = df("/t.cnf");
        lead.group_suffix = Some("_x".into());
        assert_eq!(
            args(&load(MARIA, &lead, GROUPS, &w).unwrap()),
            ["--user=sx", "--user=c", "--user=mx"]
        );
        let env = |w: FakeWorld, f| args(&load(f, &df("/t.cnf"), GROUPS, &w).unwrap());
        assert_eq!(
            env(w.clone().var("MYSQL_GROUP_SUFFIX", "_y"), MARIA),
            ["--user=c", "--user=y"]
        );
        let both = w
            .clone()
            .var("MYSQL_GROUP_SUFFIX", "_y")
            .var("MARIADB_GROUP_SUFFIX", "_x");
        assert_eq!(
            env(both.clone(), MARIA),
            ["--user=sx", "--user=c", "--user=mx"]
        );
        // Oracle knows only MYSQL_GROUP_SUFFIX.
        assert_eq!(env(both, ORACLE), ["--user=c", "--user=y"]);
        let empty = w
            .clone()
            .var("MYSQL_GROUP_SUFFIX", "_y")
            .var("MARIADB_GROUP_SUFFIX", "");
        assert_eq!(env(empty, MARIA), ["--user=c"]);
        // The argument beats the environment.
        let w2 = w.var("MYSQL_GROUP_SUFFIX", "_y");
        assert_eq!(args(&load(MARIA, &lead, GROUPS, &w2).unwrap()).len(), 3);
    }

    #[test]
    fn group_headers() {
        let l = load_one(
            "[CLIENT]\nuser=u\n[ client]\nhost=a\n[client  ]\nport=1\n[client]junk\nsocket=s\n[client,mysql]\nq=1\n[]\nr=1\n",
        )
        .unwrap();
        assert_eq!(args(&l), ["--user=u", "--port=1", "--socket=s"]);
        let e = load_one("[mysqld]\nuser=x\n[client\n").unwrap_err();
        assert!(
            e.message.contains("/t.cnf, line 3") && e.message.contains("']'"),
            "{}",
            e.message
        );
        // Lines in other groups are not looked at.
        assert_eq!(
            args(&load_one("[mysqld]\n=x\n\u{ff}\n[client]\nu=1\n").unwrap()),
            ["--u=1"]
        );
    }

    #[test]
    fn option_before_group_is_fatal_without_showing_it() {
        let e = load_one("password=hunter2\n[client]\n").unwrap_err();
        assert!(e.message.contains("line 1") && e.message.contains("[group]"));
        assert!(!e.message.contains("hunter2"));
        let e = load_one("\u{feff}[client]\nuser=x\n").unwrap_err();
        assert!(e.message.contains("byte-order mark"), "{}", e.message);
        // Comments and blank lines may come first.
        assert_eq!(
            args(&load_one("# c\n; c\n\n  ;x\n  #y\n[client]\nuser=u\n").unwrap()),
            ["--user=u"]
        );
    }

    #[test]
    fn names_values_spaces_and_comments() {
        let l = load_one(
            "[client]\r\nuser = bob \r\nhost=\r\nsafe\r\n  spaced name  = v v  \nloose_ssl_ca=x\nLoose-Ssl-Mode=REQUIRED\na=x # c\nc=x#c\nb=\"x # c\"\nd= \"unterminated # c\nv=\u{a0}x\n",
        )
        .unwrap();
        assert_eq!(
            args(&l),
            [
                "--user=bob",
                "--host=",
                "--safe",
                "--spaced name=v v",
                "--loose_ssl_ca=x",
                "--Loose-Ssl-Mode=REQUIRED",
                "--a=x",
                "--c=x",
                "--b=x # c",
                "--d=\"unterminated # c",
                // U+00A0 is C2 A0: a leading one survives (C2 is no space).
                "--v=\u{a0}x",
            ]
        );
        assert_eq!(l.options[2].value, None);
        let e = load_one("[client]\nv=x\u{a0}\n").unwrap_err();
        assert!(e.message.contains("UTF-8") && e.message.contains("line 2"));
    }

    #[test]
    fn quotes_and_escapes() {
        let l = load_one(
            "[client]\nhost=\"a b\"\nx='q'\ny=\"\nz=\"\"\nq=\"a'\ne=\\n\\t\\b\\r\\\\\\s\\\"\\'\\z\\\nf=\"ab\\\"\ng=x\\\"y # not a comment\nh='it''s'\n",
        )
        .unwrap();
        let v: Vec<_> = l.options.iter().map(|o| o.value.clone().unwrap()).collect();
        assert_eq!(
            v,
            [
                "a b",
                "q",
                "\"",
                "",
                "\"a'",
                "\n\t\u{8}\r\\ \"'\\z\\",
                "ab\\",
                "x\"y # not a comment",
                "it''s"
            ]
        );
    }

    #[test]
    fn empty_names_and_bad_bytes_are_errors() {
        let e = load_one("[client]\n=v\n").unwrap_err();
        assert!(e.message.contains("without a name"));
        let w = world().bytes("/t.cnf", b"[client]\npassword=\xff\xfesecret\n");
        let e = load(MARIA, &df("/t.cnf"), GROUPS, &w).unwrap_err();
        assert!(e.message.contains("UTF-8") && !e.message.contains("secret"));
        // A NUL byte ends the line as in C.
        let w = world().bytes("/t.cnf", b"[client]\nu=a\x00b\nv=c\n");
        assert_eq!(
            args(&load(MARIA, &df("/t.cnf"), GROUPS, &w).unwrap()),
            ["--u=a", "--v=c"]
        );
    }

    #[test]
    fn long_lines_are_read_in_pieces() {
        let text = format!("[client]\nuser={}XYZ=1\nhost=h\n", "a".repeat(4090));
        let l = load_one(&text).unwrap();
        assert_eq!(l.options.len(), 3);
        assert_eq!(l.options[0].value.as_ref().unwrap().len(), 4089);
        assert_eq!(l.options[1].arg(), "--aXYZ=1");
        assert_eq!((l.options[1].line, l.options[2].line), (3, 4));
        assert!(l.warnings[0].contains("line 2") && l.warnings[0].contains("4094"));
    }

    #[test]
    fn include_and_includedir() {
        let w = world()
            .file("/t.cnf", "[client]\nuser=top1\n!includedir /inc\nuser=top2\n[mysqld]\n!include ~/h.cnf\nuser=after\n")
            .file("/inc/b.cnf", "[client]\nuser=b\n")
            .file("/inc/a.cnf", "[client]\nuser=a\n")
            .file("/inc/A.cnf", "[client]\nuser=A\n")
            .file("/inc/.cnf", "[client]\nuser=dot\n")
            .file("/inc/x.y.cnf", "[client]\nuser=xy\n")
            .file("/inc/u.CNF", "[client]\nuser=no\n")
            .file("/inc/u.cnf.bak", "[client]\nuser=no\n")
            .file("/inc/sub.cnf/z.cnf", "[client]\nuser=no\n")
            .file("/home/alice/h.cnf", "[client]\nuser=home\n");
        let l = load(MARIA, &df("/t.cnf"), GROUPS, &w).unwrap();
        assert_eq!(
            args(&l),
            [
                "--user=top1",
                "--user=dot",
                "--user=A",
                "--user=a",
                "--user=b",
                "--user=xy",
                "--user=top2",
                "--user=home"
            ]
        );
        assert_eq!(l.options[2].file, PathBuf::from("/inc/A.cnf"));
        // Missing includes are skipped; relative ones are from the cwd.
        let w = world().file("/t.cnf", "!include nope.cnf\n! include rel.cnf\n[client]\n!foo\n!includex /x\n!INCLUDE /x\nu=1\n").file("rel.cnf", "[client]\nr=1\n");
        assert_eq!(
            args(&load(MARIA, &df("/t.cnf"), GROUPS, &w).unwrap()),
            ["--r=1", "--u=1"]
        );
    }

    #[test]
    fn directive_errors() {
        let e = load_one("[client]\n!include   \n").unwrap_err();
        assert!(e.message.contains("line 2") && e.message.contains("!include"));
        // Without a final newline the client drops the name's last byte.
        let w = world()
            .file("/t.cnf", "[client]\n!include /a.cnf")
            .file("/a.cnf", "[client]\nu=1\n")
            .file("/a.cn", "[client]\nu=2\n");
        assert_eq!(
            args(&load(MARIA, &df("/t.cnf"), GROUPS, &w).unwrap()),
            ["--u=2"]
        );
        assert!(load_one("[client]\n!include x").is_err());
        let e = load_one("[client]\n!includedir /nope\n").unwrap_err();
        assert!(e.message.contains("/nope") && e.message.contains("!includedir"));
        // ~ is not expanded for !includedir.
        let w = world()
            .file("/t.cnf", "[client]\n!includedir ~/inc\n")
            .file("/home/alice/inc/a.cnf", "");
        assert!(load(MARIA, &df("/t.cnf"), GROUPS, &w).is_err());
    }

    #[test]
    fn errors_in_included_files_are_warnings() {
        let w = world()
            .file(
                "/t.cnf",
                "[client]\nuser=1\n!include /bad.cnf\n!include /bad2.cnf\nuser=2\n",
            )
            .file("/bad.cnf", "oops=1\n")
            .file("/bad2.cnf", "[client]\nuser=i1\nbad\n[x\nuser=i2\n");
        let l = load(MARIA, &df("/t.cnf"), GROUPS, &w).unwrap();
        assert_eq!(args(&l), ["--user=1", "--user=i1", "--bad", "--user=2"]);
        assert_eq!(l.warnings.len(), 2, "{:?}", l.warnings);
        assert!(l.warnings[0].contains("/bad.cnf, line 1"));
        assert!(l.warnings[1].contains("/bad2.cnf, line 4"));
    }

    #[test]
    fn includes_nest_ten_deep() {
        let w = world().file("/r.cnf", "[client]\nuser=r\n!include /r.cnf\n");
        let l = load(MARIA, &df("/r.cnf"), GROUPS, &w).unwrap();
        assert_eq!(l.options.len(), 11);
        assert_eq!(l.warnings.len(), 1);
        assert!(l.warnings[0].contains("at most 10"));
    }

    #[test]
    fn world_writable_files_are_ignored_with_a_warning() {
        let w = world()
            .file("/etc/my.cnf", "[client]\nuser=ww\n")
            .mode("/etc/my.cnf", 0o666)
            .file("/home/alice/.my.cnf", "[client]\nuser=ok\n");
        let l = load(MARIA, &Leading::default(), GROUPS, &w).unwrap();
        assert_eq!(args(&l), ["--user=ok"]);
        assert!(l.warnings[0].contains("World-writable config file '/etc/my.cnf' is ignored"));
        // Even as --defaults-file: ignored, not an error.
        let l = load(MARIA, &df("/etc/my.cnf"), GROUPS, &w).unwrap();
        assert!(l.options.is_empty() && l.warnings.len() == 1);
        // A world-writable directory is not the file's business.
        let w = world()
            .file("/d/a.cnf", "[client]\nu=1\n")
            .mode("/d", 0o777)
            .file("/t.cnf", "[client]\n!includedir /d\n");
        assert_eq!(
            args(&load(MARIA, &df("/t.cnf"), GROUPS, &w).unwrap()),
            ["--u=1"]
        );
    }

    #[test]
    fn debug_hides_password_values() {
        let l = load_one("[client]\npassword=hunter2\nloose_Password=hunter3\npass=hunter4\np=hunter5\nuser=bob\nport=3306\n").unwrap();
        let dbg = format!("{l:?}");
        for s in ["hunter2", "hunter3", "hunter4", "hunter5"] {
            assert!(!dbg.contains(s), "{dbg}");
        }
        assert!(dbg.contains("bob") && dbg.contains("3306"));
        assert!(l.options.iter().filter(|o| o.is_secret()).count() == 4);
    }
}

/// The parser against the installed `my_print_defaults` (MariaDB), on real
/// files in a temporary directory.
#[cfg(test)]
mod against_my_print_defaults {
    use super::*;
    use crate::world::{FileMeta, RealWorld};
    use std::collections::HashMap;
    use std::io;
    use std::os::unix::fs::PermissionsExt;
    use std::process::Command;

    /// The real file system with a made-up environment.
    struct RealFs(HashMap<String, String>);

    impl World for RealFs {
        fn var(&self, name: &str) -> Option<String> {
            self.0.get(name).cloned()
        }
        fn read_to_string(&self, path: &Path) -> io::Result<String> {
            RealWorld.read_to_string(path)
        }
        fn login_user(&self) -> Option<String> {
            None
        }
        fn home(&self) -> Option<PathBuf> {
            self.var("HOME").map(PathBuf::from)
        }
        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            RealWorld.read(path)
        }
        fn metadata(&self, path: &Path) -> io::Result<FileMeta> {
            RealWorld.metadata(path)
        }
        fn read_dir(&self, path: &Path) -> io::Result<Vec<OsString>> {
            RealWorld.read_dir(path)
        }
    }

    /// The project's rule (tests/support `missing`): fail in CI or under
    /// scripts/test.sh, else skip loudly.
    fn missing(what: &str) {
        let strict = ["CI", "VOUCH_TEST_STRICT"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty() && v != "false"));
        if strict {
            panic!("required for this test but missing: {what} (run scripts/test.sh, which sets everything up)");
        }
        crate::say!("\n*** SKIPPED: {what} is missing; run scripts/test.sh to set it up ***\n");
    }

    fn have(program: &str) -> bool {
        Command::new(program)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    struct Case {
        name: &'static str,
        /// (file name in the temp dir, content with @D@ for the dir, mode)
        files: &'static [(&'static str, &'static [u8], u32)],
        groups: &'static [&'static str],
        suffix: Option<&'static str>,
    }

    const CASES: &[Case] = &[
        Case {
            name: "spaces and comments",
            files: &[(
                "main.cnf",
                b"# c\n; c\n\n[client]\r\n  user = bob  \r\nhost=\r\nsafe\n  ;x\n a=x # c\nc=x#c\nd = \"x # c\"\ne= \"unterminated # c\n  spaced name  = v v  \nv=\xa0x\xa0\nw=\x0bx\x0c\n",
                0o644,
            )],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "quotes and escapes",
            files: &[(
                "main.cnf",
                b"[client]\nhost=\"a b\"\nx='q'\ny=\"\nz=\"\"\nq=\"a'\ne=\\n\\t\\b\\r\\\\\\s\\\"\\'\\z\\\nf=\"ab\\\"\ng=x\\\"y # c\nh='it''s'\ni=\"a\\\"#b\" # c\nj='a\\'#b\n",
                0o644,
            )],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "group headers",
            files: &[(
                "main.cnf",
                b"[CLIENT]\nuser=u\n[ client]\nhost=a\n[client  ]\nport=1\n[client]junk\nsocket=s\n[client,mysql]\nq=1\n[]\nr=1\n[mysqld]\n=odd\n[MySQL]\nm=1\n",
            0o644,
            )],
            groups: &["client", "mysql"],
            suffix: None,
        },
        Case {
            name: "suffix",
            files: &[(
                "main.cnf",
                b"[client_X]\nuser=sx\n[client]\nuser=c\n[mysql_x]\nuser=mx\n[client_y]\nuser=y\n",
                0o644,
            )],
            groups: &["client", "mysql"],
            suffix: Some("_x"),
        },
        Case {
            name: "include and includedir",
            files: &[
                ("main.cnf", b"[client]\nuser=top1\n!includedir @D@/inc\n  ! include @D@/one.cnf  \n[mysqld]\n!include @D@/two.cnf\nuser=after\n!include @D@/missing.cnf\n!foo\n", 0o644),
                ("inc/b.cnf", b"[client]\nuser=b\n", 0o644),
                ("inc/a.cnf", b"[client]\nuser=a\n", 0o644),
                ("inc/A.cnf", b"[client]\nuser=A\n", 0o644),
                ("inc/.cnf", b"[client]\nuser=dot\n", 0o644),
                ("inc/x.y.cnf", b"[client]\nuser=xy\n", 0o644),
                ("inc/u.CNF", b"[client]\nuser=no\n", 0o644),
                ("inc/u.cnf.bak", b"[client]\nuser=no\n", 0o644),
                ("inc/d.cnf/z.cnf", b"[client]\nuser=no\n", 0o644),
                ("one.cnf", b"[client]\nuser=one\n", 0o644),
                ("two.cnf", b"[client]\nuser=two\n", 0o644),
            ],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "errors in included files",
            files: &[
                ("main.cnf", b"[client]\nuser=1\n!include @D@/bad.cnf\n!include @D@/bad2.cnf\n!includedir @D@/bad3\nuser=2\n", 0o644),
                ("bad.cnf", b"oops=1\n", 0o644),
                ("bad2.cnf", b"[client]\nuser=i1\nbad\n[x\nuser=i2\n", 0o644),
                ("bad3/c.cnf", b"[client]\nuser=i3\n!includedir @D@/nope\nuser=i4\n", 0o644),
            ],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "recursion",
            files: &[("main.cnf", b"[client]\nuser=r\n!include @D@/main.cnf\n", 0o644)],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "world-writable include",
            files: &[
                ("main.cnf", b"[client]\n!include @D@/ww.cnf\nuser=ok\n", 0o644),
                ("ww.cnf", b"[client]\nuser=ww\n", 0o666),
            ],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "no newline after the last directive",
            files: &[
                ("main.cnf", b"[client]\n!include @D@/a.cnf", 0o644),
                ("a.cnf", b"[client]\nu=1\n", 0o644),
                ("a.cn", b"[client]\nu=2\n", 0o644),
            ],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "option before group",
            files: &[("main.cnf", b"user=x\n[client]\n", 0o644)],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "bad group",
            files: &[("main.cnf", b"[mysqld]\nuser=x\n[client\n", 0o644)],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "empty include",
            files: &[("main.cnf", b"[client]\n!include   \nuser=z\n", 0o644)],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "NUL byte",
            files: &[("main.cnf", b"[client]\nu=a\x00b\nv=c\n\x00[x]\nw=1\n", 0o644)],
            groups: &["client"],
            suffix: None,
        },
        Case {
            name: "world-writable defaults file",
            files: &[("main.cnf", b"[client]\nuser=x\n", 0o666)],
            groups: &["client"],
            suffix: None,
        },
    ];

    fn expected(l: &Loaded) -> Vec<u8> {
        let mut out = Vec::new();
        for o in &l.options {
            out.extend_from_slice(o.arg().as_bytes());
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn parser_matches_my_print_defaults() {
        if !have("my_print_defaults") {
            missing("my_print_defaults (MariaDB client)");
            return;
        }
        for case in CASES {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path();
            let home = dir.join("home");
            std::fs::create_dir(&home).unwrap();
            for (name, content, mode) in case.files {
                let path = dir.join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                let text = String::from_utf8_lossy(content).replace("@D@", dir.to_str().unwrap());
                let bytes =
                    if text.as_bytes() == *content || !content.windows(3).any(|w| w == b"@D@") {
                        content.to_vec()
                    } else {
                        text.into_bytes()
                    };
                std::fs::write(&path, bytes).unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode)).unwrap();
            }
            let main = dir.join("main.cnf");
            let mut cmd = Command::new("my_print_defaults");
            cmd.env_clear()
                .env("HOME", &home)
                .env("PATH", std::env::var_os("PATH").unwrap_or_default());
            cmd.arg(format!("--defaults-file={}", main.display()));
            if let Some(s) = case.suffix {
                cmd.arg(format!("--defaults-group-suffix={s}"));
            }
            cmd.args(case.groups);
            let real = cmd.output().expect("run my_print_defaults");
            let world = RealFs(HashMap::from([(
                "HOME".to_string(),
                home.display().to_string(),
            )]));
            let leading = Leading {
                defaults_file: Some(main.clone()),
                group_suffix: case.suffix.map(String::from),
                ..Leading::default()
            };
            let ours = load(Flavour::MariaDb, &leading, case.groups, &world);
            let stderr = String::from_utf8_lossy(&real.stderr);
            match ours {
                Ok(l) => {
                    assert!(
                        real.status.success(),
                        "{}: we accepted, my_print_defaults failed: {stderr}",
                        case.name
                    );
                    assert_eq!(
                        String::from_utf8_lossy(&expected(&l)),
                        String::from_utf8_lossy(&real.stdout),
                        "{}: options differ",
                        case.name
                    );
                    assert_eq!(
                        !l.warnings.is_empty(),
                        !stderr.is_empty(),
                        "{}: warnings {:?} vs stderr {stderr}",
                        case.name,
                        l.warnings
                    );
                }
                Err(e) => assert!(
                    !real.status.success(),
                    "{}: we failed ({}), my_print_defaults printed {:?}",
                    case.name,
                    e.message,
                    String::from_utf8_lossy(&real.stdout)
                ),
            }
        }
    }

    /// The file list `mariadb --help` prints, against [`files`].
    #[test]
    fn file_order_matches_mariadb_help() {
        if !have("mariadb") {
            missing("mariadb (MariaDB client)");
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().display().to_string();
        let extra = tmp.path().join("extra.cnf");
        std::fs::write(&extra, "").unwrap();
        let envs: &[&[(&str, &str)]] = &[
            &[],
            &[("MYSQL_HOME", "/opt/m")],
            &[("MYSQL_HOME", "/etc")],
            &[("MYSQL_HOME", "/opt/m"), ("MARIADB_HOME", "/opt/a")],
            &[("MYSQL_HOME", "/opt/m"), ("MARIADB_HOME", "")],
            &[("MYSQL_HOME", "/tmp//x/..")],
            &[("MYSQL_HOME", "~")],
        ];
        for with_extra in [false, true] {
            for env in envs {
                let mut cmd = Command::new("mariadb");
                cmd.env_clear().env("HOME", &home);
                let mut vars = HashMap::from([("HOME".to_string(), home.clone())]);
                for (k, v) in *env {
                    cmd.env(k, v);
                    vars.insert(k.to_string(), v.to_string());
                }
                let mut leading = Leading::default();
                if with_extra {
                    cmd.arg(format!("--defaults-extra-file={}", extra.display()));
                    leading.extra_file = Some(extra.clone());
                }
                let out = cmd.arg("--help").output().unwrap();
                let text = String::from_utf8_lossy(&out.stdout);
                let line = text
                    .lines()
                    .skip_while(|l| !l.starts_with("Default options are read"))
                    .nth(1)
                    .expect("file list in mariadb --help");
                let theirs: Vec<PathBuf> = line
                    .split_whitespace()
                    .map(|f| unpack_home(Path::new(f), Some(&home)))
                    .collect();
                let ours = files(Flavour::MariaDb, &leading, &RealFs(vars));
                assert_eq!(ours, theirs, "env {env:?}, extra {with_extra}");
            }
        }
    }
}
