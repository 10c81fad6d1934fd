//! A scripted HTTP/1.1 server on 127.0.0.1 for the client's tests, plain or over TLS: each
//! request is recorded and answered by the test's handler, one connection per request
//! (`Connection: close`). Every socket has a deadline, so that a test fails rather than hangs.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How long a connection may wait for the client's bytes.
const SOCKET_DEADLINE: Duration = Duration::from_secs(5);

/// A request as the server received it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    pub(crate) path: String,
    /// Names lowercased.
    pub(crate) headers: Vec<(String, String)>,
    /// The form-encoded body, decoded.
    pub(crate) form: Vec<(String, String)>,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A time parameter (`start`, `end`, `step`) in milliseconds.
    pub(crate) fn ms(&self, name: &str) -> i64 {
        let text = self
            .param(name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", self.form));
        seconds_to_ms(text)
    }

    /// How many grid points the request asks for (its end is inclusive).
    pub(crate) fn points(&self) -> i64 {
        (self.ms("end") - self.ms("start")) / self.ms("step") + 1
    }
}

/// `"1700000000.123"` as 1700000000123, exactly (as the servers parse it).
pub(crate) fn seconds_to_ms(text: &str) -> i64 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    assert!(fraction.len() <= 3, "more than ms in {text:?}");
    let whole: i64 = whole.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let fraction: i64 = format!("{fraction:0<3}")
        .parse()
        .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let ms = whole * 1000 + fraction;
    if negative { -ms } else { ms }
}

/// What the server answers.
pub(crate) enum Reply {
    /// A whole response, sent after `delay`.
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        delay: Duration,
    },
    /// A 200 whose `Content-Length` announces `declared` bytes, of which only `body` is sent
    /// before the connection is closed.
    CutShort { declared: usize, body: Vec<u8> },
}

impl Reply {
    pub(crate) fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status,
            headers: vec![("Content-Type".to_string(), content_type.to_string())],
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn json(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply::new(status, "application/json", body)
    }

    /// The API's error body with `status`.
    pub(crate) fn api_error(status: u16, error_type: &str, message: &str) -> Reply {
        Reply::json(
            status,
            serde_json::json!({"status": "error", "errorType": error_type, "error": message})
                .to_string(),
        )
    }

    pub(crate) fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.to_string(), value.to_string()));
        }
        self
    }

    pub(crate) fn after(mut self, wait: Duration) -> Reply {
        if let Reply::Full { delay, .. } = &mut self {
            *delay = wait;
        }
        self
    }
}

/// A value as Go's strconv writes it in the API (`NaN`, `+Inf`, shortest round trip).
pub(crate) fn go_float(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value == f64::INFINITY {
        "+Inf".to_string()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        format!("{value}")
    }
}

/// A time in ms as the API's JSON number of seconds.
pub(crate) fn json_seconds(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let abs = ms.unsigned_abs();
    format!("{sign}{}.{:03}", abs / 1000, abs % 1000)
}

/// The body of a successful range query with `series` (labels as a JSON object, samples).
pub(crate) fn matrix_body(series: &[(&str, Vec<(i64, f64)>)], extra: &str) -> String {
    let result: Vec<String> = series
        .iter()
        .map(|(labels, samples)| {
            let values: Vec<String> = samples
                .iter()
                .map(|(ms, v)| format!("[{},\"{}\"]", json_seconds(*ms), go_float(*v)))
                .collect();
            format!(r#"{{"metric":{labels},"values":[{}]}}"#, values.join(","))
        })
        .collect();
    format!(
        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}{extra}}}"#,
        result.join(",")
    )
}

