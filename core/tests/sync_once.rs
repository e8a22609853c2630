//! One sync at a time: the worker's "sync now" and the background job share
//! one `Device`; a second run started while the first is going is refused
//! with its own error, and the first one is not disturbed.

mod common;

use doorstep_core::device::{Device, DeviceError};
use doorstep_core::store::{DatabaseKey, OpenMode};
use doorstep_core::sync::{CancelFlag, Progress, SyncError, SyncOptions};
use std::sync::Mutex;
use std::sync::mpsc;

fn run<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for one sync")
        .block_on(future)
}

fn options(device: &Device, worker_asked: bool) -> SyncOptions {
    device.sync_options(worker_asked).expect("the settings")
}

#[test]
fn a_second_sync_while_one_runs_is_refused_and_the_first_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let device = Device::open(
        &dir.path().join("device.db"),
        &DatabaseKey::from_bytes([7; 32]),
        OpenMode::OpenOrCreate,
    )
    .unwrap();
    common::sign_in_worker(&device);

    // The first run (the background job) stops in its first progress report
    // until the second has been tried.
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let started_tx = Mutex::new(Some(started_tx));
    let release_rx = Mutex::new(release_rx);
    let first_cancel = CancelFlag::new();
    let held = |_: &Progress| {
        if let Some(tx) = started_tx.lock().unwrap().take() {
            tx.send(()).unwrap();
            release_rx.lock().unwrap().recv().unwrap();
        }
    };

    std::thread::scope(|threads| {
        let first =
            threads.spawn(|| run(device.sync(options(&device, false), &held, &first_cancel)));
        started_rx.recv().expect("the first sync started");

        // "立即同步" on another thread while the first runs.
        let second = threads
            .spawn(|| {
                let sync = run(device.sync(options(&device, true), &|_| {}, &CancelFlag::new()));
                let pull = run(device.pull(&CancelFlag::new()));
                (sync, pull)
            })
            .join()
            .unwrap();
        assert!(
            matches!(second.0, Err(DeviceError::AlreadySyncing)),
            "{:?}",
            second.0
        );
        assert!(
            matches!(second.1, Err(DeviceError::AlreadySyncing)),
            "{:?}",
            second.1
        );

        // The first run goes on (stopped before it reaches the network: the
        // test has no server) and ends as it would have.
        first_cancel.cancel();
        release_tx.send(()).unwrap();
        let first = first.join().unwrap();
        assert!(
            matches!(first, Err(DeviceError::Sync(SyncError::Cancelled))),
            "{first:?}"
        );
    });

    // Once it ended, the next sync is not refused (it runs, and stops at the
    // cancel flag raised before it).
    let stopped = CancelFlag::new();
    stopped.cancel();
    let next = run(device.sync(options(&device, true), &|_| {}, &stopped));
    assert!(
        matches!(next, Err(DeviceError::Sync(SyncError::Cancelled))),
        "{next:?}"
    );
}
