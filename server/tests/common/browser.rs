//! A browser of one console user for the suites: its own cookie jar, no
//! redirects followed, forms posted as a browser posts them.

use std::collections::HashMap;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION, SET_COOKIE};

use super::{PASSWORD, client, csrf_in, enc};

pub struct Browser {
    /// The server's URL, without a trailing slash.
    pub base: String,
    pub http: reqwest::Client,
    /// The cookies it holds, by name.
    pub cookies: HashMap<String, String>,
    /// Every `Set-Cookie` line received, in order.
    pub set_cookie_lines: Vec<String>,
}

/// One answer, as the browser saw it.
pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub csp: Option<String>,
    pub body: String,
}

impl Browser {
    /// A browser with no cookies, for the server at `base`.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: client(),
            cookies: HashMap::new(),
            set_cookie_lines: Vec::new(),
        }
    }

    /// The `Cookie` header it would send.
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Reads an answer to a request sent by hand, keeping its cookies.
    pub async fn take(&mut self, r: reqwest::Response) -> Page {
        for v in r.headers().get_all(SET_COOKIE) {
            let line = v.to_str().expect("ascii cookie").to_owned();
            let (kv, _) = line.split_once(';').unwrap_or((&line, ""));
            let (k, v) = kv.split_once('=').expect("cookie pair");
            if line.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
            self.set_cookie_lines.push(line.clone());
        }
        let header = |name| {
            r.headers()
                .get(name)
                .map(|v: &reqwest::header::HeaderValue| {
                    v.to_str().expect("ascii header").to_owned()
                })
        };
        let (location, csp) = (header(LOCATION), header(CONTENT_SECURITY_POLICY));
        Page {
            status: r.status(),
            location,
            csp,
            body: r.text().await.expect("body"),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let r = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        self.take(r).await
    }

    /// A download: the status and the bytes.
    pub async fn get_bytes(&mut self, path: &str) -> (StatusCode, Vec<u8>) {
        let r = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        (r.status(), r.bytes().await.expect("bytes").to_vec())
    }

    /// Posts `form` URL-encoded.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let r = self
            .request(reqwest::Method::POST, path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST");
        self.take(r).await
    }

    /// Posts a multipart upload form: the CSRF token (when given) and `file`.
    pub async fn upload(
        &mut self,
        path: &str,
        csrf: Option<&str>,
        file_name: &str,
        bytes: &[u8],
    ) -> Page {
        self.upload_with(path, csrf, &[], file_name, bytes).await
    }

    /// Posts a multipart upload form: the CSRF token (when given), `file`,
    /// and each of `attachments` (file name, bytes) under `attachments`.
    pub async fn upload_attached(
        &mut self,
        path: &str,
        csrf: Option<&str>,
        file_name: &str,
        bytes: &[u8],
        attachments: &[(&str, &[u8])],
    ) -> Page {
        let files: Vec<(&str, &str, &[u8])> = std::iter::once(("file", file_name, bytes))
            .chain(attachments.iter().map(|(n, b)| ("attachments", *n, *b)))
            .collect();
        self.upload_parts(path, csrf, &[], &files).await
    }

    /// Posts a multipart upload form: the CSRF token (when given), these
    /// text fields, and `file`.
    pub async fn upload_with(
        &mut self,
        path: &str,
        csrf: Option<&str>,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: &[u8],
    ) -> Page {
        self.upload_parts(path, csrf, fields, &[("file", file_name, bytes)])
            .await
    }

    /// Posts a multipart form: the CSRF token (when given), these text
    /// fields, and these files (field name, file name, bytes).
    async fn upload_parts(
        &mut self,
        path: &str,
        csrf: Option<&str>,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Page {
        let boundary = "----doorstep-test-boundary-7d1f";
        let mut body = Vec::new();
        let csrf = csrf.map(|c| ("csrf", c));
        for (name, value) in csrf.iter().chain(fields) {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        for (field, file_name, bytes) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\n\
Content-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let r = self
            .request(reqwest::Method::POST, path)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .expect("POST");
        self.take(r).await
    }

    /// Fills in and posts the sign-in form; the answer, whatever it is.
    pub async fn try_login(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/console/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = csrf_in(&form.body);
        self.post(
            "/console/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
            ],
        )
        .await
    }

    /// Signs in with the suites' password; panics unless sent to the console.
    pub async fn login(&mut self, username: &str) {
        self.login_with(username, PASSWORD).await;
    }

    /// Signs in; panics unless sent to the console.
    pub async fn login_with(&mut self, username: &str, password: &str) {
        let p = self.try_login(username, password).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        assert_eq!(p.location.as_deref(), Some("/console"));
    }

    /// The CSRF token of the signed-in session, from any page's logout form.
    pub async fn csrf(&mut self) -> String {
        let p = self.get("/console").await;
        assert_eq!(p.status, StatusCode::OK);
        csrf_in(&p.body)
    }
}
