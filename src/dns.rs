//! The one DNS question vouch asks: what is the canonical name of a host
//! (following CNAMEs), through the system resolver (`getaddrinfo` with
//! `AI_CANONNAME`, so /etc/hosts and nsswitch apply as for the client).

use dns_lookup::{getaddrinfo, AddrInfoHints};

/// `AI_CANONNAME` (0x0002 on Linux, glibc and musl).
const AI_CANONNAME: i32 = 0x0002;

/// The canonical name of `host`, when it differs from `host`.
pub fn canonical_name(host: &str) -> Option<String> {
    let hints = AddrInfoHints {
        flags: AI_CANONNAME,
        socktype: 1, // SOCK_STREAM: one answer per address
        ..AddrInfoHints::default()
    };
    let answers = getaddrinfo(Some(host), None, Some(hints)).ok()?;
    for info in answers.flatten() {
        if let Some(name) = info.canonname {
            let name = name.strip_suffix('.').unwrap_or(&name).to_string();
            if !name.eq_ignore_ascii_case(host.strip_suffix('.').unwrap_or(host)) {
                return Some(name);
            }
            return None;
        }
    }
    None
}
