//! What only the PostgreSQL backend needs checking beyond the shared suites
//! (`api.rs` and `console.rs`, which run on PostgreSQL too when
//! `DOORSTEP_TEST_POSTGRES_URL` is set): its schema versioning, the change
//! sequence under concurrent writers, and exactly-once operations under
//! concurrent pushes. They need the variable, so they are ignored in a plain
//! `cargo test` (shown as ignored, never as passed unrun);
//! `server/tests/run-postgres.sh` runs them with `--include-ignored`.

mod common;

use std::collections::HashSet;
use std::sync::Arc;

use doorstep_core::sync::protocol::{FieldChange, OperationOutcome, TemplateRecord};
use doorstep_server::seed::{SeedOptions, seed_demo};
use doorstep_server::storage::postgres::PostgresStorage;
use doorstep_server::storage::{PreparedOp, Storage, StorageError};
use uuid::Uuid;

/// A fresh schema on the test database; fails, never skips, without one.
async fn fresh() -> (String, Arc<PostgresStorage>) {
    let base = common::postgres_url()
        .expect("DOORSTEP_TEST_POSTGRES_URL is not set: run server/tests/run-postgres.sh");
    let url = common::fresh_postgres_schema(&base).await;
    let storage = PostgresStorage::connect(&url).await.expect("connect");
    (url, Arc::new(storage))
}

