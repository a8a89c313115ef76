//! SqliteStore: the dedupe fixtures, restarts, and two processes on one file.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failure should panic

use std::path::PathBuf;
use std::process::Command;

use axhook::chrono::{TimeDelta, Utc};
use axhook::{Claim, DedupeStore};
use axhook_sqlite::SqliteStore;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("axhook-sqlite-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn every_dedupe_sequence() {
    let dir = temp_dir("fixtures");
    let fixture = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/dedupe.json"
    ))
    .unwrap();
    let steps = axhook::testing::run_dedupe_fixture(&fixture, |name, lease, retention| {
        SqliteStore::with_limits(dir.join(format!("{name}.sqlite3")), lease, retention).unwrap()
    });
    assert!(steps.clone().is_ok_and(|n| n >= 30), "{steps:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_restart_keeps_duplicates_duplicate_and_leases_leased() {
    let dir = temp_dir("restart");
    let path = dir.join("d.sqlite3");
    let now = Utc::now();
    {
        let store = SqliteStore::open(&path).unwrap();
        let Claim::New(done) = store.claim("1:done", now).unwrap() else {
            panic!()
        };
        store.complete(&done, now).unwrap();
        let Claim::New(_crashed) = store.claim("1:crashed", now).unwrap() else {
            panic!()
        };
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.claim("1:done", now).unwrap(), Claim::Duplicate);
    assert_eq!(store.claim("1:crashed", now).unwrap(), Claim::InProgress);
    // The crashed worker's lease expires and the retry takes it over.
    assert!(matches!(
        store
            .claim("1:crashed", now + TimeDelta::minutes(5))
            .unwrap(),
        Claim::New(_)
    ));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn expired_rows_are_swept() {
    let dir = temp_dir("sweep");
    let store = SqliteStore::with_limits(
        dir.join("s.sqlite3"),
        TimeDelta::seconds(10),
        TimeDelta::seconds(60),
    )
    .unwrap();
    let now = Utc::now();
    for i in 0..100 {
        let Claim::New(t) = store.claim(&format!("1:{i}"), now).unwrap() else {
            panic!()
        };
        store.complete(&t, now).unwrap();
    }
    assert_eq!(store.sweep(now + TimeDelta::seconds(59)).unwrap(), 0);
    assert_eq!(store.sweep(now + TimeDelta::seconds(60)).unwrap(), 100);
    assert!(store.is_empty().unwrap());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_unwritable_path_is_store_unavailable() {
    let err = SqliteStore::open("/proc/axhook/nope.sqlite3").unwrap_err();
    assert_eq!(err.code(), "store_unavailable");
}

/// Child mode: claim every id of a shared list and print how many were new.
#[test]
fn child_claimer() {
    let (Ok(path), Ok(ids)) = (
        std::env::var("AXHOOK_SQLITE_CHILD_DB"),
        std::env::var("AXHOOK_SQLITE_CHILD_IDS"),
    ) else {
        return; // only meaningful when spawned by two_processes_on_one_file
    };
    let store = SqliteStore::open(path).unwrap();
    let now = Utc::now();
    let ids: usize = ids.parse().unwrap();
    let mut new = Vec::new();
    for i in 0..ids {
        if let Claim::New(t) = store.claim(&format!("7:{i}"), now).unwrap() {
            new.push(i);
            store.complete(&t, now).unwrap();
        }
    }
    println!(
        "NEW {}",
        new.iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
}

#[test]
fn two_processes_on_one_file_get_one_new_per_id() {
    let dir = temp_dir("procs");
    let path = dir.join("shared.sqlite3");
    SqliteStore::open(&path).unwrap(); // create the schema once
    const IDS: usize = 400;
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(&exe)
                .args([
                    "child_claimer",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("AXHOOK_SQLITE_CHILD_DB", &path)
                .env("AXHOOK_SQLITE_CHILD_IDS", IDS.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let children: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut seen = vec![0; IDS];
    let mut per_child = Vec::new();
    for out in &children {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.split_once("NEW ").map(|(_, ids)| ids))
            .expect("child output");
        let ids: Vec<usize> = line
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().parse().unwrap())
            .collect();
        per_child.push(ids.len());
        for id in ids {
            seen[id] += 1;
        }
    }
    println!("new claims per process: {per_child:?}");
    assert!(
        seen.iter().all(|n| *n == 1),
        "ids claimed new other than once: {:?}",
        seen.iter()
            .enumerate()
            .filter(|(_, n)| **n != 1)
            .collect::<Vec<_>>()
    );
    std::fs::remove_dir_all(&dir).ok();
}
