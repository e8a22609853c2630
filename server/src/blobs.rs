//! The photo blob store: content-addressed by SHA-256, uploaded in resumable chunks.
//!
//! A partial upload lives in `staging/<sha256>.part` under the data directory;
//! its length is the offset the device resumes from. A chunk must start exactly
//! at that offset. When the last byte arrives the whole file is hashed: a match
//! moves it into the [`ObjectStore`] (a local directory by default) and records
//! it in storage; a mismatch discards the partial so the device starts again.
//! Chunks of one blob are applied one at a time (a per-blob lock).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::auth::hex;
use crate::storage::Storage;
use doorstep_protocol::BlobStatus;

/// Why a blob call failed.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("a blob name is 64 lowercase hex characters")]
    BadName,
    #[error("the chunk does not fit the declared total")]
    BadRange,
    #[error("the blob is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("the upload is at offset {actual}")]
    OffsetMismatch { actual: u64 },
    #[error("the bytes do not hash to the blob's name")]
    HashMismatch,
    #[error("a blob store URL is s3://bucket or s3://bucket/prefix")]
    BadUrl,
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    #[error("object store: {0}")]
    Store(#[from] object_store::Error),
}

/// Whether `name` is a valid blob name (lowercase hex SHA-256).
pub fn valid_name(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Blob storage: staging for partial uploads, an object store for accepted blobs.
pub struct BlobStore {
    store: Arc<dyn ObjectStore>,
    staging: PathBuf,
    max_blob_bytes: u64,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl BlobStore {
    /// A store keeping accepted blobs in `data_dir/blobs` and partial uploads in
    /// `data_dir/staging`, both created when missing.
    pub fn open_local(data_dir: &Path, max_blob_bytes: u64) -> Result<Self, BlobError> {
        let blobs = data_dir.join("blobs");
        let staging = data_dir.join("staging");
        std::fs::create_dir_all(&blobs)?;
        std::fs::create_dir_all(&staging)?;
        let store = LocalFileSystem::new_with_prefix(&blobs)?;
        Ok(Self::new(Arc::new(store), staging, max_blob_bytes))
    }

    /// A store keeping accepted blobs in an S3-compatible bucket named by `url`
    /// (`s3://bucket` or `s3://bucket/prefix`) and partial uploads in
    /// `data_dir/staging`. Credentials, region and endpoint come from the
    /// usual `AWS_*` variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_REGION`, `AWS_ENDPOINT` for MinIO and the like, `AWS_ALLOW_HTTP=true`
    /// for a plain-HTTP endpoint), read by object_store's AWS builder.
    pub fn open_s3(url: &str, data_dir: &Path, max_blob_bytes: u64) -> Result<Self, BlobError> {
        let parsed = url::Url::parse(url).map_err(|_| BlobError::BadUrl)?;
        if parsed.scheme() != "s3" || parsed.host_str().is_none_or(str::is_empty) {
            return Err(BlobError::BadUrl);
        }
        let staging = data_dir.join("staging");
        std::fs::create_dir_all(&staging)?;
        let bucket = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()?;
        let prefix = parsed.path().trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(bucket)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(bucket, prefix))
        };
        Ok(Self::new(store, staging, max_blob_bytes))
    }

    /// A store over any object store (S3, memory, …), staging in `staging`.
    pub fn new(store: Arc<dyn ObjectStore>, staging: PathBuf, max_blob_bytes: u64) -> Self {
        Self {
            store,
            staging,
            max_blob_bytes,
            locks: Mutex::new(HashMap::new()),
        }
    }

    fn object_path(sha: &str) -> ObjectPath {
        ObjectPath::from(format!("{}/{}", &sha[..2], sha))
    }

    fn part_path(&self, sha: &str) -> PathBuf {
        self.staging.join(format!("{sha}.part"))
    }

    fn lock_for(&self, sha: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        // Drop locks nobody holds any more, so the map stays small.
        locks.retain(|_, l| Arc::strong_count(l) > 1);
        Arc::clone(locks.entry(sha.to_owned()).or_default())
    }

    async fn staged_len(&self, sha: &str) -> Result<u64, BlobError> {
        match tokio::fs::metadata(self.part_path(sha)).await {
            Ok(m) => Ok(m.len()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// How far the server has the blob: complete (hash checked) or the offset
    /// the next chunk must start at.
    pub async fn status(
        &self,
        storage: &dyn Storage,
        sha: &str,
    ) -> Result<BlobStatus, crate::error::ServerError> {
        if !valid_name(sha) {
            return Err(BlobError::BadName.into());
        }
        if let Some(size) = storage.blob_size(sha).await? {
            return Ok(BlobStatus {
                offset: size,
                complete: true,
            });
        }
        Ok(BlobStatus {
            offset: self.staged_len(sha).await?,
            complete: false,
        })
    }

    /// Appends `chunk` at `offset` of a blob of `total` bytes. Promises: a
    /// chunk at any other offset than the staged length is refused with the
    /// real offset and changes nothing; the blob is accepted only when its
    /// bytes hash to its name; a complete blob answers complete again.
    pub async fn append(
        &self,
        storage: &dyn Storage,
        uploader: Uuid,
        sha: &str,
        offset: u64,
        total: u64,
        chunk: Bytes,
    ) -> Result<BlobStatus, crate::error::ServerError> {
        if !valid_name(sha) {
            return Err(BlobError::BadName.into());
        }
        if total > self.max_blob_bytes {
            return Err(BlobError::TooLarge {
                limit: self.max_blob_bytes,
            }
            .into());
        }
        let lock = self.lock_for(sha);
        let _held = lock.lock().await;
        if let Some(size) = storage.blob_size(sha).await? {
            return Ok(BlobStatus {
                offset: size,
                complete: true,
            });
        }
        let staged = self.staged_len(sha).await?;
        if offset != staged {
            return Err(BlobError::OffsetMismatch { actual: staged }.into());
        }
        let end = offset
            .checked_add(chunk.len() as u64)
            .ok_or(BlobError::BadRange)?;
        if total == 0 || end > total {
            return Err(BlobError::BadRange.into());
        }
        let part = self.part_path(sha);
        if !chunk.is_empty() {
            let mut file = tokio::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&part)
                .await
                .map_err(BlobError::from)?;
            file.write_all(&chunk).await.map_err(BlobError::from)?;
            file.flush().await.map_err(BlobError::from)?;
        }
        if end < total {
            return Ok(BlobStatus {
                offset: end,
                complete: false,
            });
        }
        let mut bytes = Vec::with_capacity(total as usize);
        tokio::fs::File::open(&part)
            .await
            .map_err(BlobError::from)?
            .read_to_end(&mut bytes)
            .await
            .map_err(BlobError::from)?;
        let digest = hex(&Sha256::digest(&bytes));
        if digest != sha {
            tokio::fs::remove_file(&part)
                .await
                .map_err(BlobError::from)?;
            return Err(BlobError::HashMismatch.into());
        }
        self.store
            .put(&Self::object_path(sha), PutPayload::from(bytes))
            .await
            .map_err(BlobError::from)?;
        storage.record_blob(sha, total, uploader).await?;
        tokio::fs::remove_file(&part)
            .await
            .map_err(BlobError::from)?;
        Ok(BlobStatus {
            offset: total,
            complete: true,
        })
    }

    /// The bytes of an accepted blob.
    pub async fn get(&self, sha: &str) -> Result<Bytes, BlobError> {
        if !valid_name(sha) {
            return Err(BlobError::BadName);
        }
        Ok(self
            .store
            .get(&Self::object_path(sha))
            .await?
            .bytes()
            .await?)
    }
}
