//! TLS to PostgreSQL, against the throwaway cluster of `run-postgres.sh`
//! (TLS on, its certificate signed by a CA made by the script): the URL's
//! `sslmode` and `sslrootcert` decide whether the connection is encrypted and
//! which certificates are accepted. They need `DOORSTEP_TEST_POSTGRES_URL` and
//! the CA variables, so a plain `cargo test` shows them as ignored; the script
//! runs them with `--include-ignored` (and they fail, not skip, without them).

mod common;

use doorstep_server::seed::{SeedOptions, seed_demo};
use doorstep_server::storage::postgres::PostgresStorage;
use doorstep_server::storage::{Storage, StorageError, pg_tls};

/// The test database's URL and the paths of the right and the wrong CA.
fn setup() -> (String, String, String) {
    let need = "DOORSTEP_TEST_POSTGRES_URL / _CA / _WRONG_CA are not set: run server/tests/run-postgres.sh";
    let ca = std::env::var("DOORSTEP_TEST_POSTGRES_CA").expect(need);
    let wrong = std::env::var("DOORSTEP_TEST_POSTGRES_WRONG_CA").expect(need);
    (common::postgres_url().expect(need), ca, wrong)
}

fn with(url: &str, options: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{options}")
}

/// Connects as the server does and says whether this session is encrypted.
async fn encrypted(url: &str) -> Result<bool, StorageError> {
    let (config, tls, _) = pg_tls::parse(url)?;
    let (client, connection) = config.connect(tls).await.map_err(pg_tls::connect_error)?;
    tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await?;
    Ok(row.get(0))
}

fn refusal(result: Result<bool, StorageError>) -> String {
    match result {
        Err(StorageError::Postgres(message)) => message,
        other => panic!("expected a refused certificate, got {other:?}"),
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run server/tests/run-postgres.sh"]
async fn verify_full_with_the_right_ca_round_trips_through_the_storage() {
    let (base, ca, _) = setup();
    let url = with(
        &common::fresh_postgres_schema(&base).await,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    );
    assert!(
        encrypted(&url).await.expect("connect"),
        "the session is TLS"
    );
    let storage = PostgresStorage::connect(&url)
        .await
        .expect("connect the storage");
    let seed = seed_demo(
        &storage,
        &SeedOptions {
            password: "pw".into(),
            grids: 1,
            households_per_grid: 1,
        },
    )
    .await
    .expect("writes over TLS");
    let worker = storage
        .user_by_username("worker1")
        .await
        .expect("a read over TLS")
        .expect("the seeded worker");
    assert_eq!(Some(worker.id), seed.user("worker1").map(|u| u.id));
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run server/tests/run-postgres.sh"]
async fn a_certificate_from_another_ca_or_for_another_host_is_refused_clearly() {
    let (base, ca, wrong) = setup();
    let message = refusal(
        encrypted(&with(
            &base,
            &format!("sslmode=verify-full&sslrootcert={wrong}"),
        ))
        .await,
    );
    assert!(message.contains("certificate was refused"), "{message}");
    assert!(message.contains("UnknownIssuer"), "{message}");
    assert!(message.contains("证书未通过验证"), "{message}");
    let storage = PostgresStorage::connect(&with(
        &base,
        &format!("sslmode=require&sslrootcert={wrong}"),
    ))
    .await
    .err()
    .expect("require with a root file checks the chain, as libpq does");
    assert!(
        storage.to_string().contains("certificate was refused"),
        "{storage}"
    );

    // The right CA, but the URL names a host the certificate is not for
    // (reached through hostaddr): verify-full refuses, verify-ca accepts.
    let port = url::Url::parse(&base).expect("url").port().expect("port");
    let elsewhere =
        format!("postgres://doorstep@db.example.invalid:{port}/doorstep_test?hostaddr=127.0.0.1");
    let message = refusal(
        encrypted(&with(
            &elsewhere,
            &format!("sslmode=verify-full&sslrootcert={ca}"),
        ))
        .await,
    );
    assert!(message.contains("NotValidForName"), "{message}");
    assert!(
        encrypted(&with(
            &elsewhere,
            &format!("sslmode=verify-ca&sslrootcert={ca}")
        ))
        .await
        .expect("verify-ca does not compare the name")
    );
}

#[tokio::test]
#[ignore = "needs PostgreSQL: run server/tests/run-postgres.sh"]
async fn plain_and_unverified_modes_still_connect() {
    let (base, _, _) = setup();
    assert!(
        !encrypted(&with(&base, "sslmode=disable"))
            .await
            .expect("disable")
    );
    assert!(
        encrypted(&with(&base, "sslmode=require"))
            .await
            .expect("require")
    );
    assert!(
        encrypted(&base).await.expect("prefer, the default"),
        "TLS when offered"
    );
}
