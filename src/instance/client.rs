//! `amphi event …`: a client of the admin API (`docs/events.md`), for
//! operators who prefer a terminal to `/admin`.
//!
//! Plain HTTP/1.1 over a TCP socket (`Connection: close`), enough for one
//! request and its answer: the command talks to the server on the same host
//! or through an SSH tunnel; an `https://` server behind a proxy is reached
//! with the proxy's plain-HTTP side or a tunnel.

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one request may take.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("--server must be http://HOST:PORT (got '{0}')")]
    BadServer(String),
    #[error("cannot reach {server}: {source}")]
    Unreachable {
        server: String,
        source: std::io::Error,
    },
    #[error("{server} did not answer within {TIMEOUT:?}")]
    Timeout { server: String },
    #[error("{0}")]
    BadAnswer(String),
    /// The server refused: its code, message, field and problems.
    #[error("{code}: {message}{}", problems_text(.problems))]
    Refused {
        status: u16,
        code: String,
        message: String,
        problems: Vec<String>,
    },
    #[error("cannot read {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not JSON: {reason}")]
    BadTemplate { path: String, reason: String },
}

fn problems_text(problems: &[String]) -> String {
    problems.iter().map(|p| format!("\n  {p}")).collect()
}

/// One admin API server and the operator token to use.
#[derive(Debug, Clone)]
pub struct AdminClient {
    host: String,
    authority: String,
    token: String,
}

impl AdminClient {
    /// `server`: `http://host:port` (a trailing `/` is fine).
    pub fn new(server: &str, token: &str) -> Result<AdminClient, ClientError> {
        let rest = server
            .strip_prefix("http://")
            .ok_or_else(|| ClientError::BadServer(server.to_string()))?;
        let authority = rest.trim_end_matches('/');
        if authority.is_empty() || authority.contains('/') {
            return Err(ClientError::BadServer(server.to_string()));
        }
        let host = if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        Ok(AdminClient {
            host,
            authority: authority.to_string(),
            token: token.to_string(),
        })
    }

    /// `GET`, `POST`, `PUT` or `DELETE` on `path` with an optional JSON
    /// body; the answer's JSON (`null` for an empty one).
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, ClientError> {
        let exchange = self.exchange(method, path, body);
        let (status, text) = tokio::time::timeout(TIMEOUT, exchange)
            .await
            .map_err(|_| ClientError::Timeout {
                server: self.authority.clone(),
            })??;
        let json: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .map_err(|_| ClientError::BadAnswer(format!("HTTP {status}: {}", text.trim())))?
        };
        if (200..300).contains(&status) {
            return Ok(json);
        }
        let text_of = |key: &str| json[key].as_str().unwrap_or_default().to_string();
        Err(ClientError::Refused {
            status,
            code: text_of("code"),
            message: text_of("message"),
            problems: json["problems"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|p| p.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    async fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, String), ClientError> {
        let unreachable = |source| ClientError::Unreachable {
            server: self.authority.clone(),
            source,
        };
        let mut stream = TcpStream::connect(&self.host).await.map_err(unreachable)?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.authority,
            self.token,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(unreachable)?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.map_err(unreachable)?;
        parse_response(&raw)
    }
}

/// Status and body of a raw HTTP/1.1 response (plain or chunked body).
fn parse_response(raw: &[u8]) -> Result<(u16, String), ClientError> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| ClientError::BadAnswer("not an HTTP response".into()))?;
    let status = head
        .lines()
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| ClientError::BadAnswer("no HTTP status".into()))?;
    let chunked = head.lines().any(|line| {
        line.to_ascii_lowercase()
            .replace(' ', "")
            .starts_with("transfer-encoding:chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// A Tiled map file and the files it refers to (external tilesets and
/// their images, read from disk relative to the map), as the admin API
/// takes them: the map's text and `name → base64`. A file that cannot be
/// read is left out: the server lists it among the map's problems.
pub fn read_map_upload(
    path: &std::path::Path,
) -> Result<(String, std::collections::BTreeMap<String, String>), ClientError> {
    use base64::Engine;
    let text = std::fs::read_to_string(path).map_err(|source| ClientError::File {
        path: path.display().to_string(),
        source,
    })?;
    let folder = path.parent().unwrap_or(std::path::Path::new(""));
    let read_file =
        |relative: &str| std::fs::read_to_string(folder.join(relative)).map_err(|e| e.to_string());
    let report = crate::venue::Venue::load_report(&text, crate::venue::MapFormat::Json, &read_file);
    let mut files = std::collections::BTreeMap::new();
    let referred = report
        .tilesets
        .iter()
        .flat_map(|ts| [ts.source.as_deref(), ts.image.as_deref()])
        .flatten();
    for relative in referred {
        let name = relative.rsplit('/').next().unwrap_or(relative);
        if let Ok(bytes) = std::fs::read(folder.join(relative)) {
            let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
            files.insert(name.to_string(), encoded);
        }
    }
    Ok((text, files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn servers_are_plain_http_host_and_port() {
        assert!(AdminClient::new("http://127.0.0.1:8080/", "t").is_ok());
        assert!(AdminClient::new("https://example.org", "t").is_err());
        assert!(AdminClient::new("http://host/path", "t").is_err());
        assert_eq!(
            AdminClient::new("http://host", "t").unwrap().host,
            "host:80"
        );
    }

    #[test]
    fn responses_plain_and_chunked_parse() {
        let plain = b"HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), (201, "{}".into()));
        let chunked = b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap(), (200, "{\"a\":1}".into()));
        assert!(parse_response(b"garbage").is_err());
    }
}
