//! What survives a cut, operation by operation, without a mount.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

fn name(s: &str) -> &OsStr {
    OsStr::new(s)
}

fn after_cut(disk: &mut Disk, torn: Option<u64>) -> Image {
    disk.cut(torn);
    disk.cut_record().unwrap().image.clone()
}

#[test]
fn unsynced_bytes_are_lost_and_synced_ones_kept() {
    let mut disk = Disk::empty();
    let f = disk.create(ROOT, name("a"), Kind::File, 0o644).unwrap();
    disk.sync(ROOT).unwrap();
    disk.write(f, 0, b"hello").unwrap();
    disk.sync(f).unwrap();
    disk.write(f, 5, b" world").unwrap();
    assert_eq!(disk.read(f, 0, 100).unwrap(), b"hello world");
    let image = after_cut(&mut disk, None);
    assert_eq!(image.file("a"), Some(&b"hello"[..]));
    assert_eq!(disk.write(f, 0, b"x"), Err(Error::PoweredOff));
    assert_eq!(disk.read(f, 0, 1), Err(Error::PoweredOff));
}

#[test]
fn a_synced_file_without_a_synced_name_is_lost() {
    let mut disk = Disk::empty();
    let d = disk.create(ROOT, name("d"), Kind::Dir, 0o755).unwrap();
    let f = disk.create(d, name("f"), Kind::File, 0o644).unwrap();
    disk.write(f, 0, b"data").unwrap();
    disk.sync(f).unwrap();
    disk.sync(d).unwrap();
    // `d` itself was never made durable in the root.
    let image = after_cut(&mut disk, None);
    assert_eq!(image.file("d/f"), None);

    let mut disk = Disk::empty();
    let d = disk.create(ROOT, name("d"), Kind::Dir, 0o755).unwrap();
    let f = disk.create(d, name("f"), Kind::File, 0o644).unwrap();
    disk.write(f, 0, b"data").unwrap();
    disk.sync(f).unwrap();
    disk.sync(d).unwrap();
    disk.sync(ROOT).unwrap();
    let image = after_cut(&mut disk, None);
    assert_eq!(image.file("d/f"), Some(&b"data"[..]));
}

#[test]
fn a_rename_is_durable_only_after_the_directory_sync() {
    let mut disk = Disk::empty();
    let old = disk.create(ROOT, name("snap"), Kind::File, 0o644).unwrap();
    disk.write(old, 0, b"old").unwrap();
    disk.sync(old).unwrap();
    disk.sync(ROOT).unwrap();
    let tmp = disk
        .create(ROOT, name("snap.tmp"), Kind::File, 0o644)
        .unwrap();
    disk.write(tmp, 0, b"new").unwrap();
    disk.sync(tmp).unwrap();
    disk.rename(ROOT, name("snap.tmp"), ROOT, name("snap"))
        .unwrap();
    assert_eq!(disk.lookup(ROOT, name("snap")), Ok(tmp));
    let image = after_cut(&mut disk, None);
    assert_eq!(image.file("snap"), Some(&b"old"[..]));
    assert_eq!(image.file("snap.tmp"), None);
}

#[test]
fn an_unlink_is_undone_by_a_cut_before_the_directory_sync() {
    let mut disk = Disk::empty();
    let f = disk.create(ROOT, name("f"), Kind::File, 0o644).unwrap();
    disk.write(f, 0, b"x").unwrap();
    disk.sync(f).unwrap();
    disk.sync(ROOT).unwrap();
    disk.unlink(ROOT, name("f")).unwrap();
    assert_eq!(disk.lookup(ROOT, name("f")), Err(Error::NotFound));
    let image = after_cut(&mut disk, None);
    assert_eq!(image.file("f"), Some(&b"x"[..]));
}

#[test]
fn torn_cuts_keep_a_prefix_of_the_unsynced_writes() {
    let mut lengths = std::collections::BTreeSet::new();
    for seed in 0..64 {
        let mut disk = Disk::empty();
        let f = disk.create(ROOT, name("log"), Kind::File, 0o644).unwrap();
        disk.sync(ROOT).unwrap();
        disk.write(f, 0, b"HEAD").unwrap();
        disk.sync(f).unwrap();
        disk.write(f, 4, b"abcdef").unwrap();
        disk.write(f, 10, b"ghij").unwrap();
        let image = after_cut(&mut disk, Some(seed));
        let kept = image.file("log").unwrap();
        assert!(b"HEADabcdefghij".starts_with(kept), "{kept:?}");
        assert!(kept.len() >= 4, "synced bytes are never lost");
        lengths.insert(kept.len());
    }
    assert!(lengths.len() > 3, "torn lengths vary: {lengths:?}");
}

#[test]
fn a_trigger_cuts_before_the_named_operation() {
    let mut disk = Disk::empty();
    disk.arm(Trigger {
        op: Some(Op::Rename),
        name: ".snap".into(),
        skip: 1,
        torn: None,
    });
    for n in 0..3 {
        let tmp = format!("s{n}.snap.tmp");
        disk.create(ROOT, name(&tmp), Kind::File, 0o644).unwrap();
        let result = disk.rename(ROOT, name(&tmp), ROOT, name(&format!("s{n}.snap")));
        if n < 1 {
            result.unwrap();
        } else {
            assert_eq!(result, Err(Error::PoweredOff));
            break;
        }
    }
    let cut = disk.cut_record().unwrap();
    assert_eq!(cut.before, Some((Op::Rename, "s1.snap".to_string())));
}

#[test]
fn load_and_write_back_round_trip() {
    let root = std::env::temp_dir().join(format!("powercut-disk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("events/demo")).unwrap();
    std::fs::write(root.join("events/demo/journal"), b"records").unwrap();
    let mut disk = Disk::load(&root).unwrap();
    let events = disk.lookup(ROOT, name("events")).unwrap();
    let demo = disk.lookup(events, name("demo")).unwrap();
    let f = disk.create(demo, name("new"), Kind::File, 0o600).unwrap();
    disk.write(f, 0, b"unsynced").unwrap();
    let image = after_cut(&mut disk, None);
    image.write_into(&root).unwrap();
    assert_eq!(
        std::fs::read(root.join("events/demo/journal")).unwrap(),
        b"records"
    );
    assert!(!root.join("events/demo/new").exists());
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn torn_cuts_keep_any_subset_of_a_directorys_changes_and_renames_whole() {
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..64 {
        let mut disk = Disk::empty();
        let a = disk.create(ROOT, name("a"), Kind::File, 0o644).unwrap();
        let b = disk.create(ROOT, name("b"), Kind::File, 0o644).unwrap();
        disk.sync(a).unwrap();
        disk.sync(b).unwrap();
        disk.sync(ROOT).unwrap();
        let t = disk.create(ROOT, name("t"), Kind::File, 0o644).unwrap();
        disk.sync(t).unwrap();
        disk.rename(ROOT, name("t"), ROOT, name("s")).unwrap();
        disk.unlink(ROOT, name("a")).unwrap();
        disk.unlink(ROOT, name("b")).unwrap();
        let image = after_cut(&mut disk, Some(seed));
        let present: Vec<bool> = ["a", "b", "s", "t"]
            .iter()
            .map(|n| image.file(n).is_some())
            .collect();
        assert!(
            !(present[2] && present[3]),
            "a rename is whole: {present:?}"
        );
        seen.insert(present);
    }
    // Any unlink may stick without the others: many outcomes, not a prefix.
    assert!(seen.len() > 4, "{seen:?}");
}