async fn raw(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run server/tests/run-postgres.sh"]
async fn a_newer_database_is_refused_and_left_untouched() {
    let (url, storage) = fresh().await;
    drop(storage);
    let client = raw(&url).await;
    client
        .batch_execute(
            "UPDATE schema_version SET version = 99; CREATE TABLE from_the_future (x int);",
        )
        .await
        .expect("write");
    match PostgresStorage::connect(&url).await {
        Err(StorageError::NewerSchema { found, supported }) => {
            assert_eq!(found, 99);
            assert!(supported < 99);
        }
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("a newer database was opened"),
    }
    let row = client
        .query_one(
            "SELECT (SELECT version FROM schema_version),
                    to_regclass('from_the_future') IS NOT NULL",
            &[],
        )
        .await
        .expect("read");
    assert_eq!(row.get::<_, i64>(0), 99);
    assert!(row.get::<_, bool>(1));
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run server/tests/run-postgres.sh"]
async fn a_database_reopens_at_its_version_with_its_data() {
    let (url, storage) = fresh().await;
    let t = TemplateRecord {
        template_id: "reopen_check".into(),
        version: 1,
        definition: serde_json::json!({"id": "reopen_check"}),
    };
    assert!(storage.publish_template(&t).await.expect("publish"));
    drop(storage);
    let again = PostgresStorage::connect(&url).await.expect("reopen");
    assert!(!again.publish_template(&t).await.expect("publish again"));
    let client = raw(&url).await;
    let row = client
        .query_one("SELECT version FROM schema_version", &[])
        .await
        .expect("read");
    assert_eq!(row.get::<_, i64>(0), 7, "the current schema version");
}

/// Writers commit concurrently while a device pulls with its cursor: every
/// change is pulled exactly once, none is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: run server/tests/run-postgres.sh"]
async fn a_pull_never_misses_a_change_committed_concurrently() {
    let (_, storage) = fresh().await;
    const WRITERS: usize = 6;
    const EACH: usize = 25;
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let storage = Arc::clone(&storage);
        writers.push(tokio::spawn(async move {
            for i in 0..EACH {
                let t = TemplateRecord {
                    template_id: format!("concurrent_{w}"),
                    version: u32::try_from(i + 1).expect("small"),
                    definition: serde_json::json!({"writer": w, "i": i}),
                };
                assert!(storage.publish_template(&t).await.expect("publish"));
            }
        }));
    }
    let user = Uuid::new_v4();
    let mut cursor = 0;
    let mut seen = HashSet::new();
    let mut done = false;
    loop {
        let page = storage.pull(user, &[], cursor, 7).await.expect("pull");
        assert!(page.last_seq >= cursor);
        for t in &page.templates {
            if t.template_id.starts_with("concurrent_") {
                assert!(
                    seen.insert((t.template_id.clone(), t.version)),
                    "pulled twice"
                );
            }
        }
        cursor = page.last_seq;
        if done && !page.more {
            break;
        }
        if !done && writers.iter().all(|w| w.is_finished()) {
            // One more sweep after every writer has committed.
            done = true;
        }
        tokio::task::yield_now().await;
    }
    for w in writers {
        w.await.expect("writer");
    }
    assert_eq!(seen.len(), WRITERS * EACH, "every change was pulled");
}

/// The same household edit pushed by several connections at once is applied
/// once, and every push answers the first result.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: run server/tests/run-postgres.sh"]
async fn concurrent_pushes_of_one_operation_apply_it_once() {
    let (_, storage) = fresh().await;
    let seed = seed_demo(
        storage.as_ref(),
        &SeedOptions {
            password: "pw 电池 correct".into(),
            grids: 1,
            households_per_grid: 1,
        },
    )
    .await
    .expect("seed");
    let household = seed.households[0][0];
    let worker = seed.user("worker1").expect("worker").id;
    let before = storage
        .household(household)
        .await
        .expect("read")
        .expect("household")
        .version;
    let op_id = Uuid::new_v4();
    let op = PreparedOp::EditHousehold {
        op_id,
        household_id: household,
        base_version: before,
        changes: vec![FieldChange {
            field: "door".into(),
            value: Some("1203".into()),
        }],
    };
    let mut pushes = Vec::new();
    for _ in 0..8 {
        let storage = Arc::clone(&storage);
        let op = op.clone();
        pushes.push(tokio::spawn(async move {
            storage.apply_ops(worker, vec![op]).await.expect("push")
        }));
    }
    let mut outcomes = Vec::new();
    for p in pushes {
        let results = p.await.expect("push task");
        assert_eq!(results.len(), 1);
        outcomes.push(serde_json::to_value(&results[0]).expect("json"));
    }
    assert!(outcomes.windows(2).all(|w| w[0] == w[1]), "{outcomes:?}");
    let after = storage
        .household(household)
        .await
        .expect("read")
        .expect("household");
    assert_eq!(after.version, before + 1, "applied once");
    assert_eq!(after.door.as_deref(), Some("1203"));
    let remembered = storage.op_results(&[op_id]).await.expect("results");
    match &remembered[&op_id].outcome {
        OperationOutcome::Merged { new_version, .. } => assert_eq!(*new_version, before + 1),
        other => panic!("unexpected outcome {other:?}"),
    }
}

/// The suites' servers really run where the environment says: no SQLite file
/// when PostgreSQL is set, no local blob directory when S3 is.
#[tokio::test]
async fn the_suites_servers_use_the_configured_backends() {
    let dir = tempfile::tempdir().expect("dir");
    let config = common::config(dir.path()).await;
    let server = doorstep_server::start(config).await.expect("start");
    assert_eq!(
        dir.path().join("doorstep.db").exists(),
        common::postgres_url().is_none()
    );
    assert_eq!(
        dir.path().join("blobs").exists(),
        common::s3_url().is_none()
    );
    server.shutdown().await.expect("shutdown");
}

/// The same visit pushed by several connections at once is stored once, and
/// every push answers (none fails on the duplicate).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL: run server/tests/run-postgres.sh"]
async fn concurrent_pushes_of_one_visit_store_it_once() {
    use doorstep_core::domain::DeviceInstant;
    use doorstep_core::sync::protocol::VisitSubmission;
    use doorstep_server::storage::NewVisit;

    let (_, storage) = fresh().await;
    let seed = seed_demo(
        storage.as_ref(),
        &SeedOptions {
            password: "pw 电池 correct".into(),
            grids: 1,
            households_per_grid: 1,
        },
    )
    .await
    .expect("seed");
    let household = seed.households[0][0];
    let worker = seed.user("worker1").expect("worker").id;
    // Several rounds, each a fresh visit raced by many pushes.
    for round in 0..10u64 {
        let at = chrono::Utc::now();
        let id = Uuid::new_v4();
        let op_id = Uuid::new_v4();
        let op = PreparedOp::Visit {
            op_id,
            visit: Box::new(NewVisit {
                submission: VisitSubmission {
                    visit_id: id,
                    visit_group: id,
                    revision: 1,
                    template_id: "elder_alone_visit".into(),
                    template_version: 1,
                    household_id: household,
                    started: DeviceInstant {
                        utc: at - chrono::Duration::minutes(20),
                        offset_seconds: 28_800,
                    },
                    finalized: DeviceInstant {
                        utc: at,
                        offset_seconds: 28_800,
                    },
                    answers: serde_json::json!({"health": "fair"}),
                    door_check: None,
                    photos: Vec::new(),
                },
                grid_id: seed.grid_ids[0],
                worker_id: worker,
                server_door_check: None,
                flags: vec!["no_door_check".into()],
                proposed_location: None,
            }),
        };
        let mut pushes = Vec::new();
        for _ in 0..16 {
            let storage = Arc::clone(&storage);
            let op = op.clone();
            pushes.push(tokio::spawn(async move {
                storage.apply_ops(worker, vec![op]).await
            }));
        }
        let mut outcomes = Vec::new();
        for p in pushes {
            let results = p.await.expect("push task").expect("every push answers");
            outcomes.push(serde_json::to_value(&results[0]).expect("json"));
        }
        assert!(outcomes.windows(2).all(|w| w[0] == w[1]), "{outcomes:?}");
        assert_eq!(storage.visit_count().await.expect("count"), round + 1);
        assert!(storage.visit(id).await.expect("read").is_some());
    }
}