/// Prometheus' answer to `request` for one series `{__name__="m"}` whose value at `t` is
/// `value_at(t)`: a sample at every grid point from start to end, the end included.
pub(crate) fn grid_matrix(request: &Request, value_at: impl Fn(i64) -> f64) -> Reply {
    let (start, end, step) = (request.ms("start"), request.ms("end"), request.ms("step"));
    let samples: Vec<(i64, f64)> = (start..=end)
        .step_by(step as usize)
        .map(|t| (t, value_at(t)))
        .collect();
    Reply::json(200, matrix_body(&[(r#"{"__name__":"m"}"#, samples)], ""))
}

type Handler = Box<dyn FnMut(&Request) -> Reply + Send>;

pub(crate) struct Server {
    addr: SocketAddr,
    scheme: &'static str,
    requests: Arc<Mutex<Vec<Request>>>,
    body_bytes: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<Vec<JoinHandle<()>>>>,
}

impl Server {
    pub(crate) fn start(handler: impl FnMut(&Request) -> Reply + Send + 'static) -> Server {
        Server::start_with(None, handler)
    }

    /// A server speaking HTTPS with `tls`.
    pub(crate) fn start_tls(
        tls: Arc<rustls::ServerConfig>,
        handler: impl FnMut(&Request) -> Reply + Send + 'static,
    ) -> Server {
        Server::start_with(Some(tls), handler)
    }

    fn start_with(
        tls: Option<Arc<rustls::ServerConfig>>,
        handler: impl FnMut(&Request) -> Reply + Send + 'static,
    ) -> Server {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let body_bytes = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handler: Arc<Mutex<Handler>> = Arc::new(Mutex::new(Box::new(handler)));
        let acceptor = {
            let (requests, body_bytes, stop) = (requests.clone(), body_bytes.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut connections = Vec::new();
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (requests, body_bytes, handler, tls) = (
                        requests.clone(),
                        body_bytes.clone(),
                        handler.clone(),
                        tls.clone(),
                    );
                    connections.push(std::thread::spawn(move || {
                        connection(stream, tls, &requests, &body_bytes, &handler);
                    }));
                }
                connections
            })
        };
        Server {
            addr,
            scheme,
            requests,
            body_bytes,
            stop,
            acceptor: Some(acceptor),
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("requests").clone()
    }

    /// The bytes of the bodies sent in full.
    pub(crate) fn body_bytes(&self) -> u64 {
        self.body_bytes.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor so that it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take()
            && let Ok(connections) = acceptor.join()
        {
            for connection in connections {
                let _ = connection.join();
            }
        }
    }
}

fn connection(
    stream: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    requests: &Mutex<Vec<Request>>,
    body_bytes: &AtomicU64,
    handler: &Mutex<Handler>,
) {
    let _ = stream.set_read_timeout(Some(SOCKET_DEADLINE));
    let _ = stream.set_write_timeout(Some(SOCKET_DEADLINE));
    match tls {
        None => {
            let mut stream = stream;
            serve(&mut stream, requests, body_bytes, handler);
            let _ = stream.shutdown(Shutdown::Both);
        }
        Some(config) => {
            let Ok(session) = rustls::ServerConnection::new(config) else {
                return;
            };
            let mut stream = rustls::StreamOwned::new(session, stream);
            serve(&mut stream, requests, body_bytes, handler);
            stream.conn.send_close_notify();
            let _ = stream.flush();
        }
    }
}

/// One request read and answered; a handshake or read that fails leaves nothing recorded.
fn serve(
    stream: &mut (impl Read + Write),
    requests: &Mutex<Vec<Request>>,
    body_bytes: &AtomicU64,
    handler: &Mutex<Handler>,
) {
    let Some(request) = read_request(stream) else {
        return;
    };
    requests.lock().expect("requests").push(request.clone());
    let reply = (handler.lock().expect("handler"))(&request);
    let bytes = match reply {
        Reply::Full {
            status,
            headers,
            body,
            delay,
        } => {
            std::thread::sleep(delay);
            let mut head = format!("HTTP/1.1 {status} Whatever\r\n");
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ));
            body_bytes.fetch_add(body.len() as u64, Ordering::SeqCst);
            [head.into_bytes(), body].concat()
        }
        Reply::CutShort { declared, body } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \
                 {declared}\r\nConnection: close\r\n\r\n"
            );
            [head.into_bytes(), body].concat()
        }
    };
    // The client may have given up (its timeout): then writing fails, which is no matter.
    let _ = stream.write_all(&bytes);
    let _ = stream.flush();
}

fn read_request(stream: &mut impl Read) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_string();
    let path = request_line.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    let form = String::from_utf8(body)
        .ok()?
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(name), form_decode(value))
        })
        .collect();
    Some(Request {
        method,
        path,
        headers,
        form,
    })
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space, `%XX` a byte.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII");
                out.push(u8::from_str_radix(hex, 16).expect("hex escape"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 form")
}
