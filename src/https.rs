//! A small blocking HTTPS client for the one call vouch makes outside the
//! AWS SDK: IAM Roles Anywhere `CreateSession` (no SDK crate serves it).
//! HTTP/1.1 over rustls (the TLS stack the SDK already uses), one request
//! per connection, `Content-Length` or chunked responses, a deadline on the
//! whole exchange. Server certificates are checked against the system's
//! roots, or against a given PEM bundle instead (a private endpoint).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// The largest answer vouch reads (headers and body).
const MAX_RESPONSE: usize = 4 << 20;

/// The longest head (status line and headers) vouch reads.
const MAX_HEAD: usize = 64 << 10;

/// A response: status, headers (names lower-cased) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The pieces of an `https://host[:port]/path?query` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub host: String,
    pub port: u16,
    /// Path and query, starting with `/`.
    pub target: String,
}

impl Url {
    /// `https://HOST[:PORT][/PATH]`: HOST a DNS name, an IPv4 address or
    /// an IPv6 address in brackets (`https://[::1]`, `https://[::1]:8443/`).
    pub fn parse(url: &str) -> Result<Url> {
        let bad = |why: &str| Error::config(format!("{url:?} is not an https URL: {why}"));
        if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it holds spaces or control characters"));
        }
        let rest = url
            .strip_prefix("https://")
            .ok_or_else(|| bad("it must start with https://"))?;
        let (authority, target) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() || authority.contains('@') {
            return Err(bad("no host, or a user name in it"));
        }
        let port = |p: &str| {
            Some(p)
                .filter(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|p| p.parse::<u16>().ok())
                .filter(|p| *p != 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))
        };
        let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
            let (host, after) = inner
                .split_once(']')
                .ok_or_else(|| bad("an IPv6 address without its closing ]"))?;
            if host.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(bad("the host in brackets is not an IPv6 address"));
            }
            let port = match after {
                "" => 443,
                _ => port(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| bad("text after the ] is not a :port"))?,
                )?,
            };
            (host, port)
        } else {
            let (host, p) = match authority.split_once(':') {
                Some((_, p)) if p.contains(':') => {
                    return Err(bad(
                        "an IPv6 address must be in brackets, as in https://[::1]:443/",
                    ))
                }
                Some((h, p)) => (h, port(p)?),
                None => (authority, 443),
            };
            if host.is_empty() {
                return Err(bad("no host"));
            }
            if !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
            {
                return Err(bad("the host is not a DNS name or an IP address"));
            }
            (host, p)
        };
        Ok(Url {
            host: host.to_string(),
            port,
            target: target.to_string(),
        })
    }

    /// The `Host` header value: the port only when not 443.
    pub fn authority(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.port == 443 {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

fn tls_config(ca_bundle: Option<&Path>) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_bundle {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                Error::config(format!("cannot read the CA bundle {}: {e}", path.display()))
            })?;
            let mut n = 0;
            for cert in rustls_pemfile_certs(&pem) {
                roots
                    .add(cert)
                    .map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
                n += 1;
            }
            if n == 0 {
                return Err(Error::config(format!(
                    "{} holds no PEM certificate",
                    path.display()
                )));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                return Err(Error::config(
                    "no root certificates found on this system to check AWS's certificate with (install ca-certificates)",
                ));
            }
        }
    }
    Ok(rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The certificates of a PEM text.
fn rustls_pemfile_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .filter_map(|c| c.ok())
        .collect()
}

