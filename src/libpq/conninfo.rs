//! libpq's connection strings: the keyword list, `key=value` conninfo
//! strings (single quotes, backslash escapes, blanks around `=`) and
//! `postgresql://` URIs (user, password, host lists, `[ipv6]`, port,
//! dbname, `?key=value`, percent-decoding), modelled on `conninfo_parse`
//! and `conninfo_uri_parse_options` in libpq's fe-connect.c.
//!
//! Parsing yields only what the string says; defaults come later. Error
//! messages never quote text that might be a password.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Every connection keyword libpq accepts: PostgreSQL 15's list plus the
/// ones later releases added (so a newer client's options are not called
/// invalid). A connection string or service entry naming anything else is
/// rejected, as libpq rejects it.
pub(crate) const KEYWORDS: &[&str] = &[
    "service",
    "user",
    "password",
    "passfile",
    "channel_binding",
    "connect_timeout",
    "dbname",
    "host",
    "hostaddr",
    "port",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "sslmode",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "gssencmode",
    "krbsrvname",
    "gsslib",
    "replication",
    "target_session_attrs",
    // PostgreSQL 16
    "sslcertmode",
    "require_auth",
    "load_balance_hosts",
    "gssdelegation",
    // PostgreSQL 17
    "sslnegotiation",
    // PostgreSQL 18
    "min_protocol_version",
    "max_protocol_version",
    "sslkeylogfile",
    "oauth_issuer",
    "oauth_client_id",
    "oauth_client_secret",
    "oauth_scope",
    "scram_client_key",
    "scram_server_key",
];

/// The canonical spelling of a libpq keyword, if `name` is one.
pub(crate) fn keyword(name: &str) -> Option<&'static str> {
    KEYWORDS.iter().copied().find(|k| *k == name)
}

/// What a connection string sets: keyword -> value (the last one wins).
pub(crate) type Settings = BTreeMap<&'static str, String>;

/// libpq's `recognized_connection_string`: a URI, or anything with `=`.
pub(crate) fn is_connection_string(s: &str) -> bool {
    uri_prefix_len(s) > 0 || s.contains('=')
}

fn uri_prefix_len(s: &str) -> usize {
    ["postgresql://", "postgres://"]
        .iter()
        .find(|p| s.starts_with(*p))
        .map_or(0, |p| p.len())
}

