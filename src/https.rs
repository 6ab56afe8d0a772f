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
    pub fn parse(url: &str) -> Result<Url> {
        let bad = |why: &str| Error::config(format!("{url:?} is not an https URL: {why}"));
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
        let (host, port) = match authority.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || !p.is_empty() => (
                h,
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
            ),
            _ => (authority, 443),
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(bad("no host"));
        }
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
    let conn = rustls::ClientConnection::new(config, name).map_err(|e| net(e.to_string()))?;
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
    let tcp = tcp.ok_or_else(|| {
        net(format!(
            "cannot connect: {}",
            last.map(|e| e.to_string())
                .unwrap_or_else(|| "no address".into())
        ))
    })?;
    let left = deadline.saturating_duration_since(Instant::now());
    tcp.set_read_timeout(Some(left.max(Duration::from_millis(1))))
        .and_then(|_| tcp.set_write_timeout(Some(left.max(Duration::from_millis(1)))))
        .map_err(|e| net(e.to_string()))?;
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
        .map_err(|e| net(tls_words(&e)))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if Instant::now() > deadline {
            return Err(net(format!(
                "no full answer within {} s",
                timeout.as_secs()
            )));
        }
        match tls.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                raw.extend_from_slice(&buf[..n]);
                if raw.len() > 4 << 20 {
                    return Err(net("the answer is larger than 4 MiB".into()));
                }
                if complete(&raw) {
                    break;
                }
            }
            // Servers that close without TLS close_notify: the data is all there.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && complete(&raw) => break,
            Err(e) => return Err(net(tls_words(&e))),
        }
    }
    parse_response(&raw).ok_or_else(|| net("the answer is not valid HTTP/1.1".into()))
}

fn tls_words(e: &std::io::Error) -> String {
    let s = e.to_string();
    if s.contains("invalid peer certificate") || s.contains("UnknownIssuer") {
        format!("the server's certificate is not trusted ({s})")
    } else {
        s
    }
}

/// Whether `raw` holds a whole response (headers and the body they announce).
fn complete(raw: &[u8]) -> bool {
    let Some(end) = find(raw, b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let body = &raw[end + 4..];
    if let Some(len) = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
    {
        return body.len() >= len;
    }
    if head.contains("transfer-encoding: chunked") {
        return dechunk(body).is_some();
    }
    false
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The body of a chunked message, once it is complete.
fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = find(data, b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..line_end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if data.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

/// Parse a whole HTTP/1.1 response.
pub fn parse_response(raw: &[u8]) -> Option<Response> {
    let end = find(raw, b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status: u16 = parts.next()?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else {
        match headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse::<usize>().ok())
        {
            Some(n) => rest.get(..n)?.to_vec(),
            None => rest.to_vec(),
        }
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
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
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
