//! Start-up through the real binary: join links at first and later starts,
//! the bootstrap token, and refusing a store it cannot trust.

use crate::binary::{self, Amphi};
use crate::data_dir;
use amphi::secret::hash_token;

#[test]
fn join_links_are_printed_at_first_start_and_saved_without_the_moderator() {
    let dir = data_dir();
    let first = Amphi::start(&dir.0, None, &[]);
    assert_eq!(first.links.len(), 5, "{:?}", first.links);
    let saved = dir.0.join("join-links.txt");
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(!text.contains("moderator:"), "{text}");
    for role in ["mentor", "jury", "participant", "spectator"] {
        assert!(text.contains(&first.token(role)), "{role} saved");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&saved).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "join-links.txt is private");
    }
    let participant = first.token("participant");
    first.kill();

    let second = Amphi::start(&dir.0, None, &[]);
    assert!(
        !second.links.contains_key("moderator"),
        "{:?}",
        second.links
    );
    assert_eq!(second.links.len(), 4);
    assert_eq!(second.token("participant"), participant);
    assert!(
        second.links["participant"].contains(&second.addr.to_string()),
        "links use the current address"
    );
    // The note is printed right after the links.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !second.stderr().contains("first start only") {
        assert!(std::time::Instant::now() < deadline, "{}", second.stderr());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_bootstrap_token_gives_a_moderator_link_at_every_start_journaled_once() {
    let dir = data_dir();
    let secret = "operator-chosen-secret-42";
    let env = [("AMPHI_BOOTSTRAP_TOKEN", secret)];
    let first = Amphi::start(&dir.0, None, &env);
    assert_eq!(first.token("moderator"), secret);
    first.kill();
    let second = Amphi::start(&dir.0, None, &env);
    assert_eq!(second.token("moderator"), secret);
    second.kill();
    let state = binary::dump(&dir.0);
    let invites = state["invites"].as_array().unwrap();
    let hash = hash_token(secret);
    assert_eq!(
        invites.iter().filter(|i| i["token_hash"] == hash).count(),
        1,
        "one bootstrap invite"
    );
    assert_eq!(
        invites.iter().filter(|i| i["role"] == "moderator").count(),
        1,
        "no random moderator invite besides the operator's"
    );
}

#[test]
fn a_corrupt_journal_stops_the_start_naming_the_file() {
    let dir = data_dir();
    Amphi::start(&dir.0, None, &[]).kill();
    let segment = dir
        .0
        .join("events")
        .join("demo")
        .join("journal-00000000000000000001.log");
    let mut bytes = std::fs::read(&segment).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(&segment, &bytes).unwrap();
    let (status, stderr) = binary::run_until_exit(&dir.0);
    assert!(!status.success(), "refused: {stderr}");
    assert!(
        stderr.contains("journal-00000000000000000001.log") && stderr.contains("corrupt"),
        "{stderr}"
    );
    // Nothing was changed: the dump refuses the same way.
    assert_eq!(std::fs::read(&segment).unwrap(), bytes);
}

#[test]
fn an_unusable_data_dir_stops_the_start_naming_it() {
    let dir = data_dir();
    std::fs::write(&dir.0, "not a directory").unwrap();
    let (status, stderr) = binary::run_until_exit(&dir.0);
    assert!(!status.success());
    assert!(stderr.contains(&dir.0.display().to_string()), "{stderr}");
    let _ = std::fs::remove_file(&dir.0);
}