/// C's `isspace` in the C locale.
pub(crate) fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Parse a conninfo string or URI (libpq's `parse_connection_string`).
/// `what` names where it came from, for error messages.
pub(crate) fn parse(s: &str, what: &str) -> Result<Settings> {
    if uri_prefix_len(s) > 0 {
        parse_uri(s, what)
    } else {
        parse_conninfo(s, what)
    }
}

/// Whether error messages may quote fragments of `s`: not when it might
/// carry a password.
fn may_quote(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    // A URI key may be percent-encoded (`pass%77ord`): look at it decoded too.
    let decoded = percent_encoding::percent_decode_str(&lower)
        .decode_utf8_lossy()
        .to_ascii_lowercase();
    // In a URI, anything with `@` may hold user:password (a password with
    // `/` in it hides the userinfo from a simple scan).
    !(lower.contains("password")
        || decoded.contains("password")
        || (uri_prefix_len(s) > 0 && (uri_has_password(s) || s.contains('@'))))
}

fn uri_has_password(s: &str) -> bool {
    let rest = &s[uri_prefix_len(s)..];
    let end = rest.find(['@', '/']).unwrap_or(rest.len());
    rest[end..].starts_with('@') && rest[..end].contains(':')
}

fn quoted(fragment: &str, whole: &str) -> String {
    if may_quote(whole) {
        format!(" {fragment:?}")
    } else {
        String::new()
    }
}

fn malformed(what: &str, problem: String) -> Error {
    Error::config(format!(
        "the connection string in {what} is malformed: {problem}; write it as key=value pairs (quote values with spaces as key='a b') or as a postgresql:// URI"
    ))
}

/// Store one value as libpq's `conninfo_storeval` does: the old
/// `requiressl` keyword becomes `sslmode`.
fn store(out: &mut Settings, key: &str, value: String, whole: &str, what: &str) -> Result<()> {
    if key == "requiressl" {
        let mode = if value.starts_with('1') {
            "require"
        } else {
            "prefer"
        };
        out.insert("sslmode", mode.to_string());
        return Ok(());
    }
    match keyword(key) {
        Some(k) => {
            out.insert(k, value);
            Ok(())
        }
        None => Err(malformed(
            what,
            format!("unknown connection option{}", quoted(key, whole)),
        )),
    }
}

/// `key = value key2='quoted \' value'`.
fn parse_conninfo(s: &str, what: &str) -> Result<Settings> {
    let b = s.as_bytes();
    let mut out = Settings::new();
    let mut i = 0;
    while i < b.len() {
        if is_c_space(b[i]) {
            i += 1;
            continue;
        }
        // The keyword runs to '=' or a blank; blanks may precede the '='.
        let start = i;
        while i < b.len() && b[i] != b'=' && !is_c_space(b[i]) {
            i += 1;
        }
        let key = &s[start..i];
        while i < b.len() && is_c_space(b[i]) {
            i += 1;
        }
        if i >= b.len() || b[i] != b'=' {
            return Err(malformed(
                what,
                format!("missing \"=\" after{}", quoted(key, s)),
            ));
        }
        i += 1;
        while i < b.len() && is_c_space(b[i]) {
            i += 1;
        }
        let mut value = Vec::new();
        if i < b.len() && b[i] == b'\'' {
            i += 1;
            loop {
                match b.get(i) {
                    None => {
                        return Err(malformed(
                            what,
                            "a quoted value has no closing quote".into(),
                        ))
                    }
                    Some(b'\\') => {
                        i += 1;
                        if let Some(&c) = b.get(i) {
                            value.push(c);
                            i += 1;
                        }
                    }
                    Some(b'\'') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < b.len() && !is_c_space(b[i]) {
                if b[i] == b'\\' {
                    i += 1;
                    if let Some(&c) = b.get(i) {
                        value.push(c);
                        i += 1;
                    }
                } else {
                    value.push(b[i]);
                    i += 1;
                }
            }
        }
        // Only ASCII bytes were dropped, so the value is still UTF-8.
        let value = String::from_utf8(value).expect("conninfo value stays UTF-8");
        store(&mut out, key, value, s, what)?;
    }
    Ok(out)
}

/// libpq's `conninfo_uri_decode`: `%XX` escapes; `%00` and malformed
/// escapes are errors. Unlike a query string, `+` stays `+`.
fn uri_decode(s: &str, whole: &str, what: &str) -> Result<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'%' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
        let (Some(hi), Some(lo)) = (hex(b.get(i + 1)), hex(b.get(i + 2))) else {
            return Err(malformed(
                what,
                format!("invalid percent-encoded token{}", quoted(s, whole)),
            ));
        };
        let c = (hi << 4 | lo) as u8;
        if c == 0 {
            return Err(malformed(what, "%00 is not allowed in a URI".into()));
        }
        out.push(c);
        i += 3;
    }
    String::from_utf8(out)
        .map_err(|_| malformed(what, "a percent-encoded value is not valid UTF-8".into()))
}

/// `postgresql://[user[:password]@][host][:port][,...][/dbname][?key=value&...]`
fn parse_uri(s: &str, what: &str) -> Result<Settings> {
    let b = s.as_bytes();
    let len = b.len();
    let mut out = Settings::new();
    let start = uri_prefix_len(s);

    // "user[:password]@" counts only if the '@' comes before any '/'.
    let mut p = start;
    let mut q = start;
    while q < len && b[q] != b'@' && b[q] != b'/' {
        q += 1;
    }
    if q < len && b[q] == b'@' {
        let mut u = start;
        while b[u] != b':' && b[u] != b'@' {
            u += 1;
        }
        if u > start {
            let user = uri_decode(&s[start..u], s, what)?;
            store(&mut out, "user", user, s, what)?;
        }
        if b[u] == b':' {
            let pw_start = u + 1;
            let mut e = pw_start;
            while b[e] != b'@' {
                e += 1;
            }
            if e > pw_start {
                let password = uri_decode(&s[pw_start..e], s, what)?;
                store(&mut out, "password", password, s, what)?;
            }
            u = e;
        }
        p = u + 1;
    }

    // One or more host[:port], separated by commas.
    let mut hosts = String::new();
    let mut ports = String::new();
    let mut prev: Option<u8>;
    loop {
        if p < len && b[p] == b'[' {
            let h = p + 1;
            let mut e = h;
            while e < len && b[e] != b']' {
                e += 1;
            }
            if e >= len {
                return Err(malformed(what, "an IPv6 host has no closing \"]\"".into()));
            }
            if e == h {
                return Err(malformed(what, "an IPv6 host between [ ] is empty".into()));
            }
            hosts.push_str(&s[h..e]);
            p = e + 1;
            if p < len && !matches!(b[p], b':' | b'/' | b'?' | b',') {
                return Err(malformed(
                    what,
                    format!(
                        "unexpected character at position {} after an IPv6 host (expected \":\" or \"/\")",
                        p + 1
                    ),
                ));
            }
        } else {
            let h = p;
            while p < len && !matches!(b[p], b':' | b'/' | b'?' | b',') {
                p += 1;
            }
            hosts.push_str(&s[h..p]);
        }
        prev = b.get(p).copied();
        if prev == Some(b':') {
            p += 1;
            let ps = p;
            while p < len && !matches!(b[p], b'/' | b'?' | b',') {
                p += 1;
            }
            ports.push_str(&s[ps..p]);
            prev = b.get(p).copied();
        }
        if prev != Some(b',') {
            break;
        }
        p += 1;
        hosts.push(',');
        ports.push(',');
    }
    if !hosts.is_empty() {
        let v = uri_decode(&hosts, s, what)?;
        store(&mut out, "host", v, s, what)?;
    }
    if !ports.is_empty() {
        let v = uri_decode(&ports, s, what)?;
        store(&mut out, "port", v, s, what)?;
    }

    if prev == Some(b'/') {
        p += 1;
        let d = p;
        while p < len && b[p] != b'?' {
            p += 1;
        }
        // An empty path leaves dbname unset (so PGDATABASE still applies).
        if p > d {
            let v = uri_decode(&s[d..p], s, what)?;
            store(&mut out, "dbname", v, s, what)?;
        }
        prev = b.get(p).copied();
    }
    if prev.is_some() {
        parse_uri_params(&s[p + 1..], &mut out, s, what)?;
    }
    Ok(out)
}

/// `key=value&key2=value2`, each side percent-decoded.
fn parse_uri_params(params: &str, out: &mut Settings, whole: &str, what: &str) -> Result<()> {
    let mut rest = params;
    while !rest.is_empty() {
        let (pair, next) = match rest.find('&') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        rest = next;
        let mut parts = pair.splitn(3, '=');
        let key = parts.next().unwrap_or_default();
        let (Some(value), None) = (parts.next(), parts.next()) else {
            let problem = if pair.contains('=') {
                "extra \"=\" in a URI query parameter"
            } else {
                "missing \"=\" in a URI query parameter"
            };
            return Err(malformed(what, problem.into()));
        };
        let key = uri_decode(key, whole, what)?;
        let value = uri_decode(value, whole, what)?;
        // JDBC compatibility: ssl=true means sslmode=require.
        if key == "ssl" && value == "true" {
            out.insert("sslmode", "require".into());
            continue;
        }
        if key != "requiressl" && keyword(&key).is_none() {
            return Err(malformed(
                what,
                format!("invalid URI query parameter{}", quoted(&key, whole)),
            ));
        }
        store(out, &key, value, whole, what)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Render parsed settings as "k=v k2=v2" (sorted by keyword).
    fn show(s: &str) -> String {
        match parse(s, "-d") {
            Ok(m) => m
                .iter()
                .map(|(k, v)| format!("{k}=[{v}]"))
                .collect::<Vec<_>>()
                .join(" "),
            Err(e) => format!("error: {e}"),
        }
    }

    #[test]
    fn recognises_connection_strings() {
        for s in ["host=x", "a=b", "postgresql://", "postgres://h", "x=", "=x"] {
            assert!(is_connection_string(s), "{s}");
        }
        for s in [
            "mydb",
            "",
            "postgresql:/x",
            "POSTGRESQL://h",
            "postgresql:",
            "my db",
        ] {
            assert!(!is_connection_string(s), "{s}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn conninfo_table() {
        let cases: &[(&str, &str)] = &[
            ("host=h port=1", "host=[h] port=[1]"),
            ("  host = h   port= 1 ", "host=[h] port=[1]"),
            ("host=h\tport=1\n", "host=[h] port=[1]"),
            ("host='a b' user='o\\'k'", "host=[a b] user=[o'k]"),
            ("host='a b'port=3", "host=[a b] port=[3]"),
            ("host=a\\ b", "host=[a b]"),
            ("host=a'b'", "host=[a'b']"),
            ("host='' port=1", "host=[] port=[1]"),
            ("host=", "host=[]"),
            // libpq skips blanks after '=', so the next pair becomes the value.
            ("host= port=3", "host=[port=3]"),
            ("host=a host=b", "host=[b]"),
            ("dbname=host=x", "dbname=[host=x]"),
            ("dbname='a=b c'", "dbname=[a=b c]"),
            ("requiressl=1", "sslmode=[require]"),
            ("requiressl=0 sslmode=verify-full", "sslmode=[verify-full]"),
            ("sslmode=verify-full requiressl=0", "sslmode=[prefer]"),
            ("service=prod", "service=[prod]"),
            ("host=h sslrootcert='/a b/ca.pem'", "host=[h] sslrootcert=[/a b/ca.pem]"),
            ("host='tail\\", "error: the connection string in -d is malformed: a quoted value has no closing quote"),
            ("host", "error: the connection string in -d is malformed: missing \"=\" after \"host\""),
            ("host=a b", "error: the connection string in -d is malformed: missing \"=\" after \"b\""),
            ("hots=a", "error: the connection string in -d is malformed: unknown connection option \"hots\""),
            ("host=a =b", "error: the connection string in -d is malformed: unknown connection option \"\""),
        ];
        for (input, want) in cases {
            let got = show(input);
            assert!(got.starts_with(want), "{input:?}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn uri_table() {
        let cases: &[(&str, &str)] = &[
            ("postgresql://", ""),
            ("postgres://h", "host=[h]"),
            ("postgresql://h:5433/db", "dbname=[db] host=[h] port=[5433]"),
            ("postgresql://u@h/db", "dbname=[db] host=[h] user=[u]"),
            ("postgresql://u:pw@h", "host=[h] password=[pw] user=[u]"),
            ("postgresql://u:@h", "host=[h] user=[u]"),
            ("postgresql://:pw@h", "host=[h] password=[pw]"),
            ("postgresql://@h", "host=[h]"),
            ("postgresql://u%40corp:p%3Aw@h", "host=[h] password=[p:w] user=[u@corp]"),
            ("postgresql://h/a%20b", "dbname=[a b] host=[h]"),
            ("postgresql://h/a+b", "dbname=[a+b] host=[h]"),
            ("postgresql:///db", "dbname=[db]"),
            ("postgresql://h/", "host=[h]"),
            ("postgresql://h:/db", "dbname=[db] host=[h]"),
            ("postgresql://[::1]:5433/db", "dbname=[db] host=[::1] port=[5433]"),
            ("postgresql://[2001:db8::7]/db", "dbname=[db] host=[2001:db8::7]"),
            ("postgresql://[::1]", "host=[::1]"),
            ("postgresql://%2Fvar%2Frun%2Fpostgresql/db", "dbname=[db] host=[/var/run/postgresql]"),
            ("postgresql:///db?host=/tmp&port=5433", "dbname=[db] host=[/tmp] port=[5433]"),
            ("postgresql://h?host=other", "host=[other]"),
            ("postgresql://h?", "host=[h]"),
            ("postgresql://h/db?", "dbname=[db] host=[h]"),
            ("postgresql://h/db?sslmode=verify-full&sslrootcert=%2Fca.pem", "dbname=[db] host=[h] sslmode=[verify-full] sslrootcert=[/ca.pem]"),
            ("postgresql://h?ssl=true", "host=[h] sslmode=[require]"),
            ("postgresql://h?ssl=false", "error: the connection string in -d is malformed: invalid URI query parameter \"ssl\""),
            ("postgresql://h?requiressl=1", "host=[h] sslmode=[require]"),
            ("postgresql://h?user=a&", "host=[h] user=[a]"),
            ("postgresql://h?host=", "host=[]"),
            ("postgresql://h1,h2/db", "dbname=[db] host=[h1,h2] port=[,]"),
            ("postgresql://h1:1,h2:2", "host=[h1,h2] port=[1,2]"),
            ("postgresql://h1:1,[::1]:2", "host=[h1,::1] port=[1,2]"),
            ("postgresql://h/db/more", "dbname=[db/more] host=[h]"),
            ("postgresql://a/b@c", "dbname=[b@c] host=[a]"),
            ("postgresql://u:p@w@h", "host=[w@h] password=[p] user=[u]"),
            ("postgresql://h?&a=b", "error: the connection string in -d is malformed: missing \"=\""),
            ("postgresql://h?a", "error: the connection string in -d is malformed: missing \"=\""),
            ("postgresql://h?a=b=c", "error: the connection string in -d is malformed: extra \"=\""),
            ("postgresql://h?bogus=1", "error: the connection string in -d is malformed: invalid URI query parameter \"bogus\""),
            ("postgresql://h/%zz", "error: the connection string in -d is malformed: invalid percent-encoded token \"%zz\""),
            ("postgresql://h/%2", "error: the connection string in -d is malformed: invalid percent-encoded token"),
            ("postgresql://h/a%00", "error: the connection string in -d is malformed: %00 is not allowed"),
            ("postgresql://[::1", "error: the connection string in -d is malformed: an IPv6 host has no closing"),
            ("postgresql://[]/db", "error: the connection string in -d is malformed: an IPv6 host between [ ] is empty"),
            ("postgresql://[::1]x", "error: the connection string in -d is malformed: unexpected character at position 19"),
        ];
        for (input, want) in cases {
            let got = show(input);
            assert!(got.starts_with(want), "{input:?}: got {got:?}, want {want:?}");
        }
    }

    #[test]
    fn errors_never_quote_passwords() {
        for s in [
            "password=s3cret extra",
            "password='s3cret",
            "user=u password=s3cret bogus=1",
            "postgresql://u:s3cret@h/%zz",
            "postgresql://u:s3cret%zz@h",
            "postgresql://h?password=s3cret&x",
        ] {
            let e = parse(s, "-d").unwrap_err();
            assert!(!e.message.contains("s3cret"), "{s}: {}", e.message);
        }
    }
}
