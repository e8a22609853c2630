//! TLS for the PostgreSQL connection, with rustls (the ring provider, as the
//! rest of the workspace), chosen by libpq's `sslmode` and `sslrootcert` in
//! the database URL.
//!
//! tokio-postgres itself knows only `disable`, `prefer` and `require` and
//! refuses `sslrootcert`, so [`parse`] takes both options out of the URL,
//! gives tokio-postgres the rest untouched, and returns the [`PgTls`]
//! connector that does what the mode promises:
//!
//! | `sslmode` | encrypted | server certificate checked |
//! |---|---|---|
//! | `disable` | no | — |
//! | `allow`, `prefer` (the default, as in libpq) | when the server offers TLS | no |
//! | `require` | yes, or no connection | no — but as `verify-ca` when `sslrootcert` is given (libpq does the same) |
//! | `verify-ca` | yes | signed by a CA in `sslrootcert` |
//! | `verify-full` | yes | signed by a CA in `sslrootcert`, and issued for the host in the URL |
//!
//! `sslrootcert` names a PEM file with one or more CA certificates; it is
//! required for `verify-ca` and `verify-full` (there is no `~/.postgresql`
//! default and no system store: a database server's CA is the operator's).
//! Client certificates (`sslcert`, `sslkey`) are not supported, and the
//! connection offers no SCRAM channel binding: with `verify-full` the
//! certificate check already rules out a server in the middle.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::Socket;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

use super::StorageError;

/// What `sslmode` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<Self, StorageError> {
        Ok(match value {
            "disable" => Self::Disable,
            "allow" | "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            other => {
                return Err(StorageError::Postgres(format!(
                    "sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )));
            }
        })
    }
}

/// Splits a database URL (`postgres://…?sslmode=…&sslrootcert=…`, or the
/// `key=value` form) into tokio-postgres's configuration and the TLS
/// connector its `sslmode` calls for; also returns the mode itself. Fails,
/// without connecting, on a URL that does not parse, an unknown `sslmode`, a
/// `verify-*` mode without `sslrootcert`, or a root file that cannot be read
/// or holds no certificate. Error messages never quote the URL (it may hold
/// a password).
pub fn parse(url: &str) -> Result<(tokio_postgres::Config, PgTls, SslMode), StorageError> {
    let (rest, mode, root) = take_ssl_options(url);
    let mode = mode
        .as_deref()
        .map_or(Ok(SslMode::Prefer), SslMode::parse)?;
    let mut config: tokio_postgres::Config = rest
        .parse()
        .map_err(|_| StorageError::Postgres("the database URL does not parse".into()))?;
    config.ssl_mode(match mode {
        SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            tokio_postgres::config::SslMode::Require
        }
    });
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = root
        .as_deref()
        .map(|p| read_roots(Path::new(p)))
        .transpose()?;
    let verifier: Arc<dyn ServerCertVerifier> = match (mode, roots) {
        (SslMode::VerifyCa | SslMode::VerifyFull, None) => {
            return Err(StorageError::Postgres(format!(
                "sslmode={} needs sslrootcert=FILE (the CA certificate of the database server, PEM)",
                if mode == SslMode::VerifyCa {
                    "verify-ca"
                } else {
                    "verify-full"
                }
            )));
        }
        (SslMode::VerifyFull, Some(roots)) => webpki(roots, &provider)?,
        (SslMode::VerifyCa | SslMode::Require, Some(roots)) => {
            Arc::new(ChainOnly(webpki(roots, &provider)?))
        }
        (SslMode::Disable | SslMode::Prefer | SslMode::Require, _) => {
            Arc::new(Unverified(provider.clone()))
        }
    };
    let tls = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StorageError::Postgres(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok((
        config,
        PgTls {
            config: Arc::new(tls),
        },
        mode,
    ))
}