/// POST `body` to `url` with `headers` (the caller's, in order; vouch adds
/// `Content-Length` and `Connection: close`). Fails with exit 4 (network)
/// when the server cannot be reached or the exchange takes longer than
/// `timeout`.
pub fn post(
    url: &Url,
    headers: &[(String, String)],
    body: &[u8],
    ca_bundle: Option<&Path>,
    timeout: Duration,
) -> Result<Response> {
    let deadline = Instant::now() + timeout;
    let net = |what: String| Error::network(format!("{}: {what}", url.authority()));
    let config = Arc::new(tls_config(ca_bundle)?);
    let name = rustls::pki_types::ServerName::try_from(url.host.clone())
        .map_err(|_| Error::config(format!("{:?} is not a valid server name", url.host)))?;
    let mut conn = rustls::ClientConnection::new(config, name).map_err(|e| net(e.to_string()))?;
    let addrs: Vec<_> = (url.host.as_str(), url.port)
        .to_socket_addrs()
        .map_err(|e| net(format!("cannot resolve: {e}")))?
        .collect();
    let mut last = None;
    let mut tcp = None;
    for addr in addrs {
        let left = deadline.saturating_duration_since(Instant::now());
        match TcpStream::connect_timeout(&addr, left.max(Duration::from_millis(1))) {
            Ok(s) => {
                tcp = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut tcp = tcp.ok_or_else(|| {
        net(format!(
            "cannot connect: {}",
            last.map(|e| e.to_string())
                .unwrap_or_else(|| "no address".into())
        ))
    })?;
    let secs = timeout.as_secs_f64().ceil() as u64;
    // Each blocking call waits at most until the deadline.
    let until_deadline = |tcp: &TcpStream| {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(net(format!("no full answer within {secs} s")));
        }
        tcp.set_read_timeout(Some(left))
            .and_then(|_| tcp.set_write_timeout(Some(left)))
            .map_err(|e| net(e.to_string()))
    };
    // The handshake first, on its own, to say what went wrong with it.
    while conn.is_handshaking() {
        until_deadline(&tcp)?;
        if let Err(e) = conn.complete_io(&mut tcp) {
            return Err(net(handshake_words(&e, secs)));
        }
    }
    until_deadline(&tcp)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);

    let mut request = format!("POST {} HTTP/1.1\r\n", url.target);
    for (k, v) in headers {
        if k.contains(['\r', '\n', ':']) || v.contains(['\r', '\n']) {
            return Err(Error::general(format!("bad header {k:?}")));
        }
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    tls.write_all(request.as_bytes())
        .and_then(|_| tls.write_all(body))
        .and_then(|_| tls.flush())
        .map_err(|e| net(io_words(&e, secs, false)))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        until_deadline(&tls.sock)?;
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() > MAX_RESPONSE {
                    return Err(net("the answer is larger than 4 MiB".into()));
                }
                if complete(&raw) {
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            // Servers that close without TLS close_notify: the data is all there.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && complete(&raw) => break,
            Err(e) => return Err(net(io_words(&e, secs, !raw.is_empty()))),
        }
    }
    parse_response(&raw).ok_or_else(|| net("the answer is not valid HTTP/1.1".into()))
}

/// Whether an I/O error is a socket timeout (`SO_RCVTIMEO` gives EAGAIN).
fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// What a failed TLS handshake means.
fn handshake_words(e: &std::io::Error, secs: u64) -> String {
    let certificate = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .is_some_and(|r| matches!(r, rustls::Error::InvalidCertificate(_)));
    if certificate {
        return tls_words(e);
    }
    if timed_out(e) {
        return format!(
            "the server did not complete a TLS handshake within {secs} s (is it an HTTPS endpoint?)"
        );
    }
    let words = tls_words(e);
    if words.starts_with("the server's certificate") {
        return words;
    }
    format!("the server did not complete a TLS handshake ({words}); is it an HTTPS endpoint?")
}

/// What a failed read or write after the handshake means.
fn io_words(e: &std::io::Error, secs: u64, partial: bool) -> String {
    if timed_out(e) {
        if partial {
            format!("no full answer within {secs} s")
        } else {
            format!("no answer within {secs} s (is it an HTTPS endpoint?)")
        }
    } else {
        tls_words(e)
    }
}

fn tls_words(e: &std::io::Error) -> String {
    let s = e.to_string();
    if s.contains("invalid peer certificate") || s.contains("UnknownIssuer") {
        format!("the server's certificate is not trusted ({s})")
    } else {
        s
    }
}

/// A response's head: status, headers (names lower-cased) and where the
/// body starts.
struct Head {
    status: u16,
    headers: Vec<(String, String)>,
    body_start: usize,
}

/// How a response's body ends.
enum Framing {
    Length(usize),
    Chunked,
    /// At the end of the connection.
    Close,
}

/// A chunked body, read so far.
enum Chunks {
    Incomplete,
    /// Not a chunked body, or larger than vouch reads.
    Bad,
    Done(Vec<u8>),
}

/// The head of `raw`: `Ok(None)` while incomplete, `Err(())` if it is not
/// HTTP/1.x or too long.
fn head(raw: &[u8]) -> std::result::Result<Option<Head>, ()> {
    let Some(end) = find(&raw[..raw.len().min(MAX_HEAD + 4)], b"\r\n\r\n") else {
        return if raw.len() > MAX_HEAD {
            Err(())
        } else {
            Ok(None)
        };
    };
    let text = std::str::from_utf8(&raw[..end]).map_err(|_| ())?;
    let mut lines = text.split("\r\n");
    let mut parts = lines.next().ok_or(())?.splitn(3, ' ');
    if !parts.next().ok_or(())?.starts_with("HTTP/1.") {
        return Err(());
    }
    let code = parts.next().ok_or(())?;
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(());
    }
    let status = code.parse::<u16>().map_err(|_| ())?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Some(Head {
        status,
        headers,
        body_start: end + 4,
    }))
}

