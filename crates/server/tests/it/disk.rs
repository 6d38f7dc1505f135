//! A full disk (SQLite): the real `corral` binary runs on a small tmpfs that is then filled to
//! the last byte. Writes are refused with a clear 503 in Close's error shape and change
//! nothing, reads keep working, writes work again as soon as space is freed, and
//! after a SIGKILL and a restart every acknowledged write is there, once, and no refused one
//! is, in a database that passes SQLite's integrity check.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::client;
use crate::procs::{all_leads, get, post, start};

/// A tmpfs of a few MiB mounted on a fresh folder, unmounted when dropped.
struct SmallDisk {
    dir: PathBuf,
}

impl SmallDisk {
    /// None where this process may not mount (it is not root): the test is then skipped,
    /// except in CI, where it must run.
    fn mount(mib: u64) -> Option<Self> {
        let dir = corral_store::testing::temp_dir("full-disk");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if mounted {
            return Some(Self { dir });
        }
        let _ = std::fs::remove_dir(&dir);
        assert!(
            !corral_store::testing::postgres_required(),
            "CI must run the full-disk test: it mounts a tmpfs, which needs root"
        );
        eprintln!("note: cannot mount a tmpfs (not root); full-disk test skipped");
        None
    }

    /// Fills what is left with a file until the disk refuses another byte.
    fn fill(&self) -> PathBuf {
        let path = self.dir.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        for chunk in [1 << 20, 4096, 1] {
            let buf = vec![0u8; chunk];
            while f.write_all(&buf).and_then(|()| f.sync_all()).is_ok() {}
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_cleanly_and_loses_nothing() {
    let Some(disk) = SmallDisk::mount(64) else {
        return;
    };
    let server = start(&disk.dir, None, Some(300)).await;
    let creds: Value = serde_json::from_str(
        &std::fs::read_to_string(disk.dir.join("demo-credentials.json")).unwrap(),
    )
    .unwrap();
    let owner = creds["members"][0]["api_key"].as_str().unwrap().to_string();
    let mut acknowledged: Vec<String> = vec![];
    for i in 0..5 {
        let name = format!("Before {i}");
        let (s, l) = post(&server.url, &owner, "lead/", &json!({"name": name})).await;
        assert_eq!(s, StatusCode::OK, "{l}");
        acknowledged.push(name);
    }

    // Fill the disk, then write until the database needs space it cannot get (the WAL file
    // may first take some writes in the room it already has).
    let filler = disk.fill();
    let description = "Full disk. ".repeat(20_000);
    let mut refused: Vec<String> = vec![];
    for i in 0..400 {
        let name = format!("Full {i}");
        let resp = client()
            .post(format!("{}/api/v1/lead/", server.url))
            .basic_auth(&owner, Some(""))
            .json(&json!({"name": name, "description": description}))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let retry_after = resp.headers().get("retry-after").cloned();
        let body: Value = resp.json().await.unwrap_or(Value::Null);
        match status {
            StatusCode::OK => acknowledged.push(name),
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(
                    body["error"]
                        .as_str()
                        .is_some_and(|m| m.contains("run out of disk space")),
                    "{body}"
                );
                assert_eq!(body["field-errors"], json!({}), "{body}");
                assert!(retry_after.is_some(), "a refused write says when to retry");
                refused.push(name);
                if refused.len() == 5 {
                    break;
                }
            }
            other => panic!("a write on a full disk answered {other}: {body}"),
        }
    }
    assert_eq!(refused.len(), 5, "the full disk refused writes");
    eprintln!(
        "full disk: {} leads acknowledged after filling, then refusals",
        acknowledged.len() - 5
    );

    // Reading and health still work on a full disk.
    let (s, page) = get(&server.url, &owner, "lead/?_limit=5").await;
    assert_eq!(s, StatusCode::OK, "{page}");
    assert_eq!(page["data"].as_array().map(Vec::len), Some(5), "{page}");
    let health = client()
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);

    // Space comes back: so do writes, at once.
    std::fs::remove_file(&filler).unwrap();
    let (s, l) = post(&server.url, &owner, "lead/", &json!({"name": "After"})).await;
    assert_eq!(s, StatusCode::OK, "{l}");
    acknowledged.push("After".into());

    // Killed and restarted: every acknowledged lead is there once, no refused one is.
    let mut server = server;
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);
    let server = start(&disk.dir, None, None).await;
    let names: Vec<String> = all_leads(&server.url, &owner, "id,name")
        .await
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_string())
        .collect();
    let present: HashSet<&String> = names.iter().collect();
    for n in &acknowledged {
        assert_eq!(
            names.iter().filter(|x| *x == n).count(),
            1,
            "acknowledged lead '{n}' is there once"
        );
    }
    for n in &refused {
        assert!(!present.contains(n), "refused lead '{n}' was not stored");
    }
    drop(server);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // The file itself is sound.
    use sqlx::Connection;
    let mut c = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        disk.dir.join("corral.db").display()
    ))
    .await
    .unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(check, "ok");
}