/// Removes `sslmode` and `sslrootcert` from a URL's query (or from the
/// `key=value` form), leaving every other option as it was written; returns
/// what is left and the two values, decoded.
fn take_ssl_options(url: &str) -> (String, Option<String>, Option<String>) {
    let (mut mode, mut root) = (None, None);
    let mut take = |key: &str, value: String| match key {
        "sslmode" => mode = Some(value),
        "sslrootcert" => root = Some(value),
        _ => {}
    };
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    let rest = if is_url {
        match url.split_once('?') {
            None => url.to_owned(),
            Some((base, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|part| {
                        let pair = url::form_urlencoded::parse(part.as_bytes()).next();
                        match pair {
                            Some((k, v)) if k == "sslmode" || k == "sslrootcert" => {
                                take(&k, v.into_owned());
                                false
                            }
                            _ => true,
                        }
                    })
                    .collect();
                if kept.is_empty() {
                    base.to_owned()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        url.split_whitespace()
            .filter(|part| match part.split_once('=') {
                Some((k, v)) if k == "sslmode" || k == "sslrootcert" => {
                    take(k, v.trim_matches('\'').to_owned());
                    false
                }
                _ => true,
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    (rest, mode, root)
}

fn read_roots(path: &Path) -> Result<RootCertStore, StorageError> {
    let unreadable = |e: &dyn std::fmt::Display| {
        StorageError::Postgres(format!("sslrootcert {}: {e}", path.display()))
    };
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
        let cert = cert.map_err(|e| unreadable(&e))?;
        roots.add(cert).map_err(|e| unreadable(&e))?;
    }
    if roots.is_empty() {
        return Err(unreadable(&"no certificate in the file"));
    }
    Ok(roots)
}

fn webpki(
    roots: RootCertStore,
    provider: &Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, StorageError> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| StorageError::Postgres(format!("TLS setup: {e}")))
}

/// Turns a failed connection into a [`StorageError`], naming a refused server
/// certificate in plain words (what to check, in English and Chinese) instead
/// of tokio-postgres's generic "error performing TLS handshake".
pub fn connect_error(e: tokio_postgres::Error) -> StorageError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(&e);
    while let Some(s) = source {
        let rustls_error = s.downcast_ref::<rustls::Error>().or_else(|| {
            s.downcast_ref::<io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        });
        if let Some(rustls::Error::InvalidCertificate(why)) = rustls_error {
            return StorageError::Postgres(format!(
                "the database server's TLS certificate was refused ({why:?}): check sslrootcert= \
                 and the host name in the database URL / 数据库服务器的 TLS 证书未通过验证，请检查 \
                 sslrootcert 和数据库地址中的主机名"
            ));
        }
        source = s.source();
    }
    e.into()
}

/// The TLS connector handed to tokio-postgres and the pool. Cheap to clone.
#[derive(Clone)]
pub struct PgTls {
    config: Arc<ClientConfig>,
}

impl MakeTlsConnect<Socket> for PgTls {
    type Stream = PgTlsStream;
    type TlsConnect = PgTlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> io::Result<PgTlsConnect> {
        // A Unix socket has no host name; the server never offers TLS there,
        // so a missing name only matters if a handshake is attempted.
        Ok(PgTlsConnect {
            config: self.config.clone(),
            name: ServerName::try_from(domain.to_owned()).ok(),
        })
    }
}

/// One connection's TLS handshake.
pub struct PgTlsConnect {
    config: Arc<ClientConfig>,
    name: Option<ServerName<'static>>,
}

impl TlsConnect<Socket> for PgTlsConnect {
    type Stream = PgTlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<PgTlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let name = self.name.ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the database host is not a valid name or address for TLS",
                )
            })?;
            let stream = tokio_rustls::TlsConnector::from(self.config)
                .connect(name, stream)
                .await?;
            Ok(PgTlsStream(stream))
        })
    }
}

/// An encrypted connection to PostgreSQL.
pub struct PgTlsStream(tokio_rustls::client::TlsStream<Socket>);

impl TlsStream for PgTlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

impl AsyncRead for PgTlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for PgTlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// Accepts any server certificate (`prefer`, `require` without a root file:
/// encryption against listeners, as libpq does), but still checks that the
/// server holds the certificate's key.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a root in `sslrootcert`; the name on
/// the certificate is not compared with the host.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain before the name, so a name mismatch means
        // the chain was good.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssl_options_leave_the_url_and_the_rest_is_kept_as_written() {
        let (rest, mode, root) = take_ssl_options(
            "postgres://u:p%3Fw@db.internal:5432/d?sslmode=verify-full&options=-c%20search_path%3Ds&sslrootcert=%2Fetc%2Fca%20x.pem",
        );
        assert_eq!(
            rest,
            "postgres://u:p%3Fw@db.internal:5432/d?options=-c%20search_path%3Ds"
        );
        assert_eq!(mode.as_deref(), Some("verify-full"));
        assert_eq!(root.as_deref(), Some("/etc/ca x.pem"));

        let (rest, mode, root) = take_ssl_options("postgres://u@h/d?sslmode=require");
        assert_eq!(
            (rest.as_str(), mode.as_deref(), root),
            ("postgres://u@h/d", Some("require"), None)
        );

        let (rest, mode, root) =
            take_ssl_options("host=h user=u sslmode=verify-ca sslrootcert='/ca.pem' dbname=d");
        assert_eq!(rest, "host=h user=u dbname=d");
        assert_eq!(mode.as_deref(), Some("verify-ca"));
        assert_eq!(root.as_deref(), Some("/ca.pem"));
    }

    #[test]
    fn the_mode_is_libpqs_with_prefer_by_default() {
        let mode = |url: &str| parse(url).map(|(config, _, mode)| (mode, config.get_ssl_mode()));
        use tokio_postgres::config::SslMode as Wire;
        assert_eq!(
            mode("postgres://u@h/d").unwrap(),
            (SslMode::Prefer, Wire::Prefer)
        );
        assert_eq!(
            mode("postgres://u@h/d?sslmode=disable").unwrap(),
            (SslMode::Disable, Wire::Disable)
        );
        assert_eq!(
            mode("postgres://u@h/d?sslmode=require").unwrap(),
            (SslMode::Require, Wire::Require)
        );
    }

    #[test]
    fn verification_without_a_root_file_or_with_a_bad_one_is_refused_before_connecting() {
        let message = |url: &str| match parse(url) {
            Err(StorageError::Postgres(m)) => m,
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("{url} was accepted"),
        };
        assert!(message("postgres://u@h/d?sslmode=verify-full").contains("needs sslrootcert"));
        assert!(message("postgres://u@h/d?sslmode=verify-ca").contains("needs sslrootcert"));
        assert!(message("postgres://u@h/d?sslmode=always").contains("is not one of"));
        assert!(
            message("postgres://u:secret@h/d?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem")
                .contains("sslrootcert /nonexistent/ca.pem")
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let url = format!(
            "postgres://u:secret@h/d?sslmode=verify-full&sslrootcert={}",
            empty.display()
        );
        let m = message(&url);
        assert!(m.contains("no certificate"), "{m}");
        assert!(!m.contains("secret"), "the password stays out: {m}");
    }
}