/// How the body of a response with these headers ends; `Err(())` for a
/// length that is not a number or larger than vouch reads.
fn framing(headers: &[(String, String)]) -> std::result::Result<Framing, ()> {
    let chunked = headers.iter().any(|(k, v)| {
        k == "transfer-encoding"
            && v.rsplit(',')
                .next()
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("chunked"))
    });
    if chunked {
        return Ok(Framing::Chunked);
    }
    let mut lengths = headers
        .iter()
        .filter(|(k, _)| k == "content-length")
        .map(|(_, v)| v.as_str());
    match lengths.next() {
        None => Ok(Framing::Close),
        Some(v) => {
            if !v.bytes().all(|b| b.is_ascii_digit()) || v.is_empty() || v.len() > 10 {
                return Err(());
            }
            let n = v.parse::<usize>().map_err(|_| ())?;
            if n > MAX_RESPONSE || lengths.any(|other| other != v) {
                return Err(());
            }
            Ok(Framing::Length(n))
        }
    }
}

/// Whether `raw` holds a whole response (headers and the body they
/// announce), or enough to tell it is not a response vouch reads (so that
/// no more is waited for; [`parse_response`] then refuses it).
fn complete(raw: &[u8]) -> bool {
    let h = match head(raw) {
        Ok(Some(h)) => h,
        Ok(None) => return false,
        Err(()) => return true,
    };
    let body = &raw[h.body_start..];
    match framing(&h.headers) {
        Err(()) => true,
        Ok(Framing::Length(n)) => body.len() >= n,
        Ok(Framing::Chunked) => !matches!(dechunk(body), Chunks::Incomplete),
        Ok(Framing::Close) => false,
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The size on a chunk-size line (hex digits, then maybe `;extensions`).
fn chunk_size(line: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(line).ok()?;
    let hex = text.split(';').next()?.trim();
    if hex.is_empty() || hex.len() > 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    usize::from_str_radix(hex, 16).ok()
}

/// The body of a chunked message: whole, still incomplete, or bad (a chunk
/// size that is not hex, a chunk not followed by CRLF, more than
/// [`MAX_RESPONSE`] in all). Trailers after the last chunk are ignored.
fn dechunk(mut data: &[u8]) -> Chunks {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = find(&data[..data.len().min(1024)], b"\r\n") else {
            return if data.len() >= 1024 {
                Chunks::Bad
            } else {
                Chunks::Incomplete
            };
        };
        let Some(size) = chunk_size(&data[..line_end]) else {
            return Chunks::Bad;
        };
        data = &data[line_end + 2..];
        if size == 0 {
            return Chunks::Done(out);
        }
        match out.len().checked_add(size) {
            Some(total) if total <= MAX_RESPONSE => {}
            _ => return Chunks::Bad,
        }
        let Some(end) = size.checked_add(2) else {
            return Chunks::Bad;
        };
        if data.len() < end {
            return Chunks::Incomplete;
        }
        if &data[size..end] != b"\r\n" {
            return Chunks::Bad;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[end..];
    }
}

/// Parse a whole HTTP/1.1 response; `None` if it is not one, or not whole.
pub fn parse_response(raw: &[u8]) -> Option<Response> {
    let Head {
        status,
        headers,
        body_start,
    } = head(raw).ok()??;
    let rest = &raw[body_start..];
    let body = match framing(&headers).ok()? {
        Framing::Chunked => match dechunk(rest) {
            Chunks::Done(b) => b,
            _ => return None,
        },
        Framing::Length(n) => rest.get(..n)?.to_vec(),
        Framing::Close => rest.to_vec(),
    };
    Some(Response {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = Url::parse("https://rolesanywhere.us-east-1.amazonaws.com/sessions").unwrap();
        assert_eq!(u.host, "rolesanywhere.us-east-1.amazonaws.com");
        assert_eq!(u.port, 443);
        assert_eq!(u.target, "/sessions");
        assert_eq!(u.authority(), "rolesanywhere.us-east-1.amazonaws.com");
        let u = Url::parse("https://127.0.0.1:14443").unwrap();
        assert_eq!((u.port, u.target.as_str()), (14443, "/"));
        assert_eq!(u.authority(), "127.0.0.1:14443");
        for bad in [
            "http://x/",
            "https://",
            "https://:443/",
            "https://u@h/",
            "https://h:0/",
            "https://h:99999/",
            "https://h:/",
            "https://h:+443/",
            "https://::1/",
            "https://[::1/",
            "https://[::1]x/",
            "https://[::1]:/",
            "https://[::1]:0/",
            "https://[example.com]/",
            "https://[]/",
            "https://h /",
            "https://h/a b",
            "https://h/\r\nX-Injected: 1",
            "https://h\u{1b}/",
            "https://h?x=1",
            "https://h#f",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ipv6_urls() {
        let u = Url::parse("https://[::1]").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("::1", 443, "/")
        );
        assert_eq!(u.authority(), "[::1]");
        let u = Url::parse("https://[::1]/sessions").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("::1", 443, "/sessions")
        );
        let u = Url::parse("https://[2001:db8::7]:8443/x?y=1").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.target.as_str()),
            ("2001:db8::7", 8443, "/x?y=1")
        );
        assert_eq!(u.authority(), "[2001:db8::7]:8443");
        let e = Url::parse("https://::1:443/").unwrap_err();
        assert!(e.message.contains("in brackets"), "{e}");
    }

    /// A tiny deterministic generator for the fuzz-ish tests.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn hostile_chunk_sizes_are_refused_not_panicked_on() {
        let head = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n";
        for body in [
            "ffffffffffffffff\r\nx\r\n0\r\n\r\n",
            "fffffffffffffffe\r\nx\r\n0\r\n\r\n",
            "10000000000000001\r\nx\r\n0\r\n\r\n",
            "400001\r\nx\r\n0\r\n\r\n",
            "-1\r\nx\r\n0\r\n\r\n",
            "+1\r\nx\r\n0\r\n\r\n",
            "\r\nx\r\n0\r\n\r\n",
            "zz\r\nx\r\n0\r\n\r\n",
            // the chunk is not followed by CRLF
            "1\r\nxyz0\r\n\r\n",
            "3\r\nabcXY0\r\n\r\n",
        ] {
            let raw = format!("{head}{body}");
            assert!(complete(raw.as_bytes()), "{body:?} must not be waited on");
            assert!(parse_response(raw.as_bytes()).is_none(), "{body:?}");
        }
        // chunks adding up to more than 4 MiB
        let mut raw = head.as_bytes().to_vec();
        let chunk = vec![b'a'; 0x100000];
        for _ in 0..5 {
            raw.extend_from_slice(b"100000\r\n");
            raw.extend_from_slice(&chunk);
            raw.extend_from_slice(b"\r\n");
        }
        assert!(complete(&raw));
        assert!(parse_response(&raw).is_none());
        // a size line that never ends
        let mut raw = head.as_bytes().to_vec();
        raw.extend_from_slice(&[b'1'; 2000]);
        assert!(complete(&raw));
        assert!(parse_response(&raw).is_none());
        // still incomplete
        for body in [
            "",
            "4",
            "4\r",
            "4\r\nab",
            "4\r\nabcd",
            "4\r\nabcd\r",
            "4\r\nabcd\r\n",
        ] {
            let raw = format!("{head}{body}");
            assert!(!complete(raw.as_bytes()), "{body:?}");
            assert!(parse_response(raw.as_bytes()).is_none(), "{body:?}");
        }
        // chunk extensions and trailers
        let raw = format!("{head}2;name=v\r\nok\r\n0\r\nX-Trailer: 1\r\n\r\n");
        assert!(complete(raw.as_bytes()));
        assert_eq!(parse_response(raw.as_bytes()).unwrap().body, b"ok");
    }

    #[test]
    fn hostile_heads_and_lengths_are_refused_not_panicked_on() {
        for raw in [
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999999\r\n\r\nx",
            "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nx",
            "HTTP/1.1 200 OK\r\nContent-Length: 4194305\r\n\r\nx",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nx",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy",
            "HTTP/1.1 99999999 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 +20 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "SSH-2.0-OpenSSH\r\n\r\n",
            "\r\n\r\n",
        ] {
            assert!(complete(raw.as_bytes()), "{raw:?} must not be waited on");
            assert!(parse_response(raw.as_bytes()).is_none(), "{raw:?}");
        }
        // headers without an end, beyond any sane size
        let mut raw = b"HTTP/1.1 200 OK\r\n".to_vec();
        raw.extend(std::iter::repeat_n(b'x', MAX_HEAD + 10));
        assert!(complete(&raw));
        assert!(parse_response(&raw).is_none());
        // missing CRLFs: LF-only lines are not HTTP/1.1 here
        assert!(!complete(b"HTTP/1.1 200 OK\nContent-Length: 0\n\n"));
        assert!(parse_response(b"HTTP/1.1 200 OK\nContent-Length: 0\n\n").is_none());
        // a body ending with the connection
        let r = parse_response(b"HTTP/1.1 200 OK\r\n\r\nall of it").unwrap();
        assert_eq!(r.body, b"all of it");
        assert!(!complete(b"HTTP/1.1 200 OK\r\n\r\nall of it"));
    }

    #[test]
    fn random_and_mangled_answers_never_panic() {
        let good: &[&[u8]] = &[
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
            b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n",
        ];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let alphabet = b"0123456789abcdefABCDEF\r\n :;-+HTTP/1.chunkedContent-Length\xff\x00";
        for _ in 0..20_000 {
            let raw: Vec<u8> = match rng.below(3) {
                // random bytes
                0 => (0..rng.below(200)).map(|_| rng.next() as u8).collect(),
                // random HTTP-ish tokens after a plausible start
                1 => {
                    let mut v = b"HTTP/1.1 200 OK\r\n".to_vec();
                    for _ in 0..rng.below(120) {
                        v.push(alphabet[rng.below(alphabet.len())]);
                    }
                    v
                }
                // a good answer, cut and with bytes changed
                _ => {
                    let mut v = good[rng.below(good.len())].to_vec();
                    v.truncate(rng.below(v.len() + 1));
                    for _ in 0..rng.below(4) {
                        if !v.is_empty() {
                            let i = rng.below(v.len());
                            v[i] = alphabet[rng.below(alphabet.len())];
                        }
                    }
                    v
                }
            };
            let _ = complete(&raw);
            let _ = parse_response(&raw);
        }
        // and every prefix of the good answers: whole only at the end (a
        // chunked body may go without its final CRLF: no trailers)
        for g in good {
            for n in 0..=g.len() {
                let min = if g.ends_with(b"\r\n\r\n") {
                    g.len() - 2
                } else {
                    g.len()
                };
                let whole = parse_response(&g[..n]).is_some();
                assert_eq!(whole, n >= min, "{n}");
                assert_eq!(complete(&g[..n]), whole, "{n}");
            }
        }
    }

    #[test]
    fn timeouts_and_failed_handshakes_are_explained() {
        let e = std::io::Error::from(std::io::ErrorKind::WouldBlock);
        let m = io_words(&e, 30, false);
        assert_eq!(m, "no answer within 30 s (is it an HTTPS endpoint?)");
        assert!(!m.contains("os error"));
        assert_eq!(io_words(&e, 30, true), "no full answer within 30 s");
        let e = std::io::Error::from(std::io::ErrorKind::TimedOut);
        assert!(handshake_words(&e, 5).contains("did not complete a TLS handshake within 5 s"));
        let e = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
        );
        let m = handshake_words(&e, 5);
        assert!(
            m.starts_with("the server did not complete a TLS handshake ("),
            "{m}"
        );
        assert!(m.ends_with("is it an HTTPS endpoint?"), "{m}");
        let e = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert!(handshake_words(&e, 5).starts_with("the server's certificate is not trusted"));
    }

    /// A plain-TCP server that never speaks TLS: the failure says so.
    #[test]
    fn an_endpoint_that_does_not_speak_tls() {
        use std::net::TcpListener;
        let url_of = |l: &TcpListener| {
            Url::parse(&format!(
                "https://127.0.0.1:{}/",
                l.local_addr().unwrap().port()
            ))
            .unwrap()
        };
        // Any bundle will do: the handshake never gets to the certificate.
        let bundle = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/rds-global-bundle.pem");
        // silent
        let silent = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url_of(&silent);
        let t = std::thread::spawn(move || {
            let (s, _) = silent.accept().unwrap();
            std::thread::sleep(Duration::from_millis(1500));
            drop(s);
        });
        let e = post(&url, &[], b"", Some(&bundle), Duration::from_millis(300)).unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::Network);
        assert!(
            e.message
                .contains("did not complete a TLS handshake within 1 s"),
            "{e}"
        );
        assert!(!e.message.contains("os error 11"), "{e}");
        t.join().unwrap();
        // plain HTTP
        let http = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = url_of(&http);
        let t = std::thread::spawn(move || {
            let (mut s, _) = http.accept().unwrap();
            let mut b = [0u8; 512];
            let _ = s.read(&mut b);
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        });
        let e = post(&url, &[], b"", Some(&bundle), Duration::from_secs(5)).unwrap_err();
        assert_eq!(e.code, crate::error::ExitCode::Network);
        assert!(
            e.message.contains("did not complete a TLS handshake"),
            "{e}"
        );
        assert!(e.message.contains("is it an HTTPS endpoint?"), "{e}");
        t.join().unwrap();
    }

    #[test]
    fn responses() {
        let r = parse_response(
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        )
        .unwrap();
        assert_eq!(r.status, 201);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.body, b"{}");
        let raw = b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\nX-Amzn-ErrorType: AccessDeniedException\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n";
        assert!(complete(raw));
        let r = parse_response(raw).unwrap();
        assert_eq!(r.status, 403);
        assert_eq!(r.body, b"{\"a\":1}");
        assert_eq!(r.header("X-Amzn-ErrorType"), Some("AccessDeniedException"));
        assert!(!complete(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"));
        assert!(parse_response(b"garbage").is_none());
    }
}
